//! API keys (SPEC 10): `Authorization: Bearer <key>`, keys from a JSON file
//! `{"keys":[{"key":"…","role":"portal","privileged":false,"replication":false,
//! "user_level":"member","user_id":"…"}]}`.
//!
//! A key is a secret: no error, log line or response ever contains one (a malformed keys
//! file is reported by line and column only).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use spark_filter::plan::{Caller, Role, UserLevel};

/// One key and who it authenticates.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// The secret.
    pub key: String,
    /// The API key role.
    pub role: Role,
    /// A Privileged key.
    #[serde(default)]
    pub privileged: bool,
    /// A Replication key.
    #[serde(default)]
    pub replication: bool,
    /// The user's level (default member).
    #[serde(default = "member")]
    pub user_level: UserLevel,
    /// The Account or Contact Id that `/my/account` and portal ownership refer to.
    #[serde(default)]
    pub user_id: Option<String>,
}

fn member() -> UserLevel {
    UserLevel::Member
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    keys: Vec<KeyEntry>,
}

/// The caller a request authenticated as.
#[derive(Clone, Debug)]
pub struct Authed {
    /// Role, grants and level, as the planner sees them.
    pub caller: Caller,
    /// Whose account `/my/account` is.
    pub user_id: Option<String>,
}

/// The key table.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    by_key: HashMap<String, KeyEntry>,
}

impl Keys {
    /// Reads a keys file. Errors name the file and a position, never a key.
    pub fn load(path: &Path) -> Result<Keys, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read keys file {}: {e}", path.display()))?;
        let file: KeysFile = serde_json::from_str(&text).map_err(|e| {
            format!(
                "keys file {} is not valid ({:?} error at line {}, column {}); expected \
                 {{\"keys\":[{{\"key\":\"…\",\"role\":\"idx|public|vow|portal|private\",…}}]}}",
                path.display(),
                e.classify(),
                e.line(),
                e.column()
            )
        })?;
        Keys::from_entries(file.keys).map_err(|m| format!("keys file {}: {m}", path.display()))
    }

    fn from_entries(entries: Vec<KeyEntry>) -> Result<Keys, String> {
        let mut by_key = HashMap::new();
        for (i, entry) in entries.into_iter().enumerate() {
            if entry.key.len() < 16 {
                return Err(format!(
                    "key #{} is shorter than 16 characters; use a long random key",
                    i + 1
                ));
            }
            if by_key.insert(entry.key.clone(), entry).is_some() {
                return Err(format!("key #{} appears twice", i + 1));
            }
        }
        if by_key.is_empty() {
            return Err("no keys: add at least one".into());
        }
        Ok(Keys { by_key })
    }

    /// A sample key table: one random key per role; `user_id` is `account` for every role.
    /// Returns the table and its keys-file JSON.
    pub fn sample(account: Option<&str>) -> Result<(Keys, String), String> {
        let roles = [
            Role::Idx,
            Role::Public,
            Role::Vow,
            Role::Portal,
            Role::Private,
        ];
        let mut entries = Vec::new();
        for role in roles {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
            let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            entries.push(KeyEntry {
                key,
                role,
                privileged: role == Role::Private,
                replication: false,
                user_level: UserLevel::Member,
                user_id: account.map(str::to_string),
            });
        }
        let text = serde_json::to_string_pretty(&KeysFile {
            keys: entries.clone(),
        })
        .map_err(|e| e.to_string())?;
        Ok((Keys::from_entries(entries)?, text))
    }

    /// The caller of an `Authorization` header value, if it holds a known bearer key.
    pub fn authenticate(&self, header: Option<&str>) -> Option<Authed> {
        let key = header?.strip_prefix("Bearer ")?.trim();
        let entry = self.by_key.get(key)?;
        Some(Authed {
            caller: Caller {
                role: entry.role,
                privileged: entry.privileged,
                replication: entry.replication,
                user_level: entry.user_level,
                user_id: entry.user_id.clone(),
            },
            user_id: entry.user_id.clone(),
        })
    }
}
