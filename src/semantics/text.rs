//! Case folding and wildcard matching of text: the one definition every back end shares.

use std::borrow::Cow;

use unicase::UniCase;

/// Unicode full case folding (per character, as `unicase` compares). The evaluator folds
/// record values with this, and the SQL back ends store the same folding in shadow columns,
/// so case-insensitive matches agree everywhere.
///
/// ```
/// use spark_filter::semantics::fold_case;
/// assert_eq!(fold_case("Straße"), "strasse");
/// assert!(matches!(fold_case("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn fold_case(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        // ASCII text folds to its ASCII lower case (no ASCII letter folds to anything else),
        // without the Unicode table lookups.
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(UniCase::unicode(s).to_folded_case())
    }
}

/// Folds when the field is case-insensitive.
///
/// ```
/// use spark_filter::semantics::fold_if;
/// assert_eq!(fold_if("ABC", false), "abc");
/// assert_eq!(fold_if("ABC", true), "ABC");
/// ```
pub fn fold_if(s: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        s.to_string()
    } else {
        fold_case(s).into_owned()
    }
}

/// Whether `value` matches the wildcard pattern whose literal parts (between the stars)
/// are `parts`: `parts[0]` anchored at the start, the last part at the end, the middle ones
/// in order, leftmost first (which is optimal for `*`-only globs).
///
/// ```
/// use spark_filter::semantics::glob_matches;
/// let parts = ["a".to_string(), "c".to_string()]; // a*c
/// assert!(glob_matches(&parts, "abc"));
/// assert!(!glob_matches(&parts, "acb"));
/// ```
pub fn glob_matches(parts: &[String], value: &str) -> bool {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return true;
    };
    if parts.len() == 1 {
        return value == first;
    }
    // Strip both anchors first so that they never overlap.
    let Some(rest) = value.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some(mut rest) = rest.strip_suffix(last.as_str()) else {
        return false;
    };
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle.as_str()) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_full_case_folding() {
        assert_eq!(fold_case("Straße"), "strasse");
        assert_eq!(fold_case("ÉCOLE"), "école");
        assert_eq!(fold_case("plain"), "plain");
        assert_eq!(fold_case("MiXeD 42"), "mixed 42");
    }

    #[test]
    fn anchors_never_overlap() {
        let parts = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!glob_matches(&parts(&["ab", "ba"]), "aba"));
        assert!(glob_matches(&parts(&["ab", "ba"]), "abba"));
        assert!(glob_matches(&parts(&["", "a", "b"]), "xxaxxb"));
    }
}
