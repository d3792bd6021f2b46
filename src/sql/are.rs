//! `regex()` patterns (Rust `regex` syntax) as PostgreSQL advanced regular expressions
//! (AREs) that match the same texts.
//!
//! The two dialects read many constructs differently (`\b` is a backspace in an ARE, `\w`
//! and case-insensitive matching follow the database's locale, bounds stop at 255), so the
//! pattern is not passed through. It is parsed by `regex-syntax`, the parser of the `regex`
//! crate the evaluator runs, into its high-level form, where case-insensitivity is already
//! spelled out as character classes (`k` is `[Kk\u{212A}]`) and `.`, `\w`, `\d` are explicit
//! code-point ranges. That form is written back in the ARE subset both engines agree on:
//! literal characters as `\u` escapes, bracket ranges of code points, `(?:…)` groups,
//! `{m,n}` bounds of at most 255, `^`/`$` at the ends of the text, and lookaround for
//! line anchors and word boundaries. The ARE is matched case-sensitively with `~`.
//!
//! Only whether a text matches matters (never where), so greediness and capture groups are
//! dropped.

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look};

use crate::syntax::value::pattern_hir;

/// The largest repetition bound an ARE accepts (`RE_DUP_MAX`).
const MAX_BOUND: u32 = 255;

/// The longest translation sent to PostgreSQL. Explicit classes make patterns longer (a
/// Unicode `\b` is about 50 KB of lookaround), so a pattern the parser accepted can still
/// translate to too much; this bounds what a filter can make the database compile.
pub const MAX_ARE_BYTES: usize = 1 << 20;

fn too_long() -> String {
    format!("its PostgreSQL translation is longer than {MAX_ARE_BYTES} bytes")
}

/// `pattern`, with `case_insensitive` folded in, as an ARE with the same matches; `Err`
/// says why there is none: a byte-oriented `(?-u)` class beyond ASCII, or a translation
/// longer than [`MAX_ARE_BYTES`].
pub fn to_are(pattern: &str, case_insensitive: bool) -> Result<String, String> {
    let hir = pattern_hir(pattern, case_insensitive)?;
    let mut out = String::with_capacity(pattern.len() * 2);
    write_hir(&hir, &mut out)?;
    if out.len() > MAX_ARE_BYTES {
        return Err(too_long());
    }
    Ok(out)
}

fn write_hir(hir: &Hir, out: &mut String) -> Result<(), String> {
    // Checked at every node, so a hostile pattern stops one node past the limit.
    if out.len() > MAX_ARE_BYTES {
        return Err(too_long());
    }
    match hir.kind() {
        HirKind::Empty => out.push_str("(?:)"),
        HirKind::Literal(lit) => {
            let text = std::str::from_utf8(&lit.0)
                .map_err(|_| "a literal that is not UTF-8 text".to_string())?;
            text.chars().for_each(|c| push_char(c, out));
        }
        HirKind::Class(class) => write_class(&unicode_class(class)?, out),
        HirKind::Look(look) => write_look(*look, out),
        HirKind::Repetition(rep) => {
            let mut atom = String::new();
            write_atom(&rep.sub, &mut atom)?;
            write_repetition(&atom, rep.min, rep.max, out)?;
        }
        HirKind::Capture(cap) => write_hir(&cap.sub, out)?,
        // Every piece written is a unit already (alternations bring their own group).
        HirKind::Concat(subs) => {
            for sub in subs {
                write_hir(sub, out)?;
            }
        }
        HirKind::Alternation(subs) => {
            out.push_str("(?:");
            for (i, sub) in subs.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write_hir(sub, out)?;
            }
            out.push(')');
        }
    }
    Ok(())
}

/// `hir` as one unit that a quantifier or a neighbour cannot split.
fn write_atom(hir: &Hir, out: &mut String) -> Result<(), String> {
    let single = match hir.kind() {
        HirKind::Class(_) => true,
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0).is_ok_and(|s| s.chars().count() == 1),
        _ => false,
    };
    if single {
        write_hir(hir, out)
    } else {
        out.push_str("(?:");
        write_hir(hir, out)?;
        out.push(')');
        Ok(())
    }
}

/// `atom{min,max}` in bounds of at most [`MAX_BOUND`]: `a{300}` is `a{255}a{45}`, and
/// `a{0,300}` is `a{0,255}a{0,45}`, which accept the same counts.
fn write_repetition(
    atom: &str,
    min: u32,
    max: Option<u32>,
    out: &mut String,
) -> Result<(), String> {
    let mut push = |bounds: &str| {
        out.push_str(atom);
        out.push_str(bounds);
        if out.len() > MAX_ARE_BYTES {
            Err(too_long())
        } else {
            Ok(())
        }
    };
    let mut required = min;
    while required > MAX_BOUND {
        push(&format!("{{{MAX_BOUND}}}"))?;
        required -= MAX_BOUND;
    }
    match max {
        None => match required {
            0 => push("*"),
            1 => push("+"),
            n => push(&format!("{{{n},}}")),
        },
        Some(max) => {
            match required {
                0 => {}
                1 => push("")?,
                n => push(&format!("{{{n}}}"))?,
            }
            let mut optional = max.saturating_sub(min);
            while optional > 0 {
                let n = optional.min(MAX_BOUND);
                push(&if n == 1 {
                    "?".to_string()
                } else {
                    format!("{{0,{n}}}")
                })?;
                optional -= n;
            }
            Ok(())
        }
    }
}

fn unicode_class(class: &Class) -> Result<ClassUnicode, String> {
    match class {
        Class::Unicode(c) => Ok(c.clone()),
        Class::Bytes(b) => {
            let ranges = b.ranges().iter().map(|r| {
                (r.end() <= 0x7F)
                    .then(|| ClassUnicodeRange::new(char::from(r.start()), char::from(r.end())))
                    .ok_or_else(|| "a byte class beyond ASCII ((?-u))".to_string())
            });
            Ok(ClassUnicode::new(ranges.collect::<Result<Vec<_>, _>>()?))
        }
    }
}

/// A bracket expression of code-point ranges; a class that matches nothing is `(?!)`.
fn write_class(class: &ClassUnicode, out: &mut String) {
    match class.ranges() {
        [] => out.push_str("(?!)"),
        [one] if one.start() == one.end() => push_char(one.start(), out),
        ranges => {
            out.push('[');
            for r in ranges {
                push_char(r.start(), out);
                if r.end() != r.start() {
                    out.push('-');
                    push_char(r.end(), out);
                }
            }
            out.push(']');
        }
    }
}

/// A character: ASCII letters and digits as themselves, everything else as a `\u` or `\U`
/// escape, which means the character itself both inside and outside brackets.
fn push_char(c: char, out: &mut String) {
    use std::fmt::Write as _;
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else if u32::from(c) <= 0xFFFF {
        let _ = write!(out, "\\u{:04X}", u32::from(c));
    } else {
        let _ = write!(out, "\\U{:08X}", u32::from(c));
    }
}

fn write_look(look: Look, out: &mut String) {
    let word = |unicode: bool| -> String {
        let class = if unicode {
            unicode_word_class()
        } else {
            ascii_word_class()
        };
        let mut s = String::new();
        write_class(&class, &mut s);
        s
    };
    let text = match look {
        Look::Start => "^".to_string(),
        Look::End => "$".to_string(),
        Look::StartLF => "(?:^|(?<=\\u000A))".to_string(),
        Look::EndLF => "(?:$|(?=\\u000A))".to_string(),
        // CRLF mode: after \r or \n, before \r or \n, never between \r and \n.
        Look::StartCRLF => "(?:^|(?<=\\u000A)|(?<=\\u000D)(?!\\u000A))".to_string(),
        Look::EndCRLF => "(?:$|(?=\\u000D)|(?<!\\u000D)(?=\\u000A))".to_string(),
        Look::WordAscii | Look::WordUnicode => {
            let w = word(look == Look::WordUnicode);
            format!("(?:(?<={w})(?!{w})|(?<!{w})(?={w}))")
        }
        Look::WordAsciiNegate | Look::WordUnicodeNegate => {
            let w = word(look == Look::WordUnicodeNegate);
            format!("(?:(?<={w})(?={w})|(?<!{w})(?!{w}))")
        }
        Look::WordStartAscii | Look::WordStartUnicode => {
            let w = word(look == Look::WordStartUnicode);
            format!("(?<!{w})(?={w})")
        }
        Look::WordEndAscii | Look::WordEndUnicode => {
            let w = word(look == Look::WordEndUnicode);
            format!("(?<={w})(?!{w})")
        }
        Look::WordStartHalfAscii | Look::WordStartHalfUnicode => {
            format!("(?<!{})", word(look == Look::WordStartHalfUnicode))
        }
        Look::WordEndHalfAscii | Look::WordEndHalfUnicode => {
            format!("(?!{})", word(look == Look::WordEndHalfUnicode))
        }
    };
    out.push_str(&text);
}

/// Rust's Unicode `\w`.
fn unicode_word_class() -> ClassUnicode {
    match regex_syntax::parse(r"\w").map(|h| h.into_kind()) {
        Ok(HirKind::Class(Class::Unicode(c))) => c,
        // `\w` always parses to a Unicode class; ASCII is the conservative fallback.
        _ => ascii_word_class(),
    }
}

/// `(?-u:\w)`.
fn ascii_word_class() -> ClassUnicode {
    ClassUnicode::new(
        [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')].map(|(a, b)| ClassUnicodeRange::new(a, b)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_folding_is_spelled_out() {
        assert_eq!(to_are("^ke", true).unwrap(), "^[Kk\\u212A][Ee]");
        assert_eq!(to_are("^ke", false).unwrap(), "^ke");
    }

    #[test]
    fn bounds_stay_within_255() {
        assert_eq!(to_are("a{300}", false).unwrap(), "a{255}a{45}");
        assert_eq!(
            to_are("a{2,600}", false).unwrap(),
            "a{2}a{0,255}a{0,255}a{0,88}"
        );
        assert_eq!(to_are("a{256,}", false).unwrap(), "a{255}a+");
        assert_eq!(to_are("(ab)?", false).unwrap(), "(?:ab)?");
    }

    #[test]
    fn translations_are_bounded() {
        // A Unicode word boundary is tens of kilobytes of lookaround.
        let one = to_are(r"\b", false).map_or(0, |t| t.len());
        assert!(one > 10_000, "{one} bytes");
        let fits = MAX_ARE_BYTES / (one + 1);
        assert!(to_are(&r"\bx".repeat(fits), false).is_ok());
        let over = to_are(&r"\bx".repeat(fits + 1), false).err();
        assert_eq!(over, Some(too_long()));
        // Quickly, however many there are.
        let start = std::time::Instant::now();
        assert_eq!(to_are(&r"\b".repeat(8000), false).err(), Some(too_long()));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn punctuation_is_escaped() {
        assert_eq!(to_are(r"a\.b", false).unwrap(), "a\\u002Eb");
        assert_eq!(to_are("x|", false).unwrap(), "(?:x|(?:))");
    }
}
