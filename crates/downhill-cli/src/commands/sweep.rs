//! `downhill sweep`: several settings from one start (or several seeds), as a table, JSON and a figure of
//! panels or one panel of coloured paths.

use downhill::run::Record;
use downhill::{rng, Function, Method, OptimizerSpec, Options, RunResult};
use downhill_plot::{Figure, Format, Glyph, Path, TAB10};
use serde_json::json;

use super::plot;
use super::run::{END, START};
use crate::args::{LayoutArg, SweepArgs};
use crate::diagnostic::CliError;
use crate::format::{num, point, table};
use crate::settings::{self, Look, Training};

/// The most runs in one sweep.
const MAX_RUNS: usize = 64;
/// The most panels in one figure.
const MAX_PANELS: usize = 16;
/// Positions kept per run for the figures (see [`Record::AtMost`]): a sweep's memory is bounded by its
/// number of runs, not its epochs (64 runs of 10^7 epochs kept everything: 25 GB).
const KEPT_POSITIONS: usize = 5_000;

/// One run's settings.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The method.
    pub method: Method,
    /// The method with its hyper-parameters.
    pub spec: OptimizerSpec,
    /// The hyper-parameters as given (those the method takes), for labels.
    pub options: Options,
    /// The learning rate.
    pub lr: f64,
    /// Updates.
    pub epochs: u64,
    /// The seed of a random start.
    pub seed: Option<u64>,
    /// The start.
    pub start: [f64; 2],
}

/// Every combination of the lists, optimizers outermost, then hyper-parameters, rates, epochs and seeds.
pub fn settings(args: &SweepArgs) -> Result<Vec<Setting>, CliError> {
    let methods = &args.optimizer;
    let grid = settings::option_grid(&args.training.options, MAX_RUNS)?;
    // Every combination gives the same options, with other values.
    settings::refuse_unused(methods, &grid[0])?;
    let mut specs = Vec::new();
    for &method in methods {
        let mut seen: Vec<Options> = Vec::new();
        for o in &grid {
            let o = o.for_method(method);
            if !seen.contains(&o) {
                seen.push(o);
                specs.push((method, o, settings::spec(method, &o)?));
            }
        }
    }
    let starts: Vec<(Option<u64>, [f64; 2])> = match (args.start, args.seed.is_empty()) {
        (Some(p), _) => vec![(None, p)],
        (None, false) => args.seed.iter().map(|&s| (Some(s), rng::random_start(s))).collect(),
        (None, true) => return Err(CliError::input("give --start X,Y, or --seed N,.. for random starts")),
    };
    for &e in &args.epochs {
        if e > super::run::MAX_EPOCHS {
            return Err(CliError::input(format!(
                "--epochs {e} is too many for one run (at most {})",
                super::run::MAX_EPOCHS
            )));
        }
    }
    let mut out = Vec::new();
    for &(method, options, spec) in &specs {
        let lrs = if args.lr.is_empty() {
            vec![method.default_learning_rate()]
        } else {
            args.lr.clone()
        };
        for &lr in &lrs {
            downhill::optim::check_learning_rate(lr).map_err(|e| CliError::input(e.to_string()))?;
            for &epochs in &args.epochs {
                for &(seed, start) in &starts {
                    out.push(Setting {
                        method,
                        spec,
                        options,
                        lr,
                        epochs,
                        seed,
                        start,
                    });
                }
            }
        }
    }
    if out.len() > MAX_RUNS {
        return Err(CliError::input(format!(
            "the sweep has {} runs; at most {MAX_RUNS}",
            out.len()
        )));
    }
    Ok(out)
}

/// Runs every setting.
pub fn execute(f: &Function, settings: &[Setting], training: &Training) -> Result<Vec<RunResult>, CliError> {
    settings
        .iter()
        .map(|s| {
            let mut config = training.config(s.start, s.lr, s.epochs);
            config.record = Record::AtMost(KEPT_POSITIONS);
            config.validate().map_err(|e| CliError::input(e.to_string()))?;
            downhill::run(f, &config, &s.spec).map_err(|e| CliError::input(e.to_string()))
        })
        .collect()
}

/// The hyper-parameters whose values differ between runs, by their `Options` names.
fn varying_options(settings: &[Setting]) -> Vec<&'static str> {
    let names = settings::option_lists(&Default::default()).map(|(n, _)| n);
    names
        .into_iter()
        .filter(|n| {
            let values: std::collections::BTreeSet<String> = settings
                .iter()
                .map(|s| format!("{:?}", settings::option_value(&s.options, n)))
                .collect();
            values.len() > 1
        })
        .collect()
}

/// A run's value of hyper-parameter `name`, or "-" where its method does not take it or it was not given.
fn option_text(s: &Setting, name: &str) -> String {
    settings::option_value(&s.options, name)
        .map(plot::python_float)
        .unwrap_or_else(|| "-".into())
}

/// A short label of what differs between runs ("lr 0.5", "adam, lr 0.05", "momentum 0.5").
pub fn labels(settings: &[Setting]) -> Vec<String> {
    let options = varying_options(settings);
    let varies =
        |k: fn(&Setting) -> String| settings.iter().map(k).collect::<std::collections::BTreeSet<_>>().len() > 1;
    let (m, l, e, s) = (
        varies(|s| s.method.name().into()),
        varies(|s| s.lr.to_string()),
        varies(|s| s.epochs.to_string()),
        varies(|s| format!("{:?}", s.seed)),
    );
    settings
        .iter()
        .map(|x| {
            let mut parts = Vec::new();
            let o = !options.is_empty();
            if m || !(l || e || s || o) {
                parts.push(x.method.name().to_string());
            }
            for name in &options {
                if settings::option_value(&x.options, name).is_some() {
                    parts.push(format!("{} {}", name.replace('_', " "), option_text(x, name)));
                }
            }
            if l || !(m || e || s || o) {
                parts.push(format!("lr {}", plot::python_float(x.lr)));
            }
            if e {
                parts.push(format!("{} epochs", x.epochs));
            }
            if s {
                parts.push(format!("seed {}", x.seed.unwrap_or(0)));
            }
            parts.join(", ")
        })
        .collect()
}

/// `downhill sweep`.
pub fn run(args: &SweepArgs) -> Result<(), CliError> {
    let f = settings::function(&args.function.function)?;
    let settings = settings(args)?;
    let plot_out = match &args.plot {
        Some(path) => Some(plot::target(path, &[Format::Png, Format::Svg], "figure")?),
        None => None,
    };
    let gif_out = match &args.gif {
        Some(path) => Some(plot::target(path, &[Format::Gif], "animation")?.1),
        None => None,
    };
    let training = Training::new(&args.training)?;
    let look = Look::new(&args.look, &f, training.ascent)?;
    let panels = match args.layout {
        None => settings.len() <= 9,
        Some(LayoutArg::Panels) => true,
        Some(LayoutArg::Overlay) => false,
    };
    if panels && settings.len() > MAX_PANELS && (args.plot.is_some() || args.gif.is_some()) {
        return Err(CliError::input(format!(
            "{} panels are too many for one figure (at most {MAX_PANELS}); use --layout overlay",
            settings.len()
        )));
    }
    let results = execute(&f, &settings, &training)?;
    let labels = labels(&settings);
    let mut written = Vec::new();
    if args.plot.is_some() || args.gif.is_some() {
        let refs: Vec<&RunResult> = results.iter().collect();
        let look = super::run::widened(&look, args.look.domain.is_some(), &refs);
        let fig = figure(&f, &look, &settings, &results, &labels, panels);
        if let Some((format, out)) = plot_out {
            let still = if args.loss_curve {
                let runs: Vec<_> = results
                    .iter()
                    .zip(&labels)
                    .enumerate()
                    .map(|(i, (r, label))| (r, TAB10[i % TAB10.len()], label.clone()))
                    .collect();
                plot::beside(fig.clone(), plot::loss_curves(&f, &runs))
            } else {
                fig.clone()
            };
            written.push(out.write_bytes(&downhill_plot::render(&still, format).map_err(plot::failed)?)?);
        }
        if let Some(out) = gif_out {
            written.push(out.write_bytes(&downhill_plot::animate(&fig, 0).map_err(plot::failed)?)?);
        }
    }
    let notes = crate::output::notes(&written);
    if args.json {
        let runs: Vec<_> = settings
            .iter()
            .zip(&results)
            .map(|(s, r)| {
                json!({
                    "optimizer": s.method.name(),
                    "options": s.spec,
                    "learning_rate": s.lr,
                    "epochs": s.epochs,
                    "seed": s.seed,
                    "start": r.start,
                    "end": r.end,
                    "value": r.value,
                    "gradient": r.gradient,
                    "epochs_run": r.epochs_run,
                    "termination": r.termination,
                    "stationary_point": r.stationary_point,
                    "first_below_gtol": {"gtol": downhill::run::REPORT_GTOL, "epoch": r.first_below_gtol},
                })
            })
            .collect();
        let v = json!({
            "function": args.function.function,
            "expression": f.text(),
            "ascent": training.ascent,
            "runs": runs
        });
        crate::emit_json(&v)?;
        let _ = std::io::Write::write_all(&mut std::io::stderr(), notes.as_bytes());
        return Ok(());
    }
    let options = varying_options(&settings);
    let seeds = settings
        .iter()
        .map(|s| s.seed)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1;
    let rows: Vec<Vec<String>> = settings
        .iter()
        .zip(&results)
        .enumerate()
        .map(|(i, (s, r))| {
            let mut row = vec![(i + 1).to_string(), s.method.name().into()];
            row.extend(options.iter().map(|n| option_text(s, n)));
            row.extend([plot::python_float(s.lr), s.epochs.to_string()]);
            if seeds {
                row.push(s.seed.map(|v| v.to_string()).unwrap_or_default());
            }
            row.extend([
                point(r.start),
                point(r.end),
                num(r.value),
                r.termination.name().into(),
                r.first_below_gtol.map(|k| k.to_string()).unwrap_or_else(|| "-".into()),
                r.stationary_point.name().into(),
            ]);
            row
        })
        .collect();
    let option_headers: Vec<String> = options.iter().map(|n| n.replace('_', " ").to_uppercase()).collect();
    let mut headers: Vec<&str> = vec!["#", "OPTIMIZER"];
    headers.extend(option_headers.iter().map(String::as_str));
    headers.extend(["LR", "EPOCHS"]);
    if seeds {
        headers.push("SEED");
    }
    let below = format!(
        "|G| ≤ {} AT",
        crate::format::short(downhill::run::REPORT_GTOL).to_uppercase()
    );
    headers.extend(["START", "END", "VALUE", "STOPPED", below.as_str(), "END POINT"]);
    crate::emit(&(table(&headers, &rows) + &notes))
}

/// Panels (one per run, the seed's look) or one panel with a coloured path per run.
pub fn figure<'a>(
    f: &'a Function,
    look: &Look,
    settings: &[Setting],
    results: &[RunResult],
    labels: &[String],
    panels: bool,
) -> Figure<'a> {
    let path = |r: &RunResult, color: [u8; 3]| {
        let points = r.path();
        Path {
            points,
            color,
            alpha: 1.0,
            width: 1.5,
            start: Some(START),
            end: None,
            stride: r.stride,
        }
    };
    let same_start = settings.windows(2).all(|w| w[0].start == w[1].start);
    let suptitle = if same_start {
        format!("{} from {}", plot::name(f), point(settings[0].start))
    } else {
        plot::name(f)
    };
    if panels {
        let n = results.len();
        let columns = match n {
            1..=3 => n,
            4 => 2,
            _ => 3,
        };
        let rows = n.div_ceil(columns);
        let panels = results
            .iter()
            .zip(labels)
            .map(|(r, label)| {
                let mut p = look.panel(f);
                let mut q = path(r, [255, 0, 0]);
                q.end = Some(END);
                p.paths.push(q);
                p.title = Some(format!("{label}: {}", r.stationary_point.name()));
                p
            })
            .collect();
        let shrink = if n == 1 { 1.0 } else { 0.72 };
        Figure {
            width: (look.size.width as f64 * columns as f64 * shrink) as u32,
            height: (look.size.height as f64 * rows as f64 * shrink) as u32,
            scale: look.size.scale * if n == 1 { 1.0 } else { 0.85 },
            suptitle: Some(suptitle),
            panels,
            columns,
            note: None,
            charts: Vec::new(),
            charts_beside: None,
        }
    } else {
        let mut p = look.panel(f);
        for (i, (r, label)) in results.iter().zip(labels).enumerate() {
            let color = TAB10[i % TAB10.len()];
            let mut q = path(r, color);
            q.end = Some(downhill_plot::Marker { color, ..END });
            p.paths.push(q);
            p.legend.push((label.clone(), Glyph::Line(color)));
        }
        look.figure(Some(suptitle), p)
    }
}
