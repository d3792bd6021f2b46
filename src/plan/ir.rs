//! The plan: a checked, typed condition tree that the SQL compiler and the evaluator consume.
//!
//! The plan is deliberately small:
//! - predicates are positive (`Eq`, `Gt`, `In`, patterns…); `Ne x` is planned as `Not (Eq x)`
//!   and `Ne NULL` as `Not (IsNull)`. With `Not` the exact complement, two-valued logic
//!   holds by construction: `Ne` matches missing and null values, `Gt` on null does not.
//! - values are typed scalars already coerced to the field's type, text already case-folded
//!   for case-insensitive fields, datetimes resolved to instants;
//! - every seed rule (name words, phone numbers, implicit `Visible Eq true`) is explicit.
//!
//! Multi-valued fields (lists, arrays of objects, object keys) match when any element does;
//! under `Not` that becomes "no element does".

use std::fmt::{self, Display, Formatter, Write};

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::Serialize;

use super::phone::PhoneQuery;
use super::schema::{FieldType, PathStep};
use crate::syntax::{ArithOp, Function, Span};

/// A planned filter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The schema it was planned against (its name, stored once like field names).
    pub schema: &'static str,
    /// The condition tree.
    pub root: Node,
    /// `_orderby` keys, in order.
    pub order_by: Vec<OrderKey>,
    /// Conditions removed by the `drop` unknown-field policy (serialized beside the plan,
    /// not inside it).
    #[serde(skip)]
    pub dropped: Vec<Dropped>,
    /// The zone of datetimes written without one, and of `date()` on datetime fields.
    #[serde(serialize_with = "serialize_offset")]
    pub zone: chrono::FixedOffset,
}

fn serialize_path<S: serde::Serializer>(path: &&[PathStep], s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&super::schema::path_text(path))
}

fn serialize_offset<S: serde::Serializer>(
    o: &chrono::FixedOffset,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(o)
}

/// A node of the condition tree.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Node {
    /// A constant: `true` matches every record (the empty filter), `false` none.
    Const {
        /// The constant.
        value: bool,
    },
    /// Every child matches.
    And {
        /// The children.
        children: Vec<Node>,
    },
    /// Some child matches.
    Or {
        /// The children.
        children: Vec<Node>,
    },
    /// The child does not match (exact complement).
    Not {
        /// The negated node.
        node: Box<Node>,
    },
    /// A test of one field-side operand.
    Test(Test),
}

/// One test: an operand and a predicate on it. Equality leaves the span out, as the syntax
/// tree's does, so plans of differently spaced filters compare equal.
#[derive(Clone, Debug, Serialize)]
pub struct Test {
    /// The field side.
    pub operand: Operand,
    /// What the operand must satisfy.
    pub predicate: Predicate,
    /// Whether the operand's text is case-folded before matching (the plan's text constants
    /// are folded exactly when this is true).
    pub fold_case: bool,
    /// The comparison in the filter text this test comes from (empty for implicit tests).
    pub span: Span,
    /// Added by a schema rule rather than written (`Visible Eq true`).
    pub implicit: bool,
}

impl PartialEq for Test {
    fn eq(&self, other: &Self) -> bool {
        let Test {
            operand,
            predicate,
            fold_case,
            span: _,
            implicit,
        } = self;
        *operand == other.operand
            && *predicate == other.predicate
            && *fold_case == other.fold_case
            && *implicit == other.implicit
    }
}

/// A resolved field.
///
/// Its name and path are stored once for the life of the process (each distinct one, when a
/// schema is built), so a reference is plain data: planning a condition copies two
/// pointers, with no shared count to raise and lower (`Copy`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FieldRef {
    /// Index in the schema's field list.
    pub index: usize,
    /// The name as written in filters.
    pub name: &'static str,
    /// Where it lives in a record (serialized as the path text, `Emails[].Address`).
    #[serde(serialize_with = "serialize_path")]
    pub path: &'static [PathStep],
    /// Its type.
    #[serde(rename = "field_type")]
    pub ty: FieldType,
    /// Whether text comparisons respect case; when false, values in the plan are folded.
    pub case_sensitive: bool,
    /// Whether a record may hold several values.
    pub multi_valued: bool,
}

impl FieldRef {
    /// The reference to field `index` of a schema, whose definition is `def`.
    pub fn of(index: usize, def: &super::schema::FieldDef) -> FieldRef {
        FieldRef {
            index,
            name: super::intern::name(&def.name),
            path: super::intern::path(&def.record_path().unwrap_or_default()),
            ty: def.ty,
            case_sensitive: def.case_sensitive,
            multi_valued: def.is_multi_valued(),
        }
    }
}

/// The field side of a test.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Operand {
    /// A field's value(s).
    Field(FieldRef),
    /// A function of an operand; the other arguments are constants.
    Call {
        /// The function.
        function: Function,
        /// The operand it applies to.
        arg: Box<Operand>,
        /// Its constant arguments.
        args: Vec<Scalar>,
    },
    /// Arithmetic.
    Arith {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        lhs: Box<Operand>,
        /// Right operand.
        rhs: Box<Operand>,
    },
    /// Unary minus.
    Negate {
        /// The negated operand.
        arg: Box<Operand>,
    },
    /// A constant inside arithmetic.
    Const {
        /// The constant.
        value: Scalar,
    },
}

impl Operand {
    /// The fields the operand reads.
    pub fn fields(&self) -> Vec<&FieldRef> {
        let mut out = Vec::new();
        self.collect_fields(&mut out);
        out
    }

    fn collect_fields<'s>(&'s self, out: &mut Vec<&'s FieldRef>) {
        match self {
            Operand::Field(f) => out.push(f),
            Operand::Call { arg, .. } | Operand::Negate { arg } => arg.collect_fields(out),
            Operand::Arith { lhs, rhs, .. } => {
                lhs.collect_fields(out);
                rhs.collect_fields(out);
            }
            Operand::Const { .. } => {}
        }
    }
}

/// A typed constant.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Scalar {
    /// 64-bit integer.
    Integer(i64),
    /// Exact decimal (serialized as a string).
    #[serde(serialize_with = "crate::syntax::value::serialize_decimal")]
    Decimal(Decimal),
    /// Text (already folded when the field is case-insensitive).
    Text(String),
    /// Boolean.
    Boolean(bool),
    /// Calendar date.
    Date(NaiveDate),
    /// An instant.
    DateTime(chrono::DateTime<chrono::Utc>),
    /// A clock time.
    Time(NaiveTime),
}

/// Comparison operators of [`Predicate::Compare`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CmpOp {
    /// Equal.
    Eq,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl CmpOp {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "Eq",
            CmpOp::Gt => "Gt",
            CmpOp::Ge => "Ge",
            CmpOp::Lt => "Lt",
            CmpOp::Le => "Le",
        }
    }
}

/// A text pattern from wildcards or `contains`/`startswith`/`endswith`.
///
/// Text is folded when the field is case-insensitive. It is a [`SmolStr`](crate::SmolStr):
/// text of up to 23 bytes (most filter values) is held inline, longer text is shared, so
/// that planning a value allocates nothing for it and SQL compilation binds it as a
/// parameter without an allocation or a copy of a long text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "text", rename_all = "snake_case")]
pub enum Pattern {
    /// The whole value equals the text.
    Exact(smol_str::SmolStr),
    /// The value starts with the text (`'abc*'`).
    Prefix(smol_str::SmolStr),
    /// The value ends with the text (`'*abc'`).
    Suffix(smol_str::SmolStr),
    /// The value contains the text (`'*abc*'`).
    Contains(smol_str::SmolStr),
    /// The value consists of the parts in order with anything between (`'a*b*c'`): the first
    /// part is anchored at the start, the last at the end, and an empty first or last part
    /// means that end is open.
    Glob(Vec<String>),
}

/// The patterns of a text test, any of which may match. Most tests have one (`City Eq
/// 'Fargo'`), which is held inline: planning it allocates nothing beyond its text. Several
/// are held in a vector. It reads as a slice, compares as one, and serializes as a list.
///
/// ```
/// use spark_filter::plan::{Pattern, Patterns};
/// let one = Patterns::from(Pattern::Exact("fargo".into()));
/// assert_eq!(one.len(), 1);
/// let two = Patterns::from(vec![Pattern::Prefix("far".into()), Pattern::Suffix("go".into())]);
/// assert_eq!(two[1], Pattern::Suffix("go".into()));
/// // However it is held, the same patterns are equal.
/// assert_eq!(one, Patterns::from(vec![Pattern::Exact("fargo".into())]));
/// ```
#[derive(Clone)]
pub struct Patterns(PatternsRepr);

/// How [`Patterns`] holds them.
#[derive(Clone)]
enum PatternsRepr {
    One(Pattern),
    Many(Vec<Pattern>),
}

impl Patterns {
    /// The patterns as a slice.
    pub fn as_slice(&self) -> &[Pattern] {
        match &self.0 {
            PatternsRepr::One(p) => std::slice::from_ref(p),
            PatternsRepr::Many(ps) => ps,
        }
    }
}

impl std::ops::Deref for Patterns {
    type Target = [Pattern];
    fn deref(&self) -> &[Pattern] {
        self.as_slice()
    }
}

impl From<Pattern> for Patterns {
    fn from(p: Pattern) -> Patterns {
        Patterns(PatternsRepr::One(p))
    }
}

impl From<Vec<Pattern>> for Patterns {
    fn from(ps: Vec<Pattern>) -> Patterns {
        Patterns(PatternsRepr::Many(ps))
    }
}

impl FromIterator<Pattern> for Patterns {
    fn from_iter<I: IntoIterator<Item = Pattern>>(iter: I) -> Patterns {
        // Nothing is asked of the iterator after it has ended: collected through `Option`
        // or `Result`, asking again would go on past the first failure.
        let mut iter = iter.into_iter();
        let Some(first) = iter.next() else {
            return Patterns::from(Vec::new());
        };
        let Some(second) = iter.next() else {
            return Patterns::from(first);
        };
        let mut ps = Vec::with_capacity(2 + iter.size_hint().0);
        ps.extend([first, second]);
        ps.extend(iter);
        Patterns::from(ps)
    }
}

impl PartialEq for Patterns {
    fn eq(&self, other: &Patterns) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Patterns {}

impl PartialEq<[Pattern]> for Patterns {
    fn eq(&self, other: &[Pattern]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<[Pattern; N]> for Patterns {
    fn eq(&self, other: &[Pattern; N]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<Vec<Pattern>> for Patterns {
    fn eq(&self, other: &Vec<Pattern>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl std::hash::Hash for Patterns {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for Patterns {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl Serialize for Patterns {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.as_slice())
    }
}

/// What a test's operand must satisfy. All predicates are positive; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Predicate {
    /// One comparison with a scalar (never text: text equality is [`Predicate::Match`]).
    Compare {
        /// The operator.
        op: CmpOp,
        /// The value.
        value: Scalar,
    },
    /// Equal to one of the values (non-text types).
    In {
        /// The values.
        values: Vec<Scalar>,
    },
    /// Between `low` and `high`, inclusive (numbers, dates, times, and text from `range()`).
    Between {
        /// Lower bound.
        low: Scalar,
        /// Upper bound.
        high: Scalar,
    },
    /// The value is null or missing (`Eq NULL`).
    IsNull,
    /// Text matching one of the patterns (`Eq 'Fargo'`, `Eq 'far*','*head'`).
    Match {
        /// The patterns (any may match).
        patterns: Patterns,
    },
    /// Text matching a regular expression (Rust `regex` syntax).
    Regex {
        /// The pattern.
        pattern: String,
        /// The `i` flag.
        case_insensitive: bool,
    },
    /// Accounts `Name` rule: some whitespace-separated word of the value matches one of the
    /// patterns, case-insensitively (patterns are folded).
    AnyWord {
        /// The patterns.
        patterns: Patterns,
    },
    /// Phone rule: some phone number of the record matches one of the queries by its parts.
    Phone {
        /// The queries.
        numbers: Vec<PhoneQuery>,
    },
    /// `all(Field) Eq a,b`: every value is among the field's values.
    ContainsAll {
        /// The values (folded text).
        values: Vec<String>,
    },
}

/// An `_orderby` key. Equality leaves the span out.
#[derive(Clone, Debug, Serialize)]
pub struct OrderKey {
    /// The field.
    pub field: FieldRef,
    /// `-Field`.
    pub descending: bool,
    /// Where it is in the `_orderby` text.
    pub span: Span,
}

impl PartialEq for OrderKey {
    fn eq(&self, other: &Self) -> bool {
        let OrderKey {
            field,
            descending,
            span: _,
        } = self;
        *field == other.field && *descending == other.descending
    }
}

/// A condition removed by the `drop` policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// Always "Dropped", as the Spark API reports it.
    pub status: &'static str,
    /// The unknown field.
    pub field: String,
    /// The condition's text.
    pub condition: String,
    /// Where the condition is.
    pub start: usize,
    /// Where it ends.
    pub end: usize,
}

// ---- Display: a readable form for humans ----------------------------------------------

impl Display for Plan {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)?;
        if !self.order_by.is_empty() {
            f.write_str("\norder by ")?;
            for (i, k) in self.order_by.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(
                    f,
                    "{}{}",
                    k.field.name,
                    if k.descending { " desc" } else { "" }
                )?;
            }
        }
        for d in &self.dropped {
            write!(f, "\ndropped: {} (unknown field {})", d.condition, d.field)?;
        }
        Ok(())
    }
}

impl Display for Node {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Node::Const { value: true } => f.write_str("(all records)"),
            Node::Const { value: false } => f.write_str("(no records)"),
            Node::And { children } => join(f, children, " And "),
            Node::Or { children } => join(f, children, " Or "),
            Node::Not { node } => {
                f.write_str("Not ")?;
                write_child(f, node)
            }
            Node::Test(t) => t.fmt(f),
        }
    }
}

fn join(f: &mut Formatter<'_>, children: &[Node], sep: &str) -> fmt::Result {
    for (i, c) in children.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write_child(f, c)?;
    }
    Ok(())
}

fn write_child(f: &mut Formatter<'_>, n: &Node) -> fmt::Result {
    match n {
        Node::And { .. } | Node::Or { .. } => write!(f, "({n})"),
        _ => n.fmt(f),
    }
}

impl Display for Test {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.operand, self.predicate)?;
        if self.implicit {
            f.write_str(" [implicit]")?;
        }
        Ok(())
    }
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(field) => f.write_str(field.name),
            Operand::Call {
                function,
                arg,
                args,
            } => {
                write!(f, "{}({arg}", function.name())?;
                for a in args {
                    write!(f, ", {a}")?;
                }
                f.write_char(')')
            }
            Operand::Arith { op, lhs, rhs } => write!(f, "({lhs} {} {rhs})", op.as_str()),
            Operand::Negate { arg } => write!(f, "-{arg}"),
            Operand::Const { value } => value.fmt(f),
        }
    }
}

impl Display for Scalar {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Integer(i) => i.fmt(f),
            Scalar::Decimal(d) => crate::syntax::print::DecimalText(*d).fmt(f),
            Scalar::Text(s) => write!(f, "{s:?}"),
            Scalar::Boolean(b) => b.fmt(f),
            Scalar::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Scalar::DateTime(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%.fZ")),
            Scalar::Time(t) => write!(f, "{}", t.format("%H:%M:%S%.f")),
        }
    }
}

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Exact(s) => write!(f, "{s:?}"),
            Pattern::Prefix(s) => write!(f, "startswith {s:?}"),
            Pattern::Suffix(s) => write!(f, "endswith {s:?}"),
            Pattern::Contains(s) => write!(f, "contains {s:?}"),
            Pattern::Glob(parts) => write!(f, "glob {:?}", parts.join("*")),
        }
    }
}

fn list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    if let [one] = items {
        return one.fmt(f);
    }
    f.write_char('(')?;
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        it.fmt(f)?;
    }
    f.write_char(')')
}

impl Display for Predicate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::Compare { op, value } => write!(f, "{} {value}", op.as_str()),
            Predicate::In { values } => {
                f.write_str("In ")?;
                list(f, values)
            }
            Predicate::Between { low, high } => write!(f, "Bt {low}, {high}"),
            Predicate::IsNull => f.write_str("Is Null"),
            Predicate::Match { patterns } => {
                f.write_str("Matches ")?;
                list(f, patterns)
            }
            Predicate::Regex {
                pattern,
                case_insensitive,
            } => write!(
                f,
                "Regex {pattern:?}{}",
                if *case_insensitive { " (i)" } else { "" }
            ),
            Predicate::AnyWord { patterns } => {
                f.write_str("HasWordMatching ")?;
                list(f, patterns)
            }
            Predicate::Phone { numbers } => {
                f.write_str("HasPhone ")?;
                list(f, numbers)
            }
            Predicate::ContainsAll { values } => {
                f.write_str("ContainsAll ")?;
                list(
                    f,
                    values
                        .iter()
                        .map(|v| format!("{v:?}"))
                        .collect::<Vec<_>>()
                        .as_slice(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(s: &str) -> Pattern {
        Pattern::Exact(s.into())
    }

    /// Collected through `Option`, the patterns stop at the first failure: nothing after it
    /// is asked for (the planner reports one error per failed list, not one per value).
    #[test]
    fn collecting_stops_at_the_first_failure() {
        for n in 0..5 {
            let mut asked = 0;
            let collected: Option<Patterns> = (0..n)
                .map(|i| {
                    asked += 1;
                    (i != 1).then(|| exact(&i.to_string()))
                })
                .collect();
            assert_eq!(asked, n.min(2), "{n}");
            match n {
                0 => assert_eq!(collected, Some(Patterns::from(Vec::new()))),
                1 => assert_eq!(collected, Some(Patterns::from(exact("0")))),
                _ => assert_eq!(collected, None),
            }
        }
        let all: Patterns = ["a", "b", "c"].into_iter().map(exact).collect();
        assert_eq!(all, [exact("a"), exact("b"), exact("c")]);
        assert_eq!(
            serde_json::to_string(&Patterns::from(exact("a"))).unwrap(),
            r#"[{"type":"exact","text":"a"}]"#
        );
    }
}
