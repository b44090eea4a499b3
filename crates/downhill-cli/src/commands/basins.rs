//! `downhill basins --style trajectories`: the seed's figure25, every start's path over the landscape.

use std::collections::BTreeMap;

use downhill::{Method, OptimizerSpec, RunResult};
use downhill_plot::{Figure, Format, Glyph, Marker, Path, Shape};

use super::plot;
use crate::args::{BasinsArgs, StyleArg};
use crate::diagnostic::CliError;
use crate::format::{num, point, table};
use crate::settings::{self, Look, Training};

/// The most starts whose paths are drawn one by one.
const MAX_TRAJECTORIES: usize = 10_000;

/// The seed's small markers: blue squares at the starts, black dots at the ends.
const START: Marker = Marker {
    shape: Shape::Square,
    color: [0, 0, 255],
    size: 1.2,
};
const END: Marker = Marker {
    shape: Shape::Circle,
    color: [0, 0, 0],
    size: 1.6,
};

/// The grid of starts, row by row from the bottom: `np.linspace` along each axis.
pub fn grid_starts(b: [f64; 4], [nx, ny]: [usize; 2]) -> Vec<[f64; 2]> {
    let at = |lo: f64, hi: f64, i: usize, n: usize| {
        if n == 1 {
            lo
        } else {
            lo + (hi - lo) * i as f64 / (n - 1) as f64
        }
    };
    (0..ny)
        .flat_map(|j| (0..nx).map(move |i| [at(b[0], b[1], i, nx), at(b[2], b[3], j, ny)]))
        .collect()
}

/// `downhill basins`: a basin map (default) or every path drawn.
pub fn run(args: &BasinsArgs) -> Result<(), CliError> {
    let f = settings::function(&args.function.function)?;
    let method = args.optimizer;
    let spec = settings::optimizer(method, &args.training.options)?;
    let lr = settings::learning_rate(method, args.lr)?;
    let training = settings::Training::new(&args.training)?;
    match args.style {
        StyleArg::Trajectories if args.repeats != 1 => Err(CliError::input(
            "--repeats makes a probability map; --style trajectories draws one path per start",
        )),
        StyleArg::Trajectories => run_trajectories(args, &f, method, &spec, lr, &training),
        StyleArg::Map => super::basin_map::run(args, &f, method, spec, lr, &training),
    }
}

fn run_trajectories(
    args: &BasinsArgs,
    f: &downhill::Function,
    method: Method,
    spec: &OptimizerSpec,
    lr: f64,
    training: &Training,
) -> Result<(), CliError> {
    let path = args
        .plot
        .as_ref()
        .ok_or_else(|| CliError::input("--style trajectories needs --plot FILE"))?;
    if args.json || args.labels.is_some() {
        return Err(CliError::input("--json and --labels belong to --style map"));
    }
    if args.cluster_tol.is_some() || args.precision != "f64" {
        return Err(CliError::input("--cluster-tol and --precision belong to --style map"));
    }
    let (format, out) = plot::target(path, &[Format::Png, Format::Svg], "figure")?;
    let look = Look::new(&args.look, f, training.ascent)?;
    let grid = args.grid.unwrap_or([25, 25]);
    let epochs = args.epochs.unwrap_or(100);
    let n = grid[0] * grid[1];
    if n > MAX_TRAJECTORIES {
        return Err(CliError::input(format!(
            "--grid {}x{} is {n} starts; --style trajectories draws at most {MAX_TRAJECTORIES}",
            grid[0], grid[1]
        )));
    }
    if epochs > 100_000 {
        return Err(CliError::input(format!(
            "--epochs {epochs} is too many for drawn trajectories (at most 100000)"
        )));
    }
    let d = look.domain;
    let starts = args.starts.unwrap_or_else(|| {
        let (mx, my) = ((d[1] - d[0]) / 12.0, (d[3] - d[2]) / 12.0);
        [d[0] + mx, d[1] - mx, d[2] + my, d[3] - my]
    });
    if !(starts[0] <= starts[1] && starts[2] <= starts[3]) {
        return Err(CliError::input(
            "--starts must be XMIN,XMAX,YMIN,YMAX with XMIN <= XMAX and YMIN <= YMAX",
        ));
    }
    let (figure, results) = trajectories(f, &look, starts, grid, lr, epochs, training, method, spec)?;
    let bytes = downhill_plot::render(&figure, format).map_err(plot::failed)?;
    let written = out.write_bytes(&bytes)?;
    crate::emit(&(summary(f, &results, n) + &crate::output::notes(&[written])))
}

/// Runs every start of the grid and draws the paths (the seed's figure25).
#[allow(clippy::too_many_arguments)]
pub fn trajectories<'a>(
    f: &'a downhill::Function,
    look: &Look,
    starts: [f64; 4],
    grid: [usize; 2],
    lr: f64,
    epochs: u64,
    training: &Training,
    method: Method,
    spec: &OptimizerSpec,
) -> Result<(Figure<'a>, Vec<RunResult>), CliError> {
    let n = grid[0] * grid[1];
    let mut results = Vec::with_capacity(n);
    for start in grid_starts(starts, grid) {
        let mut config = training.config(start, lr, epochs);
        // Up to 10,000 drawn paths of up to 10^5 epochs: kept in full they could take 40 GB.
        config.record = downhill::run::Record::AtMost(250);
        match downhill::run(f, &config, spec) {
            Ok(r) => results.push(r),
            // A start where the function is not finite is skipped, and counted below.
            Err(downhill::run::RunError::NotFiniteAtStart(_)) => {}
            Err(e) => return Err(CliError::input(e.to_string())),
        }
    }
    let mut panel = look.panel(f);
    panel.title = Some(format!(
        "Training epochs: {}, Learning rate: {}",
        epochs,
        plot::python_float(lr)
    ));
    for r in &results {
        let points = r.path();
        panel.paths.push(Path {
            points,
            color: [255, 0, 0],
            alpha: 0.5,
            width: 1.0,
            start: Some(START),
            end: Some(END),
            stride: r.stride,
        });
    }
    panel.legend = vec![
        ("Start point".into(), Glyph::Marker(START)),
        ("End point".into(), Glyph::Marker(END)),
    ];
    let kind = if training.ascent { "Ascent" } else { "Descent" };
    let method_name = if method == Method::Gd {
        format!("Gradient {kind}")
    } else {
        format!("{} ({kind})", method.name())
    };
    let figure = look.figure(
        Some(format!("Basins of Attraction for {method_name}: {}", plot::name(f))),
        panel,
    );
    Ok((figure, results))
}

/// Where the starts went: counts by end-point class and, for catalog functions, by documented extremum.
fn summary(f: &downhill::Function, results: &[RunResult], n: usize) -> String {
    let mut out = format!("{} starts", n);
    if results.len() < n {
        out.push_str(&format!(
            " ({} skipped: the function is not finite there)",
            n - results.len()
        ));
    }
    out.push('\n');
    let mut groups: BTreeMap<String, (usize, String, String, String)> = BTreeMap::new();
    let entry = f.name().and_then(downhill::catalog::lookup);
    for r in results {
        let documented = entry.and_then(|e| {
            e.extrema
                .iter()
                .find(|x| (x.point[0] - r.end[0]).hypot(x.point[1] - r.end[1]) < 1e-2)
        });
        let (kind, where_, value) = match documented {
            Some(x) => (
                serde_json::to_value(x.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                point(x.point),
                num(x.value),
            ),
            None => (
                format!("{} ({})", r.stationary_point.name(), r.termination.name()),
                "elsewhere".into(),
                "-".into(),
            ),
        };
        let g = groups
            .entry(format!("{kind}{where_}"))
            .or_insert((0, kind, where_, value));
        g.0 += 1;
    }
    let mut rows: Vec<Vec<String>> = groups
        .into_values()
        .map(|(count, kind, where_, value)| {
            vec![
                count.to_string(),
                format!("{:.1}%", 100.0 * count as f64 / n as f64),
                kind,
                where_,
                value,
            ]
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r[0].parse::<usize>().unwrap_or(0)));
    out.push_str(&table(&["STARTS", "SHARE", "ENDED IN", "AT", "VALUE"], &rows));
    out
}
