//! Renders an [`Error`] with the filter line and a caret under the span.
//!
//! Columns count characters, not bytes; tabs and other control characters are shown as a
//! space so that the caret lines up. Long lines are cut to a window around the span.

use std::fmt::Write;

use crate::error::Error;

/// Characters shown either side of the span on a long line.
const CONTEXT: usize = 40;
/// Longest underline drawn; longer spans end in `…`.
const MAX_CARETS: usize = 80;

pub(crate) fn render(error: &Error, filter: &str) -> String {
    let start = floor_char_boundary(filter, error.span.start.min(filter.len()));
    let end = floor_char_boundary(filter, error.span.end.clamp(start, filter.len()));

    let line_start = filter[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = filter[start..]
        .find(['\n', '\r'])
        .map_or(filter.len(), |i| start + i);
    let line_no = filter[..line_start].matches('\n').count()
        + filter[..line_start].matches('\r').count()
        - filter[..line_start].matches("\r\n").count()
        + 1;

    let before: Vec<char> = filter[line_start..start].chars().collect();
    let inside: Vec<char> = filter[start..end.min(line_end)].chars().collect();
    let after: Vec<char> = filter[end.min(line_end)..line_end].chars().collect();

    let (skip_before, shown_before) = if before.len() > CONTEXT {
        (true, &before[before.len() - CONTEXT..])
    } else {
        (false, &before[..])
    };
    let (skip_after, shown_after) = if after.len() > CONTEXT {
        (true, &after[..CONTEXT])
    } else {
        (false, &after[..])
    };
    let shown_inside_len = inside.len().min(MAX_CARETS);

    let mut text = String::new();
    let mut caret_col = 0;
    if skip_before {
        text.push('…');
        caret_col += 1;
    }
    push_visible(&mut text, shown_before);
    caret_col += shown_before.len();
    push_visible(&mut text, &inside[..shown_inside_len]);
    if inside.len() > shown_inside_len {
        text.push('…');
    } else {
        push_visible(&mut text, shown_after);
        if skip_after {
            text.push('…');
        }
    }

    let gutter = line_no.to_string();
    let pad = " ".repeat(gutter.len());
    let carets = if inside.is_empty() {
        "^".to_string()
    } else {
        "^".repeat(shown_inside_len)
    };

    let mut out = String::new();
    let _ = writeln!(out, "error[{}]: {}", error.kind, error.message);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{gutter} | {text}");
    let _ = writeln!(out, "{pad} | {}{}", " ".repeat(caret_col), carets);
    let _ = write!(out, "{pad} = Spark error code {}", error.code());
    out
}

fn push_visible(out: &mut String, chars: &[char]) {
    out.extend(chars.iter().map(|&c| if c.is_control() { ' ' } else { c }));
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use crate::error::{Error, ErrorKind};
    use crate::syntax::Span;

    #[test]
    fn caret_sits_under_the_span() {
        let e = Error::new(ErrorKind::Syntax, Span::new(5, 9), "expected an operator");
        let r = e.render("City Derp 'Fargo'");
        assert_eq!(
            r,
            "error[syntax]: expected an operator\n  |\n1 | City Derp 'Fargo'\n  |      ^^^^\n  = Spark error code 1040"
        );
    }

    #[test]
    fn second_line_and_end_of_input() {
        let e = Error::new(ErrorKind::Syntax, Span::new(14, 14), "expected a value");
        let r = e.render("City Eq 1\nA Eq");
        assert!(r.contains("2 | A Eq\n  |     ^"), "{r}");
    }

    #[test]
    fn long_lines_are_windowed_and_spans_clamped() {
        let filter = format!("A Eq '{}' Or", "x".repeat(500));
        let e = Error::new(
            ErrorKind::Syntax,
            Span::new(filter.len(), filter.len() + 7),
            "x",
        );
        let r = e.render(&filter);
        assert!(r.contains('…'));
        assert!(r.lines().all(|l| l.chars().count() < 120), "{r}");
    }
}
