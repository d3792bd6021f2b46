//! `spark-filter demo`: the main job on the bundled sample data.
//!
//! Loads the 5000 sample accounts (data/accounts.jsonl, compiled in) into an in-memory
//! SQLite database, runs the seed documents' example filters through SQLite and through the
//! evaluator, checks that both select the same records, and shows an error.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Instant;

use spark_filter::eval::Evaluator;
use spark_filter::plan::{self, Caller, PlanOptions, Role, UserLevel, builtin};
use spark_filter::sql::{self, Layout, Paging, Sqlite};

const ACCOUNTS: &str = include_str!("../../data/accounts.jsonl");

/// Filters from the seed documents (and a few more of their shapes).
const FILTERS: &[&str] = &[
    "UserType Eq 'Member' And Name Eq 'thomas*'",
    "UserType Eq 'Member' And Name Eq 'john*','tim*'",
    "UserType Eq 'Member' And (FirstName Eq 'thomas*' Or MiddleName Eq 'thomas*' Or LastName Eq 'thomas*')",
    "UserType Eq 'Member' And \"Phones\".\"Number\" Eq '555-1492'",
    "UserType Eq 'Member' And \"PrimaryAddress\".\"City\" Eq 'Fargo'",
    "UserType Eq 'Member' And \"Team\".\"Owner\" Eq true",
    "UserType Eq 'Member' And Tags Eq 'Luxury','Relocation' Not LanguagesSpoken Eq 'en'",
    "UserType Eq 'Office','Company' And Office Eq 'L\\'Étoile*'",
    "UserType Eq 'Member' And (Visible Eq true Or Visible Eq false)",
];

pub fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut out = io::stdout().lock();
    let schema = builtin::builtin("accounts").ok_or("no accounts schema")?;
    let records: Vec<serde_json::Value> = ACCOUNTS
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let mut conn = sql::sqlite::open("sqlite::memory:")?;
    let utc = chrono::FixedOffset::east_opt(0).ok_or("UTC")?;
    sql::sqlite::load(&mut conn, &schema, ACCOUNTS.as_bytes(), utc)?;
    writeln!(
        out,
        "spark-filter demo: {} sample accounts (data/accounts.jsonl) loaded into an in-memory SQLite database in {:.0} ms\n",
        records.len(),
        started.elapsed().as_secs_f64() * 1000.0
    )?;
    // A privileged MLS-level key, so that every field of the schema may be searched.
    let options = PlanOptions::new(Caller {
        privileged: true,
        user_level: UserLevel::Mls,
        ..Caller::new(Role::Private)
    });
    let layout = Layout::of(&schema);
    let mut all_agree = true;
    for filter in FILTERS {
        let plan = match plan::check(filter, &schema, &options) {
            Ok(p) => p,
            Err(errors) => {
                for e in errors {
                    writeln!(out, "{}\n", e.render(filter))?;
                }
                all_agree = false;
                continue;
            }
        };
        let evaluator = Evaluator::new(&plan)?;
        let query = sql::compile(&plan, &layout, &Sqlite, Paging::default())?;

        let t = Instant::now();
        let in_memory: Vec<usize> = (0..records.len())
            .filter(|&i| evaluator.matches(&records[i]))
            .collect();
        let eval_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let rows = sql::sqlite::run(&conn, &query)?;
        let sql_ms = t.elapsed().as_secs_f64() * 1000.0;
        let from_sql: Vec<usize> = rows.iter().map(|(rid, _)| *rid as usize - 1).collect();
        let agree = in_memory == from_sql;
        all_agree &= agree;

        writeln!(out, "{filter}")?;
        writeln!(out, "  plan:      {plan}")?;
        writeln!(
            out,
            "  SQLite:    {} records in {sql_ms:.2} ms; evaluator: {} records in {eval_ms:.2} ms; {}",
            from_sql.len(),
            in_memory.len(),
            if agree {
                "the same records"
            } else {
                "DIFFERENT RECORDS"
            }
        )?;
        let names: Vec<&str> = in_memory
            .iter()
            .take(4)
            .filter_map(|&i| records[i].get("Name").and_then(|n| n.as_str()))
            .collect();
        if !names.is_empty() {
            writeln!(out, "  e.g.:      {}", names.join(" · "))?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "Errors are data with a span; a server would answer with the Spark code:\n"
    )?;
    for bad in [
        "UserType Eq 'Member' And Office Ne 'Fargo'",
        "UserType Eq 'Member' And Name Eq 'x' And Not Tags Eq 'Agent'",
        "Name Eq 'thomas*'",
    ] {
        if let Err(errors) =
            plan::check(bad, &schema, &PlanOptions::new(Caller::new(Role::Private)))
        {
            for e in errors {
                writeln!(out, "{}\n", e.render(bad))?;
            }
        }
    }
    if all_agree {
        writeln!(
            out,
            "SQLite and the evaluator selected the same records for every filter."
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(out, "SQLite and the evaluator DISAGREED.")?;
        Ok(ExitCode::FAILURE)
    }
}
