//! Tokens of SPEC section 1, one at a time, each with its byte span.
//!
//! The lexical productions (`word`, `custom_field`, `character`, `number`, `date`, `time`,
//! `zone`) are nom parsers over `&str`. Each consumes a bounded or strictly advancing prefix,
//! so lexing is linear in the input length.

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use nom::bytes::complete::{tag, take_while, take_while_m_n, take_while1};
use nom::character::complete::{char as ch, digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::sequence::preceded;
use nom::{IResult, Parser};
use rust_decimal::Decimal;

use super::ast::{ArithOp, DateTime, Field, Op, Span, ValueType};
use crate::error::{Error, ErrorKind};
use crate::semantics::temporal::{self, Temporal};

/// A keyword (case-insensitive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kw {
    Op(Op),
    And,
    Or,
    Not,
    Arith(ArithOp),
}

/// A literal as lexed; character data is the raw text between the quotes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Lit<'a> {
    Character(&'a str),
    Integer(i64),
    Decimal(Decimal),
    Date(NaiveDate),
    Time(NaiveTime),
    DateTime(DateTime),
    Boolean(bool),
    Null,
}

/// A token's kind. Payloads stay out of it so that the parser's lookahead is small: a
/// field, function name or word is read from the token's span, and a literal's value is in
/// [`Lexer::lit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    LParen,
    RParen,
    Comma,
    Minus,
    Kw(Kw),
    /// A standard or custom field (see [`field_of`]).
    Field,
    /// A function name; the `(` right after it belongs to the token.
    Function,
    /// A literal; its value is [`Lexer::lit`] until the next token is read.
    Lit,
    /// A lowercase word that is no keyword, literal or function: always an error.
    Word,
    Eof,
    /// Lexing failed here (the parser holds the error).
    Error,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// The field a `Tok::Field` token's text names.
pub(crate) fn field_of(text: &str) -> Field<'_> {
    match text.strip_prefix('"') {
        // The lexer checked the shape `"Group"."Field"`; neither part holds a '"'.
        Some(rest) => {
            let close = rest.find('"').unwrap_or(rest.len());
            Field::Custom {
                group: &rest[..close],
                name: rest
                    .get(close + 3..rest.len().saturating_sub(1))
                    .unwrap_or(""),
            }
        }
        None => Field::Standard { name: text },
    }
}

/// A lexical error found by a nom production: where (as the remaining input) and why.
#[derive(Debug)]
pub(crate) struct LexError<'a> {
    at: &'a str,
    len: usize,
    kind: ErrorKind,
    message: String,
}

impl<'a> nom::error::ParseError<&'a str> for LexError<'a> {
    fn from_error_kind(input: &'a str, _: nom::error::ErrorKind) -> Self {
        LexError {
            at: input,
            len: 0,
            kind: ErrorKind::Syntax,
            message: String::new(),
        }
    }

    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type LResult<'a, T> = IResult<&'a str, T, LexError<'a>>;

#[cold]
fn fail<'a, T>(
    at: &'a str,
    len: usize,
    kind: ErrorKind,
    message: impl Into<String>,
) -> LResult<'a, T> {
    Err(nom::Err::Failure(LexError {
        at,
        len,
        kind,
        message: message.into(),
    }))
}

/// Character classes of bytes, so that scanning is one table lookup per byte.
const ALNUM: u8 = 1;
const DIGIT: u8 = 2;
const SPACE: u8 = 4;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() {
            t[i] |= ALNUM;
        }
        if b.is_ascii_digit() {
            t[i] |= DIGIT;
        }
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            t[i] |= SPACE;
        }
        i += 1;
    }
    t
};

#[inline]
fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

#[derive(Clone)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// The value of the last `Tok::Lit` token read.
    pub lit: Lit<'a>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            lit: Lit::Null,
        }
    }

    fn offset(&self, rest: &str) -> usize {
        self.src.len() - rest.len()
    }

    /// The next token, skipping whitespace.
    pub fn next_token(&mut self) -> Result<Token, Error> {
        let bytes = self.src.as_bytes();
        let mut start = self.pos;
        while start < bytes.len() && is(bytes[start], SPACE) {
            start += 1;
        }
        // Fast paths for the common shapes of every token, read byte by byte. Everything
        // else, and every error, goes through the nom productions of `general_token`, which
        // are the reference (a test checks that both agree).
        if let Some(tok) = self.fast_token(start) {
            return Ok(tok);
        }
        self.general_token(start)
    }

    /// The token at `start` (after whitespace), read by the nom productions.
    #[cold]
    #[inline(never)]
    fn general_token(&mut self, start: usize) -> Result<Token, Error> {
        let rest = &self.src[start..];
        let Some(&first) = rest.as_bytes().first() else {
            self.pos = start;
            return Ok(Token {
                tok: Tok::Eof,
                span: Span::new(start, start),
            });
        };
        let simple = match first {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b',' => Some(Tok::Comma),
            b'-' if !rest.as_bytes().get(1).is_some_and(u8::is_ascii_digit) => Some(Tok::Minus),
            _ => None,
        };
        let result = match simple {
            Some(tok) => Ok((&rest[1..], tok)),
            None => match first {
                b'A'..=b'Z' | b'a'..=b'z' => word(rest).map(|(r, t)| match t {
                    Word::Tok(t) => (r, t),
                    Word::Lit(l) => (r, self.literal(l)),
                }),
                b'"' => custom_field(rest).map(|(r, _)| (r, Tok::Field)),
                b'\'' => character(rest).map(|(r, s)| (r, self.literal(Lit::Character(s)))),
                b'0'..=b'9' | b'-' => number(rest).map(|(r, l)| (r, self.literal(l))),
                _ => {
                    let (len, message) = unexpected(self.src, start);
                    fail(rest, len, ErrorKind::Syntax, message)
                }
            },
        };
        match result {
            Ok((after, tok)) => {
                let end = self.offset(after);
                self.pos = end;
                Ok(Token {
                    tok,
                    span: Span::new(start, end),
                })
            }
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                let at = self.offset(e.at);
                let message = if e.message.is_empty() {
                    format!("cannot read '{}'", preview(&rest[..rest.len().min(20)]))
                } else {
                    e.message
                };
                Err(Error::new(e.kind, Span::new(at, at + e.len), message))
            }
            Err(nom::Err::Incomplete(_)) => Err(Error::new(
                ErrorKind::Syntax,
                Span::new(start, self.src.len()),
                "incomplete input",
            )),
        }
    }
}

impl<'a> Lexer<'a> {
    /// A word (keyword, literal word, function name, field) or a plain integer or decimal
    /// starting at `start`, when it can be read without the general productions.
    #[inline]
    fn fast_token(&mut self, start: usize) -> Option<Token> {
        let bytes = self.src.as_bytes();
        let first = *bytes.get(start)?;
        let mut end = start + 1;
        let tok = if first.is_ascii_alphabetic() {
            while end < bytes.len() && is(bytes[end], ALNUM) {
                end += 1;
            }
            end = start + word_len(&self.src[start..], end - start);
            // Only a lowercase word can be a function name.
            let paren = if first.is_ascii_lowercase() {
                paren_after(&self.src[end..])
            } else {
                None
            };
            match classify_word(&self.src[start..end], paren.is_some()) {
                Word::Lit(lit) => self.literal(lit),
                Word::Tok(Tok::Function) => {
                    end += paren.unwrap_or(0) + 1;
                    Tok::Function
                }
                Word::Tok(tok) => tok,
            }
        } else if first.is_ascii_digit()
            || (first == b'-' && bytes.get(start + 1).is_some_and(u8::is_ascii_digit))
        {
            let digits_start = if first == b'-' { start + 1 } else { start };
            end = digits_start;
            while end < bytes.len() && is(bytes[end], DIGIT) {
                end += 1;
            }
            let int_end = end;
            let mut scale = 0u32;
            if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
                end += 1;
                while end < bytes.len() && is(bytes[end], DIGIT) {
                    end += 1;
                    scale += 1;
                }
            }
            if first != b'-' && matches!(bytes.get(end), Some(b'-' | b':')) {
                let (lit, temporal_end) = temporal_fast(bytes, start)?;
                self.pos = temporal_end;
                return Some(Token {
                    tok: self.literal(lit),
                    span: Span::new(start, temporal_end),
                });
            }
            // Exponents, and anything running into a letter, take the general path.
            if bytes.get(end).is_some_and(|&b| {
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'.' | b'_')
            }) || int_end - digits_start > 18
                || (scale > 0 && end - digits_start - 1 > 27)
            {
                return None;
            }
            let negative = first == b'-';
            let mut mantissa: i128 = 0;
            for &b in &bytes[digits_start..end] {
                if b != b'.' {
                    mantissa = mantissa * 10 + i128::from(b - b'0');
                }
            }
            if negative {
                mantissa = -mantissa;
            }
            let lit = if scale == 0 {
                Lit::Integer(i64::try_from(mantissa).ok()?)
            } else {
                Lit::Decimal(Decimal::try_from_i128_with_scale(mantissa, scale).ok()?)
            };
            self.literal(lit)
        } else if first == b'\'' {
            end = quoted_end(bytes, start)?;
            self.literal(Lit::Character(&self.src[start + 1..end - 1]))
        } else if first == b'"' {
            end = custom_field_end(self.src, start)?;
            Tok::Field
        } else {
            return match first {
                b'(' => Some(self.simple(start, Tok::LParen)),
                b')' => Some(self.simple(start, Tok::RParen)),
                b',' => Some(self.simple(start, Tok::Comma)),
                b'-' => Some(self.simple(start, Tok::Minus)),
                _ => None,
            };
        };
        self.pos = end;
        Some(Token {
            tok,
            span: Span::new(start, end),
        })
    }

    #[inline]
    fn literal(&mut self, lit: Lit<'a>) -> Tok {
        self.lit = lit;
        Tok::Lit
    }

    #[inline]
    fn simple(&mut self, start: usize, tok: Tok) -> Token {
        self.pos = start + 1;
        Token {
            tok,
            span: Span::new(start, start + 1),
        }
    }
}

/// The first `a` or `b` in `hay`. Literals are short, so a plain loop looks first; memchr
/// takes over after 32 bytes, so that a 1 MiB unterminated literal stays cheap too.
#[inline]
fn find2(hay: &[u8], a: u8, b: u8) -> Option<usize> {
    const HEAD: usize = 32;
    let head = &hay[..hay.len().min(HEAD)];
    if let Some(i) = head.iter().position(|&c| c == a || c == b) {
        return Some(i);
    }
    let tail = hay.get(HEAD..)?;
    memchr::memchr2(a, b, tail).map(|i| i + HEAD)
}

/// The end of a `'…'` literal starting at `start`, when it holds no backslash before a
/// non-ASCII character (those, and unterminated literals, take the general path).
#[inline]
fn quoted_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i += find2(bytes.get(i..)?, b'\'', b'\\')?;
        if bytes[i] == b'\'' {
            return Some(i + 1);
        }
        if !bytes.get(i + 1)?.is_ascii() {
            return None;
        }
        i += 2;
    }
}

/// The end of a well-formed `"Group"."Field"` starting at `start`; anything unusual (a `.`
/// or `$` in a part, a short part, a missing quote) takes the general path and its errors.
#[inline]
fn custom_field_end(src: &str, start: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let part = |from: usize| -> Option<usize> {
        let at = from + find2(bytes.get(from..)?, b'"', b'.')?;
        (bytes[at] == b'"').then_some(at)
    };
    let group_end = part(start + 1)?;
    if bytes.get(group_end + 1..group_end + 3)? != b".\"" {
        return None;
    }
    let name_end = part(group_end + 3)?;
    let group = &src[start + 1..group_end];
    let name = &src[group_end + 3..name_end];
    let long_enough = |s: &str, min: usize| s.len() >= 4 * min || s.chars().count() >= min;
    if group.starts_with('$') || name.starts_with('$') || !long_enough(group, 2) || name.is_empty()
    {
        return None;
    }
    Some(name_end + 1)
}

/// A date, time or datetime at `start` (the shared reader of [`crate::semantics`]), with
/// where it ends, when no letter, digit, '.', ':' or '_' follows (the boundary rule of
/// `boundary`). Anything else, every invalid value included, is left to the general path,
/// which explains it.
#[inline]
fn temporal_fast(bytes: &[u8], start: usize) -> Option<(Lit<'static>, usize)> {
    let (value, end) = temporal::read_at(bytes, start)?;
    match bytes.get(end) {
        Some(b)
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'_') || !b.is_ascii() =>
        {
            None
        }
        _ => Some((lit_of(value), end)),
    }
}

fn lit_of(value: Temporal) -> Lit<'static> {
    match value {
        Temporal::Date(d) => Lit::Date(d),
        Temporal::Time(t) => Lit::Time(t),
        Temporal::DateTime(local, offset) => Lit::DateTime(DateTime { local, offset }),
    }
}

/// The error for a character no token starts with, at `start` in `src`: its length (the
/// span) and a message aimed at the mistake that usually puts it there.
fn unexpected(src: &str, start: usize) -> (usize, String) {
    let rest = &src[start..];
    let before = src[..start].chars().next_back();
    let c = rest.chars().next().unwrap_or('\0');
    let one = c.len_utf8();
    let b = rest.as_bytes();
    // What a client sends when it passes on a query parameter instead of its value.
    if b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"_filter=") {
        return (
            8,
            "send only the filter, without '_filter=': the filter is the parameter's value".into(),
        );
    }
    if c == '%' && b.len() >= 3 && b[1].is_ascii_hexdigit() && b[2].is_ascii_hexdigit() {
        return (
            3,
            format!(
                "this looks URL-encoded ('{}' is an escaped character): decode it first, as in {}",
                &rest[..3],
                preview(&url_decoded(src))
            ),
        );
    }
    let before_word = before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '\'');
    let after_word = rest[one..]
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '\'' || c == '%');
    if c == '+' && before_word && after_word {
        return (
            1,
            format!(
                "this looks URL-encoded ('+' stands for a space): decode it first, as in {}",
                preview(&url_decoded(src))
            ),
        );
    }
    if let Some(ascii) = typographic_quote(c) {
        // Show the value rewritten when its closing quote is there too.
        let close = rest[one..]
            .char_indices()
            .find(|&(_, q)| typographic_quote(q).is_some())
            .map(|(i, _)| one + i);
        let example = match close {
            Some(end) => format!(
                ", as in '{}'",
                preview(&rest[one..end].replace('\'', "\\'"))
            ),
            None => String::new(),
        };
        let fields = if ascii == '"' {
            " (double quotes are for custom fields, \"Group\".\"Field\")"
        } else {
            ""
        };
        return (
            one,
            format!("unexpected typographic quote '{c}': use ASCII quotes{example}{fields}"),
        );
    }
    let message = match c {
        '"' => "unexpected '\"'".into(),
        '.' => "unexpected '.': custom fields are written \"Group\".\"Field\"".into(),
        c if c.is_alphabetic() => {
            format!("unexpected '{c}': field names use the letters A-Z, a-z and digits")
        }
        c if c.is_control() => format!("unexpected control character U+{:04X}", c as u32),
        // Symbols from other query languages: say what this one writes instead.
        '=' | '<' | '>' | '!' => {
            format!("unexpected '{c}': comparison operators are words: Eq, Ne, Gt, Ge, Lt, Le, Bt")
        }
        '&' => "unexpected '&': conditions are joined with And".into(),
        '|' => "unexpected '|': alternatives are joined with Or".into(),
        '+' | '*' | '/' | '%' => {
            format!("unexpected '{c}': arithmetic operators are words: Add, Sub, Mul, Div, Mod")
        }
        c => format!("unexpected '{c}'"),
    };
    (one, message)
}

/// `s` percent-decoded, with `+` as a space (as a query string is decoded).
fn url_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The ASCII quote a typographic quote stands in for (word processors and chat clients
/// replace `'` and `"` with these).
fn typographic_quote(c: char) -> Option<char> {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Some('"'),
        _ => None,
    }
}

/// Shortens text for messages.
pub(crate) fn preview(s: &str) -> String {
    const MAX: usize = 30;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// What a word is: a token, or a literal word.
enum Word {
    Tok(Tok),
    Lit(Lit<'static>),
}

/// A word classified: keyword, boolean, null, field, function name (when a `(` follows it
/// directly; the `(` belongs to the token) or a stray lowercase word. The fast path and
/// the `word` production share it.
#[inline]
fn classify_word(w: &str, paren_follows: bool) -> Word {
    if let Some(kw) = keyword(w) {
        return Word::Tok(Tok::Kw(kw));
    }
    // Fields are the common case: only `NULL` and `Null` start uppercase too.
    if w.as_bytes()[0].is_ascii_uppercase() {
        return match w {
            "NULL" | "Null" => Word::Lit(Lit::Null),
            _ => Word::Tok(Tok::Field),
        };
    }
    match w {
        "true" => Word::Lit(Lit::Boolean(true)),
        "false" => Word::Lit(Lit::Boolean(false)),
        "null" => Word::Lit(Lit::Null),
        _ if paren_follows => Word::Tok(Tok::Function),
        _ => Word::Tok(Tok::Word),
    }
}

/// Whether `rest` starts with a whole keyword where the reference's lexer sees one: an
/// uppercase-initial word is its whole `[A-Za-z0-9]*` run (`AndX` is a field), a
/// lowercase-initial one only its letters (`and5` is `and` + `5`). A literal may run
/// straight into such a keyword, as in the reference (`42And` is `42 And`).
fn keyword_follows(rest: &str) -> bool {
    let b = rest.as_bytes();
    let len = match b.first() {
        Some(c) if c.is_ascii_uppercase() => b.iter().take_while(|&&c| is(c, ALNUM)).count(),
        Some(c) if c.is_ascii_lowercase() => {
            b.iter().take_while(|c| c.is_ascii_alphabetic()).count()
        }
        _ => return false,
    };
    keyword(&rest[..len]).is_some()
}

/// The length of the word at the start of `src` as a token, given its `[A-Za-z][A-Za-z0-9]*`
/// run of `len` bytes: all of it, except where the reference's lexer reads a lowercase word
/// shorter. A boolean running into a keyword (`trueAnd`, `falseor`) is the boolean alone,
/// and a lowercase keyword ends before a digit (`eq5` is `eq` + `5`). `NULLAnd` stays one
/// word, a field (SPEC 1); any other word keeps its whole run (and is an error later).
#[inline]
fn word_len(src: &str, len: usize) -> usize {
    let b = src.as_bytes();
    if !b[0].is_ascii_lowercase() {
        return len;
    }
    for lit in ["true", "false"] {
        if len > lit.len() && src.starts_with(lit) && keyword_follows(&src[lit.len()..]) {
            return lit.len();
        }
    }
    let letters = b[..len]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    if letters < len && keyword(&src[..letters]).is_some() {
        return letters;
    }
    len
}

/// `[A-Za-z][A-Za-z0-9]*`, then classified by [`classify_word`].
fn word(input: &str) -> LResult<'_, Word> {
    let (_, w) = recognize((
        take_while_m_n(1, 1, |c: char| c.is_ascii_alphabetic()),
        take_while(|c: char| c.is_ascii_alphanumeric()),
    ))
    .parse(input)?;
    let (w, rest) = input.split_at(word_len(input, w.len()));
    let paren = if w.as_bytes()[0].is_ascii_lowercase() {
        paren_after(rest)
    } else {
        None
    };
    let word = classify_word(w, paren.is_some());
    let rest = match (word, paren) {
        (Word::Tok(Tok::Function), Some(at)) => &rest[at + 1..],
        (word, _) => return Ok((rest, word)),
    };
    Ok((rest, Word::Tok(Tok::Function)))
}

/// Where the `(` of a call is in `rest`, the text after a word: at its start, or after
/// whitespace (`days (1)`), as the reference reads a function name and its parenthesis.
#[inline]
fn paren_after(rest: &str) -> Option<usize> {
    let b = rest.as_bytes();
    match b.first()? {
        b'(' => Some(0),
        c if is(*c, SPACE) => {
            let at = b.iter().position(|&c| !is(c, SPACE))?;
            (b[at] == b'(').then_some(at)
        }
        _ => None,
    }
}

fn keyword(w: &str) -> Option<Kw> {
    // ASCII letters lowercase with | 0x20; digits keep their value, so no digit matches.
    let b = w.as_bytes();
    let lower = |i: usize| b[i] | 0x20;
    match b.len() {
        2 => Some(match (lower(0), lower(1)) {
            (b'e', b'q') => Kw::Op(Op::Eq),
            (b'n', b'e') => Kw::Op(Op::Ne),
            (b'g', b't') => Kw::Op(Op::Gt),
            (b'g', b'e') => Kw::Op(Op::Ge),
            (b'l', b't') => Kw::Op(Op::Lt),
            (b'l', b'e') => Kw::Op(Op::Le),
            (b'b', b't') => Kw::Op(Op::Bt),
            (b'o', b'r') => Kw::Or,
            _ => return None,
        }),
        3 => Some(match (lower(0), lower(1), lower(2)) {
            (b'a', b'n', b'd') => Kw::And,
            (b'n', b'o', b't') => Kw::Not,
            (b'a', b'd', b'd') => Kw::Arith(ArithOp::Add),
            (b's', b'u', b'b') => Kw::Arith(ArithOp::Sub),
            (b'm', b'u', b'l') => Kw::Arith(ArithOp::Mul),
            (b'd', b'i', b'v') => Kw::Arith(ArithOp::Div),
            (b'm', b'o', b'd') => Kw::Arith(ArithOp::Mod),
            _ => return None,
        }),
        _ => None,
    }
}

/// `"Group"."Field"`: segments hold no `"` or `.`, do not start with `$`; the group has at
/// least two characters, the field at least one.
fn custom_field(input: &str) -> LResult<'_, Field<'_>> {
    let (rest, group) = custom_segment(input, 2, "group")?;
    let rest = match rest.strip_prefix('.') {
        Some(r) => r,
        None => {
            return fail(
                rest,
                rest.chars().next().map_or(0, char::len_utf8),
                ErrorKind::Syntax,
                format!(
                    "expected '.' after \"{}\": custom fields are written \"Group\".\"Field\"",
                    preview(group)
                ),
            );
        }
    };
    if !rest.starts_with('"') {
        return fail(
            rest,
            rest.chars().next().map_or(0, char::len_utf8),
            ErrorKind::Syntax,
            "expected '\"' to start the field part of a custom field",
        );
    }
    let (rest, name) = custom_segment(rest, 1, "field")?;
    Ok((rest, Field::Custom { group, name }))
}

fn custom_segment<'a>(input: &'a str, min: usize, what: &str) -> LResult<'a, &'a str> {
    let (body, _) = ch('"').parse(input)?;
    let stop = memchr::memchr2(b'"', b'.', body.as_bytes()).unwrap_or(body.len());
    let (seg, after) = body.split_at(stop);
    match after.chars().next() {
        Some('"') => {}
        // A '.' with no closing quote anywhere after it is an unterminated name, not a dot
        // inside one: `"General"."Taxes Lt 500.0`.
        Some('.') if !after.contains('"') => {
            return fail(
                input,
                input.len() - after.len(),
                ErrorKind::Syntax,
                "unterminated custom field: add the closing '\"'",
            );
        }
        Some('.') => {
            return fail(
                after,
                1,
                ErrorKind::Syntax,
                format!("'.' is not allowed inside a custom field's {what} name"),
            );
        }
        _ => {
            return fail(
                input,
                input.len() - after.len(),
                ErrorKind::Syntax,
                "unterminated custom field: add the closing '\"'",
            );
        }
    }
    if seg.starts_with('$') {
        return fail(
            body,
            1,
            ErrorKind::Syntax,
            format!("a custom field's {what} name cannot start with '$'"),
        );
    }
    if seg.chars().count() < min {
        return fail(
            input,
            seg.len() + 2,
            ErrorKind::Syntax,
            format!(
                "a custom field's {what} name needs at least {min} character{}",
                if min == 1 { "" } else { "s" }
            ),
        );
    }
    Ok((&after[1..], seg))
}

/// `'…'` with `\` escaping the next character. Returns the raw text between the quotes.
fn character(input: &str) -> LResult<'_, &str> {
    let bytes = input.as_bytes();
    let mut i = 1;
    loop {
        match memchr::memchr2(b'\'', b'\\', &bytes[i..]) {
            None => {
                return fail(
                    input,
                    1,
                    ErrorKind::Syntax,
                    "unterminated character value: add the closing quote",
                );
            }
            Some(j) if bytes[i + j] == b'\'' => {
                return Ok((&input[i + j + 1..], &input[1..i + j]));
            }
            Some(j) => {
                // Skip the backslash and the whole (possibly multi-byte) character after it.
                let k = i + j + 1;
                match input[k..].chars().next() {
                    Some(c) => i = k + c.len_utf8(),
                    None => {
                        return fail(
                            input,
                            1,
                            ErrorKind::Syntax,
                            "unterminated character value: add the closing quote",
                        );
                    }
                }
            }
        }
    }
}

/// Integers, decimals, dates, times and datetimes, which all start with digits.
fn number(input: &str) -> LResult<'_, Lit<'_>> {
    let (after_sign, sign) = opt(ch('-')).parse(input)?;
    let (rest, digits) = digit1(after_sign)?;
    let lit = if sign.is_none() && digits.len() == 4 && rest.starts_with('-') {
        return date_or_datetime(input);
    } else if sign.is_none() && digits.len() == 2 && rest.starts_with(':') {
        let (rest, t) = time(input)?;
        return boundary(input, rest, Lit::Time(t));
    } else if rest.starts_with('.') {
        return decimal(input);
    } else {
        let text = &input[..input.len() - rest.len()];
        match text.parse::<i64>() {
            Ok(i) => Lit::Integer(i),
            Err(_) => {
                return fail(
                    input,
                    text.len(),
                    ErrorKind::InvalidValue,
                    format!("integer {} does not fit in 64 bits", preview(text)),
                );
            }
        }
    };
    boundary(input, rest, lit)
}

/// The type `s` has when written without quotes: a number, date, time, datetime or
/// boolean that is the whole of `s`. For hints such as "write 100000 without quotes".
pub(crate) fn unquoted_type(s: &str) -> Option<ValueType> {
    if s == "true" || s == "false" {
        return Some(ValueType::Boolean);
    }
    match number(s) {
        Ok(("", lit)) => match lit {
            Lit::Integer(_) => Some(ValueType::Integer),
            Lit::Decimal(_) => Some(ValueType::Decimal),
            Lit::Date(_) => Some(ValueType::Date),
            Lit::Time(_) => Some(ValueType::Time),
            Lit::DateTime(_) => Some(ValueType::DateTime),
            _ => None,
        },
        _ => None,
    }
}

/// A number must not run into a letter, digit or `.` (`10Foo`, `1.2.3`), except a keyword
/// (`10And` is `10 And`, as in the reference).
fn boundary<'a>(start: &'a str, rest: &'a str, lit: Lit<'a>) -> LResult<'a, Lit<'a>> {
    if keyword_follows(rest) {
        return Ok((rest, lit));
    }
    match rest.chars().next() {
        Some(c) if c.is_alphanumeric() || c == '.' || c == ':' || c == '_' => {
            let len = start.len() - rest.len();
            let hint = match (&lit, exponent(rest)) {
                (Lit::Integer(_), Some(exp)) => format!(
                    "; an exponent needs a decimal point, as in {}.0{exp}",
                    &start[..len]
                ),
                _ => String::new(),
            };
            fail(
                start,
                len + c.len_utf8(),
                ErrorKind::Syntax,
                format!(
                    "'{}' is not a valid value: '{}' cannot follow '{}'{hint}",
                    preview(&start[..len + c.len_utf8()]),
                    c,
                    preview(&start[..len])
                ),
            )
        }
        _ => Ok((rest, lit)),
    }
}

/// The exponent `[Ee]-?[0-9]{1,2}` at the start of `s`, when that is all the word holds
/// (`1e5`, `2E-3`: written without the decimal point the grammar requires).
fn exponent(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let digits_from = if b.get(1) == Some(&b'-') { 2 } else { 1 };
    let digits = b
        .get(digits_from..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = digits_from + digits;
    let ends_word = !b
        .get(end)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.');
    (matches!(b.first(), Some(b'e' | b'E')) && (1..=2).contains(&digits) && ends_word)
        .then(|| &s[..end])
}

/// `-?[0-9]+\.[0-9]+([Ee]-?[0-9]{1,2})?`.
fn decimal(input: &str) -> LResult<'_, Lit<'_>> {
    let mantissa: LResult<'_, &str> =
        recognize((opt(ch('-')), digit1, ch('.'), digit1)).parse(input);
    let Ok((rest, _)) = mantissa else {
        let digits_end = input.find('.').map_or(input.len(), |i| i + 1);
        return fail(
            input,
            digits_end,
            ErrorKind::Syntax,
            "a decimal needs digits after the '.'",
        );
    };
    let (rest, exponent) = opt((
        one_of("eE"),
        opt(ch('-')),
        take_while_m_n(1, 2, |c: char| c.is_ascii_digit()),
    ))
    .parse(rest)?;
    let text = &input[..input.len() - rest.len()];
    if exponent.is_some() && rest.starts_with(|c: char| c.is_ascii_digit()) {
        let len = text.len() + rest.bytes().take_while(u8::is_ascii_digit).count();
        return fail(
            input,
            len,
            ErrorKind::Syntax,
            "a decimal's exponent has at most two digits (E-99 to E99)",
        );
    }
    let significant = text
        .split(['e', 'E'])
        .next()
        .unwrap_or("")
        .trim_start_matches('-')
        .replace('.', "");
    if significant.trim_start_matches('0').len() > 28 || significant.len() > 56 {
        return fail(
            input,
            text.len(),
            ErrorKind::InvalidValue,
            format!(
                "decimal {} has more than 28 significant digits",
                preview(text)
            ),
        );
    }
    match super::value::parse_decimal_text(text) {
        Some(d) => boundary(input, rest, Lit::Decimal(d)),
        None => fail(
            input,
            text.len(),
            ErrorKind::InvalidValue,
            format!("decimal {} is out of range", preview(text)),
        ),
    }
}

fn two_digits(input: &str) -> LResult<'_, u32> {
    let (rest, d) = take_while_m_n(2, 2, |c: char| c.is_ascii_digit()).parse(input)?;
    Ok((rest, d.parse().unwrap_or(0)))
}

/// `YYYY-MM-DD`, optionally followed by `T` and a time and zone.
fn date_or_datetime(input: &str) -> LResult<'_, Lit<'_>> {
    let shape = (
        take_while_m_n(4, 4, |c: char| c.is_ascii_digit()),
        preceded(tag("-"), two_digits),
        preceded(tag("-"), two_digits),
    )
        .parse(input);
    let Ok((rest, (y, m, d))) = shape else {
        let len = input
            .find(|c: char| !(c.is_ascii_digit() || c == '-'))
            .unwrap_or(input.len());
        return fail(
            input,
            len,
            ErrorKind::Syntax,
            "a date is written YYYY-MM-DD",
        );
    };
    let date_len = input.len() - rest.len();
    let Some(date) = NaiveDate::from_ymd_opt(y.parse().unwrap_or(0), m, d) else {
        return fail(
            input,
            date_len,
            ErrorKind::InvalidValue,
            format!("{} is not a calendar date", &input[..date_len]),
        );
    };
    let Some(time_text) = rest.strip_prefix('T') else {
        return boundary(input, rest, Lit::Date(date));
    };
    let (rest, t) = time(time_text)?;
    let (rest, offset) = zone(rest)?;
    boundary(
        input,
        rest,
        Lit::DateTime(DateTime {
            local: date.and_time(t),
            offset,
        }),
    )
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fraction` (up to nanoseconds).
fn time(input: &str) -> LResult<'_, NaiveTime> {
    let Ok((rest, (h, m))) = (two_digits, preceded(ch(':'), two_digits)).parse(input) else {
        return fail(
            input,
            input.len().min(5),
            ErrorKind::Syntax,
            "a time is written HH:MM, HH:MM:SS or HH:MM:SS.ffffff",
        );
    };
    let (rest, s) = match rest.strip_prefix(':') {
        Some(r) => match two_digits(r) {
            Ok((r, s)) => (r, s),
            Err(_) => {
                return fail(
                    input,
                    input.len() - r.len(),
                    ErrorKind::Syntax,
                    "expected two digits of seconds",
                );
            }
        },
        None if rest.starts_with('.') => {
            // The reference's grammar: a fraction follows seconds, never minutes.
            let len = input.len() - rest.len();
            return fail(
                input,
                len + 1,
                ErrorKind::Syntax,
                format!(
                    "fractional seconds follow the seconds: write {}:00.{}",
                    &input[..len],
                    preview(
                        rest[1..]
                            .split(|c: char| !c.is_ascii_digit())
                            .next()
                            .unwrap_or("")
                    )
                ),
            );
        }
        None => (rest, 0),
    };
    let (rest, frac) = match rest.strip_prefix('.') {
        Some(r) => {
            let (r2, digits) = take_while1::<_, _, LexError<'_>>(|c: char| c.is_ascii_digit())
                .parse(r)
                .or_else(|_| {
                    fail(
                        input,
                        input.len() - r.len(),
                        ErrorKind::Syntax,
                        "expected digits after '.' in a time",
                    )
                })?;
            // Up to 50 digits, as in the reference; digits past nanoseconds are dropped
            // (every back end compares at microseconds).
            if digits.len() > 50 {
                return fail(
                    input,
                    input.len() - r2.len(),
                    ErrorKind::InvalidValue,
                    "fractional seconds have at most 50 digits",
                );
            }
            let digits = &digits[..digits.len().min(9)];
            let nanos: u32 = digits.parse().unwrap_or(0) * 10u32.pow(9 - digits.len() as u32);
            (r2, nanos)
        }
        None => (rest, 0),
    };
    let len = input.len() - rest.len();
    match NaiveTime::from_hms_nano_opt(h, m, s, frac) {
        Some(t) if s < 60 => Ok((rest, t)),
        _ => fail(
            input,
            len,
            ErrorKind::InvalidValue,
            format!("{} is not a valid time of day", &input[..len]),
        ),
    }
}

/// `Z`, `±HH:MM` or `±HHMM`, or nothing.
fn zone(input: &str) -> LResult<'_, Option<FixedOffset>> {
    if let Some(rest) = input.strip_prefix('Z') {
        return Ok((rest, FixedOffset::east_opt(0)));
    }
    let Some(sign) = input.chars().next().filter(|c| *c == '+' || *c == '-') else {
        return Ok((input, None));
    };
    let body = &input[1..];
    let parsed = (two_digits, opt(ch(':')), two_digits).parse(body);
    let Ok((rest, (h, _, m))) = parsed else {
        return fail(
            input,
            1,
            ErrorKind::Syntax,
            "a zone offset is written Z, +HH:MM or +HHMM",
        );
    };
    let secs = (h * 3600 + m * 60) as i32;
    let offset = if h <= 23 && m <= 59 {
        FixedOffset::east_opt(if sign == '-' { -secs } else { secs })
    } else {
        None
    };
    match offset {
        Some(o) => Ok((rest, Some(o))),
        None => fail(
            input,
            input.len() - rest.len(),
            ErrorKind::InvalidValue,
            "zone offset out of range",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tokens with their payloads, as (kind, text, literal).
    fn toks(s: &str) -> Vec<(Tok, &str, Option<Lit<'_>>)> {
        let mut lx = Lexer::new(s);
        let mut out = vec![];
        loop {
            let t = lx.next_token().unwrap();
            if t.tok == Tok::Eof {
                return out;
            }
            let lit = (t.tok == Tok::Lit).then_some(lx.lit);
            out.push((t.tok, &s[t.span.start..t.span.end], lit));
        }
    }

    fn lit(s: &str) -> Lit<'_> {
        match toks(s)[..] {
            [(Tok::Lit, _, Some(l))] => l,
            ref other => panic!("{s:?} lexes as {other:?}"),
        }
    }

    #[test]
    fn words_are_keywords_fields_or_functions() {
        assert_eq!(
            toks("OrOrOr eQ days( Null true"),
            vec![
                (Tok::Field, "OrOrOr", None),
                (Tok::Kw(Kw::Op(Op::Eq)), "eQ", None),
                (Tok::Function, "days(", None),
                (Tok::Lit, "Null", Some(Lit::Null)),
                (Tok::Lit, "true", Some(Lit::Boolean(true))),
            ]
        );
        assert_eq!(field_of("OrOrOr"), Field::Standard { name: "OrOrOr" });
        assert_eq!(
            field_of(r#""Listing Details"."Available Date""#),
            Field::Custom {
                group: "Listing Details",
                name: "Available Date"
            }
        );
    }

    /// Records' temporal values are read by `semantics::temporal`, filters' by this lexer:
    /// for any whole string, both must give the same value or both none.
    #[test]
    fn records_and_filters_read_temporal_text_alike() {
        const SHAPES: [&str; 8] = [
            "2013-07-26",
            "10:22",
            "10:22:15",
            "10:22:15.123456789012",
            "2013-07-26T10:22",
            "2013-07-26T10:22:15.5Z",
            "2013-07-26T10:22:15-03:00",
            "2013-07-26T10:22+0530",
        ];
        const NOISE: &[u8] = b"0123456789012345678999-:.TZ+ x";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        fn general(s: &str) -> Option<Lit<'_>> {
            match number(s) {
                Ok(("", lit @ (Lit::Date(_) | Lit::Time(_) | Lit::DateTime(_)))) => Some(lit),
                _ => None,
            }
        }
        let (mut agreed, mut valid) = (0, 0);
        for _ in 0..200_000 {
            let mut bytes = SHAPES[next(SHAPES.len())].as_bytes().to_vec();
            for _ in 0..next(3) {
                let at = next(bytes.len() + 1);
                match next(3) {
                    0 if at < bytes.len() => bytes[at] = NOISE[next(NOISE.len())],
                    1 => bytes.insert(at, NOISE[next(NOISE.len())]),
                    _ => bytes.truncate(at.max(1)),
                }
            }
            let s = String::from_utf8(bytes).unwrap();
            let shared = temporal::read(&s).map(lit_of);
            assert_eq!(shared, general(&s), "{s:?}");
            agreed += 1;
            valid += usize::from(shared.is_some());
        }
        assert!(
            valid > agreed / 10,
            "too few valid strings: {valid} of {agreed}"
        );
    }

    #[test]
    fn numbers_dates_and_times() {
        assert_eq!(lit("-5"), Lit::Integer(-5));
        assert_eq!(
            toks("- 5"),
            vec![
                (Tok::Minus, "-", None),
                (Tok::Lit, "5", Some(Lit::Integer(5)))
            ]
        );
        assert!(matches!(lit("9.1E-6"), Lit::Decimal(_)));
        assert!(matches!(
            lit("2013-07-26T10:22:15.111-0100"),
            Lit::DateTime(_)
        ));
        assert!(matches!(lit("10:22"), Lit::Time(_)));
        assert!(Lexer::new("2013-02-30").next_token().is_err());
        assert!(Lexer::new("99:99").next_token().is_err());
        // As in the reference grammar, a fraction follows seconds, never minutes.
        for s in ["10:22.5", "2013-07-26T10:22.5Z"] {
            let e = Lexer::new(s).next_token().unwrap_err();
            assert!(e.message.contains("write 10:22:00.5"), "{s}: {}", e.message);
        }
        assert!(Lexer::new("12345678901234567890123").next_token().is_err());
    }

    /// The token at the start of `s` by the fast path (if it takes it) and by the general
    /// productions: both must agree on kind, span, value and error.
    fn fast_agrees_with_general(s: &str) {
        let mut fast = Lexer::new(s);
        let Some(t) = fast.fast_token(0) else { return };
        let mut general = Lexer::new(s);
        let g = general
            .general_token(0)
            .unwrap_or_else(|e| panic!("{s:?}: fast path read {t:?}, general path failed: {e:?}"));
        assert_eq!((t.tok, t.span), (g.tok, g.span), "{s:?}");
        if t.tok == Tok::Lit {
            assert_eq!(fast.lit, general.lit, "{s:?}");
        }
        assert_eq!(fast.pos, general.pos, "{s:?}");
    }

    #[test]
    fn fast_path_agrees_with_the_productions() {
        let cases = [
            "2013-07-26",
            "2013-02-30",
            "2013-07-26T10:22",
            "2013-07-26T10:22:15",
            "2013-07-26T10:22:15.1",
            "2013-07-26T10:22:15.123456789",
            "2013-07-26T10:22:15.1234567891",
            "2013-07-26T10:22:15Z",
            "2013-07-26T10:22:15+01:00",
            "2013-07-26T10:22:15-0130",
            "2013-07-26T10:22:15+24:00",
            "2013-07-26T10:22:15+01",
            "2013-07-26T25:22",
            "2013-07-26T10:60",
            "2013-07-26T10:22:60",
            "2013-07-26Tx",
            "2013-07-26a",
            "2013-07-26.5",
            "2013-07-26_",
            "2013-07-26é",
            "10:22",
            "10:22:15.5",
            "1:22",
            "123:45",
            "12-05",
            "1234:56",
            "10:22)",
            "2013-7-26",
            "20130-07-26",
            "'abc'",
            "'O\\'Brien'",
            "'\\\\'",
            "'\\é'",
            "'abc",
            "'abc\\'",
            "''",
            "'é☃'",
            "\"Group\".\"Field\"",
            "\"G\".\"Field\"",
            "\"Gé\".\"F\"",
            "\"G.x\".\"F\"",
            "\"Gr\".\"\"",
            "\"$G\".\"F\"",
            "\"Gr\".\"$F\"",
            "\"Gr\".\"F",
            "\"Gr\"x\"F\"",
            "\"Gr\".\"F.x\"",
            "\"Gr",
            "12",
            "-12",
            "1.5",
        ];
        for s in cases {
            fast_agrees_with_general(s);
        }
        // The common shapes do take the fast path.
        for s in [
            "2013-07-26",
            "2013-07-26T10:22:15.5-01:00",
            "10:22",
            "'O\\'Brien'",
            "\"Group\".\"Field\"",
            "1.5",
            "ListPrice",
            "Eq",
        ] {
            assert!(Lexer::new(s).fast_token(0).is_some(), "{s:?}");
        }
        let corpus = include_str!("../../benches/data/corpus.jsonl");
        for line in corpus.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let f = v["filter"].as_str().unwrap();
            let mut lx = Lexer::new(f);
            loop {
                let start = lx.pos + f[lx.pos..].len() - f[lx.pos..].trim_start().len();
                fast_agrees_with_general(&f[start..]);
                match lx.next_token() {
                    Ok(t) if t.tok != Tok::Eof => {}
                    _ => break,
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_on_generated_tokens(
            s in "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{0,11})?)?([Z+-][0-9:]{0,6})?)?[ a.:_)é0-9]?"
        ) {
            fast_agrees_with_general(&s);
        }

        #[test]
        fn fast_path_agrees_on_generated_text(s in "['\"][a-zA-Z .$'\"\\\\é]{0,12}") {
            fast_agrees_with_general(&s);
        }

        #[test]
        fn fast_path_agrees_on_generated_times(s in "[0-9]{1,3}[:-][0-9]{0,3}(:[0-9]{0,3})?(\\.[0-9]{0,3})?[a :]?") {
            fast_agrees_with_general(&s);
        }
    }

    #[test]
    fn character_escapes() {
        assert_eq!(lit(r"'O\'Brien'"), Lit::Character(r"O\'Brien"));
        assert_eq!(lit(r"'\\'"), Lit::Character(r"\\"));
        assert!(Lexer::new(r"'abc\'").next_token().is_err());
    }
}
/// How long lexing alone takes on the benchmark corpus: the share of `parse/corpus` that
/// no tree design can remove. A measurement, not a check, so it is ignored by default:
/// `cargo test --release --lib lexing_the_corpus_alone -- --ignored --nocapture`.
#[cfg(test)]
mod throughput {
    use super::*;

    #[test]
    #[ignore = "a measurement; run it in release mode"]
    fn lexing_the_corpus_alone() {
        let text = include_str!("../../benches/data/corpus.jsonl");
        let filters: Vec<String> = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["filter"].as_str().unwrap().to_string()
            })
            .collect();
        let bytes: usize = filters.iter().map(String::len).sum();
        let rounds = 200;
        let mut tokens = 0usize;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            for f in &filters {
                let mut lexer = Lexer::new(std::hint::black_box(f));
                loop {
                    match lexer.next_token() {
                        Ok(Token { tok: Tok::Eof, .. }) => break,
                        Ok(t) => tokens += usize::from(std::hint::black_box(t).span.end > 0),
                        Err(e) => panic!("{f:?} does not lex: {e}"),
                    }
                }
            }
        }
        let t = start.elapsed().as_secs_f64();
        let n = (rounds * filters.len()) as f64;
        println!(
            "lexing alone: {:.1} tokens and {:.0} ns per filter, {:.1} MB/s",
            tokens as f64 / n,
            t * 1e9 / n,
            (bytes * rounds) as f64 / t / 1e6
        );
    }
}
