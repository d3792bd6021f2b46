//! Field metadata: what each field is, who may search it, with which operators, and where it
//! lives in a record.
//!
//! A schema is data. It loads from JSON whose minimal form is
//! `{"name":"t","fields":[{"name":"T","type":"boolean"}]}` (every other attribute has a
//! default: searchable, orderable, every operator the type allows, anyone may search it,
//! case-insensitive, path = name), and it can be built in Rust with [`Schema::new`] and
//! [`FieldDef::new`].

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::syntax::{Field, Op};

/// A service's searchable surface: its fields and who may use it.
///
/// Every way of making one ([`Schema::new`], [`Schema::from_json`], or serde's
/// `Deserialize` directly) validates the fields and builds the name index, so a schema that
/// exists always knows its fields. After changing `fields` by hand, rebuild it with
/// [`Schema::new`].
///
/// ```
/// let schema: spark_filter::Schema =
///     serde_json::from_str(r#"{"name":"t","fields":[{"name":"Beds","type":"integer"}]}"#).unwrap();
/// assert!(schema.field_named("Beds").is_some());
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "SchemaData")]
pub struct Schema {
    /// The schema's name (`accounts`).
    pub name: String,
    /// What the service is, for humans.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Roles that may search the service at all; empty means every role.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// The fields.
    pub fields: Vec<FieldDef>,
    /// The expansions `_expand` may ask for (the seed's Expansions table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expansions: Vec<Expansion>,
    /// Lookups and per-field data derived from `fields`, built on load.
    #[serde(skip)]
    index: Index,
}

/// What a schema derives from its fields once, so that planning a filter looks fields up
/// without allocating: standard names in a [`NameTable`], custom `"Group"."Field"` names in
/// a hash map keyed by borrowed text, and the resolved reference of every field.
#[derive(Clone, Debug, Default)]
struct Index {
    /// Standard field name → index.
    standard: NameTable,
    /// Custom field group → (field name, index) pairs.
    custom: HashMap<Box<str>, Vec<NameIndex>, FastHash>,
    /// The reference of every field, by index.
    refs: Vec<super::FieldRef>,
    /// The schema's name as its plans hold it (stored once, like field names).
    name: &'static str,
    /// The fields every filter must constrain (`required`), by index.
    required: Vec<usize>,
    /// The fields with an implicit condition (`implicit_eq`), by index.
    implicit: Vec<usize>,
    /// The fields with access rules that are top-level attributes: index and attribute,
    /// shared with the searches that hide it.
    restricted: Vec<(usize, std::sync::Arc<str>)>,
    /// Every expansion's attributes, each once: what a search that expands nothing hides.
    collapsed: std::sync::Arc<[std::sync::Arc<str>]>,
}

/// A custom field's name in its group, and the field's index.
type NameIndex = (Box<str>, usize);

/// Standard field names → index, in buckets chosen by a name's length and its first and last
/// bytes. Planning looks a name up per comparison: this hashes nothing and mostly compares
/// one name (about half a hash map's instructions). Filters only probe it, so a hostile
/// name costs at most one bucket of the schema's own names.
#[derive(Clone, Debug, Default)]
struct NameTable {
    buckets: Vec<Vec<NameIndex>>,
}

impl NameTable {
    const BUCKETS: usize = 128;

    fn bucket(name: &str) -> usize {
        let bytes = name.as_bytes();
        let (first, last) = match (bytes.first(), bytes.last()) {
            (Some(&f), Some(&l)) => (usize::from(f), usize::from(l)),
            _ => (0, 0),
        };
        (bytes.len().wrapping_mul(31) ^ first.wrapping_mul(7) ^ last.wrapping_mul(131))
            % NameTable::BUCKETS
    }

    /// Adds a name; false when it is there already.
    fn insert(&mut self, name: Box<str>, index: usize) -> bool {
        if self.get(&name).is_some() {
            return false;
        }
        if self.buckets.is_empty() {
            self.buckets = vec![Vec::new(); NameTable::BUCKETS];
        }
        let bucket = NameTable::bucket(&name);
        if let Some(names) = self.buckets.get_mut(bucket) {
            names.push((name, index));
        }
        true
    }

    fn get(&self, name: &str) -> Option<usize> {
        let names = self.buckets.get(NameTable::bucket(name))?;
        names.iter().find(|(n, _)| **n == *name).map(|(_, i)| *i)
    }
}

/// A multiply-rotate hash taking eight bytes a step (the scheme of rustc's FxHash): field
/// names are short and trusted (they come from the schema, and a lookup of a filter's name
/// only probes), so a simple fast hash beats SipHash here, and a word a step beats a byte a
/// step (planning looks a field up per comparison).
type FastHash = std::hash::BuildHasherDefault<WordHash>;

/// The hasher state.
#[derive(Clone, Copy, Debug, Default)]
struct WordHash(u64);

impl WordHash {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(WordHash::K).rotate_left(26);
    }
}

impl std::hash::Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }
}

/// The JSON form of a [`Schema`], before validation and indexing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaData {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    roles: Vec<Role>,
    fields: Vec<FieldDef>,
    #[serde(default)]
    expansions: Vec<Expansion>,
}

impl TryFrom<SchemaData> for Schema {
    type Error = SchemaError;

    fn try_from(data: SchemaData) -> Result<Schema, SchemaError> {
        let mut schema = Schema {
            name: data.name,
            description: data.description,
            roles: data.roles,
            fields: data.fields,
            expansions: data.expansions,
            index: Index::default(),
        };
        schema.build_index()?;
        Ok(schema)
    }
}

/// One field of a schema.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The name as written in filters: `ListPrice`, or `"Phones"."Number"` for a custom field.
    pub name: String,
    /// The field's type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Whether `_filter` may use it.
    #[serde(default = "yes")]
    pub searchable: bool,
    /// The operators allowed (`["Eq"]` for "Eq only"); absent means every operator the type
    /// allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operators: Option<Vec<Op>>,
    /// Whether `_orderby` may use it.
    #[serde(default = "yes")]
    pub orderable: bool,
    /// Who may search it.
    #[serde(default, skip_serializing_if = "Access::is_open")]
    pub access: Access,
    /// Must be constrained by an `Eq` condition that is a top-level conjunct.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Whether character comparisons respect case (default: they fold case).
    #[serde(default, skip_serializing_if = "is_false")]
    pub case_sensitive: bool,
    /// Where the value lives in a record: dot-separated keys, `[]` for every element of an
    /// array, `{}` for the keys of an object whose value is true. Default: the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A special search rule from the service's documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// The values a condition may use, when the documentation lists them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// A condition added when the filter does not constrain the field: `Field Eq <value>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implicit_eq: Option<serde_json::Value>,
    /// Where the definition comes from (a seed line), for humans.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc: String,
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One row of a seed's Expansions table: a named group of attributes that results carry only
/// when `_expand` asks for it.
///
/// ```
/// use spark_filter::plan::builtin;
/// let accounts = builtin::builtin("accounts").unwrap();
/// let settings = accounts.expansion("Settings").unwrap();
/// assert_eq!(settings.attributes, ["Settings".into()]);
/// assert!(!settings.single_record_only);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expansion {
    /// The name `_expand` uses (`Settings`).
    pub name: String,
    /// Who may expand it (the table's Roles column and its notes, such as "MLS-level users
    /// only" or "Privileged Private roles only").
    #[serde(default, skip_serializing_if = "Access::is_open")]
    pub access: Access,
    /// "Single Record Only?": allowed only when the request returns at most one record
    /// (`_limit=1`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub single_record_only: bool,
    /// The top-level record attributes the expansion adds. Results leave them out unless the
    /// expansion is asked for; an expansion that only changes the shape of an attribute
    /// lists none. Shared with the searches that hide them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<std::sync::Arc<str>>,
    /// What it is, for humans (the seed's Description column).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc: String,
}

/// Field types (SPEC 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Text.
    Character,
    /// 64-bit integers.
    Integer,
    /// Exact decimals.
    Decimal,
    /// `true`/`false`.
    Boolean,
    /// Calendar dates.
    Date,
    /// Instants (stored with a zone, or in the evaluation zone).
    Datetime,
    /// Clock times.
    Time,
    /// An array of text; conditions match any element.
    #[serde(alias = "character list")]
    CharacterList,
    /// A JSON object whose keys (with a true value) are the searchable values.
    Object,
}

impl FieldType {
    /// The name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Character => "character",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Time => "time",
            FieldType::CharacterList => "character list",
            FieldType::Object => "object",
        }
    }

    /// True for the types whose values are text.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            FieldType::Character | FieldType::CharacterList | FieldType::Object
        )
    }

    /// True for types that `Gt Ge Lt Le Bt` apply to.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            FieldType::Integer
                | FieldType::Decimal
                | FieldType::Date
                | FieldType::Datetime
                | FieldType::Time
        )
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// API key roles (seed: "Supported Roles").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// IDX.
    Idx,
    /// Public.
    Public,
    /// VOW.
    Vow,
    /// Portal.
    Portal,
    /// Private.
    Private,
}

impl Role {
    /// The name as the seeds write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Idx => "IDX",
            Role::Public => "Public",
            Role::Vow => "VOW",
            Role::Portal => "Portal",
            Role::Private => "Private",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownName;

    /// Reads `idx`, `public`, `vow`, `portal` or `private`, in any case.
    ///
    /// ```
    /// use spark_filter::plan::Role;
    /// assert_eq!("IDX".parse::<Role>(), Ok(Role::Idx));
    /// let e = "admin".parse::<Role>().unwrap_err();
    /// assert_eq!(e.to_string(), "unknown role \"admin\": expected one of idx, public, vow, portal, private");
    /// ```
    fn from_str(s: &str) -> Result<Role, UnknownName> {
        const ALL: [Role; 5] = [
            Role::Idx,
            Role::Public,
            Role::Vow,
            Role::Portal,
            Role::Private,
        ];
        ALL.into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownName {
                what: "role",
                found: s.to_string(),
                expected: "idx, public, vow, portal, private",
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of an enum's values ([`Role`], [`UserLevel`]), with the list of
/// the accepted names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {found:?}: expected one of {expected}")]
pub struct UnknownName {
    /// What was being read (`role`, `user level`).
    pub what: &'static str,
    /// The text that was given.
    pub found: String,
    /// The accepted names, comma-separated.
    pub expected: &'static str,
}

/// Special key grants (seed: "Privileged and Replication roles only").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyGrant {
    /// A Privileged API key.
    Privileged,
    /// A Replication API key.
    Replication,
}

/// The user level of the caller (seed: "MLS-level users only").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserLevel {
    /// A member (agent).
    Member,
    /// An office.
    Office,
    /// A company.
    Company,
    /// The MLS.
    Mls,
}

impl UserLevel {
    /// The name as the seeds write it.
    pub fn as_str(self) -> &'static str {
        match self {
            UserLevel::Member => "Member",
            UserLevel::Office => "Office",
            UserLevel::Company => "Company",
            UserLevel::Mls => "MLS",
        }
    }
}

impl std::str::FromStr for UserLevel {
    type Err = UnknownName;

    /// Reads `member`, `office`, `company` or `mls`, in any case.
    ///
    /// ```
    /// use spark_filter::plan::UserLevel;
    /// assert_eq!("MLS".parse::<UserLevel>(), Ok(UserLevel::Mls));
    /// assert!("broker".parse::<UserLevel>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<UserLevel, UnknownName> {
        const ALL: [UserLevel; 4] = [
            UserLevel::Member,
            UserLevel::Office,
            UserLevel::Company,
            UserLevel::Mls,
        ];
        ALL.into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownName {
                what: "user level",
                found: s.to_string(),
                expected: "member, office, company, mls",
            })
    }
}

impl fmt::Display for UserLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may search a field. Every list that is not empty must be satisfied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// Roles that may search it (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// The caller needs at least one of these key grants (empty: none needed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<KeyGrant>,
    /// User levels that may search it (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_levels: Vec<UserLevel>,
}

impl Access {
    /// True when anyone may search.
    #[inline]
    pub fn is_open(&self) -> bool {
        self.roles.is_empty() && self.grants.is_empty() && self.user_levels.is_empty()
    }
}

/// Special rules from the seed documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Accounts `Name`: a wildcard value with no whitespace applies to every word of the
    /// name, case-insensitively.
    NameWords,
    /// `"Phones"."Number"`: values are phone numbers, matched by their parts.
    Phone,
}

/// The caller, as far as searching is concerned.
///
/// There is no default caller: a server states who is asking (SPEC 9, "the caller is always
/// explicit"), so forgetting to set it cannot silently grant the widest (Private) access.
///
/// ```
/// use spark_filter::plan::{Caller, Role, UserLevel};
/// let caller = Caller::new("vow".parse::<Role>().unwrap());
/// assert_eq!(caller.user_level, UserLevel::Member);
/// assert!(!caller.privileged && !caller.replication && caller.user_id.is_none());
/// let agent = Caller { user_id: Some("20000426173054342350000000".into()), ..caller };
/// assert_eq!(agent.role, Role::Vow);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Caller {
    /// The API key's role.
    pub role: Role,
    /// A Privileged key.
    pub privileged: bool,
    /// A Replication key.
    pub replication: bool,
    /// The user's level.
    pub user_level: UserLevel,
    /// The Id of the user the key acts for, when there is one (the request layer uses it for
    /// rules about the caller's own records).
    pub user_id: Option<String>,
}

impl Caller {
    /// A caller with `role`: neither Privileged nor Replication, user level Member, no user
    /// id. Set the other fields with struct update syntax when they apply.
    pub fn new(role: Role) -> Caller {
        Caller {
            role,
            privileged: false,
            replication: false,
            user_level: UserLevel::Member,
            user_id: None,
        }
    }

    /// Whether this caller satisfies `access`; on refusal, a sentence saying who may.
    #[inline]
    pub fn may_search(&self, access: &Access) -> Result<(), String> {
        // Most fields are open to every caller: that answer is three length tests where
        // the check is made (planning checks every field a filter names).
        if access.is_open() {
            return Ok(());
        }
        self.may_search_restricted(access)
    }

    /// [`Caller::may_search`] of an access with some restriction.
    fn may_search_restricted(&self, access: &Access) -> Result<(), String> {
        if !access.roles.is_empty() && !access.roles.contains(&self.role) {
            return Err(format!(
                "only {} roles may search it",
                names(&access.roles, Role::as_str)
            ));
        }
        if !access.grants.is_empty() {
            let has = access.grants.iter().any(|g| match g {
                KeyGrant::Privileged => self.privileged,
                KeyGrant::Replication => self.replication,
            });
            if !has {
                let list = names(&access.grants, |g| match g {
                    KeyGrant::Privileged => "Privileged",
                    KeyGrant::Replication => "Replication",
                });
                return Err(format!("only {list} keys may search it"));
            }
        }
        if !access.user_levels.is_empty() && !access.user_levels.contains(&self.user_level) {
            return Err(format!(
                "only {}-level users may search it",
                names(&access.user_levels, UserLevel::as_str)
            ));
        }
        Ok(())
    }
}

fn names<T: Copy>(items: &[T], name: impl Fn(T) -> &'static str) -> String {
    let names: Vec<&str> = items.iter().map(|&i| name(i)).collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].to_string(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// A schema that failed to load or to validate.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The JSON did not match the schema format.
    #[error("invalid schema JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The file could not be read.
    #[error("cannot read schema file: {0}")]
    Io(#[from] std::io::Error),
    /// The content is inconsistent.
    #[error("invalid schema: {0}")]
    Invalid(String),
}

/// One step of a field's record path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PathStep {
    /// An object key.
    Key(String),
    /// Every element of an array.
    Each,
    /// The keys of an object whose value is `true`.
    Keys,
}

impl Schema {
    /// A schema from fields; checks that names are unique and well formed.
    pub fn new(name: impl Into<String>, fields: Vec<FieldDef>) -> Result<Schema, SchemaError> {
        let mut schema = Schema {
            name: name.into(),
            description: String::new(),
            roles: Vec::new(),
            fields,
            expansions: Vec::new(),
            index: Index::default(),
        };
        schema.build_index()?;
        Ok(schema)
    }

    /// Loads a schema from JSON text.
    pub fn from_json(text: &str) -> Result<Schema, SchemaError> {
        Schema::try_from(serde_json::from_str::<SchemaData>(text)?)
    }

    /// Loads a schema from a JSON file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Schema, SchemaError> {
        Schema::from_json(&std::fs::read_to_string(path)?)
    }

    /// The schema as JSON (the same form [`Schema::from_json`] reads).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    fn build_index(&mut self) -> Result<(), SchemaError> {
        let mut index = Index::default();
        for (i, e) in self.expansions.iter().enumerate() {
            if self.expansions[..i].iter().any(|o| o.name == e.name) {
                return Err(SchemaError::Invalid(format!(
                    "expansion {} is defined twice",
                    e.name
                )));
            }
        }
        for (i, field) in self.fields.iter().enumerate() {
            let key = parsed_field_name(&field.name).ok_or_else(|| {
                SchemaError::Invalid(format!(
                    "field name {:?} is neither a standard name (ListPrice) nor a custom one (\"Group\".\"Field\")",
                    field.name
                ))
            })?;
            field.record_path().map_err(SchemaError::Invalid)?;
            if let Some(values) = &field.implicit_eq {
                if !(values.is_boolean() || values.is_string() || values.is_number()) {
                    return Err(SchemaError::Invalid(format!(
                        "field {}: implicit_eq must be a boolean, string or number",
                        field.name
                    )));
                }
            }
            let fresh = match key {
                OwnedField::Standard(name) => index.standard.insert(name.into(), i),
                OwnedField::Custom(group, name) => {
                    let names = index.custom.entry(group.into()).or_default();
                    let fresh = names.iter().all(|(n, _)| **n != *name);
                    names.push((name.into(), i));
                    fresh
                }
            };
            if !fresh {
                return Err(SchemaError::Invalid(format!(
                    "field {} is defined twice",
                    field.name
                )));
            }
            index.refs.push(super::FieldRef::of(i, field));
            if field.required {
                index.required.push(i);
            }
            if field.implicit_eq.is_some() {
                index.implicit.push(i);
            }
            if let Some(attribute) = field.top_level_attribute() {
                if !field.access.is_open() {
                    index.restricted.push((i, attribute.into()));
                }
            }
        }
        let mut collapsed: Vec<std::sync::Arc<str>> = Vec::new();
        for a in self.expansions.iter().flat_map(|e| &e.attributes) {
            if !collapsed.contains(a) {
                collapsed.push(a.clone());
            }
        }
        index.collapsed = collapsed.into();
        index.name = super::intern::name(&self.name);
        self.index = index;
        Ok(())
    }

    /// Looks a field reference up.
    pub fn field(&self, field: &Field<'_>) -> Option<(usize, &FieldDef)> {
        let i = match *field {
            Field::Standard { name } => self.index.standard.get(name)?,
            Field::Custom { group, name } => {
                let names = self.index.custom.get(group)?;
                names.iter().find(|(n, _)| **n == *name)?.1
            }
        };
        Some((i, self.fields.get(i)?))
    }

    /// Looks a field up by its name as written in filters.
    pub fn field_named(&self, name: &str) -> Option<(usize, &FieldDef)> {
        let mut bytes = name.bytes();
        if bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
            && bytes.all(|b| b.is_ascii_alphanumeric())
        {
            // A plain standard name (a keyword such as `And` is never a schema field, so the
            // lookup answers the same as the parse below, without it).
            return self.field(&Field::Standard { name });
        }
        match parsed_field_name(name)? {
            OwnedField::Standard(n) => self.field(&Field::Standard { name: &n }),
            OwnedField::Custom(g, n) => self.field(&Field::Custom {
                group: &g,
                name: &n,
            }),
        }
    }

    /// The resolved reference of field `index` (what a plan holds), built once per schema.
    pub fn field_ref(&self, index: usize) -> Option<&super::FieldRef> {
        self.index.refs.get(index)
    }

    /// The fields every filter must constrain (`required`), as indexes: what planning
    /// checks on every filter, without a walk over all fields.
    pub(crate) fn required_fields(&self) -> &[usize] {
        &self.index.required
    }

    /// The fields with an implicit condition (`implicit_eq`), as indexes.
    pub(crate) fn implicit_fields(&self) -> &[usize] {
        &self.index.implicit
    }

    /// The fields with access rules that are top-level record attributes, with their
    /// attribute: what a search hides from a caller who may not read them (found once per
    /// schema, not on every request).
    ///
    /// ```
    /// let schema = spark_filter::plan::builtin::builtin("accounts").unwrap();
    /// assert!(schema.restricted_attributes().all(|(def, _)| !def.access.is_open()));
    /// ```
    pub fn restricted_attributes(
        &self,
    ) -> impl Iterator<Item = (&FieldDef, &std::sync::Arc<str>)> + '_ {
        self.index
            .restricted
            .iter()
            .filter_map(|(i, attribute)| Some((self.fields.get(*i)?, attribute)))
    }

    /// The attributes of every expansion, each once, in the order of the expansions: what
    /// results leave out when `_expand` asks for nothing (found once per schema and shared
    /// with the searches that hide them).
    ///
    /// ```
    /// let schema = spark_filter::plan::builtin::builtin("accounts").unwrap();
    /// assert!(schema.collapsed_attributes().iter().any(|a| &**a == "Biography"));
    /// ```
    pub fn collapsed_attributes(&self) -> &std::sync::Arc<[std::sync::Arc<str>]> {
        &self.index.collapsed
    }

    /// The schema's name as its plans hold it ([`Plan::schema`](super::Plan::schema)):
    /// stored once for the life of the process, like field names.
    pub fn shared_name(&self) -> &'static str {
        self.index.name
    }

    /// Looks an expansion up by name (exact, as the seed writes it).
    pub fn expansion(&self, name: &str) -> Option<&Expansion> {
        self.expansions.iter().find(|e| e.name == name)
    }

    /// The searchable field name closest to `name`, for "did you mean" hints.
    pub fn nearest(&self, name: &str) -> Option<&str> {
        let lower = name.to_ascii_lowercase();
        self.fields
            .iter()
            .filter(|f| f.searchable)
            .map(|f| {
                (
                    distance(&lower, &f.name.to_ascii_lowercase()),
                    f.name.as_str(),
                )
            })
            .filter(|(d, n)| *d <= (n.len() / 3).max(2))
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n)
    }
}

/// A field name read as the filter grammar reads it.
enum OwnedField {
    Standard(String),
    Custom(String, String),
}

fn parsed_field_name(name: &str) -> Option<OwnedField> {
    let filter = format!("{name} Eq NULL");
    let parsed = crate::syntax::parse(&filter).ok()?;
    match parsed.expr?.kind {
        crate::syntax::ExprKind::Comparison(c) => match c.lhs.kind {
            crate::syntax::TermKind::Field { field } => Some(match field {
                Field::Standard { name } => OwnedField::Standard(name.to_string()),
                Field::Custom { group, name } => {
                    OwnedField::Custom(group.to_string(), name.to_string())
                }
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Levenshtein distance, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl FieldDef {
    /// A searchable, orderable field open to everyone, with the given name and type.
    pub fn new(name: impl Into<String>, ty: FieldType) -> FieldDef {
        FieldDef {
            name: name.into(),
            ty,
            searchable: true,
            operators: None,
            orderable: true,
            access: Access::default(),
            required: false,
            case_sensitive: false,
            path: None,
            rule: None,
            values: None,
            implicit_eq: None,
            doc: String::new(),
        }
    }

    /// Whether `op` is allowed on this field (before type rules).
    pub fn allows(&self, op: Op) -> bool {
        self.operators.as_ref().is_none_or(|ops| ops.contains(&op))
    }

    /// The top-level record attribute the field is, when its path is one plain key.
    fn top_level_attribute(&self) -> Option<&str> {
        let path = self.path.as_deref().unwrap_or(&self.name);
        let plain =
            !path.is_empty() && path.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        plain.then_some(path)
    }

    /// The record path, parsed. Custom fields default to `Group.Field`.
    pub fn record_path(&self) -> Result<Vec<PathStep>, String> {
        let default;
        let text = match &self.path {
            Some(p) => p.as_str(),
            None => {
                default = self.name.replace("\".\"", ".").replace('"', "");
                &default
            }
        };
        parse_path(text).map_err(|e| format!("field {}: {e}", self.name))
    }

    /// True when the field can hold several values per record (lists, arrays, object keys).
    pub fn is_multi_valued(&self) -> bool {
        self.record_path()
            .map(|p| p.iter().any(|s| !matches!(s, PathStep::Key(_))))
            .unwrap_or(false)
    }
}

/// Writes a path back as text (`Emails[].Address`).
pub fn path_text(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Each => out.push_str("[]"),
            PathStep::Keys => out.push_str("{}"),
        }
    }
    out
}

/// Parses `Settings.Visible`, `Emails[].Address`, `Tags[]`, `Designations{}`.
pub fn parse_path(text: &str) -> Result<Vec<PathStep>, String> {
    if text.is_empty() {
        return Err("empty record path".into());
    }
    let mut steps = Vec::new();
    for part in text.split('.') {
        let mut key = part;
        let mut suffix = Vec::new();
        loop {
            if let Some(k) = key.strip_suffix("[]") {
                suffix.push(PathStep::Each);
                key = k;
            } else if let Some(k) = key.strip_suffix("{}") {
                suffix.push(PathStep::Keys);
                key = k;
            } else {
                break;
            }
        }
        if key.is_empty() || key.contains(['[', ']', '{', '}']) {
            return Err(format!("malformed record path {text:?}"));
        }
        steps.push(PathStep::Key(key.to_string()));
        steps.extend(suffix.into_iter().rev());
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_name_finds_its_own_field() {
        for name in crate::plan::builtin::NAMES {
            let schema = crate::plan::builtin::builtin(name).unwrap();
            for (i, def) in schema.fields.iter().enumerate() {
                if let Some(OwnedField::Standard(n)) = parsed_field_name(&def.name) {
                    assert_eq!(
                        schema.field(&Field::Standard { name: &n }).map(|f| f.0),
                        Some(i)
                    );
                    let other = format!("{n}x");
                    let found = schema.field(&Field::Standard { name: &other });
                    assert!(
                        found.is_none_or(|(j, _)| schema.fields[j].name == other),
                        "{other}"
                    );
                }
            }
            assert!(schema.field(&Field::Standard { name: "" }).is_none());
        }
    }

    #[test]
    fn minimal_json_has_sensible_defaults() {
        let s =
            Schema::from_json(r#"{"name":"t","fields":[{"name":"T","type":"boolean"}]}"#).unwrap();
        let (_, f) = s.field_named("T").unwrap();
        assert!(f.searchable && f.orderable && !f.required && !f.case_sensitive);
        assert!(f.allows(Op::Gt));
        assert_eq!(f.record_path().unwrap(), vec![PathStep::Key("T".into())]);
    }

    #[test]
    fn paths_and_custom_fields() {
        assert_eq!(
            parse_path("Emails[].Address").unwrap(),
            vec![
                PathStep::Key("Emails".into()),
                PathStep::Each,
                PathStep::Key("Address".into())
            ]
        );
        let f = FieldDef::new("\"Phones\".\"Number\"", FieldType::Character);
        assert_eq!(
            f.record_path().unwrap(),
            vec![
                PathStep::Key("Phones".into()),
                PathStep::Key("Number".into())
            ]
        );
        let s = Schema::new("t", vec![f]).unwrap();
        assert!(s.field_named("\"Phones\".\"Number\"").is_some());
        assert!(Schema::new("t", vec![FieldDef::new("lower", FieldType::Integer)]).is_err());
    }

    #[test]
    fn suggestions_find_near_names() {
        let s = Schema::new(
            "t",
            vec![
                FieldDef::new("LastName", FieldType::Character),
                FieldDef::new("City", FieldType::Character),
            ],
        )
        .unwrap();
        assert_eq!(s.nearest("Lastname"), Some("LastName"));
        assert_eq!(s.nearest("LstName"), Some("LastName"));
        assert_eq!(s.nearest("Zzzzzzzz"), None);
    }
}
