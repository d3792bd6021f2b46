//! The grammar productions of `grammar/filter.ebnf`, one function each, over the token stream.
//!
//! Recursive descent with one token of lookahead: every token is examined a bounded number of
//! times and never re-lexed, so parsing is linear. The one ambiguity of the language, a `(` at
//! the start of a condition that may open a group (`(A Eq 1 Or B Eq 2)`) or an arithmetic
//! operand (`(Test Mul 10) Sub 2 Eq 10`), is settled without backtracking: [`Parser::paren`]
//! parses what follows and reports which it was. Recursion is bounded by an explicit guard.

use super::ast::*;
use super::functions::{Function, Returns, cast_target};
use super::lexer::{Kw, Lexer, Lit, Tok, Token, field_of, preview, unquoted_type};
use super::text::Text;
use super::value::{self, Clock};
use super::{Limits, ParseOptions};
use crate::error::{Error, ErrorKind};

/// Hard cap on parser recursion and on the height of any expression, whatever the
/// configured limits, so that no input can overflow the stack while it is parsed, printed,
/// serialized or dropped (checked in debug builds on a 2 MiB thread stack).
const MAX_RECURSION: usize = 64;

/// Which side of an operator a term is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The field side: fields allowed.
    Field,
    /// The value side: constants only.
    Value,
}

/// What a term means: a folded constant, or something that depends on a field (with its
/// type when a function or arithmetic makes it known).
enum Meaning<'a> {
    Const(Value<'a>),
    Field(Option<ValueType>),
}

struct Typed<'a> {
    term: Term<'a>,
    meaning: Meaning<'a>,
    /// Height of the term tree, for `max_term_depth`.
    height: usize,
}

impl Typed<'_> {
    fn static_type(&self) -> Option<ValueType> {
        match &self.meaning {
            Meaning::Const(v) => Some(v.value_type()),
            Meaning::Field(t) => *t,
        }
    }

    fn is_field(&self) -> bool {
        matches!(self.meaning, Meaning::Field(_))
    }
}

/// What a parenthesis at the start of a condition turned out to be.
enum Paren<'a> {
    Group(Expr<'a>),
    Term(Typed<'a>),
}

/// What came before a condition, for the messages about misplaced `Not`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    Start,
    And,
    Or,
    Not,
}

pub(crate) struct Parser<'a, 'o> {
    src: &'a str,
    lexer: Lexer<'a>,
    /// The lookahead token; `Tok::Error` when lexing failed, with the error in `lex_error`.
    cur: Token,
    lex_error: Option<Box<Error>>,
    limits: &'o Limits,
    clock: &'o Clock,
    /// The system clock read once, at the first function that needs it, so that every
    /// `now()`, `days()` … of one filter sees the same instant.
    pinned: Option<Clock>,
    comparisons: usize,
    recursion: usize,
    recursion_cap: usize,
    call_depth: usize,
}

type PResult<T> = Result<T, Error>;

impl<'a, 'o> Parser<'a, 'o> {
    pub fn new(src: &'a str, options: &'o ParseOptions) -> Self {
        let mut lexer = Lexer::new(src);
        let mut lex_error = None;
        let cur = lexed(lexer.next_token(), &mut lex_error);
        let limits = &options.limits;
        Parser {
            src,
            lexer,
            cur,
            lex_error,
            limits,
            clock: &options.clock,
            pinned: None,
            comparisons: 0,
            recursion: 0,
            recursion_cap: limits
                .max_depth
                .saturating_add(limits.max_term_depth)
                .saturating_add(2)
                .min(MAX_RECURSION),
            call_depth: 0,
        }
    }

    // ---- token plumbing -------------------------------------------------------------------

    #[inline]
    fn peek(&self) -> PResult<Token> {
        if let Tok::Error = self.cur.tok {
            return Err(self.lexing_error());
        }
        Ok(self.cur)
    }

    #[cold]
    #[inline(never)]
    fn lexing_error(&self) -> Error {
        self.lex_error
            .as_deref()
            .cloned()
            .unwrap_or_else(|| Error::new(ErrorKind::Syntax, self.cur.span, "unreadable input"))
    }

    #[inline]
    fn bump(&mut self) -> PResult<Token> {
        let t = self.peek()?;
        self.cur = lexed(self.lexer.next_token(), &mut self.lex_error);
        Ok(t)
    }

    #[cold]
    fn describe(&self, t: &Token) -> String {
        match t.tok {
            Tok::Eof => "the end of the filter".to_string(),
            Tok::Field => format!("the field {}", preview(self.text(t.span))),
            Tok::Lit => format!("the value {}", preview(self.text(t.span))),
            _ => format!("'{}'", preview(self.text(t.span))),
        }
    }

    fn text(&self, span: Span) -> &'a str {
        &self.src[span.start..span.end]
    }

    #[cold]
    fn syntax(&self, t: &Token, message: String) -> Error {
        Error::new(ErrorKind::Syntax, t.span, message)
    }

    /// `Name Eq 'O'Brien'`: a word or value straight after the quote that ended a value
    /// means the quote was meant to be inside it. The error is on that quote.
    #[cold]
    fn quote_in_value(&self, t: &Token) -> Option<Error> {
        if !matches!(t.tok, Tok::Field | Tok::Word | Tok::Lit | Tok::Function) {
            return None;
        }
        let close = t.span.start.checked_sub(1)?;
        if self.src.as_bytes()[close] != b'\'' {
            return None;
        }
        // The value that ended there (read again: this is the error path).
        let mut lexer = Lexer::new(self.src);
        let open = loop {
            let token = lexer.next_token().ok()?;
            if token.tok == Tok::Eof || token.span.start >= close {
                return None;
            }
            if token.span.end == close + 1 {
                break token.span.start;
            }
        };
        // Where it was probably meant to end: the next quote before a space, ')', ',' or
        // the end, if any.
        let rest = &self.src[close + 1..];
        let meant = rest.match_indices('\'').find_map(|(i, _)| {
            let next = rest[i + 1..].chars().next();
            (!rest[..i].ends_with('\\')
                && next.is_none_or(|n| n.is_whitespace() || n == ')' || n == ','))
            .then_some(close + 1 + i)
        });
        let example = match meant {
            Some(end) => {
                let inner = self.src[open + 1..end].replace("''", "'");
                let mut escaped = String::with_capacity(inner.len() + 2);
                let mut backslash = false;
                for c in inner.chars() {
                    if c == '\'' && !backslash {
                        escaped.push('\\');
                    }
                    backslash = c == '\\' && !backslash;
                    escaped.push(c);
                }
                format!(": write '{}'", preview(&escaped))
            }
            None => String::new(),
        };
        Some(Error::new(
            ErrorKind::Syntax,
            Span::new(close, close + 1),
            format!("this quote ends the value; a quote inside a value is written \\'{example}"),
        ))
    }

    /// `UserType Eq "Member"`: a double-quoted value where a value is expected. `from` is
    /// where the value starts, before whitespace.
    #[cold]
    fn double_quoted_value(&self, from: usize) -> Option<Error> {
        let start = from + self.src[from..].len() - self.src[from..].trim_start().len();
        let rest = &self.src[start..];
        if !rest.starts_with('"') {
            return None;
        }
        let (span, example) = match rest[1..].find('"') {
            Some(i) => (
                Span::new(start, start + i + 2),
                format!(": write '{}'", preview(&rest[1..=i].replace('\'', "\\'"))),
            ),
            None => (Span::new(start, start + 1), String::new()),
        };
        Some(Error::new(
            ErrorKind::Syntax,
            span,
            format!(
                "values are single-quoted{example} (double quotes are for custom fields, \"Group\".\"Field\")"
            ),
        ))
    }

    /// The clock for folding: a fixed clock as given, the system clock read once.
    fn pinned_clock(&mut self) -> &Clock {
        match self.clock {
            Clock::System => self
                .pinned
                .get_or_insert_with(|| Clock::Fixed(Clock::System.now())),
            fixed => fixed,
        }
    }

    fn enter(&mut self, span: Span) -> PResult<()> {
        self.recursion += 1;
        if self.recursion > self.recursion_cap {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                span,
                format!(
                    "the filter nests deeper than {} levels of parentheses, negations and calls",
                    self.recursion_cap
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.recursion -= 1;
    }

    // ---- conditions -----------------------------------------------------------------------

    /// `filter := ε | conjunction`.
    pub fn filter(&mut self) -> PResult<Filter<'a>> {
        if self.peek()?.tok == Tok::Eof {
            return Ok(Filter {
                expr: None,
                clock: *self.clock,
            });
        }
        let expr = self.conjunction(0, None)?;
        let t = self.peek()?;
        match t.tok {
            Tok::Eof => Ok(Filter {
                expr: Some(expr),
                clock: self.pinned.unwrap_or(*self.clock),
            }),
            Tok::RParen => Err(self.syntax(&t, "unmatched ')'".into())),
            _ => Err(self.quote_in_value(&t).unwrap_or_else(|| {
                self.syntax(
                    &t,
                    format!(
                        "expected And, Or or Not between conditions, found {}",
                        self.describe(&t)
                    ),
                )
            })),
        }
    }

    /// `conjunction := unit ((And | Or | Not) unit)*`, with And and binary Not over Or.
    /// `depth` is the number of groups around it; `first` is a first unit already parsed.
    fn conjunction(&mut self, depth: usize, first: Option<Expr<'a>>) -> PResult<Expr<'a>> {
        let first = match first {
            Some(e) => e,
            None => self.unit(depth, After::Start)?,
        };
        // Vectors are allocated only when a connector actually follows.
        let mut ors: Vec<Expr<'a>> = Vec::new();
        let mut ands: Vec<Expr<'a>> = Vec::new();
        let mut last = first;
        loop {
            let after = match self.cur.tok {
                Tok::Kw(Kw::And) => After::And,
                Tok::Kw(Kw::Or) => After::Or,
                Tok::Kw(Kw::Not) => After::Not,
                _ => break,
            };
            let t = self.bump()?;
            let next = self.unit(depth, after)?;
            if after != After::Or && ands.capacity() == 0 {
                ands.reserve(4);
            }
            match after {
                After::Or => {
                    let group = if ands.is_empty() {
                        last
                    } else {
                        ands.push(last);
                        and_of(std::mem::take(&mut ands))
                    };
                    if ors.capacity() == 0 {
                        ors.reserve(4);
                    }
                    ors.push(group);
                    last = next;
                }
                After::Not => {
                    ands.push(last);
                    let span = t.span.to(next.span);
                    last = Expr {
                        kind: ExprKind::Not {
                            expr: Box::new(next),
                        },
                        span,
                    };
                }
                _ => {
                    ands.push(last);
                    last = next;
                }
            }
        }
        let and = if ands.is_empty() {
            last
        } else {
            ands.push(last);
            and_of(ands)
        };
        if ors.is_empty() {
            return Ok(and);
        }
        ors.push(and);
        let span = ors[0].span.to(ors[ors.len() - 1].span);
        Ok(Expr {
            kind: ExprKind::Or { children: ors },
            span,
        })
    }

    /// `unit := Not? (comparison | group)`; a leading `Not` only at the start of a
    /// conjunction.
    fn unit(&mut self, depth: usize, after: After) -> PResult<Expr<'a>> {
        let t = self.peek()?;
        match t.tok {
            Tok::Kw(Kw::Not) => {
                if after != After::Start {
                    return Err(self.syntax(&t, misplaced_not(after)));
                }
                self.bump()?;
                let inner = self.unit(depth, After::Not)?;
                let span = t.span.to(inner.span);
                Ok(Expr {
                    kind: ExprKind::Not {
                        expr: Box::new(inner),
                    },
                    span,
                })
            }
            Tok::LParen => match self.paren(depth)? {
                Paren::Group(e) => Ok(e),
                Paren::Term(first) => {
                    let lhs = self.term_after(first, Side::Field)?;
                    self.comparison(lhs)
                }
            },
            Tok::Eof => Err(self.syntax(&t, expected_condition(after, "the end of the filter"))),
            Tok::Kw(Kw::And | Kw::Or) | Tok::Kw(Kw::Op(_)) | Tok::RParen | Tok::Comma => {
                Err(self.syntax(&t, expected_condition(after, &self.describe(&t))))
            }
            Tok::Field => {
                // The common `Field Op …` goes straight to the comparison; anything else
                // (`Field Add 1 Eq …`) continues as a term from the field.
                let field = self.primary(Side::Field)?;
                if let Tok::Kw(Kw::Op(_)) = self.cur.tok {
                    return self.comparison(field);
                }
                let lhs = self.term_after(field, Side::Field)?;
                self.comparison(lhs)
            }
            _ => {
                let lhs = self.term(Side::Field)?;
                self.comparison(lhs)
            }
        }
    }

    /// A `(` at the start of a condition: a group, or the start of an arithmetic operand.
    fn paren(&mut self, depth: usize) -> PResult<Paren<'a>> {
        let open = self.bump()?;
        self.enter(open.span)?;
        // If this turns out to be a group, it is one level deeper than its surroundings.
        let inner = depth + 1;
        let t = self.peek()?;
        let result = match t.tok {
            Tok::Kw(Kw::Not) => {
                let e = self.conjunction(inner, None)?;
                Paren::Group(self.close_group(open, e, inner)?)
            }
            Tok::LParen => match self.paren(inner)? {
                Paren::Group(e) => {
                    let e = self.conjunction(inner, Some(e))?;
                    Paren::Group(self.close_group(open, e, inner)?)
                }
                Paren::Term(first) => {
                    let term = self.term_after(first, Side::Field)?;
                    self.after_paren_term(open, term, inner)?
                }
            },
            _ => {
                let term = self.term(Side::Field)?;
                self.after_paren_term(open, term, inner)?
            }
        };
        self.leave();
        Ok(result)
    }

    /// Inside `( term`: a `)` closes an arithmetic parenthesis; an operator makes the term
    /// the left side of the group's first comparison.
    fn after_paren_term(
        &mut self,
        open: Token,
        term: Typed<'a>,
        depth: usize,
    ) -> PResult<Paren<'a>> {
        let t = self.peek()?;
        match t.tok {
            Tok::RParen => {
                self.bump()?;
                let span = open.span.to(t.span);
                let height = term.height + 1;
                self.check_height(height, span)?;
                Ok(Paren::Term(Typed {
                    term: Term {
                        kind: TermKind::Paren {
                            term: Box::new(term.term),
                        },
                        span,
                    },
                    meaning: term.meaning,
                    height,
                }))
            }
            _ => {
                let first = self.comparison(term)?;
                let e = self.conjunction(depth, Some(first))?;
                Ok(Paren::Group(self.close_group(open, e, depth)?))
            }
        }
    }

    fn close_group(&mut self, open: Token, e: Expr<'a>, depth: usize) -> PResult<Expr<'a>> {
        let t = self.peek()?;
        if t.tok != Tok::RParen {
            let message = match t.tok {
                Tok::Eof => format!(
                    "expected ')' to close the '(' at offset {}, found the end of the filter",
                    open.span.start
                ),
                _ => format!(
                    "expected And, Or, Not or ')' to close the '(' at offset {}, found {}",
                    open.span.start,
                    self.describe(&t)
                ),
            };
            return Err(self
                .quote_in_value(&t)
                .unwrap_or_else(|| self.syntax(&t, message)));
        }
        self.bump()?;
        let span = open.span.to(t.span);
        if depth > self.limits.max_depth {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                span,
                format!(
                    "groups are nested {depth} deep here; the limit is {}",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(Expr {
            kind: ExprKind::Group { expr: Box::new(e) },
            span,
        })
    }

    /// `comparison := operand Op condition | operand Bt range`, after the operand.
    fn comparison(&mut self, lhs: Typed<'a>) -> PResult<Expr<'a>> {
        if !lhs.is_field() {
            return Err(Error::new(
                ErrorKind::Syntax,
                lhs.term.span,
                format!(
                    "the left side of a comparison must name a field; {} is a constant",
                    preview(self.text(lhs.term.span))
                ),
            ));
        }
        self.comparisons += 1;
        if self.comparisons > self.limits.max_expressions {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                lhs.term.span,
                format!(
                    "the filter has more than {} expressions",
                    self.limits.max_expressions
                ),
            ));
        }
        let t = self.peek()?;
        let op = match t.tok {
            Tok::Kw(Kw::Op(op)) => op,
            _ => {
                return Err(self.syntax(
                    &t,
                    format!(
                        "expected an operator (Eq, Ne, Gt, Ge, Lt, Le, Bt) after {}, found {}",
                        preview(self.text(lhs.term.span)),
                        self.describe(&t)
                    ),
                ));
            }
        };
        self.bump()?;
        let rhs = if op == Op::Bt {
            self.range(t)?
        } else {
            self.condition(t)?
        };
        check_comparison(op, t.span, &rhs)?;
        let span = lhs.term.span.to(rhs_span(&rhs));
        Ok(Expr {
            kind: ExprKind::Comparison(Box::new(Comparison {
                lhs: lhs.term,
                op,
                rhs,
            })),
            span,
        })
    }

    /// `condition := value | value ("," value)+`.
    fn condition(&mut self, op: Token) -> PResult<Rhs<'a>> {
        let first = self.constant(op)?;
        if self.peek()?.tok != Tok::Comma {
            return Ok(Rhs::Single { value: first });
        }
        let mut items = vec![first];
        while self.peek()?.tok == Tok::Comma {
            let comma = self.bump()?;
            let item = self.constant(comma)?;
            if items.len() >= self.limits.max_list {
                return Err(Error::new(
                    ErrorKind::LimitExceeded,
                    item.term.span,
                    format!("a list takes at most {} values", self.limits.max_list),
                ));
            }
            items.push(item);
        }
        Ok(Rhs::List { items })
    }

    /// `range := value "," value`.
    fn range(&mut self, op: Token) -> PResult<Rhs<'a>> {
        let low = self.constant(op)?;
        let t = self.peek()?;
        if t.tok != Tok::Comma {
            return Err(self.syntax(
                &t,
                format!(
                    "Bt takes two values, 'Bt low,high'; expected ',' found {}",
                    self.describe(&t)
                ),
            ));
        }
        let comma = self.bump()?;
        let high = self.constant(comma)?;
        let t = self.peek()?;
        if t.tok == Tok::Comma {
            return Err(self.syntax(&t, "Bt takes exactly two values".into()));
        }
        Ok(Rhs::Range {
            low: Box::new(low),
            high: Box::new(high),
        })
    }

    /// A value expression, folded.
    fn constant(&mut self, before: Token) -> PResult<Constant<'a>> {
        let t = match self.peek() {
            Ok(t) => t,
            Err(e) => return Err(self.double_quoted_value(before.span.end).unwrap_or(e)),
        };
        if matches!(
            t.tok,
            Tok::Eof | Tok::Comma | Tok::RParen | Tok::Kw(Kw::And | Kw::Or | Kw::Not)
        ) {
            return Err(self.syntax(
                &t,
                format!(
                    "expected a value after '{}', found {}",
                    preview(self.text(before.span)),
                    self.describe(&t)
                ),
            ));
        }
        if t.tok == Tok::Lit {
            // A literal not followed by arithmetic is the whole value. It is built here
            // rather than through `primary` and `Typed`: that detour costs about 4% more
            // instructions on the benchmark corpus.
            let (literal, value) = literal_value(self.lexer.lit);
            self.bump()?;
            if !matches!(self.cur.tok, Tok::Kw(Kw::Arith(_))) {
                let term = Term {
                    kind: TermKind::Literal { value: literal },
                    span: t.span,
                };
                return Ok(Constant { term, value });
            }
            let first = Typed {
                term: Term {
                    kind: TermKind::Literal { value: literal },
                    span: t.span,
                },
                meaning: Meaning::Const(value),
                height: 0,
            };
            return constant_of(self.term_after(first, Side::Value)?);
        }
        constant_of(self.term(Side::Value)?)
    }

    // ---- terms ----------------------------------------------------------------------------

    fn check_height(&self, height: usize, span: Span) -> PResult<()> {
        if height > self.limits.max_term_depth.min(MAX_RECURSION) {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                span,
                format!(
                    "this expression nests deeper than {} levels of arithmetic, parentheses and calls",
                    self.limits.max_term_depth.min(MAX_RECURSION)
                ),
            ));
        }
        Ok(())
    }

    /// `term := product ((Add | Sub) product)*`.
    fn term(&mut self, side: Side) -> PResult<Typed<'a>> {
        let first = self.unary(side)?;
        self.term_after(first, side)
    }

    /// The rest of a term whose first unary operand is already parsed.
    fn term_after(&mut self, first: Typed<'a>, side: Side) -> PResult<Typed<'a>> {
        let mut lhs = self.product_after(first, side)?;
        while let Tok::Kw(Kw::Arith(op @ (ArithOp::Add | ArithOp::Sub))) = self.peek()?.tok {
            self.bump()?;
            let first = self.unary(side)?;
            let rhs = self.product_after(first, side)?;
            lhs = self.arith(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    /// `product := unary ((Mul | Div | Mod) unary)*`, after its first unary.
    fn product_after(&mut self, first: Typed<'a>, side: Side) -> PResult<Typed<'a>> {
        let mut lhs = first;
        while let Tok::Kw(Kw::Arith(op @ (ArithOp::Mul | ArithOp::Div | ArithOp::Mod))) =
            self.peek()?.tok
        {
            self.bump()?;
            let rhs = self.unary(side)?;
            lhs = self.arith(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    fn arith(&mut self, op: ArithOp, lhs: Typed<'a>, rhs: Typed<'a>) -> PResult<Typed<'a>> {
        let span = lhs.term.span.to(rhs.term.span);
        let height = lhs.height.max(rhs.height) + 1;
        self.check_height(height, span)?;
        let meaning = match (&lhs.meaning, &rhs.meaning) {
            (Meaning::Const(a), Meaning::Const(b)) => {
                Meaning::Const(value::arith(op, a, b, span, rhs.term.span)?)
            }
            _ => {
                for side in [&lhs, &rhs] {
                    if let Some(t) = side.static_type().filter(|t| !t.is_numeric()) {
                        return Err(Error::new(
                            ErrorKind::TypeMismatch,
                            side.term.span,
                            format!(
                                "{} needs numbers, but {} is {}",
                                op.as_str(),
                                preview(self.text(side.term.span)),
                                t.as_str()
                            ),
                        ));
                    }
                }
                let ty = match (lhs.static_type(), rhs.static_type()) {
                    (Some(ValueType::Integer), Some(ValueType::Integer)) => {
                        Some(ValueType::Integer)
                    }
                    (Some(_), Some(_)) => Some(ValueType::Decimal),
                    _ => None,
                };
                Meaning::Field(ty)
            }
        };
        Ok(Typed {
            term: Term {
                kind: TermKind::Arith(Box::new(Arith {
                    op,
                    lhs: lhs.term,
                    rhs: rhs.term,
                })),
                span,
            },
            meaning,
            height,
        })
    }

    /// `unary := "-" unary | primary`.
    fn unary(&mut self, side: Side) -> PResult<Typed<'a>> {
        let t = self.peek()?;
        if t.tok != Tok::Minus {
            return self.primary(side);
        }
        self.bump()?;
        self.enter(t.span)?;
        let inner = self.unary(side)?;
        self.leave();
        let span = t.span.to(inner.term.span);
        // A minus straight before a number folds into it, so `- 5` and `--5` print as numbers.
        if let TermKind::Literal {
            value: Literal::Integer(_) | Literal::Decimal(_),
        } = &inner.term.kind
        {
            let Meaning::Const(v) = inner.meaning else {
                unreachable!("literals are constants")
            };
            let v = value::negate(v, span)?;
            let lit = match &v {
                Value::Integer(i) => Literal::Integer(*i),
                Value::Decimal(d) => Literal::Decimal(*d),
                _ => unreachable!("negate keeps numbers numeric"),
            };
            return Ok(Typed {
                term: Term {
                    kind: TermKind::Literal { value: lit },
                    span,
                },
                meaning: Meaning::Const(v),
                height: 0,
            });
        }
        let meaning = match inner.meaning {
            Meaning::Const(v) => Meaning::Const(value::negate(v, span)?),
            // As in the reference, negating a field side is not checked here
            // (`-tolower(City) Eq 'x'` parses); the planner, which knows the field's type,
            // rejects a negated non-number.
            Meaning::Field(ty) => Meaning::Field(ty.filter(|t| t.is_numeric())),
        };
        let height = inner.height + 1;
        self.check_height(height, span)?;
        Ok(Typed {
            term: Term {
                kind: TermKind::Negate {
                    term: Box::new(inner.term),
                },
                span,
            },
            meaning,
            height,
        })
    }

    /// `primary := field | literal | call | "(" term ")"`.
    fn primary(&mut self, side: Side) -> PResult<Typed<'a>> {
        let t = self.peek()?;
        match t.tok {
            Tok::Field => {
                let field = field_of(self.text(t.span));
                if self.src.as_bytes().get(t.span.end) == Some(&b'(') {
                    let name = self.text(t.span);
                    return Err(self.syntax(&t, unknown_function(name)));
                }
                if side == Side::Value {
                    return Err(self.syntax(&t, field_as_value(self.text(t.span))));
                }
                self.bump()?;
                Ok(Typed {
                    term: Term {
                        kind: TermKind::Field { field },
                        span: t.span,
                    },
                    meaning: Meaning::Field(None),
                    height: 0,
                })
            }
            Tok::Lit => {
                let lit = self.lexer.lit;
                self.bump()?;
                let (literal, value) = literal_value(lit);
                Ok(Typed {
                    term: Term {
                        kind: TermKind::Literal { value: literal },
                        span: t.span,
                    },
                    meaning: Meaning::Const(value),
                    height: 0,
                })
            }
            Tok::Function => {
                let name = self.text(t.span);
                // The token runs to the '(', with any whitespace before it.
                self.call(t, name[..name.len() - 1].trim_end(), side)
            }
            Tok::LParen => {
                self.bump()?;
                self.enter(t.span)?;
                let inner = self.term(side)?;
                let close = self.peek()?;
                if close.tok != Tok::RParen {
                    return Err(self.syntax(
                        &close,
                        format!(
                            "expected ')' to close the '(' at offset {}, found {}",
                            t.span.start,
                            self.describe(&close)
                        ),
                    ));
                }
                self.bump()?;
                self.leave();
                let span = t.span.to(close.span);
                let height = inner.height + 1;
                self.check_height(height, span)?;
                Ok(Typed {
                    term: Term {
                        kind: TermKind::Paren {
                            term: Box::new(inner.term),
                        },
                        span,
                    },
                    meaning: inner.meaning,
                    height,
                })
            }
            Tok::Word => {
                Err(self.syntax(&t, unknown_word(self.text(t.span), &self.src[t.span.end..])))
            }
            _ => {
                let what = if side == Side::Value {
                    "a value"
                } else {
                    "a field, a value or '('"
                };
                Err(self.syntax(&t, format!("expected {what}, found {}", self.describe(&t))))
            }
        }
    }

    /// `call := name "(" (term ("," term)*)? ")"`, checked against the function table and
    /// folded when no argument names a field.
    fn call(&mut self, name_tok: Token, name: &'a str, side: Side) -> PResult<Typed<'a>> {
        let name_span = Span::new(name_tok.span.start, name_tok.span.start + name.len());
        let Some(function) = Function::from_name(name) else {
            return Err(Error::new(
                ErrorKind::Syntax,
                name_span,
                unknown_function(name),
            ));
        };
        self.bump()?;
        self.enter(name_tok.span)?;
        self.call_depth += 1;
        if self.call_depth > self.limits.max_function_depth {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                name_span,
                format!(
                    "function calls are nested more than {} deep",
                    self.limits.max_function_depth
                ),
            ));
        }
        let mut args: Vec<Typed<'a>> = Vec::new();
        let close = if self.peek()?.tok == Tok::RParen {
            self.bump()?
        } else {
            loop {
                let t = self.peek()?;
                if matches!(t.tok, Tok::Comma | Tok::RParen | Tok::Eof) {
                    return Err(self.syntax(
                        &t,
                        format!(
                            "expected an argument of {name}(), found {}",
                            self.describe(&t)
                        ),
                    ));
                }
                let arg = self.term(side)?;
                if args.len() >= self.limits.max_list {
                    return Err(Error::new(
                        ErrorKind::LimitExceeded,
                        arg.term.span,
                        format!("a call takes at most {} arguments", self.limits.max_list),
                    ));
                }
                args.push(arg);
                let t = self.peek()?;
                match t.tok {
                    Tok::Comma => {
                        self.bump()?;
                    }
                    Tok::RParen => break self.bump()?,
                    _ => {
                        return Err(self.syntax(
                            &t,
                            format!(
                                "expected ',' or ')' in the arguments of {name}(), found {}",
                                self.describe(&t)
                            ),
                        ));
                    }
                }
            }
        };
        self.call_depth -= 1;
        self.leave();
        let span = name_tok.span.to(close.span);
        let height = args.iter().map(|a| a.height).max().unwrap_or(0) + 1;
        self.check_height(height, span)?;
        let meaning = self.check_call(function, name_span, span, &args)?;
        // Signatures take at most three arguments (checked above), so spans and values fit
        // in arrays: no allocation beyond the tree's own.
        let mut spans = [Span::default(); 3];
        let mut values: [Option<Value<'a>>; 3] = Default::default();
        let mut terms = Vec::with_capacity(args.len());
        for (i, a) in args.into_iter().enumerate() {
            if i < 3 {
                spans[i] = a.term.span;
                values[i] = Some(match a.meaning {
                    Meaning::Const(v) => v,
                    Meaning::Field(_) => Value::Null,
                });
            }
            terms.push(a.term);
        }
        let regex_limit = self.limits.max_regex_size;
        let meaning = match meaning {
            Some(m) => m,
            None => Meaning::Const(value::apply(
                function,
                values.into_iter().flatten(),
                span,
                &spans[..terms.len().min(3)],
                self.pinned_clock(),
                regex_limit,
            )?),
        };
        Ok(Typed {
            term: Term {
                kind: TermKind::Call(Box::new(Call {
                    function,
                    args: terms,
                })),
                span,
            },
            meaning,
            height,
        })
    }

    /// Checks a call's arguments. Returns the meaning of a field-side call, or `None` for a
    /// literal-side call that is to be folded.
    fn check_call(
        &self,
        function: Function,
        name_span: Span,
        span: Span,
        args: &[Typed<'a>],
    ) -> PResult<Option<Meaning<'a>>> {
        let name = function.name();
        let sig = function.signature();
        let max = sig.args.len();
        let min = max - sig.optional;
        if args.len() < min || args.len() > max {
            let wanted = match (min, max) {
                (0, 0) => "no arguments".to_string(),
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, b) => format!("{a} to {b} arguments"),
            };
            return Err(Error::new(
                ErrorKind::Syntax,
                span,
                format!("{name}() takes {wanted}, found {}", args.len()),
            ));
        }
        if let Some(extra) = args.iter().skip(1).find(|a| a.is_field()) {
            return Err(Error::new(
                ErrorKind::TypeMismatch,
                extra.term.span,
                format!("only the first argument of {name}() may name a field"),
            ));
        }
        let field_side = args.first().is_some_and(Typed::is_field);
        if field_side && !sig.field_side {
            return Err(Error::new(
                ErrorKind::TypeMismatch,
                args[0].term.span,
                format!("{name}() takes values, not fields"),
            ));
        }
        if !field_side && !sig.literal_side {
            return Err(Error::new(
                ErrorKind::TypeMismatch,
                name_span,
                format!("{name}() takes a field"),
            ));
        }
        for (i, (arg, accepted)) in args.iter().zip(sig.args).enumerate() {
            if let Some(t) = arg.static_type() {
                if !accepted.contains(&t) {
                    let names: Vec<&str> = accepted.iter().map(|t| t.as_str()).collect();
                    return Err(Error::new(
                        ErrorKind::TypeMismatch,
                        arg.term.span,
                        format!(
                            "argument {} of {name}() must be {}, not {}",
                            i + 1,
                            names.join(" or "),
                            t.as_str()
                        ),
                    ));
                }
            }
        }
        if !field_side {
            return Ok(None);
        }
        // Field-side: validate the constant arguments the back ends will use.
        let constant = |i: usize| match args.get(i).map(|a| &a.meaning) {
            Some(Meaning::Const(v)) => Some(v),
            _ => None,
        };
        match function {
            Function::Substring => {
                for i in [1, 2] {
                    if let Some(Value::Integer(n)) = constant(i) {
                        if *n < 0 {
                            return Err(Error::new(
                                ErrorKind::InvalidValue,
                                args[i].term.span,
                                format!("substring() arguments must be 0 or more, not {n}"),
                            ));
                        }
                    }
                }
            }
            Function::Cast => {
                let target = match constant(1) {
                    Some(Value::Character(t)) => t.value().into_owned(),
                    _ => String::new(),
                };
                if cast_target(&target).is_none() {
                    return Err(Error::new(
                        ErrorKind::InvalidValue,
                        args[1].term.span,
                        format!(
                            "cannot cast to '{target}': the types are 'character', 'decimal' and 'integer'"
                        ),
                    ));
                }
            }
            _ => {}
        }
        let ty = match sig.returns {
            Returns::Fixed(t) => Some(t),
            Returns::CastTarget => match constant(1) {
                Some(Value::Character(t)) => cast_target(&t.value()),
                _ => None,
            },
            Returns::FieldType => args[0].static_type(),
        };
        Ok(Some(Meaning::Field(ty)))
    }
}

/// The constant a value-side term is.
fn constant_of(typed: Typed<'_>) -> PResult<Constant<'_>> {
    match typed.meaning {
        Meaning::Const(value) => Ok(Constant {
            term: typed.term,
            value,
        }),
        // Side::Value rejects fields before they get here.
        Meaning::Field(_) => Err(Error::new(
            ErrorKind::Syntax,
            typed.term.span,
            "expected a value, found a field",
        )),
    }
}

/// A lexed token, or `Tok::Error` with the error kept aside (so that the lookahead is a
/// small copyable value and a lexing error is reported only when the parser reaches it).
#[inline]
fn lexed(r: Result<Token, Error>, slot: &mut Option<Box<Error>>) -> Token {
    match r {
        Ok(t) => t,
        Err(e) => {
            let span = e.span;
            *slot = Some(Box::new(e));
            Token {
                tok: Tok::Error,
                span,
            }
        }
    }
}

fn and_of(mut items: Vec<Expr<'_>>) -> Expr<'_> {
    if items.len() == 1 {
        return items.pop().expect("one item");
    }
    let span = items[0].span.to(items[items.len() - 1].span);
    Expr {
        kind: ExprKind::And { children: items },
        span,
    }
}

fn rhs_span(rhs: &Rhs<'_>) -> Span {
    match rhs {
        Rhs::Single { value } => value.term.span,
        Rhs::List { items } => items[0].term.span.to(items[items.len() - 1].term.span),
        Rhs::Range { low, high } => low.term.span.to(high.term.span),
    }
}

fn literal_value(lit: Lit<'_>) -> (Literal<'_>, Value<'_>) {
    match lit {
        Lit::Character(raw) => (
            Literal::Character(Text::from_source(raw)),
            Value::Character(Text::from_source(raw)),
        ),
        Lit::Integer(i) => (Literal::Integer(i), Value::Integer(i)),
        Lit::Decimal(d) => (Literal::Decimal(d), Value::Decimal(d)),
        Lit::Date(d) => (Literal::Date(d), Value::Date(d)),
        Lit::Time(t) => (Literal::Time(t), Value::Time(t)),
        Lit::DateTime(dt) => (Literal::DateTime(dt), Value::DateTime(dt)),
        Lit::Boolean(b) => (Literal::Boolean(b), Value::Boolean(b)),
        Lit::Null => (Literal::Null, Value::Null),
    }
}

/// Operator and type rules of SPEC section 3 that need no schema.
fn check_comparison(op: Op, op_span: Span, rhs: &Rhs<'_>) -> PResult<()> {
    let value_type = match rhs {
        Rhs::Single { value } => value.value.value_type(),
        Rhs::List { items } => {
            if !op.is_equality() {
                return Err(Error::new(
                    ErrorKind::OperatorNotAllowed,
                    op_span,
                    format!("a list of values takes only Eq or Ne, not {}", op.as_str()),
                ));
            }
            for item in items {
                if let Some(value) = bare_literal(&item.term) {
                    if !matches!(
                        value,
                        Literal::Character(_) | Literal::Integer(_) | Literal::Decimal(_)
                    ) {
                        return Err(Error::new(
                            ErrorKind::Syntax,
                            item.term.span,
                            format!(
                                "a {} cannot be a list item: lists hold characters, integers, decimals and function results",
                                value.value_type().as_str()
                            ),
                        ));
                    }
                }
            }
            unify(items.iter(), "list")?
        }
        Rhs::Range { low, high } => {
            for bound in [low, high] {
                let t = bound.value.value_type();
                if !t.is_ordered() {
                    let hint =
                        unquoted_hint(&bound.value).map_or(String::new(), |h| format!(": {h}"));
                    return Err(Error::new(
                        ErrorKind::TypeMismatch,
                        bound.term.span,
                        format!(
                            "Bt takes numbers, dates, times or datetimes, not {}{hint}",
                            t.as_str()
                        ),
                    ));
                }
            }
            unify([&**low, &**high].into_iter(), "range")?
        }
    };
    if !op.is_equality() && !value_type.is_ordered() {
        // `ListPrice Gt '100000'`: the mistake is the quotes, not the operator.
        if let Rhs::Single { value } = rhs {
            if let Some(hint) = unquoted_hint(&value.value) {
                return Err(Error::new(
                    ErrorKind::TypeMismatch,
                    value.term.span,
                    format!(
                        "{} compares numbers, dates, times and datetimes, and a quoted value is character data: {hint}",
                        op.as_str()
                    ),
                ));
            }
        }
        return Err(Error::new(
            ErrorKind::OperatorNotAllowed,
            op_span,
            format!(
                "{} compares numbers, dates, times and datetimes; a {} value takes only Eq or Ne",
                op.as_str(),
                value_type.as_str()
            ),
        ));
    }
    // The field side's result type is not compared with the value here: the reference
    // accepts `tolower(City) Eq 5`, and the planner, which knows the field's declared type,
    // rejects what cannot match (SPEC 3).
    Ok(())
}

/// "write 100000 without quotes", for a character value that reads as a number, date,
/// time or datetime when unquoted.
fn unquoted_hint(value: &Value<'_>) -> Option<String> {
    let Value::Character(text) = value else {
        return None;
    };
    let text = text.value();
    unquoted_type(&text)
        .filter(|t| t.is_ordered())
        .map(|_| format!("write {text} without quotes"))
}

/// The literal a term is, looking through parentheses: `(true)` is the literal `true`.
fn bare_literal<'t, 'a>(term: &'t Term<'a>) -> Option<&'t Literal<'a>> {
    match &term.kind {
        TermKind::Literal { value } => Some(value),
        TermKind::Paren { term } => bare_literal(term),
        _ => None,
    }
}

fn unify<'c, 'a: 'c>(
    mut items: impl Iterator<Item = &'c Constant<'a>>,
    what: &str,
) -> PResult<ValueType> {
    let Some(first) = items.next() else {
        return Ok(ValueType::Null);
    };
    let mut ty = first.value.value_type();
    for item in items {
        let t = item.value.value_type();
        ty = ty.unify(t).ok_or_else(|| {
            // `1,'2'`: the quotes are the mistake.
            let hint = unquoted_hint(&item.value)
                .filter(|_| {
                    let Value::Character(text) = &item.value else {
                        return false;
                    };
                    unquoted_type(&text.value()).is_some_and(|u| ty.unify(u).is_some())
                })
                .map_or(String::new(), |h| format!(": {h}"));
            Error::new(
                ErrorKind::TypeMismatch,
                item.term.span,
                format!(
                    "type mismatch in {what}: {} after {}{hint}",
                    t.as_str(),
                    ty.as_str()
                ),
            )
        })?;
    }
    Ok(ty)
}

fn misplaced_not(after: After) -> String {
    match after {
        After::And => "'Not' cannot follow 'And': write 'A Not B' or 'A And (Not B)'".into(),
        After::Or => "'Not' cannot follow 'Or': write 'A Or (Not B)'".into(),
        After::Not => "'Not' cannot follow 'Not': write 'Not (Not A)'".into(),
        After::Start => "unexpected 'Not'".into(),
    }
}

fn expected_condition(after: After, found: &str) -> String {
    let after = match after {
        After::Start => {
            return format!("expected a condition such as City Eq 'Fargo', found {found}");
        }
        After::And => "And",
        After::Or => "Or",
        After::Not => "Not",
    };
    format!("expected a condition after '{after}', found {found}")
}

fn field_as_value(text: &str) -> String {
    match text {
        "True" | "TRUE" | "False" | "FALSE" => {
            format!("expected a value, found the field {text}: booleans are written true and false")
        }
        _ => format!(
            "expected a value, found the field {}: fields may appear only on the left of an operator",
            preview(text)
        ),
    }
}

fn unknown_word(word: &str, after: &str) -> String {
    if after.trim_start().starts_with('(') && Function::from_name(word).is_some() {
        return format!("write {word}( with no space before the '('");
    }
    format!(
        "unexpected word '{}': field names start with an uppercase letter and values are quoted",
        preview(word)
    )
}

fn unknown_function(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match Function::from_name(&lower) {
        Some(f) => format!(
            "unknown function '{name}': function names are lowercase, did you mean '{}'?",
            f.name()
        ),
        None => format!("unknown function '{}'", preview(name)),
    }
}
