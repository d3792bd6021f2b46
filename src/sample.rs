//! Deterministic sample records in the documented shapes (docs/records.md).
//!
//! [`records`] and [`generate`] produce accounts and portal groups that look like real data:
//! multi-word and non-ASCII names, apostrophes, lower-case names, several phone numbers in
//! mixed layouts, addresses with structured `City`/`PostalCode` and a `PrimaryAddress` copy,
//! tags, languages, designations, teams, and a mix of visible, invisible, active and inactive
//! accounts. Optional fields are now and then `null` or missing altogether, as the record
//! rules allow.
//!
//! The output depends only on the service and the seed: the generator is a splitmix64 stream
//! with integer arithmetic only, and records are `serde_json::Value` objects whose keys are
//! sorted, so the same seed gives byte-identical JSON on every machine. The records of a
//! shorter run are a prefix of those of a longer one.
//!
//! Accounts reference each other consistently: every `OfficeId`, `CompanyId` and `MlsId` a
//! member carries is the `Id` of an `Office`, `Company` or `Mls` account of the same stream,
//! emitted just before its first member; a team's `LeaderId` is the `Id` of its owner.
//!
//! ```
//! let accounts = spark_filter::sample::records("accounts", 3, 7).unwrap();
//! assert_eq!(accounts.len(), 3);
//! assert_eq!(accounts, spark_filter::sample::records("accounts", 3, 7).unwrap());
//! assert!(spark_filter::sample::records("listings", 3, 7).is_err());
//! ```

use std::collections::VecDeque;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde_json::{Map, Value, json};

/// The services [`records`] and [`generate`] can generate.
pub const SERVICES: &[&str] = &["accounts", "portal-groups"];

/// `count` records for `service`, the same for the same `seed`.
///
/// The first `n` records of a run are the same whatever `count` is. Fails, naming the
/// services there are, when `service` is not one of [`SERVICES`].
pub fn records(service: &str, count: usize, seed: u64) -> Result<Vec<Value>, String> {
    Ok(generate(service, seed)?.take(count).collect())
}

/// An endless stream of records for `service`, the same for the same `seed`: `records(service,
/// n, seed)` is its first `n` items. Use it to write large files without holding them.
///
/// Fails, naming the services there are, when `service` is not one of [`SERVICES`].
pub fn generate(
    service: &str,
    seed: u64,
) -> Result<impl Iterator<Item = Value> + Send + use<>, String> {
    match service {
        "accounts" => Ok(Stream::Accounts(Box::new(Accounts::new(seed)))),
        "portal-groups" => Ok(Stream::Groups(Box::new(Groups::new(seed)))),
        _ => Err(format!(
            "no sample records for service {service:?}: the services are {}",
            SERVICES.join(", ")
        )),
    }
}

enum Stream {
    Accounts(Box<Accounts>),
    Groups(Box<Groups>),
}

impl Iterator for Stream {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        Some(match self {
            Stream::Accounts(a) => a.next_record(),
            Stream::Groups(g) => g.next_record(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness and ids

/// splitmix64: small, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + ((u128::from(self.next()) * u128::from(hi - lo + 1)) >> 64) as u64
    }

    /// True `per_mille` times in a thousand.
    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An item of `(weight, item)` pairs, with probability proportional to its weight.
    fn weighted<'a, T>(&mut self, items: &'a [(usize, T)]) -> &'a T {
        let total: usize = items.iter().map(|(w, _)| w).sum();
        let mut n = self.below(total);
        for (w, item) in items {
            if n < *w {
                return item;
            }
            n -= w;
        }
        unreachable!("weights sum to total")
    }

    /// `k` distinct items of `items`, in the order of `items`.
    fn subset<T: Copy>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut chosen = vec![false; items.len()];
        for _ in 0..k.min(items.len()) {
            let mut i = self.below(items.len());
            while chosen[i] {
                i = (i + 1) % items.len();
            }
            chosen[i] = true;
        }
        items
            .iter()
            .zip(chosen)
            .filter(|(_, c)| *c)
            .map(|(t, _)| *t)
            .collect()
    }
}

/// 2000-01-01T00:00:00Z.
const EPOCH_2000: i64 = 946_684_800;
/// Seconds from 2000-01-01 to 9999-12-31, where 14-digit timestamps end.
const SPAN: u64 = 252_423_993_600;

/// Hands out the 26-digit ids of the Spark API (`20000426143505724621000000`: a UTC timestamp,
/// six digits of microseconds, six more digits), strictly increasing, hence unique.
struct Clock {
    secs: u64,
    max_step: u64,
}

/// One id and the ids of the things it owns: `sub(0)` is the id itself, `sub(1)`, `sub(2)`...
/// differ in the last digits only (the sample records number emails and phones this way).
struct IdBase {
    prefix: String,
    tail: u64,
    /// Whether the e-mails, phones and addresses of the record carry their `Id`s.
    elements: bool,
}

impl IdBase {
    fn parse(id: &str) -> IdBase {
        IdBase {
            prefix: id[..20].to_string(),
            tail: id[20..].parse().expect("digits"),
            elements: true,
        }
    }

    fn sub(&self, n: u64) -> String {
        format!("{}{:06}", self.prefix, self.tail + n)
    }

    /// Sets `Id` of an element to `sub(n)`, for records whose elements carry ids.
    fn put_element_id(&self, map: &mut Map<String, Value>, n: u64) {
        if self.elements {
            put(map, "Id", json!(self.sub(n)));
        }
    }
}

impl Clock {
    fn new(rng: &mut Rng, start_secs: u64, max_step: u64) -> Clock {
        Clock {
            secs: start_secs + rng.range(0, 86_400 * 90),
            max_step,
        }
    }

    fn tick(&mut self, rng: &mut Rng) -> IdBase {
        self.secs += rng.range(1, self.max_step);
        let micros = rng.below(1_000_000);
        // After year 9999 the timestamps start again, told apart by the tail.
        let (cycle, s) = (self.secs / SPAN, self.secs % SPAN);
        let at = DateTime::from_timestamp(EPOCH_2000 + s as i64, 0).expect("in chrono's range");
        IdBase {
            prefix: format!("{}{micros:06}", at.format("%Y%m%d%H%M%S")),
            tail: cycle * 1000,
            elements: true,
        }
    }
}

fn id(rng: &mut Rng, clock: &mut Clock) -> String {
    clock.tick(rng).sub(0)
}

// ---------------------------------------------------------------------------------------------
// Word lists

/// First names, with weights. Several start with Thom, Tim or John so wildcard searches hit;
/// some hold two words, apostrophes or non-ASCII letters.
const FIRST_NAMES: &[(usize, &str)] = &[
    (24, "Carl"),
    (28, "Thomas"),
    (4, "Thomasina"),
    (12, "Tim"),
    (16, "Timothy"),
    (28, "John"),
    (6, "Johnny"),
    (4, "Johnathan"),
    (20, "Mary"),
    (8, "Mary Jo"),
    (6, "Jo Ann"),
    (4, "Billie Jo"),
    (20, "Anna"),
    (16, "Emily"),
    (24, "Michael"),
    (20, "Sarah"),
    (24, "David"),
    (20, "Jennifer"),
    (20, "Robert"),
    (12, "Linda"),
    (20, "James"),
    (12, "Karen"),
    (16, "Jessica"),
    (16, "Daniel"),
    (16, "Laura"),
    (12, "Kevin"),
    (12, "Megan"),
    (12, "Brian"),
    (12, "Amy"),
    (12, "Eric"),
    (10, "Heather"),
    (12, "Ryan"),
    (10, "Nicole"),
    (12, "Jason"),
    (10, "Rachel"),
    (10, "Ole"),
    (10, "Ingrid"),
    (10, "Lars"),
    (8, "Kari"),
    (8, "Ahmed"),
    (8, "Fatima"),
    (6, "Hamdi"),
    (6, "Mai"),
    (6, "Minh"),
    (6, "Pa Nhia"),
    (8, "D'Angelo"),
    (4, "D'Andre"),
    (6, "Seán"),
    (6, "Zoë"),
    (6, "José"),
    (3, "Ægir"),
    (3, "Björk"),
    (3, "Łukasz"),
    (3, "Søren"),
    (4, "François"),
    (4, "Chloé"),
    (4, "Renée"),
    (3, "Jürgen"),
    (3, "Siobhán"),
    (3, "Agnès"),
    (3, "Bjørn"),
    (3, "Åsa"),
    (2, "Ólafur"),
    (2, "Zoltán"),
    (3, "Ana Lucía"),
    (2, "Anaïs"),
    (2, "Noël"),
    (3, "Hélène"),
    (2, "Małgorzata"),
    (2, "Thérèse"),
    (2, "Þór"),
    (2, "Øyvind"),
];

/// Last names, with weights: some with apostrophes, hyphens, particles (`van der Berg`), `ß`,
/// and other non-ASCII letters.
const LAST_NAMES: &[(usize, &str)] = &[
    (16, "Thomason"),
    (16, "Thompson"),
    (6, "Thomsen"),
    (32, "Smith"),
    (24, "Johnson"),
    (10, "Johansson"),
    (8, "Timmons"),
    (24, "Olson"),
    (24, "Anderson"),
    (20, "Peterson"),
    (16, "Larson"),
    (16, "Nelson"),
    (12, "Hanson"),
    (10, "Berg"),
    (16, "Nguyen"),
    (5, "Hernández"),
    (12, "O'Brien"),
    (8, "O'Neil"),
    (8, "O'Connor"),
    (6, "D'Amico"),
    (6, "Müller"),
    (4, "Álvarez-García"),
    (2, "Ångström-Núñez"),
    (3, "Großmann"),
    (3, "Strauß"),
    (2, "Weiß"),
    (8, "van der Berg"),
    (6, "de la Cruz"),
    (6, "Le Blanc"),
    (4, "St. John"),
    (8, "MacLeod"),
    (8, "McDonald"),
    (3, "Ødegård"),
    (3, "Dvořák"),
    (6, "Kowalczyk"),
    (3, "Wiśniewski"),
    (2, "Ó Súilleabháin"),
    (3, "Núñez"),
    (3, "Søgaard"),
    (2, "Björnsdóttir"),
    (3, "Lefèvre"),
    (6, "Gauthier"),
    (3, "Côté"),
    (8, "Hassan"),
    (8, "Yang"),
    (10, "Vang"),
    (6, "Her"),
    (12, "Schmidt"),
    (8, "Bauer"),
    (2, "Zürcher"),
    (12, "Jensen"),
    (3, "Sørensen"),
    (4, "Ramírez"),
    (3, "Peña"),
    (6, "Fitzgerald"),
];

/// Names of one word (`Ægir`, `D'Angelo`), for the few people known by one name.
const MONONYMS: &[&str] = &["Ægir", "D'Angelo", "Björk", "Þór", "Ingrid", "Seán"];

const MIDDLE_INITIALS: &[&str] = &["A", "B", "C", "D", "E", "J", "K", "L", "M", "R", "S", "T"];

struct City {
    name: &'static str,
    state: &'static str,
    postal: &'static [&'static str],
    /// Telephone area codes; empty for places outside the North American plan.
    area: &'static [&'static str],
    streets: &'static [&'static str],
    /// How addresses are written there.
    style: Style,
    language: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Us,
    Canada,
    Swiss,
}

const US_STREETS: &[&str] = &[
    "Main Ave",
    "Broadway N",
    "1st Ave N",
    "13th Ave S",
    "University Dr S",
    "Center Ave",
    "Elm St",
    "Oak St",
    "Lake St",
    "Summit Ave",
    "Grand Ave",
    "Prairie Rose Dr",
    "O'Hara Ln",
    "Riverside Dr",
    "45th St S",
];
const QC_STREETS: &[&str] = &[
    "Rue Saint-Denis",
    "Boulevard René-Lévesque",
    "Rue Sainte-Catherine",
    "Avenue du Mont-Royal",
];
const MB_STREETS: &[&str] = &["Portage Ave", "Main St", "Pembina Hwy", "Rue Provencher"];
const ZH_STREETS: &[&str] = &[
    "Bahnhofstrasse",
    "Seefeldstrasse",
    "Limmatquai",
    "Zähringerstrasse",
];

const CITIES: &[City] = &[
    City {
        name: "Fargo",
        state: "ND",
        postal: &["58102", "58103", "58104"],
        area: &["701"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "West Fargo",
        state: "ND",
        postal: &["58078"],
        area: &["701"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Moorhead",
        state: "MN",
        postal: &["56560"],
        area: &["218"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Saint Paul",
        state: "MN",
        postal: &["55101", "55102", "55104"],
        area: &["651"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Minneapolis",
        state: "MN",
        postal: &["55401", "55403", "55408"],
        area: &["612", "763", "952"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Bismarck",
        state: "ND",
        postal: &["58501", "58503"],
        area: &["701"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Mandan",
        state: "ND",
        postal: &["58554"],
        area: &["701"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Grand Forks",
        state: "ND",
        postal: &["58201", "58203"],
        area: &["701"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Minot",
        state: "ND",
        postal: &["58701"],
        area: &["701"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Detroit Lakes",
        state: "MN",
        postal: &["56501"],
        area: &["218"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Duluth",
        state: "MN",
        postal: &["55802", "55803"],
        area: &["218"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Sioux Falls",
        state: "SD",
        postal: &["57104", "57105"],
        area: &["605"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Billings",
        state: "MT",
        postal: &["59101"],
        area: &["406"],
        streets: US_STREETS,
        style: Style::Us,
        language: "en",
    },
    City {
        name: "Winnipeg",
        state: "MB",
        postal: &["R3C 0A5", "R3T 2N2"],
        area: &["204"],
        streets: MB_STREETS,
        style: Style::Canada,
        language: "en",
    },
    City {
        name: "Montréal",
        state: "QC",
        postal: &["H2X 1Y4", "H3B 2Y5"],
        area: &["514"],
        streets: QC_STREETS,
        style: Style::Canada,
        language: "fr",
    },
    City {
        name: "Québec",
        state: "QC",
        postal: &["G1R 4P5"],
        area: &["418"],
        streets: QC_STREETS,
        style: Style::Canada,
        language: "fr",
    },
    City {
        name: "Zürich",
        state: "ZH",
        postal: &["8001", "8004"],
        area: &[],
        streets: ZH_STREETS,
        style: Style::Swiss,
        language: "de",
    },
];

/// Index into [`CITIES`], weighted towards the Fargo-Moorhead area.
const CITY_WEIGHTS: &[(usize, usize)] = &[
    (30, 0),
    (8, 1),
    (12, 2),
    (8, 3),
    (10, 4),
    (10, 5),
    (3, 6),
    (6, 7),
    (3, 8),
    (3, 9),
    (4, 10),
    (4, 11),
    (2, 12),
    (2, 13),
    (3, 14),
    (1, 15),
    (2, 16),
];

const MLS_NAMES: &[&str] = &[
    "Your Local MLS",
    "Bismarck Mandan MLS",
    "Northstar MLS",
    "Lakes Area MLS",
    "Grand Forks Area MLS",
    "Réseau MLS Québec",
];

/// Brand words of companies and independent offices.
const BRANDS: &[&str] = &[
    "Prairie",
    "Red River",
    "Nordic",
    "Lakes & Pines",
    "Northern Lights",
    "Sunrise",
    "Dakota",
    "Keystone",
    "Heritage",
    "Åker",
    "Bonne Terre",
    "L'Étoile",
    "Müller & Söhne",
    "Cornerstone",
    "Bluestem",
    "Big Sky",
    "Tallgrass",
    "Ó Briain",
    "Straße & Heim",
    "O'Day",
];
const COMPANY_SUFFIXES: &[&str] = &["Realty Co", "Real Estate Group", "Properties Inc", "Homes"];
const OFFICE_SUFFIXES: &[&str] = &["Realty", "Real Estate", "Homes", "Properties", "Group"];

const TAGS: &[(usize, &str)] = &[
    (40, "Agent"),
    (12, "Broker"),
    (6, "Team Leader"),
    (5, "Luxury"),
    (5, "Commercial"),
    (4, "Relocation"),
    (4, "New Construction"),
    (3, "Farm & Ranch"),
    (3, "Property Manager"),
    (2, "Appraiser"),
    (3, "Assistant"),
    (3, "Rentals"),
    (3, "Lake Homes"),
    (3, "First-time Buyers"),
];

const LANGUAGES: &[&str] = &[
    "es", "fr", "de", "no", "sv", "vi", "so", "ar", "zh", "hmn", "ru", "ga", "pl",
];

const ASSOCIATIONS: &[&str] = &[
    "Fargo-Moorhead Area Association of REALTORS",
    "Bismarck-Mandan Board of REALTORS",
    "Minneapolis Area REALTORS",
    "Saint Paul Area Association of REALTORS",
    "Greater Grand Forks Board of REALTORS",
    "North Dakota Association of REALTORS",
    "Lakes Area REALTORS",
    "Chambre immobilière du Grand Montréal",
];

const DESIGNATIONS: &[&str] = &[
    "Accredited Buyer Rep",
    "Certified Residential Specialist",
    "Graduate REALTOR Institute",
    "Seniors Real Estate Specialist",
    "Green",
    "e-PRO",
    "Certified International Property Specialist",
    "Short Sales and Foreclosure Resource",
    "Military Relocation Professional",
    "Pricing Strategy Advisor",
    "Accredited Land Consultant",
    "Resort & Second-Home Property Specialist",
];

const EXTERNAL_PRODUCTS: &[&str] = &["ShowingTime", "Supra", "Dotloop", "Cloud CMA"];
const FLEXMLS_PRODUCTS: &[&str] = &[
    "DesktopIdx",
    "MobileIdx",
    "WordPressIdx",
    "FlexmlsWeb",
    "FlexmlsMobile",
];
const EDITABLE_SETTINGS: &[&str] = &["Visible", "Active", "GetEmailUpdates", "Locale"];

const MAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.net",
    "example.org",
    "mail.example",
    "inbox.example",
];

// ---------------------------------------------------------------------------------------------
// Text helpers

/// ASCII letters and digits of `s`, accents dropped (`Seán O'Brien` → `seanobrien`), for
/// e-mail addresses, short ids and web addresses.
fn ascii_fold(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let rep = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'A'..='Z' => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            'á' | 'à' | 'â' | 'ä' | 'å' | 'ã' | 'Á' | 'À' | 'Â' | 'Ä' | 'Å' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'Í' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ö' | 'Ø' => "o",
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ü' => "u",
            'ñ' | 'Ñ' | 'ń' => "n",
            'ç' | 'Ç' => "c",
            'ř' => "r",
            'ś' | 'š' => "s",
            'ž' | 'ź' | 'ż' => "z",
            'ł' | 'Ł' => "l",
            'ð' | 'Ð' => "d",
            'ß' => "ss",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'þ' | 'Þ' => "th",
            _ => "",
        };
        out.push_str(rep);
    }
    out
}

/// Lower-case, upper-case or keep `s`, as people type their names.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    Keep,
    /// Every word lower-case: `thomas smith`.
    Lower,
    /// The first name only: `thomas Smith`.
    LowerFirst,
    /// `JOHN SMITH`.
    Upper,
}

fn cased(s: &str, case: Case, first: bool) -> String {
    match case {
        Case::Keep => s.to_string(),
        Case::Lower => s.to_lowercase(),
        Case::LowerFirst if first => s.to_lowercase(),
        Case::LowerFirst => s.to_string(),
        Case::Upper => s.to_uppercase(),
    }
}

/// A person's name in parts: `(first, middle, last)`; `last` is `None` for a one-word name.
struct PersonName {
    first: String,
    middle: Option<String>,
    last: Option<String>,
}

impl PersonName {
    fn random(rng: &mut Rng) -> PersonName {
        let case = *rng.weighted(&[
            (930, Case::Keep),
            (30, Case::Lower),
            (30, Case::LowerFirst),
            (10, Case::Upper),
        ]);
        if rng.chance(6) {
            let one = rng.pick(MONONYMS);
            return PersonName {
                first: cased(one, case, true),
                middle: None,
                last: None,
            };
        }
        let first = *rng.weighted(FIRST_NAMES);
        let middle = match rng.below(100) {
            0..=24 => Some(rng.pick(MIDDLE_INITIALS).to_string()),
            25..=34 => Some(rng.weighted(FIRST_NAMES).to_string()),
            _ => None,
        };
        let last = *rng.weighted(LAST_NAMES);
        PersonName {
            first: cased(first, case, true),
            middle: middle.map(|m| cased(&m, case, false)),
            last: Some(cased(last, case, false)),
        }
    }

    fn full(&self) -> String {
        let mut parts = vec![self.first.as_str()];
        parts.extend(self.middle.as_deref());
        parts.extend(self.last.as_deref());
        parts.join(" ")
    }

    /// `CTHOM` for Carl Thomason.
    fn short_id(&self) -> String {
        let first = ascii_fold(&self.first);
        let last = ascii_fold(self.last.as_deref().unwrap_or(""));
        let mut s: String = first
            .chars()
            .take(if last.is_empty() { 5 } else { 1 })
            .collect();
        s.extend(last.chars().take(4));
        s.to_ascii_uppercase()
    }
}

/// The local part of an e-mail address for a name, in one of a few common styles.
fn mail_local(rng: &mut Rng, name: &PersonName) -> String {
    let first = ascii_fold(&name.first);
    let last = ascii_fold(name.last.as_deref().unwrap_or(""));
    let first = if first.is_empty() {
        "agent".into()
    } else {
        first
    };
    if last.is_empty() {
        return format!("{first}{}", rng.range(1, 99));
    }
    match rng.below(5) {
        0 | 1 => format!("{first}.{last}"),
        2 => format!("{}{last}", &first[..1]),
        3 => first,
        _ => format!("{first}{}", &last[..1]),
    }
}

/// The upper-case initials of the words of `name` (`Prairie Realty Co` → `PRC`).
fn initials(name: &str) -> String {
    name.split(' ')
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .collect::<String>()
        .to_uppercase()
}

/// Capitalizes the first letter of an ASCII string (`TSmith@Example.com` style).
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Sets `key` to `value` most of the time; now and then to `null` (`null_pm` in a thousand)
/// or leaves it out (`drop_pm` in a thousand).
fn put_maybe(
    rng: &mut Rng,
    map: &mut Map<String, Value>,
    key: &str,
    value: Value,
    null_pm: usize,
    drop_pm: usize,
) {
    let n = rng.below(1000);
    if n < drop_pm {
        return;
    }
    let v = if n < drop_pm + null_pm {
        Value::Null
    } else {
        value
    };
    map.insert(key.to_string(), v);
}

/// The `Name` of an e-mail, phone or address element (`Work Phone`), which only some
/// elements carry.
fn label(rng: &mut Rng, map: &mut Map<String, Value>, kind: &str, what: &str) {
    if rng.chance(150) {
        put(map, "Name", json!(format!("{kind} {what}")));
    }
}

fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.insert(key.to_string(), value);
}

fn strings(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| json!(s)).collect())
}

// ---------------------------------------------------------------------------------------------
// Phones and addresses

/// A phone number written in one of the layouts people use, with its structured parts.
fn phone_number(rng: &mut Rng, city: &City) -> (String, Value) {
    if city.area.is_empty() {
        // Swiss: +41 44 555 12 34.
        let n = format!(
            "+41 44 {} {:02} {:02}",
            rng.range(200, 999),
            rng.below(100),
            rng.below(100)
        );
        return (n, json!({"InternationalCode": "41"}));
    }
    let area = if rng.chance(900) {
        rng.pick(city.area).to_string()
    } else {
        rng.pick(&["701", "218", "612", "651", "605", "406"])
            .to_string()
    };
    let prefix = if rng.chance(600) {
        "555".to_string()
    } else {
        rng.range(201, 989).to_string()
    };
    let line = format!("{:04}", rng.below(10_000));
    let ext = rng.chance(150).then(|| rng.range(1, 999).to_string());
    let layout = rng.below(9);
    let mut number = match layout {
        0 => format!("{area}-{prefix}-{line}"),
        1 => format!("({area}) {prefix}-{line}"),
        2 => format!("{area}.{prefix}.{line}"),
        3 => format!("+1 {area} {prefix} {line}"),
        4 => format!("{prefix}-{line}"),
        5 => format!("{area}{prefix}{line}"),
        6 => format!("1 {area}-{prefix}-{line}"),
        7 => format!("1-{area}-{prefix}-{line}"),
        _ => format!("+1 ({area}) {prefix}-{line}"),
    };
    if let Some(e) = &ext {
        let marker = *rng.pick(&[" x", " x", " ext. ", " ext ", " #", " X"]);
        number.push_str(marker);
        number.push_str(e);
    }
    let country = matches!(layout, 3 | 6 | 7 | 8).then_some("1");
    let parts = json!({
        "InternationalCode": country,
        "AreaCode": (layout != 4).then_some(area),
        "Prefix": prefix,
        "LineNumber": line,
        "Extension": ext,
    });
    (number, parts)
}

const PHONE_TYPES: &[(usize, &str)] = &[
    (35, "Work"),
    (30, "Mobile"),
    (10, "Office"),
    (10, "Fax"),
    (8, "Home"),
    (3, "Pager"),
    (4, "Other"),
];

fn phones(rng: &mut Rng, base: &IdBase, next: &mut u64, city: &City, count: usize) -> Value {
    let mut out = Vec::new();
    for i in 0..count {
        let kind = *rng.weighted(PHONE_TYPES);
        let (number, parts) = phone_number(rng, city);
        let mut p = Map::new();
        *next += 1;
        base.put_element_id(&mut p, *next);
        put(&mut p, "Type", json!(kind));
        label(rng, &mut p, kind, "Phone");
        // A few numbers are missing or not numbers at all, as in hand-kept data.
        let number = match rng.below(1000) {
            0..=4 => Value::Null,
            5..=7 => json!("call office"),
            _ => json!(number),
        };
        put(&mut p, "Number", number);
        if rng.chance(40) {
            if let Value::Object(parts) = parts {
                p.extend(parts);
            }
        }
        if i == 0 {
            put(&mut p, "Primary", json!(true));
        } else if rng.chance(250) {
            put(&mut p, "Primary", json!(false));
        }
        out.push(Value::Object(p));
    }
    Value::Array(out)
}

fn address(rng: &mut Rng, id: Option<String>, kind: &str, city: &City, primary: bool) -> Value {
    let street = rng.pick(city.streets);
    let number = rng.range(1, 4999);
    let postal = rng.pick(city.postal).to_string();
    let postal = if city.style == Style::Us && rng.chance(80) {
        format!("{postal}-{:04}", rng.below(10_000))
    } else {
        postal
    };
    let unit = match rng.below(20) {
        0 => format!(" Suite {}", rng.range(100, 450)),
        1 => format!(" #{}", rng.range(1, 30)),
        _ => String::new(),
    };
    // The one-line address is the full address, or (as often entered) the street line only.
    let line = match city.style {
        _ if rng.chance(500) => match city.style {
            Style::Swiss => format!("{street} {}{unit}", number % 200),
            _ => format!("{number} {street}{unit}"),
        },
        Style::Us | Style::Canada => format!(
            "{number} {street}{unit}, {}, {} {postal}",
            city.name, city.state
        ),
        Style::Swiss => format!("{street} {}{unit}, {postal} {}", number % 200, city.name),
    };
    let mut a = Map::new();
    if let Some(id) = id {
        put(&mut a, "Id", json!(id));
    }
    put(&mut a, "Type", json!(kind));
    label(rng, &mut a, kind, "Address");
    put(&mut a, "Address", json!(line));
    put_maybe(rng, &mut a, "City", json!(city.name), 5, 5);
    let state = if city.style == Style::Swiss && rng.chance(500) {
        Value::Null
    } else {
        json!(city.state)
    };
    put(&mut a, "StateOrProvince", state);
    put_maybe(rng, &mut a, "PostalCode", json!(postal), 15, 5);
    put(&mut a, "Primary", json!(primary));
    Value::Object(a)
}

/// `Addresses` and `PrimaryAddress`: the first address is usually the primary one.
fn addresses(
    rng: &mut Rng,
    map: &mut Map<String, Value>,
    base: &IdBase,
    next: &mut u64,
    home: &City,
    count: usize,
) {
    let none_primary = rng.chance(40);
    let mut list = Vec::new();
    for i in 0..count {
        let city = if i == 0 {
            home
        } else {
            &CITIES[*rng.weighted(CITY_WEIGHTS)]
        };
        let kind = if i == 0 {
            "Work"
        } else {
            rng.pick(&["Home", "Mailing", "Other"])
        };
        *next += 1;
        list.push(address(
            rng,
            base.elements.then(|| base.sub(*next)),
            kind,
            city,
            i == 0 && !none_primary,
        ));
    }
    let primary = list
        .iter()
        .find(|a| a.get("Primary") == Some(&Value::Bool(true)))
        .cloned();
    put_maybe(rng, map, "Addresses", Value::Array(list), 5, 10);
    // PrimaryAddress copies an element of Addresses: none when the list is null or missing.
    let primary = primary.filter(|_| map.get("Addresses").is_some_and(Value::is_array));
    match primary {
        Some(p) => put(map, "PrimaryAddress", p),
        None => put_maybe(rng, map, "PrimaryAddress", Value::Null, 0, 500),
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts

struct Mls {
    id: String,
    name: &'static str,
}

struct Company {
    id: String,
    name: String,
    brand: &'static str,
    mls: usize,
}

struct Office {
    id: String,
    name: String,
    company: Option<usize>,
    mls: usize,
    city: usize,
    domain: String,
    /// Leader ids of the teams in the office.
    teams: Vec<String>,
}

/// The accounts stream: members, and the offices, companies and MLSs they belong to, each
/// emitted right before its first member.
struct Accounts {
    rng: Rng,
    clock: Clock,
    mlss: Vec<Mls>,
    companies: Vec<Company>,
    offices: Vec<Office>,
    pending: VecDeque<Value>,
}

impl Accounts {
    fn new(seed: u64) -> Accounts {
        let mut rng = Rng::new(seed, 0xACC0);
        // Accounts opened from 2000 on, an hour apart on average (200 000 reach the 2020s).
        let clock = Clock::new(&mut rng, 0, 2 * 3600);
        Accounts {
            rng,
            clock,
            mlss: Vec::new(),
            companies: Vec::new(),
            offices: Vec::new(),
            pending: VecDeque::new(),
        }
    }

    fn next_record(&mut self) -> Value {
        if let Some(v) = self.pending.pop_front() {
            return v;
        }
        let member = self.member();
        self.pending.push_back(member);
        self.pending.pop_front().expect("just pushed")
    }

    fn pick_mls(&mut self) -> usize {
        let new =
            self.mlss.is_empty() || (self.mlss.len() < MLS_NAMES.len() && self.rng.chance(20));
        if new {
            let name = MLS_NAMES[self.mlss.len()];
            let id = id(&mut self.rng, &mut self.clock);
            self.mlss.push(Mls { id, name });
            let record = self.mls_record(self.mlss.len() - 1);
            self.pending.push_back(record);
            return self.mlss.len() - 1;
        }
        // Most members are in the first MLS.
        if self.rng.chance(650) {
            0
        } else {
            self.rng.below(self.mlss.len())
        }
    }

    fn pick_office(&mut self) -> Option<usize> {
        if self.rng.chance(25) && !self.offices.is_empty() {
            return None; // unaffiliated
        }
        if !self.offices.is_empty() && !self.rng.chance(80) {
            // Offices grow unevenly: favour the older ones a little.
            let n = self.offices.len();
            let i = if self.rng.chance(300) {
                self.rng.below(n.min(8))
            } else {
                self.rng.below(n)
            };
            return Some(i);
        }
        let mls = self.pick_mls();
        let company = match self.rng.below(100) {
            0..=54 => {
                let same: Vec<usize> = (0..self.companies.len())
                    .filter(|&c| self.companies[c].mls == mls)
                    .collect();
                if same.is_empty() {
                    Some(self.new_company(mls))
                } else {
                    Some(*self.rng.pick(&same))
                }
            }
            55..=74 => Some(self.new_company(mls)),
            _ => None,
        };
        let city = *self.rng.weighted(CITY_WEIGHTS);
        let (name, domain) = match company {
            Some(c) => {
                let co = &self.companies[c];
                let name = if self.rng.chance(200) {
                    format!("{} - {}", co.name, CITIES[city].name)
                } else {
                    format!("{} {}", co.brand, CITIES[city].name)
                };
                (name, format!("{}.example", ascii_fold(co.brand)))
            }
            None => {
                let brand = *self.rng.pick(BRANDS);
                let suffix = *self.rng.pick(OFFICE_SUFFIXES);
                (
                    format!("{brand} {suffix}"),
                    format!("{}{}.example", ascii_fold(brand), ascii_fold(suffix)),
                )
            }
        };
        let id = id(&mut self.rng, &mut self.clock);
        self.offices.push(Office {
            id,
            name,
            company,
            mls,
            city,
            domain,
            teams: Vec::new(),
        });
        let record = self.office_record(self.offices.len() - 1);
        self.pending.push_back(record);
        Some(self.offices.len() - 1)
    }

    fn new_company(&mut self, mls: usize) -> usize {
        let brand = *self.rng.pick(BRANDS);
        let suffix = *self.rng.pick(COMPANY_SUFFIXES);
        let id = id(&mut self.rng, &mut self.clock);
        self.companies.push(Company {
            id,
            name: format!("{brand} {suffix}"),
            brand,
            mls,
        });
        let record = self.company_record(self.companies.len() - 1);
        self.pending.push_back(record);
        self.companies.len() - 1
    }

    /// The fields every account has: ids, type, names of its organizations.
    #[allow(clippy::too_many_arguments)]
    fn head(
        &self,
        id: &str,
        user_type: &str,
        level: &str,
        name: &str,
        office: Option<&Office>,
        company: Option<&Company>,
        mls: &Mls,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        put(&mut m, "Id", json!(id));
        put(&mut m, "ResourceUri", json!(format!("/v1/accounts/{id}")));
        put(&mut m, "UserType", json!(user_type));
        put(&mut m, "UserLevel", json!(level));
        put(&mut m, "Name", json!(name));
        put(&mut m, "Office", json!(office.map(|o| &o.name)));
        put(&mut m, "OfficeId", json!(office.map(|o| &o.id)));
        put(&mut m, "Company", json!(company.map(|c| &c.name)));
        put(&mut m, "CompanyId", json!(company.map(|c| &c.id)));
        put(&mut m, "Mls", json!(mls.name));
        put(&mut m, "MlsId", json!(mls.id));
        m
    }

    /// Organization accounts (offices, companies, MLSs): no person's name parts.
    fn org_fields(&mut self, m: &mut Map<String, Value>, short: &str, tag: &str) {
        for k in ["FirstName", "MiddleName", "LastName"] {
            put_maybe(&mut self.rng, m, k, Value::Null, 1000, 100);
        }
        put(m, "ShortId", json!(short));
        put_maybe(&mut self.rng, m, "NrdsId", Value::Null, 1000, 300);
        put_maybe(&mut self.rng, m, "Tags", strings(&[tag]), 50, 50);
    }

    fn contact_fields(
        &mut self,
        m: &mut Map<String, Value>,
        base: &IdBase,
        city: &City,
        mail: String,
    ) {
        let mut next = 0;
        let email = json!([{"Id": base.sub(1), "Type": "Work", "Address": mail, "Primary": true}]);
        next += 1;
        put_maybe(&mut self.rng, m, "Emails", email, 20, 20);
        let n = self.rng.range(1, 3) as usize;
        let phones = phones(&mut self.rng, base, &mut next, city, n);
        put_maybe(&mut self.rng, m, "Phones", phones, 20, 20);
        addresses(&mut self.rng, m, base, &mut next, city, 1);
    }

    fn mls_record(&mut self, i: usize) -> Value {
        let mls = &self.mlss[i];
        let level = if self.rng.chance(300) {
            "Association"
        } else {
            "Mls"
        };
        let mut m = self.head(&mls.id, "Mls", level, mls.name, None, None, mls);
        let base = IdBase::parse(&mls.id);
        let short: String = mls
            .name
            .split([' ', '-'])
            .filter_map(|w| w.chars().next())
            .filter(char::is_ascii_uppercase)
            .collect();
        let domain = format!("{}.example", ascii_fold(mls.name));
        self.org_fields(&mut m, &short, "MLS");
        let city = &CITIES[*self.rng.weighted(CITY_WEIGHTS)];
        self.contact_fields(&mut m, &base, city, format!("support@{domain}"));
        // MLS accounts often carry no Settings expansion at all (like the sample MLS record).
        if !self.rng.chance(500) {
            let s = self.settings(true, false);
            put(&mut m, "Settings", s);
        }
        Value::Object(m)
    }

    fn company_record(&mut self, i: usize) -> Value {
        let co = &self.companies[i];
        let mls = &self.mlss[co.mls];
        let mut m = self.head(&co.id, "Company", "Company", &co.name, None, Some(co), mls);
        let base = IdBase::parse(&co.id);
        let short = initials(&co.name);
        let domain = format!("{}.example", ascii_fold(co.brand));
        self.org_fields(&mut m, &short, "Company");
        let city = &CITIES[*self.rng.weighted(CITY_WEIGHTS)];
        self.contact_fields(&mut m, &base, city, format!("info@{domain}"));
        let s = self.settings(true, true);
        put(&mut m, "Settings", s);
        Value::Object(m)
    }

    fn office_record(&mut self, i: usize) -> Value {
        let o = &self.offices[i];
        let co = o.company.map(|c| &self.companies[c]);
        let mls = &self.mlss[o.mls];
        let mut m = self.head(&o.id, "Office", "Office", &o.name, Some(o), co, mls);
        let base = IdBase::parse(&o.id);
        let short = initials(&o.name);
        let mail = format!("office@{}", o.domain);
        let city = &CITIES[o.city];
        self.org_fields(&mut m, &short, "Office");
        let license = format!("{}-OF{}", city.state, self.rng.range(1000, 9999));
        put_maybe(
            &mut self.rng,
            &mut m,
            "LicenseNumber",
            json!(license),
            100,
            100,
        );
        self.contact_fields(&mut m, &base, city, mail);
        let s = self.settings(true, true);
        put(&mut m, "Settings", s);
        Value::Object(m)
    }

    /// The Settings expansion. `org`: an office, company or MLS account.
    fn settings(&mut self, org: bool, idx: bool) -> Value {
        let rng = &mut self.rng;
        let active = rng.chance(if org { 970 } else { 920 });
        let visible = if active {
            rng.chance(if org { 950 } else { 910 })
        } else {
            rng.chance(300)
        };
        let enabled = active || rng.chance(200);
        let mut s = Map::new();
        // Visible: true or false, and a few records where it is missing or null.
        put_maybe(rng, &mut s, "Visible", json!(visible), 6, 6);
        put_maybe(rng, &mut s, "Active", json!(active), 10, 20);
        put_maybe(rng, &mut s, "Enabled", json!(enabled), 10, 20);
        let system_access = enabled && rng.chance(950);
        put_maybe(rng, &mut s, "SystemAccess", json!(system_access), 10, 20);
        if rng.chance(80) {
            let mls_access = enabled && rng.chance(900);
            put(&mut s, "MlsSystemAccess", json!(mls_access));
            let billable = rng.chance(300);
            put(&mut s, "FbsBillable", json!(billable));
            let k = rng.weighted(&[(70, 0), (20, 1), (10, 2)]);
            put(
                &mut s,
                "ExternalProducts",
                strings(&rng.subset(EXTERNAL_PRODUCTS, *k)),
            );
            let k = if idx {
                rng.range(1, 4) as usize
            } else {
                *rng.weighted(&[(50, 0), (30, 1), (20, 3)])
            };
            put(
                &mut s,
                "FlexmlsProducts",
                strings(&rng.subset(FLEXMLS_PRODUCTS, k)),
            );
            let idx_participant = match rng.below(10) {
                0..=3 => Value::Null,
                4..=7 => json!(true),
                _ => json!(false),
            };
            put(&mut s, "IdxParticipant", idx_participant);
            put(&mut s, "OwnerId", Value::Null);
        }
        Value::Object(s)
    }

    fn member(&mut self) -> Value {
        let office = self.pick_office();
        let mls = match office {
            Some(o) => self.offices[o].mls,
            None => self.pick_mls(),
        };
        let mut base = self.clock.tick(&mut self.rng);
        // Stores differ in whether they keep the ids of e-mails, phones and addresses.
        base.elements = self.rng.chance(400);
        let id = base.sub(0);
        let rng = &mut self.rng;
        let name = PersonName::random(rng);
        let level = *rng.weighted(&[
            (940, "Member"),
            (40, "Office"),
            (15, "Company"),
            (5, "Association"),
        ]);
        let o = office.map(|o| &self.offices[o]);
        let co = o.and_then(|o| o.company).map(|c| &self.companies[c]);
        let mut m = self.head(&id, "Member", level, &name.full(), o, co, &self.mlss[mls]);
        let rng = &mut self.rng;
        put(&mut m, "FirstName", json!(name.first));
        match &name.middle {
            Some(middle) => put(&mut m, "MiddleName", json!(middle)),
            None => put_maybe(rng, &mut m, "MiddleName", Value::Null, 0, 600),
        }
        put(&mut m, "LastName", json!(name.last));
        put(&mut m, "ShortId", json!(name.short_id()));
        let nrds = rng.range(100_000_000, 999_999_999);
        put_maybe(rng, &mut m, "NrdsId", json!(nrds), 120, 40);
        let home = match o {
            Some(o) if rng.chance(800) => &CITIES[o.city],
            _ => &CITIES[*rng.weighted(CITY_WEIGHTS)],
        };
        let license = format!("{}-{}", home.state, rng.range(100, 99_999));
        put_maybe(rng, &mut m, "LicenseNumber", json!(license), 80, 500);
        if rng.chance(200) {
            let initial = name.last.as_deref().and_then(|l| l.chars().next());
            let marketing = match initial {
                Some(c) => format!("{} {c}.", name.first),
                None => name.first.clone(),
            };
            put(&mut m, "MarketingName", json!(marketing));
        }
        if rng.chance(40) {
            let by = json!({"Footer": ["MarketingName"], "Listing": ["SystemName"]});
            put(&mut m, "NamesByLocation", by);
        }
        let idx_customer = rng.chance(150);
        put_maybe(rng, &mut m, "FbsIdxCustomer", json!(idx_customer), 30, 650);
        let updates = rng.chance(400);
        put_maybe(rng, &mut m, "GetEmailUpdates", json!(updates), 20, 650);

        // Languages: mostly English, some bilingual, a few with the list null or missing.
        let mut langs: Vec<&str> = Vec::new();
        if home.language != "en" {
            langs.push(home.language);
        }
        if rng.chance(850) {
            langs.push("en");
        }
        let extra = *rng.weighted(&[(75, 0), (20, 1), (5, 2)]);
        for l in rng.subset(LANGUAGES, extra) {
            if !langs.contains(&l) {
                langs.push(l);
            }
        }
        put_maybe(rng, &mut m, "LanguagesSpoken", strings(&langs), 20, 40);

        let mut tags: Vec<&str> = Vec::new();
        let ntags = *rng.weighted(&[(20, 0), (50, 1), (22, 2), (8, 3)]);
        for _ in 0..ntags {
            let t = *rng.weighted(TAGS);
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        put_maybe(rng, &mut m, "Tags", strings(&tags), 20, 30);

        let nassoc = *rng.weighted(&[(35, 0), (55, 1), (10, 2)]);
        let assoc = rng.subset(ASSOCIATIONS, nassoc);
        put_maybe(rng, &mut m, "Associations", strings(&assoc), 20, 40);

        let ndes = *rng.weighted(&[(65, 0), (22, 1), (9, 2), (4, 3)]);
        let mut des = Map::new();
        for d in rng.subset(DESIGNATIONS, ndes) {
            // A designation switched off stays in the hash with false.
            put(&mut des, d, json!(!rng.chance(100)));
        }
        put_maybe(rng, &mut m, "Designations", Value::Object(des), 30, 40);

        // E-mails: 0 to 3, usually one.
        let mut next = 0u64;
        // A profile never filled in: at most an e-mail, no phones, no addresses.
        let sparse = rng.chance(150);
        let nmail = if sparse {
            rng.below(2)
        } else {
            *rng.weighted(&[(4, 0), (84, 1), (10, 2), (2, 3)])
        };
        let mut emails = Vec::new();
        let mut used: Vec<String> = Vec::new();
        for i in 0..nmail {
            let kind = if i == 0 {
                "Work"
            } else {
                rng.pick(&["Personal", "Mobile", "Other"])
            };
            let local = mail_local(rng, &name);
            let domain = match o {
                Some(o) if i == 0 && rng.chance(600) => o.domain.clone(),
                _ => rng.pick(MAIL_DOMAINS).to_string(),
            };
            let mut address = format!("{local}@{domain}");
            if rng.chance(50) {
                address = format!("{}@{}", capitalize(&local), capitalize(&domain));
            }
            if used.iter().any(|u| u.eq_ignore_ascii_case(&address)) {
                address = format!("{local}{}@{domain}", rng.range(2, 99));
            }
            used.push(address.clone());
            next += 1;
            let mut e = Map::new();
            base.put_element_id(&mut e, next);
            put(&mut e, "Type", json!(kind));
            label(rng, &mut e, kind, "E-mail");
            let addr = if rng.chance(8) {
                Value::Null
            } else {
                json!(address)
            };
            put(&mut e, "Address", addr);
            if i == 0 {
                put(&mut e, "Primary", json!(true));
            }
            emails.push(Value::Object(e));
        }
        put_maybe(rng, &mut m, "Emails", Value::Array(emails), 15, 15);

        // Phones: 0 to 4 in mixed layouts.
        let nphone = if sparse {
            0
        } else {
            *rng.weighted(&[(8, 0), (56, 1), (26, 2), (7, 3), (3, 4)])
        };
        let ph = phones(rng, &base, &mut next, home, nphone);
        put_maybe(rng, &mut m, "Phones", ph, 15, 15);

        let naddr = if sparse {
            0
        } else {
            *rng.weighted(&[(6, 0), (91, 1), (3, 2)])
        };
        addresses(rng, &mut m, &base, &mut next, home, naddr);

        if rng.chance(50) {
            next += 1;
            let slug = ascii_fold(&name.full());
            let site = json!([{
                "Id": base.sub(next), "Type": "Work", "Name": "Work Website",
                "Uri": format!("https://{slug}.example.com"), "Primary": true,
            }]);
            put(&mut m, "Websites", site);
        }
        if rng.chance(40) {
            next += 1;
            let image = json!([{
                "Id": base.sub(next), "Type": "Photo", "Name": "Photo",
                "Uri": format!("https://photos.example.com/{id}.jpg"),
            }]);
            put(&mut m, "Images", image);
        }
        if rng.chance(80) {
            put(&mut m, "Locale", json!({"Language": home.language}));
        }
        let editable = rng.chance(100);
        let k = if editable {
            rng.range(1, 3) as usize
        } else {
            0
        };
        let perms = json!({
            "Editable": editable,
            "EditableSettings": strings(&rng.subset(EDITABLE_SETTINGS, k)),
        });
        put_maybe(rng, &mut m, "Permissions", perms, 0, 850);

        let settings = self.settings(false, false);
        put_maybe(&mut self.rng, &mut m, "Settings", settings, 0, 5);

        // Teams: some members lead one, some belong to one in their office.
        let rng = &mut self.rng;
        let team = match office {
            Some(o) if rng.chance(50) => {
                self.offices[o].teams.push(id.clone());
                Some((id.clone(), true))
            }
            Some(o) if !self.offices[o].teams.is_empty() && rng.chance(300) => {
                let leader = rng.pick(&self.offices[o].teams).clone();
                Some((leader, false))
            }
            _ => None,
        };
        match team {
            Some((leader, owner)) => {
                let t = json!({
                    "Id": leader,
                    "ResourceUri": format!("/v1/accounts/teams/{leader}"),
                    "Owner": owner,
                    "LeaderId": leader,
                });
                put(&mut m, "Team", t);
                if owner {
                    if let Some(Value::Array(tags)) = m.get_mut("Tags") {
                        if !tags.contains(&json!("Team Leader")) {
                            tags.push(json!("Team Leader"));
                        }
                    }
                }
            }
            None => put_maybe(rng, &mut m, "Team", Value::Null, 0, 850),
        }
        Value::Object(m)
    }
}

// ---------------------------------------------------------------------------------------------
// Portal groups

/// A small pool of offices for the agents who are users of a portal group.
struct AgentOffice {
    id: String,
    name: String,
    company: Option<(String, String)>,
}

const GROUP_TAGS: &[(usize, &[&str])] = &[
    (30, &["Favorites"]),
    (25, &[]),
    (10, &["Buyers"]),
    (8, &["Sellers"]),
    (5, &["Buyers", "Relocation"]),
    (5, &["Investors"]),
    (4, &["Lake Homes"]),
    (3, &["Favorites", "VIP"]),
    (3, &["Première visite"]),
];

/// UTC offsets of `LastLogin` values.
const ZONES: &[i32] = &[0, 0, 0, -5 * 3600, -6 * 3600, -3 * 3600, 3600, 2 * 3600];

struct Groups {
    rng: Rng,
    clock: Clock,
    offices: Vec<AgentOffice>,
}

impl Groups {
    fn new(seed: u64) -> Groups {
        let mut rng = Rng::new(seed, 0x6A0B);
        let mut office_clock = Clock::new(&mut rng, 3 * 365 * 86_400, 30 * 86_400);
        let mut offices = Vec::new();
        for _ in 0..12 {
            let brand = *rng.pick(BRANDS);
            let company = rng.chance(600).then(|| {
                (
                    id(&mut rng, &mut office_clock),
                    format!("{brand} {}", rng.pick(COMPANY_SUFFIXES)),
                )
            });
            let city = &CITIES[*rng.weighted(CITY_WEIGHTS)];
            offices.push(AgentOffice {
                id: id(&mut rng, &mut office_clock),
                name: format!("{brand} {}", city.name),
                company,
            });
        }
        // Groups and their contacts from 2011 on, a few hours apart.
        let clock = Clock::new(&mut rng, 11 * 365 * 86_400, 6 * 3600);
        Groups {
            rng,
            clock,
            offices,
        }
    }

    /// A user of a group: its id, the `Users[]` element, and its name (or null).
    fn user(&mut self, owner: bool) -> (String, Value, Value) {
        let id = id(&mut self.rng, &mut self.clock);
        let rng = &mut self.rng;
        let agent = !owner && rng.chance(60);
        let name = PersonName::random(rng).full();
        let mut u = Map::new();
        put(&mut u, "Id", json!(id));
        let uri = if agent {
            format!("/v1/accounts/{id}")
        } else {
            format!("/v1/contacts/{id}")
        };
        put(&mut u, "ResourceUri", json!(uri));
        put(
            &mut u,
            "UserType",
            json!(if agent { "Member" } else { "Contact" }),
        );
        // A name now and then missing for contacts known only by e-mail.
        put_maybe(rng, &mut u, "Name", json!(name), 3, 0);
        let office = agent.then(|| &self.offices[rng.below(self.offices.len())]);
        put(&mut u, "OfficeId", json!(office.map(|o| &o.id)));
        put(&mut u, "Office", json!(office.map(|o| &o.name)));
        let company = office.and_then(|o| o.company.as_ref());
        put(&mut u, "CompanyId", json!(company.map(|c| &c.0)));
        put(&mut u, "Company", json!(company.map(|c| &c.1)));
        let active = rng.chance(880);
        put(&mut u, "Active", json!(active));
        let enabled = active || rng.chance(300);
        put_maybe(rng, &mut u, "Enabled", json!(enabled), 10, 10);
        let login = if rng.chance(if active { 850 } else { 300 }) {
            // Between 2011 and 2024, in one of a few zones.
            let secs = EPOCH_2000 + 11 * 365 * 86_400 + rng.range(0, 13 * 365 * 86_400) as i64;
            let zone = FixedOffset::east_opt(*rng.pick(ZONES)).expect("valid offset");
            let at = DateTime::from_timestamp(secs, 0)
                .expect("in range")
                .with_timezone(&zone);
            json!(at.to_rfc3339_opts(SecondsFormat::Secs, true))
        } else {
            Value::Null
        };
        put_maybe(rng, &mut u, "LastLogin", login, 0, 20);
        let name = u.get("Name").cloned().unwrap_or(Value::Null);
        (id, Value::Object(u), name)
    }

    fn next_record(&mut self) -> Value {
        let id = id(&mut self.rng, &mut self.clock);
        let mut g = Map::new();
        put(&mut g, "Id", json!(id));
        put(
            &mut g,
            "ResourceUri",
            json!(format!("/v1/portal/groups/{id}")),
        );
        let tags = *self.rng.weighted(GROUP_TAGS);
        put_maybe(&mut self.rng, &mut g, "Tags", strings(tags), 20, 20);
        let n = *self
            .rng
            .weighted(&[(45, 1), (30, 2), (15, 3), (7, 4), (3, 5)]);
        let (owner_id, owner, owner_name) = self.user(true);
        let mut users = vec![owner];
        for _ in 1..n {
            users.push(self.user(false).1);
        }
        // The owner is anywhere in the list.
        let at = self.rng.below(users.len());
        users.swap(0, at);
        let rng = &mut self.rng;
        match rng.below(1000) {
            // The owner is not among the users: no searchable name.
            0..=14 => {
                users.retain(|u| u["Id"] != json!(owner_id));
                let contact = id_like(rng, &owner_id);
                put(&mut g, "ContactId", json!(contact));
                put(&mut g, "Name", Value::Null);
                put(&mut g, "Users", Value::Array(users));
            }
            // No Users expansion at all.
            15..=24 => {
                put(&mut g, "ContactId", json!(owner_id));
                put_maybe(rng, &mut g, "Name", owner_name, 0, 500);
            }
            _ => {
                put(&mut g, "ContactId", json!(owner_id));
                put(&mut g, "Name", owner_name);
                put(&mut g, "Users", Value::Array(users));
            }
        }
        Value::Object(g)
    }
}

/// An id that no user carries: `id` with its last six digits replaced by `999xxx`.
fn id_like(rng: &mut Rng, id: &str) -> String {
    format!("{}999{:03}", &id[..20], rng.below(1000))
}
