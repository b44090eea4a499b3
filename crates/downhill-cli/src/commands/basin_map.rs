//! `downhill basins --style map`: every start a pixel, coloured by the attractor its run reaches.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use downhill::batch::basins::{
    basin_map, Attractor, BasinConfig, BasinMap, DIVERGED, LEFT_DOMAIN, NOT_CONVERGED, UNDEFINED,
};
use downhill::batch::{BatchConfig, Control, Precision};
use downhill::{Function, Method, OptimizerSpec};
use downhill_plot::{Figure, Format, Glyph, GridImage, LegendPlace, Marker, Path, Shape, TAB10};
use serde_json::json;

use super::plot;
use crate::args::BasinsArgs;
use crate::diagnostic::CliError;
use crate::format::{num, point, short, table};
use crate::output;
use crate::settings::{self, Look, Training};

/// Attractors named in a map's legend; more are counted in one row.
const LEGEND_ATTRACTORS: usize = 8;

/// Colours of the first attractors: matplotlib's tab10 without its grey (which would read as "not
/// converged"); later ones step round the hue circle by the golden angle.
const PALETTE: [usize; 9] = [0, 1, 2, 3, 4, 5, 6, 8, 9];
const DIVERGED_COLOR: [u8; 3] = [20, 20, 20];
const NOT_CONVERGED_COLOR: [u8; 3] = [235, 235, 235];
const LEFT_DOMAIN_COLOR: [u8; 3] = [110, 110, 110];
const UNDEFINED_COLOR: [u8; 3] = [214, 196, 160];

/// The colour of attractor `i`.
pub fn attractor_color(i: usize) -> [u8; 3] {
    if i < PALETTE.len() {
        return TAB10[PALETTE[i]];
    }
    let hue = (i as f64 * 137.507_764) % 360.0;
    hsl(hue, 0.65, 0.5)
}

fn hsl(h: f64, s: f64, l: f64) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    [r, g, b].map(|v| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8)
}

/// A colour made lighter (t near 0: few steps) or darker (t near 1: many steps).
fn shade(c: [u8; 3], t: f64) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    // Light tint for quick starts, the full colour at half, a darker shade for the slowest.
    c.map(|v| {
        let v = v as f64;
        let out = if t < 0.5 {
            v + (255.0 - v) * (0.5 - t) * 1.1
        } else {
            v * (1.0 - (t - 0.5) * 0.9)
        };
        out.round().clamp(0.0, 255.0) as u8
    })
}

/// A colour as it is where a share `agreement` of a start's runs reached it: itself where all did, nearly
/// white where few did.
fn paler(c: [u8; 3], agreement: f32) -> [u8; 3] {
    let t = (1.0 - f64::from(agreement).clamp(0.0, 1.0)) * 0.9;
    c.map(|v| (f64::from(v) + (255.0 - f64::from(v)) * t).round() as u8)
}

/// The picture: hue by attractor, lightness by steps (with repeats: by the share of runs that reached the
/// attractor), top row at ymax.
pub fn picture(map: &BasinMap) -> GridImage {
    let [nx, ny] = map.grid;
    let max_steps = map.steps.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut rgb = Vec::with_capacity(nx * ny * 3);
    for row in (0..ny).rev() {
        for i in 0..nx {
            let k = row * nx + i;
            let c = match map.labels[k] {
                DIVERGED => DIVERGED_COLOR,
                NOT_CONVERGED => NOT_CONVERGED_COLOR,
                LEFT_DOMAIN => LEFT_DOMAIN_COLOR,
                UNDEFINED => UNDEFINED_COLOR,
                a if map.repeats > 1 => paler(attractor_color(a as usize), map.agreement[k]),
                a => shade(attractor_color(a as usize), (map.steps[k] as f64 / max_steps).sqrt()),
            };
            rgb.extend_from_slice(&c);
        }
    }
    GridImage {
        width: nx,
        height: ny,
        rgb,
    }
}

/// The time left, from the average rate since the start: indicatif's own estimate follows the latest rate,
/// which at the first update (a tile's first lanes, after the compile) gave "17h left" for a 17-second map.
fn time_left(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let text = time_left_text(state.pos(), state.len().unwrap_or(0), state.elapsed().as_secs_f64());
    let _ = w.write_str(&text);
}

/// [`time_left`] from `done` of `total` starts after `elapsed` seconds; nothing until a second has passed
/// and some starts are done.
fn time_left_text(done: u64, total: u64, elapsed: f64) -> String {
    if done == 0 || elapsed < 1.0 || total <= done {
        return "estimating time left".into();
    }
    match elapsed * (total - done) as f64 / done as f64 {
        s if s < 90.0 => format!("{:.0} s left", s.ceil()),
        s if s < 5400.0 => format!("{:.0} min left", (s / 60.0).ceil()),
        s => format!("{:.1} h left", s / 3600.0),
    }
}

/// Runs the map and writes what was asked for.
pub fn run(
    args: &BasinsArgs,
    f: &Function,
    method: Method,
    spec: OptimizerSpec,
    lr: f64,
    training: &Training,
) -> Result<(), CliError> {
    let grid = args.grid.unwrap_or([400, 400]);
    let epochs = args.epochs.unwrap_or(1000);
    if epochs > 1_000_000 {
        return Err(CliError::input(format!(
            "--epochs {epochs} is too many for a basin map (at most 1000000)"
        )));
    }
    training.around.validate(epochs).map_err(settings::input)?;
    spec.check_training(&training.around).map_err(settings::input)?;
    let repeats = args.repeats;
    if !(1..=MAX_REPEATS).contains(&repeats) {
        return Err(CliError::input(format!(
            "--repeats must be from 1 to {MAX_REPEATS} (got {repeats})"
        )));
    }
    if repeats > 1 && training.around.noise.is_none() {
        return Err(CliError::input(format!(
            "--repeats {repeats} would run the same paths {repeats} times: repeats differ by their gradient noise, \
             give --noise SIGMA"
        )));
    }
    let runs = grid[0].saturating_mul(grid[1]).saturating_mul(repeats);
    if runs > MAX_REPEATED_RUNS {
        return Err(CliError::input(format!(
            "--grid {}x{} with --repeats {repeats} is {runs} runs; at most {MAX_REPEATED_RUNS} in one map",
            grid[0], grid[1]
        )));
    }
    if args.starts.is_some() {
        return Err(CliError::input(
            "--starts belongs to --style trajectories; a map's starts cover --domain",
        ));
    }
    // clap checked the name against this list.
    let precision = Precision::from_name(&args.precision).unwrap_or(Precision::F64);
    settings::refuse_landscape_colours(&args.look)?;
    let look = Look::new(&args.look, f, training.ascent)?;
    let d = look.domain;
    let run = BatchConfig {
        epochs,
        learning_rate: lr,
        schedule: training.schedule,
        training: training.around,
        ascent: training.ascent,
        gtol: Some(training.gtol.unwrap_or(precision.default_gtol())),
        spec,
        precision,
        bounds: None,
    };
    let mut config = BasinConfig::new(grid, d, run);
    config.repeats = repeats;
    if let Some(tol) = args.cluster_tol {
        if !(tol.is_finite() && tol > 0.0) {
            return Err(CliError::input(format!(
                "--cluster-tol must be finite and positive (got {})",
                downhill::run::shown(tol)
            )));
        }
        config = config.with_cluster_tol(tol);
    }
    let plot_out = match &args.plot {
        Some(p) => Some(plot::target(p, &[Format::Png, Format::Svg], "figure")?),
        None => None,
    };
    let labels_out = match &args.labels {
        Some(p) => Some(output::prepare(p, "labels")?),
        None => None,
    };
    dump_kernel(f, precision);
    let (interrupted, _polling) = output::interrupted();
    let total = (grid[0] * grid[1] * repeats) as u64;
    let bar = (!args.json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {percent:>3}% {pos}/{len} starts, {left}")
                .map(|style| style.with_key("left", time_left))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |n: usize| {
        if let Some(b) = &bar {
            b.set_position(b.position().max(n as u64));
        }
    };
    let started = Instant::now();
    let map = basin_map(
        f,
        &config,
        &Control {
            cancel: Some(interrupted),
            progress: Some(&progress),
        },
    );
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if map.cancelled {
        return Err(CliError::Interrupted);
    }
    if map.undefined == total {
        return Err(nowhere_finite(f, d));
    }
    // Labels on standard output take it: the summary (or JSON) then goes to standard error.
    let summary_to_stderr = labels_out.as_ref().is_some_and(output::Output::is_stdout);
    let mut written = Vec::new();
    if let Some(out) = labels_out {
        written.push(out.write(|w| write_labels(w, &map))?);
    }
    if let Some((format, out)) = plot_out {
        let fig = figure(f, &look, &map, method, epochs, lr, training.ascent);
        written.push(out.write_bytes(&downhill_plot::render(&fig, format).map_err(plot::failed)?)?);
    }
    let notes = output::notes(&written);
    let fraction = |n: u64| n as f64 / total as f64;
    // `total` counts runs: starts times repeats.
    let text = if args.json {
        let attractors: Vec<_> = map
            .attractors
            .iter()
            .map(|a| json!({"point": a.point, "value": a.value, "kind": a.kind, "fraction": fraction(a.count)}))
            .collect();
        crate::format::json(&json!({
            "function": args.function.function,
            "grid": grid,
            "domain": d,
            "attractors": attractors,
            "diverged_fraction": fraction(map.diverged),
            "unconverged_fraction": fraction(map.not_converged),
            "left_domain_fraction": fraction(map.left_domain),
            "undefined_fraction": fraction(map.undefined),
            "repeats": repeats,
            "mixed_fraction": mixed(&map),
            "elapsed_s": elapsed,
            "point_steps": map.point_steps,
        }))
    } else {
        summary(&map, elapsed)
    };
    if summary_to_stderr {
        let _ = std::io::stderr().write_all((text + &notes).as_bytes());
        Ok(())
    } else if args.json {
        crate::emit(&text)?;
        let _ = std::io::stderr().write_all(notes.as_bytes());
        Ok(())
    } else {
        crate::emit(&(text + &notes))
    }
}

/// With DOWNHILL_JIT_DUMP=PATH, writes the map's compiled gradient to PATH.F64 (or .F32) and its constant
/// table to PATH.F64.consts, for `objdump` and `bench/kernel`. A tool for measuring, so a failure to write is
/// only reported.
fn dump_kernel(f: &Function, precision: Precision) {
    let Ok(path) = std::env::var("DOWNHILL_JIT_DUMP") else {
        return;
    };
    let Some((code, consts)) = downhill::batch::internals::gradient_kernel(f, precision) else {
        let _ = writeln!(std::io::stderr(), "DOWNHILL_JIT_DUMP: no machine code on this CPU");
        return;
    };
    let name = format!("{path}.{precision:?}");
    for (file, bytes) in [(name.clone(), code), (format!("{name}.consts"), consts)] {
        if let Err(e) = std::fs::write(&file, bytes) {
            let _ = writeln!(std::io::stderr(), "DOWNHILL_JIT_DUMP: could not write {file}: {e}");
        }
    }
}

/// The error for a map whose every run ended where f is not finite: where and why, at the domain's centre
/// (or the first of a few points where a cause shows).
fn nowhere_finite(f: &Function, d: [f64; 4]) -> CliError {
    let centre = [(d[0] + d[1]) / 2.0, (d[2] + d[3]) / 2.0];
    let message = "the function is not finite wherever the map's runs ended, so there is nothing to map";
    match f.explain_non_finite(centre) {
        Some(cause) => CliError::at(
            format!("{message}; at {}: {}", point(centre), cause.reason),
            f.source(),
            cause.span,
        ),
        None => CliError::input(format!("{message} (check --domain)")),
    }
}

fn write_labels(w: &mut dyn Write, map: &BasinMap) -> std::io::Result<()> {
    let nx = map.grid[0];
    for row in map.labels.chunks(nx) {
        let line: Vec<String> = row.iter().map(i32::to_string).collect();
        writeln!(w, "{}", line.join(","))?;
    }
    Ok(())
}

fn kind_name(a: &Attractor) -> &'static str {
    a.kind.name()
}

/// The most runs per start of a probability map.
const MAX_REPEATS: usize = 256;
/// The most runs (starts times repeats) of a probability map: a label each.
const MAX_REPEATED_RUNS: usize = 1 << 26;

/// Runs in the map: starts times repeats (the counts of attractors and outcomes are of runs).
fn runs(map: &BasinMap) -> f64 {
    (map.grid[0] * map.grid[1] * map.repeats) as f64
}

/// The share of starts whose repeats did not all reach the same attractor (0 without repeats).
fn mixed(map: &BasinMap) -> f64 {
    let n = map.agreement.iter().filter(|&&a| a < 1.0).count();
    n as f64 / map.agreement.len().max(1) as f64
}

fn summary(map: &BasinMap, elapsed: f64) -> String {
    let total = runs(map);
    let share = |n: u64| format!("{:.1}%", 100.0 * n as f64 / total);
    let mut rows: Vec<Vec<String>> = map
        .attractors
        .iter()
        .enumerate()
        .take(20)
        .map(|(i, a)| {
            vec![
                i.to_string(),
                kind_name(a).into(),
                point(a.point),
                num(a.value),
                share(a.count),
            ]
        })
        .collect();
    if map.attractors.len() > 20 {
        let rest: u64 = map.attractors[20..].iter().map(|a| a.count).sum();
        rows.push(vec![
            "...".into(),
            format!("{} more", map.attractors.len() - 20),
            String::new(),
            String::new(),
            share(rest),
        ]);
    }
    rows.push(vec![
        "-1".into(),
        "diverged".into(),
        String::new(),
        String::new(),
        share(map.diverged),
    ]);
    rows.push(vec![
        "-2".into(),
        "not converged".into(),
        String::new(),
        String::new(),
        share(map.not_converged),
    ]);
    for (label, name, n) in [
        (LEFT_DOMAIN, "left the domain", map.left_domain),
        (UNDEFINED, "f not finite at the end", map.undefined),
    ] {
        if n > 0 {
            rows.push(vec![
                label.to_string(),
                name.into(),
                String::new(),
                String::new(),
                share(n),
            ]);
        }
    }
    let mut out = format!(
        "{}x{} starts, {} attractors, {:.2} s ({} point-steps, {:.2} ns each)\n",
        map.grid[0],
        map.grid[1],
        map.attractors.len(),
        elapsed,
        map.point_steps,
        elapsed * 1e9 / map.point_steps.max(1) as f64
    );
    out.push_str(&table(&["#", "KIND", "POINT", "VALUE", "BASIN"], &rows));
    if map.repeats > 1 {
        out.push_str(&format!(
            "{} runs per start, each with its own noise; BASIN is the share of all runs. {:.1}% of the starts \
             ended in more than one basin.\n",
            map.repeats,
            100.0 * mixed(map)
        ));
    }
    out
}

fn figure<'a>(
    f: &'a Function,
    look: &Look,
    map: &BasinMap,
    method: Method,
    epochs: u64,
    lr: f64,
    ascent: bool,
) -> Figure<'a> {
    let mut panel = look.panel(f);
    panel.image = Some(picture(map));
    panel.title = Some(if map.repeats > 1 {
        format!(
            "{} {}x{} starts x {} noisy runs, {epochs} epochs, lr {}: hue = most runs' attractor, paler = fewer",
            method.name(),
            map.grid[0],
            map.grid[1],
            map.repeats,
            plot::python_float(lr)
        )
    } else {
        format!(
            "{} {}x{} starts, {epochs} epochs, lr {}: hue = attractor, darker = slower",
            method.name(),
            map.grid[0],
            map.grid[1],
            plot::python_float(lr)
        )
    });
    let total = runs(map);
    // Beside the map, where it hides nothing: the attractors (the first ones, with a count of the rest), then
    // the labels that are not attractors.
    panel.legend_place = LegendPlace::Outside;
    let shown = if map.attractors.len() > LEGEND_ATTRACTORS {
        LEGEND_ATTRACTORS - 1
    } else {
        map.attractors.len()
    };
    for (i, a) in map.attractors.iter().enumerate() {
        let color = attractor_color(i);
        // Every attractor gets its dot on the map; the legend names the first ones.
        let dot = Marker {
            shape: Shape::Circle,
            color: [255, 255, 255],
            size: 5.0,
        };
        panel.paths.push(Path {
            points: vec![a.point],
            color,
            alpha: 0.0,
            width: 1.0,
            start: None,
            end: Some(dot),
            stride: 1,
        });
        if i >= shown {
            continue;
        }
        let color = attractor_color(i);
        // White dots with a dark rim stand out on every hue; the legend carries the hue.
        let marker = Marker {
            shape: Shape::Circle,
            color,
            size: 5.0,
        };
        panel.legend.push((
            format!(
                "{i} {} ({}, {}) f {}: {:.1}%",
                a.kind.name(),
                short(a.point[0]),
                short(a.point[1]),
                short(a.value),
                100.0 * a.count as f64 / total
            ),
            Glyph::Marker(marker),
        ));
    }
    if shown < map.attractors.len() {
        let rest: u64 = map.attractors[shown..].iter().map(|a| a.count).sum();
        panel.legend.push((
            format!(
                "+{} more attractors {:.1}%",
                map.attractors.len() - shown,
                100.0 * rest as f64 / total
            ),
            Glyph::Marker(Marker {
                shape: Shape::Circle,
                color: attractor_color(shown),
                size: 5.0,
            }),
        ));
    }
    let square = |color| {
        Glyph::Marker(Marker {
            shape: Shape::Square,
            color,
            size: 5.0,
        })
    };
    if map.diverged > 0 {
        panel.legend.push((
            format!("diverged {:.1}%", 100.0 * map.diverged as f64 / total),
            square(DIVERGED_COLOR),
        ));
    }
    if map.not_converged > 0 {
        panel.legend.push((
            format!("not converged {:.1}%", 100.0 * map.not_converged as f64 / total),
            square([190, 190, 190]),
        ));
    }
    if map.left_domain > 0 {
        panel.legend.push((
            format!("left the domain {:.1}%", 100.0 * map.left_domain as f64 / total),
            square(LEFT_DOMAIN_COLOR),
        ));
    }
    if map.undefined > 0 {
        panel.legend.push((
            format!("f not finite {:.1}%", 100.0 * map.undefined as f64 / total),
            square(UNDEFINED_COLOR),
        ));
    }
    let kind = if ascent { "ascent" } else { "descent" };
    look.figure(Some(format!("Basins of attraction ({kind}): {}", plot::name(f))), panel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_comes_from_the_average_rate() {
        // A 17-second map: after its first tile's lanes the estimate is 17 s, not hours.
        assert_eq!(time_left_text(0, 1000, 0.2), "estimating time left");
        assert_eq!(time_left_text(1, 1000, 0.02), "estimating time left");
        assert_eq!(time_left_text(100, 1000, 1.7), "16 s left");
        assert_eq!(time_left_text(100, 1000, 60.0), "9 min left");
        assert_eq!(time_left_text(10, 1000, 72.0), "2.0 h left");
    }

    #[test]
    fn the_picture_puts_ymax_on_top_and_colours_by_attractor_and_steps() {
        // A 3x2 grid: bottom row (ymin) attractor 0 fast, attractor 1 slow, diverged; top row not converged,
        // attractor 0 slow, attractor 1 fast.
        let map = BasinMap {
            grid: [3, 2],
            domain: [0.0, 1.0, 0.0, 1.0],
            labels: vec![0, 1, DIVERGED, NOT_CONVERGED, 0, 1],
            steps: vec![1, 100, 3, 100, 100, 1],
            attractors: vec![],
            repeats: 1,
            repeat_labels: vec![],
            agreement: vec![],
            diverged: 1,
            not_converged: 1,
            left_domain: 0,
            undefined: 0,
            point_steps: 305,
            cancelled: false,
        };
        let img = picture(&map);
        assert_eq!((img.width, img.height), (3, 2));
        let px = |x: usize, y: usize| {
            let i = (y * 3 + x) * 3;
            [img.rgb[i], img.rgb[i + 1], img.rgb[i + 2]]
        };
        // Image row 0 is the grid's top row (ymax).
        assert_eq!(px(0, 0), NOT_CONVERGED_COLOR);
        assert_eq!(px(2, 1), DIVERGED_COLOR);
        let brightness = |c: [u8; 3]| c.iter().map(|&v| v as u32).sum::<u32>();
        // Same attractor: the quick start is lighter than the slow one; different attractors differ in hue.
        assert!(
            brightness(px(0, 1)) > brightness(px(1, 0)),
            "{:?} vs {:?}",
            px(0, 1),
            px(1, 0)
        );
        assert!(brightness(px(2, 0)) > brightness(px(1, 1)));
        assert_ne!(px(0, 1), px(2, 0));
        assert_eq!(attractor_color(0), TAB10[0]);
        assert!(
            (0..9).all(|i| attractor_color(i) != TAB10[7]),
            "grey is for not converged"
        );
        assert_ne!(attractor_color(10), attractor_color(11));
    }
}
