//! Many starts at once: blocks of lanes (structure of arrays, SIMD across lanes) evaluated by the same
//! compiled tape as single runs, rayon across cores, a per-lane mask so finished lanes stop being updated and
//! a block whose lanes have all finished stops costing work.
//!
//! Plain gradient descent (the seeds' method, the reference job) runs as vector code end to end. Every other
//! optimizer runs the same vector evaluation and then each lane's own optimizer state (the single-run code),
//! so every method of the core is supported with identical update rules.
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
pub mod basins;
mod epoch;
#[cfg(all(target_arch = "x86_64", unix))]
mod jit;
mod lanes;
mod program;
mod vmath;

/// The engine's parts that its benches time on their own (`benches/batch.rs`: the compiled gradient alone, a
/// hand-fused peer on the same lane types). Not part of the API.
#[doc(hidden)]
pub mod internals {
    #[cfg(target_arch = "x86_64")]
    pub use super::avx::{A32x8, A64x4};
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

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::optim::{OptimizerSpec, Real};
use crate::run::{Termination, DIVERGENCE_LIMIT};
use crate::{Function, Schedule};
use lanes::{F32x8, F64x4, Lanes};
use program::{Program, Reg, B, INPUT_X, INPUT_Y};

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
        let p = Program::new(&f.tapes().full).compile::<V>();
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

fn run_lanes<V: Lanes + Real<Mask = u32>>(
    f: &Function,
    starts: &[[f64; 2]],
    config: &BatchConfig,
    control: &Control,
) -> Vec<LaneEnd> {
    let block = B * V::N;
    let needs_hessian = config.spec.needs_hessian();
    let program = Program::new(if needs_hessian {
        &f.tapes().full
    } else {
        &f.tapes().gradient
    })
    .compile::<V>();
    let done = AtomicUsize::new(0);
    let mut out = vec![
        LaneEnd {
            end: [0.0; 2],
            epochs_run: 0,
            termination: Termination::MaxEpochs,
            gradient_norm: f64::NAN,
            value: f64::NAN,
        };
        starts.len()
    ];
    // f and its gradient at the ends: a program of their own, so the epochs' program computes no value.
    let at_ends = Program::new(&f.tapes().value_gradient).compile::<V>();
    out.par_chunks_mut(block).zip(starts.par_chunks(block)).for_each_init(
        || (program.registers_for::<V>(), at_ends.registers_for::<V>()),
        |(regs, end_regs), (ends, chunk)| {
            let job = Block {
                program: &program,
                at_ends: &at_ends,
                chunk,
                config,
                control,
            };
            // AVX registers only in the AVX2 compilation, arrays only in the portable one: run_batch picks
            // the registers wherever the CPU has AVX2 and FMA (so each lane type is compiled once).
            #[cfg(target_arch = "x86_64")]
            if V::AVX {
                // SAFETY: V is an AVX register type, used only where `fast` found AVX2 and FMA.
                unsafe { job.run_avx2(regs, end_regs, ends) };
            } else {
                job.run(regs, end_regs, ends);
            }
            #[cfg(not(target_arch = "x86_64"))]
            job.run(regs, end_regs, ends);
            let n = done.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len();
            if let Some(p) = control.progress {
                p(n);
            }
        },
    );
    out
}

/// One block of lanes' work: its epochs, then f and the gradient at its ends.
struct Block<'a> {
    program: &'a Program,
    at_ends: &'a Program,
    chunk: &'a [[f64; 2]],
    config: &'a BatchConfig,
    control: &'a Control<'a>,
}

impl Block<'_> {
    /// The block's work, compiled into each caller (everything it calls on lanes is `inline(always)`).
    #[inline(always)]
    fn run<V: Lanes + Real<Mask = u32>>(&self, regs: &mut [Reg<V>], end_regs: &mut [Reg<V>], ends: &mut [LaneEnd]) {
        // Plain gradient descent (the seed's update) keeps its own epoch, with no branch in the common case.
        let plain_gd = matches!(self.config.spec, OptimizerSpec::Gd { weight_decay } if weight_decay == 0.0);
        if plain_gd && self.config.bounds.is_none() {
            gd_block::<V>(self.program, regs, self.chunk, self.config, self.control, ends);
        } else {
            epoch::run::<V>(self.program, regs, self.chunk, self.config, self.control, ends);
        }
        evaluate_ends::<V>(self.at_ends, end_regs, ends);
    }

    /// [`Block::run`] compiled for AVX2 with FMA: the lanes' element-wise loops become vector instructions.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_avx2<V: Lanes + Real<Mask = u32>>(
        &self,
        regs: &mut [Reg<V>],
        end_regs: &mut [Reg<V>],
        ends: &mut [LaneEnd],
    ) {
        self.run(regs, end_regs, ends);
    }
}

pub(super) fn cancelled(control: &Control) -> bool {
    control.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
}

/// Loads a chunk of starts into registers (lanes past the chunk repeat its first start and are ignored).
#[inline(always)]
fn load<V: Lanes>(chunk: &[[f64; 2]]) -> (Reg<V>, Reg<V>) {
    gather::<V>(chunk.len(), |i| chunk[i])
}

/// A block's x and y from `n` points (`point(slot)`); slots past `n` repeat the first point.
#[inline(always)]
fn gather<V: Lanes>(n: usize, point: impl Fn(usize) -> [f64; 2]) -> (Reg<V>, Reg<V>) {
    let reg = |c: usize| -> Reg<V> {
        std::array::from_fn(|k| {
            let lanes: [f64; 8] = std::array::from_fn(|j| {
                let slot = k * V::N + j;
                if j < V::N && slot < n {
                    point(slot)[c]
                } else {
                    point(0)[c]
                }
            });
            V::load(&lanes[..V::N])
        })
    };
    (reg(0), reg(1))
}

#[inline(always)]
fn lane<V: Lanes>(r: &Reg<V>, i: usize) -> f64 {
    r[i / V::N].lane(i % V::N)
}

/// Plain gradient descent, vectorised: p -= lr * g (p += for ascent). When enough lanes have finished, the
/// running ones are packed to the front of the block and only their vectors are evaluated, so finished lanes
/// stop costing work.
#[inline(always)]
fn gd_block<V: Lanes>(
    program: &Program,
    regs: &mut [Reg<V>],
    chunk: &[[f64; 2]],
    config: &BatchConfig,
    control: &Control,
    ends: &mut [LaneEnd],
) {
    const NONE: usize = usize::MAX;
    // The lanes' positions live in the program's input registers and are updated there in place.
    (regs[INPUT_X as usize], regs[INPUT_Y as usize]) = load::<V>(chunk);
    let n = chunk.len();
    let full = if V::N == 32 { u32::MAX } else { (1u32 << V::N) - 1 };
    // The lane at each position of the block (NONE for padding), and which positions are still running.
    let mut slot_lane: Vec<usize> = (0..B * V::N).map(|p| if p < n { p } else { NONE }).collect();
    let mask_for = |slot_lane: &[usize], k: usize| {
        (0..V::N)
            .filter(|&j| slot_lane[k * V::N + j] != NONE)
            .fold(0u32, |m, j| m | 1 << j)
    };
    let mut active: [u32; B] = std::array::from_fn(|k| mask_for(&slot_lane, k));
    let mut vectors = n.div_ceil(V::N);
    let mut final_pos = vec![[0.0f64; 2]; n];
    // Set when a lane finishes; lanes still running at the end ran every completed epoch.
    const RUNNING: u32 = u32::MAX;
    let mut epochs_run = vec![RUNNING; n];
    let mut completed = 0u64;
    let mut termination = vec![Termination::MaxEpochs; n];
    let gtol2 = config.gtol.map(|g| g * g);
    let sign = if config.ascent { 1.0 } else { -1.0 };
    let mut copies = [[V::splat(0.0); B]; 2];
    let mut backup = [[V::splat(0.0); B]; 2];
    for t in 0..config.epochs {
        if t % 16 == 0 {
            let running: usize = active[..vectors].iter().map(|a| a.count_ones() as usize).sum();
            if running == 0 || (t % 64 == 0 && cancelled(control)) {
                break;
            }
            if running.div_ceil(V::N) * 4 <= vectors * 3 {
                let (x, y, ..) = state_and_gradient(regs, program.outputs(), &mut copies);
                vectors = pack(x, y, &mut active, &mut slot_lane, &mut final_pos, vectors);
            }
        }
        if vectors == B {
            // The full block with constant loop bounds: the common case, compiled on its own.
            program.eval_in_place(regs, B);
        } else {
            program.eval_in_place(regs, vectors);
        }
        let (x, y, gx, gy) = state_and_gradient(regs, program.outputs(), &mut copies);
        let step = V::splat(sign * config.schedule.rate(config.learning_rate, t, config.epochs));
        let mut lanes = BlockLanes {
            x,
            y,
            active: &mut active,
            slot_lane: &slot_lane,
            termination: &mut termination,
            epochs_run: &mut epochs_run,
            backup: &mut backup,
        };
        if vectors == B {
            gd_update::<V>(&mut lanes, gx, gy, step, gtol2, t, full, B);
        } else {
            gd_update::<V>(&mut lanes, gx, gy, step, gtol2, t, full, vectors);
        }
        completed = t + 1;
    }
    for p in 0..vectors * V::N {
        if slot_lane[p] != NONE {
            final_pos[slot_lane[p]] = [lane(&regs[INPUT_X as usize], p), lane(&regs[INPUT_Y as usize], p)];
        }
    }
    for (i, e) in ends.iter_mut().enumerate() {
        *e = LaneEnd {
            end: final_pos[i],
            epochs_run: if epochs_run[i] == RUNNING {
                completed as u32
            } else {
                epochs_run[i]
            },
            termination: termination[i],
            gradient_norm: f64::NAN,
            value: f64::NAN,
        };
    }
}

/// A block's positions (the program's input registers, updated in place) and its gradient (the program's
/// first two outputs). A gradient component that is an input register itself (the gradient of x²/2 is x) is
/// copied into `copies` first, since the update then overwrites the register it reads.
#[allow(clippy::type_complexity)]
#[inline(always)]
fn state_and_gradient<'r, V: Lanes>(
    regs: &'r mut [Reg<V>],
    outputs: &[u16],
    copies: &'r mut [Reg<V>; 2],
) -> (&'r mut Reg<V>, &'r mut Reg<V>, &'r Reg<V>, &'r Reg<V>) {
    debug_assert_eq!((INPUT_X, INPUT_Y), (0, 1));
    let (inputs, rest) = regs.split_at_mut(2);
    for (copy, &o) in copies.iter_mut().zip(outputs) {
        if o < 2 {
            *copy = inputs[o as usize];
        }
    }
    let [x, y] = inputs else { unreachable!("split at 2") };
    let ([cx, cy], rest): (&'r [Reg<V>; 2], &'r [Reg<V>]) = (copies, rest);
    let pick = |o: u16, copy: &'r Reg<V>| if o < 2 { copy } else { &rest[o as usize - 2] };
    (x, y, pick(outputs[0], cx), pick(outputs[1], cy))
}

/// The state of a block's lanes that one gradient-descent update changes.
struct BlockLanes<'a, V> {
    x: &'a mut Reg<V>,
    y: &'a mut Reg<V>,
    active: &'a mut [u32; B],
    slot_lane: &'a [usize],
    termination: &'a mut [Termination],
    epochs_run: &'a mut [u32],
    /// Where [`gd_step_all`] keeps the positions it replaces.
    backup: &'a mut [Reg<V>; 2],
}

/// The common epoch, with no branch on the lanes: no running lane of the first `n` vectors finishes (no gradient
/// within gtol, no step past the divergence limit), so every running lane steps and the others (finished, or
/// padding) keep their places. One pass takes the steps and sums what the test needs, keeping the old positions
/// in `backup`; when some lane might finish it puts them back and returns false, having changed nothing, and
/// [`gd_update`] goes lane by lane. (A test pass and then a step pass, each reading positions and gradient, cost
/// 2-4% more of the whole engine in f32.) Vectors with lanes that do not run cost a few blends more: without
/// them, every epoch between a lane's finishing and the next packing went lane by lane (on a default 1024x1024
/// peaks map, 24% of the epochs against 4.5% now).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gd_step_all<V: Lanes>(
    x: &mut Reg<V>,
    y: &mut Reg<V>,
    gx: &Reg<V>,
    gy: &Reg<V>,
    backup: &mut [Reg<V>; 2],
    step: V,
    gtol2: Option<f64>,
    active: &[u32; B],
    full: u32,
    n: usize,
) -> bool {
    // gd_update's tests, for all running lanes at once: no lane's gradient within gtol (the smallest of the
    // same g² values above it), and no step past the divergence limit. The sum of the new |x| and |y| is at
    // least each of them and is NaN or inf where one is, so it is within the limit only if every one is; where
    // it is not (a lane near the limit or beyond), gd_update looks lane by lane. Lanes that do not run count
    // as 0 in the sum and +inf in the smallest g².
    let [bx, by] = backup;
    let (zero, inf) = (V::splat(0.0), V::splat(f64::INFINITY));
    let mut sum = zero;
    let mut smallest = inf;
    for k in 0..n {
        let (ox, oy) = (x[k], y[k]);
        let mut nx = gx[k].mul_add(step, ox);
        let mut ny = gy[k].mul_add(step, oy);
        let mut size = nx.abs() + ny.abs();
        let running = active[k];
        if running != full {
            nx = nx.select(running, ox);
            ny = ny.select(running, oy);
            size = size.select(running, zero);
        }
        sum = sum + size;
        if gtol2.is_some() {
            let g2 = gx[k] * gx[k] + gy[k] * gy[k];
            smallest = smallest.min(if running == full { g2 } else { g2.select(running, inf) });
        }
        (bx[k], by[k]) = (ox, oy);
        (x[k], y[k]) = (nx, ny);
    }
    let mut ok = sum.le(V::splat(DIVERGENCE_LIMIT));
    if let Some(g2) = gtol2 {
        ok &= !smallest.le(V::splat(g2));
    }
    if ok & full == full {
        return true;
    }
    x[..n].copy_from_slice(&bx[..n]);
    y[..n].copy_from_slice(&by[..n]);
    false
}

/// One update of the first `n` vectors (`n == B` compiles with constant bounds: the common case).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gd_update<V: Lanes>(
    l: &mut BlockLanes<V>,
    gx: &Reg<V>,
    gy: &Reg<V>,
    step: V,
    gtol2: Option<f64>,
    t: u64,
    full: u32,
    n: usize,
) {
    if gd_step_all(l.x, l.y, gx, gy, l.backup, step, gtol2, l.active, full, n) {
        return;
    }
    for k in 0..n {
        if l.active[k] == 0 {
            continue;
        }
        let (gxk, gyk) = (gx[k], gy[k]);
        if let Some(g2) = gtol2 {
            let small = (gxk * gxk + gyk * gyk).le(V::splat(g2)) & l.active[k];
            for j in bits(small) {
                let lane = l.slot_lane[k * V::N + j];
                l.termination[lane] = Termination::Converged;
                l.epochs_run[lane] = t as u32;
            }
            l.active[k] &= !small;
            if l.active[k] == 0 {
                continue;
            }
        }
        let nx = gxk.mul_add(step, l.x[k]);
        let ny = gyk.mul_add(step, l.y[k]);
        // As in a single run: a non-finite step ends the lane where it was; a finite step past the
        // divergence limit is taken, counted, and ends the lane there.
        let ok = nx.within(DIVERGENCE_LIMIT) & ny.within(DIVERGENCE_LIMIT);
        // Lanes within the limit are finite: the second test only when some lane is not.
        let finite = if l.active[k] & !ok == 0 {
            full
        } else {
            nx.within(f64::MAX) & ny.within(f64::MAX)
        };
        let moving = l.active[k] & finite;
        for j in bits(l.active[k] & !ok) {
            let lane = l.slot_lane[k * V::N + j];
            l.termination[lane] = Termination::Diverged;
            l.epochs_run[lane] = t as u32 + u32::from(finite >> j & 1 == 1);
        }
        if moving == full {
            l.x[k] = nx;
            l.y[k] = ny;
        } else if moving != 0 {
            // Only moving lanes move; finished lanes keep their last position.
            let keep = |old: V, new: V| {
                let mut v = [0.0; 8];
                for (j, o) in v.iter_mut().enumerate().take(V::N) {
                    *o = if moving >> j & 1 == 1 { new.lane(j) } else { old.lane(j) };
                }
                V::load(&v[..V::N])
            };
            l.x[k] = keep(l.x[k], nx);
            l.y[k] = keep(l.y[k], ny);
        }
        l.active[k] &= ok;
    }
}

/// Moves the running lanes of the first `vectors` vectors to the front (recording where the finished ones
/// stopped) and returns how many vectors now hold them.
#[inline(always)]
fn pack<V: Lanes>(
    x: &mut Reg<V>,
    y: &mut Reg<V>,
    active: &mut [u32; B],
    slot_lane: &mut [usize],
    final_pos: &mut [[f64; 2]],
    vectors: usize,
) -> usize {
    let mut kept: Vec<(f64, f64, usize)> = Vec::new();
    for p in 0..vectors * V::N {
        let lane_id = slot_lane[p];
        if lane_id == usize::MAX {
            continue;
        }
        let (px, py) = (lane(x, p), lane(y, p));
        if active[p / V::N] >> (p % V::N) & 1 == 1 {
            kept.push((px, py, lane_id));
        } else {
            final_pos[lane_id] = [px, py];
        }
    }
    let now = kept.len().div_ceil(V::N).max(1);
    let fill = kept.first().map(|k| (k.0, k.1)).unwrap_or((0.0, 0.0));
    let mut xs = vec![fill.0; B * V::N];
    let mut ys = vec![fill.1; B * V::N];
    for s in slot_lane.iter_mut() {
        *s = usize::MAX;
    }
    for (p, &(px, py, lane_id)) in kept.iter().enumerate() {
        xs[p] = px;
        ys[p] = py;
        slot_lane[p] = lane_id;
    }
    for k in 0..B {
        x[k] = V::load(&xs[k * V::N..(k + 1) * V::N]);
        y[k] = V::load(&ys[k * V::N..(k + 1) * V::N]);
        let live = kept.len().saturating_sub(k * V::N).min(V::N);
        active[k] = if live == 32 { u32::MAX } else { (1u32 << live) - 1 };
    }
    now
}

/// Fills in f and the gradient norm at every lane's end (`program` computes f, df/dx, df/dy).
#[inline(always)]
fn evaluate_ends<V: Lanes>(program: &Program, regs: &mut [Reg<V>], ends: &mut [LaneEnd]) {
    let points: Vec<[f64; 2]> = ends.iter().map(|e| e.end).collect();
    let (x, y) = load::<V>(&points);
    program.eval(regs, &x, &y);
    for (i, e) in ends.iter_mut().enumerate() {
        let out = |k: usize| lane(program.output(regs, k), i);
        e.value = out(0);
        e.gradient_norm = out(1).hypot(out(2));
    }
}

/// The set bits of a mask.
fn bits(mut mask: u32) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let j = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            j
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Method, Options};
    use crate::{run, RunConfig};

    fn config(spec: OptimizerSpec, epochs: u64, lr: f64) -> BatchConfig {
        BatchConfig {
            epochs,
            learning_rate: lr,
            schedule: Schedule::Constant,
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

    /// Lanes that finish (converged or diverged) leave the evaluated vectors of the other optimizers' blocks,
    /// and gradient descent packs its running lanes to the front, so the running lanes move to other slots: a
    /// lane must still end exactly, bit for bit, where it ends alone in a block of its own. For gradient
    /// descent this also sets the whole-block step (full vectors, nobody finishing) against the lane-by-lane
    /// one that a lone lane always takes.
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
                    let d = (e.end[0] - single.end[0]).hypot(e.end[1] - single.end[1]);
                    // Adaptive methods take sign-like steps that orbit a minimum at about the learning rate, and
                    // last-bit differences of exp change the phase of the orbit: the same minimum, to 2 lr.
                    let tol = match method {
                        Method::Adagrad | Method::Rmsprop | Method::Adam | Method::Adamw => 2.0 * lr,
                        _ => 1e-9 * single.end[0].hypot(single.end[1]).max(1.0),
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
