//! Text matching with case folding and no allocation per record.
//!
//! ASCII values are compared case-insensitively in place (their folding is ASCII
//! lowercasing); other values are folded with [`fold_case`] into a reused thread-local
//! buffer. Pattern text in the plan is already folded when the test folds.

use std::cell::RefCell;
use std::collections::HashSet;

use memchr::memmem::Finder;

use crate::plan::Pattern;
use crate::semantics::{fold_case, glob_matches};

thread_local! {
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs `f` on `s` folded (when `fold`), without allocating after the first use.
pub(crate) fn with_folded<R>(s: &str, fold: bool, f: impl FnOnce(&str) -> R) -> R {
    if !fold || !s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        return f(s);
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            if s.is_ascii() {
                buf.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
            } else {
                buf.push_str(&fold_case(s));
            }
            f(&buf)
        }
        // Re-entered (a caller folding inside a fold): fall back to a fresh string.
        Err(_) => f(&fold_case(s)),
    })
}

/// `value` equals `want` (already folded when `fold`).
pub(crate) fn equals_folded(value: &str, want: &str, fold: bool) -> bool {
    if !fold {
        return value == want;
    }
    if value.is_ascii() {
        return value.eq_ignore_ascii_case(want);
    }
    with_folded(value, true, |v| v == want)
}

/// Compiled text patterns: exact values in a set when there are many, substring finders
/// built once.
#[derive(Debug)]
pub(crate) struct TextMatcher {
    exact: Vec<String>,
    exact_set: Option<HashSet<String>>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    contains: Vec<Finder<'static>>,
    globs: Vec<Vec<String>>,
    /// Every pattern is ASCII, so an ASCII value can be matched without folding.
    ascii: bool,
    /// `ascii`, and every pattern is exact, a prefix or a suffix (no set): the fast path.
    anchored_ascii: bool,
}

/// Past this many exact values a hash set beats a scan.
const SET_THRESHOLD: usize = 8;

impl TextMatcher {
    pub fn new(patterns: &[Pattern]) -> TextMatcher {
        let mut m = TextMatcher {
            exact: Vec::new(),
            exact_set: None,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            contains: Vec::new(),
            globs: Vec::new(),
            ascii: true,
            anchored_ascii: false,
        };
        for p in patterns {
            match p {
                Pattern::Exact(s) => m.exact.push(s.to_string()),
                Pattern::Prefix(s) => m.prefixes.push(s.to_string()),
                Pattern::Suffix(s) => m.suffixes.push(s.to_string()),
                Pattern::Contains(s) => m.contains.push(Finder::new(s.as_bytes()).into_owned()),
                Pattern::Glob(parts) => m.globs.push(parts.clone()),
            }
            m.ascii &= match p {
                Pattern::Exact(s)
                | Pattern::Prefix(s)
                | Pattern::Suffix(s)
                | Pattern::Contains(s) => s.is_ascii(),
                Pattern::Glob(parts) => parts.iter().all(|s| s.is_ascii()),
            };
        }
        if m.exact.len() > SET_THRESHOLD {
            m.exact_set = Some(m.exact.drain(..).collect());
        }
        m.anchored_ascii =
            m.ascii && m.contains.is_empty() && m.globs.is_empty() && m.exact_set.is_none();
        m
    }

    /// Whether `value` matches some pattern; `fold` folds the value first.
    #[inline]
    pub fn matches(&self, value: &str, fold: bool) -> bool {
        // Fast path: ASCII patterns that are anchored (exact, prefix, suffix) compare the
        // value byte by byte, ASCII-lowercased, and decide as soon as a byte differs. Only
        // when a non-ASCII character lies inside the compared part (whose folding may be
        // ASCII: K, ſ, ﬀ) is the value folded in full.
        if fold && self.anchored_ascii {
            let v = value.as_bytes();
            if value.is_ascii() {
                // ASCII text folds to its ASCII lowercase: compare in place.
                return self
                    .exact
                    .iter()
                    .any(|e| v.len() == e.len() && v.eq_ignore_ascii_case(e.as_bytes()))
                    || self.prefixes.iter().any(|p| {
                        v.len() >= p.len() && v[..p.len()].eq_ignore_ascii_case(p.as_bytes())
                    })
                    || self.suffixes.iter().any(|s| {
                        v.len() >= s.len()
                            && v[v.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
                    });
            }
            let mut undecided = false;
            for e in &self.exact {
                match ascii_prefix(v, e.as_bytes()) {
                    Some(false) => {}
                    _ => undecided = true,
                }
            }
            for p in &self.prefixes {
                match ascii_prefix(v, p.as_bytes()) {
                    Some(true) => return true,
                    Some(false) => {}
                    None => undecided = true,
                }
            }
            for s in &self.suffixes {
                match ascii_suffix(v, s.as_bytes()) {
                    Some(true) => return true,
                    Some(false) => {}
                    None => undecided = true,
                }
            }
            if !undecided {
                return false;
            }
        }
        with_folded(value, fold, |v| self.matches_folded(v))
    }

    fn matches_folded(&self, v: &str) -> bool {
        self.exact.iter().any(|e| e == v)
            || self.exact_set.as_ref().is_some_and(|set| set.contains(v))
            || self.prefixes.iter().any(|p| v.starts_with(p.as_str()))
            || self.suffixes.iter().any(|s| v.ends_with(s.as_str()))
            || self.contains.iter().any(|f| f.find(v.as_bytes()).is_some())
            || self.globs.iter().any(|g| glob_matches(g, v))
    }
}

/// Whether the ASCII-lowercased start of `value` is `needle` (an ASCII, folded string):
/// `Some(answer)` when the bytes compared are all ASCII, `None` when a non-ASCII byte came
/// first (its folding must decide).
#[inline]
fn ascii_prefix(value: &[u8], needle: &[u8]) -> Option<bool> {
    ascii_fold_walk(needle.iter().enumerate().map(|(i, &n)| (value.get(i), n)))
}

/// The same for the end of `value`.
#[inline]
fn ascii_suffix(value: &[u8], needle: &[u8]) -> Option<bool> {
    ascii_fold_walk(needle.iter().rev().enumerate().map(|(i, &n)| {
        let b = value.len().checked_sub(i + 1).and_then(|j| value.get(j));
        (b, n)
    }))
}

/// Walks (value byte, needle byte) pairs in the order given: a missing value byte or an
/// ASCII mismatch is `Some(false)`, a non-ASCII value byte reached first is `None`.
#[inline]
fn ascii_fold_walk<'v>(pairs: impl Iterator<Item = (Option<&'v u8>, u8)>) -> Option<bool> {
    for (b, n) in pairs {
        let Some(&b) = b else {
            return Some(false);
        };
        if !b.is_ascii() {
            return None;
        }
        if b.to_ascii_lowercase() != n {
            return Some(false);
        }
    }
    Some(true)
}

/// Accounts name rule: some whitespace-separated word matches (case-insensitively).
///
/// Folding never creates or removes whitespace, so the raw value is split first and each
/// word is folded only if its ASCII bytes do not decide it.
pub(crate) fn any_word(m: &TextMatcher, value: &str) -> bool {
    value.split_whitespace().any(|w| m.matches(w, true))
}
