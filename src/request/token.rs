//! `_skiptoken`: the last row's sort key, signed.
//!
//! A token is `base64url(payload) "." base64url(HMAC-SHA256(key, payload))`, where the
//! payload is JSON holding the `_orderby` it was made under, the row's sort values and its
//! `Id`. It is opaque to clients (its form may change between versions) and tamper-evident:
//! a token that was changed, made with another key or under another `_orderby` is refused
//! with code 1053 and never answers a wrong page.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::mac::{base64url, from_base64url, hmac_sha256, same_tag};

use crate::eval::order::{RowKey, SortValue};

/// The secret that signs `_skiptoken`s. A server makes one at start-up (at least 32 random
/// bytes, the same on every replica) and shares it by reference; tokens stay valid as long
/// as the key does.
///
/// ```
/// use spark_filter::request::TokenKey;
/// let key = TokenKey::new(b"at least 32 bytes of server secret!".to_vec());
/// assert_eq!(format!("{key:?}"), "TokenKey(..)");
/// ```
#[derive(Clone)]
pub struct TokenKey(Arc<[u8]>);

impl TokenKey {
    /// A key from secret bytes.
    pub fn new(secret: impl Into<Vec<u8>>) -> TokenKey {
        TokenKey(Arc::from(secret.into()))
    }

    fn tag(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, message)
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    /// The canonical `_orderby` the key was made under.
    o: String,
    /// The sort values.
    k: Vec<Option<SortValue>>,
    /// The Id.
    i: String,
}

/// Makes the token that continues after `last`.
pub(crate) fn encode(key: &TokenKey, order: &str, last: &RowKey) -> String {
    let payload = Payload {
        o: order.to_string(),
        k: last.values.clone(),
        i: last.id.clone(),
    };
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    let tag = key.tag(&json);
    format!("{}.{}", base64url(&json), base64url(&tag))
}

/// Reads a token made by [`encode`] under the same key and `_orderby`; `Err` says why not.
pub(crate) fn decode(key: &TokenKey, order: &str, token: &str) -> Result<RowKey, &'static str> {
    const REFUSED: &str = "_skiptoken is not a token this server issued for this _orderby (it was \
         changed, or made under another _orderby or key); send the SkipToken of the previous \
         response unchanged, or an empty _skiptoken to start again";
    let (payload, tag) = token.split_once('.').ok_or(REFUSED)?;
    let json = from_base64url(payload).ok_or(REFUSED)?;
    let tag = from_base64url(tag).ok_or(REFUSED)?;
    if !same_tag(&key.tag(&json), &tag) {
        return Err(REFUSED);
    }
    let payload: Payload = serde_json::from_slice(&json).map_err(|_| REFUSED)?;
    if payload.o != order {
        return Err(REFUSED);
    }
    Ok(RowKey {
        values: payload.k,
        id: payload.i,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let key = TokenKey::new(b"k".to_vec());
        let last = RowKey {
            values: vec![Some(SortValue::Text("smith".into())), None],
            id: "20000426143505724621000000".into(),
        };
        let token = encode(&key, "-LastName,Office", &last);
        assert_eq!(decode(&key, "-LastName,Office", &token).unwrap(), last);
        assert!(decode(&key, "LastName,Office", &token).is_err());
        assert!(
            decode(
                &TokenKey::new(b"other".to_vec()),
                "-LastName,Office",
                &token
            )
            .is_err()
        );
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            if changed != token {
                assert!(
                    decode(&key, "-LastName,Office", &changed).is_err(),
                    "{changed}"
                );
            }
        }
        assert!(decode(&key, "", "").is_err());
        assert!(decode(&key, "", "...").is_err());
    }
}
