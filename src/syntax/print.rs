//! Canonical filter text: `Display` for the tree.
//!
//! Keywords in their canonical case (`Eq`, `And`, `Add`), one space around keywords, list
//! items joined by `,`, call arguments by `, `. For parsed trees `parse(print(t)) == t`.
//! Trees built by hand get the parentheses their structure needs.

use std::fmt::{self, Display, Formatter, Write};

use rust_decimal::Decimal;

use super::ast::*;

impl Display for Filter<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.expr {
            Some(e) => e.fmt(f),
            None => Ok(()),
        }
    }
}

impl Display for Expr<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self, true)
    }
}

/// `at_start`: the expression begins a conjunction, where a leading `Not` is allowed.
fn write_expr(f: &mut Formatter<'_>, e: &Expr<'_>, at_start: bool) -> fmt::Result {
    match &e.kind {
        ExprKind::Or { children } => {
            for (i, child) in children.iter().enumerate() {
                if i > 0 {
                    f.write_str(" Or ")?;
                }
                match child.kind {
                    ExprKind::Or { .. } => write_parenthesized(f, child)?,
                    _ => write_expr(f, child, at_start && i == 0)?,
                }
            }
            Ok(())
        }
        ExprKind::And { children } => {
            for (i, child) in children.iter().enumerate() {
                match (&child.kind, i) {
                    (ExprKind::Not { expr }, 1..) => {
                        f.write_str(" Not ")?;
                        write_unit(f, expr)?;
                    }
                    (_, 0) => match child.kind {
                        ExprKind::Or { .. } | ExprKind::And { .. } => {
                            write_parenthesized(f, child)?
                        }
                        _ => write_expr(f, child, at_start)?,
                    },
                    _ => {
                        f.write_str(" And ")?;
                        write_unit_or_parens(f, child)?;
                    }
                }
            }
            Ok(())
        }
        ExprKind::Not { expr } => {
            if at_start {
                f.write_str("Not ")?;
                write_unit(f, expr)
            } else {
                f.write_str("(Not ")?;
                write_unit(f, expr)?;
                f.write_char(')')
            }
        }
        ExprKind::Group { expr } => write_parenthesized(f, expr),
        ExprKind::Comparison(c) => c.fmt(f),
    }
}

/// The operand of a `Not`: a comparison or a group; anything else gets parentheses.
fn write_unit(f: &mut Formatter<'_>, e: &Expr<'_>) -> fmt::Result {
    match e.kind {
        ExprKind::Comparison(_) | ExprKind::Group { .. } => write_expr(f, e, false),
        _ => write_parenthesized(f, e),
    }
}

fn write_unit_or_parens(f: &mut Formatter<'_>, e: &Expr<'_>) -> fmt::Result {
    match e.kind {
        ExprKind::Or { .. } | ExprKind::And { .. } => write_parenthesized(f, e),
        _ => write_expr(f, e, false),
    }
}

fn write_parenthesized(f: &mut Formatter<'_>, e: &Expr<'_>) -> fmt::Result {
    f.write_char('(')?;
    write_expr(f, e, true)?;
    f.write_char(')')
}

impl Display for Comparison<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.lhs, self.op.as_str(), self.rhs)
    }
}

impl Display for Rhs<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Rhs::Single { value } => value.term.fmt(f),
            Rhs::List { items } => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    item.term.fmt(f)?;
                }
                Ok(())
            }
            Rhs::Range { low, high } => write!(f, "{},{}", low.term, high.term),
        }
    }
}

impl Display for Term<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TermKind::Field { field } => field.fmt(f),
            TermKind::Literal { value } => value.fmt(f),
            TermKind::Call(call) => {
                write!(f, "{}(", call.function.name())?;
                for (i, arg) in call.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    arg.fmt(f)?;
                }
                f.write_char(')')
            }
            TermKind::Negate { term } => {
                f.write_char('-')?;
                match term.kind {
                    TermKind::Arith(_) => write!(f, "({term})"),
                    _ => term.fmt(f),
                }
            }
            TermKind::Paren { term } => write!(f, "({term})"),
            TermKind::Arith(a) => {
                let prec = a.op.precedence();
                write_operand(f, &a.lhs, prec, false)?;
                write!(f, " {} ", a.op.as_str())?;
                write_operand(f, &a.rhs, prec, true)
            }
        }
    }
}

/// Adds the parentheses a hand-built tree needs: a weaker operation on either side, or an
/// equally strong one on the right (operators are left associative).
fn write_operand(f: &mut Formatter<'_>, t: &Term<'_>, parent: u8, right: bool) -> fmt::Result {
    if let TermKind::Arith(a) = &t.kind {
        let p = a.op.precedence();
        if p < parent || (right && p == parent) {
            return write!(f, "({t})");
        }
    }
    t.fmt(f)
}

impl Display for Field<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Field::Standard { name } => f.write_str(name),
            Field::Custom { group, name } => write!(f, "\"{group}\".\"{name}\""),
        }
    }
}

impl Display for Literal<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Character(t) => t.fmt(f),
            Literal::Integer(i) => i.fmt(f),
            Literal::Decimal(d) => DecimalText(*d).fmt(f),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Literal::Time(t) => write_time(f, *t),
            Literal::DateTime(dt) => dt.fmt(f),
            Literal::Boolean(b) => b.fmt(f),
            Literal::Null => f.write_str("NULL"),
        }
    }
}

impl Display for DateTime {
    /// `2013-07-26T10:22:15.422804-03:00`; `Z` for a zero offset; no zone when none was given.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}T", self.local.date().format("%Y-%m-%d"))?;
        write_time(f, self.local.time())?;
        match self.offset {
            None => Ok(()),
            Some(o) if o.local_minus_utc() == 0 => f.write_char('Z'),
            Some(o) => {
                let secs = o.local_minus_utc();
                let sign = if secs < 0 { '-' } else { '+' };
                let secs = secs.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", secs / 3600, secs / 60 % 60)
            }
        }
    }
}

fn write_time(f: &mut Formatter<'_>, t: chrono::NaiveTime) -> fmt::Result {
    use chrono::Timelike;
    write!(f, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())?;
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let digits = format!("{nanos:09}");
        write!(f, ".{}", digits.trim_end_matches('0'))?;
    }
    Ok(())
}

/// A decimal printed so that it reads back as a decimal: always with a `.`.
pub(crate) struct DecimalText(pub Decimal);

impl Display for DecimalText {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // Zero has no sign: `--0.0` folds to a negative zero, which must print as `0.0`
        // so that printing is a fixed point (found by the roundtrip fuzz target).
        let mut d = self.0;
        if d.is_zero() {
            d.set_sign_positive(true);
        }
        let s = d.to_string();
        f.write_str(&s)?;
        if !s.contains('.') {
            f.write_str(".0")?;
        }
        Ok(())
    }
}

impl Display for Value<'_> {
    /// Constants in filter syntax where one exists (`'a'`, `5`, `2013-07-26`), and in function
    /// form otherwise (`contains('a')`, `regex('^a', 'i')`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Boolean(b) => b.fmt(f),
            Value::Integer(i) => i.fmt(f),
            Value::Decimal(d) => DecimalText(*d).fmt(f),
            Value::Character(t) => t.fmt(f),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::Time(t) => write_time(f, *t),
            Value::DateTime(dt) => dt.fmt(f),
            Value::Match { kind, text } => {
                let name = match kind {
                    MatchKind::Contains => "contains",
                    MatchKind::StartsWith => "startswith",
                    MatchKind::EndsWith => "endswith",
                };
                write!(f, "{name}({})", super::text::Text::literal(text))
            }
            Value::Regex {
                pattern,
                case_insensitive,
            } => {
                write!(f, "regex({}", super::text::Text::literal(pattern))?;
                if *case_insensitive {
                    f.write_str(", 'i'")?;
                }
                f.write_char(')')
            }
            Value::CharRange { low, high } => write!(
                f,
                "range({}, {})",
                super::text::Text::literal(low),
                super::text::Text::literal(high)
            ),
            Value::Shape(shape) => write!(f, "{shape:?}"),
        }
    }
}
