//! Character values as patterns: the planner's reading of wildcards (`'thomas*'`), folded
//! as the field's case rule says. Matching them is [`crate::semantics`]'s.

use smol_str::{SmolStr, StrExt};
use std::borrow::Cow;

use super::ir::Pattern;
use crate::semantics::{fold_case, glob_matches};
use crate::swar::{ONES, bytes_equal};
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
/// filter values, is folded into the inline text with no allocation (see [`short_text`]).
pub(super) fn folded_text(s: &str, case_sensitive: bool) -> SmolStr {
    if let Some(text) = short_text::<false>(s.as_bytes(), case_sensitive) {
        return text;
    }
    if case_sensitive {
        return SmolStr::new(s);
    }
    if !s.is_ascii() {
        return SmolStr::from(fold_case(s));
    }
    s.to_ascii_lowercase_smolstr()
}

/// The pattern of the common filter value: inline-sized ASCII with no backslash and no
/// star but perhaps a trailing one (`'Fargo'`, `'thomas*'`). `None` for any other value (the
/// general reading in [`pattern_of`] answers it).
fn short_pattern(source: &str, case_sensitive: bool) -> Option<Pattern> {
    let (body, prefix) = match source.as_bytes() {
        [body @ .., b'*'] => (body, true),
        body => (body, false),
    };
    let text = short_text::<true>(body, case_sensitive)?;
    Some(if prefix {
        Pattern::Prefix(text)
    } else {
        Pattern::Exact(text)
    })
}

/// Inline-sized ASCII text (with no `\` or `*` when `PLAIN`), folded when the field is
/// case-insensitive; `None` for other text.
///
/// Read and lowered a word (eight bytes) at a time, in overlapping words that cover the
/// text, and written to the stack in the same words: a value costs a few word operations,
/// not a loop with a branch per byte, and the copy into the `SmolStr` reads whole words that
/// were written whole (a wide read of bytes stored one at a time waits for them, which cost
/// more than the folding itself).
fn short_text<const PLAIN: bool>(text: &[u8], case_sensitive: bool) -> Option<SmolStr> {
    let n = text.len();
    let mut buffer = [0u8; INLINE];
    let mut ok = |at: usize, word: u64| {
        if word & (ONES << 7) != 0 || (PLAIN && special(word)) {
            return false;
        }
        let word = if case_sensitive { word } else { lowered(word) };
        if let Some(out) = buffer.get_mut(at..at + 8) {
            out.copy_from_slice(&word.to_le_bytes());
        }
        true
    };
    let fits = match n {
        0 => true,
        1..=7 => {
            // Short text is read into the low bytes of one word (zero bytes above it are
            // plain and stay zero), from two overlapping halves when it has four bytes or
            // more: the bytes both hold are the same, so or-ing them keeps them.
            let word = match (text.first_chunk::<4>(), text.last_chunk::<4>()) {
                (Some(&low), Some(&high)) => {
                    u64::from(u32::from_le_bytes(low))
                        | u64::from(u32::from_le_bytes(high)) << (8 * (n - 4))
                }
                _ => text
                    .iter()
                    .rev()
                    .fold(0, |word, &b| word << 8 | u64::from(b)),
            };
            ok(0, word)
        }
        8..=INLINE => {
            let word = |at: usize| text.get(at..at + 8).and_then(|w| w.try_into().ok());
            let (first, middle, last) = (word(0)?, word(8.min(n - 8))?, word(n - 8)?);
            ok(0, u64::from_le_bytes(first))
                & ok(8.min(n - 8), u64::from_le_bytes(middle))
                & ok(n - 8, u64::from_le_bytes(last))
        }
        _ => false,
    };
    if !fits {
        return None;
    }
    // ASCII in, ASCII out: the check always passes.
    Some(SmolStr::new_inline(std::str::from_utf8(&buffer[..n]).ok()?))
}

/// Whether some byte of `word` is `\` or `*`.
fn special(word: u64) -> bool {
    (bytes_equal(word, b'\\') | bytes_equal(word, b'*')) != 0
}

/// The ASCII bytes of `word` with `A` to `Z` lowered (every byte must be ASCII): a byte at
/// or above `A` carries into bit 7 when `0x3F` is added, one above `Z` when `0x25` is;
/// exactly the capitals do one and not the other, and get `0x20` added.
fn lowered(word: u64) -> u64 {
    let from_a = word + ONES * 0x3F;
    let past_z = word + ONES * 0x25;
    word | ((from_a ^ past_z) & (ONES << 7)) >> 2
}

/// The longest text a [`SmolStr`] holds inline.
const INLINE: usize = 23;

/// The pattern a character value stands for: wildcards are the unescaped stars.
pub fn pattern_of(text: &Text<'_>, case_sensitive: bool) -> Pattern {
    let source = text.source();
    if let Some(pattern) = short_pattern(source, case_sensitive) {
        return pattern;
    }
    general_pattern(text, case_sensitive)
}

/// [`pattern_of`] for any value: escapes, inner stars, long or non-ASCII text.
fn general_pattern(text: &Text<'_>, case_sensitive: bool) -> Pattern {
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
        // Every length up to past the inline limit: the words that cover the text overlap
        // differently at each.
        let mixed: Vec<char> = "AbZ*\\z09[@`{~ Q".chars().collect();
        for n in 0..=25 {
            let text: String = mixed.iter().cycle().skip(n).take(n).collect();
            assert_eq!(
                folded_text(&text, false),
                text.to_ascii_lowercase(),
                "{text:?}"
            );
            assert_eq!(folded_text(&text, true), text, "{text:?}");
        }
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

    /// The one-pass reading of common values gives what the general reading gives, for
    /// every value it takes, and takes the common shapes.
    #[test]
    fn short_patterns_are_general_patterns() {
        let long = "x".repeat(23);
        let sources = [
            "",
            "*",
            "**",
            "Abc",
            "abc*",
            "ABC*",
            "*abc",
            "*abc*",
            "a*c",
            r"a\*",
            r"a\\*",
            r"o\'brien",
            "Grand Forks*",
            "josé",
            "JOSÉ*",
            "Müller",
            "\u{1F600}*",
            &long,
            &format!("{long}*"),
            &format!("{long}x"),
            &format!("{long}x*"),
            "a\tb",
            "%_*",
        ];
        for src in sources {
            for cs in [false, true] {
                let general = general_pattern(&Text::from_source(src), cs);
                if let Some(short) = short_pattern(src, cs) {
                    assert_eq!(short, general, "{src:?} case-sensitive: {cs}");
                }
                assert_eq!(pattern_of(&Text::from_source(src), cs), general, "{src:?}");
            }
        }
        for src in ["Fargo", "thomas*", "*", "", &long, &format!("{long}*")] {
            assert!(short_pattern(src, false).is_some(), "{src:?}");
        }
        // Non-ASCII text is folded by the general reading (Unicode case rules).
        for src in ["a*c", r"a\*", "*abc", "JOSÉ*", &format!("{long}x")] {
            assert!(short_pattern(src, false).is_none(), "{src:?}");
        }
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
