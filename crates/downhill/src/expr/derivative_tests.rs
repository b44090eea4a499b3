//! Symbolic derivatives against an independent oracle: forward-mode hyper-dual numbers (`num-dual`) pushed
//! through the compiled *value* tape, at random points of random expressions. Printing then parsing must give
//! back the same function.

use super::tape::Scalar;
use super::{Func, Function};
use num_dual::{DualNum, HyperDual64};
use proptest::prelude::*;

/// A hyper-dual number: its eps1eps2 part carries a second derivative, so three evaluations give the Hessian.
#[derive(Clone, Copy, Debug)]
struct Hd(HyperDual64);

macro_rules! binop {
    ($tr:ident, $m:ident) => {
        impl std::ops::$tr for Hd {
            type Output = Hd;
            fn $m(self, o: Hd) -> Hd {
                Hd(std::ops::$tr::$m(self.0, o.0))
            }
        }
    };
}
binop!(Add, add);
binop!(Sub, sub);
binop!(Mul, mul);
binop!(Div, div);

impl std::ops::Neg for Hd {
    type Output = Hd;
    fn neg(self) -> Hd {
        Hd(-self.0)
    }
}

impl Scalar for Hd {
    fn from_f64(v: f64) -> Hd {
        Hd(HyperDual64::from(v))
    }
    fn sqrt(self) -> Hd {
        Hd(self.0.sqrt())
    }
    fn powf(self, e: f64) -> Hd {
        // Integer powers through powi: num-dual's powf goes through ln, undefined for negative bases.
        if e.fract() == 0.0 && e.abs() < 64.0 {
            Hd(self.0.powi(e as i32))
        } else {
            Hd(self.0.powf(e))
        }
    }
    fn pow(self, e: Hd) -> Hd {
        Hd(self.0.powd(e.0))
    }
    fn call(self, f: Func) -> Hd {
        let v = self.0;
        Hd(match f {
            Func::Exp => v.exp(),
            Func::Ln => v.ln(),
            Func::Abs => {
                if v.re < 0.0 {
                    -v
                } else {
                    v
                }
            }
            Func::Sign => HyperDual64::from(super::sign(v.re)),
            Func::Sin => v.sin(),
            Func::Cos => v.cos(),
            Func::Tan => v.tan(),
            Func::Asin => v.asin(),
            Func::Acos => v.acos(),
            Func::Atan => v.atan(),
            Func::Sinh => v.sinh(),
            Func::Cosh => v.cosh(),
            Func::Tanh => v.tanh(),
        })
    }
}

/// f and its gradient and Hessian from three hyper-dual evaluations of the value tape alone.
fn oracle(f: &Function, p: [f64; 2]) -> (f64, [f64; 2], [[f64; 2]; 2]) {
    let tape = &f.tapes().value;
    let mut slots = Vec::new();
    let mut eval = |dx: [f64; 2], dy: [f64; 2]| {
        let x = Hd(HyperDual64::new(p[0], dx[0], dx[1], 0.0));
        let y = Hd(HyperDual64::new(p[1], dy[0], dy[1], 0.0));
        let mut out = [Hd::from_f64(0.0)];
        tape.eval(x, y, &mut slots, &mut out);
        out[0].0
    };
    let xy = eval([1.0, 0.0], [0.0, 1.0]);
    let xx = eval([1.0, 1.0], [0.0, 0.0]);
    let yy = eval([0.0, 0.0], [1.0, 1.0]);
    (
        xy.re,
        [xy.eps1, xy.eps2],
        [[xx.eps1eps2, xy.eps1eps2], [xy.eps1eps2, yy.eps1eps2]],
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-8 * a.abs().max(b.abs()).max(1.0)
}

/// Random expressions as text, built from every construct of the grammar.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("pi".to_string()),
        Just("e".to_string()),
        (1u32..6).prop_map(|n| n.to_string()),
        (1u32..20).prop_map(|n| format!("{}", n as f64 / 8.0)),
        (1u32..5).prop_map(|n| format!("{n}x")),
    ];
    let funcs = [
        "exp", "ln", "log", "sqrt", "abs", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
    ];
    leaf.prop_recursive(5, 40, 3, move |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) + ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) - ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})*({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})/({b})")),
            (inner.clone(), 2u32..5).prop_map(|(a, n)| format!("({a})^{n}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})^({b})")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("-({a})^2")),
            inner.clone().prop_map(|a| format!("sqrt(({a})^2 + 1)")),
            (inner, 0..funcs.len()).prop_map(move |(a, i)| format!("{}({a})", funcs[i])),
        ]
    })
}

/// A random expression's function, or None when a part of it is a constant that is undefined (`x/(1-1)`,
/// `ln(2-2)`): those are refused, which is right, and nothing else may be.
fn parsed(text: &str) -> Option<Function> {
    match Function::parse(text) {
        Ok(f) => Some(f),
        Err(e) if matches!(e.kind, super::ParseErrorKind::Undefined(_)) => None,
        Err(e) => panic!("{text}: {e}"),
    }
}

/// Points where the oracle and the tapes are finite and moderate: cancellation in huge intermediate values
/// makes any two evaluation orders disagree, which says nothing about the derivative rules.
fn comparable(vals: &[f64]) -> bool {
    vals.iter().all(|v| v.is_finite() && v.abs() < 1e6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn symbolic_gradient_and_hessian_match_dual_numbers(
        text in expression(),
        points in proptest::collection::vec((-1.5f64..1.5, -1.5f64..1.5), 4),
    ) {
        let Some(f) = parsed(&text) else { return Ok(()) };
        for (x, y) in points {
            let p = [x, y];
            let s = f.second_order(p);
            let (v, g, h) = oracle(&f, p);
            let all = [s.value, s.gradient[0], s.gradient[1], s.hessian[0][0], s.hessian[0][1], s.hessian[1][1],
                v, g[0], g[1], h[0][0], h[0][1], h[1][1]];
            if !comparable(&all) {
                continue;
            }
            prop_assert!(close(s.value, v), "{text} at {p:?}: value {} vs {v}", s.value);
            for i in 0..2 {
                prop_assert!(close(s.gradient[i], g[i]), "{text} at {p:?}: gradient {:?} vs {g:?}\nd/dx = {}\nd/dy = {}",
                    s.gradient, f.gradient_text()[0], f.gradient_text()[1]);
                for j in 0..2 {
                    prop_assert!(close(s.hessian[i][j], h[i][j]), "{text} at {p:?}: hessian {:?} vs {h:?}", s.hessian);
                }
            }
        }
    }

    #[test]
    fn printed_functions_and_derivatives_parse_back_to_the_same_values(
        text in expression(),
        points in proptest::collection::vec((-1.5f64..1.5, -1.5f64..1.5), 4),
    ) {
        let Some(f) = parsed(&text) else { return Ok(()) };
        let again = Function::parse(&f.text()).unwrap();
        let [gx, gy] = f.gradient_text();
        // A gradient with an undefined constant part (ln(-pi^2) in the derivative of (-pi^2)^x) is undefined
        // everywhere, and so refused when parsed back.
        let (Some(gx), Some(gy)) = (parsed(&gx), parsed(&gy)) else { return Ok(()) };
        let latex = f.latex();
        prop_assert!(!latex.is_empty());
        for (x, y) in points {
            let p = [x, y];
            let (v, w) = (f.value(p), again.value(p));
            let g = f.gradient(p);
            let (u0, u1) = (gx.value(p), gy.value(p));
            if comparable(&[v, w, g[0], g[1], u0, u1]) {
                prop_assert!(close(v, w), "{text} -> {} at {p:?}: {v} vs {w}", f.text());
                prop_assert!(close(g[0], u0) && close(g[1], u1), "{text} at {p:?}: {g:?} vs [{u0}, {u1}]");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn compiled_batches_equal_the_interpreter_bit_for_bit(
        text in expression(),
        points in proptest::collection::vec((-3.0f64..3.0, -3.0f64..3.0), 16),
    ) {
        let Some(f) = parsed(&text) else { return Ok(()) };
        let points: Vec<[f64; 2]> = points.into_iter().map(|(x, y)| [x, y]).collect();
        let r = crate::batch::compiled_matches_interpreter(&f, &points);
        prop_assert!(r.is_ok(), "{text}: {}", r.unwrap_err());
    }
}

/// Enough of the random cases must be checked at all (not skipped as non-finite) for the tests to mean much.
#[test]
fn random_expressions_are_mostly_finite_where_they_are_checked() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = expression();
    let (mut checked, mut total, mut refused) = (0, 0, 0);
    for _ in 0..300 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        let Some(f) = parsed(&text) else {
            refused += 1;
            continue;
        };
        for p in [[0.3, -0.7], [-1.1, 0.4], [0.9, 1.2]] {
            total += 1;
            let s = f.second_order(p);
            if comparable(&[
                s.value,
                s.gradient[0],
                s.gradient[1],
                s.hessian[0][0],
                s.hessian[0][1],
                s.hessian[1][1],
            ]) {
                checked += 1;
            }
        }
    }
    assert!(checked * 2 > total, "only {checked} of {total} points comparable");
    assert!(refused * 10 < 300, "{refused} of 300 refused as undefined");
}

#[test]
fn hand_derived_gradients() {
    let cases: &[(&str, [f64; 2], [f64; 2])] = &[
        // d/dx x^2 y = 2xy, d/dy = x^2
        ("x^2*y", [1.5, -2.0], [-6.0, 2.25]),
        // d/dx sin(x)cos(y) = cos x cos y, d/dy = -sin x sin y
        (
            "sin(x)*cos(y)",
            [0.3, 0.7],
            [0.3f64.cos() * 0.7f64.cos(), -(0.3f64.sin() * 0.7f64.sin())],
        ),
        // d/dx exp(-(x^2+y^2)) = -2x exp(..)
        (
            "exp(-(x^2+y^2))",
            [0.5, 0.25],
            [-(-0.3125f64).exp(), -0.5 * (-0.3125f64).exp()],
        ),
        // d/dx ln(x^2+y^2) = 2x/(x^2+y^2)
        ("ln(x^2 + y^2)", [3.0, 4.0], [6.0 / 25.0, 8.0 / 25.0]),
        // d/dx x^y = y x^(y-1), d/dy = x^y ln x
        ("x^y", [2.0, 3.0], [12.0, 8.0 * 2f64.ln()]),
    ];
    for (text, p, want) in cases {
        let g = Function::parse(text).unwrap().gradient(*p);
        assert!(
            close(g[0], want[0]) && close(g[1], want[1]),
            "{text}: {g:?} vs {want:?}"
        );
    }
}
