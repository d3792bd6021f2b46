//! The in-memory evaluator: a [`Plan`] compiled once into a program that tests records.
//!
//! Compilation resolves everything that does not depend on the record: scalars become typed
//! keys, patterns get their substring finders, lists become sets, regular expressions are
//! compiled. Evaluation walks the program over a borrowed record ([`Record`], implemented
//! for `serde_json::Value`) and allocates nothing per record: case folding of ASCII text is
//! done in place, and other text is folded into a reused thread-local buffer. (Field-side
//! functions that build text, such as `concat`, do allocate.)
//!
//! ```
//! use spark_filter::{eval::Evaluator, plan::{builtin, Caller, PlanOptions, Role}};
//! let schema = builtin::builtin("accounts").unwrap();
//! let options = PlanOptions::new(Caller::new(Role::Private));
//! let plan = spark_filter::check("UserType Eq 'Member' And Name Eq 'thomas*'", &schema, &options)
//!     .unwrap();
//! let eval = Evaluator::new(&plan).unwrap();
//! let record = serde_json::json!({"UserType": "Member", "Name": "Carl Thomason",
//!     "Settings": {"Visible": true}});
//! assert!(eval.matches(&record));
//! ```

pub mod order;
mod text;

use std::cmp::Ordering;

use chrono::FixedOffset;

/// Records as the evaluator reads them; defined in [`crate::semantics`], which every back
/// end shares.
pub use crate::semantics::{FieldValue, Record};

use crate::error::{Error, ErrorKind};
use crate::plan::phone::PhoneQuery;
use crate::plan::{CmpOp, FieldRef, FieldType, Node, Operand, Plan, Predicate, Scalar, Test};
use crate::semantics::compile_regex;
use crate::semantics::compute::{self, Computed};
use crate::semantics::key::{Key, key_of, read_key};
use text::TextMatcher;

/// A compiled plan, ready to test records. Cheap to share between threads.
#[derive(Debug)]
pub struct Evaluator {
    root: Program,
    zone: FixedOffset,
}

#[derive(Debug)]
enum Program {
    Const(bool),
    And(Box<[Program]>),
    Or(Box<[Program]>),
    Not(Box<Program>),
    Test(Box<Check>),
}

/// One compiled test.
#[derive(Debug)]
struct Check {
    /// The field, when the operand is a bare field (the fast path).
    field: Option<FieldRef>,
    /// The operand, when it is an expression.
    operand: Option<Operand>,
    /// The type values are read as.
    ty: FieldType,
    fold: bool,
    test: TestKind,
}

#[derive(Debug)]
enum TestKind {
    IsNull,
    /// `Eq true`/`Eq false` on a boolean field (specialized: the most common implicit test).
    Bool(bool),
    /// Equality with one text that is ASCII and folded, on a case-insensitive field
    /// (specialized: `UserType Eq 'Member'`).
    ExactAsciiFolded(Box<str>),
    Compare(CmpOp, Key),
    In(Vec<Key>),
    Between(Key, Key),
    BetweenText(String, String),
    Text(TextMatcher),
    Regex(regex::Regex),
    AnyWord(TextMatcher),
    Phone(Vec<PhoneQuery>),
    ContainsAll(Vec<String>),
}

impl Evaluator {
    /// Compiles a plan. Fails only on a regular expression the evaluator cannot build
    /// (the parser has checked every pattern, so this means a hand-built plan).
    pub fn new(plan: &Plan) -> Result<Evaluator, Error> {
        Ok(Evaluator {
            root: compile(&plan.root)?,
            zone: plan.zone,
        })
    }

    /// Whether the record matches.
    #[inline]
    pub fn matches<R: Record + ?Sized>(&self, record: &R) -> bool {
        self.run(&self.root, record)
    }

    /// The records that match, in order.
    pub fn filter<'r, R: Record + 'r>(
        &'r self,
        records: impl IntoIterator<Item = &'r R> + 'r,
    ) -> impl Iterator<Item = &'r R> + 'r {
        records.into_iter().filter(move |r| self.matches(*r))
    }

    fn run<R: Record + ?Sized>(&self, p: &Program, record: &R) -> bool {
        match p {
            Program::Const(b) => *b,
            Program::And(children) => children.iter().all(|c| self.run(c, record)),
            Program::Or(children) => children.iter().any(|c| self.run(c, record)),
            Program::Not(child) => !self.run(child, record),
            Program::Test(check) => self.check(check, record),
        }
    }

    #[inline]
    fn check<R: Record + ?Sized>(&self, c: &Check, record: &R) -> bool {
        if let Some(field) = &c.field {
            return match &c.test {
                TestKind::IsNull => !record.any_value(field, |v| self.readable(c.ty, v)),
                TestKind::ContainsAll(values) => values.iter().all(|want| {
                    record.any_value(field, |v| match v {
                        FieldValue::Str(s) => text::equals_folded(s, want, c.fold),
                        _ => false,
                    })
                }),
                TestKind::Bool(want) => record.any_value(field, |v| v == FieldValue::Bool(*want)),
                TestKind::ExactAsciiFolded(want) => record.any_value(field, |v| match v {
                    FieldValue::Str(s) if s.len() == want.len() && s.is_ascii() => {
                        s.eq_ignore_ascii_case(want)
                    }
                    // Folding may change the length of non-ASCII text (ß is ss).
                    FieldValue::Str(s) if !s.is_ascii() => text::equals_folded(s, want, true),
                    _ => false,
                }),
                test => record.any_value(field, |v| self.value_matches(c, test, v)),
            };
        }
        let Some(operand) = &c.operand else {
            return false;
        };
        let value = compute::compute(operand, record, self.zone, c.fold);
        match (&c.test, &value) {
            (TestKind::IsNull, v) => matches!(v, Computed::Null),
            (_, Computed::Null) => false,
            (test, Computed::Key(k)) => key_matches(test, k),
            (test, Computed::Text(s)) => text_matches(test, s, c.fold),
        }
    }

    /// A value counts (is not null) when it can be read as the field's type; the SQL
    /// loader stores exactly these values and NULL for the rest.
    fn readable(&self, ty: FieldType, v: FieldValue<'_>) -> bool {
        match v {
            FieldValue::Null => false,
            FieldValue::Str(_) if ty.is_textual() => true,
            v => read_key(v, ty, self.zone).is_some(),
        }
    }

    #[inline]
    fn value_matches(&self, c: &Check, test: &TestKind, v: FieldValue<'_>) -> bool {
        match v {
            FieldValue::Null => false,
            FieldValue::Str(s) if c.ty.is_textual() => text_matches(test, s, c.fold),
            v => match read_key(v, c.ty, self.zone) {
                Some(k) => key_matches(test, &k),
                None => false,
            },
        }
    }
}

fn key_matches(test: &TestKind, k: &Key) -> bool {
    match test {
        TestKind::Compare(op, want) => match k.compare(want) {
            Some(o) => match op {
                CmpOp::Eq => o == Ordering::Equal,
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
            },
            None => false,
        },
        TestKind::In(keys) => keys.iter().any(|w| k.compare(w) == Some(Ordering::Equal)),
        TestKind::Between(lo, hi) => {
            k.compare(lo).is_some_and(|o| o != Ordering::Less)
                && k.compare(hi).is_some_and(|o| o != Ordering::Greater)
        }
        _ => false,
    }
}

fn text_matches(test: &TestKind, s: &str, fold: bool) -> bool {
    match test {
        TestKind::Text(m) => m.matches(s, fold),
        TestKind::AnyWord(m) => text::any_word(m, s),
        TestKind::Regex(re) => re.is_match(s),
        TestKind::BetweenText(lo, hi) => {
            text::with_folded(s, fold, |v| v >= lo.as_str() && v <= hi.as_str())
        }
        TestKind::Phone(queries) => crate::plan::phone::PhoneDigits::scan(s)
            .is_some_and(|d| queries.iter().any(|q| q.matches_digits(&d))),
        _ => false,
    }
}

fn compile(node: &Node) -> Result<Program, Error> {
    Ok(match node {
        Node::Const { value } => Program::Const(*value),
        Node::And { children } => {
            Program::And(children.iter().map(compile).collect::<Result<_, _>>()?)
        }
        Node::Or { children } => {
            Program::Or(children.iter().map(compile).collect::<Result<_, _>>()?)
        }
        Node::Not { node } => Program::Not(Box::new(compile(node)?)),
        Node::Test(t) => Program::Test(Box::new(compile_test(t)?)),
    })
}

fn compile_test(t: &Test) -> Result<Check, Error> {
    let (field, operand, ty) = match &t.operand {
        Operand::Field(f) => (Some(*f), None, f.ty),
        Operand::Call {
            function: crate::syntax::Function::All,
            arg,
            ..
        } => match &**arg {
            Operand::Field(f) => (Some(*f), None, f.ty),
            other => (None, Some(other.clone()), FieldType::Character),
        },
        other => (None, Some(other.clone()), FieldType::Character),
    };
    let test = match &t.predicate {
        Predicate::IsNull => TestKind::IsNull,
        Predicate::Compare { op, value } => TestKind::Compare(*op, key_of(value)),
        Predicate::In { values } => TestKind::In(values.iter().map(key_of).collect()),
        Predicate::Between { low, high } => match (low, high) {
            (Scalar::Text(lo), Scalar::Text(hi)) => TestKind::BetweenText(lo.clone(), hi.clone()),
            _ => TestKind::Between(key_of(low), key_of(high)),
        },
        Predicate::Match { patterns } => TestKind::Text(TextMatcher::new(patterns)),
        Predicate::Regex {
            pattern,
            case_insensitive,
        } => TestKind::Regex(compile_regex(pattern, *case_insensitive).map_err(|e| {
            Error::new(
                ErrorKind::InvalidValue,
                t.span,
                format!("invalid regular expression: {e}"),
            )
        })?),
        Predicate::AnyWord { patterns } => TestKind::AnyWord(TextMatcher::new(patterns)),
        Predicate::Phone { numbers } => TestKind::Phone(numbers.clone()),
        Predicate::ContainsAll { values } => TestKind::ContainsAll(values.clone()),
    };
    let test = match (test, &field) {
        (TestKind::Compare(CmpOp::Eq, Key::Bool(b)), Some(f)) if f.ty == FieldType::Boolean => {
            TestKind::Bool(b)
        }
        (TestKind::Text(_), Some(f))
            if t.fold_case && f.ty.is_textual() && single_ascii_exact(&t.predicate).is_some() =>
        {
            TestKind::ExactAsciiFolded(single_ascii_exact(&t.predicate).unwrap_or_default().into())
        }
        (test, _) => test,
    };
    Ok(Check {
        field,
        operand,
        ty,
        fold: t.fold_case,
        test,
    })
}

/// The one pattern of a `Match` test when it is an exact ASCII text.
fn single_ascii_exact(p: &Predicate) -> Option<&str> {
    match p {
        Predicate::Match { patterns } => match patterns.as_slice() {
            [crate::plan::Pattern::Exact(s)] if s.is_ascii() => Some(s),
            _ => None,
        },
        _ => None,
    }
}
