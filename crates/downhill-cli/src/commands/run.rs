//! `downhill run`: one optimizer run, as a summary, JSON or CSV.

use std::io::Write;

use downhill::catalog::{self, Extremum, ExtremumKind};
use downhill::run::{RunError, DIVERGENCE_LIMIT};
use downhill::{Function, Method, OptimizerSpec, RunConfig, RunResult, Termination};
use downhill_plot::{Figure, Format, Glyph, Marker, Path, Shape};

use super::plot;
use crate::args::RunArgs;
use crate::diagnostic::{caret_lines, CliError};
use crate::format::{num, point, short};
use crate::output;
use crate::settings::{self, Look};

/// The most epochs one run may ask for: every position, value and gradient is kept (40 bytes an epoch).
pub const MAX_EPOCHS: u64 = 10_000_000;
/// The most evaluations of f one run may take (a line search takes up to 25 per epoch, L-BFGS more).
pub const MAX_EVALUATIONS: u64 = 25 * MAX_EPOCHS;

/// A run's settings, validated.
pub struct Settings {
    /// The function.
    pub function: Function,
    /// Start, epochs, rate, schedule, tolerances.
    pub config: RunConfig,
    /// The method as named on the command line.
    pub method: Method,
    /// The method with every hyper-parameter resolved.
    pub spec: OptimizerSpec,
    /// The seed the start was drawn from, when it was random.
    pub seed: Option<u64>,
}

/// Turns raw arguments into validated settings; every fault is an input error.
pub fn settings(args: &RunArgs) -> Result<Settings, CliError> {
    let function = settings::function(&args.function.function)?;
    let method = args.optimizer;
    let spec = settings::optimizer(method, &args.training.options)?;
    if args.epochs > MAX_EPOCHS {
        return Err(CliError::input(format!(
            "--epochs {} is too many for one run (at most {MAX_EPOCHS})",
            args.epochs
        )));
    }
    let evaluations = args.epochs.saturating_mul(spec.evaluations_per_update());
    if evaluations > MAX_EVALUATIONS {
        return Err(CliError::input(format!(
            "--epochs {} of {} may take {} evaluations of f (up to {} an epoch); at most {MAX_EVALUATIONS:.1e} in one run",
            args.epochs,
            method.name(),
            downhill::run::shown(evaluations as f64),
            spec.evaluations_per_update()
        )));
    }
    let (start, seed) = settings::start(args.start, args.seed);
    let lr = settings::learning_rate(method, args.lr)?;
    let mut config = settings::Training::new(&args.training)?.config(start, lr, args.epochs);
    config.xtol = args.xtol;
    config.bounds = args.bounds;
    config.validate().map_err(|e| CliError::input(e.to_string()))?;
    Ok(Settings {
        function,
        config,
        method,
        spec,
        seed,
    })
}

/// Runs the optimizer with the settings, as an input error when the function cannot be evaluated at the start.
pub fn execute(s: &Settings) -> Result<RunResult, CliError> {
    downhill::run(&s.function, &s.config, &s.spec).map_err(|e| match e {
        RunError::NotFiniteAtStart(at) => match at.cause {
            Some(cause) => CliError::at(
                format!(
                    "the function is not finite at the start point {}: {}",
                    point(at.point),
                    cause.reason
                ),
                s.function.source(),
                cause.span,
            ),
            None => {
                // The value is finite, so the gradient is not: too large for a float, or undefined.
                let g = s.function.gradient(at.point);
                let why = if g.iter().any(|v| v.is_infinite()) {
                    "it overflows: the function is too steep there for a 64-bit float"
                } else {
                    "it is undefined there (the function is not differentiable at that point)"
                };
                CliError::input(format!(
                    "the gradient is not finite at the start point {}: {why} (gradient {})",
                    point(at.point),
                    point(g)
                ))
            }
        },
        RunError::Config(e) => CliError::input(e.to_string()),
    })
}

/// `downhill run`.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let s = settings(args)?;
    let csv_out = match &args.csv {
        Some(path) => Some(output::prepare(path, "CSV")?),
        None => None,
    };
    let plot_out = match &args.plot {
        Some(path) => Some(plot::target(path, &[Format::Png, Format::Svg], "figure")?),
        None => None,
    };
    let gif_out = match &args.gif {
        Some(path) => Some(plot::target(path, &[Format::Gif], "animation")?.1),
        None => None,
    };
    let look = Look::new(&args.look, &s.function, s.config.ascent)?;
    let result = execute(&s)?;
    // A CSV on standard output takes it: the summary (or JSON) then goes to standard error.
    let summary_to_stderr = csv_out.as_ref().is_some_and(output::Output::is_stdout);
    let mut written = Vec::new();
    if let Some(out) = csv_out {
        written.push(out.write(|w| write_csv(w, &s, &result))?);
    }
    let look = widened(&look, args.look.domain.is_some(), &[&result]);
    if let Some((format, out)) = plot_out {
        let mut fig = figure(&s, &result, &look);
        if args.loss_curve {
            fig = plot::beside(
                fig,
                plot::loss_curves(&s.function, &[(&result, [255, 0, 0], String::new())]),
            );
        }
        let bytes = downhill_plot::render(&fig, format).map_err(plot::failed)?;
        written.push(out.write_bytes(&bytes)?);
    }
    if let Some(out) = gif_out {
        let bytes = downhill_plot::animate(&figure(&s, &result, &look), 0).map_err(plot::failed)?;
        written.push(out.write_bytes(&bytes)?);
    }
    let notes = output::notes(&written);
    let function = &args.function.function;
    if summary_to_stderr {
        let text = if args.json {
            crate::format::json(&report(function, &s, &result))
        } else {
            summary(&s, &result)
        };
        let _ = std::io::stderr().write_all((text + &notes).as_bytes());
        return Ok(());
    }
    if args.json {
        crate::emit_json(&report(function, &s, &result))?;
        let _ = std::io::stderr().write_all(notes.as_bytes());
        Ok(())
    } else {
        crate::emit(&(summary(&s, &result) + &notes))
    }
}

/// The trajectory as CSV: row 0 is the start, row k the position after update k.
fn write_csv(w: &mut dyn Write, s: &Settings, r: &RunResult) -> std::io::Result<()> {
    writeln!(w, "epoch,x,y,value,grad_x,grad_y")?;
    let (v0, g0) = s.function.value_gradient_with(r.start, &mut Vec::new());
    writeln!(w, "0,{},{},{},{},{}", r.start[0], r.start[1], v0, g0[0], g0[1])?;
    for (k, ((p, v), g)) in r.trajectory.iter().zip(&r.values).zip(&r.gradients).enumerate() {
        writeln!(w, "{},{},{},{},{},{}", k + 1, p[0], p[1], v, g[0], g[1])?;
    }
    Ok(())
}

/// The JSON object of DESIGN.md section 3, plus the seed, the schedule and the resolved hyper-parameters.
pub fn report<'a>(function: &'a str, s: &Settings, r: &'a RunResult) -> downhill::report::RunReport<'a> {
    downhill::report::RunReport::new(function, &s.function, s.method, s.spec, &s.config, s.seed, r)
}

/// A short, readable account of the run.
pub fn summary(s: &Settings, r: &RunResult) -> String {
    let c = &s.config;
    let name = s
        .function
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("f = {}", s.function.text()));
    let mut title = s.method.title().to_string();
    if c.ascent {
        title = title.replace("descent", "ascent") + if s.method == Method::Gd { "" } else { " (ascent)" };
    }
    let mut out = format!("{name}: {title}, lr {}, {} epochs\n", num(c.learning_rate), c.epochs);
    let from = match s.seed {
        Some(seed) => format!("{} (random, --seed {seed})", point(r.start)),
        None => point(r.start),
    };
    let gnorm = r.gradient[0].hypot(r.gradient[1]);
    let mut row = |label: &str, text: String| out.push_str(&format!("  {label:<10} {text}\n"));
    row("start", from);
    row("end", point(r.end));
    row("value", num(r.value));
    if let Some((a, v)) = r.averaged_end {
        row(
            "averaged",
            format!("{}, value {} (the point eval() gives; the path is y)", point(a), num(v)),
        );
    }
    row("gradient", format!("{}, norm {}", point(r.gradient), num(gnorm)));
    row("stopped", termination_text(s, r));
    if s.spec.is_line_search() {
        row(
            "evaluated",
            format!("f and its gradient {} times (the line searches' trials)", r.evaluations),
        );
    }
    row(
        &format!("|g| ≤ {}", short(downhill::run::REPORT_GTOL)),
        match r.first_below_gtol {
            Some(k) => format!("first at epoch {k}"),
            None => "never".into(),
        },
    );
    row("end point", r.stationary_point.name().to_string());
    if let Some(entry) = s.function.name().and_then(catalog::lookup) {
        if let Some(text) = documented(entry, r, c.ascent) {
            row("known", text);
        }
    }
    if let Some(cause) = r.non_finite.as_ref().and_then(|n| n.cause.as_ref()) {
        let (line, marks) = caret_lines(s.function.source(), cause.span);
        out.push_str(&format!("  note: {}\n    {line}\n    {marks}\n", cause.reason));
    }
    out
}

fn termination_text(s: &Settings, r: &RunResult) -> String {
    let n = match r.epochs_run {
        1 => "1 epoch".to_string(),
        k => format!("{k} epochs"),
    };
    match r.termination {
        Termination::MaxEpochs => format!("max_epochs: all {n} run"),
        Termination::Converged => {
            format!(
                "converged: gradient norm at most {} after {n}",
                num(s.config.gtol.unwrap_or(0.0))
            )
        }
        Termination::Stalled if s.spec.is_line_search() && s.config.xtol.is_none() => format!(
            "stalled: {} met its own stopping test after {n} and would not move again",
            s.method.name()
        ),
        Termination::Stalled => {
            format!(
                "stalled: an update moved less than {} after {n}",
                num(s.config.xtol.unwrap_or(0.0))
            )
        }
        Termination::Diverged => match &r.non_finite {
            Some(at) => format!(
                "diverged after {n}: the function or its gradient is not finite at {}",
                point(at.point)
            ),
            None => format!("diverged after {n}: a coordinate passed {}", num(DIVERGENCE_LIMIT)),
        },
        Termination::LeftDomain => format!("left_domain: left the box after {n}"),
    }
}

fn kind_text(k: ExtremumKind) -> &'static str {
    match k {
        ExtremumKind::GlobalMinimum => "the global minimum",
        ExtremumKind::LocalMinimum => "a local minimum",
        ExtremumKind::GlobalMaximum => "the global maximum",
        ExtremumKind::LocalMaximum => "a local maximum",
        ExtremumKind::Saddle => "a saddle point",
    }
}

/// What the catalog knows about the end point: the documented extremum it reached, and the global minimum
/// (the global maximum for an ascent) when that is not where the run ended.
fn documented(entry: &catalog::CatalogEntry, r: &RunResult, ascent: bool) -> Option<String> {
    let distance = |e: &Extremum| (e.point[0] - r.end[0]).hypot(e.point[1] - r.end[1]);
    let nearest = entry
        .extrema
        .iter()
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))?;
    let scale = r.end[0].abs().max(r.end[1].abs()).max(1.0);
    let reached = distance(nearest) <= 1e-2 * scale;
    let mut text = if reached {
        format!(
            "{} of {} ({} at {})",
            kind_text(nearest.kind),
            entry.name,
            num(nearest.value),
            point(nearest.point)
        )
    } else {
        format!("not at a documented point of {}", entry.name)
    };
    let best_kind = if ascent {
        ExtremumKind::GlobalMaximum
    } else {
        ExtremumKind::GlobalMinimum
    };
    let best = entry
        .extrema
        .iter()
        .filter(|e| e.kind == best_kind)
        .min_by(|a, b| distance(a).total_cmp(&distance(b)));
    if let Some(b) = best {
        if !(reached && nearest.kind == best_kind) {
            text.push_str(&format!(
                "; {} is {} at {}",
                kind_text(best_kind),
                num(b.value),
                point(b.point)
            ));
        }
    }
    Some(text)
}

/// The seed's markers: a blue square at the start, a red circle at the end.
pub const START: Marker = Marker {
    shape: Shape::Square,
    color: [0, 0, 255],
    size: 4.0,
};
/// See [`START`].
pub const END: Marker = Marker {
    shape: Shape::Circle,
    color: [255, 0, 0],
    size: 4.5,
};

/// How far a figure's domain may be widened to show the runs' points: up to this many times its width and
/// height. Points farther out (a diverging run, Newton's far steps) stay outside, marked where the path leaves.
const WIDEN_AT_MOST: f64 = 4.0;

/// The look with its domain widened to show every point of the runs (with a margin), unless `--domain` was
/// given or that would make it more than [`WIDEN_AT_MOST`] times larger; only finite points count.
pub fn widened(look: &Look, fixed: bool, runs: &[&RunResult]) -> Look {
    let mut look = look.clone();
    if fixed {
        return look;
    }
    let d = look.domain;
    let (w, h) = (d[1] - d[0], d[3] - d[2]);
    let mut b = d;
    for r in runs {
        for p in std::iter::once(&r.start)
            .chain(&r.trajectory)
            .chain(std::iter::once(&r.end))
        {
            if p[0].is_finite() && p[1].is_finite() {
                b = [b[0].min(p[0]), b[1].max(p[0]), b[2].min(p[1]), b[3].max(p[1])];
            }
        }
    }
    if b == d {
        return look;
    }
    // A margin of 5% around the points, on the sides that grew.
    let (mx, my) = (0.05 * (b[1] - b[0]), 0.05 * (b[3] - b[2]));
    let grown = [
        if b[0] < d[0] { b[0] - mx } else { d[0] },
        if b[1] > d[1] { b[1] + mx } else { d[1] },
        if b[2] < d[2] { b[2] - my } else { d[2] },
        if b[3] > d[3] { b[3] + my } else { d[3] },
    ];
    if (grown[1] - grown[0]) <= WIDEN_AT_MOST * w && (grown[3] - grown[2]) <= WIDEN_AT_MOST * h {
        look.domain = grown;
    }
    look
}

/// The seed's figure16: the landscape, the path, start and end markers, a legend and the seed's titles.
pub fn figure<'a>(s: &'a Settings, r: &RunResult, look: &Look) -> Figure<'a> {
    let points = r.path();
    let mut panel = look.panel(&s.function);
    panel.title = Some(format!(
        "Training epochs: {} and learning rate: {}",
        s.config.epochs,
        plot::python_float(s.config.learning_rate)
    ));
    panel.paths.push(Path {
        points,
        color: [255, 0, 0],
        alpha: 1.0,
        width: 1.5,
        start: Some(START),
        end: Some(END),
        stride: r.stride,
    });
    let start_label = if s.seed.is_some() { "Random start" } else { "Start" };
    let end_label = match r.stationary_point.name() {
        "none" => format!("End ({})", r.termination.name()),
        kind => format!("End ({kind})"),
    };
    panel.legend = vec![
        (start_label.into(), Glyph::Marker(START)),
        (end_label, Glyph::Marker(END)),
    ];
    let suptitle = match s.seed {
        Some(seed) => format!("{}: random starting point (seed {seed})", plot::name(&s.function)),
        None => format!("{}: starting point {}", plot::name(&s.function), point(r.start)),
    };
    look.figure(Some(suptitle), panel)
}
