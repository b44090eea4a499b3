//! The tape: expressions compiled to straight-line SSA code with common subexpressions shared.
//!
//! Every instruction writes the slot of its own index and reads only earlier slots, so a tape can be run by
//! the scalar evaluator one point at a time, or by a lane-parallel evaluator over a block of points (each
//! slot then holds a vector of lanes). Lowering turns the symbolic forms into cheap operations: integer
//! powers become multiplication chains (so `x^2` and `x^3` share `x*x`), half-integer powers a square root,
//! negative terms subtractions and negative powers one division. Instructions are hash-consed as they are
//! emitted, which shares whatever the symbolic pool did not (and folds constants).

use std::collections::HashMap;

use super::func::Func;
use super::num::Num;
use super::parser::{Constant, Var};
use super::pool::{Id, Node, Pool};

/// A slot index on a tape.
pub type Slot = u32;

/// One instruction. Operands are slots of earlier instructions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// A constant.
    Const(f64),
    /// The x coordinate.
    X,
    /// The y coordinate.
    Y,
    /// a + b
    Add(Slot, Slot),
    /// a - b
    Sub(Slot, Slot),
    /// a * b
    Mul(Slot, Slot),
    /// a / b
    Div(Slot, Slot),
    /// -a
    Neg(Slot),
    /// sqrt(a)
    Sqrt(Slot),
    /// a ^ c for a constant c that is not an integer or half-integer.
    Powf(Slot, f64),
    /// a ^ b in general.
    Pow(Slot, Slot),
    /// f(a)
    Call(Func, Slot),
}

impl Op {
    fn key(&self) -> (u8, u32, u32, u64) {
        match *self {
            Op::Const(c) => (0, 0, 0, c.to_bits()),
            Op::X => (1, 0, 0, 0),
            Op::Y => (2, 0, 0, 0),
            // Commutative operations are keyed with sorted operands.
            Op::Add(a, b) => (3, a.min(b), a.max(b), 0),
            Op::Sub(a, b) => (4, a, b, 0),
            Op::Mul(a, b) => (5, a.min(b), a.max(b), 0),
            Op::Div(a, b) => (6, a, b, 0),
            Op::Neg(a) => (7, a, 0, 0),
            Op::Sqrt(a) => (8, a, 0, 0),
            Op::Powf(a, c) => (9, a, 0, c.to_bits()),
            Op::Pow(a, b) => (10, a, b, 0),
            Op::Call(f, a) => (11, a, 0, f as u64),
        }
    }

    /// The slots this instruction reads.
    pub fn operands(&self) -> impl Iterator<Item = Slot> {
        let (a, b) = match *self {
            Op::Const(_) | Op::X | Op::Y => (None, None),
            Op::Neg(a) | Op::Sqrt(a) | Op::Powf(a, _) | Op::Call(_, a) => (Some(a), None),
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::Pow(a, b) => (Some(a), Some(b)),
        };
        a.into_iter().chain(b)
    }

    fn remap(self, m: &[Slot]) -> Op {
        let r = |s: Slot| m[s as usize];
        match self {
            Op::Const(_) | Op::X | Op::Y => self,
            Op::Add(a, b) => Op::Add(r(a), r(b)),
            Op::Sub(a, b) => Op::Sub(r(a), r(b)),
            Op::Mul(a, b) => Op::Mul(r(a), r(b)),
            Op::Div(a, b) => Op::Div(r(a), r(b)),
            Op::Neg(a) => Op::Neg(r(a)),
            Op::Sqrt(a) => Op::Sqrt(r(a)),
            Op::Powf(a, c) => Op::Powf(r(a), c),
            Op::Pow(a, b) => Op::Pow(r(a), r(b)),
            Op::Call(f, a) => Op::Call(f, r(a)),
        }
    }
}

/// Straight-line code computing some outputs from x and y.
#[derive(Clone, Debug, PartialEq)]
pub struct Tape {
    ops: Vec<Op>,
    outputs: Vec<Slot>,
    /// The constants and coordinates (instructions without operands) with their slots, and every other
    /// instruction with its slot, in order: `eval` fills the first without dispatching on each.
    leaves: Vec<(Slot, Op)>,
    steps: Vec<(Slot, Op)>,
}

impl Tape {
    /// Compiles these roots of `pool` into one tape, their outputs in order.
    pub fn compile(pool: &Pool, roots: &[Id]) -> Tape {
        let mut b = Builder {
            pool,
            ops: Vec::new(),
            index: HashMap::new(),
            memo: HashMap::new(),
        };
        let outputs = roots.iter().map(|&r| b.lower(r)).collect();
        Tape::pruned(&b.ops, outputs)
    }

    /// The instructions.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The output slots.
    pub fn outputs(&self) -> &[Slot] {
        &self.outputs
    }

    /// The number of instructions.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether there are no instructions.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// A tape computing only the outputs picked (by position), without the code only the others need.
    pub fn select(&self, picks: &[usize]) -> Tape {
        let outputs: Vec<Slot> = picks.iter().map(|&i| self.outputs[i]).collect();
        Tape::pruned(&self.ops, outputs)
    }

    /// Drops dead instructions and renumbers the rest.
    fn pruned(all: &[Op], outputs: Vec<Slot>) -> Tape {
        let mut live = vec![false; all.len()];
        for &o in &outputs {
            live[o as usize] = true;
        }
        for i in (0..all.len()).rev() {
            if live[i] {
                for s in all[i].operands() {
                    live[s as usize] = true;
                }
            }
        }
        let mut map = vec![0; all.len()];
        let mut ops = Vec::new();
        for (i, op) in all.iter().enumerate() {
            if live[i] {
                map[i] = ops.len() as Slot;
                ops.push(op.remap(&map));
            }
        }
        let outputs = outputs.iter().map(|&o| map[o as usize]).collect();
        // `eval` relies on this: every instruction reads only slots written before it.
        assert!(
            ops.iter()
                .enumerate()
                .all(|(i, op)| op.operands().all(|s| (s as usize) < i)),
            "a tape instruction reads a later slot"
        );
        let (leaves, steps) = (0..)
            .zip(ops.iter().copied())
            .partition(|(_, op)| op.operands().next().is_none());
        Tape {
            ops,
            outputs,
            leaves,
            steps,
        }
    }

    /// Runs the tape at one point. `slots` is scratch space (resized as needed); `out` receives the outputs.
    pub fn eval<T: Scalar>(&self, x: T, y: T, slots: &mut Vec<T>, out: &mut [T]) {
        let n = self.ops.len();
        slots.clear();
        slots.reserve(n);
        let base = slots.as_mut_ptr();
        for &(i, op) in &self.leaves {
            let v = match op {
                Op::Const(c) => T::from_f64(c),
                Op::X => x,
                _ => y,
            };
            // SAFETY: `i < n`, inside the capacity reserved above.
            unsafe { base.add(i as usize).write(v) };
        }
        for &(i, op) in &self.steps {
            // SAFETY: every operand of instruction `i` is a slot below `i` (checked when the tape was built, in
            // `pruned`), written before it: by the loop above, or by this loop earlier (`steps` are in order).
            let s = |j: Slot| unsafe { *base.add(j as usize) };
            let v = match op {
                Op::Add(a, b) => s(a) + s(b),
                Op::Sub(a, b) => s(a) - s(b),
                Op::Mul(a, b) => s(a) * s(b),
                Op::Div(a, b) => s(a) / s(b),
                Op::Neg(a) => -s(a),
                Op::Sqrt(a) => s(a).sqrt(),
                Op::Powf(a, c) => s(a).powf(c),
                Op::Pow(a, b) => s(a).pow(s(b)),
                Op::Call(f, a) => s(a).call(f),
                Op::Const(_) | Op::X | Op::Y => unreachable!("leaves are filled above"),
            };
            // SAFETY: `i < n`, inside the reserved capacity.
            unsafe { base.add(i as usize).write(v) };
        }
        // SAFETY: slots 0..n were all written by the loop (`T` is `Copy`: nothing to drop).
        unsafe { slots.set_len(n) };
        for (o, &slot) in out.iter_mut().zip(&self.outputs) {
            *o = slots[slot as usize];
        }
    }

    /// How many instructions call `f` (e.g. peaks' gradient calls `exp` exactly three times).
    pub fn count_calls(&self, f: Func) -> usize {
        self.ops
            .iter()
            .filter(|op| matches!(op, Op::Call(g, _) if *g == f))
            .count()
    }
}

/// The arithmetic a tape needs. Implemented for `f64`; tests implement it for dual numbers, the batch engine
/// for lane vectors.
pub trait Scalar:
    Copy
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
    /// A constant.
    fn from_f64(v: f64) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Power with a constant exponent.
    fn powf(self, e: f64) -> Self;
    /// Power with a variable exponent.
    fn pow(self, e: Self) -> Self;
    /// One of the grammar's functions.
    fn call(self, f: Func) -> Self;
}

impl Scalar for f64 {
    fn from_f64(v: f64) -> f64 {
        v
    }
    fn sqrt(self) -> f64 {
        f64::sqrt(self)
    }
    fn powf(self, e: f64) -> f64 {
        f64::powf(self, e)
    }
    fn pow(self, e: f64) -> f64 {
        f64::powf(self, e)
    }
    fn call(self, f: Func) -> f64 {
        f.apply(self)
    }
}

struct Builder<'a> {
    pool: &'a Pool,
    ops: Vec<Op>,
    index: HashMap<(u8, u32, u32, u64), Slot>,
    memo: HashMap<Id, Slot>,
}

impl Builder<'_> {
    fn value(&self, s: Slot) -> Option<f64> {
        match self.ops[s as usize] {
            Op::Const(c) => Some(c),
            _ => None,
        }
    }

    /// Emits an instruction, folding constants and reusing an identical earlier one.
    fn emit(&mut self, op: Op) -> Slot {
        let mut args = op.operands().map(|s| self.value(s));
        let folded = match (op, args.next().flatten(), args.next().flatten()) {
            (Op::Const(_), _, _) => None,
            (Op::Add(..), Some(a), Some(b)) => Some(a + b),
            (Op::Sub(..), Some(a), Some(b)) => Some(a - b),
            (Op::Mul(..), Some(a), Some(b)) => Some(a * b),
            (Op::Div(..), Some(a), Some(b)) => Some(a / b),
            (Op::Pow(..), Some(a), Some(b)) => Some(a.powf(b)),
            (Op::Neg(_), Some(a), _) => Some(-a),
            (Op::Sqrt(_), Some(a), _) => Some(a.sqrt()),
            (Op::Powf(_, c), Some(a), _) => Some(a.powf(c)),
            (Op::Call(f, _), Some(a), _) => Some(f.apply(a)),
            _ => None,
        };
        // Non-finite constants stay as instructions so evaluation reports them where they arise.
        let op = match folded {
            Some(v) if v.is_finite() => Op::Const(v),
            _ => op,
        };
        let key = op.key();
        if let Some(&s) = self.index.get(&key) {
            return s;
        }
        let s = self.ops.len() as Slot;
        self.ops.push(op);
        self.index.insert(key, s);
        s
    }

    fn lower(&mut self, id: Id) -> Slot {
        if let Some(&s) = self.memo.get(&id) {
            return s;
        }
        let s = match self.pool.node(id) {
            Node::Num(n) => self.emit(Op::Const(n.value())),
            Node::Var(Var::X) => self.emit(Op::X),
            Node::Var(Var::Y) => self.emit(Op::Y),
            Node::Const(c) => self.emit(Op::Const(Constant::value(*c))),
            Node::Add(ts) => self.sum(ts),
            Node::Mul(fs) => {
                let (c, rest) = self.coefficient(fs);
                self.product(c, rest)
            }
            Node::Pow(b, e) => match self.pool.as_num(*e) {
                Some(n) => self.power(*b, n),
                None => {
                    let (b, e) = (self.lower(*b), self.lower(*e));
                    self.emit(Op::Pow(b, e))
                }
            },
            Node::Call(f, a) => {
                let a = self.lower(*a);
                self.emit(Op::Call(*f, a))
            }
        };
        self.memo.insert(id, s);
        s
    }

    fn coefficient<'f>(&self, fs: &'f [Id]) -> (f64, &'f [Id]) {
        match self.pool.as_num(fs[0]) {
            Some(c) => (c.value(), &fs[1..]),
            None => (1.0, fs),
        }
    }

    fn sum(&mut self, terms: &[Id]) -> Slot {
        let mut plus: Vec<Slot> = Vec::new();
        let mut minus: Vec<Slot> = Vec::new();
        for &t in terms {
            let (c, rest) = match self.pool.node(t) {
                Node::Mul(fs) => self.coefficient(fs),
                Node::Num(n) => (n.value(), &[][..]),
                _ => (1.0, std::slice::from_ref(&t)),
            };
            if c < 0.0 {
                minus.push(self.product(-c, rest));
            } else {
                plus.push(self.product(c, rest));
            }
        }
        let mut acc = match plus.split_first() {
            Some((&first, others)) => others.iter().fold(first, |a, &b| self.emit(Op::Add(a, b))),
            None => {
                let first = minus.remove(0);
                self.emit(Op::Neg(first))
            }
        };
        for m in minus {
            acc = self.emit(Op::Sub(acc, m));
        }
        acc
    }

    /// `c * factors`, with negative powers gathered into one denominator.
    fn product(&mut self, c: f64, factors: &[Id]) -> Slot {
        let mut numer: Vec<Slot> = Vec::new();
        let mut denom: Vec<Slot> = Vec::new();
        for &f in factors {
            match self.pool.node(f) {
                Node::Pow(b, e) if self.pool.as_num(*e).is_some_and(Num::is_negative) => {
                    let e = self.pool.as_num(*e).map(Num::negated).unwrap_or(Num::ONE);
                    denom.push(self.power(*b, e));
                }
                _ => numer.push(self.lower(f)),
            }
        }
        let mut negate = false;
        if c == -1.0 {
            negate = true;
        } else if c != 1.0 || numer.is_empty() {
            numer.insert(0, self.emit(Op::Const(c)));
        }
        let n = numer.iter().copied().reduce(|a, b| self.emit(Op::Mul(a, b)));
        let mut v = match (n, denom.iter().copied().reduce(|a, b| self.emit(Op::Mul(a, b)))) {
            (Some(n), None) => n,
            (Some(n), Some(d)) => self.emit(Op::Div(n, d)),
            (None, Some(d)) => {
                let one = self.emit(Op::Const(1.0));
                self.emit(Op::Div(one, d))
            }
            (None, None) => self.emit(Op::Const(1.0)),
        };
        if negate {
            v = self.emit(Op::Neg(v));
        }
        v
    }

    fn power(&mut self, base: Id, e: Num) -> Slot {
        let b = self.lower(base);
        if let Some(n) = e.as_int() {
            let p = self.powi(b, n.unsigned_abs());
            if n < 0 {
                let one = self.emit(Op::Const(1.0));
                return self.emit(Op::Div(one, p));
            }
            return p;
        }
        if let Num::Rat(p, 2) = e {
            let r = self.emit(Op::Sqrt(b));
            let k = self.powi(r, p.unsigned_abs());
            if p < 0 {
                let one = self.emit(Op::Const(1.0));
                return self.emit(Op::Div(one, k));
            }
            return k;
        }
        self.emit(Op::Powf(b, e.value()))
    }

    /// `b^n` by squaring and multiplying, so powers of one base share their squares.
    fn powi(&mut self, b: Slot, n: u64) -> Slot {
        if n == 0 {
            return self.emit(Op::Const(1.0));
        }
        let mut acc = b;
        for bit in (0..63 - n.leading_zeros()).rev() {
            acc = self.emit(Op::Mul(acc, acc));
            if n >> bit & 1 == 1 {
                acc = self.emit(Op::Mul(acc, b));
            }
        }
        acc
    }
}
