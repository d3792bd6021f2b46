//! Character values as patterns: the planner's reading of wildcards (`'thomas*'`), folded
//! as the field's case rule says. Matching them is [`crate::semantics`]'s.

use smol_str::{SmolStr, StrExt};
use std::borrow::Cow;

use super::ir::Pattern;
use crate::semantics::{fold_case, glob_matches};
use crate::syntax::{Piece, Text};

/// Folds an owned string in place when the field is case-insensitive (no copy when folding
/// changes nothing).
fn fold_owned(mut s: String, case_sensitive: bool) -> String {
    if case_sensitive {
        return s;
    }
    if s.is_ascii() {
        s.make_ascii_lowercase();
        return s;
    }
    match fold_case(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(folded) => folded,
    }
}

/// Text, folded when the field is case-insensitive. Short ASCII text, the common case of
/// filter values, is folded straight into the inline text: no allocation, and no UTF-8
/// check of a folded copy.
pub(super) fn folded_text(s: &str, case_sensitive: bool) -> SmolStr {
    if case_sensitive {
        return SmolStr::new(s);
    }
    // Text that fits inline is lowered into a stack buffer in the same pass that tells
    // whether it is ASCII, then copied in once (`to_ascii_lowercase_smolstr` builds it a
    // character at a time, about 170 instructions for a six-letter value).
    let bytes = s.as_bytes();
    let mut buffer = [0u8; INLINE];
    if let Some(room) = buffer.get_mut(..bytes.len()) {
        let mut seen = 0u8;
        for (lower, &b) in room.iter_mut().zip(bytes) {
            seen |= b;
            *lower = b.to_ascii_lowercase();
        }
        if seen.is_ascii() {
            // ASCII in, ASCII out: the check always passes.
            if let Ok(lowered) = std::str::from_utf8(room) {
                return SmolStr::new_inline(lowered);
            }
        }
    }
    if !s.is_ascii() {
        return SmolStr::from(fold_case(s));
    }
    s.to_ascii_lowercase_smolstr()
}

/// The longest text a [`SmolStr`] holds inline.
const INLINE: usize = 23;

/// The pattern a character value stands for: wildcards are the unescaped stars.
pub fn pattern_of(text: &Text<'_>, case_sensitive: bool) -> Pattern {
    let source = text.source();
    // Values are short: one plain pass finds escapes and stars (no vectorized search call).
    let (mut escaped, mut stars) = (false, 0usize);
    for b in source.bytes() {
        escaped |= b == b'\\';
        stars += usize::from(b == b'*');
    }
    let mut parts: Vec<String> = if escaped {
        let mut parts = vec![String::new()];
        for piece in text.pieces() {
            match piece {
                Piece::Char(c) => parts.last_mut().expect("one part").push(c),
                Piece::Wildcard => parts.push(String::new()),
            }
        }
        parts
    } else if stars == 0 {
        // The common case: no escape, no wildcard.
        return Pattern::Exact(folded_text(source, case_sensitive));
    } else if let Some(prefix) = source.strip_suffix('*').filter(|_| stars == 1) {
        // The next most common: one trailing star.
        return Pattern::Prefix(folded_text(prefix, case_sensitive));
    } else {
        source.split('*').map(str::to_string).collect()
    };
    // Runs of stars are one star.
    let last = parts.len() - 1;
    let mut i = 0;
    parts.retain(|p| {
        let keep = !p.is_empty() || i == 0 || i == last;
        i += 1;
        keep
    });
    let mut parts: Vec<String> = parts
        .into_iter()
        .map(|p| fold_owned(p, case_sensitive))
        .collect();
    match parts.len() {
        1 => Pattern::Exact(parts.remove(0).into()),
        2 if parts[1].is_empty() => Pattern::Prefix(parts.remove(0).into()),
        2 if parts[0].is_empty() => Pattern::Suffix(parts.remove(1).into()),
        3 if parts[0].is_empty() && parts[2].is_empty() => {
            Pattern::Contains(parts.remove(1).into())
        }
        _ => Pattern::Glob(parts),
    }
}

impl Pattern {
    /// Whether `value` (already folded when the pattern is) matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Exact(s) => value == &**s,
            Pattern::Prefix(s) => value.starts_with(&**s),
            Pattern::Suffix(s) => value.ends_with(&**s),
            Pattern::Contains(s) => value.contains(&**s),
            Pattern::Glob(parts) => glob_matches(parts, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short text (up to the 23 bytes a `SmolStr` holds inline) is folded without an
    /// allocation, and folded as the field's case rule says.
    #[test]
    fn folded_text_of_short_and_long_text() {
        assert!(!folded_text(&"X".repeat(23), false).is_heap_allocated());
        assert!(folded_text(&"X".repeat(24), false).is_heap_allocated());
        assert_eq!(folded_text(&"X".repeat(24), false), "x".repeat(24));
        assert_eq!(folded_text("FarGO", false), "fargo");
        assert_eq!(folded_text("FarGO", true), "FarGO");
        assert_eq!(folded_text("ÉCOLE", false), "école");
        assert_eq!(folded_text("Fargo École", false), "fargo école");
    }

    /// The inline fast path lowers exactly the bytes `A` to `Z`: every ASCII byte, alone
    /// and between letters, folds as `str::to_ascii_lowercase` does.
    #[test]
    fn folded_ascii_is_to_ascii_lowercase() {
        for b in 0u8..0x80 {
            let c = char::from(b);
            for text in [c.to_string(), format!("A{c}z"), format!("{c}").repeat(23)] {
                assert_eq!(
                    folded_text(&text, false),
                    text.to_ascii_lowercase(),
                    "{b:#x}"
                );
            }
        }
    }

    fn pat(src: &str) -> Pattern {
        pattern_of(&Text::from_source(src), false)
    }

    #[test]
    fn wildcards_become_patterns() {
        assert_eq!(pat("Abc"), Pattern::Exact("abc".into()));
        assert_eq!(pat("abc*"), Pattern::Prefix("abc".into()));
        assert_eq!(pat("*abc"), Pattern::Suffix("abc".into()));
        assert_eq!(pat("*abc*"), Pattern::Contains("abc".into()));
        assert_eq!(pat("**abc**"), Pattern::Contains("abc".into()));
        assert_eq!(pat("*"), Pattern::Prefix("".into()));
        assert_eq!(pat(r"a\*"), Pattern::Exact("a*".into()));
        assert_eq!(pat(r"a\\*"), Pattern::Prefix("a\\".into()));
        assert_eq!(pat("a*c"), Pattern::Glob(vec!["a".into(), "c".into()]));
        assert_eq!(
            pat("*a*c"),
            Pattern::Glob(vec!["".into(), "a".into(), "c".into()])
        );
    }

    #[test]
    fn globs_match_in_order() {
        let g = |p: &str, v: &str| pat(p).matches(v);
        assert!(g("a*c", "abc") && g("a*c", "ac") && !g("a*c", "acb"));
        assert!(g("a*b*c", "aXbYc") && !g("a*b*c", "aXcYb"));
        assert!(!g("ab*ba", "aba"), "anchors may not overlap");
        assert!(g("*a*b", "xxaxxb") && !g("*a*b", "xxbxxa"));
    }
}
