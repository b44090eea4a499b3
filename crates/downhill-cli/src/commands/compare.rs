//! `downhill compare`: several optimizers from the same seeded starts on the batched engine, each at the
//! learning rate the stated criterion picks from a grid (`--tune-lr`) or at the one given, as a table or JSON.

use std::time::Instant;

use downhill::compare::{compare_method, log_grid, random_starts, Criterion, MethodComparison, Outcome};
use downhill::{catalog, BatchConfig, Control, Precision};
use serde::Serialize;

use crate::args::CompareArgs;
use crate::diagnostic::CliError;
use crate::format::{num, short, table};
use crate::output;
use crate::settings;

/// The most starts.
const MAX_STARTS: usize = 1 << 20;
/// The most point-steps (methods x rates x starts x epochs) of one comparison: about a minute on two cores.
const MAX_POINT_STEPS: f64 = 2e10;

/// The JSON report.
#[derive(Serialize)]
struct Report<'a> {
    function: &'a str,
    expression: String,
    starts: usize,
    start: Option<[f64; 2]>,
    seed: Option<u64>,
    domain: [f64; 4],
    epochs: u64,
    gtol: f64,
    precision: &'static str,
    ascent: bool,
    criterion: &'a Criterion,
    criterion_text: String,
    tuned_over: Option<&'a [f64]>,
    methods: Vec<MethodReport<'a>>,
    elapsed_s: f64,
    point_steps: f64,
}

#[derive(Serialize)]
struct MethodReport<'a> {
    optimizer: &'static str,
    options: downhill::OptimizerSpec,
    learning_rate: f64,
    outcome: &'a Outcome,
    sensitivity: &'a [Outcome],
}

/// `downhill compare`.
pub fn run(args: &CompareArgs) -> Result<(), CliError> {
    let f = settings::function(&args.function.function)?;
    let training = settings::Training::new(&args.training)?;
    training.around.validate(args.epochs).map_err(settings::input)?;
    let specs = settings::optimizers(&args.optimizer, &args.training.options)?;
    for spec in &specs {
        spec.check_training(&training.around).map_err(settings::input)?;
    }
    let entry = f.name().and_then(catalog::lookup);
    let domain = match args.domain {
        Some(d) => downhill::run::check_region("--domain", d).map_err(settings::input)?,
        None => entry.map(|e| e.domain).unwrap_or([-3.0, 3.0, -3.0, 3.0]),
    };
    if let Some(r) = args.reach {
        if !(r.is_finite() && r > 0.0) {
            return Err(CliError::input(format!(
                "--reach must be finite and positive (got {})",
                downhill::run::shown(r)
            )));
        }
    }
    let starts = match args.start {
        Some(p) => vec![p],
        None => {
            let n = args.starts.unwrap_or(256);
            if !(1..=MAX_STARTS).contains(&n) {
                return Err(CliError::input(format!(
                    "--starts {n}: give from 1 to {MAX_STARTS} starts"
                )));
            }
            random_starts(args.seed, n, domain)
        }
    };
    let rates: Option<Vec<f64>> = args.tune_lr.map(|(lo, hi, count)| log_grid(lo, hi, count));
    if let Some(lr) = args.lr {
        downhill::optim::check_learning_rate(lr).map_err(settings::input)?;
    }
    let per_method = rates.as_ref().map_or(1, Vec::len);
    // A line search may evaluate f several times an epoch.
    let per_epoch: u64 = specs.iter().map(|s| s.evaluations_per_update()).sum();
    let work = (per_epoch as usize * per_method * starts.len()) as f64 * args.epochs as f64;
    if work > MAX_POINT_STEPS {
        return Err(CliError::input(format!(
            "{} optimizers x {per_method} learning rates x {} starts x {} epochs is {work:.2e} point-steps (a line \
             search counted at its most evaluations an epoch); at most {MAX_POINT_STEPS:.0e} in one comparison",
            specs.len(),
            starts.len(),
            args.epochs
        )));
    }
    // clap checked the name against this list.
    let precision = Precision::from_name(&args.precision).unwrap_or(Precision::F64);
    let gtol = training.gtol.unwrap_or(precision.default_gtol());
    let criterion = Criterion::for_function(entry, training.ascent, domain, args.reach);
    let (interrupted, _polling) = output::interrupted();
    let control = Control {
        cancel: Some(interrupted),
        progress: None,
    };
    let clock = Instant::now();
    let mut results: Vec<MethodComparison> = Vec::with_capacity(specs.len());
    for (&method, &spec) in args.optimizer.iter().zip(&specs) {
        let config = BatchConfig {
            epochs: args.epochs,
            learning_rate: method.default_learning_rate(),
            schedule: training.schedule,
            training: training.around,
            ascent: training.ascent,
            gtol: Some(gtol),
            spec,
            precision,
            bounds: None,
        };
        let one = [args.lr.unwrap_or(method.default_learning_rate())];
        let grid: &[f64] = rates.as_deref().unwrap_or(&one);
        results.push(compare_method(&f, &starts, &config, grid, &criterion, &control));
        if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(CliError::Interrupted);
        }
    }
    let elapsed = clock.elapsed().as_secs_f64();
    let report = Report {
        function: &args.function.function,
        expression: f.text(),
        starts: starts.len(),
        start: args.start,
        seed: args.start.is_none().then_some(args.seed),
        domain,
        epochs: args.epochs,
        gtol,
        precision: if precision == Precision::F32 { "f32" } else { "f64" },
        ascent: training.ascent,
        criterion: &criterion,
        criterion_text: criterion.describe(training.ascent),
        tuned_over: rates.as_deref(),
        methods: args
            .optimizer
            .iter()
            .zip(&specs)
            .zip(&results)
            .map(|((m, s), r)| MethodReport {
                optimizer: m.name(),
                options: *s,
                learning_rate: r.chosen.learning_rate,
                outcome: &r.chosen,
                sensitivity: &r.sensitivity,
            })
            .collect(),
        elapsed_s: elapsed,
        point_steps: work,
    };
    if args.json {
        return crate::emit_json(&report);
    }
    crate::emit(&text(&report, &f))
}

/// Quartiles as "Q1 / median / Q3", or a dash.
fn spread(q: Option<downhill::compare::Quartiles>, fmt: fn(f64) -> String) -> String {
    match q {
        Some(q) => format!("{} / {} / {}", fmt(q.q1), fmt(q.median), fmt(q.q3)),
        None => "-".into(),
    }
}

fn percent(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// A final gap: three digits, and tiny ones in scientific notation (they tell how far a run got).
fn gap_text(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        let s = format!("{v:.1e}");
        s.replace(".0e", "e")
    } else {
        short(v)
    }
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// The table.
fn text(r: &Report, f: &downhill::Function) -> String {
    let name = f
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("f = {}", f.text()));
    let [x0, x1, y0, y1] = r.domain;
    let from = match r.start {
        Some(p) => format!("from {}", crate::format::point(p)),
        None => format!(
            "{} random starts in [{}, {}] x [{}, {}] (--seed {})",
            r.starts,
            num(x0),
            num(x1),
            num(y0),
            num(y1),
            r.seed.unwrap_or(0)
        ),
    };
    let mut out = format!(
        "{name}: {from}, {} epochs, gtol {}, {}\n",
        r.epochs,
        short(r.gtol),
        r.precision
    );
    match r.tuned_over {
        Some(rates) => out.push_str(&format!(
            "each learning rate picked from {} values, {} to {} in log scale, by the {}\n",
            rates.len(),
            short(rates[0]),
            short(rates[rates.len() - 1]),
            r.criterion_text
        )),
        None => out.push_str(&format!("criterion: {}\n", r.criterion_text)),
    }
    let known = r.criterion.optimum().is_some();
    let gap = if known {
        if r.ascent {
            "F* - F (Q1 / MEDIAN / Q3)"
        } else {
            "F - F* (Q1 / MEDIAN / Q3)"
        }
    } else {
        "FINAL F (Q1 / MEDIAN / Q3)"
    };
    let mut headers = vec!["OPTIMIZER", "LR"];
    if known {
        headers.push("REACHED");
    }
    headers.extend(["CONVERGED", "EPOCHS TO GTOL (Q1 / MEDIAN / Q3)", gap, "DIVERGED"]);
    let rows: Vec<Vec<String>> = r
        .methods
        .iter()
        .map(|m| {
            let o = m.outcome;
            let mut row = vec![m.optimizer.to_string(), short(m.learning_rate)];
            if known {
                row.push(o.reached.map(percent).unwrap_or_default());
            }
            row.extend([
                percent(o.converged),
                spread(o.epochs_to_gtol, whole),
                spread(o.final_gap, gap_text),
                percent(o.diverged),
            ]);
            row
        })
        .collect();
    out.push_str(&table(&headers, &rows));
    out.push_str(&format!("{:.2} s ({:.3e} point-steps)\n", r.elapsed_s, r.point_steps));
    out
}
