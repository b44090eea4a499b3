//! Plain gradient descent's own epoch (the seeds' method and the reference job): p -= lr * g as one fused
//! multiply-add per coordinate, the whole block stepped in one pass with no branch per vector, the tests of a
//! single run only when some lane might finish. The general epoch (`epoch.rs`) takes every method, plain
//! descent included (with bounds, or weight decay); on the cheapest functions it costs 10-80% more per step
//! than this one (docs/engine.md), so plain descent without bounds keeps it until that gap is closed.

use super::driver::{bits, cancelled, lane, load, record_ends, slots, RUNNING};
use super::evaluator::Evaluator;
use super::lanes::Lanes;
use super::program::{Reg, B, INPUT_X, INPUT_Y};
use super::{BatchConfig, Control, LaneEnd};
use crate::run::{Termination, DIVERGENCE_LIMIT};

/// Plain gradient descent, vectorised: p -= lr * g (p += for ascent). When enough lanes have finished, the
/// running ones are packed to the front of the block and only their vectors are evaluated, so finished lanes
/// stop costing work.
#[inline(always)]
pub(super) fn run<V: Lanes>(
    program: &Evaluator,
    regs: &mut [Reg<V>],
    chunk: &[[f64; 2]],
    config: &BatchConfig,
    control: &Control,
    ends: &mut [LaneEnd],
) {
    // The lanes' positions live in the program's input registers and are updated there in place.
    (regs[INPUT_X as usize], regs[INPUT_Y as usize]) = load::<V>(chunk);
    let n = chunk.len();
    let full = if V::N == 32 { u32::MAX } else { (1u32 << V::N) - 1 };
    // The lane at each position of the block, and which positions are still running.
    let (mut slot_lane, mut active) = slots::<V>(n);
    let mut vectors = n.div_ceil(V::N);
    let mut final_pos = vec![[0.0f64; 2]; n];
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
        let step = V::splat(
            sign * config
                .training
                .rate(&config.schedule, config.learning_rate, t, config.epochs),
        );
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
