//! The reference job of DESIGN.md section 6 in the batched engine: `cargo bench -p downhill --bench batch`.
//! peaks, plain gradient descent, lr 0.01, 1000 steps, a square grid of starts on [-3,3]², no early stop.
//! Prints nanoseconds per point-step (best of 3), for f64 and f32 lanes, from the catalog name and from the
//! typed formula.

use std::time::Instant;

use downhill::batch::{run_batch, BatchConfig, Control, Precision};
use downhill::{Function, OptimizerSpec, Schedule};

fn main() {
    let side: usize = std::env::var("DOWNHILL_BENCH_SIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512);
    let steps = 1000u64;
    let at = |i: usize| -3.0 + 6.0 * i as f64 / (side - 1) as f64;
    let starts: Vec<[f64; 2]> = (0..side * side).map(|i| [at(i % side), at(i / side)]).collect();
    let typed = "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)";
    println!(
        "reference job: {side}x{side} starts, {steps} steps, {} threads",
        rayon::current_num_threads()
    );
    for (label, spec, precision) in [
        ("peaks (catalog), f64", "peaks", Precision::F64),
        ("peaks (typed formula), f64", typed, Precision::F64),
        ("peaks (catalog), f32", "peaks", Precision::F32),
        ("peaks (typed formula), f32", typed, Precision::F32),
    ] {
        let f = Function::resolve(spec).unwrap();
        let config = BatchConfig {
            epochs: steps,
            learning_rate: 0.01,
            schedule: Schedule::Constant,
            ascent: false,
            gtol: None,
            spec: OptimizerSpec::gd(),
            precision,
        };
        let best = (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(run_batch(&f, &starts, &config, &Control::NONE));
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        let ns = best * 1e9 / (starts.len() as f64 * steps as f64);
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
}
