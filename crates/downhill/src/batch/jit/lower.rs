//! Lowering: each instruction of a [`Program`] becomes vector instructions (inline arithmetic, fused
//! multiply-adds, exp in the precision's and instruction set's form, calls for the functions without an inline
//! form), inside a loop over the block's vectors.

use super::encode::*;
use super::regalloc::{Ymm, NEVER, VREGS};
use super::*;
use crate::batch::evaluator::Sums;
use crate::expr::Func;
use std::ops::Range;

/// One constant of the table, a `zmm` register's width (AVX2 code reads the first half), aligned so that
/// reading it never straddles two cache lines (a split load costs about twice as much).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
pub(super) struct Vector(pub(super) [u8; 64]);

/// The constant table: one 64-byte vector per distinct constant.
pub(super) struct Consts {
    pub(super) table: Vec<Vector>,
    pub(super) f64: bool,
    /// The first entries are the program's parameters ([`Program::params`]), one each, set for every run:
    /// no constant shares them.
    pub(super) reserved: usize,
}

impl Consts {
    pub(super) fn bits(&mut self, v: [u8; 64]) -> Rm {
        let v = Vector(v);
        let found = self.table[self.reserved..].iter().position(|t| *t == v);
        let i = found.map(|i| i + self.reserved).unwrap_or_else(|| {
            self.table.push(v);
            self.table.len() - 1
        });
        Rm::Mem(R13, 64 * i as i32)
    }

    /// A float splatted in the precision (f64 values rounded to f32 as the interpreter's `splat` does).
    pub(super) fn float(&mut self, v: f64) -> Rm {
        self.bits(splat_float(v, self.f64))
    }
}

/// `v` splatted in f64, or rounded to f32 as the interpreter's `splat` does.
///
/// Eight-byte words, not [`splat`]'s bytes: a schedule's parameters are set before every epoch, and the
/// byte-by-byte copy (64 single-byte stores, then a load of them all that waited on the stores) took a tenth of a
/// batch's time with Adam on Himmelblau.
#[inline]
pub(super) fn splat_float(v: f64, f64: bool) -> [u8; 64] {
    let word = if f64 {
        v.to_bits()
    } else {
        u64::from((v as f32).to_bits()) * 0x1_0000_0001
    };
    let mut out = [0u8; 64];
    for c in out.chunks_exact_mut(8) {
        c.copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// `b` repeated to fill a constant (a 32-byte table twice, for `vpermps` on `zmm` reading 4 index bits).
pub(super) fn splat<const K: usize>(b: [u8; K]) -> [u8; 64] {
    std::array::from_fn(|i| b[i % K])
}

/// The vector registers a loop's own values keep when constants are hoisted out of it ([`Gen::hoist`]).
const BODY_REGISTERS: usize = 16;

/// The code generator.
pub(super) struct Gen<'p> {
    pub(super) s: Simd,
    pub(super) consts: Consts,
    pub(super) program: &'p Program,
    /// The constant table operand of each constant register.
    pub(super) const_of: Vec<Option<Rm>>,
    pub(super) is_output: Vec<bool>,
    /// `next[i][r]`: the next instruction after `i` that reads the value register `r` holds at `i`.
    pub(super) next: Vec<Vec<u32>>,
    pub(super) ymm: [Ymm; VREGS],
    /// The instruction being compiled, and for which stream (one of the vectors a loop iteration runs).
    pub(super) pos: usize,
    pub(super) stream: u8,
    pub(super) helper: usize,
    /// Pairs of exps emitted side by side (see [`Gen::exp_pair`]).
    pub(super) pairs: usize,
    /// The block sums kept in registers (see [`summable`]), and the streams whose accumulators (the last vector
    /// registers) are kept while the segment computing them is compiled (0 elsewhere).
    pub(super) sums: Option<Sums>,
    pub(super) summing: u8,
    /// The constants kept in vector registers through the current loop (the registers below the accumulators).
    pub(super) hoisted: usize,
}

impl<'p> Gen<'p> {
    pub(super) fn new(program: &'p Program, precision: Precision, isa: Isa, helper: usize) -> Gen<'p> {
        let f64 = precision == Precision::F64;
        let n = program.registers();
        let mut const_of = vec![None; n];
        // Parameters first, each its own entry (zero until a run sets it).
        let params = program.params();
        let mut consts = Consts {
            table: vec![Vector([0; 64]); params.len()],
            f64,
            reserved: params.len(),
        };
        for (i, &r) in params.iter().enumerate() {
            const_of[r as usize] = Some(Rm::Mem(R13, 64 * i as i32));
        }
        for &(r, c) in program.consts() {
            const_of[r as usize] = Some(consts.float(c));
        }
        let mut is_output = vec![false; n];
        for &o in program.outputs() {
            is_output[o as usize] = true;
        }
        let instrs = program.instrs();
        let mut next = vec![Vec::new(); instrs.len()];
        let mut cur = vec![NEVER; n];
        for (i, ins) in instrs.iter().enumerate().rev() {
            next[i] = cur.clone();
            let (d, srcs) = ins.parts();
            cur[d as usize] = NEVER;
            for s in srcs.into_iter().flatten() {
                cur[s as usize] = i as u32;
            }
        }
        Gen {
            s: Simd {
                asm: Asm::default(),
                f64,
                isa,
            },
            consts,
            program,
            const_of,
            is_output,
            next,
            ymm: [Ymm::default(); VREGS],
            pos: 0,
            stream: 0,
            helper,
            pairs: 0,
            sums: None,
            summing: 0,
            hoisted: 0,
        }
    }

    /// The whole function: `fn(regs, n, consts, program)` over the block's first `n` vectors. The program is cut
    /// at each instruction without an inline form (see [`is_call`]): each run of inline instructions between two
    /// of those is one loop over the block's vectors, one register width (one or two vectors) at a time,
    /// `streams` widths per iteration (their instructions interleaved), then one at a time for the rest; each
    /// call is one call of the helper for the whole block, so the vector function runs in a loop of its own,
    /// where consecutive vectors' long dependency chains overlap, instead of one vector per call.
    pub(super) fn function(&mut self, streams: u8) {
        let a = &mut self.s.asm;
        // Six callee-saved registers, and rax once more so that calls find the stack 16-byte aligned.
        for r in [RBX, R12, R13, R14, R15, RBP, RAX] {
            a.push(r);
        }
        a.mov(R15, RDI);
        a.mov(RBP, RSI);
        a.mov(R13, RDX);
        a.mov(R14, RCX);
        let instrs = self.program.instrs();
        let summed = self
            .sums
            .and_then(|s| instrs.iter().position(|ins| ins.parts().0 == s.max));
        let mut i = 0;
        while i < instrs.len() {
            if is_call(instrs[i]) {
                self.call(i);
                i += 1;
                continue;
            }
            let end = (i..instrs.len()).find(|&j| is_call(instrs[j])).unwrap_or(instrs.len());
            if summed.is_some_and(|at| (i..end).contains(&at)) {
                self.summing = streams;
            }
            self.segment(i..end, streams);
            self.summing = 0;
            i = end;
        }
        let a = &mut self.s.asm;
        // vzeroupper
        a.bytes(&[0xC5, 0xF8, 0x77]);
        for r in [RAX, RBP, R15, R14, R13, R12, RBX] {
            a.pop(r);
        }
        a.bytes(&[0xC3]);
    }

    /// Instructions `range` (all inline) as one loop over the block's vectors: rbx walks the block from r15,
    /// r12 counts the register widths left.
    fn segment(&mut self, range: Range<usize>, streams: u8) {
        if self.summing > 0 {
            self.start_sums(streams);
        }
        self.hoist(range.clone(), streams);
        let width = self.s.isa.width();
        let a = &mut self.s.asm;
        a.mov(RBX, R15);
        a.mov(R12, RBP);
        if width == 64 {
            // Pairs of vectors: r12 = (n + 1) / 2 (add r12, 1; shr r12, 1).
            a.bytes(&[0x49, 0x83, 0xC4, 0x01, 0x49, 0xD1, 0xEC]);
        }
        // cmp r12, streams; jb tail
        a.bytes(&[0x49, 0x83, 0xFC, streams, 0x0F, 0x82, 0, 0, 0, 0]);
        let jb_tail = a.code.len();
        let top = a.code.len();
        self.body(range.clone(), streams);
        let a = &mut self.s.asm;
        // add rbx, width * streams; sub r12, streams; cmp r12, streams; jae top
        a.bytes(&[0x48, 0x81, 0xC3]);
        a.bytes(&(width * streams as i32).to_le_bytes());
        a.bytes(&[0x49, 0x83, 0xEC, streams, 0x49, 0x83, 0xFC, streams, 0x0F, 0x83]);
        let back = top as i64 - (a.code.len() as i64 + 4);
        a.bytes(&(back as i32).to_le_bytes());
        let tail = a.code.len();
        a.patch(jb_tail, tail);
        // The vectors left over (fewer than `streams`), one at a time: none when there is one stream.
        if streams > 1 {
            // test r12, r12; jz end
            a.bytes(&[0x4D, 0x85, 0xE4, 0x0F, 0x84, 0, 0, 0, 0]);
            let jz_end = a.code.len();
            let tail_top = a.code.len();
            self.body(range, 1);
            let a = &mut self.s.asm;
            // add rbx, width; dec r12; jnz tail_top
            a.bytes(&[0x48, 0x83, 0xC3, width as u8, 0x49, 0xFF, 0xCC, 0x0F, 0x85]);
            let back = tail_top as i64 - (a.code.len() as i64 + 4);
            a.bytes(&(back as i32).to_le_bytes());
            let end = a.code.len();
            a.patch(jz_end, end);
        }
        self.s.asm.hoisted.clear();
        self.hoisted = 0;
        if self.summing > 0 {
            self.store_sums(streams);
        }
    }

    /// Before a loop: the constants its iterations read most (the program's constants and parameters, and the
    /// lowering's own: exp's coefficients, abs's mask) loaded into vector registers once, where the loop would
    /// otherwise read each from the table on every iteration. A cheap function's loop was bound by those loads
    /// (Styblinski-Tang's gd epoch: 10 loads of 64 bytes per vector, 8 of them constants). Only registers the
    /// loop's values would not get: the loop keeps [`BODY_REGISTERS`] (AVX2 code has 16 in all, so only AVX-512
    /// code hoists). The reads are counted by compiling one iteration and throwing its bytes away.
    fn hoist(&mut self, range: Range<usize>, streams: u8) {
        let room = self.usable().saturating_sub(BODY_REGISTERS);
        if room == 0 {
            return;
        }
        let (mark, pairs) = (self.s.asm.code.len(), self.pairs);
        self.s.asm.reads = Some(Vec::new());
        self.body(range, streams);
        let mut reads = self.s.asm.reads.take().unwrap_or_default();
        self.s.asm.code.truncate(mark);
        self.pairs = pairs;
        // Most read first; the table's order among equals.
        reads.sort_by_key(|&(disp, n)| (std::cmp::Reverse(n), disp));
        reads.truncate(room);
        let top = self.usable() - 1;
        for (k, &(disp, _)) in reads.iter().enumerate() {
            let y = (top - k) as u8;
            self.s.load(y, Rm::Mem(R13, disp));
            self.s.asm.hoisted.push((disp, y));
        }
        self.hoisted = reads.len();
    }

    /// The vector registers kept from allocation: the accumulators and the hoisted constants.
    pub(super) fn reserved(&self) -> usize {
        self.accumulators() + self.hoisted
    }

    /// The accumulators' registers: one per stream for the sum, one more for the minimum.
    fn accumulators(&self) -> usize {
        let per_stream = if self.sums.is_some_and(|s| s.min.is_some()) {
            2
        } else {
            1
        };
        per_stream * self.summing as usize
    }

    /// The accumulator of stream `s`'s words' maximum (or with `min` its minimum): the last registers.
    fn accumulator(&self, min: bool, s: u8) -> u8 {
        (self.s.isa.registers() - 1 - s as usize - if min { self.summing as usize } else { 0 }) as u8
    }

    /// Before the segment computing the sums: each stream's maximum 0 and minimum +inf.
    fn start_sums(&mut self, streams: u8) {
        let sums = self.sums.expect("a segment with sums");
        let inf = self.consts.float(f64::INFINITY);
        for s in 0..streams {
            let acc = self.accumulator(false, s);
            self.s.zero(acc);
            if sums.min.is_some() {
                let acc = self.accumulator(true, s);
                self.s.load(acc, inf);
            }
        }
    }

    /// Takes the words' maximum of the value `d` just computed into its stream's accumulator (or its minimum) if
    /// it is one of the sums'. The minimum keeps the accumulator where a lane is NaN (`vminp* acc, d, acc`): a
    /// NaN there comes with a NaN in the check, which the caller's test sees.
    fn accumulate(&mut self, d: u16) {
        let Some(sums) = self.sums else { return };
        for (min, r) in [(false, Some(sums.max)), (true, sums.min)] {
            if r == Some(d) {
                let y = self.find(d).expect("a result is in a register");
                let acc = self.accumulator(min, self.stream);
                self.fold(min, acc, y);
            }
        }
    }

    /// `into` = the words' maximum (or with `min` the minimum) of `into` and `from`; the minimum keeps `into`
    /// where a lane is NaN (`vminp* into, from, into`).
    fn fold(&mut self, min: bool, into: u8, from: u8) {
        if min {
            self.s.arith(MIN, into, from, Rm::Reg(into));
        } else {
            self.s.max_words(into, into, Rm::Reg(from));
        }
    }

    /// After the segment: the streams' words' maximums (and minimums) folded into stream 0's and stored once, at
    /// the start of their registers (the block's first register width).
    fn store_sums(&mut self, streams: u8) {
        let sums = self.sums.expect("a segment with sums");
        for (min, r) in [(false, Some(sums.max)), (true, sums.min)] {
            let Some(r) = r else { continue };
            let first = self.accumulator(min, 0);
            for s in 1..streams {
                let acc = self.accumulator(min, s);
                self.fold(min, first, acc);
            }
            self.s.store(Rm::Mem(R15, r as i32 * REG_BYTES), first);
        }
    }

    /// One evaluation of instructions `range` for `streams` consecutive vectors, each instruction for each
    /// stream in turn; the values read after the range (and the outputs) end at home.
    pub(super) fn body(&mut self, range: Range<usize>, streams: u8) {
        self.instrs(range, streams);
        self.flush();
    }

    fn instrs(&mut self, range: Range<usize>, streams: u8) {
        let instrs = self.program.instrs();
        let mut i = range.start;
        while i < range.end {
            // Two exps in a row, the second not reading the first (nor taking the program register of the
            // first's result): their instructions interleaved.
            if let (1, [Instr::Call(d1, Func::Exp, _), Instr::Call(d2, Func::Exp, a2), ..]) =
                (streams, &instrs[i..range.end])
            {
                if a2 != d1 && d2 != d1 {
                    self.stream = 0;
                    self.exp_pair(i);
                    i += 2;
                    continue;
                }
            }
            if let Instr::SkipIfAll(m, n) = instrs[i] {
                let end = i + 1 + n as usize;
                // Skippable only within this loop (no call cuts it).
                if n > 0 && end <= range.end && !instrs[i + 1..end].iter().any(|&ins| is_call(ins)) {
                    self.pos = i;
                    self.flush();
                    let jump = self.jump_if_all(m, streams);
                    self.instrs(i + 1..end, streams);
                    self.pos = end - 1;
                    self.flush();
                    let here = self.s.asm.code.len();
                    self.s.asm.patch(jump, here);
                    i = end;
                    continue;
                }
                i += 1;
                continue;
            }
            for s in 0..streams {
                self.pos = i;
                self.stream = s;
                self.instr(i);
            }
            i += 1;
        }
    }

    /// Stores every value held in a register that is read later (after instruction `pos`) and empties the
    /// registers: where code joins, each path leaves the values at home.
    fn flush(&mut self) {
        for y in 0..self.usable() {
            if let Some((r, s)) = self.ymm[y].holds {
                if self.ymm[y].dirty && self.live(r, s) {
                    let home = self.home_of(r, s);
                    self.s.store(home, y as u8);
                }
            }
        }
        self.ymm = [Ymm::default(); VREGS];
    }

    /// A jump (its target patched later at the returned offset) taken where the mask `m` is all ones in every
    /// lane of every stream. Registers 0 and 1 (empty after a flush) and rax, rcx, k1 and k2 are scratch.
    fn jump_if_all(&mut self, m: u16, streams: u8) -> usize {
        for s in 0..streams {
            let home = self.home_of(m, s);
            self.s.load(s, home);
            self.s.all_ones(s, s);
        }
        let a = &mut self.s.asm;
        match self.s.isa {
            Isa::Avx2 => {
                if streams == 2 {
                    // and eax, ecx
                    a.bytes(&[0x21, 0xC8]);
                }
                // cmp eax, every lane's bit
                let lanes = if self.s.f64 { 4 } else { 8 };
                a.bytes(&[0x3D]);
                a.bytes(&((1u32 << lanes) - 1).to_le_bytes());
            }
            Isa::Avx512 => {
                if streams == 2 {
                    // korw k1, k1, k2
                    a.bytes(&[0xC5, 0xF4, 0x45, 0xCA]);
                }
                // kortestw k1, k1 (zero: no lane is zero)
                a.bytes(&[0xC5, 0xF8, 0x98, 0xC9]);
            }
        }
        // je rel32
        a.bytes(&[0x0F, 0x84, 0, 0, 0, 0]);
        a.code.len()
    }

    pub(super) fn instr(&mut self, i: usize) {
        // Operands already in registers stay there until the instruction has read them.
        for r in self.program.instrs()[i].parts().1.into_iter().flatten() {
            if let Some(y) = self.find(r) {
                self.ymm[y as usize].locked = true;
            }
        }
        match self.program.instrs()[i] {
            Instr::Add(d, a, b) => self.commutative(ADD, d, a, b),
            Instr::Mul(d, a, b) => self.commutative(MUL, d, a, b),
            Instr::Sub(d, a, b) => self.binary(SUB, d, a, b),
            Instr::Div(d, a, b) => self.binary(DIV, d, a, b),
            Instr::Neg(d, a) => {
                // 0 - a, as the interpreter's negation (so -0 stays +0 the same way).
                let ra = self.rm(a);
                let y = self.def(d);
                self.s.zero(y);
                self.s.arith(SUB, y, y, ra);
            }
            Instr::Sqrt(d, a) => {
                let ra = self.rm(a);
                let y = self.def(d);
                self.s.sqrt(y, ra);
            }
            Instr::MulAdd(d, a, b, c) => self.fused(FMADD231, d, a, b, c),
            Instr::MulSub(d, a, b, c) => self.fused(FMSUB231, d, a, b, c),
            Instr::NegMulAdd(d, a, b, c) => self.fused(FNMADD231, d, a, b, c),
            Instr::NegMulSub(d, a, b, c) => self.fused(FNMSUB231, d, a, b, c),
            Instr::Call(d, Func::Exp, a) => {
                let temps = self.exp(d, a);
                self.release(&temps);
            }
            Instr::Call(d, Func::Abs, a) => {
                // The sign bit cleared, as the lanes' abs.
                let ra = self.reg(a);
                let mask = if self.s.f64 {
                    splat((u64::MAX >> 1).to_le_bytes())
                } else {
                    splat((u32::MAX >> 1).to_le_bytes())
                };
                let mask = self.consts.bits(mask);
                let y = self.def(d);
                self.s.and(y, ra, mask);
            }
            Instr::Max(d, a, b) => self.max(d, a, b),
            Instr::MaxWords(d, a, b) => {
                let (a, b) = self.register_first(a, b);
                let ra = self.reg(a);
                let rb = self.rm(b);
                let y = self.def(d);
                self.s.max_words(y, ra, rb);
            }
            Instr::Gt(d, a, b) => self.compare(d, a, b, GT_OQ),
            Instr::Ge(d, a, b) => self.compare(d, a, b, GE_OQ),
            Instr::SkipIfAll(..) => {}
            Instr::Select(d, m, a, b) => {
                let ym = self.reg(m);
                let rb = self.reg(b);
                let ra = self.rm(a);
                if self.s.isa == Isa::Avx2 {
                    let y = self.def(d);
                    self.s.blend_variable(y, rb, ra, ym);
                } else {
                    self.s.test_k1(ym);
                    let y = self.def(d);
                    self.s.blend_k1(y, rb, ra);
                }
            }
            Instr::Pow(..) | Instr::Powf(..) | Instr::Call(..) => unreachable!("calls are cut out by `function`"),
        }
        if self.summing > 0 {
            self.accumulate(self.program.instrs()[i].parts().0);
        }
        self.finish();
    }

    /// A mask: all ones where `a` compares to `b` as `predicate` says, else zero (AVX-512 compares into k1).
    fn compare(&mut self, d: u16, a: u16, b: u16, predicate: u8) {
        let ra = self.reg(a);
        let rb = self.rm(b);
        if self.s.isa == Isa::Avx2 {
            let y = self.def(d);
            self.s.compare(y, ra, rb, predicate);
        } else {
            self.s.compare(K1, ra, rb, predicate);
            let y = self.def(d);
            self.s.ones_k1(y);
        }
    }

    /// `a.max(b)` as the lanes' `Real::max` (IEEE maxNum): `maxp* b, a` (a where either is NaN, so right where
    /// b is), then b where a is NaN. `d` is never `b`: the fused updates write every result to a register of
    /// its own.
    fn max(&mut self, d: u16, a: u16, b: u16) {
        assert_ne!(d, b, "max into its second operand");
        let ra = self.reg(a);
        let rb = self.reg(b);
        if self.s.isa == Isa::Avx2 {
            let nan = self.alloc();
            self.s.compare(nan, ra, Rm::Reg(ra), UNORD_Q);
            let y = self.def(d);
            self.s.arith(MAX, y, rb, Rm::Reg(ra));
            self.s.blend_variable(y, y, Rm::Reg(rb), nan);
            self.release(&[nan]);
        } else {
            self.s.compare(K1, ra, Rm::Reg(ra), UNORD_Q);
            let y = self.def(d);
            self.s.arith(MAX, y, rb, Rm::Reg(ra));
            self.s.blend_k1(y, y, Rm::Reg(rb));
        }
    }

    pub(super) fn commutative(&mut self, op: u8, d: u16, a: u16, b: u16) {
        let (a, b) = self.register_first(a, b);
        self.binary(op, d, a, b);
    }

    /// The operands of a commutative operation with the one already in a register first, so the other can be
    /// read from memory.
    fn register_first(&self, a: u16, b: u16) -> (u16, u16) {
        if self.find(a).is_none() && self.find(b).is_some() {
            (b, a)
        } else {
            (a, b)
        }
    }

    pub(super) fn binary(&mut self, op: u8, d: u16, a: u16, b: u16) {
        let ra = self.reg(a);
        let rb = self.rm(b);
        let y = self.def(d);
        self.s.arith(op, y, ra, rb);
    }

    /// `d = a * b (+|-) c` in the 231 form into `c`'s register, or the 213 form into `a`'s or `b`'s when
    /// those are not read again; else `c` is copied first.
    pub(super) fn fused(&mut self, op: u8, d: u16, a: u16, b: u16, c: u16) {
        // (Operands in registers were locked when the instruction began, so taking one over first leaves the
        // others where they are.)
        if c != a && c != b {
            if let Some(y) = self.reuse(c, d) {
                let ra = self.reg(a);
                let rb = self.rm(b);
                self.s.fma(op, false, y, ra, rb);
                return;
            }
        }
        for (m, other) in [(a, b), (b, a)] {
            if m != other && m != c {
                if let Some(y) = self.reuse(m, d) {
                    let ro = self.reg(other);
                    let rc = self.rm(c);
                    self.s.fma(op, true, y, ro, rc);
                    return;
                }
            }
        }
        let ra = self.reg(a);
        let rb = self.rm(b);
        let rc = self.rm(c);
        let y = self.def(d);
        self.s.load(y, rc);
        self.s.fma(op, false, y, ra, rb);
    }

    /// Instructions `i` and `i + 1`, two exps, the second not reading the first, with their instructions
    /// interleaved one for one: each exp is a chain of about 25 dependent instructions, and side by side the
    /// core starts both chains at once instead of finding the second through the first (peaks' compiled f64
    /// gradient: 53.2 -> 51.0 cycles per vector in `bench/kernel`, f32 32.1 -> 31.7). Each exp gets its own
    /// registers (the first one's stay locked while the second's are chosen), and neither contains a jump or a
    /// position-dependent address, so their bytes can be shuffled by instruction.
    pub(super) fn exp_pair(&mut self, i: usize) {
        let instrs = self.program.instrs();
        let (Instr::Call(d1, _, a1), Instr::Call(d2, _, a2)) = (instrs[i], instrs[i + 1]) else {
            unreachable!("exp_pair is given two exps")
        };
        for r in [a1, a2] {
            if let Some(y) = self.find(r) {
                self.ymm[y as usize].locked = true;
            }
        }
        let start = self.s.asm.code.len();
        self.s.asm.starts = Some(Vec::new());
        self.pos = i;
        let first = self.exp(d1, a1);
        let middle = self.s.asm.code.len();
        let first_starts = self.s.asm.starts.replace(Vec::new()).expect("recording");
        // The second result may take the program register of the first operand, read for the last time by the
        // first exp: that operand's ymm register stays locked, holding nothing, so the second exp's code
        // cannot write it while the first's still reads it.
        if d2 == a1 {
            if let Some(y) = self.find(a1) {
                self.ymm[y as usize].holds = None;
            }
        }
        self.pos = i + 1;
        let second = self.exp(d2, a2);
        let second_starts = self.s.asm.starts.take().expect("recording");
        let code = &mut self.s.asm.code;
        let chunks = |starts: &[usize], end: usize| -> Vec<std::ops::Range<usize>> {
            (0..starts.len())
                .map(|k| starts[k]..starts.get(k + 1).copied().unwrap_or(end))
                .collect()
        };
        let (a, b) = (chunks(&first_starts, middle), chunks(&second_starts, code.len()));
        assert!(
            a.first().is_none_or(|c| c.start == start) && b.first().is_none_or(|c| c.start == middle),
            "only VEX instructions in an exp"
        );
        let mut mixed = Vec::with_capacity(code.len() - start);
        for k in 0..a.len().max(b.len()) {
            for c in [a.get(k), b.get(k)].into_iter().flatten() {
                mixed.extend_from_slice(&code[c.clone()]);
            }
        }
        code.truncate(start);
        code.extend_from_slice(&mixed);
        self.release(&first);
        self.release(&second);
        self.finish();
        self.pairs += 1;
    }

    /// e^a inline: the same steps as `exp_f64x4` / `exp_f32x8` (f64 in AVX-512: [`Gen::exp_table`]). Returns
    /// its scratch registers, still locked.
    pub(super) fn exp(&mut self, d: u16, a: u16) -> Vec<u8> {
        if self.s.f64 && self.s.isa == Isa::Avx512 {
            return self.exp_table(d, a);
        }
        let f64 = self.s.f64;
        let (x, t) = self.exp_operand(a);
        let (t1, t2) = (self.alloc(), self.alloc());
        // A fourth for f64's two polynomial chains; f32's one chain does without.
        let t3 = f64.then(|| self.alloc());
        let y = self.def(d);
        // An f32 constant widened to f64 rounds back to itself in `float`.
        let k = |g: &mut Gen, v64: f64, v32: f32| g.consts.float(if f64 { v64 } else { v32 as f64 });
        let (e, e32) = (&EXP_F64, &EXP_F32);
        let lo = k(self, e.clamp.0, e32.clamp.0);
        let hi = k(self, e.clamp.1, e32.clamp.1);
        let magic = k(self, e.magic, e32.magic);
        let log2e = k(self, e.log2e, e32.log2e);
        let ln2hi = k(self, e.ln2.0, e32.ln2.0);
        let ln2lo = if f64 {
            Some(self.consts.float(e.ln2.1))
        } else {
            (e32.ln2.1 != 0.0).then(|| self.consts.float(e32.ln2.1 as f64))
        };
        let poly: Vec<Rm> = if f64 {
            e.poly.iter().map(|&c| self.consts.float(c)).collect()
        } else {
            e32.poly.iter().map(|&c| self.consts.float(c as f64)).collect()
        };
        let shift = if f64 { e.shift } else { e32.shift - e32.table_bits };
        // What builds the power of two: f64's bias, or f32's table (see ExpConsts::table).
        let scale = if f64 {
            self.consts.bits(splat(e.bias.to_le_bytes()))
        } else {
            let bytes: Vec<u8> = e32.table.iter().flat_map(|v| v.to_le_bytes()).collect();
            let table: [u8; 32] = bytes.try_into().expect("a table of 8 lanes of 32 bits");
            self.consts.bits(splat(table))
        };
        self.exp_round([x, t, t1, t2], [lo, hi, magic, log2e]); // t1 = xc log2e + magic, t2 = n
        let s = &mut self.s;
        s.fma(FNMADD231, false, t, t2, ln2hi); // r = xc - n * ln2hi
        if let Some(lo) = ln2lo {
            s.fma(FNMADD231, false, t, t2, lo);
        }
        if let Some(t3) = t3 {
            // As exp_f64x4: split_horner, E(r²) in y and O(r²) in t3, then p = O r + E.
            s.arith(MUL, t2, t, Rm::Reg(t));
            let degree = poly.len() - 1;
            for (acc, parity) in [(y, 0), (t3, 1)] {
                let mut coefs = poly
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (degree - i) % 2 == parity)
                    .map(|(_, &c)| c);
                s.load(acc, coefs.next().expect("degree 1 or more"));
                for c in coefs {
                    s.fma(FMADD231, true, acc, t2, c); // acc = r² acc + c
                }
            }
            s.fma(FMADD231, false, y, t3, Rm::Reg(t));
            // (bits + bias) << 52: 2^n, as exp_f64x4 builds it.
            s.int_add(t1, t1, scale);
            s.shift_left(t1, t1, shift as u8);
        } else {
            // As exp_f32x8: p = (r + 1) + r² (c2 + c3 r); n's low 3 bits are the table index.
            s.arith(MUL, t2, t, Rm::Reg(t));
            s.load(y, poly[0]);
            s.fma(FMADD231, true, y, t, poly[1]); // y = r c3 + c2
            s.arith(ADD, t, t, poly[3]); // r + 1
            s.fma(FMADD231, true, y, t2, Rm::Reg(t)); // y = r² y + (r + 1)

            // The table entry plus n << 20: 2^(n/8).
            s.permute(t2, t1, scale);
            s.shift_left(t1, t1, shift as u8);
            s.int_add(t1, t1, Rm::Reg(t2));
        }
        s.arith(MUL, y, y, Rm::Reg(t1));
        [t, t1, t2].into_iter().chain(t3).collect()
    }

    /// An exp's argument `a` in a register `x`, and the register `t` for the clamped argument: `x` itself when
    /// `a` is not read again (one register fewer), which then holds nothing.
    pub(super) fn exp_operand(&mut self, a: u16) -> (u8, u8) {
        let x = self.reg(a);
        if !self.live_after(a) && !self.is_const(a) {
            self.ymm[x as usize].holds = None;
            (x, x)
        } else {
            (x, self.alloc())
        }
    }

    /// The start every exp shares (`reduce!` in `lanes.rs`): `t` = the argument `x` clamped to [lo, hi], `t1` =
    /// t log2e + magic (its low bits the rounded integer), `t2` = t1 - magic. The constants come first, so a NaN
    /// comes through; an argument never above 0 skips the upper clamp (min(hi, a) is a).
    pub(super) fn exp_round(&mut self, [x, t, t1, t2]: [u8; 4], [lo, hi, magic, log2e]: [Rm; 4]) {
        let nonpositive = self.program.first_operand_nonpositive(self.pos);
        let s = &mut self.s;
        let lo_reg = if t == x { t1 } else { t };
        s.load(lo_reg, lo);
        s.arith(MAX, t, lo_reg, Rm::Reg(x));
        if !nonpositive {
            s.load(t1, hi);
            s.arith(MIN, t, t1, Rm::Reg(t));
        }
        s.load(t1, magic);
        s.fma(FMADD231, false, t1, t, log2e);
        s.arith(SUB, t2, t1, magic);
    }

    /// e^a as `exp_f64x4_table` ([`ExpForm::Table`], f64 in AVX-512): the clamp and reduction as the other
    /// form's, the table entry by `vpermi2pd` as soon as the reduction's integer is known (off the polynomial's
    /// chain), e^r - 1 as even and odd parts in r², T + T (e^r - 1) in one multiply-add, and `vscalefpd`.
    pub(super) fn exp_table(&mut self, d: u16, a: u16) -> Vec<u8> {
        let (x, t) = self.exp_operand(a);
        let (t1, t2, t3, t4) = (self.alloc(), self.alloc(), self.alloc(), self.alloc());
        let y = self.def(d);
        let c = &EXP_F64_TABLE;
        let f = |g: &mut Gen, v: f64| g.consts.float(v);
        let (lo, hi, magic, log2e) = (
            f(self, c.clamp.0),
            f(self, c.clamp.1),
            f(self, c.magic),
            f(self, c.log2e),
        );
        let (ln2hi, ln2lo) = (f(self, c.ln2.0), f(self, c.ln2.1));
        let [c6, c5, c4, c3, c2, c1] = c.poly.map(|v| f(self, v));
        let entries: Vec<u8> = c.table.iter().flat_map(|v| v.to_le_bytes()).collect();
        let first = self.consts.bits(entries[..64].try_into().expect("8 entries"));
        let second = self.consts.bits(entries[64..].try_into().expect("8 entries"));
        // t1 = xc log2e + magic: its low 4 bits are 16 q mod 16; t2 = q.
        self.exp_round([x, t, t1, t2], [lo, hi, magic, log2e]);
        let s = &mut self.s;
        s.load(t3, first);
        s.permute_two(t1, t3, second); // t1 = T, the table entry
        s.fma(FNMADD231, false, t, t2, ln2hi); // r = xc - q ln2hi
        s.fma(FNMADD231, false, t, t2, ln2lo); // r -= q ln2lo
        s.arith(MUL, t3, t, Rm::Reg(t)); // r²
        s.load(t4, c5);
        s.fma(FMADD231, true, t4, t3, c3); // odd = r² c5 + c3
        s.load(y, c6);
        s.fma(FMADD231, true, y, t3, c4); // even = r² c6 + c4
        s.fma(FMADD231, true, t4, t3, c1); // odd = r² odd + c1
        s.fma(FMADD231, true, y, t3, c2); // even = r² even + c2
        s.arith(MUL, t4, t4, Rm::Reg(t)); // odd r
        s.fma(FMADD231, true, y, t3, Rm::Reg(t4)); // e^r - 1 = r² even + odd r
        s.fma(FMADD231, true, y, t1, Rm::Reg(t1)); // T (e^r - 1) + T
        s.scale(y, y, Rm::Reg(t2)); // 2^floor(q) T e^r
        vec![t, t1, t2, t3, t4]
    }

    /// Instruction `i` through [`helper`], once for the whole block: its operands and its result at home (no
    /// value is in a vector register between two segments), and the flags of [`helper`]'s `index` saying which
    /// operands are constants (one vector from the table, read for every vector of the block).
    pub(super) fn call(&mut self, i: usize) {
        let (d, a, b) = match self.program.instrs()[i] {
            Instr::Pow(d, a, b) => (d, a, b),
            Instr::Powf(d, a, _) | Instr::Call(d, _, a) => (d, a, a),
            _ => unreachable!("only calls come here"),
        };
        self.stream = 0;
        let addr = |g: &Gen, r: u16| match g.home(r) {
            Rm::Mem(base, disp) => (base, disp),
            Rm::Reg(_) => unreachable!("homes are in memory"),
        };
        let (dst, src, src2) = (addr(self, d), addr(self, a), addr(self, b));
        let index = i as u64 | (self.is_const(a) as u64) << 32 | (self.is_const(b) as u64) << 33;
        let helper = self.helper as u64;
        let wide = self.s.isa.width() == 64;
        let asm = &mut self.s.asm;
        asm.mov(RBX, R15);
        asm.mov(RDI, R14);
        asm.lea(RSI, dst.0, dst.1);
        asm.lea(RDX, src.0, src.1);
        asm.lea(RCX, src2.0, src2.1);
        // mov r8, index
        asm.bytes(&[0x49, 0xB8 | (R8 & 7)]);
        asm.bytes(&index.to_le_bytes());
        // r9 = the block's vectors (in AVX-512 code rounded up to whole registers: add r9, 1; and r9, -2)
        asm.mov(R9, RBP);
        if wide {
            asm.bytes(&[0x49, 0x83, 0xC1, 0x01, 0x49, 0x83, 0xE1, 0xFE]);
        }
        // mov rax, helper; call rax
        asm.bytes(&[0x48, 0xB8 | RAX]);
        asm.bytes(&helper.to_le_bytes());
        asm.bytes(&[0xFF, 0xD0]);
    }
}

/// Whether the machine code can keep `sums` in registers: each register written by one instruction, inline and
/// not exp (which [`Gen::exp_pair`] may take), with no call after it (so in the last segment, whose loop then
/// holds the accumulators) and not inside a [`Instr::SkipIfAll`]'s instructions; the sum's register read by no
/// instruction (only its sum is kept).
pub(super) fn summable(program: &Program, sums: Sums) -> bool {
    let instrs = program.instrs();
    let defs = |r: u16| -> Vec<usize> { (0..instrs.len()).filter(|&i| instrs[i].parts().0 == r).collect() };
    let skipped = |at: usize| {
        instrs.iter().enumerate().any(|(i, ins)| match *ins {
            Instr::SkipIfAll(_, n) => (i + 1..=i + n as usize).contains(&at),
            _ => false,
        })
    };
    let ok = |r: u16| match defs(r)[..] {
        [at] => {
            !matches!(
                instrs[at],
                Instr::Call(..) | Instr::Pow(..) | Instr::Powf(..) | Instr::SkipIfAll(..)
            ) && !instrs[at..].iter().any(|&ins| is_call(ins))
                && !skipped(at)
        }
        _ => false,
    };
    let read = instrs.iter().any(|ins| ins.parts().1.contains(&Some(sums.max)));
    ok(sums.max) && sums.min.is_none_or(ok) && !read && sums.min != Some(sums.max)
}

/// Whether instruction `ins` has no inline form: computed by [`helper`] instead.
fn is_call(ins: Instr) -> bool {
    matches!(ins, Instr::Pow(..) | Instr::Powf(..))
        || matches!(ins, Instr::Call(_, f, _) if f != Func::Exp && f != Func::Abs)
}
