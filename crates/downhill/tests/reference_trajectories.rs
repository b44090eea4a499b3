//! Every step of the optimizers against their reference implementations: trajectories that
//! `tools/fixtures/generate.py` recorded with torch.optim, `lion-pytorch` and `schedulefree` (float64, one
//! tensor holding (x, y)) on several functions and settings, stored in `tests/fixtures/optim/`. A downhill run
//! with the same settings (its gradients symbolic, PyTorch's by autograd) must take the same steps to 1e-9
//! relative: the two differ only by roundings. The line-search methods (`line-search.json`, from
//! `tools/fixtures/line_search.py`: PyTorch's L-BFGS, and BFGS, CG and backtracking written on PyTorch's strong
//! Wolfe line search) to 1e-7, for the reason given where that is set.

use std::path::Path;

use downhill::optim::{Method, TrainingLoop};
use downhill::{run, Function, OptimizerSpec, Options, RunConfig, Schedule, Termination};
use serde_json::Value;

/// The hyper-parameters of a case, by downhill's option names.
fn options(o: &Value) -> Options {
    let num = |k: &str| o.get(k).and_then(Value::as_f64);
    let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    // Rprop's pairs, as PyTorch's etas and step_sizes; each half defaults to PyTorch's.
    let pair = |a: &str, b: &str, default: [f64; 2]| {
        (num(a).is_some() || num(b).is_some()).then(|| [num(a).unwrap_or(default[0]), num(b).unwrap_or(default[1])])
    };
    let known = [
        "dampening",
        "alpha",
        "lr_decay",
        "initial_accumulator_value",
        "centered",
        "amsgrad",
        "beta1",
        "beta2",
        "eps",
        "weight_decay",
        "momentum_decay",
        "rho",
        "eta_minus",
        "eta_plus",
        "step_size_min",
        "step_size_max",
        "momentum",
        "warmup_steps",
        "r",
        "weight_lr_power",
        "c1",
        "c2",
        "history_size",
        "max_iter",
        "max_eval",
        "line_search",
        "tolerance_grad",
        "tolerance_change",
    ];
    for k in o.as_object().map(|m| m.keys().collect::<Vec<_>>()).unwrap_or_default() {
        assert!(
            known.contains(&k.as_str()),
            "fixture option {k} is not known to this test"
        );
    }
    Options {
        beta1: num("beta1"),
        beta2: num("beta2"),
        eps: num("eps"),
        weight_decay: num("weight_decay"),
        momentum_decay: num("momentum_decay"),
        rho: num("rho"),
        etas: pair("eta_minus", "eta_plus", [0.5, 1.2]),
        step_sizes: pair("step_size_min", "step_size_max", [1e-6, 50.0]),
        momentum: num("momentum"),
        dampening: num("dampening"),
        alpha: num("alpha"),
        lr_decay: num("lr_decay"),
        initial_accumulator_value: num("initial_accumulator_value"),
        centered: flag("centered"),
        amsgrad: flag("amsgrad"),
        r: num("r"),
        weight_lr_power: num("weight_lr_power"),
        c1: num("c1"),
        c2: num("c2"),
        history_size: num("history_size").map(|v| v as u32),
        max_iter: num("max_iter").map(|v| v as u32),
        max_eval: num("max_eval").map(|v| v as u32),
        strong_wolfe: o.get("line_search").and_then(Value::as_str) == Some("strong_wolfe"),
        tolerance_grad: num("tolerance_grad"),
        tolerance_change: num("tolerance_change"),
        ..Options::default()
    }
}

fn points(v: &Value) -> Vec<[f64; 2]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect()
}

/// Runs one case and returns the worst relative difference from the reference, or where it first exceeds
/// `tol`.
fn check_case(case: &Value, tol: f64) -> Result<f64, String> {
    let name = &format!(
        "{} ({})",
        case["name"].as_str().unwrap(),
        case["method"].as_str().unwrap()
    );
    let method_name = case["method"].as_str().unwrap();
    let method = Method::from_name(method_name).unwrap_or_else(|| panic!("{name}: unknown method {method_name}"));
    let f = Function::parse(case["function"].as_str().unwrap()).unwrap();
    let spec = OptimizerSpec::new(method, &options(&case["options"])).map_err(|e| format!("{name}: {e}"))?;
    let start = points(&serde_json::json!([case["start"]]))[0];
    let expected = points(&case["trajectory"]);
    let mut config = RunConfig::new(start)
        .learning_rate(case["lr"].as_f64().unwrap())
        .epochs(case["epochs"].as_u64().unwrap())
        .ascent(case["ascent"].as_bool().unwrap_or(false));
    config.schedule = Schedule::parse(case["schedule"].as_str().unwrap_or("constant")).unwrap();
    // Schedule-Free's own warmup_steps is the loop's warmup: both scale the rate by (t + 1) / N.
    let warmup = case["options"]["warmup_steps"].as_u64().or(case["warmup"].as_u64());
    config.training = TrainingLoop {
        warmup: warmup.unwrap_or(0),
        clip_grad_norm: case["clip_grad_norm"].as_f64(),
        noise: None,
    };
    let r = run(&f, &config, &spec).map_err(|e| format!("{name}: {e}"))?;
    let mut path = r.trajectory.clone();
    // A line-search method that met its own stopping test ends its run (stalled) where the reference goes on
    // standing still: the reference's remaining points must all be that end.
    if r.termination == Termination::Stalled {
        path.resize(expected.len().max(path.len()), r.end);
    }
    let mut worst = compare(name, "step", &path, &expected, tol)?;
    // Schedule-Free: the averaged point (the reference's eval() point) beside the point whose gradient is taken.
    match (case.get("averaged"), r.averaged_end) {
        (None, None) => {}
        (Some(a), Some((end, _))) => {
            let a = points(a);
            worst = worst.max(compare(name, "averaged point", &r.averaged, &a, tol)?);
            assert_eq!(Some(&end), r.averaged.last(), "{name}: the averaged end");
        }
        (a, b) => {
            return Err(format!(
                "{name}: averaged points {:?} in the reference, {b:?} here",
                a.is_some()
            ))
        }
    }
    Ok(worst)
}

/// The worst relative difference of two paths, or where it first exceeds `tol`.
fn compare(name: &str, what: &str, got: &[[f64; 2]], want: &[[f64; 2]], tol: f64) -> Result<f64, String> {
    if got.len() != want.len() {
        return Err(format!("{name}: {} {what}s, the reference {}", got.len(), want.len()));
    }
    let mut worst = 0.0f64;
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        for i in 0..2 {
            let d = (a[i] - b[i]).abs() / b[i].abs().max(1.0);
            worst = worst.max(d);
            if d.is_nan() || d > tol {
                return Err(format!(
                    "{name}: {what} {} differs: {a:?}, the reference {b:?} (relative {d:.1e})",
                    k + 1
                ));
            }
        }
    }
    Ok(worst)
}

#[test]
fn every_step_matches_the_reference_implementations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/optim");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "only {} fixture files in {}",
        files.len(),
        dir.display()
    );
    let mut failures = Vec::new();
    let mut cases = 0;
    for file in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let mut worst = 0.0f64;
        // Line searches branch on comparisons of f and take steps from cubic fits, and L-BFGS with a short
        // history on Rosenbrock amplifies roundings: starting PyTorch's own L-BFGS (history 3, 5 inner
        // iterations, strong Wolfe) one unit in the last place away moves its 6th step by 2.3e-9 relative. So
        // these replays allow 1e-7 (the worst point measured: 1.1e-8, in that case).
        let tol = if file.ends_with("line-search.json") { 1e-7 } else { 1e-9 };
        for case in doc["cases"].as_array().unwrap() {
            cases += 1;
            match check_case(case, tol) {
                Ok(w) => worst = worst.max(w),
                Err(e) => failures.push(e),
            }
        }
        // The agreement per file, shown with --nocapture.
        println!(
            "{}: worst relative difference {worst:.1e}",
            file.file_name().unwrap().to_string_lossy()
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
