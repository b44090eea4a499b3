//! Many starts at once: blocks of lanes (structure of arrays, SIMD across lanes) evaluated by the same
//! compiled tape as single runs, rayon across cores, a per-lane mask so finished lanes stop being updated and
//! a block whose lanes have all finished stops costing work.
//!
//! Each optimizer's update is the same generic code a single run takes ([`OptimizerSpec::step`]). Where it
//! only adds, multiplies, divides and takes square roots (gradient descent, momentum, AdaGrad, RMSProp, Adam,
//! ...), it is recorded once and compiled after the gradient into one program (`fused.rs`): one pass of machine
//! code per epoch computes each vector's gradient and its update. The others (Newton, AMSGrad, Rprop, ...),
//! and noisy gradients or bounded domains, take the general epoch (`epoch.rs`): the vector evaluation of the
//! gradient (and Hessian), then each vector of lanes takes the method's update, compiled once per method
//! ([`OptimizerSpec::dispatch`]). No method has an epoch of its own. The line-search methods run each start as a single run, in `f64`, side by side on the cores
//! (`singles.rs`).
//!
//! A lane matches the single run from the same start (same termination, same number of updates, end point
//! within 1e-9 relative for gd, momentum, Nesterov and Newton) on smooth landscapes in f64: the tape and the
//! order of operations are the same; the differences come from the vectorised `exp` (our own, in either of its
//! forms within about one unit in the last place, see [`lanes::ExpForm`]) and the vector `ln`, `sin`, `tanh`, powers
//! and the rest (`vmath.rs`, within 1 to 3 units in the last place of libm's), carried along by the descent.
//! AdaGrad, RMSProp, Adam and AdamW take sign-like steps that orbit a minimum at about the learning rate;
//! last-bit differences change the phase of that orbit, so their lanes end within twice the learning rate of
//! the single run, around the same minimum.

#[cfg(target_arch = "x86_64")]
mod avx;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub mod basins;
mod clustering;
mod driver;
mod epoch;
mod evaluate;
mod evaluator;
mod fused;
#[cfg(all(target_arch = "x86_64", unix))]
mod jit;
mod lanes;
mod program;
mod singles;
mod vmath;
mod vmath32;

pub use evaluate::{evaluate, PointEvaluator, Quantity};

/// The engine's parts that its benches time on their own (`benches/batch.rs`: the compiled gradient alone, a
/// hand-fused peer on the same lane types). Not part of the API.
#[doc(hidden)]
pub mod internals {
    #[cfg(target_arch = "x86_64")]
    pub use super::avx::{A32x8, A64x4};
    pub use super::evaluator::Evaluator;
    pub use super::lanes::{F32x8, F64x4, Lanes};
    pub use super::program::{Program, Reg, B};

    /// The machine code of `f`'s gradient program in `precision` and its constant table, where this CPU has
    /// machine code (for `objdump` and `bench/kernel`, which times kernels outside the engine).
    pub fn gradient_kernel(f: &crate::Function, precision: super::Precision) -> Option<(Vec<u8>, Vec<u8>)> {
        #[cfg(all(target_arch = "x86_64", unix))]
        {
            let isa = super::jit::kernel_isa()?;
            let p = Program::new(&f.tapes().gradient);
            let kernel = match precision {
                super::Precision::F64 => super::jit::Kernel::compile::<F64x4>(&p, isa),
                super::Precision::F32 => super::jit::Kernel::compile::<F32x8>(&p, isa),
            };
            kernel.map(|k| k.code())
        }
        #[cfg(not(all(target_arch = "x86_64", unix)))]
        {
            let _ = (f, precision);
            None
        }
    }
}

use std::sync::atomic::{AtomicBool, Ordering};

use crate::optim::OptimizerSpec;
use crate::optim::TrainingLoop;
use crate::run::{Record, RunConfig, Termination};
use crate::{Function, Schedule};
use driver::{gather, lane, run_lanes};
use evaluator::Evaluator;
use lanes::{F32x8, F64x4, Lanes};
use program::{Program, B};

/// Which machine code the engine may use: a process-wide setting (the command line takes it from
/// `DOWNHILL_JIT`: `0` for off, `avx2` for AVX2). Results do not depend on `Off`; `Avx2` on a CPU with AVX-512
/// computes f64's exp in the AVX2 form, as a CPU without AVX-512 does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineCode {
    /// The best instruction set the CPU has.
    Best,
    /// AVX2 code even where the CPU has AVX-512 (for comparisons).
    Avx2,
    /// No machine code: the interpreter runs every program.
    Off,
}

static MACHINE_CODE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Sets which machine code the engine uses from now on (programs compiled before keep theirs).
pub fn set_machine_code(m: MachineCode) {
    MACHINE_CODE.store(m as u8, Ordering::Relaxed);
}

fn machine_code_setting() -> MachineCode {
    match MACHINE_CODE.load(Ordering::Relaxed) {
        1 => MachineCode::Avx2,
        2 => MachineCode::Off,
        _ => MachineCode::Best,
    }
}

/// What evaluates a batch's blocks on this machine, for reports: `"AVX-512"` or `"AVX2"` (machine code of that
/// instruction set) or `"interpreter"` (other CPUs, or [`MachineCode::Off`]).
pub fn machine_code() -> &'static str {
    #[cfg(all(target_arch = "x86_64", unix))]
    match jit::kernel_isa() {
        Some(jit::Isa::Avx512) => return "AVX-512",
        Some(jit::Isa::Avx2) => return "AVX2",
        None => {}
    }
    "interpreter"
}

/// Arithmetic precision of the lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// 64-bit floats, 4 per AVX2 register (8 per AVX-512 register).
    F64,
    /// 32-bit floats, 8 per AVX2 register (16 per AVX-512 register): about twice the speed, about 7 significant
    /// digits.
    F32,
}

impl Precision {
    /// The precision of that name: `f64` or `f32`.
    pub fn from_name(name: &str) -> Option<Precision> {
        match name {
            "f64" => Some(Precision::F64),
            "f32" => Some(Precision::F32),
            _ => None,
        }
    }

    /// The default gradient tolerance of a basin map: about the square root of the precision's machine epsilon,
    /// rounded down to a power of ten. Near a minimum an f32 gradient is rounding noise of about 1e-6 to 3e-5
    /// (peaks, Himmelblau), so f64's 1e-8 would let no f32 lane stop early.
    pub fn default_gtol(self) -> f64 {
        match self {
            Precision::F64 => 1e-8,
            Precision::F32 => 1e-4,
        }
    }
}

/// What every lane of a batch shares.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchConfig {
    /// Updates per lane.
    pub epochs: u64,
    /// The learning rate.
    pub learning_rate: f64,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// Warmup and gradient clipping.
    pub training: TrainingLoop,
    /// Climb instead of descend.
    pub ascent: bool,
    /// A lane stops as converged when its gradient norm is at most this.
    pub gtol: Option<f64>,
    /// The optimizer.
    pub spec: OptimizerSpec,
    /// Lane precision.
    pub precision: Precision,
    /// A lane that steps out of `[x0, x1] x [y0, y1]` stops there as `LeftDomain` (as a single run with
    /// bounds); `None` lets lanes go anywhere below the divergence limit.
    pub bounds: Option<[f64; 4]>,
}

impl BatchConfig {
    /// The single run of one lane: from `start`, with the batch's settings, keeping `record`.
    pub fn single(&self, start: [f64; 2], record: Record) -> RunConfig {
        RunConfig {
            start,
            epochs: self.epochs,
            learning_rate: self.learning_rate,
            schedule: self.schedule,
            training: self.training,
            ascent: self.ascent,
            gtol: self.gtol,
            xtol: None,
            bounds: self.bounds,
            record,
        }
    }
}

/// Where one lane ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaneEnd {
    /// The last position (the last finite one for a diverged lane).
    pub end: [f64; 2],
    /// Updates applied.
    pub epochs_run: u32,
    /// Why it stopped: `MaxEpochs`, `Converged` or `Diverged`.
    pub termination: Termination,
    /// The gradient norm at `end` (NaN where it is not finite).
    pub gradient_norm: f64,
    /// f at `end` (NaN or infinite where f is not finite there, such as `ln` of a negative number).
    pub value: f64,
}

impl LaneEnd {
    /// A lane before it runs (and as a cancelled one is reported, with its start put in `end`).
    pub(crate) const NOT_RUN: LaneEnd = LaneEnd {
        end: [0.0; 2],
        epochs_run: 0,
        termination: Termination::MaxEpochs,
        gradient_norm: f64::NAN,
        value: f64::NAN,
    };
}

/// Reports progress (lanes finished so far) and asks whether to stop.
pub struct Control<'a> {
    /// Set to stop early; unfinished lanes are then reported as `MaxEpochs` with the epochs they ran.
    pub cancel: Option<&'a AtomicBool>,
    /// Called with the number of lanes completed so far, from worker threads.
    pub progress: Option<&'a (dyn Fn(usize) + Sync)>,
}

impl Control<'_> {
    /// No progress, no cancellation.
    pub const NONE: Control<'static> = Control {
        cancel: None,
        progress: None,
    };
}

/// Evaluates the full tape (f, its gradient and Hessian) of `f` at `points` (a block of each precision,
/// points repeated to fill it) by the machine code and by the interpreter, and reports the first output that
/// differs in any bit (NaN equals NaN). Where the CPU has no machine code both sides are the interpreter. For
/// tests and fuzzing: the machine code must compute exactly what the interpreter computes.
#[doc(hidden)]
pub fn compiled_matches_interpreter(f: &Function, points: &[[f64; 2]]) -> Result<(), String> {
    fn check<V: Lanes>(f: &Function, points: &[[f64; 2]]) -> Result<(), String> {
        if points.is_empty() {
            return Ok(());
        }
        let p = Evaluator::new::<V>(Program::new(&f.tapes().full));
        let (x, y) = gather::<V>(B * V::N, |i| points[i % points.len()]);
        let (mut compiled, mut interpreted) = (p.registers_for::<V>(), p.registers_for::<V>());
        p.eval(&mut compiled, &x, &y);
        p.eval_interpreted(&mut interpreted, &x, &y, B);
        for k in 0..f.tapes().full.outputs().len() {
            for i in 0..B * V::N {
                let (a, b) = (lane(p.output(&compiled, k), i), lane(p.output(&interpreted, k), i));
                if a.to_bits() != b.to_bits() && !(a.is_nan() && b.is_nan()) {
                    let at = points[i % points.len()];
                    return Err(format!(
                        "{:?} output {k} at {at:?}: compiled {a:e}, interpreted {b:e}",
                        V::PRECISION
                    ));
                }
            }
        }
        Ok(())
    }
    #[cfg(target_arch = "x86_64")]
    if lanes::fast() {
        check::<avx::A64x4>(f, points)?;
        check::<avx::A32x8>(f, points)?;
    }
    check::<F64x4>(f, points)?;
    check::<F32x8>(f, points)
}

/// Runs every start and reports where each lane ended, in the order of `starts`.
pub fn run_batch(f: &Function, starts: &[[f64; 2]], config: &BatchConfig, control: &Control) -> Vec<LaneEnd> {
    // Line searches evaluate f at each start's own trial points: one start at a time, on every core.
    if config.spec.is_line_search() {
        return singles::run_singles(f, starts, config, control);
    }
    // Where the CPU has AVX2 and FMA, the lanes are AVX registers (`avx.rs`); elsewhere arrays.
    #[cfg(target_arch = "x86_64")]
    if lanes::fast() {
        return match config.precision {
            Precision::F64 => run_lanes::<avx::A64x4>(f, starts, config, control),
            Precision::F32 => run_lanes::<avx::A32x8>(f, starts, config, control),
        };
    }
    match config.precision {
        Precision::F64 => run_lanes::<F64x4>(f, starts, config, control),
        Precision::F32 => run_lanes::<F32x8>(f, starts, config, control),
    }
}

#[cfg(test)]
mod tests {
    use super::program::{INPUT_X, INPUT_Y};
    use super::*;
    use crate::optim::{Method, Options};
    use crate::{run, RunConfig};

    fn config(spec: OptimizerSpec, epochs: u64, lr: f64) -> BatchConfig {
        BatchConfig {
            epochs,
            learning_rate: lr,
            schedule: Schedule::Constant,
            training: TrainingLoop::default(),
            ascent: false,
            gtol: None,
            spec,
            precision: Precision::F64,
            bounds: None,
        }
    }

    fn grid(n: usize, lo: f64, hi: f64) -> Vec<[f64; 2]> {
        let at = |i: usize| lo + (hi - lo) * i as f64 / (n - 1) as f64;
        (0..n * n).map(|i| [at(i % n), at(i / n)]).collect()
    }

    /// Lanes that finish (converged or diverged) leave the evaluated vectors: the running lanes are packed to
    /// the front with their optimizer state, so they move to other slots, and a lane must still end exactly,
    /// bit for bit, where it ends alone in a block of its own. This also sets the common-case step (a full
    /// vector, nobody finishing) against the exact tests that a lone lane in a vector of padding always takes.
    #[test]
    fn finished_lanes_leave_the_block_without_changing_the_others() {
        let f = Function::resolve("himmelblau").unwrap();
        let starts = grid(12, -6.0, 6.0);
        for (method, lr) in [
            (Method::Gd, 0.01),
            (Method::Momentum, 0.01),
            (Method::Adam, 0.05),
            (Method::Newton, 1.0),
            (Method::Nesterov, 0.005),
        ] {
            let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
            let mut c = config(spec, 300, lr);
            c.gtol = Some(1e-3);
            for precision in [Precision::F64, Precision::F32] {
                c.precision = precision;
                let together = run_batch(&f, &starts, &c, &Control::NONE);
                let mut kinds = std::collections::BTreeSet::new();
                for (s, e) in starts.iter().zip(&together) {
                    let alone = run_batch(&f, &[*s], &c, &Control::NONE)[0];
                    let same = e.end[0].to_bits() == alone.end[0].to_bits()
                        && e.end[1].to_bits() == alone.end[1].to_bits()
                        && e.epochs_run == alone.epochs_run
                        && e.termination == alone.termination;
                    assert!(
                        same,
                        "{method:?} {precision:?} from {s:?}: {e:?} in the block, {alone:?} alone"
                    );
                    kinds.insert((format!("{:?}", e.termination), e.epochs_run));
                }
                // Lanes finished at different epochs, so the block was gathered in different ways.
                let converged = kinds.iter().filter(|(k, _)| k == "Converged").count();
                assert!(converged >= 2 && kinds.len() >= 3, "{method:?}: {kinds:?}");
            }
        }
    }

    /// Gradient descent updates x and y in the program's input registers. Where a gradient component is an
    /// input register itself (x²/2 + y²/2 has the gradient (x, y), xy has (y, x)), the step must still read
    /// the gradient at the old point, against a loop written out by hand.
    #[test]
    fn gradient_equal_to_an_input_is_read_before_the_update() {
        for (formula, swapped) in [("x^2/2 + y^2/2", false), ("x*y", true)] {
            let f = Function::parse(formula).unwrap();
            let outputs = Program::new(&f.tapes().gradient).outputs().to_vec();
            let want = if swapped {
                [INPUT_Y, INPUT_X]
            } else {
                [INPUT_X, INPUT_Y]
            };
            assert_eq!(outputs[..2], want, "{formula}: the case under test");
            let starts = grid(5, -1.0, 1.0);
            for precision in [Precision::F64, Precision::F32] {
                let mut c = config(OptimizerSpec::gd(), 50, 0.1);
                c.precision = precision;
                let ends = run_batch(&f, &starts, &c, &Control::NONE);
                for (s, e) in starts.iter().zip(&ends) {
                    let (mut x, mut y) = (s[0], s[1]);
                    for _ in 0..50 {
                        let (gx, gy) = if swapped { (y, x) } else { (x, y) };
                        (x, y) = (gx.mul_add(-0.1, x), gy.mul_add(-0.1, y));
                    }
                    // The saddle of xy sends lanes out to about 30: relative to the end's size.
                    let tol = if precision == Precision::F64 { 1e-15 } else { 1e-6 } * x.hypot(y).max(1.0);
                    let d = (e.end[0] - x).hypot(e.end[1] - y);
                    assert!(
                        d <= tol,
                        "{formula} {precision:?} from {s:?}: {:?}, by hand {:?}",
                        e.end,
                        [x, y]
                    );
                    assert_eq!(e.epochs_run, 50);
                }
            }
            // The general epoch (every other method) copies such registers before the update: its lanes end
            // where single runs end, bit for bit (the gradients are exact, the arithmetic the same).
            for method in [Method::Momentum, Method::Adam, Method::Newton] {
                let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
                let ends = run_batch(&f, &starts, &config(spec, 50, 0.1), &Control::NONE);
                for (s, e) in starts.iter().zip(&ends) {
                    let single = run(&f, &RunConfig::new(*s).learning_rate(0.1).epochs(50), &spec).unwrap();
                    assert_eq!(
                        (e.end, u64::from(e.epochs_run), e.termination),
                        (single.end, single.epochs_run, single.termination),
                        "{formula} {method:?} from {s:?}"
                    );
                }
            }
        }
    }

    /// Out on peaks' plateau the Hessian is 1e-20 and smaller: Newton's fallback steps across it in f32 (its
    /// eigenvectors scaled, not squared as they are: an f32 square of 1e-20 is subnormal, and its reciprocal
    /// infinite) and no lane diverges, as in f64. Before the eigenvectors were scaled, 14% of a 16x16 f32 map
    /// of [4, 7]² did.
    #[test]
    fn newton_crosses_a_plateau_in_f32() {
        let f = Function::resolve("peaks").unwrap();
        let starts = grid(16, 4.0, 7.0);
        let spec = OptimizerSpec::new(Method::Newton, &Options::default()).unwrap();
        for precision in [Precision::F64, Precision::F32] {
            let mut c = config(spec, 300, 0.5);
            c.precision = precision;
            let ends = run_batch(&f, &starts, &c, &Control::NONE);
            for (s, e) in starts.iter().zip(&ends) {
                assert!(
                    e.termination != Termination::Diverged && e.end.iter().all(|v| v.abs() < 20.0),
                    "{precision:?} from {s:?}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn lanes_equal_single_runs_for_every_optimizer() {
        for name in ["peaks", "himmelblau", "six-hump-camel"] {
            let f = Function::resolve(name).unwrap();
            let starts = grid(7, -1.9, 1.9);
            for (method, _) in Method::ALL {
                let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
                let lr = if method == Method::Newton { 1.0 } else { 0.01 };
                let ends = run_batch(&f, &starts, &config(spec, 200, lr), &Control::NONE);
                for (s, e) in starts.iter().zip(&ends) {
                    let single = run(&f, &RunConfig::new(*s).learning_rate(lr).epochs(200), &spec).unwrap();
                    assert_eq!(e.termination, single.termination, "{name} {method:?} from {s:?}");
                    assert_eq!(
                        u64::from(e.epochs_run),
                        single.epochs_run,
                        "{name} {method:?} from {s:?}"
                    );
                    // Rprop's step sizes grow to 50 where the gradient keeps its sign: out on peaks' plateau, where
                    // the gradient is a sum of exp tails whose last bits (lanes' exp, libm's) decide a sign, the
                    // path is a different one. Within the domain it is the same.
                    let outside = single.end[0].abs().max(single.end[1].abs()) > 3.0;
                    if method == Method::Rprop && name == "peaks" && outside {
                        continue;
                    }
                    let d = (e.end[0] - single.end[0]).hypot(e.end[1] - single.end[1]);
                    // Adaptive methods take sign-like steps that orbit a minimum at about the learning rate, and
                    // last-bit differences of exp change the phase of the orbit: the same minimum, to 2 lr.
                    let tol = match method {
                        Method::Gd | Method::Momentum | Method::Nesterov | Method::Newton => {
                            1e-9 * single.end[0].hypot(single.end[1]).max(1.0)
                        }
                        _ => 2.0 * lr,
                    };
                    assert!(
                        d <= tol,
                        "{name} {method:?} from {s:?}: {:?} vs {:?}",
                        e.end,
                        single.end
                    );
                }
            }
        }
    }

    /// The fused epoch (gradient and update in one program) takes exactly the steps of the general epoch, which
    /// takes the update's generic code on lanes: for every method (and AMSGrad, and gradient clipping), with a
    /// schedule, warmup, weight decay, ascent and a gradient tolerance, in both precisions, every lane ends in
    /// the same place, bit for bit, after the same updates, for the same reason. (A box far larger than the divergence
    /// limit sends a batch to the general epoch without changing what it computes.)
    #[test]
    fn fused_epochs_take_the_general_epochs_steps_bit_for_bit() {
        let far = Some([-1e300, 1e300, -1e300, 1e300]);
        let mut fused_methods = 0;
        let mut kinds = std::collections::BTreeSet::new();
        let amsgrad = Options {
            amsgrad: true,
            ..Options::default()
        };
        let cases = Method::ALL
            .iter()
            .map(|&(method, _)| (method, Options::default(), None))
            .chain([
                (Method::Adam, amsgrad, None),
                (Method::Adam, Options::default(), Some(1.0)),
            ]);
        for (method, options, clip) in cases {
            let spec = OptimizerSpec::new(method, &options).unwrap();
            if spec.is_line_search() {
                continue;
            }
            for (name, lr, ascent) in [
                ("himmelblau", 0.004, false),
                ("peaks", 0.02, false),
                ("-(x^2 + y^2) + x*y/4", 0.05, true),
                ("x^3 - 3*x + y^2", 0.05, false),
            ] {
                let f = Function::resolve(name).unwrap();
                let starts = grid(9, -5.0, 5.0);
                let mut c = config(spec, 150, lr);
                c.ascent = ascent;
                c.gtol = Some(1e-4);
                c.schedule = Schedule::Cosine { eta_min: 0.001 };
                c.training.warmup = 10;
                c.training.clip_grad_norm = clip;
                let tapes = f.tapes();
                let tape = Program::new(if spec.needs_hessian() {
                    &tapes.derivatives
                } else {
                    &tapes.gradient
                });
                let fused = fused::Plan::new::<lanes::F64x4>(&tape, &c).is_some();
                assert!(fused, "{method:?} {name}: no fused epoch");
                fused_methods += usize::from(fused && name == "peaks");
                for precision in [Precision::F64, Precision::F32] {
                    c.precision = precision;
                    c.bounds = None;
                    let one = run_batch(&f, &starts, &c, &Control::NONE);
                    c.bounds = far;
                    let general = run_batch(&f, &starts, &c, &Control::NONE);
                    c.bounds = None;
                    for ((s, a), b) in starts.iter().zip(&one).zip(&general) {
                        let same = a.end[0].to_bits() == b.end[0].to_bits()
                            && a.end[1].to_bits() == b.end[1].to_bits()
                            && (a.epochs_run, a.termination) == (b.epochs_run, b.termination);
                        assert!(
                            same,
                            "{method:?} {name} {precision:?} from {s:?}: {a:?} fused, {b:?} general"
                        );
                        if fused {
                            kinds.insert(format!("{:?}", a.termination));
                        }
                    }
                }
            }
        }
        // Every method but the two line searches, AMSGrad and clipping.
        assert!(fused_methods >= 18, "{fused_methods} methods fused");
        assert_eq!(kinds.len(), 3, "{kinds:?}");
    }

    /// A batch longer than the fused epoch's table of parameters records its later epochs' values as it goes:
    /// a step schedule whose rate drops only after the table still drops, and the lanes end where the general
    /// epoch's end, bit for bit.
    #[test]
    fn fused_epochs_past_their_table_take_the_later_rates() {
        let f = Function::resolve("x^2 + 3*y^2 + x*y").unwrap();
        let starts = grid(4, -2.0, 2.0);
        for method in [Method::Gd, Method::Momentum, Method::Adam] {
            let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
            let mut c = config(spec, 70_000, 1e-5);
            c.schedule = Schedule::Step {
                step_size: 67_000,
                gamma: 50.0,
            };
            let tape = Program::new(&f.tapes().gradient);
            assert!(fused::Plan::new::<lanes::F64x4>(&tape, &c).is_some());
            let fused = run_batch(&f, &starts, &c, &Control::NONE);
            c.bounds = Some([-1e300, 1e300, -1e300, 1e300]);
            let general = run_batch(&f, &starts, &c, &Control::NONE);
            for (a, b) in fused.iter().zip(&general) {
                assert_eq!((a.end, a.epochs_run), (b.end, b.epochs_run), "{method:?}");
            }
        }
    }

    /// With gradient noise, lane i of a batch draws stream i: it ends where a single run of stream i ends,
    /// whichever block and thread it ran in, and the same seed repeats the batch exactly.
    #[test]
    fn noisy_lanes_draw_their_own_streams() {
        let f = Function::resolve("himmelblau").unwrap();
        let starts = grid(12, -4.0, 4.0);
        let noise = crate::optim::Noise {
            sigma: 2.0,
            seed: 11,
            stream: 0,
        };
        for method in [Method::Gd, Method::Adam] {
            let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
            let mut c = config(spec, 300, 0.01);
            c.training.noise = Some(noise);
            let ends = run_batch(&f, &starts, &c, &Control::NONE);
            for (i, (s, e)) in starts.iter().zip(&ends).enumerate() {
                let mut single = RunConfig::new(*s).learning_rate(0.01).epochs(300);
                single.training.noise = Some(crate::optim::Noise {
                    stream: i as u64,
                    ..noise
                });
                let single = run(&f, &single, &spec).unwrap();
                let d = (e.end[0] - single.end[0]).hypot(e.end[1] - single.end[1]);
                assert!(d <= 1e-9, "{method:?} lane {i}: {:?} vs {:?}", e.end, single.end);
            }
            assert_eq!(ends, run_batch(&f, &starts, &c, &Control::NONE), "{method:?}");
            // Without noise, or with another seed, the lanes go elsewhere.
            let quiet = run_batch(&f, &starts, &config(spec, 300, 0.01), &Control::NONE);
            c.training.noise = Some(crate::optim::Noise { seed: 12, ..noise });
            let other = run_batch(&f, &starts, &c, &Control::NONE);
            let moved = |a: &[LaneEnd]| a.iter().zip(&ends).filter(|(p, q)| p.end != q.end).count();
            assert!(
                moved(&quiet) > starts.len() / 2 && moved(&other) > starts.len() / 2,
                "{method:?}"
            );
        }
    }

    #[test]
    fn bounded_lanes_leave_the_domain_where_single_runs_do() {
        // A bowl centred outside the box: every lane walks out, at the epoch a single run leaves; lanes that
        // start near the centre's side leave first, so the block packs while others still run (with their
        // optimizer state, which must move with them).
        let f = Function::parse("(x - 3)^2 + (y + 2)^2 + x*y/4").unwrap();
        let starts = grid(12, -1.0, 1.0);
        let bounds = [-1.5, 1.5, -1.5, 1.5];
        for (method, _) in Method::ALL {
            let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
            let lr = match method {
                Method::Newton => 0.05,
                Method::Adagrad => 0.2,
                Method::Adadelta => 1.0,
                _ => 0.02,
            };
            let mut c = config(spec, 400, lr);
            c.bounds = Some(bounds);
            let ends = run_batch(&f, &starts, &c, &Control::NONE);
            let mut left = 0;
            for (s, e) in starts.iter().zip(&ends) {
                let single = run(
                    &f,
                    &RunConfig {
                        bounds: Some(bounds),
                        ..RunConfig::new(*s).learning_rate(lr).epochs(400)
                    },
                    &spec,
                )
                .unwrap();
                assert_eq!(e.termination, single.termination, "{method:?} from {s:?}");
                assert_eq!(u64::from(e.epochs_run), single.epochs_run, "{method:?} from {s:?}");
                let d = (e.end[0] - single.end[0]).hypot(e.end[1] - single.end[1]);
                assert!(d <= 1e-12, "{method:?} from {s:?}: {:?} vs {:?}", e.end, single.end);
                left += usize::from(e.termination == Termination::LeftDomain);
            }
            assert!(left * 2 > starts.len(), "{method:?}: {left} of {} left", starts.len());
        }
    }

    #[test]
    fn f32_lanes_of_every_optimizer_land_where_f64_lanes_do() {
        let f = Function::resolve("himmelblau").unwrap();
        let starts = grid(10, -4.0, 4.0);
        for (method, _) in Method::ALL {
            let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
            let lr = if method == Method::Newton { 1.0 } else { 0.01 };
            let mut c = config(spec, 3000, lr);
            let a = run_batch(&f, &starts, &c, &Control::NONE);
            c.precision = Precision::F32;
            let b = run_batch(&f, &starts, &c, &Control::NONE);
            // The same minimum: Himmelblau's four are at least 3 apart; adaptive steps orbit within ~lr.
            let same = a
                .iter()
                .zip(&b)
                .filter(|(p, q)| (p.end[0] - q.end[0]).hypot(p.end[1] - q.end[1]) < 0.1)
                .count();
            assert!(
                same * 100 >= starts.len() * 95,
                "{method:?}: {same} of {}",
                starts.len()
            );
        }
    }

    #[test]
    fn a_diverging_lane_does_not_disturb_its_neighbours() {
        let f = Function::parse("x^4 + y^2").unwrap();
        // Lane 2 starts far out and overshoots at lr 0.1; the others converge.
        let mut starts = grid(4, -1.0, 1.0);
        starts[2] = [10.0, 0.0];
        let mut c = config(OptimizerSpec::gd(), 500, 0.1);
        c.gtol = Some(1e-6);
        let ends = run_batch(&f, &starts, &c, &Control::NONE);
        assert_eq!(ends[2].termination, Termination::Diverged);
        assert!(ends[2].epochs_run < 5);
        for (i, e) in ends.iter().enumerate().filter(|(i, _)| *i != 2) {
            let single = run(
                &f,
                &RunConfig {
                    gtol: Some(1e-6),
                    ..RunConfig::new(starts[i]).learning_rate(0.1).epochs(500)
                },
                &OptimizerSpec::gd(),
            )
            .unwrap();
            assert_eq!(e.termination, single.termination, "lane {i}");
            assert_eq!(u64::from(e.epochs_run), single.epochs_run, "lane {i}");
            assert!(
                (e.end[0] - single.end[0]).abs() < 1e-12 && (e.end[1] - single.end[1]).abs() < 1e-12,
                "lane {i}"
            );
        }
    }

    /// A gradient that is finite in f64 but overflows f32 ends an f32 lane as diverged where it is, before the
    /// step, as a single run ends at a non-finite gradient (f64::MAX as an f32 limit is inf, which must not
    /// count as finite).
    #[test]
    fn an_f32_gradient_that_overflows_ends_the_lane_where_it_is() {
        let f = Function::parse("exp(x^2) + y^2").unwrap();
        // 2x e^(x²) at 9.5 is 1.4e40: past f32's 3.4e38.
        let starts = [[9.5, 0.0], [0.5, 0.5]];
        for method in [Method::Gd, Method::Adam] {
            let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
            let mut c = config(spec, 100, 0.01);
            c.precision = Precision::F32;
            let ends = run_batch(&f, &starts, &c, &Control::NONE);
            assert_eq!(ends[0].termination, Termination::Diverged, "{method:?}: {:?}", ends[0]);
            assert_eq!(ends[0].epochs_run, 0, "{method:?}: {:?}", ends[0]);
            assert_eq!(ends[0].end, [9.5, 0.0], "{method:?}");
            assert_eq!(ends[1].termination, Termination::MaxEpochs, "{method:?}: {:?}", ends[1]);
        }
    }

    #[test]
    fn f32_lanes_land_in_the_same_minima() {
        let f = Function::resolve("peaks").unwrap();
        let starts = grid(9, -2.5, 2.5);
        let mut c = config(OptimizerSpec::gd(), 1000, 0.01);
        let a = run_batch(&f, &starts, &c, &Control::NONE);
        c.precision = Precision::F32;
        let b = run_batch(&f, &starts, &c, &Control::NONE);
        let same = a
            .iter()
            .zip(&b)
            .filter(|(p, q)| (p.end[0] - q.end[0]).hypot(p.end[1] - q.end[1]) < 1e-3)
            .count();
        assert!(same * 100 >= starts.len() * 95, "{same} of {}", starts.len());
    }
}
