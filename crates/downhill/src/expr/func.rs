//! The functions of the grammar: their names and their values at a point (the derivative rules are in
//! `pool.rs`, the vector forms in `batch/lanes.rs`).

/// A function of the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// e to the power.
    Exp,
    /// Natural logarithm (`ln` and `log`).
    Ln,
    /// Absolute value.
    Abs,
    /// Sign: -1, 0 or 1 (the derivative of `abs`).
    Sign,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Inverse sine.
    Asin,
    /// Inverse cosine.
    Acos,
    /// Inverse tangent.
    Atan,
    /// Hyperbolic sine.
    Sinh,
    /// Hyperbolic cosine.
    Cosh,
    /// Hyperbolic tangent.
    Tanh,
}

impl Func {
    /// Every function, with the name it is printed with.
    pub const ALL: [(Func, &'static str); 13] = [
        (Func::Exp, "exp"),
        (Func::Ln, "ln"),
        (Func::Abs, "abs"),
        (Func::Sign, "sign"),
        (Func::Sin, "sin"),
        (Func::Cos, "cos"),
        (Func::Tan, "tan"),
        (Func::Asin, "asin"),
        (Func::Acos, "acos"),
        (Func::Atan, "atan"),
        (Func::Sinh, "sinh"),
        (Func::Cosh, "cosh"),
        (Func::Tanh, "tanh"),
    ];

    /// The name in the grammar.
    pub fn name(self) -> &'static str {
        Func::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// The function of that name (`log` is `ln`; `sqrt` is not here: it is the power 1/2).
    pub fn from_name(name: &str) -> Option<Func> {
        if name == "log" {
            return Some(Func::Ln);
        }
        Func::ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    /// The function applied to one number.
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Func::Exp => v.exp(),
            Func::Ln => v.ln(),
            Func::Abs => v.abs(),
            Func::Sign => sign(v),
            Func::Sin => v.sin(),
            Func::Cos => v.cos(),
            Func::Tan => v.tan(),
            Func::Asin => v.asin(),
            Func::Acos => v.acos(),
            Func::Atan => v.atan(),
            Func::Sinh => v.sinh(),
            Func::Cosh => v.cosh(),
            Func::Tanh => v.tanh(),
        }
    }
}

/// sign(v) as -1, 0 or 1 (NaN stays NaN), unlike `f64::signum` which gives ±1 at ±0.
pub fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        v * 0.0
    }
}
