//! The epochs of one block of lanes, for every optimizer: the program evaluates the gradient (and the Hessian
//! for Newton) of every running lane, then each vector of lanes takes the optimizer's update, written once for
//! single runs and lanes alike ([`OptimizerSpec::step`]), and the lanes that finish are told apart by masks.
//! Plain gradient descent is one method among the others.
//!
//! A lane ends as a single run from its start ends, in the same order of tests: a gradient that is not finite
//! ends it as diverged where it is; a gradient norm within gtol as converged; an update that is not finite as
//! diverged where it is; an update past the divergence limit as diverged, and one out of the box as
//! left_domain, both after the update. The lanes' positions live in the program's input registers and are
//! updated in place; when a quarter of the block's vectors could be freed, the running lanes (with their
//! optimizer state) are packed to the front, so finished lanes stop costing work.

use super::driver::{bits, cancelled, gather, lane, pack, record_ends, slots, LaneTests, NONE, RUNNING};
use super::evaluator::Evaluator;
use super::lanes::Lanes;
use super::program::{Reg, B, INPUT_X, INPUT_Y};
use super::{BatchConfig, Control, LaneEnd};
use crate::optim::{Noise, Real, Shared, State, Step, TrainingLoop, Update, WithUpdate};
use crate::run::{Termination, DIVERGENCE_LIMIT};

/// Runs a block's epochs and records where each lane of `chunk` ended in `ends` (the gradient norm and value
/// at the ends are filled in afterwards).
#[inline(always)]
pub(super) fn run<V: Lanes + Real<Mask = u32>>(
    program: &Evaluator,
    regs: &mut [Reg<V>],
    chunk: &[[f64; 2]],
    first_lane: usize,
    config: &BatchConfig,
    control: &Control,
    ends: &mut [LaneEnd],
) {
    let n = chunk.len();
    let (x, y) = gather::<V>(n, |i| chunk[i]);
    regs[INPUT_X as usize] = x;
    regs[INPUT_Y as usize] = y;
    let full = V::ALL;
    // The lane at each position of the block, and which positions are still running.
    let (mut slot_lane, mut active) = slots::<V>(n);
    let mut vectors = n.div_ceil(V::N);
    let spec = config.spec;
    let mut states: [State<V>; B] = [spec.state(); B];
    let mut final_pos = vec![[0.0f64; 2]; n];
    let mut epochs_run = vec![RUNNING; n];
    let mut termination = vec![Termination::MaxEpochs; n];
    let mut completed = 0u64;
    let hessian = spec.needs_hessian();
    let outputs: Vec<usize> = program.derivatives().iter().map(|&r| r as usize).collect();
    let gtol2 = config.gtol.map(|g| <V as Lanes>::splat(g * g));
    let bounds = config.bounds.map(|b| b.map(<V as Lanes>::splat));
    let mut copies = vec![[<V as Lanes>::splat(0.0); B]; outputs.len()];
    let mut backup = [[<V as Lanes>::splat(0.0); B]; 2];
    let mut shared = Shared::default();
    for t in 0..config.epochs {
        if t % 16 == 0 {
            let running: usize = active[..vectors].iter().map(|a| a.count_ones() as usize).sum();
            if running == 0 || (t % 64 == 0 && cancelled(control)) {
                break;
            }
            if running.div_ceil(V::N) * 4 <= vectors * 3 {
                let read = |p: usize| {
                    let (k, j) = (p / V::N, p % V::N);
                    let s = &states[k].s;
                    let (x, y) = (lane(&regs[INPUT_X as usize], p), lane(&regs[INPUT_Y as usize], p));
                    [
                        x,
                        y,
                        s[0][0].lane(j),
                        s[0][1].lane(j),
                        s[1][0].lane(j),
                        s[1][1].lane(j),
                        s[2][0].lane(j),
                        s[2][1].lane(j),
                    ]
                };
                let ended = |at: usize, v: [f64; 8]| final_pos[at] = [v[0], v[1]];
                let packed = pack::<V>(&mut active, &mut slot_lane, vectors, read, ended);
                for k in 0..B {
                    regs[INPUT_X as usize][k] = packed.vector(k, 0);
                    regs[INPUT_Y as usize][k] = packed.vector(k, 1);
                    let c = |c: usize| packed.vector(k, c);
                    states[k].s = [[c(2), c(3)], [c(4), c(5)], [c(6), c(7)]];
                }
                vectors = packed.vectors;
            }
        }
        if vectors == B {
            // The full block with constant loop bounds: the common case, compiled on its own.
            program.eval_in_place(regs, B);
        } else {
            program.eval_in_place(regs, vectors);
        }
        let learning_rate = config
            .training
            .rate(&config.schedule, config.learning_rate, t, config.epochs);
        spec.advance(&mut shared, t + 1, learning_rate);
        // The gradient's (and Hessian's) registers, read before the positions are written: an output that is an
        // input register itself (x²/2's gradient is x) is copied first.
        let (inputs, rest) = regs.split_at_mut(2);
        for (copy, &o) in copies.iter_mut().zip(&outputs) {
            if o < 2 {
                copy[..vectors].copy_from_slice(&inputs[o][..vectors]);
            }
        }
        let [x, y] = inputs else { unreachable!("split at 2") };
        let out = |i: usize| -> &Reg<V> {
            match outputs[i] {
                o if o < 2 => &copies[i],
                o => &rest[o - 2],
            }
        };
        let epoch = Epoch {
            x,
            y,
            g: [out(0), out(1)],
            h: hessian.then(|| [out(2), out(3), out(4)]),
            states: &mut states,
            active: &mut active,
            slot_lane: &slot_lane,
            termination: &mut termination,
            epochs_run: &mut epochs_run,
            backup: &mut backup,
            vectors,
            ascent: config.ascent,
            gtol2,
            bounds,
            learning_rate,
            shared,
            training: config.training,
            first: first_lane as u64,
            t,
            full,
        };
        spec.dispatch(epoch);
        completed = t + 1;
    }
    record_ends(
        ends,
        regs,
        &slot_lane,
        vectors,
        &mut final_pos,
        &epochs_run,
        &termination,
        completed,
    );
}

/// The noise of vector `k`'s lanes at update `step`: each lane's own stream, `first` plus its index in the block
/// (`slot_lane`); padding gets none.
#[inline(always)]
fn lane_noise<V: Lanes>(n: &Noise, slot_lane: &[usize], first: u64, k: usize, step: u64) -> [V; 2] {
    let (mut xs, mut ys) = ([0.0f64; 8], [0.0f64; 8]);
    for j in 0..V::N {
        let lane = slot_lane[k * V::N + j];
        if lane != NONE {
            [xs[j], ys[j]] = n.at(first + lane as u64, step);
        }
    }
    [V::load(&xs[..V::N]), V::load(&ys[..V::N])]
}

/// One epoch's update of a block's running lanes, given the method's update by [`crate::OptimizerSpec::dispatch`]
/// (so the loop over the vectors is compiled once per method).
struct Epoch<'a, V> {
    x: &'a mut Reg<V>,
    y: &'a mut Reg<V>,
    g: [&'a Reg<V>; 2],
    /// The Hessian's xx, xy and yy (Newton).
    h: Option<[&'a Reg<V>; 3]>,
    states: &'a mut [State<V>; B],
    active: &'a mut [u32; B],
    slot_lane: &'a [usize],
    termination: &'a mut [Termination],
    epochs_run: &'a mut [u32],
    /// Where [`Epoch::vectors_up_to`] keeps the positions it replaces.
    backup: &'a mut [Reg<V>; 2],
    vectors: usize,
    ascent: bool,
    gtol2: Option<V>,
    bounds: Option<[V; 4]>,
    learning_rate: f64,
    shared: Shared,
    training: TrainingLoop,
    /// The index of the block's first lane in the batch (its noise stream's offset).
    first: u64,
    t: u64,
    full: u32,
}

impl<V: Lanes + Real<Mask = u32>> WithUpdate<V> for Epoch<'_, V> {
    type Output = ();

    #[inline(always)]
    fn with<U: Update>(mut self, update: U) {
        if self.vectors == B {
            // The full block with constant loop bounds: the common case, compiled on its own.
            self.vectors_up_to(B, &update);
        } else {
            let n = self.vectors;
            self.vectors_up_to(n, &update);
        }
    }
}

impl<V: Lanes + Real<Mask = u32>> Epoch<'_, V> {
    /// The update of the first `n` vectors. One pass takes every running lane's step, keeping the old positions
    /// in `backup`, and sums what tells whether some lane might finish: |gx| + |gy| is finite only where both
    /// are, and |x| + |y| of the new position within the divergence limit only where both are finite and
    /// within it, so one sum over the vectors is within its bound only if no lane diverges (a sum that merely
    /// overflows sends the epoch to the exact tests, which decide). In the common case that is all; otherwise
    /// [`Epoch::exact`] tells the lanes apart from the old positions, the gradient and the new positions.
    #[inline(always)]
    fn vectors_up_to<U: Update>(&mut self, n: usize, update: &U) {
        // Everything the loop reads, in locals: none of it changes inside the loop.
        let (full, ascent, gtol2, learning_rate, step, shared, training) = (
            self.full,
            self.ascent,
            self.gtol2,
            self.learning_rate,
            self.t + 1,
            self.shared,
            self.training,
        );
        let ([gx_reg, gy_reg], h_regs) = (self.g, self.h);
        let (x, y, states, active) = (&mut *self.x, &mut *self.y, &mut *self.states, &*self.active);
        let (slot_lane, first) = (self.slot_lane, self.first);
        let [bx, by] = &mut *self.backup;
        let signed = |v: V| if ascent { -v } else { v };
        let zero = <V as Lanes>::splat(0.0);
        let inf = <V as Lanes>::splat(f64::INFINITY);
        let (mut gradient_size, mut step_size, mut smallest) = (zero, zero, inf);
        for k in 0..n {
            let running = active[k];
            if running == 0 {
                continue;
            }
            let (gx, gy) = (signed(gx_reg[k]), signed(gy_reg[k]));
            let h = h_regs.map(|[xx, xy, yy]| {
                let (xx, xy, yy) = (signed(xx[k]), signed(xy[k]), signed(yy[k]));
                [[xx, xy], [xy, yy]]
            });
            let (px, py) = (x[k], y[k]);
            let noise = training.noise.map(|n| lane_noise::<V>(&n, slot_lane, first, k, step));
            let next = update.step(
                &mut states[k],
                &Step {
                    position: [px, py],
                    gradient: training.gradient([gx, gy], noise),
                    hessian: h,
                    learning_rate,
                    step,
                    shared,
                },
            );
            bx[k] = px;
            by[k] = py;
            let mut g = Lanes::abs(gx) + Lanes::abs(gy);
            let mut size = Lanes::abs(next[0]) + Lanes::abs(next[1]);
            if running == full {
                x[k] = next[0];
                y[k] = next[1];
            } else {
                x[k] = next[0].select(running, px);
                y[k] = next[1].select(running, py);
                g = g.select(running, zero);
                size = size.select(running, zero);
            }
            gradient_size = gradient_size + g;
            step_size = step_size + size;
            if gtol2.is_some() {
                let g2 = gx * gx + gy * gy;
                smallest = smallest.min(if running == full { g2 } else { g2.select(running, inf) });
            }
        }
        let mut ok = gradient_size.within(f64::MAX) & step_size.within(DIVERGENCE_LIMIT);
        if let Some(g2) = gtol2 {
            ok &= !smallest.le(g2);
        }
        if ok & full != full || self.bounds.is_some() {
            self.exact(n);
        }
    }

    /// The gradient of vector `k`, negated for ascent.
    #[inline(always)]
    fn gradient(&self, k: usize) -> (V, V) {
        (self.signed(self.g[0][k]), self.signed(self.g[1][k]))
    }

    #[inline(always)]
    fn signed(&self, v: V) -> V {
        if self.ascent {
            -v
        } else {
            v
        }
    }

    /// The tests of a single run, lane by lane, after [`Epoch::vectors_up_to`] moved every running lane: a
    /// gradient that is not finite ends a lane as diverged where it was, a gradient within gtol as converged
    /// there, a new position that is not finite as diverged where it was; a new position past the divergence
    /// limit ends it as diverged there, and one out of the box as left_domain there.
    #[inline(always)]
    fn exact(&mut self, n: usize) {
        for k in 0..n {
            let running = self.active[k];
            if running == 0 {
                continue;
            }
            let (px, py) = (self.backup[0][k], self.backup[1][k]);
            let next = [self.x[k], self.y[k]];
            let tests = LaneTests::new(running, self.gradient(k), next, self.gtol2, self.bounds);
            let (moving, keep) = (tests.moving, tests.keep);
            if moving != running {
                self.x[k] = next[0].select(moving, px);
                self.y[k] = next[1].select(moving, py);
            }
            for j in bits(running & !keep) {
                let at = self.slot_lane[k * V::N + j];
                (self.termination[at], self.epochs_run[at]) = tests.end(j, self.t);
            }
            self.active[k] = keep;
        }
    }
}
