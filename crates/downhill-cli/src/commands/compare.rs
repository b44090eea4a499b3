//! `downhill compare`: several optimizers from the same seeded starts on the batched engine, each at the
//! learning rate the stated criterion picks from a grid (`--tune-lr`) or at the one given, as a table or JSON.

use std::path::{Path as FilePath, PathBuf};
use std::time::Instant;

use downhill::compare::{
    self, compare_method, log_grid, random_starts, Criterion, MethodComparison, Outcome, Quartiles,
};
use downhill::{catalog, BatchConfig, Control, Precision, Record, RunResult};
use downhill_plot::{Chart, Figure, Format, Glyph, Marker, Path, Series, TAB10};
use serde::Serialize;

use super::plot;
use super::run::{END, START};
use crate::args::CompareArgs;
use crate::diagnostic::CliError;
use crate::format::{num, point, short, table};
use crate::output;
use crate::settings;

/// The most starts.
const MAX_STARTS: usize = 1 << 20;
/// The most point-steps (methods x rates x starts x epochs) of one comparison: about a minute on two cores.
const MAX_POINT_STEPS: f64 = 2e10;
/// The most point-steps of the single runs behind the loss curves (`--plot`): about half a minute.
const MAX_CURVE_STEPS: f64 = 1e9;

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
    let look = settings::Look::new(&args.look, &f, training.ascent)?;
    let domain = look.domain;
    let figures = match &args.plot {
        Some(prefix) => Some(figure_targets(prefix, args.tune_lr.is_some())?),
        None => None,
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
    // The loss curves run each method again from (at most) the first CURVE_STARTS starts, one start at a time.
    let curve_work = (per_epoch as usize * starts.len().min(compare::CURVE_STARTS)) as f64 * args.epochs as f64;
    if args.plot.is_some() && curve_work > MAX_CURVE_STEPS {
        return Err(CliError::input(format!(
            "the loss curves of {} optimizers from {} starts x {} epochs are {curve_work:.2e} point-steps of single \
             runs; at most {MAX_CURVE_STEPS:.0e} with --plot (fewer --starts or --epochs)",
            specs.len(),
            starts.len().min(compare::CURVE_STARTS),
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
    let mut configs: Vec<BatchConfig> = Vec::with_capacity(specs.len());
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
        configs.push(config);
        if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(CliError::Interrupted);
        }
    }
    let elapsed = clock.elapsed().as_secs_f64();
    let mut written = Vec::new();
    if let Some(targets) = figures {
        let chosen: Vec<BatchConfig> = configs
            .iter()
            .zip(&results)
            .map(|(c, r)| BatchConfig {
                learning_rate: r.chosen.learning_rate,
                ..c.clone()
            })
            .collect();
        let names: Vec<String> = args
            .optimizer
            .iter()
            .zip(&results)
            .map(|(m, r)| format!("{} (lr {})", m.name(), short(r.chosen.learning_rate)))
            .collect();
        let drawn = Drawn {
            f: &f,
            look: &look,
            explicit_domain: args.look.domain.is_some(),
            starts: &starts,
            configs: &chosen,
            names: &names,
            criterion: &criterion,
            results: &results,
            control: &control,
            ascent: training.ascent,
        };
        for (kind, (format, out)) in targets {
            let fig = drawn.figure(kind, args.start.is_none());
            if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(CliError::Interrupted);
            }
            written.push(out.write_bytes(&downhill_plot::render(&fig, format).map_err(plot::failed)?)?);
        }
    }
    let notes = output::notes(&written);
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
        crate::emit_json(&report)?;
        let _ = std::io::Write::write_all(&mut std::io::stderr(), notes.as_bytes());
        return Ok(());
    }
    crate::emit(&(text(&report, &f) + &notes))
}

/// The figures `--plot PREFIX` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Paths,
    Loss,
    Rates,
}

/// A figure to write: what it shows, its format and where it goes.
type Target = (Kind, (Format, output::Output));

/// The figures' paths (PREFIX-paths.png, ...), each checked before any work; the format from PREFIX's own
/// extension (.png or .svg), PNG without one.
fn figure_targets(prefix: &FilePath, tuned: bool) -> Result<Vec<Target>, CliError> {
    let text = prefix.to_string_lossy();
    let (stem, extension) = match prefix.extension().and_then(|e| e.to_str()) {
        Some(e @ ("png" | "svg")) => (&text[..text.len() - e.len() - 1], e),
        Some(e) if ["gif", "jpg", "jpeg", "pdf", "eps", "webp"].contains(&e.to_ascii_lowercase().as_str()) => {
            return Err(CliError::input(format!(
                "--plot {text}: the figures can be .png or .svg (give a prefix, such as out/compare.svg)"
            )))
        }
        _ => (&text[..], "png"),
    };
    if stem.is_empty() || stem.ends_with(std::path::MAIN_SEPARATOR) {
        return Err(CliError::input(format!(
            "--plot {text}: give a prefix for the figures' names, such as out/compare"
        )));
    }
    let mut kinds = vec![(Kind::Paths, "paths"), (Kind::Loss, "loss")];
    if tuned {
        kinds.push((Kind::Rates, "lr"));
    }
    kinds
        .into_iter()
        .map(|(kind, suffix)| {
            let path = PathBuf::from(format!("{stem}-{suffix}.{extension}"));
            Ok((kind, plot::target(&path, &[Format::Png, Format::Svg], "figure")?))
        })
        .collect()
}

/// The range a chart of f itself (no optimum known) shows: from where the runs start to the best they reach
/// (the starts' upper quartile down to the lowest lower quartile for a descent; upwards for an ascent), so
/// that runs climbing away before they diverge (to 1e87 and beyond) leave at the edge instead of flattening
/// every other curve. Quartiles that run away in the direction of travel (on a function unbounded below, f
/// falling without end: -1e200 is finite) are left out too: beyond ten times the starts' own spread they leave
/// at the edge. `None` where nothing is finite.
fn value_range(all: &[compare::Curves], ascent: bool) -> Option<[f64; 2]> {
    let finite = |v: &f64| v.is_finite();
    let first = || all.iter().filter_map(|c| c.gap.first());
    let start_lo = first().map(|q| q.q1).filter(finite).fold(f64::INFINITY, f64::min);
    let start_hi = first().map(|q| q.q3).filter(finite).fold(f64::NEG_INFINITY, f64::max);
    if !(start_lo.is_finite() && start_hi.is_finite()) {
        return None;
    }
    let spread = 10.0 * (start_hi - start_lo).max(start_lo.abs()).max(start_hi.abs()).max(1.0);
    let within = |v: &f64| v.is_finite() && *v >= start_lo - spread && *v <= start_hi + spread;
    let every = all.iter().flat_map(|c| c.gap.iter());
    let (lo, hi) = if ascent {
        (start_lo, every.map(|q| q.q3).filter(within).fold(start_hi, f64::max))
    } else {
        (every.map(|q| q.q1).filter(within).fold(start_lo, f64::min), start_hi)
    };
    let pad = if hi > lo {
        0.04 * (hi - lo)
    } else {
        lo.abs().max(1.0) * 0.5
    };
    Some([lo - pad, hi + pad])
}

/// What the figures draw from.
struct Drawn<'a> {
    f: &'a downhill::Function,
    look: &'a settings::Look,
    explicit_domain: bool,
    starts: &'a [[f64; 2]],
    /// Each method at its chosen rate.
    configs: &'a [BatchConfig],
    names: &'a [String],
    criterion: &'a Criterion,
    results: &'a [MethodComparison],
    control: &'a Control<'a>,
    ascent: bool,
}

impl<'a> Drawn<'a> {
    fn color(i: usize) -> [u8; 3] {
        TAB10[i % TAB10.len()]
    }

    fn figure(&self, kind: Kind, random: bool) -> Figure<'a> {
        let title = plot::name(self.f);
        match kind {
            Kind::Paths => self.paths(random),
            Kind::Loss => {
                let (gap, gradient) = self.loss();
                let n = self.starts.len().min(compare::CURVE_STARTS);
                let over = if n == 1 {
                    "from one start".to_string()
                } else {
                    format!("median and quartiles over {n} starts")
                };
                self.charts(format!("{title}: loss curves, {over}"), vec![gap, gradient])
            }
            Kind::Rates => self.charts(format!("{title}: learning-rate sensitivity"), vec![self.rates()]),
        }
    }

    /// A figure of charts side by side, each the look's size.
    fn charts(&self, suptitle: String, charts: Vec<Chart>) -> Figure<'a> {
        let size = self.look.size;
        let columns = charts.len();
        Figure {
            width: ((size.width as usize * columns) as f64).min(settings::MAX_PIXELS) as u32,
            height: size.height,
            scale: size.scale,
            suptitle: Some(suptitle),
            panels: Vec::new(),
            columns,
            note: None,
            charts,
            charts_beside: None,
        }
    }

    /// Every method's path from one start (the one given, else the first random one) over the landscape.
    fn paths(&self, random: bool) -> Figure<'a> {
        let start = self.starts[0];
        let runs: Vec<RunResult> = self
            .configs
            .iter()
            .map(|c| downhill::run(self.f, &c.single(start, Record::AtMost(4096)), &c.spec))
            .filter_map(Result::ok)
            .collect();
        let refs: Vec<&RunResult> = runs.iter().collect();
        let look = super::run::widened(self.look, self.explicit_domain, &refs);
        let mut panel = look.panel(self.f);
        for (i, (r, name)) in runs.iter().zip(self.names).enumerate() {
            let color = Self::color(i);
            panel.paths.push(Path {
                points: r.path(),
                color,
                alpha: 1.0,
                width: 1.6,
                start: Some(START),
                end: Some(Marker { color, ..END }),
                stride: r.stride,
            });
            let end = match r.stationary_point.name() {
                "none" => r.termination.name(),
                kind => kind,
            };
            panel
                .legend
                .push((format!("{name}: {} epochs, {end}", r.epochs_run), Glyph::Line(color)));
        }
        let from = if random { "the first random start" } else { "the start" };
        look.figure(
            Some(format!("{}: from {from} {}", plot::name(self.f), point(start))),
            panel,
        )
    }

    /// The loss curves: the gap to the optimum (or f) and the gradient norm, per method, median and quartiles.
    fn loss(&self) -> (Chart, Chart) {
        let known = self.criterion.optimum().is_some();
        let gap_name = match (known, self.ascent) {
            (true, false) => "f - f*",
            (true, true) => "f* - f",
            (false, _) => "f",
        };
        let mut gap = Chart::new("epoch", gap_name);
        let mut gradient = Chart::new("epoch", "gradient norm");
        gap.log_y = known;
        gradient.log_y = true;
        let all: Vec<compare::Curves> = self
            .configs
            .iter()
            .map(|c| compare::curves(self.f, self.starts, c, self.criterion, self.control))
            .collect();
        for (i, ((curves, name), r)) in all.iter().zip(self.names).zip(self.results).enumerate() {
            let color = Self::color(i);
            let series = |q: &[Quartiles]| {
                let x = |k: usize| curves.epochs[k] as f64;
                Series {
                    points: q.iter().enumerate().map(|(k, q)| [x(k), q.median]).collect(),
                    band: if curves.starts > 1 {
                        q.iter().enumerate().map(|(k, q)| [x(k), q.q1, q.q3]).collect()
                    } else {
                        Vec::new()
                    },
                    // A method whose runs mostly diverge leaves at the top instead of squashing the others.
                    ranged: r.chosen.diverged < 0.25,
                    ..Series::line(Vec::new(), color)
                }
            };
            gap.series.push(series(&curves.gap));
            gradient.series.push(series(&curves.gradient_norm));
            // A curve that leaves the chart at its top edge says why.
            let diverged = r.chosen.diverged;
            let label = if diverged > 0.0 {
                format!("{name}, {} diverged", percent(diverged))
            } else {
                name.clone()
            };
            gap.legend.push((label, Glyph::Line(color)));
        }
        if !known {
            gap.y_range = value_range(&all, self.ascent);
        }
        (gap, gradient)
    }

    /// The criterion against the learning rate, each method's chosen rate ringed.
    fn rates(&self) -> Chart {
        let (y_name, share) = match self.criterion {
            Criterion::ReachGlobal { .. } => ("share of starts reaching the global optimum", true),
            Criterion::MedianValue => ("median final f", false),
        };
        let mut chart = Chart::new("learning rate", y_name);
        chart.log_x = true;
        chart.legend_outside = true;
        if share {
            chart.y_range = Some([-0.03, 1.03]);
        }
        for (i, (r, name)) in self.results.iter().zip(self.names).enumerate() {
            let value = |o: &Outcome| match o.reached {
                Some(v) => v,
                None => o.final_gap.map_or(f64::NAN, |q| q.median),
            };
            let color = Self::color(i);
            chart.series.push(Series {
                markers: true,
                emphasis: Some([r.chosen.learning_rate, value(&r.chosen)]),
                ..Series::line(
                    r.sensitivity.iter().map(|o| [o.learning_rate, value(o)]).collect(),
                    color,
                )
            });
            chart.legend.push((name.clone(), Glyph::Line(color)));
        }
        chart
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use downhill::compare::Quartiles;

    fn curves(gap: &[(f64, f64, f64)]) -> compare::Curves {
        compare::Curves {
            epochs: (0..gap.len() as u64).collect(),
            gap: gap
                .iter()
                .map(|&(q1, median, q3)| Quartiles { q1, median, q3 })
                .collect(),
            gradient_norm: Vec::new(),
            starts: 100,
        }
    }

    /// From the starts' upper quartile to the lowest lower quartile, padded by 4%; a method whose lower quartile
    /// runs away to -1e200 (f unbounded below) does not stretch the range, one that diverges upwards neither.
    #[test]
    fn the_value_range_follows_the_runs_but_not_runaways() {
        let settling = curves(&[(-1.0, 0.0, 2.0), (-3.0, -2.0, -1.0), (-4.0, -3.5, -3.0)]);
        let [lo, hi] = value_range(std::slice::from_ref(&settling), false).unwrap();
        assert!(
            (lo - (-4.0 - 0.24)).abs() < 1e-12 && (hi - (2.0 + 0.24)).abs() < 1e-12,
            "{lo} {hi}"
        );
        let runaway = curves(&[(-1.0, 0.0, 2.0), (-20.0, -1.0, 1e87), (-1e200, -1e100, f64::INFINITY)]);
        let both = [settling, runaway];
        let [lo2, hi2] = value_range(&both, false).unwrap();
        assert!((lo2 - (-20.0 - 0.04 * 22.0)).abs() < 1e-9 && hi2 < 3.0, "{lo2} {hi2}");
        // An ascent mirrors it.
        let up = curves(&[(-2.0, 0.0, 1.0), (2.0, 3.0, 4.0), (1e150, 1e200, 1e250)]);
        let [lo3, hi3] = value_range(&[up], true).unwrap();
        assert!(lo3 > -3.0 && (hi3 - (4.0 + 0.04 * 6.0)).abs() < 1e-9, "{lo3} {hi3}");
        assert_eq!(value_range(&[curves(&[(f64::NAN, f64::NAN, f64::NAN)])], false), None);
    }
}
