//! Comparing optimizers fairly: every method from the same seeded starts on the batched engine, each at the
//! learning rate that suits it best by one stated criterion (or at the rate given), summarised by what a
//! comparison needs: how many starts reach the global minimum, how fast they converge, how close they end,
//! how many diverge.

use serde::Serialize;

use crate::batch::{run_batch, BatchConfig, Control, LaneEnd};
use crate::catalog::{CatalogEntry, ExtremumKind};
use crate::rng::SplitMix64;
use crate::run::Termination;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OptimizerSpec, Precision, Schedule};

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
        let config = BatchConfig {
            epochs: 2000,
            learning_rate: 0.01,
            schedule: Schedule::Constant,
            training: Default::default(),
            ascent: false,
            gtol: Some(1e-8),
            spec: OptimizerSpec::gd(),
            precision: Precision::F64,
            bounds: None,
        };
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
}
