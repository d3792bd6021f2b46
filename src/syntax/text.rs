//! Character data as written between single quotes, with its escapes and wildcards.
//!
//! Which stars are wildcards is decided from the source text (SPEC 7): `'a\*'` is a literal
//! star, `'a\\*'` a backslash followed by a wildcard. So a [`Text`] keeps the source form and
//! decodes it on demand into [`Piece`]s.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::ser::SerializeStruct;

/// Character data in source form (what stands between the quotes).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<'a> {
    source: Cow<'a, str>,
}

/// One decoded unit of character data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// A character that stands for itself.
    Char(char),
    /// An unescaped `*`: any run of characters.
    Wildcard,
}

impl<'a> Text<'a> {
    /// Wraps source text. The caller guarantees it is well formed: no unescaped `'` and no
    /// trailing lone backslash (the lexer's `character` production ensures both).
    pub(crate) fn from_source(source: impl Into<Cow<'a, str>>) -> Self {
        Text {
            source: source.into(),
        }
    }

    /// Text whose every character stands for itself (stars are escaped).
    pub fn literal(value: &str) -> Text<'static> {
        Text::from_pieces(value.chars().map(Piece::Char))
    }

    /// Encodes pieces back to source form.
    pub fn from_pieces(pieces: impl IntoIterator<Item = Piece>) -> Text<'static> {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Wildcard => out.push('*'),
                Piece::Char(c @ ('\'' | '\\' | '*')) => {
                    out.push('\\');
                    out.push(c);
                }
                Piece::Char(c) => out.push(c),
            }
        }
        Text {
            source: Cow::Owned(out),
        }
    }

    /// The source form, as it would stand between quotes.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Decodes the source: `\'`, `\\` and `\*` stand for `'`, `\` and a literal `*`; any other
    /// backslash pair is kept as written; a bare `*` is a wildcard.
    pub fn pieces(&self) -> Pieces<'_> {
        Pieces {
            chars: self.source.chars(),
            pending: None,
        }
    }

    /// The text as a regular expression: only `\'` is unescaped (to a quote); every other
    /// backslash stays, so `'5\*'` is the pattern `5\*` (a literal star), as in the
    /// reference.
    pub fn regex_source(&self) -> Cow<'_, str> {
        if !self.source.contains("\\'") {
            return Cow::Borrowed(&self.source);
        }
        let mut out = String::with_capacity(self.source.len());
        let mut chars = self.source.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('\'') => out.push('\''),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }

    /// True when an unescaped `*` occurs.
    pub fn has_wildcard(&self) -> bool {
        self.pieces().any(|p| p == Piece::Wildcard)
    }

    /// The characters with escapes resolved and wildcards shown as `*`.
    ///
    /// Borrows when the source has no backslash.
    pub fn value(&self) -> Cow<'_, str> {
        if !self.source.contains('\\') {
            return Cow::Borrowed(&self.source);
        }
        Cow::Owned(
            self.pieces()
                .map(|p| match p {
                    Piece::Char(c) => c,
                    Piece::Wildcard => '*',
                })
                .collect(),
        )
    }

    /// Detaches from the filter text.
    pub fn into_owned(self) -> Text<'static> {
        Text {
            source: Cow::Owned(self.source.into_owned()),
        }
    }
}

/// Iterator over the [`Piece`]s of a [`Text`].
pub struct Pieces<'t> {
    chars: std::str::Chars<'t>,
    pending: Option<char>,
}

impl Iterator for Pieces<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        if let Some(c) = self.pending.take() {
            return Some(Piece::Char(c));
        }
        match self.chars.next()? {
            '*' => Some(Piece::Wildcard),
            '\\' => match self.chars.next() {
                Some(c @ ('\'' | '\\' | '*')) => Some(Piece::Char(c)),
                Some(c) => {
                    // Unknown escapes are kept as written: the backslash and the character.
                    self.pending = Some(c);
                    Some(Piece::Char('\\'))
                }
                None => Some(Piece::Char('\\')),
            },
            c => Some(Piece::Char(c)),
        }
    }
}

impl fmt::Display for Text<'_> {
    /// Prints the quoted source form: `'O\'Brien'`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.source)
    }
}

impl Serialize for Text<'_> {
    /// `{"source": "O\\'Brien", "value": "O'Brien"}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Text", 2)?;
        st.serialize_field("source", self.source())?;
        st.serialize_field("value", &self.value())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn pieces(src: &str) -> String {
        Text::from_source(src)
            .pieces()
            .map(|p| match p {
                Piece::Char(c) => c.to_string(),
                Piece::Wildcard => "<*>".to_string(),
            })
            .collect()
    }

    #[test]
    fn escapes_and_wildcards_follow_the_source() {
        assert_eq!(pieces(r"O\'Brien"), "O'Brien");
        assert_eq!(pieces(r"thomas*"), "thomas<*>");
        assert_eq!(pieces(r"5\*"), "5*");
        assert_eq!(pieces(r"a\\*"), r"a\<*>");
        assert_eq!(pieces(r"a\nb"), r"a\nb");
    }

    #[test]
    fn encoding_round_trips_pieces() {
        for src in [r"O\'Brien", "thomas*", r"5\*", r"a\\*", r"a\nb", "plain"] {
            let t = Text::from_source(src);
            let back = Text::from_pieces(t.pieces());
            assert_eq!(
                back.pieces().collect::<Vec<_>>(),
                t.pieces().collect::<Vec<_>>()
            );
        }
        assert_eq!(Text::literal("a*'b").source(), r"a\*\'b");
    }
}
