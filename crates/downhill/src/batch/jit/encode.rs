//! The x86-64 encoder: only the instructions the code generator needs, three-operand VEX (AVX2 and FMA, `ymm`)
//! and EVEX (AVX-512 F, `zmm`, with opmask k1 for compares and blends, no broadcasts) forms with a register or a `[base + disp32]` memory
//! operand, and the few general-purpose instructions of the loop. The tests decode every form with `iced-x86`.

use super::Isa;

/// A register or memory operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Rm {
    Reg(u8),
    Mem(u8, i32),
}

/// The encoder.
#[derive(Default)]
pub(super) struct Asm {
    pub(super) code: Vec<u8>,
    /// While set, where each VEX instruction starts (see [`Gen::exp_pair`]).
    pub(super) starts: Option<Vec<usize>>,
    /// While set, how often each constant (its displacement from r13) is read (see [`Gen::hoist`]).
    pub(super) reads: Option<Vec<(i32, u32)>>,
    /// Constants (their displacement from r13) kept in a vector register: read from there instead.
    pub(super) hoisted: Vec<(i32, u8)>,
}

impl Asm {
    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.code.extend_from_slice(b);
    }

    /// A vector instruction's operand: a hoisted constant's register in place of its table entry, and with
    /// `reads` set each constant read counted.
    fn operand(&mut self, rm: Rm) -> Rm {
        let Rm::Mem(super::R13, disp) = rm else { return rm };
        if let Some(reads) = &mut self.reads {
            match reads.iter_mut().find(|(d, _)| *d == disp) {
                Some((_, n)) => *n += 1,
                None => reads.push((disp, 1)),
            }
        }
        match self.hoisted.iter().find(|(d, _)| *d == disp) {
            Some(&(_, y)) => Rm::Reg(y),
            None => rm,
        }
    }

    pub(super) fn modrm(&mut self, reg: u8, rm: Rm) {
        match rm {
            Rm::Reg(r) => self.code.push(0xC0 | (reg & 7) << 3 | (r & 7)),
            Rm::Mem(base, disp) => {
                self.code.push(0x80 | (reg & 7) << 3 | (base & 7));
                if base & 7 == 4 {
                    self.code.push(0x24);
                }
                self.bytes(&disp.to_le_bytes());
            }
        }
    }

    /// A 256-bit VEX instruction: `map` 1 = 0F, 2 = 0F38, 3 = 0F3A; `pp` 0 = none, 1 = 66.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn vex(&mut self, map: u8, pp: u8, w: bool, op: u8, reg: u8, vvvv: u8, rm: Rm) {
        let rm = self.operand(rm);
        let b = match rm {
            Rm::Reg(r) | Rm::Mem(r, _) => r >> 3 & 1,
        };
        let r = reg >> 3 & 1;
        if let Some(starts) = &mut self.starts {
            starts.push(self.code.len());
        }
        self.code.push(0xC4);
        self.code.push((r ^ 1) << 7 | 1 << 6 | (b ^ 1) << 5 | map);
        self.code.push((w as u8) << 7 | (!vvvv & 0xF) << 3 | 1 << 2 | pp);
        self.code.push(op);
        self.modrm(reg, rm);
    }

    /// A 512-bit EVEX instruction, no mask, no broadcast: the fields as [`Asm::vex`]'s, with registers up to
    /// 31 (ModRM.reg's fifth bit in R', vvvv's in V', a register operand's in X).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn evex(&mut self, map: u8, pp: u8, w: bool, op: u8, reg: u8, vvvv: u8, rm: Rm) {
        self.evex_masked(map, pp, w, op, reg, vvvv, rm, 0, false);
    }

    /// [`Asm::evex`] under the opmask register `k` (1-7; 0 for none), zeroing the lanes it leaves out with
    /// `zeroing`, else keeping the destination's.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn evex_masked(
        &mut self,
        map: u8,
        pp: u8,
        w: bool,
        op: u8,
        reg: u8,
        vvvv: u8,
        rm: Rm,
        k: u8,
        zeroing: bool,
    ) {
        let rm = self.operand(rm);
        let (b, x) = match rm {
            Rm::Reg(r) => (r >> 3 & 1, r >> 4 & 1),
            Rm::Mem(base, _) => (base >> 3 & 1, 0),
        };
        let (r, r2, v2) = (reg >> 3 & 1, reg >> 4 & 1, vvvv >> 4 & 1);
        if let Some(starts) = &mut self.starts {
            starts.push(self.code.len());
        }
        self.code.push(0x62);
        self.code
            .push((r ^ 1) << 7 | (x ^ 1) << 6 | (b ^ 1) << 5 | (r2 ^ 1) << 4 | map);
        self.code.push((w as u8) << 7 | (!vvvv & 0xF) << 3 | 1 << 2 | pp);
        // z, L'L = 10 (512 bits), b = 0 (no broadcast), V', aaa (the mask).
        self.code
            .push((zeroing as u8) << 7 | 0b10 << 5 | (v2 ^ 1) << 3 | (k & 7));
        self.code.push(op);
        self.modrm(reg, rm);
    }

    /// `lea dst, [base + disp]`.
    pub(super) fn lea(&mut self, dst: u8, base: u8, disp: i32) {
        self.code.push(0x48 | (dst >> 3) << 2 | base >> 3);
        self.code.push(0x8D);
        self.modrm(dst, Rm::Mem(base, disp));
    }

    /// `mov dst, src` (64-bit registers).
    pub(super) fn mov(&mut self, dst: u8, src: u8) {
        self.code.push(0x48 | (src >> 3) << 2 | dst >> 3);
        self.code.push(0x89);
        self.modrm(src, Rm::Reg(dst));
    }

    /// Points the rel32 of a jump that ends at `after` to `target`.
    pub(super) fn patch(&mut self, after: usize, target: usize) {
        let rel = (target as i64 - after as i64) as i32;
        self.code[after - 4..after].copy_from_slice(&rel.to_le_bytes());
    }

    pub(super) fn push(&mut self, r: u8) {
        if r >= 8 {
            self.code.push(0x41);
        }
        self.code.push(0x50 | (r & 7));
    }

    pub(super) fn pop(&mut self, r: u8) {
        if r >= 8 {
            self.code.push(0x41);
        }
        self.code.push(0x58 | (r & 7));
    }
}

/// Instructions that depend on the precision (the packed-double or packed-single form) and the instruction set
/// (VEX on `ymm`, or EVEX on `zmm`).
pub(super) struct Simd {
    pub(super) asm: Asm,
    pub(super) f64: bool,
    pub(super) isa: Isa,
}

/// Opcodes (map 0F) of the arithmetic forms.
pub(super) const ADD: u8 = 0x58;
pub(super) const MUL: u8 = 0x59;
pub(super) const SUB: u8 = 0x5C;
pub(super) const MIN: u8 = 0x5D;
pub(super) const DIV: u8 = 0x5E;
pub(super) const MAX: u8 = 0x5F;
pub(super) const XOR: u8 = 0x57;
pub(super) const SQRT: u8 = 0x51;
pub(super) const AND: u8 = 0x54;
/// Predicates of `vcmpp*` (ordered and quiet: false where either is NaN; unordered: true where either is).
pub(super) const GT_OQ: u8 = 0x1E;
pub(super) const GE_OQ: u8 = 0x1D;
pub(super) const UNORD_Q: u8 = 0x03;
/// The opmask register AVX-512 code compares into.
pub(super) const K1: u8 = 1;
/// FMA opcodes (map 0F38) of the 231 form (`d = a * b + d`); the 213 form (`d = a * d + b`) is 0x10 less.
pub(super) const FMADD231: u8 = 0xB8;
pub(super) const FMSUB231: u8 = 0xBA;
pub(super) const FNMADD231: u8 = 0xBC;
pub(super) const FNMSUB231: u8 = 0xBE;

impl Simd {
    pub(super) fn pp(&self) -> u8 {
        self.f64 as u8
    }

    /// One instruction: VEX with W as `vex_w` (most of ours ignore it; FMA's selects the precision), or EVEX,
    /// where W always selects the element width (pd/ps, q/d), which is the precision's.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn op(&mut self, map: u8, pp: u8, vex_w: bool, op: u8, reg: u8, vvvv: u8, rm: Rm) {
        match self.isa {
            Isa::Avx2 => self.asm.vex(map, pp, vex_w, op, reg, vvvv, rm),
            Isa::Avx512 => self.asm.evex(map, pp, self.f64, op, reg, vvvv, rm),
        }
    }

    pub(super) fn arith(&mut self, op: u8, d: u8, a: u8, b: Rm) {
        let pp = self.pp();
        self.op(1, pp, false, op, d, a, b);
    }

    /// d = +0 in every lane (`vxorp*`, or `vpxor*` where EVEX's `vxorp*` would need AVX-512 DQ).
    pub(super) fn zero(&mut self, d: u8) {
        match self.isa {
            Isa::Avx2 => self.arith(XOR, d, d, Rm::Reg(d)),
            Isa::Avx512 => self.op(1, 1, false, 0xEF, d, d, Rm::Reg(d)),
        }
    }

    pub(super) fn sqrt(&mut self, d: u8, a: Rm) {
        let pp = self.pp();
        self.op(1, pp, false, SQRT, d, 0, a);
    }

    pub(super) fn load(&mut self, d: u8, m: Rm) {
        let pp = self.pp();
        // movupd/movups (0x10); from a register, movapd/movaps (0x28).
        let op = if matches!(m, Rm::Reg(_)) { 0x28 } else { 0x10 };
        self.op(1, pp, false, op, d, 0, m);
    }

    pub(super) fn store(&mut self, m: Rm, s: u8) {
        let pp = self.pp();
        self.op(1, pp, false, 0x11, s, 0, m);
    }

    /// `d = a * b + d` (op = a 231 opcode) or, with `form213`, `d = a * d + b`.
    pub(super) fn fma(&mut self, op: u8, form213: bool, d: u8, a: u8, b: Rm) {
        let w = self.f64;
        self.op(2, 1, w, if form213 { op - 0x10 } else { op }, d, a, b);
    }

    /// Integer addition over lanes of the precision's width (quadwords or doublewords).
    pub(super) fn int_add(&mut self, d: u8, a: u8, b: Rm) {
        let code = if self.f64 { 0xD4 } else { 0xFE };
        self.op(1, 1, false, code, d, a, b);
    }

    /// `vpsllq`/`vpslld`: left shift of integer lanes of the precision's width by an immediate (the shift is
    /// ModRM's reg field, 6; `d` goes in vvvv).
    pub(super) fn shift_left(&mut self, d: u8, s: u8, by: u8) {
        let op = if self.f64 { 0x73 } else { 0x72 };
        self.op(1, 1, false, op, 6, d, Rm::Reg(s));
        self.asm.code.push(by);
    }

    /// `vcmpp* d, a, b, predicate`: in AVX2, d is all ones where it holds and zero elsewhere; in AVX-512, d is an
    /// opmask register ([`K1`]) with a bit per lane.
    pub(super) fn compare(&mut self, d: u8, a: u8, b: Rm, predicate: u8) {
        let pp = self.pp();
        self.op(1, pp, false, 0xC2, d, a, b);
        self.asm.code.push(predicate);
    }

    /// `vblendvp* d, b, a, m` (AVX2): a where m's sign bit is set, else b.
    pub(super) fn blend_variable(&mut self, d: u8, b: u8, a: Rm, m: u8) {
        debug_assert!(self.isa == Isa::Avx2);
        self.asm.vex(3, 1, false, if self.f64 { 0x4B } else { 0x4A }, d, b, a);
        self.asm.code.push(m << 4);
    }

    /// `vblendmp* d{k1}, b, a` (AVX-512): a where k1 is set, else b.
    pub(super) fn blend_k1(&mut self, d: u8, b: u8, a: Rm) {
        debug_assert!(self.isa == Isa::Avx512);
        self.asm.evex_masked(2, 1, self.f64, 0x65, d, b, a, K1, false);
    }

    /// `vpternlog{q,d} d{k1}{z}, d, d, 0xFF` (AVX-512): all ones where k1 is set, zero elsewhere.
    pub(super) fn ones_k1(&mut self, d: u8) {
        debug_assert!(self.isa == Isa::Avx512);
        self.asm.evex_masked(3, 1, self.f64, 0x25, d, d, Rm::Reg(d), K1, true);
        self.asm.code.push(0xFF);
    }

    /// `vptestm{q,d} k1, m, m` (AVX-512): k1 set where m is not zero.
    pub(super) fn test_k1(&mut self, m: u8) {
        debug_assert!(self.isa == Isa::Avx512);
        self.asm.evex(2, 1, self.f64, 0x27, K1, m, Rm::Reg(m));
    }

    /// For a jump where a mask is all ones (stream `s` of one or two): AVX2 `vmovmskp*` of register `m` into eax
    /// (`s` 0) or ecx (1); AVX-512 `vptestnm{q,d}` into k1 or k2 (set where a lane is zero).
    pub(super) fn all_ones(&mut self, s: u8, m: u8) {
        match self.isa {
            Isa::Avx2 => {
                let pp = self.pp();
                self.op(1, pp, false, 0x50, s, 0, Rm::Reg(m));
            }
            Isa::Avx512 => self.asm.evex(2, 2, self.f64, 0x27, K1 + s, m, Rm::Reg(m)),
        }
    }

    /// d = a AND b (`vandp*`; in AVX-512 `vpand{q,d}`, where `vandp*` would need AVX-512 DQ).
    pub(super) fn and(&mut self, d: u8, a: u8, b: Rm) {
        match self.isa {
            Isa::Avx2 => self.arith(AND, d, a, b),
            Isa::Avx512 => self.op(1, 1, false, 0xDB, d, a, b),
        }
    }

    /// `vpmaxud d, a, b`: each doubleword the larger as an unsigned integer, in both precisions.
    pub(super) fn max_words(&mut self, d: u8, a: u8, b: Rm) {
        match self.isa {
            Isa::Avx2 => self.asm.vex(2, 1, false, 0x3F, d, a, b),
            Isa::Avx512 => self.asm.evex(2, 1, false, 0x3F, d, a, b),
        }
    }

    /// `vpermps d, index, table` (f32): each lane of d is the lane of `table` that `index`'s low 3 bits (`ymm`)
    /// or 4 bits (`zmm`) name.
    pub(super) fn permute(&mut self, d: u8, index: u8, table: Rm) {
        self.op(2, 1, false, 0x16, d, index, table);
    }

    /// `vpermi2pd index, first, second` (AVX-512, f64): each lane of `index` becomes the entry its low 4 bits
    /// name in the 16 of `first` (0-7) and `second` (8-15).
    pub(super) fn permute_two(&mut self, index: u8, first: u8, second: Rm) {
        debug_assert!(self.isa == Isa::Avx512 && self.f64);
        self.asm.evex(2, 1, true, 0x77, index, first, second);
    }

    /// `vscalefpd d, a, b` (AVX-512, f64): d = a 2^floor(b), rounded once.
    pub(super) fn scale(&mut self, d: u8, a: u8, b: Rm) {
        debug_assert!(self.isa == Isa::Avx512 && self.f64);
        self.asm.evex(2, 1, true, 0x2C, d, a, b);
    }
}

/// Every instruction form the encoder writes, in both instruction sets and both precisions, decoded by an
/// independent decoder (`iced-x86`) and compared with what it must be: so the AVX-512 encoder is checked on a
/// CPU without AVX-512, and a wrong bit in a prefix cannot hide behind a test that only runs the code.
#[cfg(test)]
mod tests {
    use super::super::{Isa, R12, R13, RAX, RBP, RBX, RDI, RSI};
    use super::*;
    use iced_x86::{Decoder, DecoderOptions, Instruction, OpKind};

    /// An instruction as "mnemonic op, op, ...": registers by name, memory as `[base+disp]`, immediates in
    /// decimal.
    fn describe(i: &Instruction) -> String {
        let ops: Vec<String> = (0..i.op_count())
            .map(|k| match i.op_kind(k) {
                OpKind::Register => format!("{:?}", i.op_register(k)).to_lowercase(),
                OpKind::Memory => {
                    assert_eq!(i.memory_index(), iced_x86::Register::None, "no index register");
                    let base = format!("{:?}", i.memory_base()).to_lowercase();
                    format!("[{base}{:+}]", i.memory_displacement64() as i64)
                }
                OpKind::Immediate8 => format!("{}", i.immediate8()),
                OpKind::Immediate32 => format!("{}", i.immediate32()),
                other => format!("{other:?}"),
            })
            .collect();
        let mut ops = ops;
        if i.op_mask() != iced_x86::Register::None {
            let z = if i.zeroing_masking() { "{z}" } else { "" };
            ops[0] = format!("{}{{{:?}}}{z}", ops[0], i.op_mask());
        }
        format!("{:?} {}", i.mnemonic(), ops.join(", ")).to_lowercase()
    }

    /// Decodes `code`, which must be exactly one instruction.
    fn decode(code: &[u8]) -> String {
        let mut d = Decoder::new(64, code, DecoderOptions::NONE);
        let i = d.decode();
        assert!(!i.is_invalid(), "{code:02x?} does not decode");
        assert_eq!(
            i.len(),
            code.len(),
            "{code:02x?} is not one instruction: {}",
            describe(&i)
        );
        describe(&i)
    }

    fn simd(isa: Isa, f64: bool) -> Simd {
        Simd {
            asm: Asm::default(),
            f64,
            isa,
        }
    }

    /// Writes one instruction with `emit` and checks that it decodes as `want`.
    fn check(isa: Isa, f64: bool, want: &str, emit: impl FnOnce(&mut Simd)) {
        let mut s = simd(isa, f64);
        emit(&mut s);
        assert_eq!(decode(&s.asm.code), want, "{isa:?}, f64 {f64}");
    }

    #[test]
    fn vector_instructions_decode_as_written_in_both_instruction_sets() {
        // Registers that need each extension bit: low, 8-15 (VEX.R/B, vvvv's high bit), 16-31 (EVEX R', V', X).
        let regs: [(Isa, [u8; 3]); 2] = [(Isa::Avx2, [1, 9, 14]), (Isa::Avx512, [3, 17, 30])];
        // Memory operands: the constant table (r13), the block (rbx), and r12, whose base needs a SIB byte.
        let mems = [(R13, 64), (RBX, -32), (R12, 4096)];
        for (isa, [d, a, b]) in regs {
            let v = if isa == Isa::Avx2 { "ymm" } else { "zmm" };
            let r = |n: u8| format!("{v}{n}");
            for f64 in [true, false] {
                let (pd, q) = if f64 { ("pd", "q") } else { ("ps", "d") };
                for (name, op) in [
                    ("add", ADD),
                    ("mul", MUL),
                    ("sub", SUB),
                    ("min", MIN),
                    ("div", DIV),
                    ("max", MAX),
                ] {
                    let want = format!("v{name}{pd} {}, {}, {}", r(d), r(a), r(b));
                    check(isa, f64, &want, |s| s.arith(op, d, a, Rm::Reg(b)));
                    for (base, disp) in mems {
                        let base_name = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"]
                            .get(base as usize)
                            .map_or(format!("r{base}"), |n| n.to_string());
                        let want = format!("v{name}{pd} {}, {}, [{base_name}{disp:+}]", r(d), r(a));
                        check(isa, f64, &want, |s| s.arith(op, d, a, Rm::Mem(base, disp)));
                    }
                }
                let zero = if isa == Isa::Avx2 {
                    format!("vxor{pd} {}, {}, {}", r(d), r(d), r(d))
                } else {
                    format!("vpxor{q} {}, {}, {}", r(d), r(d), r(d))
                };
                check(isa, f64, &zero, |s| s.zero(d));
                check(isa, f64, &format!("vsqrt{pd} {}, {}", r(d), r(b)), |s| {
                    s.sqrt(d, Rm::Reg(b))
                });
                check(isa, f64, &format!("vsqrt{pd} {}, [r13+128]", r(d)), |s| {
                    s.sqrt(d, Rm::Mem(R13, 128))
                });
                check(isa, f64, &format!("vmovu{pd} {}, [rbx+96]", r(d)), |s| {
                    s.load(d, Rm::Mem(RBX, 96))
                });
                check(isa, f64, &format!("vmova{pd} {}, {}", r(d), r(a)), |s| {
                    s.load(d, Rm::Reg(a))
                });
                check(isa, f64, &format!("vmovu{pd} [rbx-64], {}", r(a)), |s| {
                    s.store(Rm::Mem(RBX, -64), a)
                });
                for (name, op) in [
                    ("vfmadd", FMADD231),
                    ("vfmsub", FMSUB231),
                    ("vfnmadd", FNMADD231),
                    ("vfnmsub", FNMSUB231),
                ] {
                    let want = format!("{name}231{pd} {}, {}, {}", r(d), r(a), r(b));
                    check(isa, f64, &want, |s| s.fma(op, false, d, a, Rm::Reg(b)));
                    let want = format!("{name}213{pd} {}, {}, [r13+192]", r(d), r(a));
                    check(isa, f64, &want, |s| s.fma(op, true, d, a, Rm::Mem(R13, 192)));
                }
                check(isa, f64, &format!("vpadd{q} {}, {}, {}", r(d), r(a), r(b)), |s| {
                    s.int_add(d, a, Rm::Reg(b))
                });
                check(isa, f64, &format!("vpsll{q} {}, {}, 52", r(d), r(a)), |s| {
                    s.shift_left(d, a, 52)
                });
                let and = if isa == Isa::Avx2 {
                    format!("vand{pd}")
                } else {
                    format!("vpand{q}")
                };
                check(isa, f64, &format!("{and} {}, {}, [r13+64]", r(d), r(a)), |s| {
                    s.and(d, a, Rm::Mem(R13, 64))
                });
                check(isa, f64, &format!("vpmaxud {}, {}, {}", r(d), r(a), r(b)), |s| {
                    s.max_words(d, a, Rm::Reg(b))
                });
                check(isa, f64, &format!("vpmaxud {}, {}, [rbx+320]", r(d), r(a)), |s| {
                    s.max_words(d, a, Rm::Mem(RBX, 320))
                });
                for predicate in [GT_OQ, GE_OQ, UNORD_Q] {
                    let target = if isa == Isa::Avx2 { r(d) } else { "k1".to_string() };
                    let to = if isa == Isa::Avx2 { d } else { K1 };
                    let want = format!("vcmp{pd} {target}, {}, {}, {predicate}", r(a), r(b));
                    check(isa, f64, &want, |s| s.compare(to, a, Rm::Reg(b), predicate));
                }
                let (first, second) = if isa == Isa::Avx2 { ("eax", "ecx") } else { ("k1", "k2") };
                let test = if isa == Isa::Avx2 {
                    format!("vmovmsk{pd}")
                } else {
                    format!("vptestnm{q}")
                };
                let twice = |n: u8| {
                    if isa == Isa::Avx2 {
                        r(n)
                    } else {
                        format!("{}, {}", r(n), r(n))
                    }
                };
                check(isa, f64, &format!("{test} {first}, {}", twice(a)), |s| s.all_ones(0, a));
                check(isa, f64, &format!("{test} {second}, {}", twice(b)), |s| {
                    s.all_ones(1, b)
                });
                if isa == Isa::Avx2 {
                    let want = format!("vblendv{pd} {}, {}, {}, {}", r(d), r(a), r(b), r(14));
                    check(isa, f64, &want, |s| s.blend_variable(d, a, Rm::Reg(b), 14));
                    let want = format!("vblendv{pd} {}, {}, [rbx-32], {}", r(d), r(a), r(1));
                    check(isa, f64, &want, |s| s.blend_variable(d, a, Rm::Mem(RBX, -32), 1));
                } else {
                    let want = format!("vblendm{pd} {}{{k1}}, {}, {}", r(d), r(a), r(b));
                    check(isa, f64, &want, |s| s.blend_k1(d, a, Rm::Reg(b)));
                    let want = format!("vblendm{pd} {}{{k1}}, {}, [r13+128]", r(d), r(a));
                    check(isa, f64, &want, |s| s.blend_k1(d, a, Rm::Mem(R13, 128)));
                    let want = format!("vpternlog{q} {}{{k1}}{{z}}, {}, {}, 255", r(d), r(d), r(d));
                    check(isa, f64, &want, |s| s.ones_k1(d));
                    check(isa, f64, &format!("vptestm{q} k1, {}, {}", r(b), r(b)), |s| {
                        s.test_k1(b)
                    });
                }
            }
            check(isa, false, &format!("vpermps {}, {}, [r13+256]", r(d), r(a)), |s| {
                s.permute(d, a, Rm::Mem(R13, 256))
            });
        }
        check(Isa::Avx512, true, "vpermi2pd zmm5, zmm22, zmm31", |s| {
            s.permute_two(5, 22, Rm::Reg(31))
        });
        check(Isa::Avx512, true, "vscalefpd zmm20, zmm2, [r13+320]", |s| {
            s.scale(20, 2, Rm::Mem(R13, 320))
        });
    }

    #[test]
    fn general_purpose_instructions_decode_as_written() {
        let one = |emit: &dyn Fn(&mut Asm)| {
            let mut a = Asm::default();
            emit(&mut a);
            decode(&a.code)
        };
        assert_eq!(one(&|a| a.lea(RBX, RBX, 64)), "lea rbx, [rbx+64]");
        assert_eq!(one(&|a| a.lea(R12, R13, -128)), "lea r12, [r13-128]");
        assert_eq!(one(&|a| a.mov(RBX, RDI)), "mov rbx, rdi");
        assert_eq!(one(&|a| a.mov(R13, RSI)), "mov r13, rsi");
        assert_eq!(one(&|a| a.push(RBP)), "push rbp");
        assert_eq!(one(&|a| a.push(R12)), "push r12");
        assert_eq!(one(&|a| a.pop(R13)), "pop r13");
        assert_eq!(one(&|a| a.pop(RAX)), "pop rax");
        // The jump where a mask is all ones (`Gen::jump_if_all`).
        assert_eq!(one(&|a| a.bytes(&[0x21, 0xC8])), "and eax, ecx");
        assert_eq!(one(&|a| a.bytes(&[0x3D, 0xFF, 0, 0, 0])), "cmp eax, 255");
        assert_eq!(one(&|a| a.bytes(&[0xC5, 0xF4, 0x45, 0xCA])), "korw k1, k1, k2");
        assert_eq!(one(&|a| a.bytes(&[0xC5, 0xF8, 0x98, 0xC9])), "kortestw k1, k1");
    }
}
