//! The JSON shapes shared by the command line (`--json`) and the web API: plain serialisable views of results,
//! with keys in the order DESIGN.md documents them.

use serde::Serialize;

use crate::classify::StationaryPoint;
use crate::optim::{Method, OptimizerSpec, Schedule, TrainingLoop};
use crate::run::{RunConfig, RunResult, Termination};
use crate::Function;

/// One run: `downhill run --json` and `POST /api/run`.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport<'a> {
    /// What the user gave: a catalog name or an expression.
    pub function: &'a str,
    /// The formula as downhill prints it.
    pub expression: String,
    /// The method's name.
    pub optimizer: &'static str,
    /// Every resolved hyper-parameter.
    pub options: OptimizerSpec,
    /// Ascent instead of descent.
    pub ascent: bool,
    /// The learning rate.
    pub learning_rate: f64,
    /// The schedule.
    pub schedule: Schedule,
    /// Warmup and gradient clipping (`warmup`, `clip_grad_norm`).
    #[serde(flatten)]
    pub training: TrainingLoop,
    /// Updates asked for.
    pub epochs: u64,
    /// The seed of a random start.
    pub seed: Option<u64>,
    /// Where it started.
    pub start: [f64; 2],
    /// Where it ended.
    pub end: [f64; 2],
    /// f at the end.
    pub value: f64,
    /// The gradient at the end.
    pub gradient: [f64; 2],
    /// Updates applied.
    pub epochs_run: u64,
    /// Evaluations of f and its gradient, the start's included (line searches take several per update).
    pub evaluations: u64,
    /// Why it ended.
    pub termination: Termination,
    /// What the end point is.
    pub stationary_point: StationaryPoint,
    /// The first epoch at which the gradient norm was at most `gtol` (1e-8), even where the run went on.
    pub first_below_gtol: FirstBelow,
    /// The position after each update.
    pub trajectory: &'a [[f64; 2]],
    /// Schedule-Free: the averaged point (the `eval()` point) at the end, f there, and after each update; the
    /// trajectory is the point whose gradient is taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub averaged: Option<Averaged<'a>>,
}

/// When a run's gradient norm first fell to a tolerance.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FirstBelow {
    /// The tolerance ([`crate::run::REPORT_GTOL`]).
    pub gtol: f64,
    /// The epoch (updates applied), or `None` if it never did.
    pub epoch: Option<u64>,
}

/// Schedule-Free's averaged point.
#[derive(Clone, Debug, Serialize)]
pub struct Averaged<'a> {
    /// At the end.
    pub end: [f64; 2],
    /// f there.
    pub value: f64,
    /// After each update.
    pub trajectory: &'a [[f64; 2]],
}

impl<'a> RunReport<'a> {
    /// The report of a finished run.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        function: &'a str,
        f: &Function,
        method: Method,
        spec: OptimizerSpec,
        config: &RunConfig,
        seed: Option<u64>,
        r: &'a RunResult,
    ) -> RunReport<'a> {
        RunReport {
            function,
            expression: f.text(),
            optimizer: method.name(),
            options: spec,
            ascent: config.ascent,
            learning_rate: config.learning_rate,
            schedule: config.schedule,
            training: config.training,
            epochs: config.epochs,
            seed,
            start: r.start,
            end: r.end,
            value: r.value,
            gradient: r.gradient,
            epochs_run: r.epochs_run,
            evaluations: r.evaluations,
            termination: r.termination,
            stationary_point: r.stationary_point,
            first_below_gtol: FirstBelow {
                gtol: crate::run::REPORT_GTOL,
                epoch: r.first_below_gtol,
            },
            trajectory: &r.trajectory,
            averaged: r.averaged_end.map(|(end, value)| Averaged {
                end,
                value,
                trajectory: &r.averaged,
            }),
        }
    }
}

/// The derivatives: `downhill diff --json` and `POST /api/diff`.
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport<'a> {
    /// What the user gave.
    pub function: &'a str,
    /// The formula as downhill prints it.
    pub expression: String,
    /// `[d/dx, d/dy]` in the input grammar.
    pub gradient: [String; 2],
    /// The same in LaTeX.
    pub gradient_latex: [String; 2],
    /// `[[xx, xy], [yx, yy]]` in the input grammar, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hessian: Option<[[String; 2]; 2]>,
    /// The same in LaTeX.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hessian_latex: Option<[[String; 2]; 2]>,
}

impl<'a> DiffReport<'a> {
    /// The derivatives of `f`, with the Hessian when `hessian` is set.
    pub fn new(function: &'a str, f: &Function, hessian: bool) -> DiffReport<'a> {
        DiffReport {
            function,
            expression: f.text(),
            gradient: f.gradient_text(),
            gradient_latex: f.gradient_latex(),
            hessian: hessian.then(|| f.hessian_text()),
            hessian_latex: hessian.then(|| f.hessian_latex()),
        }
    }
}
