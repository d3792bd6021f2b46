//! `spark-filter check`: plan a filter against a schema.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;
use spark_filter::Error;
use spark_filter::plan::{self, Caller, PlanOptions, Role, UnknownFields, UserLevel, builtin};

use super::SyntaxArgs;

/// The options of every command that plans (check, eval, query, sql).
#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// A built-in schema (accounts, accounts-legacy, portal-groups, portal-accounts) or a
    /// schema JSON file.
    #[arg(long, value_name = "NAME|FILE")]
    pub schema: String,
    /// The API key's role.
    #[arg(long, value_enum, default_value_t = RoleArg::Private)]
    pub role: RoleArg,
    /// The key is a Privileged key.
    #[arg(long)]
    pub privileged: bool,
    /// The key is a Replication key.
    #[arg(long)]
    pub replication: bool,
    /// The user's level.
    #[arg(long, value_enum, default_value_t = LevelArg::Member)]
    pub user_level: LevelArg,
    /// What to do with conditions on unknown fields.
    #[arg(long, value_enum, default_value_t = PolicyArg::Error)]
    pub unknown_fields: PolicyArg,
    /// An _orderby value, e.g. -LastName,FirstName.
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true)]
    pub orderby: Option<String>,
    /// The zone of datetimes written without one, e.g. -05:00 (default UTC).
    #[arg(long, value_name = "OFFSET", value_parser = parse_zone, allow_hyphen_values = true)]
    pub zone: Option<chrono::FixedOffset>,
    #[command(flatten)]
    pub syntax: SyntaxArgs,
}

pub fn parse_zone(s: &str) -> Result<chrono::FixedOffset, String> {
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return Ok(chrono::FixedOffset::east_opt(0).expect("UTC"));
    }
    s.parse()
        .map_err(|_| format!("expected an offset such as +02:00 or -0500, not {s:?}"))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Idx,
    Public,
    Vow,
    Portal,
    Private,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LevelArg {
    Member,
    Office,
    Company,
    Mls,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PolicyArg {
    Error,
    Drop,
}

impl PlanArgs {
    /// The planner options these flags describe.
    pub fn options(&self) -> PlanOptions {
        let parse = self.syntax.options();
        let role = match self.role {
            RoleArg::Idx => Role::Idx,
            RoleArg::Public => Role::Public,
            RoleArg::Vow => Role::Vow,
            RoleArg::Portal => Role::Portal,
            RoleArg::Private => Role::Private,
        };
        PlanOptions {
            caller: Caller {
                privileged: self.privileged,
                replication: self.replication,
                user_level: match self.user_level {
                    LevelArg::Member => UserLevel::Member,
                    LevelArg::Office => UserLevel::Office,
                    LevelArg::Company => UserLevel::Company,
                    LevelArg::Mls => UserLevel::Mls,
                },
                ..Caller::new(role)
            },
            unknown_fields: match self.unknown_fields {
                PolicyArg::Error => UnknownFields::Error,
                PolicyArg::Drop => UnknownFields::Drop,
            },
            zone: self
                .zone
                .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC")),
            clock: parse.clock,
            limits: parse.limits,
        }
    }

    /// Loads the schema and plans `filter` (with `_orderby`): the plan, or the errors each
    /// paired with the text its span points into.
    pub fn plan(&self, filter: &str) -> Result<Planned, Box<dyn std::error::Error>> {
        let schema = builtin::resolve(&self.schema)?;
        let options = self.options();
        let mut errors: Vec<(Error, String)> = Vec::new();
        let planned = plan::check(filter, &schema, &options)
            .map_err(|es| errors.extend(es.into_iter().map(|e| (e, filter.to_string()))));
        let order = match &self.orderby {
            Some(text) => plan::order_by(text, &schema, &options.caller)
                .map_err(|es| errors.extend(es.into_iter().map(|e| (e, text.clone()))))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(match planned {
            Ok(mut p) if errors.is_empty() => {
                p.order_by = order;
                Ok(p)
            }
            _ => Err(errors),
        })
    }
}

/// A plan, or the errors each paired with the text its span points into.
pub type Planned = Result<plan::Plan, Vec<(Error, String)>>;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The filter text.
    filter: String,
    /// Print {"ok","plan","errors","dropped"} as JSON, and nothing else (also on errors).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    plan: PlanArgs,
}

pub fn run(args: CheckArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let result = args.plan.plan(&args.filter)?;
    let mut out = io::stdout().lock();
    match result {
        Ok(p) => {
            if args.json {
                let answer = json!({ "ok": true, "plan": p, "errors": [], "dropped": p.dropped });
                writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)?;
            } else {
                writeln!(out, "{p}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            if args.json {
                // Only JSON: the errors, spans included, are in it.
                let list: Vec<&Error> = errors.iter().map(|(e, _)| e).collect();
                let answer = json!({ "ok": false, "plan": null, "errors": list, "dropped": [] });
                writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)?;
                return Ok(ExitCode::FAILURE);
            }
            Ok(super::report_errors(&errors))
        }
    }
}
