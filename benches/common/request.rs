//! The accounts corpus both request benchmarks run over (`request` and `request_ratio`):
//! 400 filters generated deterministically in the shapes API clients send, their query
//! strings, and the schema, layout and options a server builds at start-up.
//!
//! The filters: the `UserType` conjunct the service requires, then one to four conditions on
//! names, offices, tags, phones, postal codes and flags, with wildcards, lists, ranges, `Not`
//! and a group of `Or` now and then.

use spark_filter::plan::{Caller, Role, UserLevel, builtin};
use spark_filter::request::{Search, SearchOptions, TokenKey};
use spark_filter::sql::{Layout, Param, Postgres, Query};
use spark_filter::{Clock, ParseOptions, PlanOptions, Schema, parse_with};

/// How many filters the benchmarks run over.
pub const FILTERS: usize = 400;

/// splitmix64: seeded, small, the same on every platform.
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIRST: [&str; 10] = [
    "thomas",
    "john",
    "mary",
    "tim",
    "anne",
    "carl",
    "maria",
    "josé",
    r"o\'brien",
    "lee",
];
const LAST: [&str; 8] = [
    "Smith", "Johnson", "Olson", "Nguyen", r"O\'Neil", "Larson", "Berg", "Müller",
];
const OFFICES: [&str; 6] = [
    "Fargo",
    "Moorhead",
    "Bismarck",
    "Grand Forks",
    "Minot",
    "West Fargo",
];
const TAGS: [&str; 6] = ["Agent", "Broker", "Buyer", "Seller", "Appraiser", "Admin"];
const LANGUAGES: [&str; 4] = ["English", "Spanish", "Norwegian", "Vietnamese"];
const USER_TYPES: [&str; 4] = ["Member", "Office", "Company", "Mls"];

/// One condition on an accounts field, as clients write them.
pub fn condition(rng: &mut Rng) -> String {
    match rng.below(16) {
        0 => format!("Name Eq '{}*'", rng.pick(&FIRST)),
        1 => format!("Name Eq '{}*','{}*'", rng.pick(&FIRST), rng.pick(&FIRST)),
        2 => format!("LastName Eq '{}'", rng.pick(&LAST)),
        3 => {
            let prefix: String = rng.pick(&LAST).chars().take(3).collect();
            format!("LastName Ne '{prefix}*'")
        }
        4 => format!("FirstName Eq '{}'", rng.pick(&FIRST)),
        5 => format!("Office Eq '{}*'", rng.pick(&OFFICES)),
        6 => format!("Tags Eq '{}'", rng.pick(&TAGS)),
        7 => format!("Tags Eq '{}','{}'", rng.pick(&TAGS), rng.pick(&TAGS)),
        8 => format!(
            "\"Phones\".\"Number\" Eq '701-{:03}-{:04}'",
            rng.below(1000),
            rng.below(10000)
        ),
        9 => format!("PostalCode Eq '58{:03}'", rng.below(1000)),
        10 => format!(
            "Email Eq '*@{}.example.com'",
            rng.pick(&["remax", "kw", "c21"])
        ),
        11 => format!("NrdsId Bt {},{}", rng.below(500), 500 + rng.below(500)),
        12 => format!("LanguagesSpoken Eq '{}'", rng.pick(&LANGUAGES)),
        13 => format!("\"PrimaryAddress\".\"City\" Eq '{}'", rng.pick(&OFFICES)),
        14 => format!("\"Team\".\"Owner\" Eq {}", rng.below(2) == 0),
        _ => format!("Active Eq {}", rng.below(4) != 0),
    }
}

/// One filter: the required `UserType` conjunct and one to four more conditions.
pub fn filter(rng: &mut Rng) -> String {
    let mut out = match rng.below(4) {
        0 => format!(
            "UserType Eq '{}','{}'",
            rng.pick(&USER_TYPES),
            rng.pick(&USER_TYPES)
        ),
        _ => format!("UserType Eq '{}'", rng.pick(&USER_TYPES)),
    };
    for _ in 0..1 + rng.below(4) {
        match rng.below(10) {
            0 => {
                let (a, b) = (condition(rng), condition(rng));
                out.push_str(&format!(" And ({a} Or {b})"));
            }
            1 => out.push_str(&format!(" Not {}", condition(rng))),
            _ => out.push_str(&format!(" And {}", condition(rng))),
        }
    }
    out
}

pub fn filters() -> Vec<String> {
    let mut rng = Rng(11);
    (0..FILTERS).map(|_| filter(&mut rng)).collect()
}

pub fn options() -> PlanOptions {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z").expect("RFC 3339");
    PlanOptions {
        clock: Clock::Fixed(now),
        // A key that may search every accounts field, so that every condition plans.
        ..PlanOptions::new(Caller {
            privileged: true,
            user_level: UserLevel::Mls,
            ..Caller::new(Role::Private)
        })
    }
}

/// The query string a client sends for `filter`: percent-encoded, with an ordering and a
/// page size.
pub fn query_string(filter: &str) -> String {
    let mut q = String::from("_filter=");
    for b in filter.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            q.push(char::from(b));
        } else {
            q.push_str(&format!("%{b:02X}"));
        }
    }
    q.push_str("&_orderby=-LastName&_limit=25");
    q
}

/// The rows query and its parameters for one query string: the whole request path.
pub fn search(query: &str, schema: &Schema, layout: &Layout, options: &SearchOptions) -> Query {
    let search = Search::from_query(query, schema, options)
        .unwrap_or_else(|e| panic!("{query}: {:?}", e.response()));
    let sql = search
        .sql(layout, &Postgres)
        .unwrap_or_else(|e| panic!("{query}: {:?}", e.response()));
    sql.rows.expect("a rows query")
}

/// What both groups run over, built once as a server builds it at start-up.
pub struct Setup {
    pub filters: Vec<String>,
    pub queries: Vec<String>,
    pub schema: Schema,
    pub layout: Layout,
    pub plan_options: PlanOptions,
    pub parse_options: ParseOptions,
    pub options: SearchOptions,
}

pub fn setup() -> Setup {
    let filters = filters();
    let schema = builtin::builtin("accounts").expect("accounts");
    let layout = Layout::of(&schema);
    let plan_options = options();
    let parse_options: ParseOptions = plan_options.parse_options();
    let options = SearchOptions {
        plan: plan_options.clone(),
        token_key: TokenKey::new(b"bench secret".to_vec()),
        single_record: false,
    };
    let queries: Vec<String> = filters.iter().map(|f| query_string(f)).collect();
    Setup {
        filters,
        queries,
        schema,
        layout,
        plan_options,
        parse_options,
        options,
    }
}

/// Correctness first, before anything is timed: every filter parses and prints back to a
/// tree equal to itself; every filter compiles to SQL whose placeholders are exactly its
/// parameters; and a known filter compiles to the known statement.
pub fn check(setup: &Setup) {
    let Setup {
        filters,
        queries,
        schema,
        layout,
        parse_options,
        options,
        ..
    } = setup;
    for f in filters {
        let tree = parse_with(f, parse_options).unwrap_or_else(|e| panic!("{}", e.render(f)));
        let printed = tree.to_string();
        assert_eq!(
            parse_with(&printed, parse_options).as_ref(),
            Ok(&tree),
            "{f}"
        );
    }
    for f in queries {
        let q = search(f, schema, layout, options);
        for n in 1..=q.params.len() {
            assert!(
                q.sql.contains(&format!("${n}")),
                "{f}: no ${n} in {}",
                q.sql
            );
        }
        assert!(!q.sql.contains(&format!("${}", q.params.len() + 1)), "{f}");
    }
    let q = search(
        &query_string("UserType Eq 'Member' And Office Eq 'Fargo*'"),
        schema,
        layout,
        options,
    );
    assert_eq!(
        q.sql,
        "SELECT t.rid, t.doc FROM \"accounts\" AS t WHERE \
         ((t.\"user_type__f\" IS NOT NULL AND (t.\"user_type__f\" = $1::text)) AND \
         (t.\"office__f\" IS NOT NULL AND ((t.\"office__f\" >= $2::text AND t.\"office__f\" < $3::text))) AND \
         (t.\"visible\" IS NOT NULL AND t.\"visible\" = $4::boolean)) \
         ORDER BY t.\"last_name__f\" IS NULL, t.\"last_name__f\" DESC, \
         (CASE WHEN json_typeof(t.doc::json->'Id') = 'string' THEN t.doc::json->>'Id' ELSE '' END) \
         COLLATE \"C\", t.rid LIMIT $5::bigint OFFSET $6::bigint"
    );
    assert_eq!(
        q.params,
        [
            Param::Text("member".into()),
            Param::Text("fargo".into()),
            Param::Text("fargp".into()),
            Param::Bool(true),
            Param::Int(25),
            Param::Int(0)
        ]
    );
}
