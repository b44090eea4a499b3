//! Lexer and Pratt parser for the expression grammar, with a span on every node and every error.
//!
//! ```text
//! expr    := expr ('+' | '-') expr
//!          | expr ('*' | '/') expr
//!          | NUMBER expr              implicit multiplication right after a number: 2x, 3(x+1), x^2y
//!          | ('-' | '+') expr         unary sign: binds tighter than * and /, looser than ^
//!          | expr ('^' | '**') expr   power, right-associative: -x^2 is -(x^2), 2^-x is 2^(-x)
//!          | FUNC '(' expr ')'
//!          | '(' expr ')' | NUMBER | 'x' | 'y' | 'pi' | 'e'
//! NUMBER  := digits ['.' digits] [('e'|'E') ['+'|'-'] digits]  |  '.' digits [...]
//! FUNC    := exp ln log sqrt abs sign sin cos tan asin acos atan sinh cosh tanh      (log is natural)
//! ```
//! Binding powers, loosest first: `+ -` (10), `* /` and implicit multiplication (20), unary sign (25),
//! `^` (30, right-associative). Nesting deeper than [`MAX_DEPTH`] and input longer than [`MAX_LEN`] bytes are
//! errors, so no input can overflow the stack.

use std::fmt;

use super::func::Func;

/// The longest expression accepted, in bytes.
pub const MAX_LEN: usize = 10_000;
/// The deepest nesting of parentheses, signs and powers accepted.
pub const MAX_DEPTH: usize = 100;

/// A byte range `start..end` in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    fn to(self, other: Span) -> Span {
        Span::new(self.start, other.end)
    }
}

/// The two variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// x
    X,
    /// y
    Y,
}

/// Named constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Constant {
    /// π
    Pi,
    /// Euler's number
    E,
}

impl Constant {
    /// Its value.
    pub fn value(self) -> f64 {
        match self {
            Constant::Pi => std::f64::consts::PI,
            Constant::E => std::f64::consts::E,
        }
    }
}

/// A number as written: integers are kept exact so that `1/3` stays a rational.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NumLit {
    /// The value.
    pub value: f64,
    /// The exact value when the literal is an integer that fits.
    pub int: Option<i64>,
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// +
    Add,
    /// -
    Sub,
    /// *
    Mul,
    /// /
    Div,
    /// ^
    Pow,
}

/// A parsed expression node with the span of the text it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Ast {
    /// What it is.
    pub kind: AstKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of syntax node.
#[derive(Clone, Debug, PartialEq)]
pub enum AstKind {
    /// A number.
    Num(NumLit),
    /// x or y.
    Var(Var),
    /// pi or e.
    Const(Constant),
    /// Unary minus.
    Neg(Box<Ast>),
    /// A binary operation.
    Bin(BinOp, Box<Ast>, Box<Ast>),
    /// A function applied to its argument; `sqrt` is kept as a call of its own until lowering.
    Call(CallName, Box<Ast>),
}

/// A called function: one of [`Func`] or `sqrt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallName {
    /// A function with a derivative rule of its own.
    Func(Func),
    /// Square root, lowered to the power 1/2.
    Sqrt,
}

/// What went wrong while parsing.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseErrorKind {
    /// Nothing to parse.
    #[error("the expression is empty")]
    Empty,
    /// A character that is not part of the grammar.
    #[error("unexpected character '{ch}'{hint}")]
    UnexpectedChar {
        /// The character.
        ch: char,
        /// A suggestion, starting with "; " or empty.
        hint: String,
    },
    /// A number that cannot be read.
    #[error("malformed number '{}'", echo(.0))]
    BadNumber(String),
    /// A number beyond the range of f64.
    #[error("the number '{}' is too large for a 64-bit float", echo(.0))]
    NumberTooLarge(String),
    /// An operand is missing.
    #[error("expected an expression {0}")]
    ExpectedExpression(String),
    /// A `(` never closed.
    #[error("unbalanced parenthesis: this '(' is never closed")]
    UnclosedParen,
    /// A `)` with no `(`.
    #[error("unbalanced parenthesis: this ')' has no matching '('")]
    UnmatchedClose,
    /// Two operands next to each other.
    #[error("expected an operator before this (write '*' to multiply)")]
    MissingOperator,
    /// A function name not followed by `(`.
    #[error("expected '(' after the function name '{}'", echo(.0))]
    FunctionNeedsParen(String),
    /// An unknown function.
    #[error("unknown function '{}'{suggestion}", echo(name))]
    UnknownFunction {
        /// The name written.
        name: String,
        /// " (did you mean 'exp'?)" or empty.
        suggestion: String,
    },
    /// An unknown variable or name.
    #[error("unknown name '{}'{suggestion}", echo(name))]
    UnknownName {
        /// The name written.
        name: String,
        /// A hint or empty.
        suggestion: String,
    },
    /// Too deeply nested.
    #[error("the expression is nested too deeply (more than {MAX_DEPTH} levels)")]
    TooDeep,
    /// Too long.
    #[error("the expression is too long ({0} bytes; at most {MAX_LEN})")]
    TooLong(usize),
    /// A part that depends on neither variable and is not a finite number (`0/0`, `ln(0)`, `sqrt(-1)`,
    /// `exp(1000)`): undefined wherever the function is evaluated, so it is refused, not simplified away.
    #[error("this part is undefined: {0}")]
    Undefined(String),
    /// Differentiating the expression would take more symbolic work than the budget allows.
    #[error(
        "the expression is too large to differentiate: its gradient and Hessian need more than {} steps of \
         symbolic work (products of many distinct factors grow fastest); simplify it",
        grouped(*.budget)
    )]
    TooComplex {
        /// The work budget that was exceeded.
        budget: u64,
    },
}

/// A parse error: what and where.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Where, as a byte range of the source.
    pub span: Span,
}

/// Text from the input as a message shows it: whole up to 40 characters, else its start, an ellipsis and
/// its length (an unknown name can be 10,000 characters long).
fn echo(text: &str) -> String {
    let n = text.chars().count();
    if n <= 40 {
        text.to_string()
    } else {
        format!("{}… ({n} characters)", text.chars().take(24).collect::<String>())
    }
}

/// A count with thousands separators: 4,000,000.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn err<T>(kind: ParseErrorKind, span: Span) -> Result<T, ParseError> {
    Err(ParseError { kind, span })
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(NumLit),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(_) => "a number".into(),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Star => "'*'".into(),
            Tok::Slash => "'/'".into(),
            Tok::Caret => "'^'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::End => "the end".into(),
        }
    }
}

fn lex(src: &str) -> Result<Vec<(Tok, Span)>, ParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        let start = i;
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let (lit, end) = lex_number(src, i)?;
            out.push((Tok::Num(lit), Span::new(start, end)));
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut end = i;
            while end < src.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            out.push((Tok::Ident(src[i..end].to_string()), Span::new(start, end)));
            i = end;
            continue;
        }
        let (tok, len) = match c {
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '*' if bytes.get(i + 1) == Some(&b'*') => (Tok::Caret, 2),
            '*' => (Tok::Star, 1),
            '/' => (Tok::Slash, 1),
            '^' => (Tok::Caret, 1),
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            _ => {
                let hint = match c {
                    '−' | '–' => "; use '-' for minus",
                    '×' | '·' => "; use '*' to multiply",
                    '÷' => "; use '/' to divide",
                    '|' => "; use abs(...) for an absolute value",
                    '[' | ']' | '{' | '}' => "; use parentheses ( ) for grouping",
                    '=' => "; write only the function of x and y, without '=' or 'f(x,y) ='",
                    ',' => "; functions take one argument, and decimals use '.'",
                    'π' => "; write pi",
                    _ => "",
                };
                return err(
                    ParseErrorKind::UnexpectedChar {
                        ch: c,
                        hint: hint.to_string(),
                    },
                    Span::new(start, start + c.len_utf8()),
                );
            }
        };
        out.push((tok, Span::new(start, start + len)));
        i += len;
    }
    out.push((Tok::End, Span::new(src.len(), src.len())));
    Ok(out)
}

fn lex_number(src: &str, start: usize) -> Result<(NumLit, usize), ParseError> {
    let b = src.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    let mut integer = true;
    if i < b.len() && b[i] == b'.' {
        integer = false;
        i = digits(i + 1);
    }
    // An exponent only when digits follow, so `2e` is 2*e and `2exp(x)` is 2*exp(x).
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            integer = false;
            i = digits(j);
        }
    }
    let text = &src[start..i];
    let span = Span::new(start, i);
    if i < b.len() && b[i] == b'.' {
        return err(
            ParseErrorKind::BadNumber(src[start..=i].to_string()),
            Span::new(start, i + 1),
        );
    }
    let value: f64 = text.parse().map_err(|_| ParseError {
        kind: ParseErrorKind::BadNumber(text.into()),
        span,
    })?;
    if !value.is_finite() {
        return err(ParseErrorKind::NumberTooLarge(text.into()), span);
    }
    let int = if integer { text.parse::<i64>().ok() } else { None };
    Ok((NumLit { value, int }, i))
}

const VARIABLE_NAMES: [&str; 4] = ["x", "y", "pi", "e"];

/// Parses an expression of the grammar in the module documentation.
pub fn parse(src: &str) -> Result<Ast, ParseError> {
    if src.len() > MAX_LEN {
        return err(ParseErrorKind::TooLong(src.len()), Span::new(MAX_LEN, src.len()));
    }
    let toks = lex(src)?;
    if toks.len() == 1 {
        return err(ParseErrorKind::Empty, Span::new(0, src.len()));
    }
    let mut p = Parser { toks, pos: 0, depth: 0 };
    let ast = p.expr(0, None)?;
    let (tok, span) = p.peek().clone();
    match tok {
        Tok::End => Ok(ast),
        Tok::RParen => err(ParseErrorKind::UnmatchedClose, span),
        _ => err(ParseErrorKind::MissingOperator, span),
    }
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    depth: usize,
}

const BP_ADD: u8 = 10;
const BP_MUL: u8 = 20;
const BP_UNARY: u8 = 25;
const BP_POW: u8 = 30;

impl Parser {
    fn peek(&self) -> &(Tok, Span) {
        &self.toks[self.pos]
    }

    fn next(&mut self) -> (Tok, Span) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn prev_is_number(&self) -> bool {
        self.pos > 0 && matches!(self.toks[self.pos - 1].0, Tok::Num(_))
    }

    /// Parses an expression whose operators bind at least as tightly as `min_bp`. `after` names the operator
    /// this operand follows, for the "expected an expression after '+'" message.
    fn expr(&mut self, min_bp: u8, after: Option<(&str, Span)>) -> Result<Ast, ParseError> {
        self.depth += 1;
        // The outermost expression is not nested in anything: MAX_DEPTH levels inside it are allowed.
        if self.depth > MAX_DEPTH + 1 {
            return err(ParseErrorKind::TooDeep, self.peek().1);
        }
        let mut lhs = self.prefix(after)?;
        loop {
            let (tok, span) = self.peek().clone();
            let (op, lbp, rbp) = match tok {
                Tok::Plus => (BinOp::Add, BP_ADD, BP_ADD + 1),
                Tok::Minus => (BinOp::Sub, BP_ADD, BP_ADD + 1),
                Tok::Star => (BinOp::Mul, BP_MUL, BP_MUL + 1),
                Tok::Slash => (BinOp::Div, BP_MUL, BP_MUL + 1),
                Tok::Caret => (BinOp::Pow, BP_POW + 1, BP_POW),
                Tok::Ident(_) | Tok::LParen | Tok::Num(_) if self.prev_is_number() => {
                    // Implicit multiplication right after a number: 2x, 3(x+1), x^2y.
                    if BP_MUL < min_bp {
                        break;
                    }
                    if matches!(tok, Tok::Num(_)) {
                        return err(ParseErrorKind::MissingOperator, span);
                    }
                    let rhs = self.expr(BP_MUL + 1, None)?;
                    let whole = lhs.span.to(rhs.span);
                    lhs = Ast {
                        kind: AstKind::Bin(BinOp::Mul, Box::new(lhs), Box::new(rhs)),
                        span: whole,
                    };
                    continue;
                }
                _ => break,
            };
            if lbp < min_bp {
                break;
            }
            self.next();
            let symbol = if op == BinOp::Pow { "^" } else { op_symbol(op) };
            let rhs = self.expr(rbp, Some((symbol, span)))?;
            let whole = lhs.span.to(rhs.span);
            lhs = Ast {
                kind: AstKind::Bin(op, Box::new(lhs), Box::new(rhs)),
                span: whole,
            };
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn prefix(&mut self, after: Option<(&str, Span)>) -> Result<Ast, ParseError> {
        let (tok, span) = self.next();
        match tok {
            Tok::Num(n) => Ok(Ast {
                kind: AstKind::Num(n),
                span,
            }),
            Tok::Minus | Tok::Plus => {
                let sym = if tok == Tok::Minus { "-" } else { "+" };
                let operand = self.expr(BP_UNARY, Some((sym, span)))?;
                let whole = span.to(operand.span);
                if tok == Tok::Plus {
                    return Ok(Ast {
                        kind: operand.kind,
                        span: whole,
                    });
                }
                Ok(Ast {
                    kind: AstKind::Neg(Box::new(operand)),
                    span: whole,
                })
            }
            Tok::LParen => {
                let inner = self.expr(0, Some(("(", span)))?;
                let (close, cspan) = self.peek().clone();
                match close {
                    Tok::RParen => {
                        self.next();
                        Ok(Ast {
                            kind: inner.kind,
                            span: span.to(cspan),
                        })
                    }
                    Tok::End => err(ParseErrorKind::UnclosedParen, span),
                    _ => err(ParseErrorKind::MissingOperator, cspan),
                }
            }
            Tok::Ident(name) => self.ident(name, span),
            Tok::RParen if after.is_none() && self.pos <= 1 => err(ParseErrorKind::UnmatchedClose, span),
            Tok::End | Tok::RParen | Tok::Star | Tok::Slash | Tok::Caret => {
                let what = match after {
                    Some(("(", _)) if tok == Tok::RParen => "inside '()'".to_string(),
                    Some((op, _)) => format!("after '{op}'"),
                    None => format!("before {}", tok.describe()),
                };
                // Point at the operator that is missing its operand when the input simply ended.
                let at = match (tok, after) {
                    (Tok::End, Some((_, op_span))) => op_span,
                    _ => span,
                };
                err(ParseErrorKind::ExpectedExpression(what), at)
            }
        }
    }

    fn ident(&mut self, name: String, span: Span) -> Result<Ast, ParseError> {
        match name.as_str() {
            "x" => {
                return Ok(Ast {
                    kind: AstKind::Var(Var::X),
                    span,
                })
            }
            "y" => {
                return Ok(Ast {
                    kind: AstKind::Var(Var::Y),
                    span,
                })
            }
            "pi" => {
                return Ok(Ast {
                    kind: AstKind::Const(Constant::Pi),
                    span,
                })
            }
            "e" => {
                return Ok(Ast {
                    kind: AstKind::Const(Constant::E),
                    span,
                })
            }
            _ => {}
        }
        let call = if name == "sqrt" {
            Some(CallName::Sqrt)
        } else {
            Func::from_name(&name).map(CallName::Func)
        };
        let followed_by_paren = matches!(self.peek().0, Tok::LParen);
        match (call, followed_by_paren) {
            (Some(call), true) => {
                let (_, open) = self.next();
                let arg = self.expr(0, Some(("(", open)))?;
                let (close, cspan) = self.peek().clone();
                match close {
                    Tok::RParen => {
                        self.next();
                        Ok(Ast {
                            kind: AstKind::Call(call, Box::new(arg)),
                            span: span.to(cspan),
                        })
                    }
                    Tok::End => err(ParseErrorKind::UnclosedParen, open),
                    _ => err(ParseErrorKind::MissingOperator, cspan),
                }
            }
            (Some(_), false) => err(ParseErrorKind::FunctionNeedsParen(name), span),
            (None, true) => {
                let mut names: Vec<&str> = Func::ALL.iter().map(|(_, n)| *n).collect();
                names.extend(["sqrt", "log"]);
                let suggestion = did_you_mean(&name, &names)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                err(ParseErrorKind::UnknownFunction { name, suggestion }, span)
            }
            (None, false) => {
                let suggestion = if name.len() > 1 && name.chars().all(|c| c == 'x' || c == 'y') {
                    let spaced: Vec<String> = name.chars().map(String::from).collect();
                    format!(" (write '{}' for a product)", spaced.join("*"))
                } else if let Some(s) = did_you_mean(&name, &VARIABLE_NAMES) {
                    format!(" (did you mean '{s}'?)")
                } else {
                    " (the variables are x and y; the constants pi and e)".to_string()
                };
                err(ParseErrorKind::UnknownName { name, suggestion }, span)
            }
        }
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Pow => "^",
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = if word.len() <= 3 { 1 } else { 2 };
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl fmt::Display for Ast {
    /// Fully parenthesised form, for debugging and tests of precedence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            AstKind::Num(n) => write!(f, "{}", n.value),
            AstKind::Var(Var::X) => write!(f, "x"),
            AstKind::Var(Var::Y) => write!(f, "y"),
            AstKind::Const(Constant::Pi) => write!(f, "pi"),
            AstKind::Const(Constant::E) => write!(f, "e"),
            AstKind::Neg(a) => write!(f, "(-{a})"),
            AstKind::Bin(op, a, b) => write!(f, "({a} {} {b})", op_symbol(*op)),
            AstKind::Call(CallName::Sqrt, a) => write!(f, "sqrt({a})"),
            AstKind::Call(CallName::Func(func), a) => write!(f, "{}({a})", func.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse(s).unwrap().to_string()
    }

    fn e(s: &str) -> ParseError {
        parse(s).unwrap_err()
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(p("-x^2"), "(-(x ^ 2))");
        assert_eq!(p("2^3^2"), "(2 ^ (3 ^ 2))");
        assert_eq!(p("1-2-3"), "((1 - 2) - 3)");
        assert_eq!(p("x**2"), "(x ^ 2)");
        assert_eq!(p("2^-x"), "(2 ^ (-x))");
        assert_eq!(p("-x*y"), "((-x) * y)");
        assert_eq!(p("8/2/2"), "((8 / 2) / 2)");
    }

    #[test]
    fn implicit_multiplication_after_numbers() {
        assert_eq!(p("2x"), "(2 * x)");
        assert_eq!(p("3y^2"), "(3 * (y ^ 2))");
        assert_eq!(p("sin(3x)"), "sin((3 * x))");
        assert_eq!(p("3(x+1)"), "(3 * (x + 1))");
        assert_eq!(p("-2x"), "((-2) * x)");
        assert_eq!(p("2exp(x)"), "(2 * exp(x))");
        assert_eq!(p("2e"), "(2 * e)");
        assert_eq!(p("2e3"), "2000");
        assert_eq!(p("x^2y"), "((x ^ 2) * y)");
        assert_eq!(p(".5x"), "(0.5 * x)");
    }

    #[test]
    fn errors_say_what_and_where() {
        let x = e("x +");
        assert_eq!(x.kind.to_string(), "expected an expression after '+'");
        assert_eq!(x.span, Span::new(2, 3));
        let x = e("exq(x)");
        assert_eq!(x.kind.to_string(), "unknown function 'exq' (did you mean 'exp'?)");
        assert_eq!(x.span, Span::new(0, 3));
        let x = e("(x + 1");
        assert_eq!(x.kind.to_string(), "unbalanced parenthesis: this '(' is never closed");
        assert_eq!(x.span, Span::new(0, 1));
        let x = e("x + 1)");
        assert_eq!(x.kind, ParseErrorKind::UnmatchedClose);
        assert_eq!(x.span, Span::new(5, 6));
        assert_eq!(e("x y").kind, ParseErrorKind::MissingOperator);
        assert_eq!(e("").kind, ParseErrorKind::Empty);
        assert_eq!(e("  ").kind, ParseErrorKind::Empty);
        assert!(e("z + 1").kind.to_string().starts_with("unknown name 'z'"));
        assert!(e("xy").kind.to_string().contains("'x*y'"));
        assert!(matches!(e("sin x").kind, ParseErrorKind::FunctionNeedsParen(_)));
        assert!(matches!(
            e("x @ 2").kind,
            ParseErrorKind::UnexpectedChar { ch: '@', .. }
        ));
        assert_eq!(e("x + * 2").span, Span::new(4, 5));
        assert!(matches!(e("1.2.3").kind, ParseErrorKind::BadNumber(_)));
        assert!(matches!(e("()").kind, ParseErrorKind::ExpectedExpression(_)));
        assert!(matches!(e("1e999").kind, ParseErrorKind::NumberTooLarge(_)));
    }

    #[test]
    fn unicode_input_gets_a_hint_and_a_char_span() {
        let x = e("x − y");
        assert_eq!(x.span, Span::new(2, 5));
        assert!(x.kind.to_string().contains("use '-'"));
    }

    #[test]
    fn deep_and_long_input_are_errors_not_crashes() {
        let deep = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(e(&deep).kind, ParseErrorKind::TooLong(_)));
        let deep = format!("{}x{}", "(".repeat(2_000), ")".repeat(2_000));
        assert_eq!(e(&deep).kind, ParseErrorKind::TooDeep);
        // Exactly MAX_DEPTH levels are allowed, one more is not.
        let nested = |n: usize| format!("{}x{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(e(&nested(MAX_DEPTH + 1)).kind, ParseErrorKind::TooDeep);
        assert!(parse(&format!("{}x", "-".repeat(MAX_DEPTH))).is_ok());
        assert_eq!(
            e(&format!("{}x", "-".repeat(MAX_DEPTH + 1))).kind,
            ParseErrorKind::TooDeep
        );
        assert_eq!(e(&"-".repeat(500)).kind, ParseErrorKind::TooDeep);
        assert_eq!(e(&"x^".repeat(300)).kind, ParseErrorKind::TooDeep);
        // Long but flat input is fine.
        assert!(parse("x+".repeat(2000).trim_end_matches('+')).is_ok());
    }
}
