//! The symbolic engine: a hash-consed pool of expression nodes whose constructors simplify as they build.
//!
//! Every node is interned once, so equal subexpressions have equal ids: this is what lets like terms and like
//! factors be collected by id, what makes derivatives share the nodes of the function (the derivative of
//! `exp(u)` is `exp(u)*u'` with the same `exp(u)`), and what the tape compiler turns into common
//! subexpression elimination.
//!
//! Canonical forms, kept by the constructors ([`Pool::add`], [`Pool::mul`], [`Pool::pow`], [`Pool::call`]):
//! - a sum is flat, has at least two terms, at most one number, and like terms (`c1*t + c2*t`) collected;
//! - a product is flat, has at least two factors, at most one number (first), and like factors (`t^a * t^b`)
//!   collected; a number times a sum is distributed (`2*(x+1)` is `2*x + 2`), as in SymPy;
//! - subtraction is `a + (-1)*b`, division is `a * b^-1`, `sqrt(u)` is `u^(1/2)`, `e^u` is `exp(u)`;
//! - `0` and `1` identities, constant folding of exact results; functions of exact numbers stay symbolic
//!   (`sqrt(2)`, `exp(1/3)`) unless the result is exact (`exp(0)`, `sin(0)`).

use std::collections::HashMap;

use super::func::Func;
use super::num::Num;
use super::parser::{Constant, Var};

/// The id of a node in a [`Pool`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub(crate) u32);

/// A node of the expression DAG.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// A number.
    Num(Num),
    /// x or y.
    Var(Var),
    /// pi or e.
    Const(Constant),
    /// A sum, terms sorted by id.
    Add(Box<[Id]>),
    /// A product, factors sorted by id (a number, if any, first).
    Mul(Box<[Id]>),
    /// A power.
    Pow(Id, Id),
    /// A function of one argument.
    Call(Func, Id),
}

/// How much symbolic work one pool may do, in steps: a node made, or a term or factor visited while
/// simplifying a sum or product. The length limit on the text alone does not bound the work: a product of n
/// distinct factors has a Hessian of about n^3 factors (a product of 299 factors once took 27 s and 700 MB).
/// Peaks' whole Hessian takes about 3,300 steps, a product of 80 factors 2.8 million; the budget stops a
/// product of about 120, after about 0.7 s on the development machine.
pub const WORK_BUDGET: u64 = 10_000_000;

/// Interned expression nodes.
#[derive(Clone, Debug)]
pub struct Pool {
    nodes: Vec<Node>,
    /// For each node, the variables it depends on: bit 0 for x, bit 1 for y.
    vars: Vec<u8>,
    /// For each node that depends on no variable, its value (NaN or infinite where it is undefined).
    values: Vec<f64>,
    index: HashMap<Node, Id>,
    derivative_memo: HashMap<(Id, Var), Id>,
    work: u64,
    budget: u64,
}

impl Default for Pool {
    fn default() -> Pool {
        Pool::with_budget(WORK_BUDGET)
    }
}

impl Pool {
    /// An empty pool with the default budget ([`WORK_BUDGET`]).
    pub fn new() -> Pool {
        Pool::default()
    }

    /// An empty pool that may do `budget` steps of work. Once the budget is spent, every constructor returns
    /// at once with a meaningless node and [`Pool::exhausted`] is true: the caller checks it and reports.
    pub fn with_budget(budget: u64) -> Pool {
        let mut pool = Pool {
            nodes: Vec::new(),
            vars: Vec::new(),
            values: Vec::new(),
            index: HashMap::new(),
            derivative_memo: HashMap::new(),
            work: 0,
            budget,
        };
        // Node 0 is the number 0: what the constructors return once the budget is spent.
        pool.int(0);
        pool
    }

    /// Whether the work budget was spent (the pool's results since then are meaningless).
    pub fn exhausted(&self) -> bool {
        self.work > self.budget
    }

    /// The steps of work done so far.
    pub fn work(&self) -> u64 {
        self.work
    }

    fn charge(&mut self, steps: usize) -> bool {
        self.work = self.work.saturating_add(steps as u64);
        self.exhausted()
    }

    /// Whether a node depends on neither variable.
    pub fn is_constant(&self, id: Id) -> bool {
        self.vars[id.0 as usize] == 0
    }

    /// The value of a node that depends on no variable (NaN for one that does).
    pub fn constant_value(&self, id: Id) -> f64 {
        self.values[id.0 as usize]
    }

    /// The node behind an id.
    pub fn node(&self, id: Id) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// How many distinct nodes the pool holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn intern(&mut self, node: Node) -> Id {
        let size = match &node {
            Node::Add(xs) | Node::Mul(xs) => xs.len(),
            _ => 1,
        };
        self.charge(size);
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let var_bit = |v: Var| match v {
            Var::X => 1u8,
            Var::Y => 2,
        };
        let (vars, value) = match &node {
            Node::Num(n) => (0, n.value()),
            Node::Var(v) => (var_bit(*v), f64::NAN),
            Node::Const(c) => (0, c.value()),
            Node::Add(xs) => self.fold(xs, 0.0, |a, b| a + b),
            Node::Mul(xs) => self.fold(xs, 1.0, |a, b| a * b),
            Node::Pow(b, e) => {
                let (b, e) = (b.0 as usize, e.0 as usize);
                (self.vars[b] | self.vars[e], self.values[b].powf(self.values[e]))
            }
            Node::Call(f, a) => (self.vars[a.0 as usize], f.apply(self.values[a.0 as usize])),
        };
        let id = Id(self.nodes.len() as u32);
        self.nodes.push(node.clone());
        self.vars.push(vars);
        self.values.push(if vars == 0 { value } else { f64::NAN });
        self.index.insert(node, id);
        id
    }

    /// The variables of some operands, and the fold of their values (meaningful only when there are none).
    fn fold(&self, ids: &[Id], init: f64, f: impl Fn(f64, f64) -> f64) -> (u8, f64) {
        ids.iter().fold((0, init), |(vars, acc), id| {
            (vars | self.vars[id.0 as usize], f(acc, self.values[id.0 as usize]))
        })
    }

    /// A number.
    pub fn num(&mut self, n: Num) -> Id {
        self.intern(Node::Num(n))
    }

    /// An integer.
    pub fn int(&mut self, n: i64) -> Id {
        self.num(Num::int(n))
    }

    /// x or y.
    pub fn var(&mut self, v: Var) -> Id {
        self.intern(Node::Var(v))
    }

    /// pi or e.
    pub fn constant(&mut self, c: Constant) -> Id {
        self.intern(Node::Const(c))
    }

    /// The number an id is, if it is one.
    pub fn as_num(&self, id: Id) -> Option<Num> {
        match self.node(id) {
            Node::Num(n) => Some(*n),
            _ => None,
        }
    }

    fn is_num(&self, id: Id, v: f64) -> bool {
        self.as_num(id).is_some_and(|n| n.value() == v)
    }

    /// `a + b`.
    pub fn add(&mut self, a: Id, b: Id) -> Id {
        self.add_all(vec![a, b])
    }

    /// `a - b`.
    pub fn sub(&mut self, a: Id, b: Id) -> Id {
        let nb = self.neg(b);
        self.add(a, nb)
    }

    /// `-a`.
    pub fn neg(&mut self, a: Id) -> Id {
        let m = self.int(-1);
        self.mul(m, a)
    }

    /// `a * b`.
    pub fn mul(&mut self, a: Id, b: Id) -> Id {
        self.mul_all(vec![a, b])
    }

    /// `a / b`.
    pub fn div(&mut self, a: Id, b: Id) -> Id {
        let m = self.int(-1);
        let r = self.pow(b, m);
        self.mul(a, r)
    }

    /// Splits a term into its numeric coefficient and the rest (None when the term is a number).
    pub fn split_coefficient(&mut self, id: Id) -> (Num, Option<Id>) {
        match self.node(id).clone() {
            Node::Num(n) => (n, None),
            Node::Mul(fs) => match self.as_num(fs[0]) {
                Some(c) => {
                    let rest = if fs.len() == 2 {
                        fs[1]
                    } else {
                        self.intern(Node::Mul(fs[1..].into()))
                    };
                    (c, Some(rest))
                }
                None => (Num::ONE, Some(id)),
            },
            _ => (Num::ONE, Some(id)),
        }
    }

    /// The sum of many terms, simplified.
    pub fn add_all(&mut self, terms: Vec<Id>) -> Id {
        if self.charge(terms.len()) {
            return Id(0);
        }
        let mut constant = Num::ZERO;
        let mut leftovers: Vec<Id> = Vec::new();
        // Coefficient per non-numeric part, in first-seen order, found by the part's id.
        let mut groups: Vec<(Id, Num)> = Vec::new();
        let mut group_of: HashMap<Id, usize> = HashMap::new();
        let mut stack: Vec<Id> = terms.into_iter().rev().collect();
        while let Some(t) = stack.pop() {
            if self.charge(1) {
                return Id(0);
            }
            if let Node::Add(ts) = self.node(t) {
                stack.extend(ts.iter().rev());
                continue;
            }
            let (c, rest) = self.split_coefficient(t);
            match rest {
                None => match constant.checked_add(c) {
                    Some(s) => constant = s,
                    None => leftovers.push(t),
                },
                Some(r) => match group_of.get(&r) {
                    Some(&g) => match groups[g].1.checked_add(c) {
                        Some(s) => groups[g].1 = s,
                        None => leftovers.push(t),
                    },
                    None => {
                        group_of.insert(r, groups.len());
                        groups.push((r, c));
                    }
                },
            }
        }
        let mut out: Vec<Id> = Vec::with_capacity(groups.len() + 1);
        for (rest, c) in groups {
            if c.is_zero() {
                continue;
            }
            let term = if c.is_one() { rest } else { self.scale(c, rest) };
            out.push(term);
        }
        out.extend(leftovers);
        if !constant.is_zero() {
            out.push(self.num(constant));
        }
        self.finish_add(out)
    }

    fn finish_add(&mut self, mut out: Vec<Id>) -> Id {
        // A scaled term may itself have become a sum (c * (a + b) distributes): flatten once more.
        if out.iter().any(|t| matches!(self.node(*t), Node::Add(_))) {
            return self.add_all(out);
        }
        match out.len() {
            0 => self.int(0),
            1 => out[0],
            _ => {
                out.sort_unstable();
                self.intern(Node::Add(out.into()))
            }
        }
    }

    /// `c * rest` for a non-numeric `rest` already simplified: the product of a number and a canonical term.
    fn scale(&mut self, c: Num, rest: Id) -> Id {
        let cid = self.num(c);
        self.mul(cid, rest)
    }

    /// The product of many factors, simplified.
    pub fn mul_all(&mut self, factors: Vec<Id>) -> Id {
        if self.charge(factors.len()) {
            return Id(0);
        }
        let mut coefficient = Num::ONE;
        let mut leftovers: Vec<Id> = Vec::new();
        // Exponent terms per base, in first-seen order, found by the base's id.
        let mut groups: Vec<(Id, Vec<Id>)> = Vec::new();
        let mut group_of: HashMap<Id, usize> = HashMap::new();
        let mut stack: Vec<Id> = factors.into_iter().rev().collect();
        while let Some(f) = stack.pop() {
            if self.charge(1) {
                return Id(0);
            }
            match self.node(f).clone() {
                Node::Mul(fs) => stack.extend(fs.iter().rev()),
                Node::Num(n) => match coefficient.checked_mul(n) {
                    Some(c) => coefficient = c,
                    None => leftovers.push(f),
                },
                node => {
                    let (base, exp) = match node {
                        Node::Pow(b, e) => (b, e),
                        _ => (f, self.int(1)),
                    };
                    match group_of.get(&base) {
                        Some(&g) => groups[g].1.push(exp),
                        None => {
                            group_of.insert(base, groups.len());
                            groups.push((base, vec![exp]));
                        }
                    }
                }
            }
        }
        if coefficient.is_zero() {
            return self.int(0);
        }
        let mut out: Vec<Id> = leftovers;
        let mut regroup = false;
        for (base, exps) in groups {
            let exp = if exps.len() == 1 { exps[0] } else { self.add_all(exps) };
            let p = self.pow(base, exp);
            match self.node(p).clone() {
                Node::Num(n) => match coefficient.checked_mul(n) {
                    Some(c) => coefficient = c,
                    None => out.push(p),
                },
                Node::Mul(_) => {
                    regroup = true;
                    out.push(p);
                }
                _ => out.push(p),
            }
        }
        if regroup {
            let c = self.num(coefficient);
            out.push(c);
            return self.mul_all(out);
        }
        if coefficient.is_zero() {
            return self.int(0);
        }
        out.sort_unstable();
        if out.is_empty() {
            return self.num(coefficient);
        }
        if coefficient.is_one() && out.len() == 1 {
            return out[0];
        }
        // A number times a sum distributes, so that like terms can meet: 2*(x + 1) is 2*x + 2.
        if out.len() == 1 && !coefficient.is_one() {
            if let Node::Add(ts) = self.node(out[0]).clone() {
                let c = self.num(coefficient);
                let scaled = ts.iter().map(|&t| self.mul(c, t)).collect();
                return self.add_all(scaled);
            }
        }
        if !coefficient.is_one() {
            out.insert(0, self.num(coefficient));
        }
        self.intern(Node::Mul(out.into()))
    }

    /// `base ^ exp`, simplified.
    pub fn pow(&mut self, base: Id, exp: Id) -> Id {
        let e = self.as_num(exp);
        if e.is_some_and(Num::is_zero) {
            return self.int(1);
        }
        if e.is_some_and(Num::is_one) {
            return base;
        }
        if self.is_num(base, 1.0) {
            return self.int(1);
        }
        if let (Some(b), Some(e)) = (self.as_num(base), e) {
            if b.is_zero() && !e.is_negative() {
                return self.int(0);
            }
            if let Some(v) = b.pow(e) {
                return self.num(v);
            }
        }
        let integer_exp = e.and_then(Num::as_int).is_some();
        match self.node(base).clone() {
            // (b^a)^n = b^(a*n) for integer n (not in general: (x^2)^(1/2) is |x|).
            Node::Pow(b, a) if integer_exp => {
                let ae = self.mul(a, exp);
                self.pow(b, ae)
            }
            // (a*b)^n = a^n * b^n for integer n, unless a constant factor's power leaves the numbers:
            // (3153*x)^4194304 is finite for small x, while 3153^4194304 is inf, which would make the printed
            // form undefined everywhere (found by the round-trip fuzz target).
            Node::Mul(fs)
                if integer_exp
                    && fs.iter().all(|&f| {
                        !self.is_constant(f) || {
                            let v = self.constant_value(f).powf(self.constant_value(exp));
                            v.is_finite() && v != 0.0
                        }
                    }) =>
            {
                let powered = fs.iter().map(|&f| self.pow(f, exp)).collect();
                self.mul_all(powered)
            }
            Node::Const(Constant::E) => self.call(Func::Exp, exp),
            _ => self.intern(Node::Pow(base, exp)),
        }
    }

    /// `sqrt(a)`, which is `a^(1/2)`.
    pub fn sqrt(&mut self, a: Id) -> Id {
        let half = self.num(Num::Rat(1, 2));
        self.pow(a, half)
    }

    /// `f(a)`, simplified.
    pub fn call(&mut self, f: Func, a: Id) -> Id {
        if let Some(n) = self.as_num(a) {
            if let Some(v) = exact_call(f, n) {
                return self.num(v);
            }
            if let Num::Float(v) = n {
                if let Some(r) = Num::float(f.apply(v)) {
                    return self.num(r);
                }
            }
        }
        match (f, self.node(a).clone()) {
            (Func::Ln, Node::Call(Func::Exp, u)) => u,
            (Func::Ln, Node::Const(Constant::E)) => self.int(1),
            (Func::Abs, Node::Call(Func::Abs, _)) => a,
            (Func::Sign, Node::Call(Func::Sign, _)) => a,
            _ => self.intern(Node::Call(f, a)),
        }
    }

    /// Whether an expression depends on a variable.
    pub fn depends_on(&self, id: Id, v: Var) -> bool {
        let bit = match v {
            Var::X => 1,
            Var::Y => 2,
        };
        self.vars[id.0 as usize] & bit != 0
    }

    /// The partial derivative of `id` with respect to `v`, simplified.
    pub fn derivative(&mut self, id: Id, v: Var) -> Id {
        if let Some(&d) = self.derivative_memo.get(&(id, v)) {
            return d;
        }
        if self.charge(1) {
            return Id(0);
        }
        let d = self.derivative_uncached(id, v);
        self.derivative_memo.insert((id, v), d);
        d
    }

    fn derivative_uncached(&mut self, id: Id, v: Var) -> Id {
        if !self.depends_on(id, v) {
            return self.int(0);
        }
        match self.node(id).clone() {
            Node::Num(_) | Node::Const(_) => self.int(0),
            Node::Var(w) => self.int(i64::from(w == v)),
            Node::Add(ts) => {
                let ds = ts.iter().map(|&t| self.derivative(t, v)).collect();
                self.add_all(ds)
            }
            Node::Mul(fs) => {
                let mut terms = Vec::new();
                for i in 0..fs.len() {
                    let di = self.derivative(fs[i], v);
                    if self.is_num(di, 0.0) {
                        continue;
                    }
                    let mut parts: Vec<Id> = fs
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, &f)| f)
                        .collect();
                    parts.push(di);
                    terms.push(self.mul_all(parts));
                }
                self.add_all(terms)
            }
            Node::Pow(b, e) => {
                let db = self.derivative(b, v);
                if !self.depends_on(e, v) {
                    // d(b^e) = e * b^(e-1) * b'
                    let one = self.int(-1);
                    let em1 = self.add(e, one);
                    let p = self.pow(b, em1);
                    return self.mul_all(vec![e, p, db]);
                }
                let de = self.derivative(e, v);
                let lnb = self.call(Func::Ln, b);
                if !self.depends_on(b, v) {
                    // d(b^e) = b^e * ln(b) * e'
                    return self.mul_all(vec![id, lnb, de]);
                }
                // d(b^e) = b^e * (e' ln b + e b'/b)
                let t1 = self.mul(de, lnb);
                let inv = self.int(-1);
                let binv = self.pow(b, inv);
                let t2 = self.mul_all(vec![e, db, binv]);
                let s = self.add(t1, t2);
                self.mul(id, s)
            }
            Node::Call(f, a) => {
                let da = self.derivative(a, v);
                let outer = self.call_derivative(f, a);
                self.mul(outer, da)
            }
        }
    }

    /// f'(a) for the functions of the grammar.
    fn call_derivative(&mut self, f: Func, a: Id) -> Id {
        let one = self.int(1);
        let two = self.int(2);
        let minus_one = self.int(-1);
        let minus_two = self.int(-2);
        let minus_half = self.num(Num::Rat(-1, 2));
        match f {
            Func::Exp => self.call(Func::Exp, a),
            Func::Ln => self.pow(a, minus_one),
            Func::Abs => self.call(Func::Sign, a),
            Func::Sign => self.int(0),
            Func::Sin => self.call(Func::Cos, a),
            Func::Cos => {
                let s = self.call(Func::Sin, a);
                self.neg(s)
            }
            Func::Tan => {
                let c = self.call(Func::Cos, a);
                self.pow(c, minus_two)
            }
            Func::Asin | Func::Acos => {
                let a2 = self.pow(a, two);
                let d = self.sub(one, a2);
                let r = self.pow(d, minus_half);
                if f == Func::Acos {
                    self.neg(r)
                } else {
                    r
                }
            }
            Func::Atan => {
                let a2 = self.pow(a, two);
                let d = self.add(one, a2);
                self.pow(d, minus_one)
            }
            Func::Sinh => self.call(Func::Cosh, a),
            Func::Cosh => self.call(Func::Sinh, a),
            Func::Tanh => {
                let t = self.call(Func::Tanh, a);
                let t2 = self.pow(t, two);
                self.sub(one, t2)
            }
        }
    }

    /// How many distinct nodes are reachable from these roots (a measure of size that counts shared parts once).
    pub fn dag_size(&self, roots: &[Id]) -> usize {
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<Id> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            match self.node(id) {
                Node::Add(xs) | Node::Mul(xs) => stack.extend(xs.iter()),
                Node::Pow(b, e) => stack.extend([*b, *e]),
                Node::Call(_, a) => stack.push(*a),
                _ => {}
            }
        }
        seen.len()
    }
}

/// f(n) when the result is exact: exp(0) = 1, sin(0) = 0, abs(-2/3) = 2/3, ...
fn exact_call(f: Func, n: Num) -> Option<Num> {
    let zero = n.is_zero();
    match f {
        Func::Abs => Some(n.abs()),
        Func::Sign => Some(Num::int(if zero {
            0
        } else if n.is_negative() {
            -1
        } else {
            1
        })),
        Func::Exp | Func::Cos | Func::Cosh if zero => Some(Num::ONE),
        Func::Sin | Func::Tan | Func::Asin | Func::Atan | Func::Sinh | Func::Tanh if zero => Some(Num::ZERO),
        Func::Ln | Func::Acos if n.is_one() => Some(Num::ZERO),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_terms_and_factors_collect() {
        let mut p = Pool::new();
        let x = p.var(Var::X);
        let y = p.var(Var::Y);
        let xx = p.add(x, x);
        let two = p.int(2);
        let two_x = p.mul(two, x);
        assert_eq!(xx, two_x);
        let x_times_x = p.mul(x, x);
        let x2 = p.pow(x, two);
        assert_eq!(x_times_x, x2);
        let zero = p.sub(x, x);
        assert_eq!(p.as_num(zero), Some(Num::ZERO));
        let one = p.div(x, x);
        assert_eq!(p.as_num(one), Some(Num::ONE));
        // 2*(x + y) distributes, then - 2*y cancels.
        let s = p.add(x, y);
        let d = p.mul(two, s);
        let two_y = p.mul(two, y);
        let left = p.sub(d, two_y);
        assert_eq!(left, two_x);
        // (x*y)^2 * x^-2 is y^2
        let xy = p.mul(x, y);
        let xy2 = p.pow(xy, two);
        let m2 = p.int(-2);
        let xm2 = p.pow(x, m2);
        let r = p.mul(xy2, xm2);
        let y2 = p.pow(y, two);
        assert_eq!(r, y2);
    }

    #[test]
    fn derivative_of_exp_shares_the_node() {
        let mut p = Pool::new();
        let x = p.var(Var::X);
        let two = p.int(2);
        let x2 = p.pow(x, two);
        let e = p.call(Func::Exp, x2);
        let d = p.derivative(e, Var::X);
        match p.node(d) {
            Node::Mul(fs) => assert!(fs.contains(&e)),
            other => panic!("expected a product, got {other:?}"),
        }
    }
}
