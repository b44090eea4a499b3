//! The benchmark suite's engine side (`bash bench/suite` runs it with JAX's side and prints the table):
//! 9 functions (7 from the catalog, 2 typed expressions with ln, tanh, atan, sqrt and fractional powers) x
//! 5 optimizers (gd, momentum, adam, rmsprop, newton) x {f64, f32}, each a SIDE x SIDE grid of starts on the
//! function's domain, 1000 updates, no early stop, in the batched engine.
//!
//! Writes one JSON line per cell to DOWNHILL_BENCH_JSON (or stdout): the function's formula, domain, the
//! optimizer and its hyper-parameters (so `bench/suite.py` runs the same updates in JAX), the fastest of
//! DOWNHILL_BENCH_ROUNDS runs (more for a short cell: see [`MIN_SECONDS`]) in ns per point-step, the share of
//! lanes that diverged (they stop costing work here and not in JAX, so the suite flags cells where it is not
//! small) and the end points of a sample of lanes, which the suite compares with JAX's.
//! DOWNHILL_BENCH_SIDE (default 256), DOWNHILL_BENCH_ONLY (a substring of "function optimizer precision"),
//! DOWNHILL_JIT (`0` interpreter, `avx2`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use downhill::batch::{machine_code, run_batch, BatchConfig, Control, MachineCode, Precision};
use downhill::{Function, Method, OptimizerSpec, Options, Schedule, Termination};

/// The updates per lane.
pub const STEPS: u64 = 1000;
/// A cell runs at least its rounds, and more until its runs take this long together (at most [`MAX_RUNS`]): a
/// cell of a cheap function takes about 20 ms, and on a shared machine the fastest of two or three such runs
/// moved by up to 2x from one suite to the next. `bench/suite.py` follows the same rule.
const MIN_SECONDS: f64 = 0.5;
const MAX_RUNS: usize = 50;
/// How many lanes' end points are reported for the comparison with JAX.
const SAMPLE: usize = 64;

/// A function of the suite: its catalog name or formula, its domain and the learning rate that plain and
/// heavy-ball descent take on it (about a tenth of 2 / the largest curvature on the domain, so that nearly no
/// lane diverges: diverged lanes would stop costing the engine work while JAX goes on computing them).
struct Job {
    label: &'static str,
    spec: &'static str,
    domain: [f64; 4],
    gd_lr: f64,
}

const TYPED_1: &str = "0.1*(x^2+y^2) + tanh(x*y) - ln(1 + x^2) + 0.3*sin(2*x)*cos(y) + atan(y) + sqrt(1+x^2+y^2)^1.5";
const TYPED_2: &str = "ln(1 + (x^2 + y^2)^0.75) + 0.5*tanh(x - y)^2 + atan(x*y)/4 + sqrt(x^2 + 1)^0.5";

fn jobs() -> Vec<Job> {
    let catalog = |name: &'static str, gd_lr: f64| Job {
        label: name,
        spec: name,
        domain: downhill::catalog::lookup(name).expect("a catalog function").domain,
        gd_lr,
    };
    vec![
        catalog("peaks", 0.01),
        catalog("rastrigin", 0.001),
        catalog("ackley", 0.01),
        catalog("himmelblau", 0.001),
        catalog("rosenbrock", 1e-4),
        catalog("beale", 1e-6),
        catalog("styblinski-tang", 0.005),
        Job {
            label: "typed-1",
            spec: TYPED_1,
            domain: [-3.0, 3.0, -3.0, 3.0],
            gd_lr: 0.01,
        },
        Job {
            label: "typed-2",
            spec: TYPED_2,
            domain: [-3.0, 3.0, -3.0, 3.0],
            gd_lr: 0.01,
        },
    ]
}

/// The optimizers with PyTorch's defaults, and the learning rate each takes on a job.
fn optimizers(job: &Job) -> Vec<(Method, f64)> {
    vec![
        (Method::Gd, job.gd_lr),
        // Heavy ball with momentum 0.9 moves about 10 times as far per step as plain descent.
        (Method::Momentum, job.gd_lr / 10.0),
        (Method::Adam, 0.01),
        (Method::Rmsprop, 0.01),
        (Method::Newton, 0.5),
    ]
}

fn main() {
    let side: usize = std::env::var("DOWNHILL_BENCH_SIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    let rounds: usize = std::env::var("DOWNHILL_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let only = std::env::var("DOWNHILL_BENCH_ONLY").unwrap_or_default();
    let isa = match std::env::var("DOWNHILL_JIT").as_deref() {
        Ok("0") => {
            downhill::batch::set_machine_code(MachineCode::Off);
            "interpreter"
        }
        Ok("avx2") => {
            downhill::batch::set_machine_code(MachineCode::Avx2);
            "AVX2"
        }
        _ => machine_code(),
    };
    let mut out: Box<dyn std::io::Write> = match std::env::var("DOWNHILL_BENCH_JSON") {
        Ok(path) => Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("DOWNHILL_BENCH_JSON is writable"),
        ),
        Err(_) => Box::new(std::io::stdout()),
    };
    let mut warm = false;
    for job in jobs() {
        let f = Function::resolve(job.spec).expect("the suite's functions parse");
        let [x0, x1, y0, y1] = job.domain;
        let at = |lo: f64, hi: f64, i: usize| lo + (hi - lo) * i as f64 / (side - 1) as f64;
        let starts: Vec<[f64; 2]> = (0..side * side)
            .map(|i| [at(x0, x1, i % side), at(y0, y1, i / side)])
            .collect();
        for (method, lr) in optimizers(&job) {
            let spec = OptimizerSpec::new(method, &Options::default()).expect("defaults are valid");
            for precision in [Precision::F64, Precision::F32] {
                let name = format!("{} {} {}", job.label, method.name(), precision_name(precision));
                if !name.contains(only.as_str()) {
                    continue;
                }
                let config = BatchConfig {
                    epochs: STEPS,
                    learning_rate: lr,
                    schedule: Schedule::Constant,
                    training: downhill::optim::TrainingLoop::default(),
                    ascent: false,
                    gtol: None,
                    spec,
                    precision,
                    bounds: None,
                };
                if !warm {
                    // The first run in a process pays for the thread pool and fresh pages.
                    run_batch(&f, &starts, &config, &Control::NONE);
                    warm = true;
                }
                let (mut best, mut spent, mut runs) = (f64::INFINITY, 0.0, 0);
                let mut ends = Vec::new();
                while runs < rounds.max(1) || (spent < MIN_SECONDS && runs < MAX_RUNS) {
                    let t = Instant::now();
                    ends = run_batch(&f, &starts, &config, &Control::NONE);
                    let took = t.elapsed().as_secs_f64();
                    (best, spent, runs) = (best.min(took), spent + took, runs + 1);
                }
                let ns = best * 1e9 / (starts.len() as f64 * STEPS as f64);
                let diverged = ends.iter().filter(|e| e.termination == Termination::Diverged).count();
                let stride = (starts.len() / SAMPLE).max(1);
                let mut sample = String::new();
                for (k, i) in (0..starts.len()).step_by(stride).take(SAMPLE).enumerate() {
                    let e = ends[i].end;
                    let sep = if k == 0 { "" } else { "," };
                    write!(sample, "{sep}[{i},{},{}]", json_number(e[0]), json_number(e[1])).unwrap();
                }
                writeln!(
                    out,
                    "{{\"engine\":\"downhill\",\"isa\":\"{isa}\",\"function\":\"{}\",\"formula\":{:?},\
                     \"domain\":[{},{},{},{}],\"side\":{side},\"steps\":{STEPS},\"optimizer\":\"{}\",\"lr\":{lr},\
                     \"precision\":\"{}\",\"ns\":{ns},\"diverged\":{},\"ends\":[{sample}]}}",
                    job.label,
                    f.source(),
                    x0,
                    x1,
                    y0,
                    y1,
                    method.name(),
                    precision_name(precision),
                    diverged as f64 / starts.len() as f64,
                )
                .expect("the results are writable");
                eprintln!("{name}: {ns:.3} ns per point-step, {diverged} diverged");
            }
        }
    }
}

fn precision_name(p: Precision) -> &'static str {
    match p {
        Precision::F64 => "f64",
        Precision::F32 => "f32",
    }
}

/// A number as JSON has them (no NaN or infinity: null).
fn json_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:e}")
    } else {
        "null".into()
    }
}
