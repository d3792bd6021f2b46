//! The syntax tree of a `_filter`: what was written, with a byte span on every node.
//!
//! The tree borrows the filter text. It keeps everything needed to print the filter back
//! (groups, arithmetic parentheses, function calls as written) and, next to every value
//! expression on the right of an operator, the constant it folds to.
//!
//! Spans never take part in the equality of tree nodes ([`Expr`], [`Term`] compare their
//! kinds only), so two trees parsed from differently spaced text compare equal. Spans
//! themselves compare by position, so errors at different places differ.

use std::borrow::Cow;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::Serialize;

use super::functions::Function;
use super::text::Text;
use super::value::Clock;

/// A byte range `start..end` in the filter text.
///
/// Spans compare by position. The tree nodes that carry one ([`Expr`], [`Term`]) leave it
/// out of their own equality, so trees compare by structure and values, not by position
/// (sqlparser does the same).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Number of bytes covered.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True for a zero-width span (used for "end of input").
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A parsed filter. `expr` is `None` for an empty or blank filter, which matches every record.
/// Equality compares the trees, not the clocks.
///
/// ```
/// use spark_filter::{Clock, ParseOptions, parse_with};
/// let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").unwrap();
/// let options = ParseOptions { clock: Clock::Fixed(now), ..Default::default() };
/// let f = parse_with("substring(Name, day(now()), 2) Eq 'ab'", &options).unwrap();
/// // The planner folds the field side's constants (day(now()) is 22) against this clock.
/// assert_eq!(f.clock, Clock::Fixed(now));
/// ```
#[derive(Clone, Debug, Serialize)]
pub struct Filter<'a> {
    /// The condition tree, absent for an empty filter.
    pub expr: Option<Expr<'a>>,
    /// The clock the filter's constants were folded against: the parse options' clock, or
    /// its one reading when that is the system clock and the filter read it. The planner
    /// folds what is left (constant arguments on the field side) against the same clock, so
    /// one filter never sees two times.
    #[serde(skip)]
    pub clock: Clock,
}

impl PartialEq for Filter<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr
    }
}

/// A boolean expression node. Equality compares the kind, not the span.
#[derive(Clone, Debug, Serialize)]
pub struct Expr<'a> {
    /// What the node is.
    #[serde(flatten)]
    pub kind: ExprKind<'a>,
    /// Where it is in the filter text.
    pub span: Span,
}

impl PartialEq for Expr<'_> {
    fn eq(&self, other: &Self) -> bool {
        let Expr { kind, span: _ } = self;
        *kind == other.kind
    }
}

/// The kinds of boolean expression.
///
/// `A Not B` (binary Not) is `And[A, Not B]`; `Not` as the first unit of a conjunction is
/// unary. `And` binds tighter than `Or`; both are n-ary and keep their children in order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExprKind<'a> {
    /// Any child matches.
    Or {
        /// Two or more children.
        children: Vec<Expr<'a>>,
    },
    /// Every child matches.
    And {
        /// Two or more children.
        children: Vec<Expr<'a>>,
    },
    /// The child does not match.
    Not {
        /// The negated unit.
        expr: Box<Expr<'a>>,
    },
    /// Parentheses around a conjunction (they count toward the nesting limit).
    Group {
        /// The grouped expression.
        expr: Box<Expr<'a>>,
    },
    /// `operand Op condition`.
    Comparison(Box<Comparison<'a>>),
}

/// `lhs op rhs`, for example `ListPrice Bt 100000,200000`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison<'a> {
    /// The field side: a field, a function of fields, or arithmetic over them.
    pub lhs: Term<'a>,
    /// The operator.
    pub op: Op,
    /// The value side.
    pub rhs: Rhs<'a>,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Op {
    /// Equal (with a list: any of).
    Eq,
    /// Not equal (with a list: none of).
    Ne,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Between, inclusive on both ends.
    Bt,
}

impl Op {
    /// The canonical keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "Eq",
            Op::Ne => "Ne",
            Op::Gt => "Gt",
            Op::Ge => "Ge",
            Op::Lt => "Lt",
            Op::Le => "Le",
            Op::Bt => "Bt",
        }
    }

    /// True for `Eq` and `Ne`, the only operators every type takes.
    pub fn is_equality(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }
}

/// The value side of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rhs<'a> {
    /// One value.
    Single {
        /// The value expression and its folded constant.
        value: Constant<'a>,
    },
    /// Two or more values (`Eq`: any of; `Ne`: none of).
    List {
        /// The items in order.
        items: Vec<Constant<'a>>,
    },
    /// The two bounds of `Bt`.
    Range {
        /// Lower bound.
        low: Box<Constant<'a>>,
        /// Upper bound.
        high: Box<Constant<'a>>,
    },
}

impl<'a> Rhs<'a> {
    /// All value expressions in order.
    pub fn constants(&self) -> impl Iterator<Item = &Constant<'a>> {
        let (one, many): (Option<&Constant<'a>>, &[Constant<'a>]) = match self {
            Rhs::Single { value } => (Some(value), &[]),
            Rhs::List { items } => (None, items),
            Rhs::Range { .. } => (None, &[]),
        };
        let range = match self {
            Rhs::Range { low, high } => [Some(&**low), Some(&**high)],
            _ => [None, None],
        };
        one.into_iter()
            .chain(many)
            .chain(range.into_iter().flatten())
    }
}

/// A value expression as written, next to the constant it folds to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Constant<'a> {
    /// What was written (`days(-7)`, `0.1 Add 0.2`, `'Fargo'`).
    pub term: Term<'a>,
    /// What it folds to against the parse clock.
    pub value: Value<'a>,
}

/// An arithmetic or value expression, on either side of an operator. Equality compares the
/// kind, not the span.
#[derive(Clone, Debug, Serialize)]
pub struct Term<'a> {
    /// What the node is.
    #[serde(flatten)]
    pub kind: TermKind<'a>,
    /// Where it is in the filter text.
    pub span: Span,
}

impl PartialEq for Term<'_> {
    fn eq(&self, other: &Self) -> bool {
        let Term { kind, span: _ } = self;
        *kind == other.kind
    }
}

/// The kinds of term.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TermKind<'a> {
    /// A standard or custom field.
    Field {
        /// The field reference.
        field: Field<'a>,
    },
    /// A literal value.
    Literal {
        /// The literal.
        value: Literal<'a>,
    },
    /// A function call.
    Call(Box<Call<'a>>),
    /// Unary minus on something that is not a plain number (`-(5)`, `-ListPrice`).
    Negate {
        /// The negated term.
        term: Box<Term<'a>>,
    },
    /// Parentheses around a term (they do not count toward the nesting limit).
    Paren {
        /// The inner term.
        term: Box<Term<'a>>,
    },
    /// `lhs op rhs` with `Mul Div Mod` over `Add Sub`, left associative.
    Arith(Box<Arith<'a>>),
}

impl Term<'_> {
    /// True when a field occurs anywhere in the term.
    pub fn has_field(&self) -> bool {
        match &self.kind {
            TermKind::Field { .. } => true,
            TermKind::Literal { .. } => false,
            TermKind::Call(call) => call.args.iter().any(Term::has_field),
            TermKind::Negate { term } | TermKind::Paren { term } => term.has_field(),
            TermKind::Arith(a) => a.lhs.has_field() || a.rhs.has_field(),
        }
    }
}

/// A function call, `name(args…)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call<'a> {
    /// The function.
    pub function: Function,
    /// The arguments in order.
    pub args: Vec<Term<'a>>,
}

/// A binary arithmetic operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arith<'a> {
    /// The operator.
    pub op: ArithOp,
    /// Left operand.
    pub lhs: Term<'a>,
    /// Right operand.
    pub rhs: Term<'a>,
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ArithOp {
    /// Addition.
    Add,
    /// Subtraction.
    Sub,
    /// Multiplication.
    Mul,
    /// Division (integer division when both sides are integers).
    Div,
    /// Remainder.
    Mod,
}

impl ArithOp {
    /// The canonical keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "Add",
            ArithOp::Sub => "Sub",
            ArithOp::Mul => "Mul",
            ArithOp::Div => "Div",
            ArithOp::Mod => "Mod",
        }
    }

    /// Binding strength: `Mul Div Mod` (2) over `Add Sub` (1).
    pub fn precedence(self) -> u8 {
        match self {
            ArithOp::Add | ArithOp::Sub => 1,
            ArithOp::Mul | ArithOp::Div | ArithOp::Mod => 2,
        }
    }
}

/// A field reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Field<'a> {
    /// `ListPrice`.
    Standard {
        /// The field name.
        name: &'a str,
    },
    /// `"Group"."Field"`.
    Custom {
        /// The first quoted segment.
        group: &'a str,
        /// The second quoted segment.
        name: &'a str,
    },
}

/// A literal as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Literal<'a> {
    /// `'text'`, with wildcards and escapes as written.
    Character(Text<'a>),
    /// `150000`, `-5`.
    Integer(i64),
    /// `1.0`, `9.0E-6` (serialized as a decimal string).
    #[serde(serialize_with = "super::value::serialize_decimal")]
    Decimal(Decimal),
    /// `2011-05-17`.
    Date(NaiveDate),
    /// `10:22:15.422804`.
    Time(NaiveTime),
    /// `2013-07-26T10:22:15-03:00`.
    DateTime(DateTime),
    /// `true`, `false`.
    Boolean(bool),
    /// `NULL`.
    Null,
}

/// A datetime literal: local date and time, with the zone if one was written.
///
/// Without a zone the evaluation context's zone applies (UTC by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The wall-clock date and time as written.
    pub local: NaiveDateTime,
    /// The zone offset, if written (`Z` is `+00:00`).
    pub offset: Option<FixedOffset>,
}

impl Serialize for DateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A constant: what a value expression folds to.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value<'a> {
    /// `NULL`.
    Null,
    /// `true` / `false`.
    Boolean(bool),
    /// A 64-bit integer.
    Integer(i64),
    /// An exact decimal (serialized as a string).
    #[serde(serialize_with = "super::value::serialize_decimal")]
    Decimal(Decimal),
    /// Character data with wildcards (`*`) and escapes in source form.
    Character(Text<'a>),
    /// A calendar date.
    Date(NaiveDate),
    /// A clock time.
    Time(NaiveTime),
    /// A datetime, with its zone if known.
    DateTime(DateTime),
    /// `contains`, `startswith`, `endswith`: a literal substring test.
    Match {
        /// Where the text must occur.
        kind: MatchKind,
        /// The literal text (no wildcards).
        text: Cow<'a, str>,
    },
    /// `regex(pattern[, 'i'])`.
    Regex {
        /// The pattern (already checked to compile).
        pattern: Cow<'a, str>,
        /// The `i` flag.
        case_insensitive: bool,
    },
    /// `range('a','b')`: character values from `low` to `high`, inclusive.
    CharRange {
        /// Lower bound.
        low: Cow<'a, str>,
        /// Upper bound.
        high: Cow<'a, str>,
    },
    /// A geometry from `polygon`, `linestring`, `rectangle`, `radius` or `wkt`.
    Shape(Shape),
}

/// Where `contains`/`startswith`/`endswith` look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Anywhere.
    Contains,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// A point as (latitude, longitude).
pub type Point = (f64, f64);

/// Geometries from the geo functions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A closed ring (the first point repeated at the end when it was left open).
    Polygon {
        /// The ring's points.
        points: Vec<Point>,
    },
    /// An open path of two or more points.
    LineString {
        /// The path's points.
        points: Vec<Point>,
    },
    /// An axis-aligned box from two corners.
    Rectangle {
        /// One corner.
        from: Point,
        /// The opposite corner.
        to: Point,
    },
    /// A circle around a point; the radius is in miles, as in the Spark API.
    Radius {
        /// The centre.
        center: Point,
        /// The radius, greater than zero.
        radius: f64,
    },
    /// A single point (from `wkt('POINT(…)')`).
    Point {
        /// The point.
        point: Point,
    },
}

/// The type of a value, as the parser and the planner see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// `NULL`.
    Null,
    /// `true`, `false`.
    Boolean,
    /// Integers.
    Integer,
    /// Decimals.
    Decimal,
    /// Character data.
    Character,
    /// Dates.
    Date,
    /// Clock times.
    Time,
    /// Datetimes.
    DateTime,
    /// `contains`/`startswith`/`endswith`/`regex` patterns.
    Pattern,
    /// `range('a','b')`.
    CharRange,
    /// Geometries.
    Shape,
}

impl ValueType {
    /// The name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Null => "null",
            ValueType::Boolean => "boolean",
            ValueType::Integer => "integer",
            ValueType::Decimal => "decimal",
            ValueType::Character => "character",
            ValueType::Date => "date",
            ValueType::Time => "time",
            ValueType::DateTime => "datetime",
            ValueType::Pattern => "pattern",
            ValueType::CharRange => "character range",
            ValueType::Shape => "shape",
        }
    }

    /// Integer or decimal.
    pub fn is_numeric(self) -> bool {
        matches!(self, ValueType::Integer | ValueType::Decimal)
    }

    /// Types that `Gt Ge Lt Le Bt` accept.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            ValueType::Integer
                | ValueType::Decimal
                | ValueType::Date
                | ValueType::Time
                | ValueType::DateTime
        )
    }

    /// The common type of two list items or range bounds, with the reference coercions
    /// integer+decimal → decimal and date+datetime → datetime; character values and the
    /// results of `contains()`, `regex()` and the like (which the reference types as
    /// character too) make a pattern list: `'a', contains('b')`.
    pub fn unify(self, other: ValueType) -> Option<ValueType> {
        use ValueType::*;
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Integer, Decimal) | (Decimal, Integer) => Some(Decimal),
            (Date, DateTime) | (DateTime, Date) => Some(DateTime),
            (Character | Pattern | CharRange, Character | Pattern | CharRange) => Some(Pattern),
            _ => None,
        }
    }
}

impl Value<'_> {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Null => ValueType::Null,
            Value::Boolean(_) => ValueType::Boolean,
            Value::Integer(_) => ValueType::Integer,
            Value::Decimal(_) => ValueType::Decimal,
            Value::Character(_) => ValueType::Character,
            Value::Date(_) => ValueType::Date,
            Value::Time(_) => ValueType::Time,
            Value::DateTime(_) => ValueType::DateTime,
            Value::Match { .. } | Value::Regex { .. } => ValueType::Pattern,
            Value::CharRange { .. } => ValueType::CharRange,
            Value::Shape(_) => ValueType::Shape,
        }
    }
}

impl Literal<'_> {
    /// The literal's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Literal::Character(_) => ValueType::Character,
            Literal::Integer(_) => ValueType::Integer,
            Literal::Decimal(_) => ValueType::Decimal,
            Literal::Date(_) => ValueType::Date,
            Literal::Time(_) => ValueType::Time,
            Literal::DateTime(_) => ValueType::DateTime,
            Literal::Boolean(_) => ValueType::Boolean,
            Literal::Null => ValueType::Null,
        }
    }
}
