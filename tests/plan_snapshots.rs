//! One insta snapshot per planner fixture: `fixtures/plan/<schema>/*.filter`.
//!
//! The directory names the built-in schema. A fixture holds one filter; its first line may be
//! a comment with options, words separated by spaces:
//!
//! ```text
//! # role=idx privileged replication user-level=mls drop orderby=-LastName,FirstName
//! UserType Eq 'Member' And Name Eq 'thomas*'
//! ```
//!
//! Defaults are those of `spark-filter check`: role private, not privileged, user level
//! member, unknown fields are errors, no `_orderby`. One trailing newline is not part of the
//! filter. The clock is fixed at 2026-11-22T12:00:00Z.
//!
//! The snapshot holds the options, the filter, and either the plan (Display, then the JSON of
//! `{"plan","dropped"}`) or every error (kind, code, span, message, and the rendered error).
//!
//! Regenerate with `INSTA_UPDATE=always cargo test --test plan_snapshots`, then read every
//! changed snapshot.

mod support;

use std::fmt::Write;
use std::fs;
use std::path::Path;

use spark_filter::Error;
use spark_filter::plan::{self, Caller, PlanOptions, Role, UnknownFields, builtin};

struct Fixture {
    schema: String,
    options: PlanOptions,
    orderby: Option<String>,
    /// The options as written (for the snapshot).
    header: String,
    filter: String,
}

fn read(path: &Path) -> Fixture {
    let text = fs::read_to_string(path).unwrap();
    let schema = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap()
        .to_string();
    let (header, body) = match text.strip_prefix('#') {
        Some(rest) => {
            let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
            (line.trim().to_string(), body)
        }
        None => (String::new(), text.as_str()),
    };
    let filter = body.strip_suffix('\n').unwrap_or(body).to_string();
    let mut caller = Caller::new(Role::Private);
    let mut unknown_fields = UnknownFields::Error;
    let mut orderby = None;
    for word in header.split_whitespace() {
        match word.split_once('=') {
            Some(("role", r)) => {
                caller.role = r
                    .parse()
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            }
            Some(("user-level", l)) => {
                caller.user_level = l
                    .parse()
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            }
            Some(("orderby", o)) => orderby = Some(o.to_string()),
            None if word == "privileged" => caller.privileged = true,
            None if word == "replication" => caller.replication = true,
            None if word == "drop" => unknown_fields = UnknownFields::Drop,
            _ => panic!("{}: unknown option {word:?}", path.display()),
        }
    }
    Fixture {
        schema,
        options: PlanOptions {
            unknown_fields,
            clock: support::clock(),
            ..PlanOptions::new(caller)
        },
        orderby,
        header,
        filter,
    }
}

fn render_errors(out: &mut String, errors: &[(Error, &str, &str)]) {
    for (e, text, source) in errors {
        assert!(
            e.span.start <= e.span.end && e.span.end <= text.len(),
            "span {}..{} outside the {source} ({} bytes)",
            e.span.start,
            e.span.end,
            text.len()
        );
        assert_eq!(e.code(), e.kind.code());
        let _ = writeln!(
            out,
            "- {} ({}) in the {source} at {}..{} {:?}: {}",
            e.kind,
            e.code(),
            e.span.start,
            e.span.end,
            &text[e.span.start..e.span.end],
            e.message
        );
    }
    for (e, text, _) in errors {
        let _ = write!(out, "\n{}\n", e.render(text));
    }
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/plan/*/*.filter", |path| {
        let f = read(path);
        let schema = builtin::builtin(&f.schema)
            .unwrap_or_else(|| panic!("{}: no built-in schema {}", path.display(), f.schema));
        let planned = plan::check(&f.filter, &schema, &f.options);
        let order = f
            .orderby
            .as_deref()
            .map(|o| plan::order_by(o, &schema, &f.options.caller));

        let mut out = String::new();
        let _ = writeln!(out, "schema:  {}", f.schema);
        let _ = writeln!(
            out,
            "options: {}",
            if f.header.is_empty() {
                "(defaults)"
            } else {
                &f.header
            }
        );
        let _ = writeln!(out, "filter:  {:?}", f.filter);
        out.push('\n');

        let orderby_text = f.orderby.clone().unwrap_or_default();
        let mut errors: Vec<(Error, &str, &str)> = Vec::new();
        let mut keys = Vec::new();
        let plan = match planned {
            Ok(p) => Some(p),
            Err(es) => {
                errors.extend(es.into_iter().map(|e| (e, f.filter.as_str(), "filter")));
                None
            }
        };
        match order {
            Some(Ok(k)) => keys = k,
            Some(Err(es)) => errors.extend(
                es.into_iter()
                    .map(|e| (e, orderby_text.as_str(), "_orderby")),
            ),
            None => {}
        }
        match plan {
            Some(mut p) if errors.is_empty() => {
                p.order_by = keys;
                let _ = writeln!(out, "plan:\n{p}\n");
                let json = serde_json::json!({ "plan": &p, "dropped": &p.dropped });
                let _ = writeln!(
                    out,
                    "json:\n{}",
                    serde_json::to_string_pretty(&json).unwrap()
                );
            }
            _ => {
                assert!(!errors.is_empty());
                let _ = writeln!(out, "errors:");
                render_errors(&mut out, &errors);
            }
        }
        insta::assert_snapshot!(out);
    });
}
