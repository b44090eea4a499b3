//! The reference job of DESIGN.md section 6 in the batched engine: `cargo bench -p downhill --bench batch`.
//! peaks, plain gradient descent, lr 0.01, 1000 steps, a square grid of starts on [-3,3]², no early stop.
//! Prints nanoseconds per point-step (best of 3), for f64 and f32 lanes, from the catalog name and from the
//! typed formula, and for a hand-fused peer: peaks' gradient derived by hand and written with the same lane
//! vectors and exp, the whole 1000 steps of a block of starts in one compiled loop. The peer shows what the
//! hardware allows this algorithm; the engine's end points are checked against it.

use std::time::Instant;

use downhill::batch::internals::{Evaluator, F32x8, F64x4, Lanes, Program, Reg, B};
use downhill::batch::{machine_code, run_batch, BatchConfig, Control, Precision};
use downhill::{Function, OptimizerSpec, Schedule};
use rayon::prelude::*;

/// The reference job's settings: plain gradient descent, lr 0.01, constant, no early stop.
fn reference_job(epochs: u64, precision: Precision) -> BatchConfig {
    BatchConfig {
        epochs,
        learning_rate: 0.01,
        schedule: Schedule::Constant,
        training: downhill::optim::TrainingLoop::default(),
        ascent: false,
        gtol: None,
        spec: OptimizerSpec::gd(),
        precision,
        bounds: None,
    }
}

/// Vectors per block of the hand-fused peer (their x and y stay in L1 for all the steps).
const VECTORS: usize = 32;

/// Peaks' gradient by hand: with E1 = e^(-x²-(y+1)²), E2 = e^(-x²-y²), E3 = e^(-(x+1)²-y²) and
/// P = x/5 - x³ - y⁵,
/// df/dx = -6 E1 (1-x) (1 + x (1-x)) - E2 (2 - 30x² - 20 x P) + (2/3) E3 (x+1),
/// df/dy = -6 E1 (1-x)² (y+1) + E2 (50 y⁴ + 20 y P) + (2/3) E3 y.
#[inline(always)]
fn peaks_gradient<V: Lanes>(x: V, y: V) -> (V, V) {
    let c = V::splat;
    let (x2, y2) = (x * x, y * y);
    let (xp1, yp1) = (x + c(1.0), y + c(1.0));
    let e1 = (-(x2 + yp1 * yp1)).exp();
    let e2 = (-(x2 + y2)).exp();
    let e3 = (-(xp1 * xp1 + y2)).exp();
    let one_minus_x = c(1.0) - x;
    let p = x * c(0.2) - x2 * x - y2 * y2 * y;
    let gx = c(-6.0) * e1 * one_minus_x * (c(1.0) + x * one_minus_x) - e2 * (c(2.0) - c(30.0) * x2 - c(20.0) * x * p)
        + c(2.0 / 3.0) * e3 * xp1;
    let gy = c(-6.0) * e1 * one_minus_x * one_minus_x * yp1
        + e2 * (c(50.0) * y2 * y2 + c(20.0) * y * p)
        + c(2.0 / 3.0) * e3 * y;
    (gx, gy)
}

/// The reference job by the hand-fused peer; returns the end points. Like the engine, it runs on AVX
/// registers compiled for AVX2 with FMA where the CPU has them, else on the portable lane arrays.
fn hand_fused(precision: Precision, starts: &[[f64; 2]], steps: u64, lr: f64) -> Vec<[f64; 2]> {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        use downhill::batch::internals::{A32x8, A64x4};
        return match precision {
            Precision::F64 => hand_fused_with::<A64x4>(starts, steps, lr, true),
            Precision::F32 => hand_fused_with::<A32x8>(starts, steps, lr, true),
        };
    }
    match precision {
        Precision::F64 => hand_fused_with::<F64x4>(starts, steps, lr, false),
        Precision::F32 => hand_fused_with::<F32x8>(starts, steps, lr, false),
    }
}

fn hand_fused_with<V: Lanes>(starts: &[[f64; 2]], steps: u64, lr: f64, avx2: bool) -> Vec<[f64; 2]> {
    let block = VECTORS * V::N;
    let mut ends = vec![[0.0; 2]; starts.len()];
    ends.par_chunks_mut(block)
        .zip(starts.par_chunks(block))
        .for_each(|(ends, chunk)| {
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: `hand_fused` checked that the CPU has AVX2 and FMA.
                unsafe { fused_block_avx2::<V>(ends, chunk, steps, lr) };
                return;
            }
            let _ = avx2;
            fused_block::<V>(ends, chunk, steps, lr);
        });
    ends
}

/// [`fused_block`] compiled for AVX2 with FMA.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fused_block_avx2<V: Lanes>(ends: &mut [[f64; 2]], chunk: &[[f64; 2]], steps: u64, lr: f64) {
    fused_block::<V>(ends, chunk, steps, lr);
}

/// Every step of one block of starts in one loop.
#[inline(always)]
fn fused_block<V: Lanes>(ends: &mut [[f64; 2]], chunk: &[[f64; 2]], steps: u64, lr: f64) {
    let at = |i: usize, c: usize| chunk.get(i).map_or(0.0, |p| p[c]);
    let load = |c: usize| -> [V; VECTORS] {
        std::array::from_fn(|k| V::load(&(0..V::N).map(|j| at(k * V::N + j, c)).collect::<Vec<_>>()))
    };
    let (mut xs, mut ys) = (load(0), load(1));
    let step = V::splat(-lr);
    for _ in 0..steps {
        for k in 0..VECTORS {
            let (gx, gy) = peaks_gradient(xs[k], ys[k]);
            xs[k] = gx.mul_add(step, xs[k]);
            ys[k] = gy.mul_add(step, ys[k]);
        }
    }
    for (i, e) in ends.iter_mut().enumerate() {
        *e = [xs[i / V::N].lane(i % V::N), ys[i / V::N].lane(i % V::N)];
    }
}

/// The engine's gradient evaluation alone (what the compiled code does), `steps` times over the same points,
/// block after block as the engine goes: the part of a step that is not the update.
fn gradient_only<V: Lanes>(f: &Function, starts: &[[f64; 2]], steps: u64) {
    let program = Evaluator::new::<V>(Program::new(&f.tapes().gradient));
    let mut regs = program.registers_for::<V>();
    let block = B * V::N;
    let blocks: Vec<(Reg<V>, Reg<V>)> = starts
        .chunks(block)
        .map(|chunk| {
            let lanes = |c: usize| -> Reg<V> {
                std::array::from_fn(|k| {
                    V::load(
                        &(0..V::N)
                            .map(|j| chunk.get(k * V::N + j).map_or(0.0, |p| p[c]))
                            .collect::<Vec<_>>(),
                    )
                })
            };
            (lanes(0), lanes(1))
        })
        .collect();
    for (x, y) in &blocks {
        // The positions stay in the input registers, as in the engine's gradient descent (no copy per step).
        program.eval(&mut regs, x, y);
        for _ in 1..steps {
            program.eval_in_place(&mut regs, B);
        }
        std::hint::black_box(program.output(&regs, 0));
    }
}

/// With DOWNHILL_BENCH_CORE set: one core, a few blocks of starts, the fastest of 200 runs (on a shared machine
/// the minimum of many short runs is the steadiest figure), for comparing code changes.
fn per_core() {
    let at = |i: usize| -3.0 + 6.0 * i as f64 / 31.0;
    let starts: Vec<[f64; 2]> = (0..1024).map(|i| [at(i % 32), at(i / 32)]).collect();
    let f = Function::resolve("peaks").unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let steps = 200u64;
    let fastest = |job: &(dyn Fn() + Sync)| {
        (0..200)
            .map(|_| {
                let t = Instant::now();
                pool.install(job);
                t.elapsed().as_secs_f64() * 1e9 / (starts.len() as f64 * steps as f64)
            })
            .fold(f64::INFINITY, f64::min)
    };
    for precision in [Precision::F64, Precision::F32] {
        let config = reference_job(steps, precision);
        let engine = fastest(&|| {
            std::hint::black_box(run_batch(&f, &starts, &config, &Control::NONE));
        });
        let hand = fastest(&|| {
            std::hint::black_box(hand_fused(precision, &starts, steps, 0.01));
        });
        let kernel = match precision {
            Precision::F64 => fastest(&|| gradient_only::<F64x4>(&f, &starts, steps)),
            Precision::F32 => fastest(&|| gradient_only::<F32x8>(&f, &starts, steps)),
        };
        println!(
            "one core, {precision:?}: engine {engine:.3} ns per point-step, hand-fused {hand:.3}, \
             gradient alone {kernel:.3}"
        );
    }
}

fn main() {
    if std::env::var("DOWNHILL_BENCH_CORE").is_ok() {
        return per_core();
    }
    let side: usize = std::env::var("DOWNHILL_BENCH_SIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512);
    let steps = 1000u64;
    let at = |i: usize| -3.0 + 6.0 * i as f64 / (side - 1) as f64;
    let starts: Vec<[f64; 2]> = (0..side * side).map(|i| [at(i % side), at(i / side)]).collect();
    let typed = "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)";
    // With DOWNHILL_JIT=0 the engine interprets its register code, with DOWNHILL_JIT=avx2 it runs AVX2 code on a
    // CPU with AVX-512: only the catalog rows, labelled so.
    let only = match std::env::var("DOWNHILL_JIT").as_deref() {
        Ok("0") => {
            downhill::batch::set_machine_code(downhill::batch::MachineCode::Off);
            Some("interpreter")
        }
        Ok("avx2") => {
            downhill::batch::set_machine_code(downhill::batch::MachineCode::Avx2);
            Some("AVX2 code")
        }
        _ => None,
    };
    println!(
        "reference job: {side}x{side} starts, {steps} steps, {} threads, {}",
        rayon::current_num_threads(),
        machine_code()
    );
    let rows = if let Some(what) = only {
        vec![
            (format!("peaks (catalog, {what}), f64"), "peaks", Precision::F64),
            (format!("peaks (catalog, {what}), f32"), "peaks", Precision::F32),
        ]
    } else {
        vec![
            ("peaks (catalog), f64".to_string(), "peaks", Precision::F64),
            ("peaks (typed formula), f64".to_string(), typed, Precision::F64),
            ("peaks (catalog), f32".to_string(), "peaks", Precision::F32),
            ("peaks (typed formula), f32".to_string(), typed, Precision::F32),
        ]
    };
    // One untimed run first: the first in a process pays for the thread pool and fresh pages, and came out
    // 10-25% slower than the identical code run later.
    let warm = reference_job(100, Precision::F64);
    std::hint::black_box(run_batch(
        &Function::resolve("peaks").unwrap(),
        &starts,
        &warm,
        &Control::NONE,
    ));
    for (label, spec, precision) in rows {
        let f = Function::resolve(spec).unwrap();
        let config = reference_job(steps, precision);
        let best = (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(run_batch(&f, &starts, &config, &Control::NONE));
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        report(&label, best * 1e9 / (starts.len() as f64 * steps as f64));
    }
    if only.is_some() {
        return;
    }
    for (label, precision) in [
        ("hand-fused peaks gradient, f64", Precision::F64),
        ("hand-fused peaks gradient, f32", Precision::F32),
    ] {
        let run = || hand_fused(precision, &starts, steps, 0.01);
        let best = (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(run());
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        report(label, best * 1e9 / (starts.len() as f64 * steps as f64));
        // The engine must land where the hand-written gradient does (the same steps up to rounding).
        let f = Function::resolve("peaks").unwrap();
        let config = reference_job(steps, precision);
        let engine = run_batch(&f, &starts, &config, &Control::NONE);
        let tol = if precision == Precision::F64 { 1e-9 } else { 1e-3 };
        let far = engine
            .iter()
            .zip(run())
            .filter(|(e, h)| (e.end[0] - h[0]).hypot(e.end[1] - h[1]) > tol)
            .count();
        assert!(
            far * 1000 <= starts.len(),
            "{far} end points differ from the hand-fused ones"
        );
    }
}

fn report(label: &str, ns: f64) {
    println!("{label:<32} {ns:>8.3} ns per point-step");
    if let Ok(path) = std::env::var("DOWNHILL_BENCH_JSON") {
        // One JSON line per engine, for bench/run's table.
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        writeln!(f, "{{\"engine\": \"{label}\", \"ns\": {ns}}}").unwrap();
    }
}
