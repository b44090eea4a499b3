//! The fused epoch: one program computes a vector's gradient, its update and what the lanes' tests need, in one
//! pass of machine code per epoch (or of the interpreter), so the positions, gradients and optimizer state of a
//! vector stay in vector registers from the gradient to the update instead of going through memory between a
//! kernel and a loop of Rust.
//!
//! The update's instructions come from the optimizer's own update, written once for single runs and lanes
//! ([`crate::optim::Update`]) and recorded by running it on [`crate::optim::trace::Traced`] values: the same
//! operations in the same order, so a lane takes the steps a single run takes, bit for bit. Each distinct list
//! of operations (momentum's first update sets its buffer to the gradient, the later ones average) is one code;
//! the numbers that change from update to update (the learning rate of a schedule, Adam's bias corrections)
//! are parameters set before each epoch, the others constants.
//!
//! Positions and state live in two sets of registers: an epoch reads one set and writes the other (the next
//! epoch's program has the two swapped), so the old positions are still there for the exact tests. The program
//! also writes, for each vector, the check: the larger of |x' + 0·gx| and |y' + 0·gy| word by word as unsigned
//! integers ([`Lanes::max_words`]), at least as large as |x'| and |y'| (within 2^-20 in f64, whose low words
//! are compared apart) and NaN where the gradient is not finite, so it is within half the divergence limit in
//! every running lane only if no lane's gradient is not finite and no new position is past the limit; and
//! with a gradient tolerance gx² + gy². Only where those say that some lane might finish does the epoch take a
//! single run's tests lane by lane (`exact`), with the gradient at the old positions computed again. A finished
//! lane's slot goes on computing (its values are ignored) until packing frees its vector. While every lane of
//! a block runs, the machine code takes the checks' maximum (and gx² + gy²'s minimum) in registers itself and
//! stores only the block's ([`Evaluator::with_sums`]); with finished lanes among them, it stores each vector's
//! value and the driver takes the maximum of those of the running lanes. The maximum of integer words costs no
//! multiplication (where x'² + y'² took two) and cannot overflow (a sum of squares over a block did, in a
//! domain of ±1e9), and needs no NaN kept apart (NaN's bits are above every number's).
//!
//! Every method but the line searches is recorded, Newton with the Hessian's outputs of the full tape as
//! inputs; comparisons are masks and picks are blends (`optim/trace.rs`). Gradient noise and bounded domains
//! take the general epoch (`epoch.rs`). Newton's saddle-free fallback sits behind a `SkipIfAll` mark: the
//! machine code skips it for a vector whose lanes are all positive definite, as the general epoch does.

use super::driver::{bits, cancelled, gather, lane, pack, slots, write_ends, LaneTests, NONE, RUNNING};
use super::evaluator::{Evaluator, Params, Sums};
use super::lanes::Lanes;
use super::program::{Instr, Program, Reg, B, INPUT_X, INPUT_Y};
use super::{BatchConfig, Control, LaneEnd};
use crate::optim::trace::{trace, TraceContext, TraceOp, UpdateTrace, HESSIAN_INPUT, INPUTS, STATE_INPUT};
use crate::optim::{Real, Shared};
use crate::run::{Termination, DIVERGENCE_LIMIT};

/// Codes (distinct lists of operations) a batch may need before it takes the general epoch instead.
const MAX_CODES: usize = 4;

/// Epochs whose parameters a batch records before it starts. A longer batch's later epochs take the code of the
/// table's last epochs (every method's operations settle after its first updates: `optim/trace.rs` tests it),
/// each block recording their values as it goes, and none of its parameters is taken for a constant.
const TABLE: u64 = 1 << 16;

/// Where the fused programs keep what lives from epoch to epoch.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// The registers of x, y and the six state values: `sets[0]` read by even epochs and written by odd ones,
    /// `sets[1]` the other way round.
    sets: [[u16; 8]; 2],
    /// Which of the eight some update writes (a state no update changes keeps its first value in both sets).
    written: [bool; 8],
    /// The check of every lane: |x' + 0·gx| and |y' + 0·gy|'s words' maximum (see the module's note; without
    /// the gradient's terms where they are not needed).
    check: u16,
    /// Whether the check needs its gradient term: false where every code's new position is not finite
    /// wherever the gradient is not.
    gradient_term: bool,
    /// gx² + gy² (with a gradient tolerance).
    g2: Option<u16>,
}

/// A batch's fused epochs: the programs of each code (for even and for odd epochs), and each epoch's code and
/// parameter values.
pub(super) struct Plan {
    programs: Vec<[Evaluator; 2]>,
    layout: Layout,
    /// Each epoch's code.
    which: Vec<u8>,
    /// Each epoch's parameter values, `stride` per epoch (in the order of its code's program's parameters).
    values: Vec<f64>,
    stride: usize,
    /// The first values of the state (`OptimizerSpec::state`).
    state: [f64; 6],
    registers: usize,
    /// Past the table: the settings, each code's operations, the table's last code, what the updates share
    /// after the table, and each code's parameters (their indices in its trace).
    config: BatchConfig,
    codes: Vec<UpdateTrace>,
    steady: usize,
    shared: Shared,
    orders: Vec<Vec<usize>>,
}

impl Plan {
    /// The fused epochs of `config` on `gradient` (the gradient's program), or None where the general epoch
    /// must run (see the module's note).
    pub(super) fn new<V: Lanes>(gradient: &Program, config: &BatchConfig) -> Option<Plan> {
        let spec = config.spec;
        if spec.is_line_search() || config.bounds.is_some() || config.training.noise.is_some() {
            return None;
        }
        let mut codes: Vec<UpdateTrace> = Vec::new();
        let tabled = config.epochs.min(TABLE);
        let mut which = Vec::with_capacity(tabled as usize);
        let mut traces: Vec<Vec<f64>> = Vec::with_capacity(tabled as usize);
        let mut shared = Shared::default();
        for t in 0..tabled {
            let trace = record(config, t, &mut shared);
            if !trace.supported {
                return None;
            }
            let code = match codes.iter().position(|c| c.same_code(&trace)) {
                Some(c) => c,
                None if codes.len() < MAX_CODES => {
                    codes.push(trace.clone());
                    codes.len() - 1
                }
                None => return None,
            };
            which.push(code as u8);
            traces.push(trace.params);
        }
        let steady = which.last().map_or(0, |&w| w as usize);
        let long = config.epochs > TABLE;
        if long && which[which.len() - 16..].iter().any(|&w| w as usize != steady) {
            return None;
        }
        // A parameter whose value is the same in every epoch of its code is a constant (in a batch whose
        // epochs all are in the table).
        let fixed: Vec<Vec<Option<f64>>> = codes
            .iter()
            .enumerate()
            .map(|(c, code)| {
                (0..code.params.len())
                    .map(|k| {
                        let v = code.params[k];
                        let same = which
                            .iter()
                            .zip(&traces)
                            .all(|(&w, p)| w as usize != c || p[k].to_bits() == v.to_bits());
                        (same && !long).then_some(v)
                    })
                    .collect()
            })
            .collect();
        let base = gradient.registers() as u16;
        let set = |first: u16| -> [u16; 8] {
            std::array::from_fn(|i| match i {
                0 | 1 if first == 0 => i as u16,
                0 | 1 => first + i as u16,
                _ if first == 0 => base + i as u16 - 2,
                _ => first + i as u16,
            })
        };
        let sets = [set(0), set(base + 6)];
        let mut written = [true; 8];
        for (k, w) in written.iter_mut().enumerate().skip(2) {
            let own = |c: &UpdateTrace| c.ops[c.outputs[k] as usize] == TraceOp::Input(STATE_INPUT + k as u8 - 2);
            *w = !codes.iter().all(own);
        }
        let layout = Layout {
            sets,
            written,
            gradient_term: !codes.iter().all(carries_bad_gradients),
            check: base + 14,
            g2: config.gtol.map(|_| base + 15),
        };
        let mut next = base + 16;
        let mut programs = Vec::new();
        let mut orders = Vec::new();
        for (code, fixed) in codes.iter().zip(&fixed) {
            let (program, order) = fuse(gradient, code, fixed, &layout, &mut next);
            let swap = |r: u16| {
                for (&a, &b) in sets[0].iter().zip(&sets[1]) {
                    if r == a {
                        return b;
                    }
                    if r == b {
                        return a;
                    }
                }
                r
            };
            let odd = program.renamed(swap);
            let sums = Sums {
                max: layout.check,
                min: layout.g2,
            };
            programs.push([
                Evaluator::with_sums::<V>(program, sums),
                Evaluator::with_sums::<V>(odd, sums),
            ]);
            orders.push(order);
        }
        let stride = orders.iter().map(Vec::len).max().unwrap_or(0);
        let mut values = vec![0.0; stride * which.len()];
        for (t, (&w, p)) in which.iter().zip(&traces).enumerate() {
            for (i, &k) in orders[w as usize].iter().enumerate() {
                values[t * stride + i] = p[k];
            }
        }
        let s = spec.state::<f64>().s;
        Some(Plan {
            programs,
            layout,
            which,
            values,
            stride,
            state: [s[0][0], s[0][1], s[1][0], s[1][1], s[2][0], s[2][1]],
            registers: next as usize,
            config: config.clone(),
            codes,
            steady,
            shared,
            orders,
        })
    }

    /// The code of epoch `t` and its parameters' values: from the table, or past it recorded now into `late`
    /// (with `shared`, what the updates share, advanced from the table's end by the caller's every epoch).
    #[inline(always)]
    fn epoch<'a>(&'a self, t: u64, shared: &mut Shared, late: &'a mut Vec<f64>) -> (usize, &'a [f64]) {
        if t < self.which.len() as u64 {
            let at = t as usize * self.stride;
            return (self.which[t as usize] as usize, &self.values[at..at + self.stride]);
        }
        let trace = record(&self.config, t, shared);
        debug_assert!(
            trace.same_code(&self.codes[self.steady]),
            "epoch {t} changed its operations"
        );
        late.clear();
        late.extend(self.orders[self.steady].iter().map(|&k| trace.params[k]));
        (self.steady, late)
    }

    /// Fresh registers for [`run`], with every program's constants.
    pub(super) fn registers_for<V: Lanes>(&self) -> Vec<Reg<V>> {
        let mut regs = vec![[<V as Lanes>::splat(0.0); B]; self.registers];
        for [even, _] in &self.programs {
            for &(r, c) in even.consts() {
                regs[r as usize] = [<V as Lanes>::splat(c); B];
            }
        }
        regs
    }
}

/// Records the update of epoch `t` (from 0), advancing `shared` to it.
fn record(config: &BatchConfig, t: u64, shared: &mut Shared) -> UpdateTrace {
    let learning_rate = config
        .training
        .rate(&config.schedule, config.learning_rate, t, config.epochs);
    config.spec.advance(shared, t + 1, learning_rate);
    trace(
        &config.spec,
        TraceContext {
            learning_rate,
            step: t + 1,
            shared: *shared,
            training: config.training,
            ascent: config.ascent,
        },
    )
}

/// The program of one code: the gradient's instructions, then the update's (recorded in `code`), then the
/// tests' sums, registers from `next` on for the update's own values (advanced past them). Returns the
/// program and, for each of its parameters, the index of the trace's parameter it takes.
fn fuse(
    gradient: &Program,
    code: &UpdateTrace,
    fixed: &[Option<f64>],
    layout: &Layout,
    next: &mut u16,
) -> (Program, Vec<usize>) {
    let mut instrs = gradient.instrs().to_vec();
    let mut nonpositive: Vec<bool> = (0..instrs.len())
        .map(|i| gradient.first_operand_nonpositive(i))
        .collect();
    let mut consts = gradient.consts().to_vec();
    let (mut params, mut order) = (Vec::new(), Vec::new());
    let [set, out] = layout.sets;
    let derivatives = gradient.derivatives();
    let (gx, gy) = (derivatives[0], derivatives[1]);
    let fresh = |n: &mut u16| {
        *n += 1;
        *n - 1
    };
    let konst = |v: f64, consts: &mut Vec<(u16, f64)>, n: &mut u16| {
        let r = fresh(n);
        consts.push((r, v));
        r
    };
    let ops = &code.ops;
    // Each arithmetic value's last reader, and the output it is written to (the first output it is).
    let mut last = vec![0usize; ops.len()];
    for (i, op) in ops.iter().enumerate() {
        for s in op.operands() {
            last[s as usize] = i;
        }
    }
    let mut dest: Vec<Option<u16>> = vec![None; ops.len()];
    let mut copies = Vec::new();
    for ((&to, &o), _) in out.iter().zip(&code.outputs).zip(&layout.written).filter(|(_, &w)| w) {
        let o = o as usize;
        last[o] = usize::MAX;
        if dest[o].is_none() && ops[o].operands().next().is_some() {
            dest[o] = Some(to);
        } else {
            copies.push((to, o));
        }
    }
    let mut reg = vec![u16::MAX; ops.len()];
    let mut free: Vec<u16> = Vec::new();
    // The instruction of a SkipIfAll mark, its mask's register and its last operation.
    let mut skip: Option<(usize, u16, usize)> = None;
    let close = |skip: &mut Option<(usize, u16, usize)>, instrs: &mut Vec<Instr>, i: usize| {
        if let Some((at, m, end)) = *skip {
            if i > end {
                instrs[at] = Instr::SkipIfAll(m, (instrs.len() - at - 1) as u16);
                *skip = None;
            }
        }
    };
    for (i, &op) in ops.iter().enumerate() {
        close(&mut skip, &mut instrs, i);
        let value = match op {
            TraceOp::SkipIfAll(m, count) => {
                if count > 0 {
                    skip = Some((instrs.len(), reg[m as usize], i + count as usize));
                    instrs.push(Instr::SkipIfAll(reg[m as usize], 0));
                    nonpositive.push(false);
                }
                continue;
            }
            TraceOp::Input(k) => {
                reg[i] = match k {
                    0 | 1 => set[k as usize],
                    2 => gx,
                    3 => gy,
                    HESSIAN_INPUT.. => derivatives[(k - HESSIAN_INPUT) as usize + 2],
                    _ => set[(k - STATE_INPUT) as usize + 2],
                };
                continue;
            }
            TraceOp::Param(k) => {
                reg[i] = match fixed[k as usize] {
                    Some(v) => konst(v, &mut consts, next),
                    None => {
                        let p = fresh(next);
                        params.push(p);
                        order.push(k as usize);
                        p
                    }
                };
                continue;
            }
            _ => dest[i].unwrap_or_else(|| free.pop().unwrap_or_else(|| fresh(next))),
        };
        reg[i] = value;
        let r = |s: u32| reg[s as usize];
        instrs.push(match op {
            TraceOp::Add(a, b) => Instr::Add(value, r(a), r(b)),
            TraceOp::Sub(a, b) => Instr::Sub(value, r(a), r(b)),
            TraceOp::Mul(a, b) => Instr::Mul(value, r(a), r(b)),
            TraceOp::Div(a, b) => Instr::Div(value, r(a), r(b)),
            TraceOp::Neg(a) => Instr::Neg(value, r(a)),
            TraceOp::Sqrt(a) => Instr::Sqrt(value, r(a)),
            TraceOp::Abs(a) => Instr::Call(value, crate::Func::Abs, r(a)),
            TraceOp::Max(a, b) => Instr::Max(value, r(a), r(b)),
            TraceOp::Gt(a, b) => Instr::Gt(value, r(a), r(b)),
            TraceOp::Ge(a, b) => Instr::Ge(value, r(a), r(b)),
            TraceOp::Select(m, a, b) => Instr::Select(value, r(m), r(a), r(b)),
            TraceOp::Input(_) | TraceOp::Param(_) | TraceOp::SkipIfAll(..) => unreachable!("no instruction"),
        });
        nonpositive.push(false);
        let mut read: Vec<u32> = op.operands().collect();
        read.sort_unstable();
        read.dedup();
        for s in read {
            let s = s as usize;
            let temporary = ops[s].operands().next().is_some() && dest[s].is_none();
            if last[s] == i && temporary {
                free.push(reg[s]);
            }
        }
    }
    close(&mut skip, &mut instrs, ops.len());
    // Outputs that are an input, a parameter or another output's value: copied (times one, exactly).
    let mut push = |ins: Instr, instrs: &mut Vec<Instr>| {
        instrs.push(ins);
        nonpositive.push(false);
    };
    if !copies.is_empty() {
        let one = konst(1.0, &mut consts, next);
        for (to, from) in copies {
            push(Instr::Mul(to, reg[from], one), &mut instrs);
        }
    }
    // The tests' values: gx² + gy² (fused: it only needs to be within its bound where every lane is) and the
    // check, the words' maximum of |x'| and |y'|, with 0·g added where the gradient's terms are needed (0·gx + x'
    // is x', up to the sign of a zero, wherever gx is finite, and NaN elsewhere).
    let t: [u16; 5] = std::array::from_fn(|_| fresh(next));
    let mut sums = Vec::new();
    let mut check = [out[0], out[1]];
    if let Some(g2) = layout.g2 {
        sums.extend([Instr::Mul(t[1], gy, gy), Instr::MulAdd(g2, gx, gx, t[1])]);
    }
    if layout.gradient_term {
        let zero = konst(0.0, &mut consts, next);
        match layout.g2 {
            Some(g2) => {
                sums.push(Instr::MulAdd(t[0], zero, g2, out[1]));
                check[1] = t[0];
            }
            None => {
                sums.extend([
                    Instr::MulAdd(t[0], zero, gx, out[0]),
                    Instr::MulAdd(t[2], zero, gy, out[1]),
                ]);
                check = [t[0], t[2]];
            }
        }
    }
    sums.extend([
        Instr::Call(t[3], crate::Func::Abs, check[0]),
        Instr::Call(t[4], crate::Func::Abs, check[1]),
        Instr::MaxWords(layout.check, t[3], t[4]),
    ]);
    for ins in sums {
        push(ins, &mut instrs);
    }
    let mut outputs: Vec<u16> = (0..8).filter(|&k| layout.written[k]).map(|k| out[k]).collect();
    outputs.push(layout.check);
    outputs.extend(layout.g2);
    let program = Program::from_parts(instrs, nonpositive, consts, params, outputs, *next as usize);
    (program, order)
}

/// Whether an update's new position is not finite wherever its gradient is not (an infinite or NaN gradient
/// component, in a few states): then the check's x' and y' see such a gradient without a term of its own.
fn carries_bad_gradients(code: &UpdateTrace) -> bool {
    [f64::INFINITY, f64::NEG_INFINITY, f64::NAN].iter().all(|&bad| {
        (0..2).all(|c| {
            [0.0, 1.0, 0.5].iter().all(|&s| {
                let mut inputs = [s; INPUTS];
                inputs[..4].copy_from_slice(&[0.3, -0.7, 0.25, -1.5]);
                inputs[2 + c] = bad;
                let o = code.evaluate(&inputs);
                !(o[0].is_finite() && o[1].is_finite())
            })
        })
    })
}

/// Runs a block's epochs by `plan` and records where each lane of `chunk` ended in `ends` (`gradient`, the
/// gradient's own program with its registers `gregs`, tells the lanes apart when some might finish).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn run<V: Lanes + Real<Mask = u32>>(
    plan: &Plan,
    regs: &mut [Reg<V>],
    gradient: &Evaluator,
    gregs: &mut [Reg<V>],
    chunk: &[[f64; 2]],
    config: &BatchConfig,
    control: &Control,
    ends: &mut [LaneEnd],
) {
    let n = chunk.len();
    let layout = plan.layout;
    let [set0, _] = layout.sets;
    (regs[set0[0] as usize], regs[set0[1] as usize]) = gather::<V>(n, |i| chunk[i]);
    for set in layout.sets {
        for (k, &v) in plan.state.iter().enumerate() {
            regs[set[k + 2] as usize] = [<V as Lanes>::splat(v); B];
        }
    }
    let full = V::ALL;
    let (mut slot_lane, mut active) = slots::<V>(n);
    let mut vectors = n.div_ceil(V::N);
    let mut final_pos = vec![[0.0f64; 2]; n];
    let mut epochs_run = vec![RUNNING; n];
    let mut termination = vec![Termination::MaxEpochs; n];
    let mut params: Vec<[Params; 2]> = plan
        .programs
        .iter()
        .map(|[e, o]| [e.params::<V>(), o.params::<V>()])
        .collect();
    let gtol2 = config.gtol.map(|g| <V as Lanes>::splat(g * g));
    // The compiled gx² + gy² is one fused multiply-add, the tests' two roundings: within 1e-5 of it.
    let bound2 = config.gtol.map(|g| <V as Lanes>::splat(g * g * (1.0 + 1e-5)));
    let mut every_lane_runs = active[..vectors].iter().all(|&a| a == full);
    let (mut shared, mut late) = (plan.shared, Vec::new());
    let mut completed = 0u64;
    for t in 0..config.epochs {
        let parity = (t % 2) as usize;
        if t % 16 == 0 {
            let running: usize = active[..vectors].iter().map(|a| a.count_ones() as usize).sum();
            if running == 0 || (t % 64 == 0 && cancelled(control)) {
                break;
            }
            if running.div_ceil(V::N) * 4 <= vectors * 3 {
                let set = &layout.sets[parity];
                let written = &layout.written;
                let read = |p| {
                    std::array::from_fn(|c| {
                        if written[c] {
                            lane(&regs[set[c] as usize], p)
                        } else {
                            0.0
                        }
                    })
                };
                let packed = pack::<V>(&mut active, &mut slot_lane, vectors, read, |_, _| {});
                for c in (0..8).filter(|&c| written[c]) {
                    for (k, vector) in regs[set[c] as usize].iter_mut().enumerate() {
                        *vector = packed.vector(k, c);
                    }
                }
                vectors = packed.vectors;
                every_lane_runs = active[..vectors].iter().all(|&a| a == full);
            }
        }
        let (code, values) = plan.epoch(t, &mut shared, &mut late);
        let program = &plan.programs[code][parity];
        let p = &mut params[code][parity];
        program.set_params(p, regs, values);
        // Where every lane runs, the machine code sums the check (and takes gx² + gy²'s minimum) itself.
        let summed = if every_lane_runs {
            program.eval_sums(regs, vectors, p)
        } else {
            None
        };
        let ok = if let Some(w) = summed {
            within_bounds(regs, &layout, w, None, bound2)
        } else {
            if vectors == B {
                program.eval_params(regs, B, p);
            } else {
                program.eval_params(regs, vectors, p);
            }
            if !every_lane_runs {
                within_bounds(regs, &layout, vectors, Some(&active), bound2)
            } else if vectors == B {
                within_bounds(regs, &layout, B, None, bound2)
            } else {
                within_bounds(regs, &layout, vectors, None, bound2)
            }
        };
        if !ok {
            let lanes = Exact {
                regs,
                gregs,
                gradient,
                layout: &layout,
                parity,
                active: &mut active,
                slot_lane: &slot_lane,
                final_pos: &mut final_pos,
                termination: &mut termination,
                epochs_run: &mut epochs_run,
                ascent: config.ascent,
                gtol2,
                t,
            };
            lanes.tests(vectors);
            every_lane_runs = active[..vectors].iter().all(|&a| a == full);
        }
        completed = t + 1;
    }
    // The running lanes are in the set the last epoch wrote.
    let last = &layout.sets[(completed % 2) as usize];
    for p in 0..vectors * V::N {
        let at = slot_lane[p];
        if at != NONE && active[p / V::N] >> (p % V::N) & 1 == 1 {
            final_pos[at] = [lane(&regs[last[0] as usize], p), lane(&regs[last[1] as usize], p)];
        }
    }
    write_ends(ends, &final_pos, &epochs_run, &termination, completed);
}

/// Whether the first `n` vectors' sums say that no running lane (every lane, or those of `active`) finishes:
/// the checks' maximum within half the divergence limit (the words' maximum is within 2^-20 of the largest
/// value), and no gx² + gy² within `bound2` (the tolerance, a little widened).
#[inline(always)]
fn within_bounds<V: Lanes>(
    regs: &[Reg<V>],
    layout: &Layout,
    n: usize,
    active: Option<&[u32; B]>,
    bound2: Option<V>,
) -> bool {
    let (zero, inf) = (V::splat(0.0), V::splat(f64::INFINITY));
    let size = reduce4(&regs[layout.check as usize], n, active, zero, false);
    let mut ok = size.within(0.5 * DIVERGENCE_LIMIT) == V::ALL;
    if let (Some(b), Some(r)) = (bound2, layout.g2) {
        let smallest = reduce4(&regs[r as usize], n, active, inf, true);
        ok &= smallest.le(b) == 0;
    }
    ok
}

/// The words' maximum (or with `min` the minimum) of `v`'s first `n` vectors, with `empty` in place of lanes not in
/// `active`: four chains side by side in named variables (one chain through 32 operations would wait on each;
/// an array indexed by `k % 4` went through the stack in the masked loop, each step waiting on the last one's
/// store). No closures: a closure is compiled without the caller's AVX.
#[inline(always)]
fn reduce4<V: Lanes>(v: &Reg<V>, n: usize, active: Option<&[u32; B]>, empty: V, min: bool) -> V {
    #[inline(always)]
    fn fold<V: Lanes>(acc: V, x: V, min: bool) -> V {
        if min {
            acc.min(x)
        } else {
            acc.max_words(x)
        }
    }
    #[inline(always)]
    fn pick<V: Lanes>(v: &Reg<V>, k: usize, active: Option<&[u32; B]>, empty: V) -> V {
        match active {
            Some(a) => v[k].select(a[k], empty),
            None => v[k],
        }
    }
    let (mut a, mut b, mut c, mut d) = (empty, empty, empty, empty);
    let mut k = 0;
    while k + 4 <= n {
        a = fold(a, pick(v, k, active, empty), min);
        b = fold(b, pick(v, k + 1, active, empty), min);
        c = fold(c, pick(v, k + 2, active, empty), min);
        d = fold(d, pick(v, k + 3, active, empty), min);
        k += 4;
    }
    while k < n {
        a = fold(a, pick(v, k, active, empty), min);
        k += 1;
    }
    fold(fold(a, b, min), fold(c, d, min), min)
}

/// A single run's tests, lane by lane, after an epoch whose sums say that some lane might finish.
struct Exact<'a, V> {
    regs: &'a mut [Reg<V>],
    gregs: &'a mut [Reg<V>],
    gradient: &'a Evaluator,
    layout: &'a Layout,
    parity: usize,
    active: &'a mut [u32; B],
    slot_lane: &'a [usize],
    final_pos: &'a mut [[f64; 2]],
    termination: &'a mut [Termination],
    epochs_run: &'a mut [u32],
    ascent: bool,
    gtol2: Option<V>,
    t: u64,
}

impl<V: Lanes + Real<Mask = u32>> Exact<'_, V> {
    /// The tests of `epoch.rs`'s `exact` on the first `n` vectors: the gradient at the old positions computed
    /// again; a lane that finishes records where it ended (its old position where the gradient or the step was
    /// not finite or it converged, the new one where it went past the limit) and why.
    #[inline(always)]
    fn tests(self, n: usize) {
        let (old, new) = (self.layout.sets[self.parity], self.layout.sets[1 - self.parity]);
        self.gregs[INPUT_X as usize][..n].copy_from_slice(&self.regs[old[0] as usize][..n]);
        self.gregs[INPUT_Y as usize][..n].copy_from_slice(&self.regs[old[1] as usize][..n]);
        self.gradient.eval_in_place(self.gregs, n);
        let derivatives = self.gradient.derivatives();
        let out = |k: usize| &self.gregs[derivatives[k] as usize];
        for k in 0..n {
            let running = self.active[k];
            if running == 0 {
                continue;
            }
            let (gx, gy) = if self.ascent {
                (-out(0)[k], -out(1)[k])
            } else {
                (out(0)[k], out(1)[k])
            };
            let (px, py) = (self.regs[old[0] as usize][k], self.regs[old[1] as usize][k]);
            let next = [self.regs[new[0] as usize][k], self.regs[new[1] as usize][k]];
            let tests = LaneTests::new(running, (gx, gy), next, self.gtol2, None);
            let keep = tests.keep;
            for j in bits(running & !keep) {
                let at = self.slot_lane[k * V::N + j];
                (self.termination[at], self.epochs_run[at]) = tests.end(j, self.t);
                self.final_pos[at] = if tests.moving >> j & 1 == 1 {
                    [next[0].lane(j), next[1].lane(j)]
                } else {
                    [px.lane(j), py.lane(j)]
                };
            }
            self.active[k] = keep;
        }
    }
}
