//! The rayon driver: a batch's starts cut into blocks of lanes, each block run on a worker thread (its epochs
//! in `fused.rs` where the update can be compiled with the gradient, else in `epoch.rs`; then f and the
//! gradient at its ends), in the AVX2-and-FMA compilation where the CPU has those.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::evaluator::Evaluator;
use super::fused::Plan;
use super::lanes::Lanes;
use super::program::{Program, Reg, B, INPUT_X, INPUT_Y};
use super::{epoch, fused};
use super::{BatchConfig, Control, LaneEnd};
use crate::optim::Real;
use crate::run::{Termination, DIVERGENCE_LIMIT};
use crate::Function;

pub(super) fn run_lanes<V: Lanes + Real<Mask = u32>>(
    f: &Function,
    starts: &[[f64; 2]],
    config: &BatchConfig,
    control: &Control,
) -> Vec<LaneEnd> {
    let block = B * V::N;
    let needs_hessian = config.spec.needs_hessian();
    let tape = Program::new(if needs_hessian {
        &f.tapes().derivatives
    } else {
        &f.tapes().gradient
    });
    let plan = Plan::new::<V>(&tape, config);
    let program = Evaluator::new::<V>(tape);
    let done = AtomicUsize::new(0);
    let mut out = vec![LaneEnd::NOT_RUN; starts.len()];
    // f and its gradient at the ends: a program of their own, so the epochs' program computes no value.
    let at_ends = Evaluator::new::<V>(Program::new(&f.tapes().value_gradient));
    out.par_chunks_mut(block)
        .zip(starts.par_chunks(block))
        .enumerate()
        .for_each_init(
            || {
                let fused = plan.as_ref().map_or_else(Vec::new, |p| p.registers_for::<V>());
                (program.registers_for::<V>(), at_ends.registers_for::<V>(), fused)
            },
            |(regs, end_regs, fused_regs), (k, (ends, chunk))| {
                let job = Block {
                    plan: plan.as_ref(),
                    fused_regs,
                    program: &program,
                    at_ends: &at_ends,
                    chunk,
                    first: k * block,
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
struct Block<'a, V> {
    /// The fused epochs, where the update compiles with the gradient, and their registers.
    plan: Option<&'a Plan>,
    fused_regs: &'a mut Vec<Reg<V>>,
    program: &'a Evaluator,
    at_ends: &'a Evaluator,
    chunk: &'a [[f64; 2]],
    /// The index of the chunk's first start in the batch.
    first: usize,
    config: &'a BatchConfig,
    control: &'a Control<'a>,
}

impl<V: Lanes + Real<Mask = u32>> Block<'_, V> {
    /// The block's work, compiled into each caller (everything it calls on lanes is `inline(always)`).
    #[inline(always)]
    fn run(self, regs: &mut [Reg<V>], end_regs: &mut [Reg<V>], ends: &mut [LaneEnd]) {
        if let Some(plan) = self.plan {
            fused::run::<V>(
                plan,
                self.fused_regs,
                self.program,
                regs,
                self.chunk,
                self.config,
                self.control,
                ends,
            );
        } else {
            epoch::run::<V>(
                self.program,
                regs,
                self.chunk,
                self.first,
                self.config,
                self.control,
                ends,
            );
        }
        evaluate_ends::<V>(self.at_ends, end_regs, ends);
    }

    /// [`Block::run`] compiled for AVX2 with FMA: the lanes' element-wise loops become vector instructions.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn run_avx2(self, regs: &mut [Reg<V>], end_regs: &mut [Reg<V>], ends: &mut [LaneEnd]) {
        self.run(regs, end_regs, ends);
    }
}

pub(super) fn cancelled(control: &Control) -> bool {
    control.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
}

/// Loads a chunk of starts into registers (lanes past the chunk repeat its first start and are ignored).
#[inline(always)]
pub(super) fn load<V: Lanes>(chunk: &[[f64; 2]]) -> (Reg<V>, Reg<V>) {
    gather::<V>(chunk.len(), |i| chunk[i])
}

/// A block's x and y from `n` points (`point(slot)`); slots past `n` repeat the first point.
#[inline(always)]
pub(super) fn gather<V: Lanes>(n: usize, point: impl Fn(usize) -> [f64; 2]) -> (Reg<V>, Reg<V>) {
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

/// A block position that holds no lane (padding, or a lane moved away by packing).
pub(super) const NONE: usize = usize::MAX;
/// A lane's epochs while it runs: lanes still running at the end ran every completed epoch.
pub(super) const RUNNING: u32 = u32::MAX;

/// For a block of `n` lanes: the lane at each position (NONE for padding) and each vector's running lanes.
pub(super) fn slots<V: Lanes>(n: usize) -> (Vec<usize>, [u32; B]) {
    let slot_lane: Vec<usize> = (0..B * V::N).map(|p| if p < n { p } else { NONE }).collect();
    let active = std::array::from_fn(|k| {
        (0..V::N)
            .filter(|&j| slot_lane[k * V::N + j] != NONE)
            .fold(0u32, |m, j| m | 1 << j)
    });
    (slot_lane, active)
}

/// Each lane's end: where it stopped (the lanes still in the first `vectors` vectors where they are now), after
/// how many epochs (`completed` for those still running) and why.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_ends<V: Lanes>(
    ends: &mut [LaneEnd],
    regs: &[Reg<V>],
    slot_lane: &[usize],
    vectors: usize,
    final_pos: &mut [[f64; 2]],
    epochs_run: &[u32],
    termination: &[Termination],
    completed: u64,
) {
    for p in 0..vectors * V::N {
        if slot_lane[p] != NONE {
            final_pos[slot_lane[p]] = [lane(&regs[INPUT_X as usize], p), lane(&regs[INPUT_Y as usize], p)];
        }
    }
    write_ends(ends, final_pos, epochs_run, termination, completed);
}

/// Each lane's end from where it stopped, after how many epochs ([`RUNNING`]: every one of the `completed`)
/// and why.
pub(super) fn write_ends(
    ends: &mut [LaneEnd],
    final_pos: &[[f64; 2]],
    epochs_run: &[u32],
    termination: &[Termination],
    completed: u64,
) {
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

#[inline(always)]
pub(super) fn lane<V: Lanes>(r: &Reg<V>, i: usize) -> f64 {
    r[i / V::N].lane(i % V::N)
}

/// Fills in f and the gradient norm at every lane's end (`program` computes f, df/dx, df/dy).
#[inline(always)]
fn evaluate_ends<V: Lanes>(program: &Evaluator, regs: &mut [Reg<V>], ends: &mut [LaneEnd]) {
    let points: Vec<[f64; 2]> = ends.iter().map(|e| e.end).collect();
    let (x, y) = load::<V>(&points);
    program.eval(regs, &x, &y);
    for (i, e) in ends.iter_mut().enumerate() {
        let out = |k: usize| lane(program.output(regs, k), i);
        e.value = out(0);
        e.gradient_norm = out(1).hypot(out(2));
    }
}

/// A single run's tests on one vector of lanes, after an epoch moved its `running` lanes to `next` with the
/// gradient `(gx, gy)` (negated for ascent) at their old positions: a gradient that is not finite ends a lane as
/// diverged where it was, a gradient within gtol as converged there, a new position that is not finite as
/// diverged where it was; a new position past the divergence limit ends it as diverged there, and one out of
/// the box as left_domain there.
pub(super) struct LaneTests {
    gradient_ok: u32,
    converged: u32,
    finite: u32,
    within: u32,
    /// The lanes whose step counts: they take their new position.
    pub moving: u32,
    /// The lanes that go on running.
    pub keep: u32,
}

impl LaneTests {
    #[inline(always)]
    pub(super) fn new<V: Lanes + Real<Mask = u32>>(
        running: u32,
        (gx, gy): (V, V),
        next: [V; 2],
        gtol2: Option<V>,
        bounds: Option<[V; 4]>,
    ) -> LaneTests {
        let max = f64::MAX;
        let gradient_ok = gx.within(max) & gy.within(max);
        let converged = match gtol2 {
            Some(g2) => (gx * gx + gy * gy).le(g2) & gradient_ok,
            None => 0,
        };
        let finite = next[0].within(max) & next[1].within(max);
        let moving = running & gradient_ok & !converged & finite;
        let within = next[0].within(DIVERGENCE_LIMIT) & next[1].within(DIVERGENCE_LIMIT);
        let inside = match bounds {
            Some([x0, x1, y0, y1]) => x0.le(next[0]) & next[0].le(x1) & y0.le(next[1]) & next[1].le(y1),
            None => u32::MAX,
        };
        LaneTests {
            gradient_ok,
            converged,
            finite,
            within,
            moving,
            keep: moving & within & inside,
        }
    }

    /// Why lane `j`, which stopped in epoch `t` (counted from 0), stopped, and after how many epochs.
    #[inline(always)]
    pub(super) fn end(&self, j: usize, t: u64) -> (Termination, u32) {
        let bit = |m: u32| m >> j & 1 == 1;
        let (why, ran) = if !bit(self.gradient_ok) || (!bit(self.converged) && !bit(self.finite)) {
            (Termination::Diverged, t)
        } else if bit(self.converged) {
            (Termination::Converged, t)
        } else if !bit(self.within) {
            (Termination::Diverged, t + 1)
        } else {
            (Termination::LeftDomain, t + 1)
        };
        (why, ran as u32)
    }
}

/// The running lanes of a block after packing: each one's eight values (position, then optimizer state) in
/// the order they now run.
pub(super) struct Packed {
    kept: Vec<[f64; 8]>,
    /// How many vectors now hold the running lanes (at least one).
    pub vectors: usize,
}

impl Packed {
    /// Vector `k` of value `c` (empty slots repeat the first kept lane: any finite values do, nothing reads
    /// them).
    #[inline(always)]
    pub(super) fn vector<V: Lanes>(&self, k: usize, c: usize) -> V {
        let fill = self.kept.first().map_or(0.0, |v| v[c]);
        let v: [f64; 8] = std::array::from_fn(|j| {
            let slot = k * V::N + j;
            if j < V::N {
                self.kept.get(slot).map_or(fill, |v| v[c])
            } else {
                0.0
            }
        });
        V::load(&v[..V::N])
    }
}

/// Moves the running lanes of the first `vectors` vectors to the front: `read(p)` gives the eight values of
/// block position `p`, `finished(lane, values)` is told of each lane at those positions that no longer runs.
/// Updates `active` and `slot_lane`; the caller writes the values back with [`Packed::vector`].
#[inline(always)]
pub(super) fn pack<V: Lanes>(
    active: &mut [u32; B],
    slot_lane: &mut [usize],
    vectors: usize,
    read: impl Fn(usize) -> [f64; 8],
    mut finished: impl FnMut(usize, [f64; 8]),
) -> Packed {
    let mut kept = Vec::new();
    let mut lanes = Vec::new();
    for (p, &lane_id) in slot_lane.iter().enumerate().take(vectors * V::N) {
        if lane_id == NONE {
            continue;
        }
        let values = read(p);
        if active[p / V::N] >> (p % V::N) & 1 == 1 {
            kept.push(values);
            lanes.push(lane_id);
        } else {
            finished(lane_id, values);
        }
    }
    slot_lane.iter_mut().for_each(|s| *s = NONE);
    slot_lane[..lanes.len()].copy_from_slice(&lanes);
    for (k, a) in active.iter_mut().enumerate() {
        let live = kept.len().saturating_sub(k * V::N).min(V::N);
        *a = if live == 32 { u32::MAX } else { (1u32 << live) - 1 };
    }
    let vectors = kept.len().div_ceil(V::N).max(1);
    Packed { kept, vectors }
}

/// The set bits of a mask.
pub(super) fn bits(mut mask: u32) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let j = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            j
        })
    })
}
