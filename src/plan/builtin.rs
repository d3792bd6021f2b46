//! The built-in schemas, transcribed from the seed documents (see `docs/schemas.md`).
//!
//! | name | seed | service |
//! |---|---|---|
//! | `accounts` | 002 | Accounts (current page, the Account Description table) |
//! | `accounts-legacy` | 004 | Accounts (legacy page, IDX keys) |
//! | `portal-groups` | 001, 003 | Portal Groups |
//! | `portal-accounts` | 000 | Contacts: Portal/VOW Accounts (nothing is searchable) |
//!
//! The schemas are JSON files compiled into the crate, in the same form
//! [`Schema::from_json`] reads, so a user can copy one and edit it.
//!
//! ```
//! use spark_filter::plan::builtin;
//!
//! let accounts = builtin::builtin("accounts").unwrap();
//! assert!(accounts.field_named("Office").unwrap().1.searchable);
//! assert!(builtin::resolve("accounts-legacy").is_ok());
//! ```

use std::sync::OnceLock;

use super::schema::{Schema, SchemaError};

/// The names of the built-in schemas.
pub const NAMES: &[&str] = &[
    "accounts",
    "accounts-legacy",
    "portal-groups",
    "portal-accounts",
];

/// The JSON text of each built-in schema, in the order of [`NAMES`].
const SOURCES: [&str; 4] = [
    include_str!("builtin/accounts.json"),
    include_str!("builtin/accounts-legacy.json"),
    include_str!("builtin/portal-groups.json"),
    include_str!("builtin/portal-accounts.json"),
];

/// The JSON text of a built-in schema.
pub fn source(name: &str) -> Option<&'static str> {
    NAMES.iter().position(|n| *n == name).map(|i| SOURCES[i])
}

/// A built-in schema by name (`accounts`, `accounts-legacy`, `portal-groups`,
/// `portal-accounts`); `None` for any other name.
pub fn builtin(name: &str) -> Option<Schema> {
    static CACHE: OnceLock<Vec<Schema>> = OnceLock::new();
    let i = NAMES.iter().position(|n| *n == name)?;
    let schemas = CACHE.get_or_init(|| {
        SOURCES
            .iter()
            .zip(NAMES)
            .map(|(text, name)| {
                // The files are part of the crate and checked by tests/builtin_schemas.rs.
                Schema::from_json(text)
                    .unwrap_or_else(|e| panic!("built-in schema {name} is invalid: {e}"))
            })
            .collect()
    });
    Some(schemas[i].clone())
}

/// A built-in schema by name, else a schema JSON file at that path.
pub fn resolve(name_or_path: &str) -> Result<Schema, SchemaError> {
    if let Some(schema) = builtin(name_or_path) {
        return Ok(schema);
    }
    let path = std::path::Path::new(name_or_path);
    if !path.exists() {
        return Err(SchemaError::Invalid(format!(
            "{name_or_path:?} is neither a built-in schema ({}) nor an existing file",
            NAMES.join(", ")
        )));
    }
    Schema::from_file(path)
}
