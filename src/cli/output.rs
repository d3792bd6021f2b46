//! How `eval` and `query` print their results, shared so that both print the same bytes.

use std::cmp::Ordering;
use std::io::{self, Write};

use clap::Args;
use serde_json::Value;
use spark_filter::eval::{FieldValue, Record};
use spark_filter::plan::{Plan, text::fold_case};

#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Print the matching records' Id values (or line numbers for records without one).
    #[arg(long, conflicts_with = "count")]
    pub ids: bool,
    /// Print only the number of matching records.
    #[arg(long)]
    pub count: bool,
}

pub struct Output<W: Write> {
    ids: bool,
    count: bool,
    n: u64,
    out: W,
}

impl<W: Write> Output<W> {
    pub fn new(args: &OutputArgs, out: W) -> Self {
        Output {
            ids: args.ids,
            count: args.count,
            n: 0,
            out,
        }
    }

    /// One matching record: its 1-based line number, the parsed record and its JSON text.
    pub fn record(&mut self, line_no: usize, record: &Value, text: &str) -> io::Result<()> {
        self.n += 1;
        if self.count {
            return Ok(());
        }
        if self.ids {
            match record.get("Id") {
                Some(Value::String(s)) => writeln!(self.out, "{s}"),
                Some(Value::Number(n)) => writeln!(self.out, "{n}"),
                _ => writeln!(self.out, "{line_no}"),
            }
        } else {
            writeln!(self.out, "{}", text.trim_end())
        }
    }

    pub fn finish(mut self) -> io::Result<()> {
        if self.count {
            writeln!(self.out, "{}", self.n)?;
        }
        self.out.flush()
    }
}

/// Orders matching records by the plan's `_orderby` keys: by the first value of each field,
/// text compared case-folded unless the field is case-sensitive, nulls last in both
/// directions, ties in input order.
pub fn sort(records: &mut [(usize, Value, String)], plan: &Plan) {
    records.sort_by(|(_, a, _), (_, b, _)| {
        for key in &plan.order_by {
            let (x, y) = (first(a, key), first(b, key));
            let o = match (&x, &y) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => {
                    let o = x.partial_cmp(y).unwrap_or(Ordering::Equal);
                    if key.descending { o.reverse() } else { o }
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

#[derive(PartialEq, PartialOrd)]
enum SortValue {
    Bool(bool),
    Num(f64),
    Text(String),
}

fn first(record: &Value, key: &spark_filter::plan::OrderKey) -> Option<SortValue> {
    let mut out = None;
    record.any_value(&key.field, |v| {
        out = match v {
            FieldValue::Null => None,
            FieldValue::Bool(b) => Some(SortValue::Bool(b)),
            FieldValue::Int(i) => Some(SortValue::Num(i as f64)),
            FieldValue::Float(f) => Some(SortValue::Num(f)),
            FieldValue::Str(s) if key.field.case_sensitive => Some(SortValue::Text(s.to_string())),
            FieldValue::Str(s) => Some(SortValue::Text(fold_case(s).into_owned())),
        };
        true
    });
    out
}
