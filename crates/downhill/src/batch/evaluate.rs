//! f or its gradient at many points: the batch engine's vector code (machine code where the CPU has it) without
//! the epochs, on every core. For grids of values (the Python package's `f(x, y)`).

use rayon::prelude::*;

use super::evaluator::Evaluator;
use super::lanes::{self, F64x4, Lanes};
use super::program::{Program, Reg, B};
use crate::Function;

/// What [`evaluate`] computes at each point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// f: one column.
    Value,
    /// df/dx and df/dy: two columns.
    Gradient,
}

impl Quantity {
    /// The number of columns.
    pub fn columns(self) -> usize {
        match self {
            Quantity::Value => 1,
            Quantity::Gradient => 2,
        }
    }
}

/// `quantity` of `f` at the points `(x[i], y[i])` in f64, as columns of `x.len()` values each (f; or df/dx
/// and df/dy). The values are the batch engine's: within a few ulps of [`Function::value`] and
/// [`Function::gradient`] (exp's vector form), the same on every run. `x` and `y` have the same length.
pub fn evaluate(f: &Function, quantity: Quantity, x: &[f64], y: &[f64]) -> Vec<Vec<f64>> {
    PointEvaluator::new(f, quantity).evaluate(x, y)
}

/// [`evaluate`] compiled once, for many calls.
#[derive(Debug)]
pub struct PointEvaluator {
    program: Evaluator,
    quantity: Quantity,
    /// Compiled for AVX registers (`avx.rs`: the CPU has AVX2 and FMA), else for arrays.
    avx: bool,
}

impl PointEvaluator {
    /// `quantity` of `f`, compiled for this CPU.
    pub fn new(f: &Function, quantity: Quantity) -> PointEvaluator {
        let tape = match quantity {
            Quantity::Value => &f.tapes().value,
            Quantity::Gradient => &f.tapes().gradient,
        };
        #[cfg(target_arch = "x86_64")]
        if lanes::fast() {
            return PointEvaluator {
                program: Evaluator::new::<super::avx::A64x4>(Program::new(tape)),
                quantity,
                avx: true,
            };
        }
        PointEvaluator {
            program: Evaluator::new::<F64x4>(Program::new(tape)),
            quantity,
            avx: false,
        }
    }

    /// As [`evaluate`]: the columns at the points `(x[i], y[i])`.
    pub fn evaluate(&self, x: &[f64], y: &[f64]) -> Vec<Vec<f64>> {
        assert_eq!(x.len(), y.len(), "evaluate takes as many x as y");
        #[cfg(target_arch = "x86_64")]
        if self.avx {
            return self.evaluate_lanes::<super::avx::A64x4>(x, y);
        }
        self.evaluate_lanes::<F64x4>(x, y)
    }

    fn evaluate_lanes<V: Lanes>(&self, x: &[f64], y: &[f64]) -> Vec<Vec<f64>> {
        let program = &self.program;
        let block = B * V::N;
        // Each column its own zeroed allocation (cloning one would map the zero page, and every write would then
        // fault and flush the other cores' TLBs).
        let mut columns: Vec<Vec<f64>> = (0..self.quantity.columns()).map(|_| vec![0.0; x.len()]).collect();
        let (xs, ys) = (x.par_chunks(block), y.par_chunks(block));
        let regs = || program.registers_for::<V>();
        match columns.as_mut_slice() {
            [a] => a
                .par_chunks_mut(block)
                .zip(xs.zip(ys))
                .for_each_init(regs, |r, (a, (x, y))| run_block(program, r, x, y, &mut [a])),
            [a, b] => a
                .par_chunks_mut(block)
                .zip(b.par_chunks_mut(block))
                .zip(xs.zip(ys))
                .for_each_init(regs, |r, ((a, b), (x, y))| run_block(program, r, x, y, &mut [a, b])),
            _ => unreachable!("a quantity has one or two columns"),
        }
        columns
    }
}

/// One block of points (at most `B * V::N`): the last block's missing lanes repeat its first point.
#[inline(always)]
fn run_block<V: Lanes>(program: &Evaluator, regs: &mut [Reg<V>], x: &[f64], y: &[f64], out: &mut [&mut [f64]]) {
    #[cfg(target_arch = "x86_64")]
    if V::AVX {
        // SAFETY: V is an AVX register type, used only where `fast` found AVX2 and FMA.
        unsafe { run_block_avx2(program, regs, x, y, out) };
        return;
    }
    run_block_portable(program, regs, x, y, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_block_avx2<V: Lanes>(
    program: &Evaluator,
    regs: &mut [Reg<V>],
    x: &[f64],
    y: &[f64],
    out: &mut [&mut [f64]],
) {
    run_block_portable(program, regs, x, y, out);
}

#[inline(always)]
fn run_block_portable<V: Lanes>(
    program: &Evaluator,
    regs: &mut [Reg<V>],
    x: &[f64],
    y: &[f64],
    out: &mut [&mut [f64]],
) {
    let n = x.len();
    let vectors = n.div_ceil(V::N);
    let load = |v: &[f64]| -> Reg<V> {
        let mut r = [V::splat(v[0]); B];
        for (k, lanes) in r.iter_mut().zip(v.chunks(V::N)) {
            if lanes.len() == V::N {
                *k = V::load(lanes);
            } else {
                let mut padded = [v[0]; 8];
                padded[..lanes.len()].copy_from_slice(lanes);
                *k = V::load(&padded[..V::N]);
            }
        }
        r
    };
    let (xr, yr) = (load(x), load(y));
    program.eval_first(regs, &xr, &yr, vectors);
    for (k, column) in out.iter_mut().enumerate() {
        let r = program.output(regs, k);
        for (i, o) in column.iter_mut().enumerate() {
            *o = r[i / V::N].lane(i % V::N);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every point of a ragged grid (not a whole number of blocks) against the single-point evaluation. The
    /// vector code fuses multiplies and adds and has its own exp, so the last bits may differ: within 1e-14 of
    /// the value's size (or of 1 near zero), where the worst seen is 5e-15 (peaks).
    #[test]
    fn evaluates_every_point_like_the_function() {
        for text in ["himmelblau", "peaks", "ln(1 + x^2) * tanh(y) + sqrt(x^2 + 1)"] {
            let f = Function::resolve(text).unwrap();
            let n = 1000;
            let x: Vec<f64> = (0..n).map(|i| -3.0 + 6.0 * i as f64 / n as f64).collect();
            let y: Vec<f64> = (0..n).map(|i| 2.5 - 5.0 * ((i * 7) % n) as f64 / n as f64).collect();
            let values = evaluate(&f, Quantity::Value, &x, &y);
            let gradients = evaluate(&f, Quantity::Gradient, &x, &y);
            assert_eq!((values.len(), gradients.len()), (1, 2));
            let mut worst = 0.0f64;
            for i in 0..n {
                let p = [x[i], y[i]];
                let g = f.gradient(p);
                for (got, want) in [
                    (values[0][i], f.value(p)),
                    (gradients[0][i], g[0]),
                    (gradients[1][i], g[1]),
                ] {
                    let error = (got - want).abs() / want.abs().max(1.0);
                    assert!(error <= 1e-14, "{text} at {p:?}: {got:e} vs {want:e}");
                    worst = worst.max(error);
                }
            }
            eprintln!("{text}: worst relative difference {worst:.1e}");
        }
    }

    #[test]
    fn no_points_no_values() {
        let f = Function::resolve("peaks").unwrap();
        assert_eq!(
            evaluate(&f, Quantity::Gradient, &[], &[]),
            vec![Vec::<f64>::new(), Vec::new()]
        );
    }
}
