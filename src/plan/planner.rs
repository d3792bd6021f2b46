//! Checks a syntax tree against a schema and lowers it to a [`Plan`].
//!
//! Every comparison is checked on its own and every error is collected, so a filter with
//! three mistakes gets three errors, each with the span of the offending node.

use chrono::{FixedOffset, NaiveDate, TimeZone};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::ir::*;
use super::phone::{PHONE_FORMS, PhoneQuery};
use super::schema::{Caller, FieldDef, FieldType, Rule, Schema};
use super::text::{folded_text, pattern_of};
use crate::error::{Error, ErrorKind, Errors};
use crate::semantics::fold_if;
use crate::syntax::functions::{Returns, cast_target};
use crate::syntax::{
    self, Clock, Comparison, DateTime, Expr, ExprKind, Field, Filter, Function, Limits, MatchKind,
    Op, ParseOptions, Rhs, Span, Term, TermKind, Value, ValueType,
};

/// What to do with conditions on fields the schema does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownFields {
    /// Report `unknown_field` (the default).
    #[default]
    Error,
    /// Remove the condition, as the Spark API does, and report it as "Dropped".
    Drop,
}

/// How to check a filter: who is asking, the unknown-field policy, the zone, the clock and
/// the parse limits. One value serves both steps; the planner folds with the clock reading
/// the parser made, so the two steps always see the same time.
///
/// There is no `Default`: the caller is always explicit (SPEC 9). [`PlanOptions::new`] takes
/// it and fills the rest with the Spark defaults (unknown fields are errors, UTC, the system
/// clock, [`Limits::default`]).
///
/// ```
/// use spark_filter::{Clock, PlanOptions, plan::{Caller, Role, UnknownFields}};
/// let now = "2026-11-22T12:00:00Z".parse().unwrap();
/// let options = PlanOptions {
///     unknown_fields: UnknownFields::Drop,
///     clock: Clock::Fixed(now),
///     ..PlanOptions::new(Caller::new(Role::Idx))
/// };
/// assert_eq!(options.parse_options().clock, options.clock);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// Who is searching.
    pub caller: Caller,
    /// The unknown-field policy.
    pub unknown_fields: UnknownFields,
    /// The zone of datetimes written without one (default UTC).
    pub zone: FixedOffset,
    /// The clock that `now()`, `days()` and friends read, on both sides of an operator: what
    /// [`check`](super::check) and [`PlanOptions::parse_options`] parse with (the planner
    /// then folds with the tree's reading of it, [`Filter::clock`]).
    pub clock: Clock,
    /// The limits on what a filter may contain.
    pub limits: Limits,
}

impl PlanOptions {
    /// Options for `caller` with the Spark defaults: unknown fields are errors, UTC, the
    /// system clock, the Spark limits.
    pub fn new(caller: Caller) -> PlanOptions {
        PlanOptions {
            caller,
            unknown_fields: UnknownFields::Error,
            zone: FixedOffset::east_opt(0).expect("UTC"),
            clock: Clock::System,
            limits: Limits::default(),
        }
    }

    /// The parse options with the same clock and limits, for parsing a tree that
    /// [`plan`] will take with these options.
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            clock: self.clock,
            limits: self.limits.clone(),
        }
    }
}

/// Plans a parsed filter. `source` is the filter text the tree was parsed from. Constants
/// the parser left to the planner (constant arguments on the field side, such as
/// `day(now())` in `substring(Name, day(now()), 2)`) fold against the tree's own clock,
/// [`Filter::clock`], never a second one; [`check`](super::check) does both steps with one
/// options value.
///
/// ```
/// use spark_filter::{parse_with, plan::{self, builtin, Caller, PlanOptions, Role}};
/// let schema = builtin::builtin("accounts").unwrap();
/// let options = PlanOptions::new(Caller::new(Role::Private));
/// let source = "UserType Eq 'Member' And Name Eq 'thomas*'";
/// let tree = parse_with(source, &options.parse_options()).unwrap();
/// assert!(plan::plan(&tree, source, &schema, &options).is_ok());
/// ```
pub fn plan(
    filter: &Filter<'_>,
    source: &str,
    schema: &Schema,
    options: &PlanOptions,
) -> Result<Plan, Errors> {
    let clock = filter.clock;
    let mut planner = Planner {
        schema,
        options,
        clock,
        source,
        errors: Vec::new(),
        dropped: Vec::new(),
        constrained: Vec::new(),
    };
    let whole = Span::new(0, source.len());
    if !schema.roles.is_empty() && !schema.roles.contains(&options.caller.role) {
        let roles: Vec<&str> = schema.roles.iter().map(|r| r.as_str()).collect();
        planner.errors.push(Error::new(
            ErrorKind::RoleForbidden,
            whole,
            format!(
                "the {} service cannot be searched with the {} role; it serves {} keys",
                schema.name,
                options.caller.role.as_str(),
                roles.join(", ")
            ),
        ));
    }
    let root = match &filter.expr {
        None => Planned::Dropped,
        Some(e) => planner.expr(e),
    };
    planner.check_required(filter, whole);
    let mut root = match root {
        Planned::Node(n) => n,
        Planned::Dropped => Node::Const { value: true },
    };
    planner.add_implicit_tests(&mut root);
    if let Some(errors) = Errors::from_vec(planner.errors) {
        return Err(errors);
    }
    Ok(Plan {
        schema: schema.shared_name(),
        root,
        order_by: Vec::new(),
        dropped: planner.dropped,
        zone: options.zone,
    })
}

/// Parses and checks `_orderby` text such as `-LastName,FirstName` or `+Name`.
pub fn order_by(text: &str, schema: &Schema, caller: &Caller) -> Result<Vec<OrderKey>, Errors> {
    // `_orderby` is short (mostly one key): plain byte scans count and split it (`split`
    // and a vectorized count each cost more set-up than the scan).
    let mut keys = Vec::with_capacity(1 + text.bytes().filter(|&b| b == b',').count());
    let mut errors = Vec::new();
    let mut offset = 0;
    let mut rest = Some(text);
    while let Some(items) = rest {
        // `,` is ASCII: the position found is a character boundary.
        let item;
        (item, rest) = match items.bytes().position(|b| b == b',') {
            Some(i) => (&items[..i], Some(&items[i + 1..])),
            None => (items, None),
        };
        let start = offset + (item.len() - item.trim_start().len());
        let trimmed = item.trim();
        offset += item.len() + 1;
        let span = Span::new(start, start + trimmed.len());
        let (descending, name) = match trimmed.as_bytes().first() {
            Some(b'-') => (true, trimmed[1..].trim_start()),
            Some(b'+') => (false, trimmed[1..].trim_start()),
            _ => (false, trimmed),
        };
        if name.is_empty() {
            errors.push(Error::new(
                ErrorKind::Syntax,
                span,
                "expected a field name in _orderby, such as -LastName,FirstName",
            ));
            continue;
        }
        match schema.field_named(name) {
            None => errors.push(unknown_field(schema, name, span)),
            Some((_, def)) if def.orderable && caller.may_search(&def.access).is_err() => {
                let who = caller.may_search(&def.access).err().unwrap_or_default();
                errors.push(Error::new(
                    ErrorKind::RoleForbidden,
                    span,
                    format!("{} cannot be used with this key: {who}", def.name),
                ));
            }
            // The field reference built at schema load knows it (parsing the path here would
            // cost a few allocations per request).
            Some((index, def))
                if def.orderable
                    && schema
                        .field_ref(index)
                        .map_or_else(|| def.is_multi_valued(), |r| r.multi_valued) =>
            {
                errors.push(Error::new(
                ErrorKind::NotOrderable,
                span,
                format!(
                    "{} holds several values and cannot order results; order by a single-valued field",
                    def.name
                ),
                ))
            }
            Some((_, def)) if def.orderable && !def.searchable => errors.push(Error::new(
                ErrorKind::NotOrderable,
                span,
                format!(
                    "{} is not stored for searching and cannot order results",
                    def.name
                ),
            )),
            Some((index, def)) if def.orderable => keys.push(OrderKey {
                field: schema
                    .field_ref(index)
                    .cloned()
                    .unwrap_or_else(|| FieldRef::of(index, def)),
                descending,
                span,
            }),
            Some((_, def)) => errors.push(Error::new(
                ErrorKind::NotOrderable,
                span,
                format!("{} cannot be used in _orderby", def.name),
            )),
        }
    }
    match Errors::from_vec(errors) {
        None => Ok(keys),
        Some(errors) => Err(errors),
    }
}

fn unknown_field(schema: &Schema, name: &str, span: Span) -> Error {
    let hint = match schema.nearest(name) {
        Some(n) => format!("; did you mean {n}?"),
        None => String::new(),
    };
    Error::new(
        ErrorKind::UnknownField,
        span,
        format!("the {} schema has no field {name}{hint}", schema.name),
    )
}

enum Planned {
    Node(Node),
    Dropped,
}

/// The operand of a test and what it yields.
struct Typed {
    operand: Operand,
    ty: ValueType,
    /// The single field when the operand is a bare field (or `all(Field)`).
    bare: Option<(usize, bool)>,
    case_sensitive: bool,
}

struct Planner<'p> {
    schema: &'p Schema,
    options: &'p PlanOptions,
    /// The clock constants fold against: the tree's ([`Filter::clock`]).
    clock: Clock,
    source: &'p str,
    errors: Vec<Error>,
    dropped: Vec<Dropped>,
    /// The fields with an implicit condition that a comparison staying in the plan
    /// constrains (their implicit test is then left out), by index.
    constrained: Vec<usize>,
}

/// Takes the operand out of `typed` for the node that tests it, leaving a constant behind.
fn take_operand(typed: &mut Typed) -> Operand {
    std::mem::replace(
        &mut typed.operand,
        Operand::Const {
            value: Scalar::Boolean(false),
        },
    )
}

/// A placeholder for a node whose error has been recorded; the plan is discarded.
fn failed() -> Planned {
    Planned::Node(Node::Const { value: false })
}

impl<'p> Planner<'p> {
    fn expr(&mut self, e: &Expr<'_>) -> Planned {
        match &e.kind {
            ExprKind::Or { children } | ExprKind::And { children } => {
                // One spare slot: the top-level And takes the implicit tests without growing.
                let mut kept: Vec<Node> = Vec::with_capacity(children.len() + 1);
                kept.extend(children.iter().filter_map(|c| match self.expr(c) {
                    Planned::Node(n) => Some(n),
                    Planned::Dropped => None,
                }));
                match kept.len() {
                    0 => Planned::Dropped,
                    1 => Planned::Node(kept.pop().expect("one child")),
                    _ if matches!(e.kind, ExprKind::Or { .. }) => {
                        Planned::Node(Node::Or { children: kept })
                    }
                    _ => Planned::Node(Node::And { children: kept }),
                }
            }
            ExprKind::Not { expr } => match self.expr(expr) {
                Planned::Node(n) => Planned::Node(negate(n)),
                Planned::Dropped => Planned::Dropped,
            },
            ExprKind::Group { expr } => self.expr(expr),
            ExprKind::Comparison(c) => self.comparison(c, e.span),
        }
    }

    fn error(&mut self, kind: ErrorKind, span: Span, message: impl Into<String>) -> Planned {
        self.errors.push(Error::new(kind, span, message));
        failed()
    }

    // ---- the field side ---------------------------------------------------------------

    /// Resolves a field; `Ok(None)` when it is unknown and dropped.
    fn field(
        &mut self,
        field: &Field<'_>,
        span: Span,
    ) -> Result<Option<(usize, &'p FieldDef)>, ()> {
        let Some((index, def)) = self.schema.field(field) else {
            if self.options.unknown_fields == UnknownFields::Drop {
                return Ok(None);
            }
            self.errors
                .push(unknown_field(self.schema, &field.to_string(), span));
            return Err(());
        };
        if !def.searchable {
            self.errors.push(Error::new(
                ErrorKind::NotSearchable,
                span,
                format!(
                    "{} cannot be searched in the {} service",
                    def.name, self.schema.name
                ),
            ));
            return Err(());
        }
        if let Err(who) = self.options.caller.may_search(&def.access) {
            self.errors.push(Error::new(
                ErrorKind::RoleForbidden,
                span,
                format!("{} cannot be searched with this key: {who}", def.name),
            ));
            return Err(());
        }
        Ok(Some((index, def)))
    }

    /// Plans the field side. `Ok(None)`: an unknown field was dropped. `Err(())`: an error
    /// was recorded.
    fn operand(&mut self, term: &Term<'_>) -> Result<Option<Typed>, ()> {
        match &term.kind {
            TermKind::Field { field } => {
                let Some((index, def)) = self.field(field, term.span)? else {
                    return Ok(None);
                };
                let field = match self.schema.field_ref(index) {
                    Some(f) => *f,
                    None => FieldRef::of(index, def),
                };
                let field_multi = field.multi_valued;
                Ok(Some(Typed {
                    operand: Operand::Field(field),
                    ty: value_type_of(def.ty),
                    bare: Some((index, field_multi)),
                    case_sensitive: def.case_sensitive,
                }))
            }
            TermKind::Paren { term } => self.operand(term),
            TermKind::Literal { .. } => {
                let value = self.fold(term)?;
                let ty = value.value_type();
                let scalar = self.plain_scalar(&value, term.span)?;
                Ok(Some(Typed {
                    operand: Operand::Const { value: scalar },
                    ty,
                    bare: None,
                    case_sensitive: true,
                }))
            }
            TermKind::Negate { term: inner } => {
                let Some(t) = self.operand(inner)? else {
                    return Ok(None);
                };
                self.single_valued(&t, inner.span)?;
                self.numeric(&t, inner.span, "-")?;
                Ok(Some(Typed {
                    operand: Operand::Negate {
                        arg: Box::new(t.operand),
                    },
                    ty: t.ty,
                    bare: None,
                    case_sensitive: true,
                }))
            }
            TermKind::Arith(a) => {
                let (lhs, rhs) = (self.operand(&a.lhs), self.operand(&a.rhs));
                let (Some(lhs), Some(rhs)) = (lhs?, rhs?) else {
                    return Ok(None);
                };
                for (t, span) in [(&lhs, a.lhs.span), (&rhs, a.rhs.span)] {
                    self.single_valued(t, span)?;
                    self.numeric(t, span, a.op.as_str())?;
                }
                let ty = if lhs.ty == ValueType::Integer && rhs.ty == ValueType::Integer {
                    ValueType::Integer
                } else {
                    ValueType::Decimal
                };
                Ok(Some(Typed {
                    operand: Operand::Arith {
                        op: a.op,
                        lhs: Box::new(lhs.operand),
                        rhs: Box::new(rhs.operand),
                    },
                    ty,
                    bare: None,
                    case_sensitive: true,
                }))
            }
            TermKind::Call(call) => {
                let Some(first) = call.args.first() else {
                    return self.error_unit(term.span, "a field-side call needs a field argument");
                };
                let Some(arg) = self.operand(first)? else {
                    return Ok(None);
                };
                let function = call.function;
                let sig = function.signature();
                if function == Function::All {
                    if !matches!(arg.bare, Some((_, true))) {
                        self.errors.push(Error::new(
                            ErrorKind::TypeMismatch,
                            first.span,
                            "all() takes a field that holds several values, such as Tags",
                        ));
                        return Err(());
                    }
                } else {
                    self.single_valued(&arg, first.span)?;
                    let accepted = sig.args.first().copied().unwrap_or(&[]);
                    if !accepted.contains(&arg.ty) {
                        let names: Vec<&str> = accepted.iter().map(|t| t.as_str()).collect();
                        self.errors.push(Error::new(
                            ErrorKind::TypeMismatch,
                            first.span,
                            format!(
                                "{}() takes {}, but {} is {}",
                                function.name(),
                                names.join(" or "),
                                self.text(first.span),
                                arg.ty.as_str()
                            ),
                        ));
                        return Err(());
                    }
                }
                let mut args = Vec::new();
                let mut cast_to = None;
                for rest in &call.args[1..] {
                    let value = self.fold(rest)?;
                    if function == Function::Cast {
                        if let Value::Character(t) = &value {
                            cast_to = cast_target(&t.value());
                        }
                    }
                    args.push(self.plain_scalar(&value, rest.span)?);
                }
                let ty = match sig.returns {
                    Returns::Fixed(t) => t,
                    Returns::CastTarget => cast_to.unwrap_or(ValueType::Character),
                    Returns::FieldType => arg.ty,
                };
                let bare = if function == Function::All {
                    arg.bare
                } else {
                    None
                };
                Ok(Some(Typed {
                    operand: Operand::Call {
                        function,
                        arg: Box::new(arg.operand),
                        args,
                    },
                    ty,
                    bare,
                    case_sensitive: match function {
                        // Case functions make the comparison's case explicit.
                        Function::ToLower | Function::ToUpper => true,
                        _ => arg.case_sensitive,
                    },
                }))
            }
        }
    }

    fn error_unit<T>(&mut self, span: Span, message: &str) -> Result<T, ()> {
        self.errors
            .push(Error::new(ErrorKind::TypeMismatch, span, message));
        Err(())
    }

    fn single_valued(&mut self, t: &Typed, span: Span) -> Result<(), ()> {
        if let Operand::Field(f) = &t.operand {
            if f.multi_valued {
                let message = format!(
                    "{} holds several values; functions and arithmetic need a field with one value",
                    f.name
                );
                return self.error_unit(span, &message);
            }
        }
        Ok(())
    }

    fn numeric(&mut self, t: &Typed, span: Span, op: &str) -> Result<(), ()> {
        if !t.ty.is_numeric() {
            let message = format!(
                "{op} needs numbers, but {} is {}",
                self.text(span),
                t.ty.as_str()
            );
            return self.error_unit(span, &message);
        }
        Ok(())
    }

    fn fold<'a>(&mut self, term: &Term<'a>) -> Result<Value<'a>, ()> {
        syntax::value::fold(term, &self.clock).map_err(|e| self.errors.push(e))
    }

    fn text(&self, span: Span) -> &'p str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    /// A constant inside an operand (arithmetic, call arguments), without coercion.
    fn plain_scalar(&mut self, value: &Value<'_>, span: Span) -> Result<Scalar, ()> {
        Ok(match value {
            Value::Integer(i) => Scalar::Integer(*i),
            Value::Decimal(d) => Scalar::Decimal(*d),
            Value::Character(t) => Scalar::Text(t.value().into_owned()),
            Value::Boolean(b) => Scalar::Boolean(*b),
            Value::Date(d) => Scalar::Date(*d),
            Value::Time(t) => Scalar::Time(*t),
            Value::DateTime(dt) => Scalar::DateTime(self.instant(dt)),
            other => {
                let message = format!(
                    "a {} value cannot be used here",
                    other.value_type().as_str()
                );
                return self.error_unit(span, &message);
            }
        })
    }

    /// The instant a datetime literal stands for, at microsecond precision (the precision
    /// every back end compares at).
    fn instant(&self, dt: &DateTime) -> chrono::DateTime<chrono::Utc> {
        let offset = dt.offset.unwrap_or(self.options.zone);
        let t = match offset.from_local_datetime(&dt.local) {
            chrono::LocalResult::Single(t) => t.to_utc(),
            _ => dt.local.and_utc(),
        };
        crate::semantics::to_micros(t)
    }

    /// The first instant of a calendar day in the plan's zone.
    fn day_start(&self, d: NaiveDate) -> chrono::DateTime<chrono::Utc> {
        self.instant(&DateTime {
            local: d.and_time(chrono::NaiveTime::MIN),
            offset: None,
        })
    }

    fn local_date(&self, dt: &DateTime) -> NaiveDate {
        match dt.offset {
            None => dt.local.date(),
            Some(_) => self
                .instant(dt)
                .with_timezone(&self.options.zone)
                .date_naive(),
        }
    }

    // ---- comparisons ------------------------------------------------------------------

    fn comparison(&mut self, c: &Comparison<'_>, span: Span) -> Planned {
        // The operand is used where it was returned, not moved out of the result first
        // (the move read it back right after the call wrote it: a stall in perf's samples).
        let mut lhs = self.operand(&c.lhs);
        let typed = match &mut lhs {
            Err(()) => return failed(),
            Ok(None) => {
                self.drop_condition(&c.lhs, span);
                return Planned::Dropped;
            }
            Ok(Some(t)) => t,
        };
        if nested_all(&typed.operand, true) {
            return self.error(
                ErrorKind::TypeMismatch,
                c.lhs.span,
                "all() applies to a whole comparison: write all(Field) Eq 'a','b', not inside another function or arithmetic",
            );
        }
        // Only a comparison that stays in the plan constrains its fields (a dropped one
        // must not switch off an implicit condition).
        let (one, several);
        let fields: &[&FieldRef] = match &typed.operand {
            // The common case without collecting: a bare field.
            Operand::Field(f) => {
                one = [f];
                &one
            }
            other => {
                several = other.fields();
                &several
            }
        };
        for field in fields {
            // Only fields with an implicit condition are asked about; the list stays short
            // (and unallocated for most filters).
            if self.schema.implicit_fields().contains(&field.index)
                && !self.constrained.contains(&field.index)
            {
                self.constrained.push(field.index);
            }
        }
        // Field-level operator restrictions ("Eq only").
        for field in fields {
            let def = &self.schema.fields[field.index];
            if !def.allows(c.op) {
                let ops: Vec<&str> = def.operators.iter().flatten().map(|o| o.as_str()).collect();
                return self.error(
                    ErrorKind::OperatorNotAllowed,
                    span,
                    format!(
                        "{} takes only {}, not {}",
                        def.name,
                        ops.join(", "),
                        c.op.as_str()
                    ),
                );
            }
        }
        if !c.op.is_equality() && !typed.ty.is_ordered() {
            return self.error(
                ErrorKind::OperatorNotAllowed,
                span,
                format!(
                    "{} compares numbers, dates, times and datetimes; {} is {}",
                    c.op.as_str(),
                    self.text(c.lhs.span),
                    typed.ty.as_str()
                ),
            );
        }
        let node = match &c.rhs {
            Rhs::Single { value } => self.single(typed, c.op, &value.value, value.term.span, span),
            Rhs::List { items } => {
                self.list(typed, items.iter().map(|i| (&i.value, i.term.span)), span)
            }
            Rhs::Range { low, high } => self.range(typed, low, high, span),
        };
        let Some(node) = node else {
            return failed();
        };
        Planned::Node(if c.op == Op::Ne { negate(node) } else { node })
    }

    fn drop_condition(&mut self, lhs: &Term<'_>, span: Span) {
        let field = first_field(lhs).map(|f| f.to_string()).unwrap_or_default();
        self.dropped.push(Dropped {
            status: "Dropped",
            field,
            condition: self.text(span).to_string(),
            start: span.start,
            end: span.end,
        });
    }

    /// The test of `typed`'s operand, which it takes: a test is the last use of the operand.
    fn test(&self, typed: &mut Typed, predicate: Predicate, span: Span) -> Node {
        // Regular expressions see the text as stored (their own 'i' flag handles case).
        let fold_case = (!typed.case_sensitive && !matches!(predicate, Predicate::Regex { .. }))
            || matches!(predicate, Predicate::AnyWord { .. });
        Node::Test(Test {
            operand: take_operand(typed),
            predicate,
            fold_case,
            span,
            implicit: false,
        })
    }

    /// `Eq`/`Ne`/`Gt`… with one value. `Ne` is planned as `Eq` here and negated by the
    /// caller.
    fn single(
        &mut self,
        typed: &mut Typed,
        op: Op,
        value: &Value<'_>,
        vspan: Span,
        span: Span,
    ) -> Option<Node> {
        if matches!(value, Value::Null) {
            if let Some((index, _)) = typed.bare {
                let def = &self.schema.fields[index];
                if let Some(allowed) = &def.values {
                    self.errors.push(Error::new(
                        ErrorKind::InvalidValue,
                        vspan,
                        format!("{} is one of {}; NULL is not", def.name, allowed.join(", ")),
                    ));
                    return None;
                }
            }
            return Some(self.test(typed, Predicate::IsNull, span));
        }
        let is_all = matches!(
            typed.operand,
            Operand::Call {
                function: Function::All,
                ..
            }
        );
        let text = matches!(value, Value::Character(_));
        if is_all
            || self.rule(typed) == Some(Rule::Phone)
            || (self.rule(typed) == Some(Rule::NameWords) && text)
        {
            return self.list(typed, std::iter::once((value, vspan)), span);
        }
        match value {
            Value::Character(_) | Value::Match { .. } => {
                let pattern = self.pattern(typed, value, vspan)?;
                Some(self.test(
                    typed,
                    Predicate::Match {
                        patterns: pattern.into(),
                    },
                    span,
                ))
            }
            Value::Regex {
                pattern,
                case_insensitive,
            } => {
                self.expect_text(typed, value, vspan)?;
                Some(self.test(
                    typed,
                    Predicate::Regex {
                        pattern: pattern.to_string(),
                        case_insensitive: *case_insensitive,
                    },
                    span,
                ))
            }
            Value::CharRange { low, high } => {
                self.expect_text(typed, value, vspan)?;
                let (low, high) = (
                    fold_if(low, typed.case_sensitive),
                    fold_if(high, typed.case_sensitive),
                );
                Some(self.test(
                    typed,
                    Predicate::Between {
                        low: Scalar::Text(low),
                        high: Scalar::Text(high),
                    },
                    span,
                ))
            }
            _ => {
                let cmp = match op {
                    Op::Eq | Op::Ne => CmpOp::Eq,
                    Op::Gt => CmpOp::Gt,
                    Op::Ge => CmpOp::Ge,
                    Op::Lt => CmpOp::Lt,
                    Op::Le => CmpOp::Le,
                    Op::Bt => unreachable!("Bt has a range"),
                };
                let scalar = self.coerce(typed, value, vspan)?;
                Some(compare(take_operand(typed), cmp, scalar, span))
            }
        }
    }

    fn rule(&self, typed: &Typed) -> Option<Rule> {
        match &typed.operand {
            Operand::Field(f) => self.schema.fields[f.index].rule,
            _ => None,
        }
    }

    /// `Eq a,b,…` (and single values of rule fields).
    fn list<'v, 'a: 'v>(
        &mut self,
        typed: &mut Typed,
        // The list's values and spans, walked as often as needed without collecting them.
        values: impl ExactSizeIterator<Item = (&'v Value<'a>, Span)> + Clone,
        span: Span,
    ) -> Option<Node> {
        if let Operand::Call {
            function: Function::All,
            ..
        } = typed.operand
        {
            let mut texts = Vec::with_capacity(values.len());
            for (v, vspan) in values.clone() {
                match v {
                    Value::Character(t) if !t.has_wildcard() => {
                        texts.push(fold_if(&t.value(), typed.case_sensitive))
                    }
                    _ => {
                        self.errors.push(Error::new(
                            ErrorKind::TypeMismatch,
                            vspan,
                            "all() compares with plain character values (no wildcards)",
                        ));
                        return None;
                    }
                }
            }
            return Some(self.test(typed, Predicate::ContainsAll { values: texts }, span));
        }
        match self.rule(typed) {
            Some(Rule::Phone) => {
                let mut numbers = Vec::with_capacity(values.len());
                for (v, vspan) in values.clone() {
                    let query = match v {
                        Value::Character(t) if !t.has_wildcard() => PhoneQuery::parse(&t.value()),
                        Value::Character(_) => Err(format!(
                            "phone numbers take no wildcards: use {PHONE_FORMS}"
                        )),
                        other => Err(format!(
                            "a phone number is character data, not {}",
                            other.value_type().as_str()
                        )),
                    };
                    match query {
                        Ok(q) => numbers.push(q),
                        Err(message) => {
                            self.errors
                                .push(Error::new(ErrorKind::InvalidValue, vspan, message));
                            return None;
                        }
                    }
                }
                return Some(self.test(typed, Predicate::Phone { numbers }, span));
            }
            Some(Rule::NameWords) => {
                let texts = values.clone().filter_map(|(v, _)| match v {
                    Value::Character(t) => Some(t),
                    _ => None,
                });
                let applies = texts.clone().count() == values.len()
                    && texts.clone().any(|t| t.has_wildcard())
                    && !texts
                        .clone()
                        .any(|t| t.value().chars().any(char::is_whitespace));
                if applies {
                    let patterns = texts.map(|t| pattern_of(t, false)).collect();
                    return Some(self.test(typed, Predicate::AnyWord { patterns }, span));
                }
            }
            None => {}
        }
        let textual = values
            .clone()
            .all(|(v, _)| matches!(v, Value::Character(_) | Value::Match { .. }));
        if textual {
            // One pattern is held inline (`Patterns` collects it without a vector).
            let patterns = values
                .clone()
                .map(|(v, vspan)| self.pattern(typed, v, vspan))
                .collect::<Option<Patterns>>()?;
            return Some(self.test(typed, Predicate::Match { patterns }, span));
        }
        // Non-text lists become one In; values that coercion rules out are left out;
        // calendar days against a datetime field become ranges beside it.
        let mut scalars = Vec::new();
        let mut days = Vec::new();
        for (v, vspan) in values.clone() {
            if matches!(v, Value::Regex { .. } | Value::CharRange { .. }) {
                self.errors.push(Error::new(
                    ErrorKind::TypeMismatch,
                    vspan,
                    "regex() and range() cannot be list items",
                ));
                return None;
            }
            match self.coerce(typed, v, vspan)? {
                Coerced::Exact(s) => scalars.push(s),
                day @ Coerced::Day(..) => days.push(day),
                _ => {}
            }
        }
        let operand = take_operand(typed);
        let mut alternatives: Vec<Node> = days
            .into_iter()
            .map(|day| compare(operand.clone(), CmpOp::Eq, day, span))
            .collect();
        match scalars.len() {
            0 => {}
            1 => alternatives.push(compare(
                operand,
                CmpOp::Eq,
                Coerced::Exact(scalars.remove(0)),
                span,
            )),
            _ => alternatives.push(Node::Test(Test {
                operand,
                predicate: Predicate::In { values: scalars },
                fold_case: false,
                span,
                implicit: false,
            })),
        }
        Some(match alternatives.len() {
            0 => Node::Const { value: false },
            1 => alternatives.remove(0),
            _ => Node::Or {
                children: alternatives,
            },
        })
    }

    fn range(
        &mut self,
        typed: &mut Typed,
        low: &syntax::Constant<'_>,
        high: &syntax::Constant<'_>,
        span: Span,
    ) -> Option<Node> {
        // Bounds of a date and a datetime are both datetimes (SPEC 3): the date becomes
        // midnight in the plan's zone.
        let widen = |v: &Value<'_>, other: &Value<'_>| -> Option<Value<'static>> {
            match (v, other) {
                (Value::Date(d), Value::DateTime(_)) => Some(Value::DateTime(DateTime {
                    local: d.and_time(chrono::NaiveTime::MIN),
                    offset: None,
                })),
                _ => None,
            }
        };
        let (low_w, high_w) = (
            widen(&low.value, &high.value),
            widen(&high.value, &low.value),
        );
        let low_v = low_w.as_ref().unwrap_or(&low.value);
        let high_v = high_w.as_ref().unwrap_or(&high.value);
        let lo = self.coerce(typed, low_v, low.term.span)?;
        let hi = self.coerce(typed, high_v, high.term.span)?;
        let operand = take_operand(typed);
        let lo = match lo {
            Coerced::Exact(s) => s,
            Coerced::Day(start, _) => Scalar::DateTime(start),
            Coerced::Between(_, up) => up,
            Coerced::Beyond(true) => return Some(Node::Const { value: false }),
            Coerced::Beyond(false) => Scalar::Integer(i64::MIN),
        };
        let hi = match hi {
            Coerced::Exact(s) => s,
            Coerced::Day(_, next) => Scalar::DateTime(just_before(next)),
            Coerced::Between(down, _) => down,
            Coerced::Beyond(false) => return Some(Node::Const { value: false }),
            Coerced::Beyond(true) => Scalar::Integer(i64::MAX),
        };
        Some(Node::Test(Test {
            operand,
            predicate: Predicate::Between { low: lo, high: hi },
            fold_case: false,
            span,
            implicit: false,
        }))
    }

    fn expect_text(&mut self, typed: &Typed, value: &Value<'_>, vspan: Span) -> Option<()> {
        if typed.ty == ValueType::Character {
            return Some(());
        }
        self.mismatch(typed, value, vspan);
        None
    }

    fn mismatch(&mut self, typed: &Typed, value: &Value<'_>, vspan: Span) {
        let what = match &typed.operand {
            Operand::Field(f) => f.name.to_string(),
            Operand::Call { function, .. } => format!("the result of {}()", function.name()),
            _ => "the left side".to_string(),
        };
        // `ListPrice Eq '100000'`: the value would fit without its quotes.
        if let Value::Character(text) = value {
            let text = text.value();
            let fits = syntax::unquoted_type(&text).is_some_and(|t| {
                use ValueType as T;
                matches!(
                    (typed.ty, t),
                    (T::Integer | T::Decimal, T::Integer | T::Decimal)
                        | (T::Date | T::DateTime, T::Date | T::DateTime)
                        | (T::Time, T::Time)
                        | (T::Boolean, T::Boolean)
                )
            });
            if fits {
                let message = format!(
                    "{what} is {}: write {text} without quotes ({} is character data)",
                    with_article(typed.ty),
                    self.text(vspan)
                );
                self.errors
                    .push(Error::new(ErrorKind::TypeMismatch, vspan, message));
                return;
            }
        }
        self.errors.push(Error::new(
            ErrorKind::TypeMismatch,
            vspan,
            format!(
                "type mismatch: {what} is {}, but {} is {}",
                typed.ty.as_str(),
                self.text(vspan),
                value.value_type().as_str()
            ),
        ));
    }

    /// A text value as a pattern, checked against the field's listed values.
    fn pattern(&mut self, typed: &Typed, value: &Value<'_>, vspan: Span) -> Option<Pattern> {
        self.expect_text(typed, value, vspan)?;
        let cs = typed.case_sensitive;
        let pattern = match value {
            Value::Character(t) => pattern_of(t, cs),
            Value::Match { kind, text } => {
                let text = folded_text(text, cs);
                match kind {
                    MatchKind::Contains => Pattern::Contains(text),
                    MatchKind::StartsWith => Pattern::Prefix(text),
                    MatchKind::EndsWith => Pattern::Suffix(text),
                }
            }
            _ => unreachable!("callers pass text"),
        };
        if let (Pattern::Exact(s), Some((index, _))) = (&pattern, typed.bare) {
            let def = &self.schema.fields[index];
            if let Some(allowed) = &def.values {
                // Compared folded, without allocating (`s` is folded already unless the
                // field is case-sensitive).
                let s = unicase::UniCase::new(&**s);
                if !allowed
                    .iter()
                    .any(|a| unicase::UniCase::new(a.as_str()) == s)
                {
                    self.errors.push(Error::new(
                        ErrorKind::InvalidValue,
                        vspan,
                        format!(
                            "{} is one of {}; {} is not",
                            def.name,
                            allowed.join(", "),
                            self.text(vspan)
                        ),
                    ));
                    return None;
                }
            }
        }
        Some(pattern)
    }

    /// Coerces a non-text value to the operand's type (a date against a datetime field
    /// becomes the instants of that day).
    fn coerce(&mut self, typed: &Typed, value: &Value<'_>, vspan: Span) -> Option<Coerced> {
        use ValueType as T;
        let coerced = match (typed.ty, value) {
            (T::Integer, Value::Integer(i)) => Coerced::Exact(Scalar::Integer(*i)),
            (T::Integer, Value::Decimal(d)) => integer_bounds(*d),
            (T::Decimal, Value::Integer(i)) => Coerced::Exact(Scalar::Decimal(Decimal::from(*i))),
            (T::Decimal, Value::Decimal(d)) => Coerced::Exact(Scalar::Decimal(*d)),
            (T::Boolean, Value::Boolean(b)) => Coerced::Exact(Scalar::Boolean(*b)),
            (T::Date, Value::Date(d)) => Coerced::Exact(Scalar::Date(*d)),
            (T::Date, Value::DateTime(dt)) => Coerced::Exact(Scalar::Date(self.local_date(dt))),
            (T::DateTime, Value::DateTime(dt)) => {
                Coerced::Exact(Scalar::DateTime(self.instant(dt)))
            }
            // A date against a datetime field compares the calendar day in the plan's zone:
            // the instants from the day's start to the next day's start.
            (T::DateTime, Value::Date(d)) => match d.succ_opt() {
                Some(next) => Coerced::Day(self.day_start(*d), self.day_start(next)),
                None => Coerced::Exact(Scalar::DateTime(self.day_start(*d))),
            },
            (T::Time, Value::Time(t)) => {
                Coerced::Exact(Scalar::Time(crate::semantics::time_to_micros(*t)))
            }
            _ => {
                self.mismatch(typed, value, vspan);
                return None;
            }
        };
        Some(coerced)
    }

    // ---- whole-filter rules -------------------------------------------------------------

    fn check_required(&mut self, filter: &Filter<'_>, whole: Span) {
        let schema = self.schema;
        for &index in schema.required_fields() {
            let Some(def) = schema.fields.get(index) else {
                continue;
            };
            let satisfied = filter.expr.as_ref().is_some_and(|e| {
                self.any_top_level_conjunct(e, &mut |c| {
                    c.op == Op::Eq
                        && matches!(&c.lhs.kind, TermKind::Field { field }
                            if schema.field(field).is_some_and(|(i, _)| i == index))
                })
            });
            if !satisfied {
                let values = match &def.values {
                    Some(v) => format!(" (one of {})", v.join(", ")),
                    None => String::new(),
                };
                let example = def
                    .values
                    .as_ref()
                    .and_then(|v| v.first())
                    .map_or("…", String::as_str);
                self.errors.push(Error::new(
                    ErrorKind::RequiredFieldMissing,
                    whole,
                    format!(
                        "the {} service requires {}{values} in every filter, joined with And at the top level: {} Eq '{example}' And …",
                        self.schema.name, def.name, def.name
                    ),
                ));
            }
        }
    }

    /// ANDs the implicit tests of the fields no comparison constrained onto `root`.
    fn add_implicit_tests(&self, root: &mut Node) {
        for &index in self.schema.implicit_fields() {
            let Some(def) = self.schema.fields.get(index) else {
                continue;
            };
            let Some(value) = &def.implicit_eq else {
                continue;
            };
            if self.constrained.contains(&index) {
                continue;
            }
            let field = match self.schema.field_ref(index) {
                Some(f) => *f,
                None => FieldRef::of(index, def),
            };
            let predicate = match value {
                serde_json::Value::Bool(b) => Predicate::Compare {
                    op: CmpOp::Eq,
                    value: Scalar::Boolean(*b),
                },
                serde_json::Value::Number(n) => Predicate::Compare {
                    op: CmpOp::Eq,
                    value: n.as_i64().map(Scalar::Integer).unwrap_or_else(|| {
                        Scalar::Decimal(n.to_string().parse().unwrap_or_default())
                    }),
                },
                other => Predicate::Match {
                    patterns: Pattern::Exact(folded_text(
                        other.as_str().unwrap_or_default(),
                        def.case_sensitive,
                    ))
                    .into(),
                },
            };
            let fold_case = matches!(predicate, Predicate::Match { .. }) && !def.case_sensitive;
            let test = Node::Test(Test {
                operand: Operand::Field(field),
                predicate,
                fold_case,
                span: Span::default(),
                implicit: true,
            });
            *root = match std::mem::replace(root, Node::Const { value: true }) {
                Node::Const { value: true } => test,
                Node::And { mut children } => {
                    children.push(test);
                    Node::And { children }
                }
                other => Node::And {
                    children: vec![other, test],
                },
            };
        }
    }
}

/// Whether `all()` occurs anywhere but at the root of an operand.
fn nested_all(op: &Operand, root: bool) -> bool {
    match op {
        Operand::Call { function, arg, .. } => {
            (*function == Function::All && !root) || nested_all(arg, false)
        }
        Operand::Arith { lhs, rhs, .. } => nested_all(lhs, false) || nested_all(rhs, false),
        Operand::Negate { arg } => nested_all(arg, false),
        Operand::Field(_) | Operand::Const { .. } => false,
    }
}

/// A value coerced to an integer operand may fall between integers or outside i64.
enum Coerced {
    /// The value as it is.
    Exact(Scalar),
    /// A decimal strictly between two integers: (floor, ceiling).
    Between(Scalar, Scalar),
    /// Beyond the integer range: above (`true`) or below.
    Beyond(bool),
    /// A calendar day against a datetime: from its first instant up to (not including) the
    /// next day's first instant.
    Day(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
}

/// One microsecond before `t`: the inclusive end of a day.
fn just_before(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    t - chrono::TimeDelta::microseconds(1)
}

fn integer_bounds(d: Decimal) -> Coerced {
    if d.fract().is_zero() {
        return match d.to_i64() {
            Some(i) => Coerced::Exact(Scalar::Integer(i)),
            None => Coerced::Beyond(d.is_sign_positive()),
        };
    }
    match (d.floor().to_i64(), d.ceil().to_i64()) {
        (Some(f), Some(c)) => Coerced::Between(Scalar::Integer(f), Scalar::Integer(c)),
        _ => Coerced::Beyond(d.is_sign_positive()),
    }
}

/// `operand op value` for an integer operand compared with a decimal: `x > 2.5` is
/// `x > 2`, `x Eq 2.5` matches nothing, and so on, exactly.
fn compare(operand: Operand, op: CmpOp, value: Coerced, span: Span) -> Node {
    let (op, value) = match value {
        Coerced::Exact(v) => (op, v),
        Coerced::Day(start, next) => match op {
            CmpOp::Eq => {
                return Node::Test(Test {
                    operand,
                    predicate: Predicate::Between {
                        low: Scalar::DateTime(start),
                        high: Scalar::DateTime(just_before(next)),
                    },
                    fold_case: false,
                    span,
                    implicit: false,
                });
            }
            CmpOp::Gt => (CmpOp::Ge, Scalar::DateTime(next)),
            CmpOp::Ge => (CmpOp::Ge, Scalar::DateTime(start)),
            CmpOp::Lt => (CmpOp::Lt, Scalar::DateTime(start)),
            CmpOp::Le => (CmpOp::Lt, Scalar::DateTime(next)),
        },
        Coerced::Between(floor, ceil) => match op {
            CmpOp::Eq => return Node::Const { value: false },
            CmpOp::Gt => (CmpOp::Gt, floor),
            CmpOp::Ge => (CmpOp::Ge, ceil),
            CmpOp::Lt => (CmpOp::Lt, ceil),
            CmpOp::Le => (CmpOp::Le, floor),
        },
        Coerced::Beyond(above) => match (op, above) {
            (CmpOp::Eq, _) | (CmpOp::Gt | CmpOp::Ge, true) | (CmpOp::Lt | CmpOp::Le, false) => {
                return Node::Const { value: false };
            }
            // Every non-null value.
            (_, true) => (CmpOp::Le, Scalar::Integer(i64::MAX)),
            (_, false) => (CmpOp::Ge, Scalar::Integer(i64::MIN)),
        },
    };
    Node::Test(Test {
        operand,
        predicate: Predicate::Compare { op, value },
        fold_case: false,
        span,
        implicit: false,
    })
}

/// `Not`, simplifying constants and double negation.
fn negate(node: Node) -> Node {
    match node {
        Node::Const { value } => Node::Const { value: !value },
        Node::Not { node } => *node,
        other => Node::Not {
            node: Box::new(other),
        },
    }
}

/// "an integer", "a date": a type's name with its article, for messages.
fn with_article(ty: ValueType) -> String {
    let name = ty.as_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

fn value_type_of(ty: FieldType) -> ValueType {
    match ty {
        FieldType::Character | FieldType::CharacterList | FieldType::Object => ValueType::Character,
        FieldType::Integer => ValueType::Integer,
        FieldType::Decimal => ValueType::Decimal,
        FieldType::Boolean => ValueType::Boolean,
        FieldType::Date => ValueType::Date,
        FieldType::Datetime => ValueType::DateTime,
        FieldType::Time => ValueType::Time,
    }
}

fn first_field<'t, 'a>(term: &'t Term<'a>) -> Option<&'t Field<'a>> {
    match &term.kind {
        TermKind::Field { field } => Some(field),
        TermKind::Literal { .. } => None,
        TermKind::Call(c) => c.args.iter().find_map(first_field),
        TermKind::Negate { term } | TermKind::Paren { term } => first_field(term),
        TermKind::Arith(a) => first_field(&a.lhs).or_else(|| first_field(&a.rhs)),
    }
}

impl Planner<'_> {
    /// Whether `f` holds for one of the comparisons joined by `And` at the top of the filter
    /// as planned: groups are transparent, and conditions removed by the drop policy are gone
    /// (so that `UserType Eq 'Member' Or Unknown Eq 1` is `UserType Eq 'Member'`). Walked in
    /// place, without collecting: this runs on every filter.
    fn any_top_level_conjunct(
        &self,
        e: &Expr<'_>,
        f: &mut impl FnMut(&Comparison<'_>) -> bool,
    ) -> bool {
        match &e.kind {
            ExprKind::And { children } => children
                .iter()
                .filter(|c| !self.is_dropped(c))
                .any(|c| self.any_top_level_conjunct(c, f)),
            ExprKind::Or { children } => {
                let mut kept = children.iter().filter(|c| !self.is_dropped(c));
                match (kept.next(), kept.next()) {
                    (Some(only), None) => self.any_top_level_conjunct(only, f),
                    _ => false,
                }
            }
            ExprKind::Group { expr } => self.any_top_level_conjunct(expr, f),
            ExprKind::Comparison(c) => f(c),
            ExprKind::Not { .. } => false,
        }
    }

    /// Whether the drop policy removes this expression entirely.
    fn is_dropped(&self, e: &Expr<'_>) -> bool {
        if self.options.unknown_fields != UnknownFields::Drop {
            return false;
        }
        match &e.kind {
            ExprKind::Or { children } | ExprKind::And { children } => {
                children.iter().all(|c| self.is_dropped(c))
            }
            ExprKind::Not { expr } | ExprKind::Group { expr } => self.is_dropped(expr),
            ExprKind::Comparison(c) => self.has_unknown_field(&c.lhs),
        }
    }

    fn has_unknown_field(&self, t: &Term<'_>) -> bool {
        match &t.kind {
            TermKind::Field { field } => self.schema.field(field).is_none(),
            TermKind::Literal { .. } => false,
            TermKind::Call(c) => c.args.iter().any(|a| self.has_unknown_field(a)),
            TermKind::Negate { term } | TermKind::Paren { term } => self.has_unknown_field(term),
            TermKind::Arith(a) => self.has_unknown_field(&a.lhs) || self.has_unknown_field(&a.rhs),
        }
    }
}
