//! Writes `benches/data/corpus.jsonl`: realistic, deterministic `_filter` texts for the
//! benchmarks and the fuzz seeds.
//!
//! ```text
//! cargo run --release --example gen_corpus [-- COUNT [SEED]]
//! ```
//!
//! The shapes follow the real-estate API: standard and custom fields, every operator, ranges,
//! lists, wildcards and escapes, groups (depth at most 2), binary and unary `Not`, relative-date
//! and field-side functions, zoned datetimes, booleans, `NULL` and a little arithmetic. Every
//! generated filter is checked with [`spark_filter::parse`] under the default limits.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;

/// splitmix64: tiny, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + (self.next() % span) as i64
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Integer fields with a realistic value range.
const INT_FIELDS: &[(&str, i64, i64)] = &[
    ("BedsTotal", 0, 8),
    ("BathsFull", 0, 6),
    ("BathsHalf", 0, 3),
    ("BathsTotal", 0, 8),
    ("YearBuilt", 1900, 2026),
    ("GarageSpaces", 0, 4),
    ("DaysOnMarket", 0, 365),
    ("StoriesTotal", 1, 3),
    ("BuildingAreaTotal", 600, 6000),
    ("\"Listing Details\".\"Number of Units\"", 1, 12),
    (
        "\"General Property Description\".\"Year Remodeled\"",
        1950,
        2026,
    ),
];
const PRICE_FIELDS: &[&str] = &[
    "ListPrice",
    "ClosePrice",
    "OriginalListPrice",
    "\"Financial\".\"Assessed Value\"",
];
/// Decimal fields with the largest whole part of a realistic value.
const DECIMAL_FIELDS: &[(&str, i64)] = &[
    ("LotSizeAcres", 40),
    ("\"General Property Description\".\"Taxes\"", 20000),
    ("\"Financial\".\"HOA Fee\"", 900),
    ("\"Financial\".\"Tax Rate\"", 3),
    ("BathsTotal", 6),
];
const DATE_FIELDS: &[&str] = &[
    "OnMarketDate",
    "CloseDate",
    "ExpirationDate",
    "ListingContractDate",
    "\"Listing Details\".\"Available Date\"",
];
const DATETIME_FIELDS: &[&str] = &[
    "ModificationTimestamp",
    "OriginalEntryTimestamp",
    "PriceChangeTimestamp",
    "StatusChangeTimestamp",
    "PhotosChangeTimestamp",
];
const BOOL_FIELDS: &[&str] = &[
    "Visible",
    "IdxYN",
    "PoolYN",
    "FireplaceYN",
    "WaterfrontYN",
    "\"Garage Type\".\"Attached\"",
    "\"Features\".\"Central Air\"",
];

const CITIES: &[&str] = &[
    "Fargo",
    "Moorhead",
    "West Fargo",
    "Bemidji",
    "Duluth",
    "Dilworth",
    "Grand Forks",
    "St. Paul",
    "Minneapolis",
    "Bismarck",
    "Sioux Falls",
    "Detroit Lakes",
    "Coeur d\\'Alene",
];
const STATUSES: &[&str] = &[
    "Active",
    "Pending",
    "Closed",
    "Expired",
    "Withdrawn",
    "Canceled",
    "Active Under Contract",
    "Coming Soon",
];
const PROPERTY_TYPES: &[&str] = &["A", "B", "C", "D", "E", "F", "G"];
const USER_TYPES: &[&str] = &["Member", "Office", "Company", "Mls"];
const NAMES: &[&str] = &[
    "thomas*",
    "*son",
    "john*",
    "tim*",
    "O\\'Brien",
    "Carl Thomason",
    "*ander*",
    "Mc*",
    "Anne-Marie Smith",
    "D\\'Angelo",
    "j*n",
    "Smith",
    "5\\* Realty",
];
const OFFICES: &[&str] = &[
    "Fargo Realty",
    "Park Co*",
    "*Realty",
    "Lakes Real Estate",
    "Keller Williams*",
    "RE/MAX Legacy",
    "O\\'Neil & Sons",
];
const STREETS: &[&str] = &[
    "Main",
    "Broadway",
    "University",
    "Elm*",
    "*Lake*",
    "1st Ave N",
    "O\\'Hara",
];
const ZONING: &[&str] = &[
    "Commercial",
    "Residential",
    "R-1",
    "R-2",
    "Agricultural",
    "Mixed*",
];
const SUBSTRINGS: &[&str] = &["lake", "view", "acre", "pool", "fenced", "new roof", "shop"];
const ZONES: &[&str] = &["Z", "-05:00", "-0600", "+01:00", "+0530", "-07:00", ""];

fn push_char(out: &mut String, value: &str) {
    out.push('\'');
    out.push_str(value);
    out.push('\'');
}

fn date(rng: &mut Rng) -> String {
    let year = rng.range(2005, 2026);
    let month = rng.range(1, 12);
    let day = rng.range(1, 28);
    format!("{year:04}-{month:02}-{day:02}")
}

fn datetime(rng: &mut Rng) -> String {
    let mut s = date(rng);
    let (h, m, sec) = (rng.range(0, 23), rng.range(0, 59), rng.range(0, 59));
    match rng.range(0, 3) {
        0 => write!(s, "T{h:02}:{m:02}").unwrap(),
        1 | 2 => write!(s, "T{h:02}:{m:02}:{sec:02}").unwrap(),
        _ => write!(s, "T{h:02}:{m:02}:{sec:02}.{:06}", rng.range(0, 999_999)).unwrap(),
    }
    s.push_str(rng.pick(ZONES));
    s
}

fn decimal(rng: &mut Rng, max: i64) -> String {
    let whole = rng.range(0, max);
    match rng.range(0, 9) {
        0 => format!("{whole}.0"),
        1 => format!(
            "{}.{}E-{}",
            rng.range(1, 9),
            rng.range(0, 99),
            rng.range(1, 6)
        ),
        _ => format!("{whole}.{:02}", rng.range(0, 99)),
    }
}

fn price(rng: &mut Rng) -> i64 {
    rng.range(20, 1500) * 1000
}

fn cmp_op(rng: &mut Rng) -> &'static str {
    rng.pick(&["Eq", "Ne", "Gt", "Ge", "Lt", "Le", "Ge", "Le"])
}

fn eq_ne(rng: &mut Rng) -> &'static str {
    if rng.chance(80) { "Eq" } else { "Ne" }
}

/// A character comparison on one of the text fields.
fn character(rng: &mut Rng, out: &mut String) {
    let (field, values): (&str, &[&str]) = match rng.range(0, 9) {
        0 | 1 => ("City", CITIES),
        2 => ("MlsStatus", STATUSES),
        3 => ("PropertyType", PROPERTY_TYPES),
        4 => ("UserType", USER_TYPES),
        5 => ("Name", NAMES),
        6 => ("Office", OFFICES),
        7 => ("StreetName", STREETS),
        8 => ("\"General Property Description\".\"Zoning\"", ZONING),
        _ => ("\"PrimaryAddress\".\"City\"", CITIES),
    };
    match rng.range(0, 19) {
        // A list of 2-6 values.
        0..=4 => {
            write!(out, "{field} {} ", eq_ne(rng)).unwrap();
            let n = rng.range(2, 6.min(values.len() as i64)) as usize;
            let mut chosen: Vec<&str> = Vec::with_capacity(n);
            while chosen.len() < n {
                let v = rng.pick(values);
                if !chosen.contains(&v) {
                    chosen.push(v);
                }
            }
            for (i, v) in chosen.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_char(out, v);
            }
        }
        // Case folding on the field side.
        5 => {
            let f = rng.pick(&["tolower", "toupper", "trim"]);
            let v = rng.pick(values);
            let v = if f == "toupper" {
                v.to_uppercase()
            } else {
                v.to_lowercase()
            };
            write!(out, "{f}({field}) {} '{v}'", eq_ne(rng)).unwrap();
        }
        // Substring searches.
        6 => {
            let f = rng.pick(&["contains", "startswith", "endswith"]);
            let v = rng.pick(SUBSTRINGS);
            write!(out, "\"Remarks\".\"Public\" {} {f}('{v}')", eq_ne(rng)).unwrap();
        }
        7 if rng.chance(50) => {
            write!(out, "{field} {} NULL", eq_ne(rng)).unwrap();
        }
        8 if rng.chance(40) => {
            let zip = rng.range(55000, 58999);
            let pattern = rng.pick(&["^58[0-9]{3}$", "^56[0-9]{3}(-[0-9]{4})?$"]);
            if rng.chance(50) {
                write!(out, "PostalCode Eq '{zip}'").unwrap();
            } else {
                write!(out, "PostalCode Eq regex('{pattern}')").unwrap();
            }
        }
        9 if rng.chance(30) => {
            let a = rng.range(1, 4);
            write!(
                out,
                "MapCoordinates Eq range('M0{a}','M0{}')",
                a + rng.range(1, 5)
            )
            .unwrap();
        }
        _ => {
            write!(out, "{field} {} ", eq_ne(rng)).unwrap();
            push_char(out, rng.pick(values));
        }
    }
}

fn integer(rng: &mut Rng, out: &mut String) {
    let price_field = rng.chance(45);
    let (field, lo, hi) = if price_field {
        (rng.pick(PRICE_FIELDS), 0, 0)
    } else {
        INT_FIELDS[(rng.next() % INT_FIELDS.len() as u64) as usize]
    };
    let value = |rng: &mut Rng| {
        if price_field {
            price(rng)
        } else {
            rng.range(lo, hi)
        }
    };
    match rng.range(0, 11) {
        0..=2 => {
            let (a, b) = (value(rng), value(rng));
            write!(out, "{field} Bt {},{}", a.min(b), a.max(b) + 1).unwrap();
        }
        3 => {
            write!(out, "{field} {} ", eq_ne(rng)).unwrap();
            let n = rng.range(2, 6);
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                write!(out, "{}", value(rng)).unwrap();
            }
        }
        4 if !price_field => {
            let op = rng.pick(&["Add", "Sub", "Mul"]);
            let f = rng.pick(&["BathsFull", "BathsHalf", "BedsTotal"]);
            let v = rng.range(1, 8);
            write!(out, "{f} {op} {} {} {v}", rng.range(1, 3), cmp_op(rng)).unwrap();
        }
        5 if price_field => {
            let f = rng.pick(&["round", "floor", "ceiling"]);
            write!(
                out,
                "{f}({field} Div 1000) {} {}",
                cmp_op(rng),
                rng.range(50, 900)
            )
            .unwrap();
        }
        6 if price_field && rng.chance(50) => {
            let a = price(rng);
            write!(out, "{field} Le {a} Add {}", rng.range(1, 50) * 1000).unwrap();
        }
        _ => write!(out, "{field} {} {}", cmp_op(rng), value(rng)).unwrap(),
    }
}

fn decimal_cmp(rng: &mut Rng, out: &mut String) {
    if rng.chance(20) {
        // Prices are often written with a decimal point.
        let field = rng.pick(PRICE_FIELDS);
        write!(out, "{field} {} {}.0", cmp_op(rng), price(rng)).unwrap();
        return;
    }
    let (field, max) = DECIMAL_FIELDS[(rng.next() % DECIMAL_FIELDS.len() as u64) as usize];
    match rng.range(0, 5) {
        0 | 1 => {
            let a = rng.range(0, max / 2);
            let b = a + rng.range(1, max / 2 + 1);
            write!(
                out,
                "{field} Bt {a}.{:02},{b}.{:02}",
                rng.range(0, 99),
                rng.range(0, 99)
            )
            .unwrap()
        }
        2 if rng.chance(40) => {
            write!(out, "{field} {} ", eq_ne(rng)).unwrap();
            for i in 0..rng.range(2, 4) {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&decimal(rng, max));
            }
        }
        _ => write!(out, "{field} {} {}", cmp_op(rng), decimal(rng, max)).unwrap(),
    }
}

fn date_cmp(rng: &mut Rng, out: &mut String) {
    let field = rng.pick(DATE_FIELDS);
    match rng.range(0, 9) {
        0 | 1 => {
            let (a, b) = (date(rng), date(rng));
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            write!(out, "{field} Bt {a},{b}").unwrap();
        }
        2 => write!(out, "{field} {} days(-{})", cmp_op(rng), rng.range(1, 90)).unwrap(),
        3 => write!(out, "{field} Bt days(-{}),now()", rng.range(1, 60)).unwrap(),
        4 => {
            let f = rng.pick(&["months", "years", "weekdays"]);
            write!(out, "{field} {} {f}({})", cmp_op(rng), rng.range(-12, 12)).unwrap();
        }
        5 => {
            let f = rng.pick(&["year", "month", "dayofweek"]);
            let v = match f {
                "year" => rng.range(2005, 2026),
                "month" => rng.range(1, 12),
                _ => rng.range(1, 7),
            };
            write!(out, "{f}({field}) {} {v}", cmp_op(rng)).unwrap();
        }
        6 if rng.chance(30) => write!(out, "{field} {} NULL", eq_ne(rng)).unwrap(),
        _ => write!(out, "{field} {} {}", cmp_op(rng), date(rng)).unwrap(),
    }
}

fn datetime_cmp(rng: &mut Rng, out: &mut String) {
    let field = rng.pick(DATETIME_FIELDS);
    match rng.range(0, 7) {
        0 | 1 => {
            // Same zone on both ends keeps the range ordered.
            let zone = rng.pick(ZONES);
            let day = date(rng);
            let (h1, h2) = (rng.range(0, 11), rng.range(12, 23));
            write!(
                out,
                "{field} Bt {day}T{h1:02}:00:00{zone},{day}T{h2:02}:59:59{zone}"
            )
            .unwrap();
        }
        2 => write!(out, "{field} Gt days(-{})", rng.range(1, 30)).unwrap(),
        3 => {
            let f = rng.pick(&["hours", "minutes", "seconds"]);
            write!(out, "{field} Ge {f}(-{})", rng.range(1, 90)).unwrap();
        }
        4 if rng.chance(50) => write!(out, "{field} Le now()").unwrap(),
        5 if rng.chance(50) => {
            write!(out, "date({field}) {} {}", cmp_op(rng), date(rng)).unwrap();
        }
        _ => write!(out, "{field} {} {}", cmp_op(rng), datetime(rng)).unwrap(),
    }
}

fn boolean(rng: &mut Rng, out: &mut String) {
    let field = rng.pick(BOOL_FIELDS);
    let value = if rng.chance(60) { "true" } else { "false" };
    write!(out, "{field} {} {value}", eq_ne(rng)).unwrap();
}

fn geo(rng: &mut Rng, out: &mut String) {
    let lat = 46.0 + rng.range(0, 999) as f64 / 1000.0;
    let lon = -96.0 - rng.range(0, 999) as f64 / 1000.0;
    if rng.chance(60) {
        write!(
            out,
            "Location Eq radius('{lat:.3} {lon:.3}',{}.0)",
            rng.range(1, 25)
        )
        .unwrap();
    } else {
        let (lat2, lon2) = (lat + 0.05, lon + 0.05);
        write!(
            out,
            "Location Eq rectangle('{lat:.3} {lon:.3}, {lat2:.3} {lon2:.3}')"
        )
        .unwrap();
    }
}

fn comparison(rng: &mut Rng, out: &mut String) {
    match rng.range(0, 99) {
        0..=29 => character(rng, out),
        30..=54 => integer(rng, out),
        55..=64 => decimal_cmp(rng, out),
        65..=76 => date_cmp(rng, out),
        77..=86 => datetime_cmp(rng, out),
        87..=96 => boolean(rng, out),
        _ => geo(rng, out),
    }
}

/// A conjunction of `n` units; groups nest while `depth` < 2.
fn conj(rng: &mut Rng, out: &mut String, n: usize, depth: usize) {
    // A leading (unary) Not only at the start of a conjunction.
    if rng.chance(6) {
        out.push_str("Not ");
    }
    for i in 0..n {
        if i > 0 {
            let joiner = match rng.range(0, 9) {
                0..=5 => "And",
                6..=8 => "Or",
                _ => "Not",
            };
            write!(out, " {joiner} ").unwrap();
        }
        if depth < 2 && n > 1 && rng.chance(18) {
            out.push('(');
            let inner = rng.range(2, 3) as usize;
            conj(rng, out, inner, depth + 1);
            out.push(')');
        } else {
            comparison(rng, out);
        }
    }
}

fn filter(rng: &mut Rng) -> String {
    let mut out = String::new();
    let n = match rng.range(0, 99) {
        0..=26 => 1,
        27..=62 => 2,
        63..=82 => 3,
        83..=93 => 4,
        _ => rng.range(5, 8) as usize,
    };
    if rng.chance(8) {
        // The whole filter in one group.
        out.push('(');
        conj(rng, &mut out, n, 1);
        out.push(')');
    } else {
        conj(rng, &mut out, n, 0);
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map_or(2500, |s| s.parse().expect("COUNT"));
    let seed: u64 = args
        .next()
        .map_or(0x5EED_F117_E400, |s| s.parse().expect("SEED"));
    let mut rng = Rng(seed);
    let mut text = String::new();
    let mut bytes = 0usize;
    for _ in 0..count {
        let f = filter(&mut rng);
        if let Err(e) = spark_filter::parse(&f) {
            panic!("generated an invalid filter:\n{}", e.render(&f));
        }
        bytes += f.len();
        text.push_str(&serde_json::json!({ "filter": f }).to_string());
        text.push('\n');
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/corpus.jsonl");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "wrote {count} filters to {}; mean length {:.1} bytes",
        path.display(),
        bytes as f64 / count as f64
    )
    .unwrap();
}
