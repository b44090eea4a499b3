//! Runs end for the reason they say, at the kind of point they say.

use downhill::optim::Method;
use downhill::{run, Function, OptimizerSpec, Options, RunConfig, Schedule, StationaryPoint, Termination};

fn spec(method: Method) -> OptimizerSpec {
    OptimizerSpec::new(method, &Options::default()).unwrap()
}

fn go(f: &str, config: RunConfig, method: Method) -> downhill::RunResult {
    run(&Function::resolve(f).unwrap(), &config, &spec(method)).unwrap()
}

#[test]
fn every_optimizer_finds_the_minimum_of_a_bowl() {
    for (method, _) in Method::ALL {
        let lr = match method {
            Method::Gd | Method::Momentum | Method::Nesterov => 0.05,
            Method::Newton | Method::Adadelta => 1.0,
            _ => 0.1,
        };
        // Adaptive methods take sign-like steps that orbit a minimum at about the rate; a cosine schedule
        // lets every method settle.
        let mut config = RunConfig::new([1.5, -1.0]).learning_rate(lr).epochs(3000);
        config.schedule = Schedule::parse("cosine").unwrap();
        let r = go("x^2 + 3y^2 + 1", config, method);
        let d = r.end[0].hypot(r.end[1]);
        // AdamW decays the weights toward 0, which is the minimum here too.
        assert!(d < 1e-3, "{method:?} ended at {:?}", r.end);
        assert_eq!(r.stationary_point, StationaryPoint::Minimum, "{method:?}");
    }
}

#[test]
fn newton_solves_rosenbrock_from_the_classic_start_in_a_few_steps() {
    let config = RunConfig::new([-1.2, 1.0]).learning_rate(1.0).epochs(100);
    let mut config = config;
    config.gtol = Some(1e-10);
    let r = go("rosenbrock", config, Method::Newton);
    assert_eq!(r.termination, Termination::Converged);
    assert!(r.epochs_run < 20, "{} steps", r.epochs_run);
    assert!((r.end[0] - 1.0).abs() < 1e-8 && (r.end[1] - 1.0).abs() < 1e-8);
}

#[test]
fn gtol_converges_and_xtol_stalls() {
    let mut config = RunConfig::new([0.0, 1.4]).learning_rate(0.01).epochs(100_000);
    config.gtol = Some(1e-6);
    let r = go("peaks", config.clone(), Method::Gd);
    assert_eq!(r.termination, Termination::Converged);
    assert!(r.gradient[0].hypot(r.gradient[1]) <= 1e-6);
    assert_eq!(r.trajectory.len() as u64, r.epochs_run);
    config.gtol = None;
    config.xtol = Some(1e-9);
    let r = go("peaks", config, Method::Gd);
    assert_eq!(r.termination, Termination::Stalled);
    assert!(r.epochs_run < 100_000);
}

#[test]
fn divergence_and_leaving_the_box_are_reported() {
    // x^4 with a big rate overshoots further each step.
    let r = go(
        "x^4 + y^2",
        RunConfig::new([2.0, 0.0]).learning_rate(0.5).epochs(1000),
        Method::Gd,
    );
    assert_eq!(r.termination, Termination::Diverged);
    assert!(r.epochs_run < 10 && r.end.iter().all(|v| v.is_finite()));
    // ln(x) pushed below zero becomes NaN: the run says where and why.
    let r = go(
        "ln(x) + y^2",
        RunConfig::new([1.0, 0.0]).learning_rate(2.0).epochs(10),
        Method::Gd,
    );
    assert_eq!(r.termination, Termination::Diverged);
    let at = r.non_finite.expect("a non-finite point");
    assert!(at.cause.unwrap().reason.contains("ln of a negative number"));
    // A box around the start: the first steps leave it.
    let mut config = RunConfig::new([0.0, 1.4]).learning_rate(0.01).epochs(1000);
    config.bounds = Some([-0.5, 0.5, 1.0, 2.0]);
    let r = go("peaks", config, Method::Gd);
    assert_eq!(r.termination, Termination::LeftDomain);
}

#[test]
fn bad_settings_are_errors_not_runs() {
    let f = Function::resolve("peaks").unwrap();
    for config in [
        RunConfig::new([0.0, 0.0]).learning_rate(0.0),
        RunConfig::new([0.0, 0.0]).learning_rate(f64::NAN),
        RunConfig::new([f64::INFINITY, 0.0]),
        RunConfig {
            bounds: Some([1.0, 2.0, 1.0, 2.0]),
            ..RunConfig::new([0.0, 0.0])
        },
        RunConfig {
            gtol: Some(-1.0),
            ..RunConfig::new([0.0, 0.0])
        },
    ] {
        assert!(run(&f, &config, &OptimizerSpec::gd()).is_err(), "{config:?}");
    }
    let err = run(
        &Function::parse("ln(x)").unwrap(),
        &RunConfig::new([-1.0, 0.0]),
        &OptimizerSpec::gd(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not finite at the start"), "{err}");
}

#[test]
fn end_points_are_classified_from_the_hessian() {
    let r = go("x^2 - y^2", RunConfig::new([0.0, 0.0]), Method::Gd);
    assert_eq!(r.stationary_point, StationaryPoint::Saddle);
    let r = go(
        "x^2 + y^2",
        RunConfig::new([1.0, 1.0]).ascent(true).epochs(5),
        Method::Gd,
    );
    assert_eq!(r.stationary_point, StationaryPoint::None);
    let r = go(
        "-(x^2 + y^2)",
        RunConfig::new([1.0, 1.0]).ascent(true).learning_rate(0.1),
        Method::Gd,
    );
    assert_eq!(r.stationary_point, StationaryPoint::Maximum);
    let r = go("x^4 + y^4", RunConfig::new([0.0, 0.0]), Method::Gd);
    assert_eq!(r.stationary_point, StationaryPoint::Flat);
}

#[test]
fn schedules_shape_the_learning_rate_over_the_run() {
    // On f = x (gradient 1), each step moves by exactly the scheduled rate.
    let steps = |schedule: &str| {
        let mut config = RunConfig::new([0.0, 0.0]).learning_rate(0.1).epochs(4);
        config.schedule = Schedule::parse(schedule).unwrap();
        let r = go("x", config, Method::Gd);
        let mut prev = 0.0;
        r.trajectory
            .iter()
            .map(|p| {
                let s = prev - p[0];
                prev = p[0];
                (s * 1e6).round() / 1e6
            })
            .collect::<Vec<f64>>()
    };
    assert_eq!(steps("constant"), [0.1, 0.1, 0.1, 0.1]);
    assert_eq!(steps("step:2:0.5"), [0.1, 0.1, 0.05, 0.05]);
    assert_eq!(steps("exponential:0.5"), [0.1, 0.05, 0.025, 0.0125]);
    assert_eq!(steps("linear:0"), [0.1, 0.075, 0.05, 0.025]);
    let cosine = steps("cosine");
    assert!((cosine[0] - 0.1).abs() < 1e-9 && cosine.windows(2).all(|w| w[1] < w[0]));
}

/// A long run can keep evenly spaced positions only: between n and 2n of them, each the position of the full
/// run at its update, and the end kept apart; memory then stays bounded whatever the number of epochs.
#[test]
fn a_run_can_keep_a_bounded_share_of_its_positions() {
    use downhill::run::Record;
    let f = Function::resolve("rosenbrock").unwrap();
    let mut config = RunConfig::new([-1.2, 1.0]).learning_rate(0.001).epochs(10_007);
    let all = run(&f, &config, &OptimizerSpec::gd()).unwrap();
    config.record = Record::AtMost(100);
    let some = run(&f, &config, &OptimizerSpec::gd()).unwrap();
    assert_eq!(all.stride, 1);
    assert_eq!(some.epochs_run, 10_007);
    assert_eq!(some.end, all.end);
    assert!((100..200).contains(&some.trajectory.len()), "{}", some.trajectory.len());
    assert_eq!(some.stride, 64);
    for (k, p) in some.trajectory.iter().enumerate() {
        let update = (k as u64 + 1) * some.stride;
        assert_eq!(*p, all.trajectory[update as usize - 1], "entry {k}");
        assert_eq!(some.values[k], all.values[update as usize - 1]);
    }
    let path = some.path();
    assert_eq!((path[0], *path.last().unwrap()), (all.start, all.end));
}
