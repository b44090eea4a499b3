//! Basins of attraction: a grid of starts run in tiles through the batched engine, each end point assigned to
//! an attractor as it arrives (so memory holds one tile of starts plus a label and a step count per start),
//! attractors then classified from the Hessian and numbered by the area of their basins. A run that used all
//! its epochs counts as arrived when its final gradient is small; if its cluster then turns out not to be a
//! stationary point (a plateau), its starts are labelled not converged. With gradient noise, each run's end is
//! followed on without noise to the attractor of the basin it ended in; with repeats, every start runs several
//! times with its own noise and the map gives the share of its runs that reached each attractor.

use super::clustering::Clusterer;
use super::{run_batch, BatchConfig, Control, LaneEnd};
use crate::classify::{classify, StationaryPoint};
use crate::run::{Termination, DIVERGENCE_LIMIT};
use crate::Function;

/// Label of a start whose run diverged.
pub const DIVERGED: i32 = -1;
/// Label of a start whose run ended away from any stationary point.
pub const NOT_CONVERGED: i32 = -2;
/// Label of a start whose run ended outside the domain widened by [`OUTSIDE_MARGIN`] on each side: where it
/// went is not on the map (momentum can carry runs onto a far plateau, where each would be an attractor).
pub const LEFT_DOMAIN: i32 = -3;
/// Label of a start whose run ended where f is not a finite number (`ln` of a negative number): no attractor
/// has a value there.
pub const UNDEFINED: i32 = -4;

/// How far past the domain, as a share of its width and height, a run may end and still count.
pub const OUTSIDE_MARGIN: f64 = 0.1;

/// Starts per tile: enough to keep every core busy, small enough that a tile's starts and ends stay modest.
const TILE: usize = 1 << 18;

/// A basin map's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct BasinConfig {
    /// Starts along x and y.
    pub grid: [usize; 2],
    /// `[xmin, xmax, ymin, ymax]`: the starts are `linspace(xmin, xmax, nx)` by `linspace(ymin, ymax, ny)`.
    pub domain: [f64; 4],
    /// The runs.
    pub run: BatchConfig,
    /// End points closer than this belong to the same attractor.
    pub cluster_tol: f64,
    /// A run that used all its epochs counts as converged when its final gradient norm is at most this.
    pub stationary_tol: f64,
    /// Runs per start (at least 1): with gradient noise, repeat `r` of start `s` draws noise stream
    /// `stream + r * starts + s`, and the map says, for each start, which attractor most repeats reached and
    /// how many ([`BasinMap::agreement`]): a probability map.
    pub repeats: usize,
}

impl BasinConfig {
    /// A map's settings with the default tolerances ([`BasinConfig::default_cluster_tol`] and
    /// [`BasinConfig::stationary_tol_for`]); the command line and the server both start from these.
    pub fn new(grid: [usize; 2], domain: [f64; 4], run: BatchConfig) -> BasinConfig {
        let cluster_tol = BasinConfig::default_cluster_tol(domain);
        BasinConfig {
            grid,
            domain,
            stationary_tol: BasinConfig::stationary_tol_for(cluster_tol, run.learning_rate),
            run,
            cluster_tol,
            repeats: 1,
        }
    }

    /// End points closer than 1% of the domain's larger side are one attractor.
    pub fn default_cluster_tol(domain: [f64; 4]) -> f64 {
        0.01 * (domain[1] / 2.0 - domain[0] / 2.0).max(domain[3] / 2.0 - domain[2] / 2.0) * 2.0
    }

    /// A run that used all its epochs has arrived when its steps (the learning rate times the gradient norm)
    /// are below a thousandth of the clustering tolerance (and the norm below 0.01).
    pub fn stationary_tol_for(cluster_tol: f64, learning_rate: f64) -> f64 {
        (cluster_tol * 1e-3 / learning_rate).min(1e-2)
    }

    /// Sets the clustering tolerance, and the stationary tolerance that follows from it.
    pub fn with_cluster_tol(mut self, cluster_tol: f64) -> BasinConfig {
        self.cluster_tol = cluster_tol;
        self.stationary_tol = BasinConfig::stationary_tol_for(cluster_tol, self.run.learning_rate);
        self
    }
}

/// A point where runs end.
#[derive(Clone, Debug, PartialEq)]
pub struct Attractor {
    /// The mean of the end points that reached it.
    pub point: [f64; 2],
    /// f there.
    pub value: f64,
    /// Its kind, from the Hessian.
    pub kind: StationaryPoint,
    /// Runs that reached it (starts times repeats).
    pub count: u64,
}

/// The result.
#[derive(Clone, Debug)]
pub struct BasinMap {
    /// Starts along x and y.
    pub grid: [usize; 2],
    /// The domain of the starts.
    pub domain: [f64; 4],
    /// One label per start, row by row from ymin: an attractor index, [`DIVERGED`], [`NOT_CONVERGED`],
    /// [`LEFT_DOMAIN`] or [`UNDEFINED`]; with repeats, the label most of the start's repeats got (ties to
    /// the lower label).
    pub labels: Vec<i32>,
    /// Updates each start's run applied (with repeats, the first repeat's).
    pub steps: Vec<u32>,
    /// Attractors, largest basin first.
    pub attractors: Vec<Attractor>,
    /// Runs per start.
    pub repeats: usize,
    /// With repeats, every run's label, repeat by repeat (`repeat_labels[r * starts + s]`); empty without.
    pub repeat_labels: Vec<i32>,
    /// With repeats, the share of each start's repeats that got its label in `labels`; empty without.
    pub agreement: Vec<f32>,
    /// Runs that diverged (starts times repeats).
    pub diverged: u64,
    /// Runs that did not converge.
    pub not_converged: u64,
    /// Runs that ended outside the domain.
    pub left_domain: u64,
    /// Runs that ended where f is not finite.
    pub undefined: u64,
    /// Updates applied in all (the work done).
    pub point_steps: u64,
    /// Whether the map was stopped early (unfinished tiles are labelled not converged).
    pub cancelled: bool,
}

fn label_of(e: &LaneEnd, stationary_tol: f64, inside: [f64; 4], clusters: &mut Clusterer) -> i32 {
    // A lane that used its epochs, or a line search that stopped by its own tolerances (L-BFGS's stop above a
    // tight gtol), has arrived where its gradient is within the stationary tolerance.
    let converged = e.termination == Termination::Converged
        || (matches!(e.termination, Termination::MaxEpochs | Termination::Stalled)
            && e.gradient_norm <= stationary_tol);
    let [x, y] = e.end;
    let within = (inside[0]..=inside[1]).contains(&x) && (inside[2]..=inside[3]).contains(&y);
    // A run that went past the divergence limit diverged, even where f overflows there (x^4 at 1e13 in f32).
    let escaped = !(x.abs() <= DIVERGENCE_LIMIT && y.abs() <= DIVERGENCE_LIMIT);
    match e.termination {
        Termination::Diverged if escaped => DIVERGED,
        _ if !e.value.is_finite() => UNDEFINED,
        Termination::Diverged => DIVERGED,
        _ if !within => LEFT_DOMAIN,
        _ if converged => clusters.assign(e.end) as i32,
        _ => NOT_CONVERGED,
    }
}

/// Runs the grid and groups the ends. `control.progress` receives the number of starts finished so far.
pub fn basin_map(f: &Function, config: &BasinConfig, control: &Control) -> BasinMap {
    let [nx, ny] = config.grid;
    let d = config.domain;
    let at = |lo: f64, hi: f64, i: usize, n: usize| {
        if n <= 1 {
            lo
        } else {
            lo + (hi - lo) * i as f64 / (n - 1) as f64
        }
    };
    let total = nx * ny;
    let repeats = config.repeats.max(1);
    let mut labels = vec![NOT_CONVERGED; total * repeats];
    let mut steps = vec![0u32; total];
    let mut clusters = Clusterer::new(config.cluster_tol);
    let rows_per_tile = (TILE / nx.max(1)).max(1);
    let mut cancelled = false;
    let mut point_steps = 0u64;
    let (mx, my) = (OUTSIDE_MARGIN * (d[1] - d[0]), OUTSIDE_MARGIN * (d[3] - d[2]));
    let inside = [d[0] - mx, d[1] + mx, d[2] - my, d[3] + my];
    let mut row = 0;
    while row < ny {
        if control
            .cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        {
            cancelled = true;
            break;
        }
        let rows = rows_per_tile.min(ny - row);
        let starts: Vec<[f64; 2]> = (0..rows * nx)
            .map(|i| [at(d[0], d[1], i % nx, nx), at(d[2], d[3], row + i / nx, ny)])
            .collect();
        let offset = row * nx;
        for r in 0..repeats {
            // Runs finished before this tile's repeat r: every repeat of the earlier tiles, r of this one.
            let before = offset * repeats + r * starts.len();
            let progress = |n: usize| {
                if let Some(p) = control.progress {
                    p(before + n);
                }
            };
            let tile_control = Control {
                cancel: control.cancel,
                progress: Some(&progress),
            };
            // Start i of the map draws noise stream i (repeat r: r * total + i), whichever tile it is in.
            let mut run = config.run.clone();
            if let Some(n) = &mut run.training.noise {
                n.stream = n.stream.wrapping_add((r * total + offset) as u64);
            }
            let mut ends = run_batch(f, &starts, &run, &tile_control);
            if run.training.noise.is_some() {
                point_steps += settle(f, &mut ends, &run, control);
            }
            for (i, e) in ends.iter().enumerate() {
                labels[r * total + offset + i] = label_of(e, config.stationary_tol, inside, &mut clusters);
                if r == 0 {
                    steps[offset + i] = e.epochs_run;
                }
                point_steps += u64::from(e.epochs_run);
            }
        }
        row += rows;
    }
    // Attractors: mean points, classified, numbered by basin size.
    let mut scratch = Vec::new();
    let found: Vec<(usize, Attractor)> = (0..clusters.first.len())
        .map(|a| {
            let c = clusters.count[a] as f64;
            let point = [clusters.sum[a][0] / c, clusters.sum[a][1] / c];
            let s = f.second_order_with(point, &mut scratch);
            (
                a,
                Attractor {
                    point,
                    value: s.value,
                    kind: classify(point, &s),
                    count: clusters.count[a],
                },
            )
        })
        .collect();
    // Ends that cluster but are not at a stationary point (a plateau where the gradient is tiny but the run
    // is still creeping) are not attractors: those starts did not converge.
    let (kept, creeping): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|(_, a)| a.kind != StationaryPoint::None && a.value.is_finite());
    let mut found = kept;
    found.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.1.value.total_cmp(&b.1.value)));
    let mut renumber = vec![NOT_CONVERGED; clusters.first.len()];
    for (new, (old, _)) in found.iter().enumerate() {
        renumber[*old] = new as i32;
    }
    debug_assert!(creeping.iter().all(|(old, _)| renumber[*old] == NOT_CONVERGED));
    for l in labels.iter_mut().filter(|l| **l >= 0) {
        *l = renumber[*l as usize];
    }
    let count = |label: i32| labels.iter().filter(|&&l| l == label).count() as u64;
    let (diverged, not_converged) = (count(DIVERGED), count(NOT_CONVERGED));
    let (left_domain, undefined) = (count(LEFT_DOMAIN), count(UNDEFINED));
    let (labels, repeat_labels, agreement) = if repeats == 1 {
        (labels, Vec::new(), Vec::new())
    } else {
        let (most, agreement) = (0..total).map(|s| most_common(&labels, s, total, repeats)).unzip();
        (most, labels, agreement)
    };
    BasinMap {
        grid: config.grid,
        domain: d,
        labels,
        steps,
        repeats,
        repeat_labels,
        agreement,
        attractors: found.into_iter().map(|(_, a)| a).collect(),
        diverged,
        not_converged,
        left_domain,
        undefined,
        point_steps,
        cancelled,
    }
}

/// A noisy run ends near an attractor, not at it: each end (but a diverged one, or one where f is not finite)
/// is followed on without noise, by the same optimizer and settings, to the attractor of the basin it ended
/// in, which labels it. Returns the updates taken.
fn settle(f: &Function, ends: &mut [LaneEnd], run: &BatchConfig, control: &Control) -> u64 {
    let mut quiet = run.clone();
    quiet.training.noise = None;
    // Only the ends that can be followed: a diverged one stays diverged.
    let followed: Vec<usize> = (0..ends.len())
        .filter(|&i| ends[i].termination != Termination::Diverged && ends[i].value.is_finite())
        .collect();
    if followed.is_empty() {
        return 0;
    }
    let from: Vec<[f64; 2]> = followed.iter().map(|&i| ends[i].end).collect();
    let settled = run_batch(
        f,
        &from,
        &quiet,
        &Control {
            cancel: control.cancel,
            progress: None,
        },
    );
    let mut steps = 0;
    for (&i, s) in followed.iter().zip(settled) {
        steps += u64::from(s.epochs_run);
        ends[i] = LaneEnd {
            epochs_run: ends[i].epochs_run,
            ..s
        };
    }
    steps
}

/// The label most of start `s`'s repeats got (ties to the lower label) and the share that got it.
fn most_common(labels: &[i32], s: usize, total: usize, repeats: usize) -> (i32, f32) {
    let mut seen: Vec<(i32, usize)> = Vec::new();
    for r in 0..repeats {
        let l = labels[r * total + s];
        match seen.iter_mut().find(|(k, _)| *k == l) {
            Some((_, n)) => *n += 1,
            None => seen.push((l, 1)),
        }
    }
    let (label, n) = seen
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .unwrap_or((NOT_CONVERGED, 0));
    (label, n as f32 / repeats as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Precision;
    use crate::{OptimizerSpec, Schedule};

    /// With gradient noise every start of a map draws its own stream, the start's index, also past the first
    /// tile: a start ends after as many updates as a single run of its stream.
    #[test]
    fn every_start_of_a_noisy_map_draws_its_own_stream() {
        let f = Function::parse("x^2 + y^2").unwrap();
        let n = 513; // 263169 starts: two tiles
        let mut c = config(n, [-1.0, 1.0, -1.0, 1.0], 400, 0.1);
        c.run.gtol = Some(0.05);
        let noise = crate::optim::Noise {
            sigma: 0.2,
            seed: 5,
            stream: 0,
        };
        c.run.training.noise = Some(noise);
        let map = basin_map(&f, &c, &Control::NONE);
        let at = |i: usize| {
            let step = |k: usize, m: usize| -1.0 + 2.0 * k as f64 / (m - 1) as f64;
            [step(i % n, n), step(i / n, n)]
        };
        for i in [5, 777, TILE - 1, TILE, TILE + 1, TILE + 432, n * n - 1] {
            let mut single = crate::RunConfig::new(at(i)).learning_rate(0.1).epochs(400);
            single.gtol = Some(0.05);
            single.training.noise = Some(crate::optim::Noise {
                stream: i as u64,
                ..noise
            });
            let r = crate::run(&f, &single, &c.run.spec).unwrap();
            assert_eq!(u64::from(map.steps[i]), r.epochs_run, "start {i} at {:?}", at(i));
        }
    }

    fn config(grid: usize, domain: [f64; 4], epochs: u64, lr: f64) -> BasinConfig {
        BasinConfig {
            grid: [grid, grid],
            domain,
            run: BatchConfig {
                epochs,
                learning_rate: lr,
                schedule: Schedule::Constant,
                training: crate::optim::TrainingLoop::default(),
                ascent: false,
                gtol: Some(1e-8),
                spec: OptimizerSpec::gd(),
                precision: Precision::F64,
                bounds: None,
            },
            cluster_tol: 0.05,
            stationary_tol: 1e-4,
            repeats: 1,
        }
    }

    /// With noise and repeats, repeat r of start s runs noise stream r * starts + s (as a single run of that
    /// stream); the same seed gives the same map, another seed another one; the map's label is the one most
    /// repeats got, with the share that got it.
    #[test]
    fn repeats_make_a_probability_map() {
        let f = Function::resolve("himmelblau").unwrap();
        // A cosine schedule: the noisy steps (lr times the noise) shrink to nothing, so every run settles.
        let mut c = config(24, [-5.0, 5.0, -5.0, 5.0], 300, 0.01);
        c.run.gtol = None;
        c.run.schedule = Schedule::parse("cosine").unwrap();
        c.stationary_tol = 1.0;
        c.repeats = 6;
        let noise = crate::optim::Noise {
            sigma: 20.0,
            seed: 3,
            stream: 0,
        };
        c.run.training.noise = Some(noise);
        let map = basin_map(&f, &c, &Control::NONE);
        let n = 24 * 24;
        assert_eq!(
            (map.repeats, map.repeat_labels.len(), map.agreement.len()),
            (6, 6 * n, n)
        );
        let total: u64 = map.attractors.iter().map(|a| a.count).sum::<u64>()
            + map.diverged
            + map.not_converged
            + map.left_domain
            + map.undefined;
        assert_eq!(total, 6 * n as u64);
        for s in 0..n {
            let mine: Vec<i32> = (0..6).map(|r| map.repeat_labels[r * n + s]).collect();
            let agree = mine.iter().filter(|&&l| l == map.labels[s]).count();
            assert!(
                mine.iter().all(|l| mine.iter().filter(|&m| m == l).count() <= agree),
                "{mine:?}"
            );
            assert_eq!(map.agreement[s], agree as f32 / 6.0);
        }
        // Some starts' repeats disagree: the noise moves runs across basin boundaries.
        let mixed = map.agreement.iter().filter(|&&a| a < 1.0).count();
        assert!(mixed > n / 20 && mixed < n, "{mixed} of {n} mixed");
        // Repeat 2 of start 100 is the single run of stream 2 * n + 100.
        let at = |i: usize| {
            let step = |k: usize| -5.0 + 10.0 * k as f64 / 23.0;
            [step(i % 24), step(i / 24)]
        };
        let mut single = crate::RunConfig::new(at(100)).learning_rate(0.01).epochs(300);
        single.schedule = c.run.schedule;
        single.training.noise = Some(crate::optim::Noise {
            stream: (2 * n + 100) as u64,
            ..noise
        });
        let r = crate::run(&f, &single, &c.run.spec).unwrap();
        let again = basin_map(&f, &c, &Control::NONE);
        assert_eq!(again.repeat_labels, map.repeat_labels);
        let end_label = map.repeat_labels[2 * n + 100];
        let nearest = map
            .attractors
            .iter()
            .position(|a| (a.point[0] - r.end[0]).hypot(a.point[1] - r.end[1]) < 0.2);
        assert_eq!(nearest.map(|k| k as i32), Some(end_label).filter(|&l| l >= 0));
        c.run.training.noise = Some(crate::optim::Noise { seed: 4, ..noise });
        let other = basin_map(&f, &c, &Control::NONE);
        assert_ne!(other.repeat_labels, map.repeat_labels);
    }

    #[test]
    fn himmelblau_has_four_basins() {
        let f = Function::resolve("himmelblau").unwrap();
        let map = basin_map(&f, &config(64, [-5.0, 5.0, -5.0, 5.0], 2000, 0.005), &Control::NONE);
        let minima: Vec<&Attractor> = map
            .attractors
            .iter()
            .filter(|a| a.kind == StationaryPoint::Minimum)
            .collect();
        assert_eq!(minima.len(), 4, "{:?}", map.attractors);
        for m in &minima {
            assert!(m.value.abs() < 1e-8, "{m:?}");
            assert!(m.count > 64 * 64 / 10, "{m:?}");
        }
        // (3, 2) is one of them, and the start (3, 2) itself is labelled with it.
        let a = minima
            .iter()
            .position(|m| (m.point[0] - 3.0).hypot(m.point[1] - 2.0) < 1e-4)
            .unwrap();
        assert!(map.attractors[a].count > 0);
    }

    #[test]
    fn six_hump_camel_minima_are_found_and_labels_are_rows_from_ymin() {
        let f = Function::resolve("six-hump-camel").unwrap();
        let map = basin_map(&f, &config(40, [-2.0, 2.0, -1.0, 1.0], 3000, 0.01), &Control::NONE);
        let minima = map
            .attractors
            .iter()
            .filter(|a| a.kind == StationaryPoint::Minimum)
            .count();
        assert_eq!(minima, 6, "{:?}", map.attractors);
        // The two global minima (±0.0898, ∓0.7126): the start nearest (0.0898, -0.7126) lies in row 3 or so
        // (ymin first), and its label is the attractor at that point.
        let global = map
            .attractors
            .iter()
            .position(|a| (a.point[0] - 0.0898).hypot(a.point[1] + 0.7126) < 1e-3)
            .unwrap();
        let (i, j) = (
            ((0.0898 + 2.0) / 4.0 * 39.0f64).round() as usize,
            ((-0.7126 + 1.0) / 2.0 * 39.0f64).round() as usize,
        );
        assert_eq!(map.labels[j * 40 + i], global as i32);
        let total: u64 = map.attractors.iter().map(|a| a.count).sum::<u64>() + map.diverged + map.not_converged;
        assert_eq!(total, 1600);
    }

    #[test]
    fn f32_maps_stop_early_with_their_default_gtol() {
        // Himmelblau, 32x32 starts: in f64 with gtol 1e-8 the starts stop after 48 epochs on average. In f32
        // the gradient near a minimum is rounding noise above 1e-8, so with f64's default most never stop; with
        // f32's default (1e-4) they stop as early as in f64, and the attractors are the same.
        let f = Function::resolve("himmelblau").unwrap();
        let mut c = config(32, [-5.0, 5.0, -5.0, 5.0], 1000, 0.01);
        let f64_map = basin_map(&f, &c, &Control::NONE);
        c.run.precision = Precision::F32;
        let strict = basin_map(&f, &c, &Control::NONE);
        c.run.gtol = Some(Precision::F32.default_gtol());
        let f32_map = basin_map(&f, &c, &Control::NONE);
        let all = 32 * 32 * 1000;
        assert!(f64_map.point_steps < all / 10, "{}", f64_map.point_steps);
        assert!(strict.point_steps > all * 2 / 3, "{}", strict.point_steps);
        assert!(
            f32_map.point_steps <= f64_map.point_steps,
            "{} {}",
            f32_map.point_steps,
            f64_map.point_steps
        );
        assert_eq!(f32_map.labels, f64_map.labels);
        assert_eq!(f32_map.attractors.len(), 4);
        for (a, b) in f32_map.attractors.iter().zip(&f64_map.attractors) {
            assert!(
                (a.point[0] - b.point[0]).hypot(a.point[1] - b.point[1]) < 1e-4,
                "{a:?} {b:?}"
            );
        }
    }

    /// Momentum carries some of peaks' starts out onto its far plateau, where each would stop at a "flat"
    /// point of its own: those starts left the domain, and the attractors are the landscape's own.
    #[test]
    fn runs_that_end_outside_the_domain_are_not_attractors() {
        let f = Function::resolve("peaks").unwrap();
        let mut c = config(48, [-3.0, 3.0, -3.0, 3.0], 1000, 0.01);
        c.run.spec = OptimizerSpec::new(crate::Method::Momentum, &crate::Options::default()).unwrap();
        let map = basin_map(&f, &c, &Control::NONE);
        assert!(map.left_domain > 0, "{map:?}");
        assert!(map.labels.contains(&LEFT_DOMAIN));
        assert!(map.attractors.len() <= 8, "{:?}", map.attractors);
        for a in &map.attractors {
            let d = 3.0 * (1.0 + OUTSIDE_MARGIN);
            assert!(a.point[0].abs() <= d && a.point[1].abs() <= d, "{a:?}");
            assert_ne!(a.kind, StationaryPoint::Flat, "{a:?}");
        }
        let total: u64 = map.attractors.iter().map(|a| a.count).sum::<u64>()
            + map.diverged
            + map.not_converged
            + map.left_domain
            + map.undefined;
        assert_eq!(total, 48 * 48);
    }

    /// sqrt(x + 2) is not defined left of -2: those starts are undefined, not diverged, and no attractor has
    /// a value that is not a number. (Starts right of -2 descend to the minimum near (1, 0).)
    #[test]
    fn starts_where_the_function_is_not_finite_are_undefined() {
        let f = Function::parse("0.001*sqrt(x + 2) + (x - 1)^2 + y^2").unwrap();
        let map = basin_map(&f, &config(20, [-3.0, 3.0, -1.0, 1.0], 200, 0.01), &Control::NONE);
        for (k, &label) in map.labels.iter().enumerate() {
            let x = -3.0 + 6.0 * (k % 20) as f64 / 19.0;
            if x < -2.0 {
                assert_eq!(label, UNDEFINED, "start {k} at x = {x}");
            } else {
                assert_ne!(label, UNDEFINED, "start {k} at x = {x}");
            }
        }
        assert!(map.undefined > 0);
        assert!(
            map.attractors.iter().all(|a| a.value.is_finite()),
            "{:?}",
            map.attractors
        );
    }

    #[test]
    fn divergence_and_non_convergence_are_labelled() {
        let f = Function::parse("x^4 - x^2 + y^2").unwrap();
        // lr 0.3: far starts overshoot and diverge; near ones settle in the minima at x = ±1/√2.
        let mut c = config(21, [-3.0, 3.0, -1.0, 1.0], 400, 0.3);
        c.run.gtol = None;
        let map = basin_map(&f, &c, &Control::NONE);
        assert!(map.diverged > 0 && map.labels.contains(&DIVERGED));
        assert!(map
            .attractors
            .iter()
            .any(|a| (a.point[0].abs() - 0.5f64.sqrt()).abs() < 1e-6));
        // In f32 too, though f overflows f32 where those runs end (x^4 past 1e10, the limit): diverged, not
        // undefined (the ends were labelled by f's value before the limit).
        let mut wide = config(11, [-30.0, 30.0, -30.0, 30.0], 300, 0.3);
        wide.run.precision = Precision::F32;
        let map = basin_map(&f, &wide, &Control::NONE);
        assert_eq!((map.diverged, map.undefined), (11 * 10, 0), "{:?}", map.labels);
        // Few epochs: starts still on their way are not converged.
        c.run.epochs = 2;
        c.run.learning_rate = 0.001;
        let map = basin_map(&f, &c, &Control::NONE);
        assert!(map.not_converged > 0);
    }
}
