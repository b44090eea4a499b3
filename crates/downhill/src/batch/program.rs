//! A tape turned into register code for blocks of lanes: constants and inputs get fixed registers, every other
//! value a register reused once its last reader has run, so a block's working set stays in L1. Each
//! instruction then runs over a whole block (`B` lane vectors), which amortises the dispatch.

use crate::expr::tape::{Op, Tape};
use crate::expr::Func;

use super::lanes::{ExpForm, Lanes};

/// Lane vectors per block.
pub const B: usize = 32;

/// The registers of the inputs x and y: set before an evaluation, never written by it.
pub const INPUT_X: u16 = 0;
pub const INPUT_Y: u16 = 1;

/// A register: one value for every lane of a block.
pub type Reg<V> = [V; B];

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Instr {
    Add(u16, u16, u16),
    Sub(u16, u16, u16),
    Mul(u16, u16, u16),
    Div(u16, u16, u16),
    Neg(u16, u16),
    Sqrt(u16, u16),
    Powf(u16, u16, f64),
    Pow(u16, u16, u16),
    Call(u16, Func, u16),
    MulAdd(u16, u16, u16, u16),
    MulSub(u16, u16, u16, u16),
    NegMulAdd(u16, u16, u16, u16),
    NegMulSub(u16, u16, u16, u16),
    /// The larger (as `f64::max`: a NaN loses to a number). Only in fused updates, as are the next four.
    Max(u16, u16, u16),
    /// Each 32-bit word of the bits the larger as an unsigned integer (the fused epochs' check:
    /// [`Lanes::max_words`]).
    MaxWords(u16, u16, u16),
    /// All ones where `a > b`, else zero (a mask, read only by `Select`).
    Gt(u16, u16, u16),
    /// All ones where `a >= b`, else zero.
    Ge(u16, u16, u16),
    /// `Select(d, m, a, b)`: `a` where the mask `m` is all ones, else `b`.
    Select(u16, u16, u16, u16),
    /// `SkipIfAll(m, n)`: the next `n` instructions matter only where the mask `m` is zero (selects by `m` read
    /// them on their unselected side), so machine code skips them for a vector whose lanes all hold `m`. The
    /// interpreter runs them. It writes nothing ([`Instr::parts`] names `m` as its destination too).
    SkipIfAll(u16, u16),
}

impl Instr {
    /// The instruction with every register `r` renamed `f(r)`.
    pub(super) fn renamed(self, f: impl Fn(u16) -> u16) -> Instr {
        match self {
            Instr::Add(d, a, b) => Instr::Add(f(d), f(a), f(b)),
            Instr::Sub(d, a, b) => Instr::Sub(f(d), f(a), f(b)),
            Instr::Mul(d, a, b) => Instr::Mul(f(d), f(a), f(b)),
            Instr::Div(d, a, b) => Instr::Div(f(d), f(a), f(b)),
            Instr::Pow(d, a, b) => Instr::Pow(f(d), f(a), f(b)),
            Instr::Neg(d, a) => Instr::Neg(f(d), f(a)),
            Instr::Sqrt(d, a) => Instr::Sqrt(f(d), f(a)),
            Instr::Powf(d, a, c) => Instr::Powf(f(d), f(a), c),
            Instr::Call(d, func, a) => Instr::Call(f(d), func, f(a)),
            Instr::MulAdd(d, a, b, c) => Instr::MulAdd(f(d), f(a), f(b), f(c)),
            Instr::MulSub(d, a, b, c) => Instr::MulSub(f(d), f(a), f(b), f(c)),
            Instr::NegMulAdd(d, a, b, c) => Instr::NegMulAdd(f(d), f(a), f(b), f(c)),
            Instr::NegMulSub(d, a, b, c) => Instr::NegMulSub(f(d), f(a), f(b), f(c)),
            Instr::Max(d, a, b) => Instr::Max(f(d), f(a), f(b)),
            Instr::MaxWords(d, a, b) => Instr::MaxWords(f(d), f(a), f(b)),
            Instr::Gt(d, a, b) => Instr::Gt(f(d), f(a), f(b)),
            Instr::Ge(d, a, b) => Instr::Ge(f(d), f(a), f(b)),
            Instr::Select(d, m, a, b) => Instr::Select(f(d), f(m), f(a), f(b)),
            Instr::SkipIfAll(m, n) => Instr::SkipIfAll(f(m), n),
        }
    }

    /// The register written and the registers read.
    pub(super) fn parts(&self) -> (u16, [Option<u16>; 3]) {
        match *self {
            Instr::Add(d, a, b)
            | Instr::Sub(d, a, b)
            | Instr::Mul(d, a, b)
            | Instr::Div(d, a, b)
            | Instr::Pow(d, a, b)
            | Instr::Max(d, a, b)
            | Instr::MaxWords(d, a, b)
            | Instr::Gt(d, a, b)
            | Instr::Ge(d, a, b) => (d, [Some(a), Some(b), None]),
            Instr::Neg(d, a) | Instr::Sqrt(d, a) | Instr::Powf(d, a, _) | Instr::Call(d, _, a) => {
                (d, [Some(a), None, None])
            }
            Instr::MulAdd(d, a, b, c)
            | Instr::MulSub(d, a, b, c)
            | Instr::NegMulAdd(d, a, b, c)
            | Instr::NegMulSub(d, a, b, c)
            | Instr::Select(d, a, b, c) => (d, [Some(a), Some(b), Some(c)]),
            Instr::SkipIfAll(m, _) => (m, [Some(m), None, None]),
        }
    }
}

/// Register code for one tape, and its interpreter. What runs it on a machine (its machine code or this
/// interpreter) is an [`super::evaluator::Evaluator`]'s choice.
#[derive(Debug)]
pub struct Program {
    instrs: Vec<Instr>,
    /// For each instruction: whether its first operand is never above 0 (see [`signs`]).
    nonpositive: Vec<bool>,
    consts: Vec<(u16, f64)>,
    /// Registers that hold a value the caller sets before each evaluation, the same in every lane (an update's
    /// learning rate, say): constants whose value changes.
    params: Vec<u16>,
    outputs: Vec<u16>,
    registers: usize,
    /// How f64 lanes compute exp in the interpreter (set to the machine code's form by the evaluator).
    exp_form: ExpForm,
}

/// A tape operation after fusion: a multiplication read only by one addition or subtraction joins it as one
/// fused multiply-add (one rounding instead of two, one instruction instead of two).
#[derive(Clone, Copy, Debug)]
enum Fused {
    Op(Op),
    /// a * b + c
    MulAdd(u32, u32, u32),
    /// a * b - c
    MulSub(u32, u32, u32),
    /// c - a * b
    NegMulAdd(u32, u32, u32),
    /// -(a * b) - c
    NegMulSub(u32, u32, u32),
    /// A multiplication absorbed into a later fused operation.
    Absorbed,
}

impl Fused {
    fn operands(&self) -> Vec<u32> {
        match *self {
            Fused::Op(op) => op.operands().collect(),
            Fused::MulAdd(a, b, c) | Fused::MulSub(a, b, c) | Fused::NegMulAdd(a, b, c) | Fused::NegMulSub(a, b, c) => {
                vec![a, b, c]
            }
            Fused::Absorbed => vec![],
        }
    }
}

/// Which tape values are never below 0 and which never above 0, from the operations alone: x·x is
/// nonnegative, -(nonnegative) nonpositive, sums and products follow the signs of their terms. Rounding keeps
/// a sign (or makes 0), so the rules hold for the computed values too, and fused multiply-adds compute the same
/// sums. The compiled exp needs no upper clamp for an argument never above 0 (such as peaks' -x² - y²).
fn signs(tape: &Tape) -> Vec<(bool, bool)> {
    let ops = tape.ops();
    let mut sign: Vec<(bool, bool)> = Vec::with_capacity(ops.len());
    for op in ops {
        let s = |i: u32| sign[i as usize];
        let (nonneg, nonpos) = match *op {
            Op::Const(c) => (c >= 0.0, c <= 0.0),
            Op::X | Op::Y | Op::Pow(..) => (false, false),
            Op::Add(a, b) => (s(a).0 && s(b).0, s(a).1 && s(b).1),
            Op::Sub(a, b) => (s(a).0 && s(b).1, s(a).1 && s(b).0),
            Op::Mul(a, b) | Op::Div(a, b) => {
                let (a_, b_) = (s(a), s(b));
                (
                    a == b || (a_.0 && b_.0) || (a_.1 && b_.1),
                    (a_.0 && b_.1) || (a_.1 && b_.0),
                )
            }
            Op::Neg(a) => (s(a).1, s(a).0),
            Op::Sqrt(_) => (true, false),
            // a^c keeps a's sign for an odd integer c (the tape makes powers from 1e15 on Powf, so
            // x^1000000000000001 is one); for any other c it is never below 0 (or NaN).
            Op::Powf(a, c) if c.fract() == 0.0 && (c / 2.0).fract() != 0.0 => s(a),
            Op::Powf(..) => (true, false),
            Op::Call(f, _) => (matches!(f, Func::Exp | Func::Abs | Func::Cosh), false),
        };
        sign.push((nonneg, nonpos));
    }
    sign
}

/// The order to run the fused operations in: each operation after its operands, and of those ready, the one
/// with the longest chain of latencies still to come before an output first (list scheduling by critical
/// path). The exps' chains then start before polynomial work that the out-of-order core can fit around them,
/// instead of wherever the tape happened to put them. Values, and so results, are the same in any order.
fn schedule(fused: &[Fused]) -> Vec<usize> {
    // Latencies in cycles: Zen 3's for the arithmetic. The inline exp takes about 27 (f32) to 45 (f64), but
    // weighed so, the exps went first too eagerly and the compiled f32 gradient of peaks got 7% slower; at
    // 15 both precisions gain (one core, fastest of 10: f64 4.773 -> 4.617 ns, f32 1.744 -> 1.716).
    let latency = |f: &Fused| -> u32 {
        match f {
            Fused::Absorbed | Fused::Op(Op::X | Op::Y | Op::Const(_)) => 0,
            Fused::MulAdd(..) | Fused::MulSub(..) | Fused::NegMulAdd(..) | Fused::NegMulSub(..) => 4,
            Fused::Op(Op::Add(..) | Op::Sub(..) | Op::Mul(..) | Op::Neg(_)) => 3,
            Fused::Op(Op::Div(..) | Op::Sqrt(_)) => 14,
            Fused::Op(Op::Call(Func::Exp, _)) => 15,
            Fused::Op(Op::Call(..) | Op::Pow(..) | Op::Powf(..)) => 60,
        }
    };
    let n = fused.len();
    // Each operation's distinct operands, and the operations that read each value.
    let operands: Vec<Vec<u32>> = fused
        .iter()
        .map(|f| {
            let mut o = f.operands();
            o.sort_unstable();
            o.dedup();
            o
        })
        .collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, o) in operands.iter().enumerate() {
        for &s in o {
            users[s as usize].push(i);
        }
    }
    // The tape is in topological order, so every user comes after its operands.
    let mut height = vec![0u32; n];
    for i in (0..n).rev() {
        height[i] = latency(&fused[i]) + users[i].iter().map(|&u| height[u]).max().unwrap_or(0);
    }
    let mut waiting: Vec<usize> = operands.iter().map(|o| o.len()).collect();
    // Ready operations, most urgent last (popped first); ties go to the tape's order.
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while !ready.is_empty() {
        let best = (0..ready.len())
            .max_by_key(|&k| (height[ready[k]], std::cmp::Reverse(ready[k])))
            .expect("not empty");
        let i = ready.swap_remove(best);
        order.push(i);
        for &u in &users[i] {
            waiting[u] -= 1;
            if waiting[u] == 0 {
                ready.push(u);
            }
        }
    }
    debug_assert_eq!(order.len(), n);
    order
}

fn fuse(tape: &Tape) -> Vec<Fused> {
    let ops = tape.ops();
    let mut uses = vec![0usize; ops.len()];
    for op in ops {
        for s in op.operands() {
            uses[s as usize] += 1;
        }
    }
    for &o in tape.outputs() {
        uses[o as usize] += 1;
    }
    // A negation whose every reader subtracts a product from it, -p - a*b, goes: each reader becomes one fused
    // -(a*b) - p, recomputing a*b inside it when the product is read elsewhere too. (peaks' exps read
    // -x² - (y+1)², -x² - y² and -y² - (x+1)²: two negations and their 3-cycle wait fewer per exp.)
    let mut readers_subtracting_products = vec![0usize; ops.len()];
    for op in ops {
        if let Op::Sub(l, r) = *op {
            if matches!(ops[l as usize], Op::Neg(_)) && matches!(ops[r as usize], Op::Mul(..)) {
                readers_subtracting_products[l as usize] += 1;
            }
        }
    }
    let folds = |l: u32| uses[l as usize] == readers_subtracting_products[l as usize];
    let mut out: Vec<Fused> = ops.iter().map(|&op| Fused::Op(op)).collect();
    for i in 0..ops.len() {
        let single_mul = |s: u32, out: &[Fused]| match out[s as usize] {
            Fused::Op(Op::Mul(a, b)) if uses[s as usize] == 1 => Some((a, b)),
            _ => None,
        };
        let fused = match ops[i] {
            Op::Add(l, r) => match (single_mul(l, &out), single_mul(r, &out)) {
                (Some((a, b)), _) => Some((l, Fused::MulAdd(a, b, r))),
                (None, Some((a, b))) => Some((r, Fused::MulAdd(a, b, l))),
                _ => None,
            },
            Op::Sub(l, r) => match (ops[l as usize], ops[r as usize], single_mul(r, &out)) {
                // -p - a*b: the product absorbed if only this reads it.
                (Op::Neg(p), Op::Mul(a, b), Some(_)) => Some((r, Fused::NegMulSub(a, b, p))),
                (Op::Neg(p), Op::Mul(a, b), None) if folds(l) => {
                    out[i] = Fused::NegMulSub(a, b, p);
                    None
                }
                _ => match (single_mul(l, &out), single_mul(r, &out)) {
                    (Some((a, b)), _) => Some((l, Fused::MulSub(a, b, r))),
                    (None, Some((a, b))) => Some((r, Fused::NegMulAdd(a, b, l))),
                    _ => None,
                },
            },
            _ => None,
        };
        if let Some((mul, f)) = fused {
            out[mul as usize] = Fused::Absorbed;
            out[i] = f;
        }
    }
    for (l, op) in ops.iter().enumerate() {
        if matches!(op, Op::Neg(_)) && uses[l] > 0 && folds(l as u32) {
            out[l] = Fused::Absorbed;
        }
    }
    out
}

impl Program {
    /// Compiles a tape. Inputs are registers [`INPUT_X`] and [`INPUT_Y`].
    pub fn new(tape: &Tape) -> Program {
        let ops = tape.ops();
        let fused = fuse(tape);
        let sign = signs(tape);
        let mut nonpositive = Vec::new();
        let n = ops.len();
        let order = schedule(&fused);
        // Where each value is last read, as positions in `order`.
        let mut last_use = vec![0usize; n];
        for (pos, &i) in order.iter().enumerate() {
            for s in fused[i].operands() {
                last_use[s as usize] = pos;
            }
        }
        for &o in tape.outputs() {
            last_use[o as usize] = usize::MAX;
        }
        let (x, y) = (INPUT_X, INPUT_Y);
        let mut registers = 2usize;
        let mut free: Vec<u16> = Vec::new();
        let mut reg = vec![u16::MAX; n];
        let mut consts = Vec::new();
        let mut instrs = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            let f = &fused[i];
            let fresh = |free: &mut Vec<u16>, registers: &mut usize| {
                free.pop().unwrap_or_else(|| {
                    *registers += 1;
                    (*registers - 1) as u16
                })
            };
            let instr = match *f {
                Fused::Absorbed => continue,
                Fused::Op(Op::X) => {
                    reg[i] = x;
                    continue;
                }
                Fused::Op(Op::Y) => {
                    reg[i] = y;
                    continue;
                }
                Fused::Op(Op::Const(c)) => {
                    // Constants live for the whole program.
                    registers += 1;
                    reg[i] = (registers - 1) as u16;
                    consts.push((reg[i], c));
                    continue;
                }
                _ => {
                    let d = fresh(&mut free, &mut registers);
                    reg[i] = d;
                    let r = |s: u32| reg[s as usize];
                    match *f {
                        Fused::Op(Op::Add(a, b)) => Instr::Add(d, r(a), r(b)),
                        Fused::Op(Op::Sub(a, b)) => Instr::Sub(d, r(a), r(b)),
                        // 2 * b is b + b exactly, on an adder instead of the busier multipliers.
                        Fused::Op(Op::Mul(a, b)) if ops[a as usize] == Op::Const(2.0) => Instr::Add(d, r(b), r(b)),
                        Fused::Op(Op::Mul(a, b)) if ops[b as usize] == Op::Const(2.0) => Instr::Add(d, r(a), r(a)),
                        Fused::Op(Op::Mul(a, b)) => Instr::Mul(d, r(a), r(b)),
                        Fused::Op(Op::Div(a, b)) => Instr::Div(d, r(a), r(b)),
                        Fused::Op(Op::Neg(a)) => Instr::Neg(d, r(a)),
                        Fused::Op(Op::Sqrt(a)) => Instr::Sqrt(d, r(a)),
                        Fused::Op(Op::Powf(a, c)) => Instr::Powf(d, r(a), c),
                        Fused::Op(Op::Pow(a, b)) => Instr::Pow(d, r(a), r(b)),
                        Fused::Op(Op::Call(func, a)) => Instr::Call(d, func, r(a)),
                        Fused::MulAdd(a, b, c) => Instr::MulAdd(d, r(a), r(b), r(c)),
                        Fused::MulSub(a, b, c) => Instr::MulSub(d, r(a), r(b), r(c)),
                        Fused::NegMulAdd(a, b, c) => Instr::NegMulAdd(d, r(a), r(b), r(c)),
                        Fused::NegMulSub(a, b, c) => Instr::NegMulSub(d, r(a), r(b), r(c)),
                        Fused::Op(Op::X | Op::Y | Op::Const(_)) | Fused::Absorbed => unreachable!("handled above"),
                    }
                }
            };
            instrs.push(instr);
            nonpositive.push(f.operands().first().is_some_and(|&a| sign[a as usize].1));
            // Operands whose last reader this is free their registers (after the destination was chosen, so no
            // instruction writes a register it reads).
            let mut operands = f.operands();
            operands.sort_unstable();
            operands.dedup();
            for s in operands {
                let s = s as usize;
                if last_use[s] == pos && !matches!(ops[s], Op::X | Op::Y | Op::Const(_)) {
                    free.push(reg[s]);
                }
            }
        }
        let outputs = tape.outputs().iter().map(|&o| reg[o as usize]).collect();
        Program {
            instrs,
            nonpositive,
            consts,
            params: Vec::new(),
            outputs,
            registers,
            exp_form: ExpForm::Polynomial,
        }
    }

    /// A program from its parts (the instructions appended to another program's, see `fused.rs`): `instrs`
    /// with, for each, whether its first operand is never above 0; constant registers and their values;
    /// parameter registers; outputs; registers used.
    pub(super) fn from_parts(
        instrs: Vec<Instr>,
        nonpositive: Vec<bool>,
        consts: Vec<(u16, f64)>,
        params: Vec<u16>,
        outputs: Vec<u16>,
        registers: usize,
    ) -> Program {
        debug_assert_eq!(instrs.len(), nonpositive.len());
        Program {
            instrs,
            nonpositive,
            consts,
            params,
            outputs,
            registers,
            exp_form: ExpForm::Polynomial,
        }
    }

    /// The program with every register `r` renamed `f(r)` (a bijection of `0..registers()`).
    pub(super) fn renamed(&self, f: impl Fn(u16) -> u16) -> Program {
        Program {
            instrs: self.instrs.iter().map(|i| i.renamed(&f)).collect(),
            nonpositive: self.nonpositive.clone(),
            consts: self.consts.iter().map(|&(r, c)| (f(r), c)).collect(),
            params: self.params.iter().map(|&r| f(r)).collect(),
            outputs: self.outputs.iter().map(|&r| f(r)).collect(),
            registers: self.registers,
            exp_form: self.exp_form,
        }
    }

    /// The program with f64's exp computed in `form` by the interpreter.
    pub(super) fn with_exp_form(mut self, form: ExpForm) -> Program {
        self.exp_form = form;
        self
    }

    /// How f64 lanes compute exp in this program.
    pub fn exp_form(&self) -> ExpForm {
        self.exp_form
    }

    pub(super) fn instrs(&self) -> &[Instr] {
        &self.instrs
    }

    /// Whether instruction `i`'s first operand is never above 0.
    pub(super) fn first_operand_nonpositive(&self, i: usize) -> bool {
        self.nonpositive[i]
    }

    pub(super) fn consts(&self) -> &[(u16, f64)] {
        &self.consts
    }

    /// The parameter registers (see [`Program::from_parts`]), in the order their values are given.
    pub(super) fn params(&self) -> &[u16] {
        &self.params
    }

    pub(super) fn outputs(&self) -> &[u16] {
        &self.outputs
    }

    /// The registers of the derivatives among the outputs: fx, fy (then fxx, fxy, fyy for the tapes with the
    /// Hessian). The tapes with f (three outputs, or six) begin with it, which this leaves out.
    pub(super) fn derivatives(&self) -> &[u16] {
        &self.outputs[usize::from(matches!(self.outputs.len(), 3 | 6))..]
    }

    /// Registers needed.
    pub fn registers(&self) -> usize {
        self.registers
    }

    /// Instructions per evaluation (constants and inputs excluded).
    pub fn len(&self) -> usize {
        self.instrs.len()
    }

    /// Whether there are no instructions (a constant or an input alone).
    pub fn is_empty(&self) -> bool {
        self.instrs.is_empty()
    }

    /// Fresh registers with the constants loaded.
    pub fn registers_for<V: Lanes>(&self) -> Vec<Reg<V>> {
        let mut regs = vec![[V::splat(0.0); B]; self.registers];
        for &(r, c) in &self.consts {
            regs[r as usize] = [V::splat(c); B];
        }
        regs
    }

    /// Evaluates a block: x and y in, outputs read with [`Program::output`].
    #[inline]
    pub fn eval<V: Lanes>(&self, regs: &mut [Reg<V>], x: &Reg<V>, y: &Reg<V>) {
        self.eval_first(regs, x, y, B);
    }

    /// Evaluates only the first `n` vectors of a block (`n <= B`): a block whose running lanes were packed
    /// to the front costs in proportion to them.
    #[inline(always)]
    pub fn eval_first<V: Lanes>(&self, regs: &mut [Reg<V>], x: &Reg<V>, y: &Reg<V>, n: usize) {
        regs[INPUT_X as usize] = *x;
        regs[INPUT_Y as usize] = *y;
        self.eval_in_place(regs, n);
    }

    /// [`Program::eval_first`] at the x and y already in registers [`INPUT_X`] and [`INPUT_Y`], which no
    /// instruction writes: a caller that keeps its lanes' positions there (the general epoch updates them in
    /// place) saves copying two registers in and out every evaluation.
    #[inline(always)]
    pub fn eval_in_place<V: Lanes>(&self, regs: &mut [Reg<V>], n: usize) {
        self.interpret(regs, n, self.exp_form);
    }

    /// [`Program::eval_first`] by the interpreter, whether or not there is machine code.
    #[inline(always)]
    pub fn eval_interpreted<V: Lanes>(&self, regs: &mut [Reg<V>], x: &Reg<V>, y: &Reg<V>, n: usize) {
        self.eval_interpreted_with(regs, x, y, n, self.exp_form);
    }

    /// [`Program::eval_interpreted`] with f64's exp in `form`.
    #[inline(always)]
    pub(super) fn eval_interpreted_with<V: Lanes>(
        &self,
        regs: &mut [Reg<V>],
        x: &Reg<V>,
        y: &Reg<V>,
        n: usize,
        form: ExpForm,
    ) {
        regs[INPUT_X as usize] = *x;
        regs[INPUT_Y as usize] = *y;
        self.interpret(regs, n, form);
    }

    /// The interpreter, in its AVX2-and-FMA compilation where the CPU has those (so its multiply-adds are the
    /// machine's, as the machine code's are), else in the portable one.
    #[inline(always)]
    fn interpret<V: Lanes>(&self, regs: &mut [Reg<V>], n: usize, exp_form: ExpForm) {
        #[cfg(target_arch = "x86_64")]
        if V::AVX || super::lanes::fast() {
            // SAFETY: the CPU has AVX2 and FMA (checked by `fast`, or by the choice of AVX register lanes).
            unsafe { self.interpret_avx2(regs, n, exp_form) };
            return;
        }
        // (AVX register lanes never take the portable compilation.)
        if !V::AVX {
            self.interpret_portable(regs, n, exp_form);
        }
    }

    /// [`Program::interpret_portable`] compiled for AVX2 with FMA.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn interpret_avx2<V: Lanes>(&self, regs: &mut [Reg<V>], n: usize, exp_form: ExpForm) {
        self.interpret_portable(regs, n, exp_form);
    }

    #[inline(always)]
    fn interpret_portable<V: Lanes>(&self, regs: &mut [Reg<V>], n: usize, exp_form: ExpForm) {
        let n = n.min(B);
        // Every register index of the program is below `registers` (they were numbered by `new`), so the
        // unchecked accesses in `binary` and `unary` stay inside `regs`.
        assert!(
            regs.len() >= self.registers,
            "registers_for makes the registers of a program"
        );
        for ins in &self.instrs {
            match *ins {
                Instr::Add(d, a, b) => binary(regs, n, d, a, b, |p, q| p + q),
                Instr::Sub(d, a, b) => binary(regs, n, d, a, b, |p, q| p - q),
                Instr::Mul(d, a, b) => binary(regs, n, d, a, b, |p, q| p * q),
                Instr::Div(d, a, b) => binary(regs, n, d, a, b, |p, q| p / q),
                // SAFETY (these three): every register holds B >= n vectors, and `d` may be `a` or `b` only
                // through the same element, read before it is written.
                Instr::Pow(d, a, b) => {
                    let [d, a, b] = vectors(regs, [d, a, b]);
                    unsafe { functions(*ins, d, (a, 1), (b, 1), n) }
                }
                Instr::Neg(d, a) => unary(regs, n, d, a, |p| -p),
                Instr::Sqrt(d, a) => unary(regs, n, d, a, |p| p.sqrt()),
                Instr::Powf(d, a, _) => {
                    let [d, a, _] = vectors(regs, [d, a, a]);
                    unsafe { functions(*ins, d, (a, 1), (a, 0), n) }
                }
                // exp is by far the most common call (peaks has three): its own loop, no dispatch per vector.
                Instr::Call(d, Func::Exp, a) => match exp_form {
                    ExpForm::Polynomial => unary(regs, n, d, a, |p| p.exp()),
                    ExpForm::Table => unary(regs, n, d, a, |p| p.exp_table()),
                },
                Instr::Call(d, _, a) => {
                    let [d, a, _] = vectors(regs, [d, a, a]);
                    unsafe { functions(*ins, d, (a, 1), (a, 0), n) }
                }
                Instr::MulAdd(d, a, b, c) => ternary(regs, n, d, a, b, c, |p, q, r| p.mul_add(q, r)),
                Instr::MulSub(d, a, b, c) => ternary(regs, n, d, a, b, c, |p, q, r| p.mul_sub(q, r)),
                Instr::NegMulAdd(d, a, b, c) => ternary(regs, n, d, a, b, c, |p, q, r| p.neg_mul_add(q, r)),
                Instr::NegMulSub(d, a, b, c) => ternary(regs, n, d, a, b, c, |p, q, r| p.neg_mul_sub(q, r)),
                Instr::Max(d, a, b) => binary(regs, n, d, a, b, |p, q| p.max_num(q)),
                Instr::MaxWords(d, a, b) => binary(regs, n, d, a, b, |p, q| p.max_words(q)),
                Instr::Gt(d, a, b) => binary(regs, n, d, a, b, |p, q| p.mask_gt(q)),
                Instr::Ge(d, a, b) => binary(regs, n, d, a, b, |p, q| p.mask_ge(q)),
                Instr::Select(d, m, a, b) => ternary(regs, n, d, m, a, b, |m, p, q| m.blend(p, q)),
                Instr::SkipIfAll(..) => {}
            }
        }
    }

    /// Output `k` of the last evaluation.
    pub fn output<'r, V: Lanes>(&self, regs: &'r [Reg<V>], k: usize) -> &'r Reg<V> {
        &regs[self.outputs[k] as usize]
    }
}

/// The first vectors of registers `ids` (all from one pointer to `regs`).
#[inline(always)]
fn vectors<V: Lanes>(regs: &mut [Reg<V>], ids: [u16; 3]) -> [*mut V; 3] {
    let base = regs.as_mut_ptr();
    ids.map(|i| base.wrapping_add(i as usize) as *mut V)
}

#[inline(always)]
fn binary<V: Lanes>(regs: &mut [Reg<V>], n: usize, d: u16, a: u16, b: u16, f: impl Fn(V, V) -> V) {
    let base = regs.as_mut_ptr();
    // SAFETY: eval checked that every register index is in bounds. `d` may equal `a` or `b` only through
    // the same element, read before it is written in each iteration.
    unsafe {
        let (pa, pb, pd) = (
            base.add(a as usize) as *const V,
            base.add(b as usize) as *const V,
            base.add(d as usize) as *mut V,
        );
        for k in 0..n {
            *pd.add(k) = f(*pa.add(k), *pb.add(k));
        }
    }
}

#[inline(always)]
fn ternary<V: Lanes>(regs: &mut [Reg<V>], n: usize, d: u16, a: u16, b: u16, c: u16, f: impl Fn(V, V, V) -> V) {
    let base = regs.as_mut_ptr();
    // SAFETY: as in `binary`.
    unsafe {
        let (pa, pb, pc) = (
            base.add(a as usize) as *const V,
            base.add(b as usize) as *const V,
            base.add(c as usize) as *const V,
        );
        let pd = base.add(d as usize) as *mut V;
        for k in 0..n {
            *pd.add(k) = f(*pa.add(k), *pb.add(k), *pc.add(k));
        }
    }
}

#[inline(always)]
fn unary<V: Lanes>(regs: &mut [Reg<V>], n: usize, d: u16, a: u16, f: impl Fn(V) -> V) {
    let base = regs.as_mut_ptr();
    // SAFETY: as in `binary`.
    unsafe {
        let (pa, pd) = (base.add(a as usize) as *const V, base.add(d as usize) as *mut V);
        for k in 0..n {
            *pd.add(k) = f(*pa.add(k));
        }
    }
}

/// `ins`, a power or a function (`Pow`, `Powf` or `Call`; nothing for any other instruction), on `n`
/// consecutive vectors: `dst[k]` from `a.0[k * a.1]` (and `b.0[k * b.1]` for `Pow`), a step of 0 reading one
/// vector (a constant) for every vector. A loop for each function, the function known inside it: no dispatch
/// per vector, and no closure, which the compiler may leave out of line and compile without AVX (every
/// intrinsic a call: several times slower). Both the interpreter and the machine code's helper call this.
/// One copy per lane type, called and not inlined: its thirteen functions inlined into every evaluation made
/// the build take over half an hour.
///
/// # Safety
/// `dst` has room for `n` vectors and `a` and `b` hold the vectors their steps read.
#[inline(never)]
pub(super) unsafe fn functions<V: Lanes>(
    ins: Instr,
    dst: *mut V,
    a: (*const V, usize),
    b: (*const V, usize),
    n: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if V::AVX || super::lanes::fast() {
        // SAFETY: the CPU has AVX2 and FMA (checked by `fast`, or by the choice of AVX register lanes).
        functions_avx2(ins, dst, a, b, n);
        return;
    }
    functions_portable(ins, dst, a, b, n);
}

/// [`functions`] for AVX-512 machine code: the same loops on pairs of the block's vectors, each pair one
/// AVX-512 register ([`super::avx512`]'s 8 f64 or 16 f32 lanes), which compute the same bits as the vectors
/// one by one. `n` is even (AVX-512 code rounds the block's vectors up to whole registers), and a constant
/// operand (a step of 0) is an entry of the kernel's table, which holds its value in all 64 bytes.
///
/// # Safety
/// As [`functions`] with `n` even and 64 bytes at a constant's address, on a CPU with AVX-512 F, AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
pub(super) unsafe fn functions_pairs<V: Lanes>(
    ins: Instr,
    dst: *mut V,
    a: (*const V, usize),
    b: (*const V, usize),
    n: usize,
) {
    use super::avx512::{A32x16, A64x8};
    debug_assert!(n.is_multiple_of(2), "whole registers");
    /// [`functions_portable`] compiled for AVX-512 F.
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn functions_avx512<W: Lanes>(
        ins: Instr,
        dst: *mut W,
        a: (*const W, usize),
        b: (*const W, usize),
        n: usize,
    ) {
        functions_portable(ins, dst, a, b, n);
    }
    match V::PRECISION {
        super::Precision::F64 => {
            functions_avx512::<A64x8>(ins, dst.cast(), (a.0.cast(), a.1), (b.0.cast(), b.1), n / 2)
        }
        super::Precision::F32 => {
            functions_avx512::<A32x16>(ins, dst.cast(), (a.0.cast(), a.1), (b.0.cast(), b.1), n / 2)
        }
    }
}

/// [`functions_portable`] compiled for AVX2 with FMA.
///
/// # Safety
/// As [`functions`], and the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn functions_avx2<V: Lanes>(ins: Instr, dst: *mut V, a: (*const V, usize), b: (*const V, usize), n: usize) {
    functions_portable(ins, dst, a, b, n);
}

/// The loops of [`functions`].
///
/// # Safety
/// As [`functions`].
#[inline(always)]
unsafe fn functions_portable<V: Lanes>(ins: Instr, dst: *mut V, a: (*const V, usize), b: (*const V, usize), n: usize) {
    macro_rules! each {
        ($x:ident => $e:expr) => {
            for k in 0..n {
                let $x = a.0.add(k * a.1).read_unaligned();
                dst.add(k).write_unaligned($e);
            }
        };
    }
    macro_rules! functions {
        ($f:expr, $($name:ident)*) => {
            match $f {
                $(Func::$name => each!(x => x.call(Func::$name)),)*
            }
        };
    }
    match ins {
        Instr::Pow(..) => {
            for k in 0..n {
                let x = a.0.add(k * a.1).read_unaligned();
                dst.add(k).write_unaligned(x.pow(b.0.add(k * b.1).read_unaligned()));
            }
        }
        Instr::Powf(_, _, e) => each!(x => x.powf(e)),
        Instr::Call(_, f, _) => functions!(f, Exp Abs Sign Ln Sin Cos Tan Atan Asin Acos Sinh Cosh Tanh),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::evaluator::Evaluator;
    use super::super::lanes::F64x4;
    use super::*;
    use crate::Function;

    /// The schedule runs every operation once, after its operands, and moves the exps ahead of work that does
    /// not lead to them.
    #[test]
    fn the_schedule_is_a_topological_order_that_starts_the_exps_early() {
        for entry in crate::catalog::entries() {
            let f = Function::resolve(entry.name).unwrap();
            for tape in [&f.tapes().gradient, &f.tapes().full] {
                let fused = fuse(tape);
                let order = schedule(&fused);
                let mut at = vec![usize::MAX; order.len()];
                for (pos, &i) in order.iter().enumerate() {
                    assert_eq!(at[i], usize::MAX, "{}: op {i} twice", entry.name);
                    at[i] = pos;
                }
                for (i, f) in fused.iter().enumerate() {
                    for s in f.operands() {
                        assert!(at[s as usize] < at[i], "{}: op {i} before its operand {s}", entry.name);
                    }
                }
            }
        }
        let f = Function::resolve("peaks").unwrap();
        let p = Program::new(&f.tapes().gradient);
        let at: Vec<usize> = (0..p.len())
            .filter(|&k| matches!(p.instrs()[k], Instr::Call(_, Func::Exp, _)))
            .collect();
        // In the tape's own order the second exp comes at 17 of 44 instructions; scheduled, right after the
        // first (7), both within the first quarter.
        assert_eq!(at.len(), 3);
        assert!(at[1] < p.len() / 4, "exps at {at:?} of {}", p.len());
    }

    #[test]
    fn odd_powers_keep_the_sign_of_their_base() {
        let sign_of_last = |formula: &str| {
            let f = Function::parse(formula).unwrap();
            let tape = &f.tapes().value;
            *signs(tape).last().unwrap()
        };
        // -(x^c): never above 0 for an even or fractional c, either sign for an odd one.
        assert_eq!(sign_of_last("-(x^1000000000000001.0)"), (false, false));
        assert_eq!(sign_of_last("-(x^1000000000000002.0)"), (false, true));
        assert_eq!(sign_of_last("-(x^2.5)"), (false, true));
        assert_eq!(sign_of_last("-(x^1e300)"), (false, true));
        assert_eq!(sign_of_last("-((x*x)^1000000000000001.0)"), (false, true));
    }

    #[test]
    fn negations_that_only_lose_products_fold_into_them() {
        let count = |p: &Program, want: fn(&Instr) -> bool| p.instrs().iter().filter(|i| want(i)).count();
        // peaks' exps read -x² - (y+1)², -x² - y² and -y² - (x+1)²: no negation is left, three -(a b) - c.
        let peaks = Program::new(&Function::resolve("peaks").unwrap().tapes().gradient);
        assert_eq!(count(&peaks, |i| matches!(i, Instr::Neg(..))), 0);
        assert_eq!(count(&peaks, |i| matches!(i, Instr::NegMulSub(..))), 3);
        // A negation read elsewhere too stays; the product it loses still folds, into -(y y) - x².
        let kept = Function::parse("-x^2 - y^2 + exp(-x^2) * 0.5").unwrap();
        let p = Program::new(&kept.tapes().gradient);
        assert!(count(&p, |i| matches!(i, Instr::Neg(..))) >= 1);
        for (f, p) in [(Function::resolve("peaks").unwrap(), peaks), (kept, p)] {
            let mut regs = p.registers_for::<F64x4>();
            let pts: Vec<[f64; 2]> = (0..B * 4)
                .map(|i| [-2.1 + 0.13 * i as f64, 1.7 - 0.11 * i as f64])
                .collect();
            let lanes = |c: usize| -> Reg<F64x4> {
                std::array::from_fn(|k| F64x4::load(&pts[4 * k..4 * k + 4].iter().map(|p| p[c]).collect::<Vec<_>>()))
            };
            p.eval(&mut regs, &lanes(0), &lanes(1));
            let mut interpreted = p.registers_for::<F64x4>();
            p.eval_interpreted(&mut interpreted, &lanes(0), &lanes(1), B);
            for (i, pt) in pts.iter().enumerate() {
                let (_, g) = f.value_gradient_with(*pt, &mut Vec::new());
                for (k, w) in g.iter().enumerate() {
                    let got = p.output(&regs, k)[i / 4].lane(i % 4);
                    assert!(
                        (got - w).abs() <= 1e-13 * w.abs().max(1.0),
                        "{k} at {pt:?}: {got} vs {w}"
                    );
                    assert_eq!(got.to_bits(), p.output(&interpreted, k)[i / 4].lane(i % 4).to_bits());
                }
            }
        }
    }

    /// A compiled program's interpreter computes f64's exp in the form of its machine code, so the two agree bit
    /// for bit through the public calls (and `DOWNHILL_JIT=0` changes no result on a machine).
    #[test]
    fn compiled_programs_and_their_interpreter_agree_bit_for_bit() {
        fn check<V: Lanes>(f: &Function) {
            let p = Evaluator::new::<V>(Program::new(&f.tapes().value_gradient));
            #[cfg(all(target_arch = "x86_64", unix))]
            if let Some(k) = p.kernel() {
                assert_eq!(p.exp_form(), super::super::jit::form_of(k.isa()));
            }
            let lanes = |c: usize| -> Reg<V> {
                std::array::from_fn(|k| {
                    V::load(
                        &(0..V::N)
                            .map(|j| -3.0 + 0.047 * (k * V::N + j + 31 * c) as f64)
                            .collect::<Vec<_>>(),
                    )
                })
            };
            let (mut compiled, mut interpreted) = (p.registers_for::<V>(), p.registers_for::<V>());
            p.eval(&mut compiled, &lanes(0), &lanes(1));
            p.eval_interpreted(&mut interpreted, &lanes(0), &lanes(1), B);
            for k in 0..p.outputs().len() {
                for v in 0..B {
                    for j in 0..V::N {
                        let (a, b) = (p.output(&compiled, k)[v].lane(j), p.output(&interpreted, k)[v].lane(j));
                        // Bit for bit, but a NaN equals any NaN: which operand's NaN an instruction passes on
                        // (and so its sign) is the compiler's choice, not arithmetic.
                        let same = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
                        assert!(same, "output {k}, vector {v} lane {j}: {a:e} against {b:e}");
                    }
                }
            }
        }
        // An odd power from 1e15 on is a Powf that keeps its base's sign: exp's argument here is above 0 for
        // x < 0, so the compiled exp must keep its upper clamp.
        for name in [
            "peaks",
            "himmelblau",
            "exp(x*y) - exp(-x^2)",
            "exp(-(x^1000000000000001.0)) + y^2",
            "exp(-(x^3.0000000000000004)) + exp(-(x^1e300))",
        ] {
            let f = Function::resolve(name).unwrap();
            check::<F64x4>(&f);
            check::<super::super::lanes::F32x8>(&f);
        }
    }

    #[test]
    fn blocks_match_the_scalar_tape_and_registers_are_reused() {
        let f = Function::resolve("peaks").unwrap();
        let tape = &f.tapes().value_gradient;
        let p = Program::new(tape);
        assert!(
            p.registers() < tape.len() / 2,
            "{} registers for {} ops",
            p.registers(),
            tape.len()
        );
        let mut regs = p.registers_for::<F64x4>();
        let pts: Vec<[f64; 2]> = (0..B * 4)
            .map(|i| [-2.0 + 0.13 * i as f64, 1.5 - 0.09 * i as f64])
            .collect();
        let x: Reg<F64x4> =
            std::array::from_fn(|k| F64x4::load(&pts[4 * k..4 * k + 4].iter().map(|p| p[0]).collect::<Vec<_>>()));
        let y: Reg<F64x4> =
            std::array::from_fn(|k| F64x4::load(&pts[4 * k..4 * k + 4].iter().map(|p| p[1]).collect::<Vec<_>>()));
        p.eval(&mut regs, &x, &y);
        for (i, pt) in pts.iter().enumerate() {
            let (v, g) = f.value_gradient_with(*pt, &mut Vec::new());
            let want = [v, g[0], g[1]];
            for (k, w) in want.iter().enumerate() {
                let got = p.output(&regs, k)[i / 4].lane(i % 4);
                assert!(
                    (got - w).abs() <= 1e-13 * w.abs().max(1.0),
                    "output {k} at {pt:?}: {got} vs {w}"
                );
            }
        }
    }
}
