//! Comparing optimizers fairly: every method from the same seeded starts on the batched engine, each at the
//! learning rate that suits it best by one stated criterion (or at the rate given), summarised by what a
//! comparison needs: how many starts reach the global minimum, how fast they converge, how close they end,
//! how many diverge.

use serde::Serialize;

use crate::batch::{run_batch, BatchConfig, Control, LaneEnd};
use crate::catalog::{CatalogEntry, ExtremumKind};
use crate::rng::SplitMix64;
use crate::run::{run, Record, Termination};
use crate::Function;

/// `n` starts uniform in `domain` (`[xmin, xmax, ymin, ymax]`), drawn from `seed`: the same on every machine.
pub fn random_starts(seed: u64, n: usize, domain: [f64; 4]) -> Vec<[f64; 2]> {
    let mut r = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let x = domain[0] + (domain[1] - domain[0]) * r.next_f64();
            let y = domain[2] + (domain[3] - domain[2]) * r.next_f64();
            [x, y]
        })
        .collect()
}

/// `count` learning rates evenly spaced in log scale from `lo` to `hi`, both included.
pub fn log_grid(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if count <= 1 {
        return vec![hi];
    }
    let (a, b) = (lo.ln(), hi.ln());
    (0..count)
        .map(|k| match k {
            0 => lo,
            k if k == count - 1 => hi,
            k => (a + (b - a) * k as f64 / (count - 1) as f64).exp(),
        })
        .collect()
}

/// What decides which learning rate is best, and what "reached" means.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Criterion {
    /// The share of starts that end within `radius` of one of the documented global minima (maxima for an
    /// ascent), without diverging.
    ReachGlobal {
        /// The documented global optima.
        points: Vec<[f64; 2]>,
        /// f there.
        value: f64,
        /// How close counts as reached.
        radius: f64,
    },
    /// The median final value (lower is better; higher for an ascent), where no global optimum is documented.
    MedianValue,
}

impl Criterion {
    /// For a catalog function with documented global optima of the kind sought: reaching one within 1% of the
    /// domain's shorter side (or `radius`); else the median final value.
    pub fn for_function(
        entry: Option<&CatalogEntry>,
        ascent: bool,
        domain: [f64; 4],
        radius: Option<f64>,
    ) -> Criterion {
        let kind = if ascent {
            ExtremumKind::GlobalMaximum
        } else {
            ExtremumKind::GlobalMinimum
        };
        let optima: Vec<_> = entry
            .map(|e| e.extrema.iter().filter(|x| x.kind == kind).collect())
            .unwrap_or_default();
        match optima.first() {
            None => Criterion::MedianValue,
            Some(first) => Criterion::ReachGlobal {
                points: optima.iter().map(|x| x.point).collect(),
                value: first.value,
                radius: radius.unwrap_or(0.01 * (domain[1] - domain[0]).min(domain[3] - domain[2])),
            },
        }
    }

    /// The criterion in words, for the report.
    pub fn describe(&self, ascent: bool) -> String {
        let best = if ascent { "highest" } else { "lowest" };
        match self {
            Criterion::ReachGlobal { points, radius, .. } => format!(
                "share of starts ending within {} of the global {} ({} documented; not diverged); ties go to the \
                 fewest diverged, then (where none reached it) the lowest median f - f*, then the larger rate",
                crate::run::shown(*radius),
                if ascent { "maximum" } else { "minimum" },
                points.len()
            ),
            Criterion::MedianValue => {
                format!("{best} median final value (no documented global optimum); ties go to the fewest diverged, then the larger rate")
            }
        }
    }

    /// The documented optimum's value, when there is one.
    pub fn optimum(&self) -> Option<f64> {
        match self {
            Criterion::ReachGlobal { value, .. } => Some(*value),
            Criterion::MedianValue => None,
        }
    }

    /// Whether a lane's end counts as reaching the global optimum.
    fn reached(&self, e: &LaneEnd) -> bool {
        match self {
            Criterion::ReachGlobal { points, radius, .. } => {
                e.termination != Termination::Diverged
                    && points
                        .iter()
                        .any(|p| (e.end[0] - p[0]).hypot(e.end[1] - p[1]) <= *radius)
            }
            Criterion::MedianValue => false,
        }
    }
}

/// The median and quartiles of some values (linear interpolation between order statistics, as NumPy's
/// default); `None` where there are none.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Quartiles {
    /// 25th percentile.
    pub q1: f64,
    /// 50th.
    pub median: f64,
    /// 75th.
    pub q3: f64,
}

impl Quartiles {
    /// Of `values` (NaN excluded); `None` if none is left.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Quartiles> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let pos = q * (v.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            let w = pos - lo as f64;
            if lo == hi || v[lo] == v[hi] {
                v[lo]
            } else {
                v[lo] + (v[hi] - v[lo]) * w
            }
        };
        Some(Quartiles {
            q1: at(0.25),
            median: at(0.5),
            q3: at(0.75),
        })
    }
}

/// How one method did from every start at one learning rate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The learning rate.
    pub learning_rate: f64,
    /// The criterion's score (higher is better): the share reaching the global optimum, or the median final
    /// value (negated for a descent). NaN when no start ended finite.
    pub score: f64,
    /// The share of starts that reached the global optimum (with [`Criterion::ReachGlobal`]).
    pub reached: Option<f64>,
    /// The share of starts that converged (gradient norm within gtol).
    pub converged: f64,
    /// Epochs to converge, over the starts that did.
    pub epochs_to_gtol: Option<Quartiles>,
    /// The final f - f* (f* - f for an ascent; f itself where f* is not known), over the starts that did not
    /// diverge.
    pub final_gap: Option<Quartiles>,
    /// The share of starts that diverged.
    pub diverged: f64,
}

impl Outcome {
    /// Summarises the lanes' ends.
    pub fn of(ends: &[LaneEnd], learning_rate: f64, criterion: &Criterion, ascent: bool) -> Outcome {
        let n = ends.len().max(1) as f64;
        let share = |pred: &dyn Fn(&LaneEnd) -> bool| ends.iter().filter(|e| pred(e)).count() as f64 / n;
        let kept = || ends.iter().filter(|e| e.termination != Termination::Diverged);
        let gap = |v: f64| match (criterion.optimum(), ascent) {
            (Some(best), false) => v - best,
            (Some(best), true) => best - v,
            (None, _) => v,
        };
        let final_gap = Quartiles::of(kept().map(|e| if e.value.is_finite() { gap(e.value) } else { f64::NAN }));
        let reached = matches!(criterion, Criterion::ReachGlobal { .. }).then(|| share(&|e| criterion.reached(e)));
        let score = match reached {
            Some(r) => r,
            None => match final_gap {
                Some(q) if ascent => q.median,
                Some(q) => -q.median,
                None => f64::NAN,
            },
        };
        let converged_epochs = ends
            .iter()
            .filter(|e| e.termination == Termination::Converged)
            .map(|e| f64::from(e.epochs_run));
        Outcome {
            learning_rate,
            score,
            reached,
            converged: share(&|e| e.termination == Termination::Converged),
            epochs_to_gtol: Quartiles::of(converged_epochs),
            final_gap,
            diverged: share(&|e| e.termination == Termination::Diverged),
        }
    }
}

/// One method's comparison: the outcome at its (chosen) rate and, when tuned, at every rate tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MethodComparison {
    /// The outcome at the chosen rate.
    pub chosen: Outcome,
    /// Every rate tried, in the grid's order (one entry when the rate was given).
    pub sensitivity: Vec<Outcome>,
}

/// Runs `config` (its learning rate replaced by each of `rates`) from every start and picks the best rate by
/// `criterion`: the highest score; among equal scores the fewest diverged, then (where no start reached the
/// optimum, so the share says nothing) the lowest median final gap, then the larger rate. A rate at which
/// every start diverges is thus never chosen over one at which they stay finite.
pub fn compare_method(
    f: &Function,
    starts: &[[f64; 2]],
    config: &BatchConfig,
    rates: &[f64],
    criterion: &Criterion,
    control: &Control,
) -> MethodComparison {
    let sensitivity: Vec<Outcome> = rates
        .iter()
        .map(|&lr| {
            let c = BatchConfig {
                learning_rate: lr,
                ..config.clone()
            };
            let ends = run_batch(f, starts, &c, control);
            Outcome::of(&ends, lr, criterion, config.ascent)
        })
        .collect();
    // NaN (nothing finite) is worse than any number.
    let key = |o: &Outcome| {
        let gap = match o.final_gap {
            Some(q) if o.reached == Some(0.0) && !q.median.is_nan() => -q.median,
            Some(_) | None if o.reached == Some(0.0) => f64::NEG_INFINITY,
            _ => 0.0,
        };
        let score = if o.score.is_nan() { f64::NEG_INFINITY } else { o.score };
        (score, -o.diverged, gap, o.learning_rate)
    };
    let better = |a: &Outcome, b: &Outcome| key(a).partial_cmp(&key(b)) == Some(std::cmp::Ordering::Greater);
    let mut best = &sensitivity[0];
    for o in &sensitivity[1..] {
        if better(o, best) {
            best = o;
        }
    }
    MethodComparison {
        chosen: best.clone(),
        sensitivity: sensitivity.clone(),
    }
}

/// The most starts a loss curve is taken over (the first ones given).
pub const CURVE_STARTS: usize = 1024;
/// Epochs sampled along a loss curve: every one up to twice this, else evenly spaced ones.
pub const CURVE_POINTS: usize = 512;

/// Loss curves of one method at one learning rate over many starts: at each sampled epoch the quartiles, over
/// the starts, of the gap to the optimum (`f - f*`, `f* - f` for an ascent, f itself where f* is not known) and
/// of the gradient norm. A run that stopped (converged, stalled, left the domain) keeps its last value for the
/// epochs after; one that diverged counts as infinitely far from then on, so a band that reaches infinity says
/// that a quarter or half of the starts diverged by then.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Curves {
    /// The sampled epochs (updates applied), 0 (the start) first.
    pub epochs: Vec<u64>,
    /// The gap's quartiles at each sampled epoch.
    pub gap: Vec<Quartiles>,
    /// The gradient norm's quartiles at each sampled epoch.
    pub gradient_norm: Vec<Quartiles>,
    /// The starts the curves are taken over.
    pub starts: usize,
}

/// Runs `config` from each of the first [`CURVE_STARTS`] starts as a single run in `f64` (start `i` draws noise
/// stream `stream + i`, as lane `i` of a batch does) and gathers its loss curves. Once `control` cancels, the
/// runs not yet begun are skipped (counted as infinitely far): the caller discards the curves.
pub fn curves(
    f: &Function,
    starts: &[[f64; 2]],
    config: &BatchConfig,
    criterion: &Criterion,
    control: &Control,
) -> Curves {
    use rayon::prelude::*;
    let starts = &starts[..starts.len().min(CURVE_STARTS)];
    // The stride a full-length run's record ends with (a power of two): every run's own stride divides it.
    let mut stride = 1u64;
    while config.epochs / stride >= 2 * CURVE_POINTS as u64 {
        stride *= 2;
    }
    let epochs: Vec<u64> = (0..=config.epochs / stride).map(|k| k * stride).collect();
    let gap = |v: f64| match (criterion.optimum(), config.ascent) {
        (Some(best), false) => v - best,
        (Some(best), true) => best - v,
        (None, _) => v,
    };
    let sampled: Vec<(Vec<f64>, Vec<f64>)> = starts
        .par_iter()
        .enumerate()
        .map(|(i, &start)| {
            let mut run_config = config.single(start, Record::AtMost(CURVE_POINTS));
            if let Some(n) = &mut run_config.training.noise {
                n.stream = n.stream.wrapping_add(i as u64);
            }
            let far = (vec![f64::INFINITY; epochs.len()], vec![f64::INFINITY; epochs.len()]);
            if control
                .cancel
                .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
            {
                return far;
            }
            let Ok(r) = run(f, &run_config, &config.spec) else {
                return far;
            };
            let g0 = f.gradient(start);
            let mut out = (Vec::with_capacity(epochs.len()), Vec::with_capacity(epochs.len()));
            for &e in &epochs {
                let (value, g) = if e == 0 {
                    (f.value(start), g0)
                } else if e <= r.epochs_run {
                    let k = (e / r.stride - 1) as usize;
                    (r.values[k], r.gradients[k])
                } else if r.termination == Termination::Diverged {
                    (f64::INFINITY, [f64::INFINITY; 2])
                } else {
                    (r.value, r.gradient)
                };
                let norm = g[0].hypot(g[1]);
                let finite = value.is_finite() && norm.is_finite();
                out.0.push(if finite { gap(value) } else { f64::INFINITY });
                out.1.push(if finite { norm } else { f64::INFINITY });
            }
            out
        })
        .collect();
    // Each run's (gaps, gradient norms) at the sampled epochs; the quartiles over the runs at epoch k.
    let quartiles = |k: usize, second: bool| {
        let at = |s: &(Vec<f64>, Vec<f64>)| if second { s.1[k] } else { s.0[k] };
        Quartiles::of(sampled.iter().map(at)).unwrap_or(Quartiles {
            q1: f64::NAN,
            median: f64::NAN,
            q3: f64::NAN,
        })
    };
    Curves {
        gap: (0..epochs.len()).map(|k| quartiles(k, false)).collect(),
        gradient_norm: (0..epochs.len()).map(|k| quartiles(k, true)).collect(),
        epochs,
        starts: starts.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OptimizerSpec, Precision, Schedule};

    /// Plain gradient descent in f64 lanes.
    fn gd(epochs: u64, learning_rate: f64, gtol: Option<f64>) -> BatchConfig {
        BatchConfig {
            epochs,
            learning_rate,
            schedule: Schedule::Constant,
            training: Default::default(),
            ascent: false,
            gtol,
            spec: OptimizerSpec::gd(),
            precision: Precision::F64,
            bounds: None,
        }
    }

    #[test]
    fn quartiles_interpolate_as_numpy() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = 1.75, 2.5, 3.25
        let q = Quartiles::of([4.0, 1.0, 3.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((q.q1, q.median, q.q3), (1.75, 2.5, 3.25));
        assert_eq!(Quartiles::of([7.0]).unwrap().median, 7.0);
        assert!(Quartiles::of([f64::NAN]).is_none());
    }

    #[test]
    fn the_log_grid_has_its_ends_exactly() {
        let g = log_grid(1e-5, 1.0, 16);
        assert_eq!((g.len(), g[0], g[15]), (16, 1e-5, 1.0));
        assert!((g[5] / 1e-5f64.powf(10.0 / 15.0) - 1.0).abs() < 1e-12);
        assert!(g.windows(2).all(|w| w[0] < w[1]));
    }

    /// Gradient descent on the bowl a x² + b y² is stable for lr < 2 / max(2a, 2b) and converges fastest at
    /// lr = 2 / (2a + 2b) (the rate that balances the two directions' contraction factors |1 - 2 a lr|,
    /// |1 - 2 b lr|): with a = 1, b = 3, lr* = 0.25, and lr ≥ 1/3 diverges. A grid around it must pick the
    /// rate closest to 0.25 by epochs to converge, and at least the largest stable rate by reach: every start
    /// converges from 1/30 to 1/3, so reach ties and the larger rate wins, and beyond 1/3 every start diverges.
    #[test]
    fn tuning_picks_the_larger_of_tied_rates_and_never_a_diverging_one() {
        let f = Function::parse("x^2 + 3*y^2").unwrap();
        let starts = random_starts(7, 64, [-2.0, 2.0, -2.0, 2.0]);
        let config = gd(2000, 0.01, Some(1e-8));
        let criterion = Criterion::ReachGlobal {
            points: vec![[0.0, 0.0]],
            value: 0.0,
            radius: 0.04,
        };
        let rates = [0.01, 0.1, 0.25, 0.3, 0.34, 0.5];
        let c = compare_method(&f, &starts, &config, &rates, &criterion, &Control::NONE);
        let by_rate: Vec<(f64, f64, f64)> = c
            .sensitivity
            .iter()
            .map(|o| (o.learning_rate, o.score, o.diverged))
            .collect();
        assert_eq!(c.chosen.learning_rate, 0.3, "{by_rate:?}");
        assert_eq!(c.chosen.reached, Some(1.0));
        assert_eq!(c.sensitivity[4].diverged, 1.0, "{by_rate:?}");
        assert_eq!(c.sensitivity[5].diverged, 1.0, "{by_rate:?}");
        // Epochs to converge are fewest at the balancing rate 0.25: the contraction per step,
        // max(|1 - 2 lr|, |1 - 6 lr|), is 0.5 there and 0.8 at both 0.1 and 0.3.
        let epochs = |k: usize| c.sensitivity[k].epochs_to_gtol.unwrap().median;
        let (e1, e2, e3) = (epochs(1), epochs(2), epochs(3));
        assert!(e2 < e1 && e2 < e3, "{:?}", (e1, e2, e3));
        // The median value criterion, with no optimum known, picks the same rate where all converge to 0:
        // every value is ~0, so the scores tie within rounding and the best is one of the stable rates.
        let by_value = compare_method(&f, &starts, &config, &rates, &Criterion::MedianValue, &Control::NONE);
        assert!(by_value.chosen.learning_rate < 1.0 / 3.0);
        // An optimum no start reaches: every share is 0, and the larger rates, where all diverge, lose the
        // tie to the finite ones; among those the lowest median f - f* wins.
        let unreachable = Criterion::ReachGlobal {
            points: vec![[10.0, 10.0]],
            value: 0.0,
            radius: 0.04,
        };
        let c = compare_method(&f, &starts, &config, &rates, &unreachable, &Control::NONE);
        assert!(c.sensitivity.iter().all(|o| o.reached == Some(0.0)));
        assert_eq!(c.chosen.diverged, 0.0, "{:?}", c.chosen);
        assert!(c.chosen.learning_rate < 1.0 / 3.0);
    }

    /// On x² + y² gradient descent at lr multiplies f by (1 - 2 lr)² each epoch, from every start alike, so the
    /// quartiles of f - f* at epoch k are those at the start times 0.64^k (lr 0.1), exactly as order statistics
    /// scale; a run that stops (gtol) keeps its last value; at lr 1.5 every run grows by 4x a step until it
    /// diverges, and from then on the curves are infinite.
    #[test]
    fn loss_curves_follow_the_contraction_and_mark_divergence() {
        let f = Function::parse("x^2 + y^2").unwrap();
        let starts = random_starts(3, 101, [-2.0, 2.0, -2.0, 2.0]);
        let mut config = gd(60, 0.1, None);
        let criterion = Criterion::ReachGlobal {
            points: vec![[0.0, 0.0]],
            value: 0.0,
            radius: 0.04,
        };
        let c = curves(&f, &starts, &config, &criterion, &Control::NONE);
        assert_eq!(c.epochs, (0..=60).collect::<Vec<u64>>());
        assert_eq!(c.starts, 101);
        let q0 = Quartiles::of(starts.iter().map(|p| p[0] * p[0] + p[1] * p[1])).unwrap();
        for (k, q) in c.gap.iter().enumerate() {
            let shrink = 0.64f64.powi(k as i32);
            for (got, want) in [(q.q1, q0.q1), (q.median, q0.median), (q.q3, q0.q3)] {
                assert!(
                    (got / (want * shrink) - 1.0).abs() < 1e-9,
                    "epoch {k}: {got} vs {}",
                    want * shrink
                );
            }
            // |grad| = 2 |p| = 2 sqrt(f).
            let g = c.gradient_norm[k].median;
            assert!((g / (2.0 * q.median.sqrt()) - 1.0).abs() < 1e-9, "epoch {k}");
        }
        // Stopped at gtol 1e-3: the curves hold the last value, below the tolerance, to the end.
        config.gtol = Some(1e-3);
        let c = curves(&f, &starts, &config, &criterion, &Control::NONE);
        let last = c.gradient_norm[60].q3;
        assert!(last <= 1e-3 && last > 1e-4 && c.gradient_norm[59].q3 == last, "{last}");
        // Diverging: finite at first, infinite for every start at the end.
        config.gtol = None;
        config.learning_rate = 1.5;
        config.epochs = 1000;
        let c = curves(&f, &starts, &config, &criterion, &Control::NONE);
        assert!(c.gap[1].median.is_finite() && c.gap[1].median > c.gap[0].median);
        assert_eq!(c.gap.last().unwrap().q1, f64::INFINITY);
        assert_eq!(c.epochs.len(), 1001);
        // Longer runs are sampled at an even stride of at most 2 x CURVE_POINTS points.
        config.learning_rate = 0.1;
        config.epochs = 5000;
        let c = curves(&f, &starts[..3], &config, &criterion, &Control::NONE);
        assert_eq!(c.epochs[1], 8);
        assert_eq!(*c.epochs.last().unwrap(), 5000);
    }
}
