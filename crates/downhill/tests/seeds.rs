//! The seed notebooks' numbers, from an independent hand-coded peaks gradient (the one SymPy prints for the
//! seed, with 1/3 as a float as in the notebook) and the seed's own update loop.

use downhill::catalog;
use downhill::{run, Function, OptimizerSpec, RunConfig, StationaryPoint, Termination};

fn peaks_gradient(p: [f64; 2]) -> [f64; 2] {
    let [x, y] = p;
    let (e1, e2, e3) = (
        (-x * x - (y + 1.0).powi(2)).exp(),
        (-x * x - y * y).exp(),
        (-y * y - (x + 1.0).powi(2)).exp(),
    );
    let third = 1.0 / 3.0;
    let dx = -6.0 * x * (1.0 - x).powi(2) * e1 + 2.0 * x * (-10.0 * x.powi(3) + 2.0 * x - 10.0 * y.powi(5)) * e2
        - (2.0 - 30.0 * x * x) * e2
        - third * (-2.0 * x - 2.0) * e3
        + 3.0 * (2.0 * x - 2.0) * e1;
    let dy = 50.0 * y.powi(4) * e2
        + 2.0 * y * (-10.0 * x.powi(3) + 2.0 * x - 10.0 * y.powi(5)) * e2
        + 2.0 * third * y * e3
        + 3.0 * (1.0 - x).powi(2) * (-2.0 * y - 2.0) * e1;
    [dx, dy]
}

/// The seed's loop: `local_min = local_min - gradient*learning_rate` (plus for ascent), trajectory after each.
fn seed_loop(start: [f64; 2], lr: f64, epochs: usize, ascent: bool) -> Vec<[f64; 2]> {
    let sign = if ascent { 1.0 } else { -1.0 };
    let mut p = start;
    let mut out = Vec::with_capacity(epochs);
    for _ in 0..epochs {
        let g = peaks_gradient(p);
        p = [p[0] + sign * lr * g[0], p[1] + sign * lr * g[1]];
        out.push(p);
    }
    out
}

fn peaks_run(start: [f64; 2], lr: f64, epochs: u64, ascent: bool) -> downhill::RunResult {
    let f = Function::resolve("peaks").unwrap();
    let config = RunConfig::new(start).learning_rate(lr).epochs(epochs).ascent(ascent);
    run(&f, &config, &OptimizerSpec::gd()).unwrap()
}

fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

#[test]
fn the_engine_follows_the_seed_loop_step_by_step() {
    for (lr, ascent) in [(0.01, false), (0.1, false), (0.01, true)] {
        let reference = seed_loop([0.0, 1.4], lr, 1000, ascent);
        let r = peaks_run([0.0, 1.4], lr, 1000, ascent);
        assert_eq!(r.trajectory.len(), 1000);
        assert_eq!((r.epochs_run, r.termination), (1000, Termination::MaxEpochs));
        for (k, (a, b)) in r.trajectory.iter().zip(&reference).enumerate() {
            assert!(
                distance(*a, *b) < 1e-12,
                "lr {lr} ascent {ascent}, epoch {}: {a:?} vs {b:?}",
                k + 1
            );
        }
    }
}

#[test]
fn exercise_1_from_0_1_4_it_is_stuck_in_the_poor_local_minimum() {
    let r = peaks_run([0.0, 1.4], 0.01, 1000, false);
    assert!(distance(r.end, [0.296, 0.320]) < 1e-3, "{:?}", r.end);
    assert_eq!(r.stationary_point, StationaryPoint::Minimum);
    let global = catalog::lookup("peaks")
        .unwrap()
        .extrema
        .iter()
        .map(|e| e.value)
        .fold(f64::INFINITY, f64::min);
    assert!(
        r.value > global + 6.0,
        "{} is the poor minimum, far above the global {global}",
        r.value
    );
}

#[test]
fn exercise_2_ten_thousand_epochs_end_in_the_same_place() {
    let short = peaks_run([0.0, 1.4], 0.01, 1000, false);
    let long = peaks_run([0.0, 1.4], 0.01, 10_000, false);
    assert!(
        distance(short.end, long.end) < 1e-9,
        "{:?} vs {:?}",
        short.end,
        long.end
    );
    assert!(distance(long.end, [0.296, 0.320]) < 1e-3);
}

#[test]
fn exercise_3_learning_rates() {
    // .1: the same poor minimum.
    let r = peaks_run([0.0, 1.4], 0.1, 1000, false);
    assert!(distance(r.end, [0.296, 0.320]) < 1e-3, "{:?}", r.end);
    // .5: jumps across the landscape and ends nowhere in particular.
    let r = peaks_run([0.0, 1.4], 0.5, 1000, false);
    let xs = r.trajectory.iter().map(|p| p[0]);
    let span = xs.clone().fold(f64::NEG_INFINITY, f64::max) - xs.fold(f64::INFINITY, f64::min);
    assert!(span > 2.0, "the path spans only {span} in x");
    let minima = catalog::lookup("peaks").unwrap().extrema;
    assert!(
        minima.iter().all(|m| distance(m.point, r.end) > 0.01),
        "{:?} is a documented point",
        r.end
    );
    assert_ne!(r.stationary_point, StationaryPoint::Minimum);
    // .00001: steps so small the run is still nowhere near a minimum.
    let r = peaks_run([0.0, 1.4], 0.00001, 1000, false);
    assert!(distance(r.end, [0.0, 1.4]) < 0.1, "{:?}", r.end);
    assert!(r.gradient[0].hypot(r.gradient[1]) > 1.0);
    assert_eq!(r.stationary_point, StationaryPoint::None);
}

#[test]
fn the_second_notebook_climbs_to_a_maximum() {
    let r = peaks_run([0.0, 1.4], 0.01, 1000, true);
    assert_eq!(r.stationary_point, StationaryPoint::Maximum);
    // peaks' global maximum, about 8.106 at (-0.0093, 1.5814).
    assert!(distance(r.end, [-0.0093, 1.5814]) < 1e-3, "{:?}", r.end);
    assert!((r.value - 8.1062).abs() < 1e-3);
}

#[test]
fn the_trajectory_holds_positions_after_each_update_and_the_start_is_separate() {
    let r = peaks_run([0.0, 1.4], 0.01, 3, false);
    assert_eq!(r.start, [0.0, 1.4]);
    assert_eq!(r.trajectory.len(), 3);
    let g = peaks_gradient([0.0, 1.4]);
    let first = [-0.01 * g[0], 1.4 - 0.01 * g[1]];
    assert!(distance(r.trajectory[0], first) < 1e-15);
    assert_eq!(r.end, r.trajectory[2]);
}
