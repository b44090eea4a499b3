//! One run: a start, an optimizer and a learning rate, stepped `epochs` times (the seed notebooks' loop), or
//! fewer when a tolerance is met or the run leaves its box or diverges.

use serde::Serialize;

use crate::classify::{classify, StationaryPoint};
use crate::expr::{Function, NonFinite};
use crate::optim::search::{self, Probe, SearchState};
use crate::optim::{check_learning_rate, ConfigError, OptimizerSpec, Schedule, Shared, Step, TrainingLoop};

/// A coordinate beyond this size counts as diverged.
pub const DIVERGENCE_LIMIT: f64 = 1e10;

/// The gradient norm a run reports reaching ([`RunResult::first_below_gtol`]) even when it does not stop there:
/// the default tolerance of a basin map in f64.
pub const REPORT_GTOL: f64 = 1e-8;

/// The settings of a run other than the optimizer.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// Where it starts.
    pub start: [f64; 2],
    /// How many updates at most (exactly this many when no tolerance is set).
    pub epochs: u64,
    /// The base learning rate.
    pub learning_rate: f64,
    /// How the rate changes over the run.
    pub schedule: Schedule,
    /// Warmup and gradient clipping.
    pub training: TrainingLoop,
    /// Climb instead of descend (the second seed notebook).
    pub ascent: bool,
    /// Stop as `converged` when the gradient norm is at most this.
    pub gtol: Option<f64>,
    /// Stop as `stalled` when an update moves less than this.
    pub xtol: Option<f64>,
    /// Stop as `left_domain` when a position leaves `[xmin, xmax, ymin, ymax]`.
    pub bounds: Option<[f64; 4]>,
    /// Which positions the result keeps.
    pub record: Record,
}

/// Which positions (with their values and gradients) a run keeps: 40 bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// Every one (the seed's trajectory; 400 MB for 10^7 epochs).
    All,
    /// Evenly spaced ones, between `n` and `2n` of them for a long run: every `stride`-th update, the stride
    /// doubling whenever `2n` are kept (for figures of long runs, whose memory then stays bounded).
    AtMost(usize),
}

impl RunConfig {
    /// The seed's defaults from a start: 1000 epochs, learning rate 0.01, constant, descent, no tolerances.
    pub fn new(start: [f64; 2]) -> RunConfig {
        RunConfig {
            start,
            epochs: 1000,
            learning_rate: 0.01,
            schedule: Schedule::Constant,
            training: TrainingLoop::default(),
            ascent: false,
            gtol: None,
            xtol: None,
            bounds: None,
            record: Record::All,
        }
    }

    /// Sets the learning rate.
    pub fn learning_rate(mut self, lr: f64) -> RunConfig {
        self.learning_rate = lr;
        self
    }

    /// Sets the number of epochs.
    pub fn epochs(mut self, epochs: u64) -> RunConfig {
        self.epochs = epochs;
        self
    }

    /// Climb instead of descend.
    pub fn ascent(mut self, ascent: bool) -> RunConfig {
        self.ascent = ascent;
        self
    }

    /// Checks every setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.start.iter().all(|v| v.is_finite()) {
            return Err(ConfigError::Invalid(format!(
                "the start point must be finite (got ({}, {}))",
                shown(self.start[0]),
                shown(self.start[1])
            )));
        }
        check_learning_rate(self.learning_rate)?;
        self.training.validate(self.epochs)?;
        for (name, tol) in [("gtol", self.gtol), ("xtol", self.xtol)] {
            if let Some(t) = tol {
                if !(t.is_finite() && t >= 0.0) {
                    return Err(ConfigError::Invalid(format!(
                        "{name} must be finite and non-negative (got {})",
                        shown(t)
                    )));
                }
            }
        }
        if let Some(b) = self.bounds {
            check_region("the box", b)?;
            let [x, y] = self.start;
            if !(b[0] <= x && x <= b[1] && b[2] <= y && y <= b[3]) {
                return Err(ConfigError::Invalid(format!(
                    "the start point ({x}, {y}) is outside the box [{}, {}] x [{}, {}]",
                    b[0], b[1], b[2], b[3]
                )));
            }
        }
        Ok(())
    }
}

/// Checks a region `[xmin, xmax, ymin, ymax]` (a plot's domain, a run's box), named `what` in the error:
/// finite bounds, each side increasing, its width a finite number (not [-1e308, 1e308]), and wide enough
/// for its magnitude that points and ticks inside it are distinct numbers (not [1e16, 1e16 + 1]).
pub fn check_region(what: &str, r: [f64; 4]) -> Result<[f64; 4], ConfigError> {
    let side = |lo: f64, hi: f64, axis: &str| -> Result<(), ConfigError> {
        let (lo_, hi_) = (shown(lo), shown(hi));
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(ConfigError::Invalid(format!(
                "{what} must be XMIN,XMAX,YMIN,YMAX, finite, with {axis}MIN < {axis}MAX (got {axis} from {lo_} to {hi_})"
            )));
        }
        if !(hi - lo).is_finite() {
            return Err(ConfigError::Invalid(format!(
                "{what} is too wide: {axis} from {lo_} to {hi_} spans more than the largest 64-bit float"
            )));
        }
        if hi - lo < 1e-9 * lo.abs().max(hi.abs()) {
            return Err(ConfigError::Invalid(format!(
                "{what} is too narrow for its size: {axis} from {lo_} to {hi_} is less than a billionth of it"
            )));
        }
        Ok(())
    };
    side(r[0], r[1], "X")?;
    side(r[2], r[3], "Y")?;
    Ok(r)
}

/// A number in a message: plain when moderate, in exponent form when huge or tiny (not 309 digits).
pub fn shown(v: f64) -> String {
    if v == 0.0 || (1e-4..1e9).contains(&v.abs()) || !v.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// All the epochs were run.
    MaxEpochs,
    /// The gradient norm fell to `gtol`.
    Converged,
    /// An update moved less than `xtol`, or a line-search method met its own stopping test and would not move
    /// again (L-BFGS's tolerances, a zero gradient).
    Stalled,
    /// A coordinate or the gradient became non-finite, or a coordinate exceeded [`DIVERGENCE_LIMIT`].
    Diverged,
    /// A position left the box.
    LeftDomain,
}

impl Termination {
    /// The name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Termination::MaxEpochs => "max_epochs",
            Termination::Converged => "converged",
            Termination::Stalled => "stalled",
            Termination::Diverged => "diverged",
            Termination::LeftDomain => "left_domain",
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// Where it started.
    pub start: [f64; 2],
    /// Where it ended: the last finite position.
    pub end: [f64; 2],
    /// f at the end.
    pub value: f64,
    /// The gradient of f at the end.
    pub gradient: [f64; 2],
    /// The updates applied.
    pub epochs_run: u64,
    /// Why it ended.
    pub termination: Termination,
    /// What the end point is.
    pub stationary_point: StationaryPoint,
    /// The position after each update (the start is not included, as in the seed); with
    /// [`Record::AtMost`], after every `stride`-th update.
    pub trajectory: Vec<[f64; 2]>,
    /// f at each trajectory point.
    pub values: Vec<f64>,
    /// The gradient of f at each trajectory point.
    pub gradients: Vec<[f64; 2]>,
    /// Where the function or its gradient stopped being finite, when that ended the run.
    pub non_finite: Option<NonFiniteAt>,
    /// Updates between two kept positions: 1 with [`Record::All`]. `trajectory[k]` is the position after
    /// update `(k + 1) * stride`.
    pub stride: u64,
    /// Schedule-Free: the averaged point (its `eval()` point) beside each trajectory point, whose gradients
    /// the run took ([`OptimizerSpec::averaged`]); empty for every other method.
    pub averaged: Vec<[f64; 2]>,
    /// Schedule-Free: the averaged point at the end and f there.
    pub averaged_end: Option<([f64; 2], f64)>,
    /// The first epoch (updates applied) at which the gradient norm was at most [`REPORT_GTOL`], whether or not
    /// the run stopped there (the seed's runs go on for all their epochs).
    pub first_below_gtol: Option<u64>,
    /// Evaluations of f and its gradient (and Hessian, for Newton), the start's included: one per update, or
    /// as many as a line search took.
    pub evaluations: u64,
}

impl RunResult {
    /// The whole path: the start, then the position after each update (after each kept one, and the end,
    /// with [`Record::AtMost`]): what a figure draws.
    pub fn path(&self) -> Vec<[f64; 2]> {
        let mut points = Vec::with_capacity(self.trajectory.len() + 2);
        points.push(self.start);
        points.extend_from_slice(&self.trajectory);
        if self.trajectory.last() != Some(&self.end) && self.epochs_run > 0 {
            points.push(self.end);
        }
        points
    }
}

/// A point where the function or its derivatives are not finite, and the reason when one can be found.
#[derive(Clone, Debug, PartialEq)]
pub struct NonFiniteAt {
    /// The point.
    pub point: [f64; 2],
    /// The offending subexpression of the formula, when the value itself is not finite there.
    pub cause: Option<NonFinite>,
}

/// Why a run could not start.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    /// A bad setting.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The function is not finite at the start.
    #[error("the function is not finite at the start point ({}, {}){}", .0.point[0], .0.point[1],
        .0.cause.as_ref().map(|c| format!(": {}", c.reason)).unwrap_or_default())]
    NotFiniteAtStart(NonFiniteAt),
}

/// Keeps the positions, values and gradients a [`Record`] asks for.
struct Recorder {
    limit: Option<usize>,
    stride: u64,
    updates: u64,
    trajectory: Vec<[f64; 2]>,
    values: Vec<f64>,
    gradients: Vec<[f64; 2]>,
    averaged: Vec<[f64; 2]>,
}

impl Recorder {
    fn new(record: Record, epochs: u64) -> Recorder {
        let limit = match record {
            Record::All => None,
            Record::AtMost(n) => Some(n.max(1)),
        };
        let capacity = match limit {
            None => epochs.min(1 << 20) as usize,
            Some(n) => (2 * n as u64).min(epochs) as usize,
        };
        Recorder {
            limit,
            stride: 1,
            updates: 0,
            trajectory: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity),
            gradients: Vec::with_capacity(capacity),
            averaged: Vec::new(),
        }
    }

    fn push(&mut self, p: [f64; 2], value: f64, gradient: [f64; 2], averaged: Option<[f64; 2]>) {
        self.updates += 1;
        if !self.updates.is_multiple_of(self.stride) {
            return;
        }
        self.trajectory.push(p);
        self.values.push(value);
        self.gradients.push(gradient);
        if let Some(a) = averaged {
            self.averaged.push(a);
        }
        if let Some(n) = self.limit {
            if self.trajectory.len() >= 2 * n {
                // Entry k is update (k + 1) * stride: the odd k are the multiples of twice the stride.
                fn keep_odd<T>(v: &mut Vec<T>) {
                    let mut k = 0;
                    v.retain(|_| {
                        k += 1;
                        k % 2 == 0
                    });
                }
                keep_odd(&mut self.trajectory);
                keep_odd(&mut self.values);
                keep_odd(&mut self.gradients);
                keep_odd(&mut self.averaged);
                self.stride *= 2;
            }
        }
    }
}

fn finite2(v: [f64; 2]) -> bool {
    v[0].is_finite() && v[1].is_finite()
}

/// Runs an optimizer on a function.
pub fn run(f: &Function, config: &RunConfig, spec: &OptimizerSpec) -> Result<RunResult, RunError> {
    config.validate()?;
    spec.check_training(&config.training)?;
    let sign = if config.ascent { -1.0 } else { 1.0 };
    let mut state = spec.state::<f64>();
    let mut search_state = spec.is_line_search().then(SearchState::default);
    let mut evaluations = 1;
    let mut shared = Shared::default();
    let needs_hessian = spec.needs_hessian();
    let mut scratch = Vec::new();
    let mut p = config.start;
    let start = f.second_order_with(p, &mut scratch);
    if !start.value.is_finite() || !finite2(start.gradient) {
        return Err(RunError::NotFiniteAtStart(NonFiniteAt {
            point: p,
            cause: f.explain_non_finite(p),
        }));
    }
    let mut kept = Recorder::new(config.record, config.epochs);
    let mut termination = Termination::MaxEpochs;
    let mut non_finite = None;
    let mut here = (start.value, start.gradient, start.hessian);
    let mut first_below_gtol = None;
    for t in 0..config.epochs {
        let (value, g, h) = here;
        // (The squares neither overflow nor underflow wrongly here: a gradient near 1e-8 squares to near 1e-16,
        // and one that overflows is far above the tolerance. `hypot` costs more than the rest of an epoch's
        // bookkeeping.)
        if first_below_gtol.is_none() && g[0] * g[0] + g[1] * g[1] <= REPORT_GTOL * REPORT_GTOL {
            first_below_gtol = Some(t);
        }
        if !(value.is_finite() && finite2(g)) {
            termination = Termination::Diverged;
            non_finite = Some(NonFiniteAt {
                point: p,
                cause: f.explain_non_finite(p),
            });
            break;
        }
        if config.gtol.is_some_and(|tol| g[0].hypot(g[1]) <= tol) {
            termination = Termination::Converged;
            break;
        }
        let learning_rate = config
            .training
            .rate(&config.schedule, config.learning_rate, t, config.epochs);
        spec.advance(&mut shared, t + 1, learning_rate);
        let noise = config.training.noise.map(|n| n.at(0, t + 1));
        let input = Step {
            position: p,
            gradient: config.training.gradient([sign * g[0], sign * g[1]], noise),
            hessian: needs_hessian.then_some([[sign * h[0][0], sign * h[0][1]], [sign * h[1][0], sign * h[1][1]]]),
            learning_rate,
            step: t + 1,
            shared,
        };
        let (next, known, stopped) = match search_state.as_mut() {
            None => (spec.step(&mut state, &input), None, false),
            Some(memory) => {
                // A line search minimises sign * f and sees its exact gradient.
                let mut objective = |q: [f64; 2]| {
                    evaluations += 1;
                    let (v, g) = f.value_gradient_with(q, &mut scratch);
                    (sign * v, [sign * g[0], sign * g[1]])
                };
                let here = Probe {
                    x: p,
                    f: sign * value,
                    g: [sign * g[0], sign * g[1]],
                };
                let r = search::step(spec, memory, here, learning_rate, &mut objective);
                let known = r.probe.map(|q| (sign * q.f, [sign * q.g[0], sign * q.g[1]]));
                if r.stopped && r.at == p {
                    termination = Termination::Stalled;
                    break;
                }
                (r.at, known, r.stopped)
            }
        };
        if !finite2(next) {
            termination = Termination::Diverged;
            non_finite = Some(NonFiniteAt { point: p, cause: None });
            break;
        }
        let moved = config.xtol.map(|_| (next[0] - p[0]).hypot(next[1] - p[1]));
        p = next;
        here = if let Some((v, g)) = known {
            (v, g, [[0.0; 2]; 2])
        } else if needs_hessian {
            evaluations += 1;
            let s = f.second_order_with(p, &mut scratch);
            (s.value, s.gradient, s.hessian)
        } else {
            evaluations += 1;
            let (v, g) = f.value_gradient_with(p, &mut scratch);
            (v, g, [[0.0; 2]; 2])
        };
        kept.push(p, here.0, here.1, spec.averaged(&state, p));
        if p[0].abs().max(p[1].abs()) > DIVERGENCE_LIMIT {
            termination = Termination::Diverged;
            break;
        }
        if let Some(b) = config.bounds {
            if !(b[0]..=b[1]).contains(&p[0]) || !(b[2]..=b[3]).contains(&p[1]) {
                termination = Termination::LeftDomain;
                break;
            }
        }
        if stopped || config.xtol.zip(moved).is_some_and(|(tol, moved)| moved <= tol) {
            termination = Termination::Stalled;
            break;
        }
    }
    let end = f.second_order_with(p, &mut scratch);
    if first_below_gtol.is_none() && end.gradient[0].hypot(end.gradient[1]) <= REPORT_GTOL {
        first_below_gtol = Some(kept.updates);
    }
    let averaged_end = if kept.updates == 0 {
        None
    } else {
        spec.averaged(&state, p)
            .map(|a| (a, f.value_gradient_with(a, &mut scratch).0))
    };
    Ok(RunResult {
        start: config.start,
        end: p,
        value: end.value,
        gradient: end.gradient,
        epochs_run: kept.updates,
        termination,
        stationary_point: classify(p, &end),
        trajectory: kept.trajectory,
        values: kept.values,
        gradients: kept.gradients,
        non_finite,
        stride: kept.stride,
        averaged: kept.averaged,
        averaged_end,
        first_below_gtol,
        evaluations,
    })
}
