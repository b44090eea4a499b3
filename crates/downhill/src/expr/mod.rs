//! Expressions: text to syntax tree (with spans), to simplified symbolic form, to derivatives, to tapes.

mod func;
mod num;
mod parser;
mod pool;
mod print;
pub(crate) mod tape;

pub use func::{sign, Func};
pub use parser::{Constant, ParseError, ParseErrorKind, Span, Var, MAX_DEPTH, MAX_LEN};
pub use pool::WORK_BUDGET;

use crate::catalog;
use num::Num;
use parser::{Ast, AstKind, BinOp, CallName};
use pool::{Id, Pool};
use tape::Tape;

/// A function of x and y ready for optimisation: its formula, its symbolic gradient and Hessian, and the
/// compiled tapes that evaluate them.
///
/// ```
/// use downhill::Function;
/// let f = Function::parse("x^2 + 3y^2").unwrap();
/// assert_eq!(f.gradient_text(), ["2*x", "6*y"]);
/// assert_eq!(f.gradient([1.0, 1.0]), [2.0, 6.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Function {
    name: Option<&'static str>,
    source: String,
    ast: Ast,
    pool: Pool,
    f: Id,
    grad: [Id; 2],
    hess: [Id; 3],
    tapes: Tapes,
}

/// The tapes of one function: each evaluates only what its users need.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Tapes {
    /// f
    pub value: Tape,
    /// df/dx, df/dy
    pub gradient: Tape,
    /// f, df/dx, df/dy
    pub value_gradient: Tape,
    /// f, df/dx, df/dy, d2f/dx2, d2f/dxdy, d2f/dy2
    pub full: Tape,
    /// df/dx, df/dy, d2f/dx2, d2f/dxdy, d2f/dy2 (Newton's batches, which need no f)
    pub derivatives: Tape,
}

impl Function {
    /// Parses an expression of x and y.
    pub fn parse(text: &str) -> Result<Function, ParseError> {
        let ast = parser::parse(text)?;
        Function::build(None, text, ast)
    }

    /// A catalog function by name, or else an expression. Errors for a near-miss of a catalog name suggest it.
    pub fn resolve(spec: &str) -> Result<Function, ParseError> {
        if let Some(entry) = catalog::lookup(spec) {
            let ast = parser::parse(entry.formula)?;
            return Function::build(Some(entry.name), entry.formula, ast);
        }
        Function::parse(spec).map_err(|mut e| {
            if let ParseErrorKind::UnknownName { name, suggestion } = &mut e.kind {
                let names: Vec<&str> = catalog::entries().iter().map(|e| e.name).collect();
                if let Some(entry) = catalog::lookup(name) {
                    *suggestion = format!(
                        " ('{}' is a catalog function: its name stands alone, not inside an expression)",
                        entry.name
                    );
                } else if spec.trim() == name.as_str() && name.len() > 2 {
                    if let Some(s) = parser::did_you_mean(name, &names) {
                        *suggestion = format!(" (did you mean the catalog function '{s}'?)");
                    }
                }
            }
            e
        })
    }

    fn build(name: Option<&'static str>, text: &str, ast: Ast) -> Result<Function, ParseError> {
        let mut pool = Pool::new();
        let f = lower(&mut pool, &ast)?;
        let gx = pool.derivative(f, Var::X);
        let gy = pool.derivative(f, Var::Y);
        let hxx = pool.derivative(gx, Var::X);
        let hxy = pool.derivative(gx, Var::Y);
        let hyy = pool.derivative(gy, Var::Y);
        if pool.exhausted() {
            return Err(ParseError {
                kind: ParseErrorKind::TooComplex {
                    budget: pool::WORK_BUDGET,
                },
                span: Span {
                    start: 0,
                    end: text.len(),
                },
            });
        }
        let full = Tape::compile(&pool, &[f, gx, gy, hxx, hxy, hyy]);
        let tapes = Tapes {
            value: full.select(&[0]),
            gradient: full.select(&[1, 2]),
            value_gradient: full.select(&[0, 1, 2]),
            derivatives: full.select(&[1, 2, 3, 4, 5]),
            full,
        };
        Ok(Function {
            name,
            source: text.to_string(),
            ast,
            pool,
            f,
            grad: [gx, gy],
            hess: [hxx, hxy, hyy],
            tapes,
        })
    }

    /// The catalog name, if this is a catalog function.
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// The formula as given (or the catalog's formula text).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The compiled tapes (for this crate's benches and examples; not part of the API).
    #[doc(hidden)]
    pub fn tapes(&self) -> &Tapes {
        &self.tapes
    }

    /// The simplified formula, printed in the input grammar.
    pub fn text(&self) -> String {
        print::to_text(&self.pool, self.f)
    }

    /// The formula as LaTeX.
    pub fn latex(&self) -> String {
        print::to_latex(&self.pool, self.f)
    }

    /// `[df/dx, df/dy]` in the input grammar.
    pub fn gradient_text(&self) -> [String; 2] {
        self.grad.map(|g| print::to_text(&self.pool, g))
    }

    /// `[df/dx, df/dy]` as LaTeX.
    pub fn gradient_latex(&self) -> [String; 2] {
        self.grad.map(|g| print::to_latex(&self.pool, g))
    }

    /// The Hessian `[[fxx, fxy], [fxy, fyy]]` in the input grammar.
    pub fn hessian_text(&self) -> [[String; 2]; 2] {
        let [xx, xy, yy] = self.hess.map(|h| print::to_text(&self.pool, h));
        [[xx, xy.clone()], [xy, yy]]
    }

    /// The Hessian as LaTeX.
    pub fn hessian_latex(&self) -> [[String; 2]; 2] {
        let [xx, xy, yy] = self.hess.map(|h| print::to_latex(&self.pool, h));
        [[xx, xy.clone()], [xy, yy]]
    }

    /// f at a point.
    pub fn value(&self, p: [f64; 2]) -> f64 {
        let mut out = [0.0];
        self.tapes.value.eval(p[0], p[1], &mut Vec::new(), &mut out);
        out[0]
    }

    /// f at a point, using `scratch` as the tape's working space (for evaluating many points).
    pub fn value_with(&self, p: [f64; 2], scratch: &mut Vec<f64>) -> f64 {
        let mut out = [0.0];
        self.tapes.value.eval(p[0], p[1], scratch, &mut out);
        out[0]
    }

    /// The steps of symbolic work it took to differentiate (at most [`WORK_BUDGET`]).
    pub fn symbolic_work(&self) -> u64 {
        self.pool.work()
    }

    /// The gradient at a point.
    pub fn gradient(&self, p: [f64; 2]) -> [f64; 2] {
        let mut out = [0.0; 2];
        self.tapes.gradient.eval(p[0], p[1], &mut Vec::new(), &mut out);
        out
    }

    /// Value and gradient at a point, using `scratch` as the tape's working space.
    pub fn value_gradient_with(&self, p: [f64; 2], scratch: &mut Vec<f64>) -> (f64, [f64; 2]) {
        let mut out = [0.0; 3];
        self.tapes.value_gradient.eval(p[0], p[1], scratch, &mut out);
        (out[0], [out[1], out[2]])
    }

    /// Value, gradient and Hessian at a point.
    pub fn second_order(&self, p: [f64; 2]) -> SecondOrder {
        self.second_order_with(p, &mut Vec::new())
    }

    /// Value, gradient and Hessian at a point, using `scratch` as working space.
    pub fn second_order_with(&self, p: [f64; 2], scratch: &mut Vec<f64>) -> SecondOrder {
        let mut o = [0.0; 6];
        self.tapes.full.eval(p[0], p[1], scratch, &mut o);
        SecondOrder {
            value: o[0],
            gradient: [o[1], o[2]],
            hessian: [[o[3], o[4]], [o[4], o[5]]],
        }
    }

    /// The Hessian at a point.
    pub fn hessian(&self, p: [f64; 2]) -> [[f64; 2]; 2] {
        self.second_order(p).hessian
    }

    /// Where and why the formula stops being a finite number at `p`, if it does: the innermost subexpression
    /// whose operands are finite but whose result is not (`ln` of a negative number, an overflowing `exp`).
    pub fn explain_non_finite(&self, p: [f64; 2]) -> Option<NonFinite> {
        let mut found = None;
        eval_ast(&self.ast, p, &mut found);
        found
    }
}

/// Value, gradient and Hessian at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SecondOrder {
    /// f
    pub value: f64,
    /// [df/dx, df/dy]
    pub gradient: [f64; 2],
    /// [[fxx, fxy], [fxy, fyy]]
    pub hessian: [[f64; 2]; 2],
}

/// A subexpression that is not finite at a point.
#[derive(Clone, Debug, PartialEq)]
pub struct NonFinite {
    /// Where it is in the formula.
    pub span: Span,
    /// What happened ("ln of a negative number (-0.5)").
    pub reason: String,
}

fn eval_ast(ast: &Ast, p: [f64; 2], found: &mut Option<NonFinite>) -> f64 {
    let (v, reason) = match &ast.kind {
        AstKind::Num(n) => return n.value,
        AstKind::Var(Var::X) => return p[0],
        AstKind::Var(Var::Y) => return p[1],
        AstKind::Const(c) => return c.value(),
        AstKind::Neg(a) => return -eval_ast(a, p, found),
        AstKind::Bin(op, a, b) => {
            let (a, b) = (eval_ast(a, p, found), eval_ast(b, p, found));
            if !(a.is_finite() && b.is_finite()) {
                return a + b;
            }
            let v = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Pow => a.powf(b),
            };
            let reason = match op {
                BinOp::Div if b == 0.0 => "division by zero".into(),
                BinOp::Pow if a == 0.0 && b < 0.0 => "zero to a negative power".into(),
                BinOp::Pow if a < 0.0 => format!("a negative number ({}) to a fractional power", short(a)),
                _ => "overflow: the result is too large for a 64-bit float".into(),
            };
            (v, reason)
        }
        AstKind::Call(name, a) => {
            let a = eval_ast(a, p, found);
            if !a.is_finite() {
                return a;
            }
            let (v, fname) = match name {
                CallName::Sqrt => (a.sqrt(), "sqrt"),
                CallName::Func(f) => (f.apply(a), f.name()),
            };
            let reason = match fname {
                "ln" if a == 0.0 => "ln of zero".into(),
                "ln" | "sqrt" => format!("{fname} of a negative number ({})", short(a)),
                "asin" | "acos" => format!("{fname} of a number outside [-1, 1] ({})", short(a)),
                "tan" => "tan at a pole".into(),
                _ => format!("overflow: {fname}({}) is too large for a 64-bit float", short(a)),
            };
            (v, reason)
        }
    };
    if !v.is_finite() && found.is_none() {
        *found = Some(NonFinite { span: ast.span, reason });
    }
    v
}

fn short(v: f64) -> String {
    format!("{}", (v * 1e6).round() / 1e6)
}

/// Lowers the syntax tree into the pool, refusing any part that depends on neither variable and is not a
/// finite number (SymPy's `nan` and `zoo`): simplifying would otherwise make it vanish (`0*ln(0)` is 0,
/// `(1/0) - (1/0)` is 0, `(x-x)/(x-x)` is 1) or leave a function undefined everywhere. Parts are checked
/// innermost first, so the error points at the smallest undefined part.
fn lower(pool: &mut Pool, ast: &Ast) -> Result<Id, ParseError> {
    let id = match &ast.kind {
        AstKind::Num(n) => {
            let num = match n.int {
                Some(i) => Num::int(i),
                None => Num::Float(n.value),
            };
            pool.num(num)
        }
        AstKind::Var(v) => pool.var(*v),
        AstKind::Const(c) => pool.constant(*c),
        AstKind::Neg(a) => {
            let a = lower(pool, a)?;
            pool.neg(a)
        }
        AstKind::Bin(op, a, b) => {
            let (a, b) = (lower(pool, a)?, lower(pool, b)?);
            match op {
                BinOp::Add => pool.add(a, b),
                BinOp::Sub => pool.sub(a, b),
                BinOp::Mul => pool.mul(a, b),
                // A divisor that simplified to 0 ((x-x), sin(0)) or is a constant equal to 0 (0^pi, which
                // stays symbolic): the quotient is undefined everywhere, and the simplifier would take 0
                // times it for 0, or print it as a power of 0 that does not parse back.
                BinOp::Div
                    if pool.as_num(b).is_some_and(Num::is_zero)
                        || (pool.is_constant(b) && pool.constant_value(b) == 0.0) =>
                {
                    return Err(undefined(ast.span, "division by zero".into()));
                }
                BinOp::Div => pool.div(a, b),
                BinOp::Pow => pool.pow(a, b),
            }
        }
        AstKind::Call(CallName::Sqrt, a) => {
            let a = lower(pool, a)?;
            pool.sqrt(a)
        }
        AstKind::Call(CallName::Func(f), a) => {
            let a = lower(pool, a)?;
            pool.call(*f, a)
        }
    };
    if pool.is_constant(id) && !pool.constant_value(id).is_finite() && !pool.exhausted() {
        // The part is the same number at every point: evaluate its syntax at an unremarkable point (where
        // no part such as x/x is undefined by accident) for the innermost cause.
        let mut found = None;
        eval_ast(ast, [0.577_215_664_9, 0.618_033_988_7], &mut found);
        let (span, reason) = match found {
            Some(NonFinite { span, reason }) => (span, reason),
            None => (ast.span, "it is not a finite number".into()),
        };
        return Err(undefined(span, reason));
    }
    Ok(id)
}

fn undefined(span: Span, reason: String) -> ParseError {
    ParseError {
        kind: ParseErrorKind::Undefined(reason),
        span,
    }
}

#[cfg(test)]
mod derivative_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use func::Func;

    fn grad(s: &str) -> [String; 2] {
        Function::parse(s).unwrap().gradient_text()
    }

    #[test]
    fn printed_derivatives_are_short() {
        assert_eq!(grad("x^2 + 3y^2"), ["2*x", "6*y"]);
        assert_eq!(grad("x*y"), ["y", "x"]);
        assert_eq!(grad("sin(3x)")[0], "3*cos(3*x)");
        assert_eq!(grad("exp(-x^2)")[0], "-2*x*exp(-x^2)");
        assert_eq!(grad("ln(x)")[0], "1/x");
        assert_eq!(grad("sqrt(x)")[0], "1/(2*sqrt(x))");
        assert_eq!(grad("1/3*x^3")[0], "x^2");
        assert_eq!(grad("x/y")[1], "-x/y^2");
        assert_eq!(grad("(1-x)^2 + 100*(y-x^2)^2")[1], "200*y - 200*x^2");
    }

    #[test]
    fn peaks_gradient_shares_its_exponentials() {
        let f = Function::resolve("peaks").unwrap();
        assert_eq!(f.tapes().gradient.count_calls(Func::Exp), 3);
        assert_eq!(f.tapes().full.count_calls(Func::Exp), 3);
    }

    #[test]
    fn non_finite_values_are_explained() {
        let f = Function::parse("x + ln(y)").unwrap();
        let e = f.explain_non_finite([1.0, -0.5]).unwrap();
        assert_eq!(e.span, Span { start: 4, end: 9 });
        assert_eq!(e.reason, "ln of a negative number (-0.5)");
        assert!(f.explain_non_finite([1.0, 0.5]).is_none());
        let f = Function::parse("exp(x^2)").unwrap();
        assert!(f
            .explain_non_finite([40.0, 0.0])
            .unwrap()
            .reason
            .starts_with("overflow"));
    }

    /// Parts that are the same non-finite number everywhere are refused where they are, never simplified
    /// away (SymPy gives nan or zoo for each of these).
    #[test]
    fn undefined_parts_stay_undefined_and_are_pointed_at() {
        for (text, at, reason) in [
            ("0/0 + x", "0/0", "division by zero"),
            ("(x-x)/(x-x) + y", "(x-x)/(x-x)", "division by zero"),
            ("0*(1/0) + x", "(1/0)", "division by zero"),
            ("0*ln(0) + x", "ln(0)", "ln of zero"),
            ("ln(0)-ln(0)+x", "ln(0)", "ln of zero"),
            ("(1/0)-(1/0)+x^2", "(1/0)", "division by zero"),
            ("sqrt(-1)*0 + x", "sqrt(-1)", "sqrt of a negative number (-1)"),
            ("x + exp(1000)", "exp(1000)", "overflow"),
            ("x*(-1)^0.5", "(-1)^0.5", "a negative number (-1) to a fractional power"),
            ("ln(x - x) + y", "ln(x - x)", "ln of zero"),
            ("x/sin(0)", "x/sin(0)", "division by zero"),
            ("x^x/(1 - 1)^pi", "x^x/(1 - 1)^pi", "division by zero"),
        ] {
            let e = Function::parse(text).unwrap_err();
            let ParseErrorKind::Undefined(why) = &e.kind else {
                panic!("{text}: {e:?}")
            };
            assert!(why.starts_with(reason), "{text}: {why}");
            assert_eq!(&text[e.span.start..e.span.end], at, "{text}");
        }
        // Defined for every x: x/x is 1 and 0*x is 0, as in SymPy.
        for text in ["x/x + y", "0*x + y", "(x-x)^0 + y", "exp(-1000) + x"] {
            assert!(Function::parse(text).is_ok(), "{text}");
        }
    }

    /// The symbolic work of a function is bounded: a product of many distinct factors, whose Hessian grows
    /// with the cube of their number, is refused with the bound named instead of taking minutes.
    #[test]
    fn symbolic_work_is_bounded() {
        let product = |n: usize| (1..=n).map(|i| format!("(x+{i})")).collect::<Vec<_>>().join("*");
        let small = Function::parse(&product(60)).unwrap();
        assert!(small.symbolic_work() < pool::WORK_BUDGET);
        let e = Function::parse(&product(299)).unwrap_err();
        assert_eq!(
            e.kind,
            ParseErrorKind::TooComplex {
                budget: pool::WORK_BUDGET
            }
        );
        assert_eq!(
            e.span,
            Span {
                start: 0,
                end: product(299).len()
            }
        );
        assert!(e.to_string().contains("10,000,000 steps"), "{e}");
        // The catalog is far inside the budget.
        for entry in catalog::entries() {
            let f = Function::resolve(entry.name).unwrap();
            assert!(f.symbolic_work() < pool::WORK_BUDGET / 100, "{}", entry.name);
        }
    }

    #[test]
    fn a_catalog_name_inside_an_expression_is_not_the_function() {
        for text in ["-peaks", "- peaks", "--peaks", "2*peaks", "peaks-"] {
            assert!(Function::resolve(text).is_err(), "{text}");
        }
        let e = Function::resolve("-peaks").unwrap_err();
        assert!(e.to_string().contains("'peaks' is a catalog function"), "{e}");
        assert_eq!(e.span, Span { start: 1, end: 6 });
        // Separators between words are free; around the name, spaces only.
        assert_eq!(
            Function::resolve(" Six_Hump-camel ").unwrap().name(),
            Some("six-hump-camel")
        );
        assert!(Function::resolve("six--hump-camel").is_err());
    }

    #[test]
    fn catalog_suggestions() {
        let e = Function::resolve("rosenbrok").unwrap_err();
        assert!(
            e.to_string().contains("did you mean the catalog function 'rosenbrock'"),
            "{e}"
        );
    }
}
