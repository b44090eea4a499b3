//! Single-run figures for the README: `cargo bench -p downhill --bench core`.
//!
//! Each figure is the median of repeated timings, printed beside a peer measured in the same process:
//! the engine's peaks run against a hand-coded peaks gradient loop (the fastest a scalar run can be).

use std::hint::black_box;
use std::time::Instant;

use downhill::{run, Function, OptimizerSpec, RunConfig};

fn median_us(mut f: impl FnMut(), reps: usize) -> f64 {
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn hand_coded_peaks_gradient(x: f64, y: f64) -> [f64; 2] {
    let (e1, e2, e3) = (
        (-x * x - (y + 1.0).powi(2)).exp(),
        (-x * x - y * y).exp(),
        (-y * y - (x + 1.0).powi(2)).exp(),
    );
    let dx = -6.0 * x * (1.0 - x).powi(2) * e1 + 2.0 * x * (-10.0 * x.powi(3) + 2.0 * x - 10.0 * y.powi(5)) * e2
        - (2.0 - 30.0 * x * x) * e2
        - (-2.0 * x - 2.0) * e3 / 3.0
        + 3.0 * (2.0 * x - 2.0) * e1;
    let dy = 50.0 * y.powi(4) * e2
        + 2.0 * y * (-10.0 * x.powi(3) + 2.0 * x - 10.0 * y.powi(5)) * e2
        + 2.0 * y * e3 / 3.0
        + 3.0 * (1.0 - x).powi(2) * (-2.0 * y - 2.0) * e1;
    [dx, dy]
}

fn main() {
    let formula = downhill::catalog::lookup("peaks").unwrap().formula;
    let build = median_us(|| drop(black_box(Function::parse(black_box(formula)).unwrap())), 200);
    println!("parse + gradient + Hessian + tapes of peaks: {build:.1} us");

    let f = Function::resolve("peaks").unwrap();
    let config = RunConfig::new([0.0, 1.4]).learning_rate(0.01).epochs(1000);
    let engine = median_us(|| drop(black_box(run(&f, &config, &OptimizerSpec::gd()).unwrap())), 200);
    let hand = median_us(
        || {
            let mut p = [0.0, 1.4];
            let mut trajectory = Vec::with_capacity(1000);
            for _ in 0..1000 {
                let g = hand_coded_peaks_gradient(p[0], p[1]);
                p = [p[0] - 0.01 * g[0], p[1] - 0.01 * g[1]];
                trajectory.push(p);
            }
            black_box(trajectory);
        },
        200,
    );
    println!("peaks run, 1000 epochs of gd (value, gradient, trajectory, end Hessian): {engine:.1} us");
    println!("hand-coded peaks gradient loop, 1000 epochs:                          {hand:.1} us");
    println!("ratio engine / hand-coded: {:.2}", engine / hand);
}
