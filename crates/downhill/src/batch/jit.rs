//! Machine code for a [`Program`]: each evaluation of a block runs one generated x86-64 loop over the block's
//! vectors instead of the interpreter's loop per instruction, so a value lives in a vector register from the
//! instruction that makes it to the last one that reads it, instead of going through memory between every two
//! instructions. Two instruction sets ([`Isa`]): AVX2 with FMA (`ymm`, one of the block's vectors per
//! register, 16 registers) and AVX-512 (`zmm`, two vectors per register, 32 registers), chosen by the CPU.
//!
//! The code computes exactly what the interpreter computes, bit for bit: the same operations in the same order,
//! the same fused multiply-adds, the same exp (its constants are shared with `lanes.rs`; in f64, the form of
//! the instruction set, [`ExpForm`], which the interpreter then follows), and the functions without an inline
//! form (`ln`, `sin`, `pow`, ...) call back into the interpreter's own lane code (vector code, `vmath.rs`) once
//! per vector. The tests compare the two
//! bitwise, in every instruction set the CPU has.
//!
//! Registers are given out by looking ahead: a value stays in a vector register until one is needed for
//! something read sooner (Belady's rule), and goes to its home in the block's registers only if it is read
//! again or is an output. Constants are read from a table as memory operands.
//!
//! The encoder below writes only the instructions this needs: three-operand VEX and EVEX forms (EVEX without
//! masks or broadcasts) with a register or a `[base + disp32]` memory operand. [`super::MachineCode`] turns the
//! code off (the interpreter then runs, for comparisons) or keeps to AVX2 on a CPU with AVX-512; the command line
//! sets it from `DOWNHILL_JIT`. A kernel's bytes and constant table can be read back ([`Kernel::code`]) for
//! `objdump` and `bench/kernel`.

use std::sync::OnceLock;

use super::lanes::{ExpForm, Lanes, EXP_F32, EXP_F64, EXP_F64_TABLE};
use super::program::{Instr, Program, B};
use super::Precision;
use crate::expr::Func;

/// General-purpose registers the code uses: the block pointer (advanced by one vector per iteration), the
/// vectors left, the constant table and the program (for calls). All callee-saved, so calls keep them.
const RBX: u8 = 3;
const RBP: u8 = 5;
const R12: u8 = 12;
const R13: u8 = 13;
const R14: u8 = 14;
const RAX: u8 = 0;
const RCX: u8 = 1;
const RDX: u8 = 2;
const RSI: u8 = 6;
const RDI: u8 = 7;
const R8: u8 = 8;
const R9: u8 = 9;

/// The instruction set the machine code is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// VEX-encoded AVX2 and FMA: one 4-lane f64 (8-lane f32) vector per `ymm` register, 16 registers.
    Avx2,
    /// EVEX-encoded AVX-512 (F): two of the block's vectors per `zmm` register, 32 registers, and f64's exp
    /// in [`ExpForm::Table`] (`vpermi2pd` and `vscalefpd`).
    Avx512,
}

impl Isa {
    /// Vector registers.
    fn registers(self) -> usize {
        match self {
            Isa::Avx2 => 16,
            Isa::Avx512 => 32,
        }
    }

    /// Bytes per vector register: one or two of the block's 32-byte vectors.
    fn width(self) -> i32 {
        match self {
            Isa::Avx2 => 32,
            Isa::Avx512 => 64,
        }
    }
}

/// Whether this CPU runs `isa`'s code (AVX-512 code also uses AVX2 and FMA instructions' forms).
fn cpu_has(isa: Isa) -> bool {
    let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    match isa {
        Isa::Avx2 => avx2,
        Isa::Avx512 => avx2 && std::arch::is_x86_feature_detected!("avx512f"),
    }
}

/// The instruction set this CPU's kernels use: AVX-512 where the CPU has it, else AVX2 with FMA, else none;
/// AVX2 on a CPU with AVX-512 when [`super::MachineCode::Avx2`] is set. f64's exp form follows it
/// ([`exp_form`]).
pub fn isa() -> Option<Isa> {
    static CPU: OnceLock<Option<Isa>> = OnceLock::new();
    let best = *CPU.get_or_init(|| [Isa::Avx512, Isa::Avx2].into_iter().find(|&isa| cpu_has(isa)));
    match (best, super::machine_code_setting()) {
        (Some(Isa::Avx512), super::MachineCode::Avx2) => Some(Isa::Avx2),
        (best, _) => best,
    }
}

/// The instruction set of the kernels that run: [`isa`], unless [`super::MachineCode::Off`] turns them off.
pub fn kernel_isa() -> Option<Isa> {
    isa().filter(|_| super::machine_code_setting() != super::MachineCode::Off)
}

/// How f64 lanes compute exp on this machine: the form its kernels use, whether or not they run
/// ([`super::MachineCode::Off`]), so that a machine's results do not depend on that switch.
pub fn exp_form() -> ExpForm {
    isa().map_or(ExpForm::Polynomial, form_of)
}

/// The f64 exp form of `isa`'s code.
pub fn form_of(isa: Isa) -> ExpForm {
    match isa {
        Isa::Avx2 => ExpForm::Polynomial,
        Isa::Avx512 => ExpForm::Table,
    }
}

/// Vectors whose instructions each loop iteration interleaves. One is fastest in AVX2 code (the fastest
/// of 200 one-core runs of peaks, ns per point-step: f64 6.4 with one stream, 6.7 with two, 7.0 with three;
/// f32 3.1, 3.4, 3.3): out-of-order execution already overlaps consecutive vectors, and more streams spill.
const STREAMS: u8 = 1;

/// Bytes between two registers of a block (B vectors of 32 bytes).
const REG_BYTES: i32 = (B * 32) as i32;

/// A compiled program for one precision.
#[derive(Debug)]
pub struct Kernel {
    /// The machine code, as written into `code`.
    bytes: Vec<u8>,
    code: ExecMem,
    consts: Vec<Vector>,
    precision: Precision,
    /// The instruction set (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    isa: Isa,
    /// Pairs of exps whose instructions it interleaves (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    exp_pairs: usize,
}

type Entry = unsafe extern "sysv64" fn(*mut u8, u64, *const u8, *const Program);
type Helper<V> = unsafe extern "sysv64" fn(*const Program, *mut V, *const V, *const V, u64, u64);

impl Kernel {
    /// Compiles `program` for lanes `V` in `isa` (None without executable memory). The code's f64 exp is in the
    /// form of `isa` ([`form_of`]), whatever the program's: the caller keeps the two the same.
    pub fn compile<V: Lanes>(program: &Program, isa: Isa) -> Option<Kernel> {
        Kernel::compile_streams::<V>(program, isa, STREAMS)
    }

    /// [`Kernel::compile`], interleaving the instructions of `streams` vectors (register widths) in each
    /// iteration.
    fn compile_streams<V: Lanes>(program: &Program, isa: Isa, streams: u8) -> Option<Kernel> {
        let mut g = Gen::new(program, V::PRECISION, isa, helper::<V> as Helper<V> as usize);
        g.function(streams);
        let code = ExecMem::new(&g.s.asm.code)?;
        Some(Kernel {
            bytes: g.s.asm.code.clone(),
            code,
            consts: g.consts.table,
            precision: V::PRECISION,
            isa,
            exp_pairs: g.pairs,
        })
    }

    /// The machine code's bytes (for `objdump -D -b binary -m i386:x86-64`) and its constant table (64 bytes per
    /// entry, addressed from r13).
    pub fn code(&self) -> (Vec<u8>, Vec<u8>) {
        let consts = self.consts.iter().flat_map(|v| v.0).collect();
        (self.bytes.clone(), consts)
    }

    /// The precision the code was made for.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The instruction set of the code.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Runs the first `n` vectors of a block. AVX-512 code runs vectors in pairs, so where `n` is odd it also
    /// computes vector `n` (inside the block, since B is even): what it writes there is not meaningful.
    ///
    /// # Safety
    /// `regs` points to the registers of `program` (`program.registers()` registers of `B` vectors of the
    /// kernel's precision), `n <= B`, and `program` is the program this kernel was compiled from.
    pub unsafe fn run(&self, regs: *mut u8, n: usize, program: &Program) {
        let f: Entry = std::mem::transmute(self.code.ptr);
        f(regs, n as u64, self.consts.as_ptr() as *const u8, program);
    }
}

/// What the generated code calls for an instruction it has no inline form for: computes instruction `index` of
/// the program on `count` consecutive vectors (one register width), with the interpreter's own lane functions
/// (vector code, `vmath.rs`), in their AVX2-and-FMA compilation where the CPU has those.
unsafe extern "sysv64" fn helper<V: Lanes>(
    program: *const Program,
    dst: *mut V,
    a: *const V,
    b: *const V,
    index: u64,
    count: u64,
) {
    #[cfg(target_arch = "x86_64")]
    if super::lanes::fast() {
        helper_avx2(&*program, dst, a, b, index, count);
        return;
    }
    helper_portable(&*program, dst, a, b, index, count);
}

/// [`helper_portable`] compiled for AVX2 with FMA.
///
/// # Safety
/// As [`helper_portable`], and the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn helper_avx2<V: Lanes>(program: &Program, dst: *mut V, a: *const V, b: *const V, index: u64, count: u64) {
    helper_portable(program, dst, a, b, index, count);
}

/// # Safety
/// `a` (and `b` for a power) hold `count` vectors to read and `dst` room for `count`.
#[inline(always)]
unsafe fn helper_portable<V: Lanes>(program: &Program, dst: *mut V, a: *const V, b: *const V, index: u64, count: u64) {
    for k in 0..count as usize {
        let a = a.add(k).read_unaligned();
        let out = match program.instrs()[index as usize] {
            Instr::Pow(..) => a.pow(b.add(k).read_unaligned()),
            Instr::Powf(_, _, e) => a.powf(e),
            Instr::Call(_, f, _) => a.call(f),
            // Only the three above are compiled to calls.
            _ => a,
        };
        dst.add(k).write_unaligned(out);
    }
}

/// Executable memory holding one function.
#[derive(Debug)]
struct ExecMem {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the memory is never written after `new`, only executed.
unsafe impl Send for ExecMem {}
unsafe impl Sync for ExecMem {}

impl ExecMem {
    fn new(code: &[u8]) -> Option<ExecMem> {
        let len = code.len().max(1);
        // SAFETY: a fresh private anonymous mapping, written while writable, then made read+execute.
        unsafe {
            let ptr = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if ptr == libc::MAP_FAILED {
                return None;
            }
            std::ptr::copy_nonoverlapping(code.as_ptr(), ptr as *mut u8, code.len());
            if libc::mprotect(ptr, len, libc::PROT_READ | libc::PROT_EXEC) != 0 {
                libc::munmap(ptr, len);
                return None;
            }
            Some(ExecMem {
                ptr: ptr as *mut u8,
                len,
            })
        }
    }
}

impl Drop for ExecMem {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}

/// A register or memory operand.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rm {
    Reg(u8),
    Mem(u8, i32),
}

/// The encoder.
#[derive(Default)]
struct Asm {
    code: Vec<u8>,
    /// While set, where each VEX instruction starts (see [`Gen::exp_pair`]).
    starts: Option<Vec<usize>>,
}

impl Asm {
    fn bytes(&mut self, b: &[u8]) {
        self.code.extend_from_slice(b);
    }

    fn modrm(&mut self, reg: u8, rm: Rm) {
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
    fn vex(&mut self, map: u8, pp: u8, w: bool, op: u8, reg: u8, vvvv: u8, rm: Rm) {
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
    fn evex(&mut self, map: u8, pp: u8, w: bool, op: u8, reg: u8, vvvv: u8, rm: Rm) {
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
        // z = 0, L'L = 10 (512 bits), b = 0, V', aaa = 0 (no mask).
        self.code.push(0b10 << 5 | (v2 ^ 1) << 3);
        self.code.push(op);
        self.modrm(reg, rm);
    }

    /// `lea dst, [base + disp]`.
    fn lea(&mut self, dst: u8, base: u8, disp: i32) {
        self.code.push(0x48 | (dst >> 3) << 2 | base >> 3);
        self.code.push(0x8D);
        self.modrm(dst, Rm::Mem(base, disp));
    }

    /// `mov dst, src` (64-bit registers).
    fn mov(&mut self, dst: u8, src: u8) {
        self.code.push(0x48 | (src >> 3) << 2 | dst >> 3);
        self.code.push(0x89);
        self.modrm(src, Rm::Reg(dst));
    }

    /// Points the rel32 of a jump that ends at `after` to `target`.
    fn patch(&mut self, after: usize, target: usize) {
        let rel = (target as i64 - after as i64) as i32;
        self.code[after - 4..after].copy_from_slice(&rel.to_le_bytes());
    }

    fn push(&mut self, r: u8) {
        if r >= 8 {
            self.code.push(0x41);
        }
        self.code.push(0x50 | (r & 7));
    }

    fn pop(&mut self, r: u8) {
        if r >= 8 {
            self.code.push(0x41);
        }
        self.code.push(0x58 | (r & 7));
    }
}

/// Instructions that depend on the precision (the packed-double or packed-single form) and the instruction set
/// (VEX on `ymm`, or EVEX on `zmm`).
struct Simd {
    asm: Asm,
    f64: bool,
    isa: Isa,
}

/// Opcodes (map 0F) of the arithmetic forms.
const ADD: u8 = 0x58;
const MUL: u8 = 0x59;
const SUB: u8 = 0x5C;
const MIN: u8 = 0x5D;
const DIV: u8 = 0x5E;
const MAX: u8 = 0x5F;
const XOR: u8 = 0x57;
const SQRT: u8 = 0x51;
/// FMA opcodes (map 0F38) of the 231 form (`d = a * b + d`); the 213 form (`d = a * d + b`) is 0x10 less.
const FMADD231: u8 = 0xB8;
const FMSUB231: u8 = 0xBA;
const FNMADD231: u8 = 0xBC;
const FNMSUB231: u8 = 0xBE;

impl Simd {
    fn pp(&self) -> u8 {
        self.f64 as u8
    }

    /// One instruction: VEX with W as `vex_w` (most of ours ignore it; FMA's selects the precision), or EVEX,
    /// where W always selects the element width (pd/ps, q/d), which is the precision's.
    #[allow(clippy::too_many_arguments)]
    fn op(&mut self, map: u8, pp: u8, vex_w: bool, op: u8, reg: u8, vvvv: u8, rm: Rm) {
        match self.isa {
            Isa::Avx2 => self.asm.vex(map, pp, vex_w, op, reg, vvvv, rm),
            Isa::Avx512 => self.asm.evex(map, pp, self.f64, op, reg, vvvv, rm),
        }
    }

    fn arith(&mut self, op: u8, d: u8, a: u8, b: Rm) {
        let pp = self.pp();
        self.op(1, pp, false, op, d, a, b);
    }

    /// d = +0 in every lane (`vxorp*`, or `vpxor*` where EVEX's `vxorp*` would need AVX-512 DQ).
    fn zero(&mut self, d: u8) {
        match self.isa {
            Isa::Avx2 => self.arith(XOR, d, d, Rm::Reg(d)),
            Isa::Avx512 => self.op(1, 1, false, 0xEF, d, d, Rm::Reg(d)),
        }
    }

    fn sqrt(&mut self, d: u8, a: Rm) {
        let pp = self.pp();
        self.op(1, pp, false, SQRT, d, 0, a);
    }

    fn load(&mut self, d: u8, m: Rm) {
        let pp = self.pp();
        // movupd/movups (0x10); from a register, movapd/movaps (0x28).
        let op = if matches!(m, Rm::Reg(_)) { 0x28 } else { 0x10 };
        self.op(1, pp, false, op, d, 0, m);
    }

    fn store(&mut self, m: Rm, s: u8) {
        let pp = self.pp();
        self.op(1, pp, false, 0x11, s, 0, m);
    }

    /// `d = a * b + d` (op = a 231 opcode) or, with `form213`, `d = a * d + b`.
    fn fma(&mut self, op: u8, form213: bool, d: u8, a: u8, b: Rm) {
        let w = self.f64;
        self.op(2, 1, w, if form213 { op - 0x10 } else { op }, d, a, b);
    }

    /// Integer addition over lanes of the precision's width (quadwords or doublewords).
    fn int_add(&mut self, d: u8, a: u8, b: Rm) {
        let code = if self.f64 { 0xD4 } else { 0xFE };
        self.op(1, 1, false, code, d, a, b);
    }

    /// `vpsllq`/`vpslld`: left shift of integer lanes of the precision's width by an immediate (the shift is
    /// ModRM's reg field, 6; `d` goes in vvvv).
    fn shift_left(&mut self, d: u8, s: u8, by: u8) {
        let op = if self.f64 { 0x73 } else { 0x72 };
        self.op(1, 1, false, op, 6, d, Rm::Reg(s));
        self.asm.code.push(by);
    }

    /// `vpermps d, index, table` (f32): each lane of d is the lane of `table` that `index`'s low 3 bits (`ymm`)
    /// or 4 bits (`zmm`) name.
    fn permute(&mut self, d: u8, index: u8, table: Rm) {
        self.op(2, 1, false, 0x16, d, index, table);
    }

    /// `vpermi2pd index, first, second` (AVX-512, f64): each lane of `index` becomes the entry its low 4 bits
    /// name in the 16 of `first` (0-7) and `second` (8-15).
    fn permute_two(&mut self, index: u8, first: u8, second: Rm) {
        debug_assert!(self.isa == Isa::Avx512 && self.f64);
        self.asm.evex(2, 1, true, 0x77, index, first, second);
    }

    /// `vscalefpd d, a, b` (AVX-512, f64): d = a 2^floor(b), rounded once.
    fn scale(&mut self, d: u8, a: u8, b: Rm) {
        debug_assert!(self.isa == Isa::Avx512 && self.f64);
        self.asm.evex(2, 1, true, 0x2C, d, a, b);
    }
}

/// One constant of the table, a `zmm` register's width (AVX2 code reads the first half), aligned so that
/// reading it never straddles two cache lines (a split load costs about twice as much).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
struct Vector([u8; 64]);

/// The constant table: one 64-byte vector per distinct constant.
struct Consts {
    table: Vec<Vector>,
    f64: bool,
}

impl Consts {
    fn bits(&mut self, v: [u8; 64]) -> Rm {
        let v = Vector(v);
        let i = self.table.iter().position(|t| *t == v).unwrap_or_else(|| {
            self.table.push(v);
            self.table.len() - 1
        });
        Rm::Mem(R13, 64 * i as i32)
    }

    /// A float splatted in the precision (f64 values rounded to f32 as the interpreter's `splat` does).
    fn float(&mut self, v: f64) -> Rm {
        self.bits(if self.f64 {
            splat(v.to_le_bytes())
        } else {
            splat((v as f32).to_le_bytes())
        })
    }
}

/// `b` repeated to fill a constant (a 32-byte table twice, for `vpermps` on `zmm` reading 4 index bits).
fn splat<const K: usize>(b: [u8; K]) -> [u8; 64] {
    std::array::from_fn(|i| b[i % K])
}

/// Vector registers of the widest instruction set (AVX-512's 32 `zmm`; AVX2 uses the first 16, as `ymm`).
const VREGS: usize = 32;

/// One vector register's state: the register of the program it holds, for which stream.
#[derive(Clone, Copy, Default)]
struct Ymm {
    holds: Option<(u16, u8)>,
    dirty: bool,
    locked: bool,
}

const NEVER: u32 = u32::MAX;

/// The code generator.
struct Gen<'p> {
    s: Simd,
    consts: Consts,
    program: &'p Program,
    /// The constant table operand of each constant register.
    const_of: Vec<Option<Rm>>,
    is_output: Vec<bool>,
    /// `next[i][r]`: the next instruction after `i` that reads the value register `r` holds at `i`.
    next: Vec<Vec<u32>>,
    ymm: [Ymm; VREGS],
    /// The instruction being compiled, and for which stream (one of the vectors a loop iteration runs).
    pos: usize,
    stream: u8,
    helper: usize,
    /// Pairs of exps emitted side by side (see [`Gen::exp_pair`]).
    pairs: usize,
}

impl<'p> Gen<'p> {
    fn new(program: &'p Program, precision: Precision, isa: Isa, helper: usize) -> Gen<'p> {
        let f64 = precision == Precision::F64;
        let mut consts = Consts { table: Vec::new(), f64 };
        let n = program.registers();
        let mut const_of = vec![None; n];
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
        }
    }

    /// The whole function: `fn(regs, n, consts, program)` over the block's first `n` vectors, one register width
    /// (one or two vectors) at a time, `streams` widths per iteration (their instructions interleaved), then
    /// one at a time for the rest.
    fn function(&mut self, streams: u8) {
        let width = self.s.isa.width();
        let a = &mut self.s.asm;
        for r in [RBX, R12, R13, R14, RBP] {
            a.push(r);
        }
        a.mov(RBX, RDI);
        a.mov(RBP, RSI);
        a.mov(R12, RSI);
        if width == 64 {
            // Pairs of vectors: r12 = (n + 1) / 2 (add r12, 1; shr r12, 1).
            a.bytes(&[0x49, 0x83, 0xC4, 0x01, 0x49, 0xD1, 0xEC]);
        }
        a.mov(R13, RDX);
        a.mov(R14, RCX);
        // cmp r12, streams; jb tail
        a.bytes(&[0x49, 0x83, 0xFC, streams, 0x0F, 0x82, 0, 0, 0, 0]);
        let jb_tail = a.code.len();
        let top = a.code.len();
        self.body(streams);
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
            self.body(1);
            let a = &mut self.s.asm;
            // add rbx, width; dec r12; jnz tail_top
            a.bytes(&[0x48, 0x83, 0xC3, width as u8, 0x49, 0xFF, 0xCC, 0x0F, 0x85]);
            let back = tail_top as i64 - (a.code.len() as i64 + 4);
            a.bytes(&(back as i32).to_le_bytes());
            let end = a.code.len();
            a.patch(jz_end, end);
        }
        let a = &mut self.s.asm;
        // vzeroupper
        a.bytes(&[0xC5, 0xF8, 0x77]);
        for r in [RBP, R14, R13, R12, RBX] {
            a.pop(r);
        }
        a.bytes(&[0xC3]);
    }

    /// One evaluation of every instruction for `streams` consecutive vectors, each instruction for each stream
    /// in turn; outputs end at home.
    fn body(&mut self, streams: u8) {
        let instrs = self.program.instrs();
        let mut i = 0;
        while i < instrs.len() {
            // Two exps in a row, the second not reading the first (nor taking the program register of the
            // first's result): their instructions interleaved.
            if let (1, [Instr::Call(d1, Func::Exp, _), Instr::Call(d2, Func::Exp, a2), ..]) = (streams, &instrs[i..]) {
                if a2 != d1 && d2 != d1 {
                    self.stream = 0;
                    self.exp_pair(i);
                    i += 2;
                    continue;
                }
            }
            for s in 0..streams {
                self.pos = i;
                self.stream = s;
                self.instr(i);
            }
            i += 1;
        }
        for y in 0..self.s.isa.registers() {
            if let Some((r, s)) = self.ymm[y].holds {
                if self.ymm[y].dirty && self.is_output[r as usize] {
                    let home = self.home_of(r, s);
                    self.s.store(home, y as u8);
                }
            }
        }
        self.ymm = [Ymm::default(); VREGS];
    }

    /// Where register `r` of stream `s` lives in memory.
    fn home_of(&self, r: u16, s: u8) -> Rm {
        self.const_of[r as usize].unwrap_or(Rm::Mem(RBX, r as i32 * REG_BYTES + self.s.isa.width() * s as i32))
    }

    fn home(&self, r: u16) -> Rm {
        self.home_of(r, self.stream)
    }

    fn find(&self, r: u16) -> Option<u8> {
        (0..self.s.isa.registers())
            .find(|&y| self.ymm[y].holds == Some((r, self.stream)))
            .map(|y| y as u8)
    }

    /// The next read of register `r` of stream `s`: streams up to the current one have run the current
    /// instruction, the later ones have not.
    fn next_read(&self, r: u16, s: u8) -> u32 {
        let reads_here = s > self.stream && self.program.instrs()[self.pos].parts().1.contains(&Some(r));
        if reads_here {
            self.pos as u32
        } else {
            self.next[self.pos][r as usize]
        }
    }

    /// Whether register `r` of stream `s` is read again (or is an output).
    fn live(&self, r: u16, s: u8) -> bool {
        self.next_read(r, s) != NEVER || self.is_output[r as usize]
    }

    /// Whether the current stream's `r` is read after the current instruction (or is an output).
    fn live_after(&self, r: u16) -> bool {
        self.live(r, self.stream)
    }

    /// A free register: an empty one, else the one whose value is read last (stored first if it must be kept).
    fn alloc(&mut self) -> u8 {
        let y = (0..self.s.isa.registers())
            .filter(|&y| !self.ymm[y].locked)
            .max_by_key(|&y| match self.ymm[y].holds {
                None => (2, 0),
                Some((r, s)) => (1, self.next_read(r, s)),
            })
            .expect("an instruction locks at most 12 of 16 registers (two exps side by side)");
        if let Some((r, s)) = self.ymm[y].holds {
            if self.ymm[y].dirty && self.live(r, s) {
                let home = self.home_of(r, s);
                self.s.store(home, y as u8);
            }
        }
        self.ymm[y] = Ymm {
            holds: None,
            dirty: false,
            locked: true,
        };
        y as u8
    }

    /// `r` in a register (loaded if needed), locked for the current instruction.
    fn reg(&mut self, r: u16) -> u8 {
        let y = self.find(r).unwrap_or_else(|| {
            let y = self.alloc();
            let home = self.home(r);
            self.s.load(y, home);
            self.ymm[y as usize].holds = Some((r, self.stream));
            y
        });
        self.ymm[y as usize].locked = true;
        y
    }

    /// `r` as an operand: its register if it has one, else its home in memory.
    fn rm(&mut self, r: u16) -> Rm {
        match self.find(r) {
            Some(y) => {
                self.ymm[y as usize].locked = true;
                Rm::Reg(y)
            }
            None => self.home(r),
        }
    }

    /// A register for the result `d` (any register that held an older value of `d` is let go: it is dead).
    fn def(&mut self, d: u16) -> u8 {
        if let Some(y) = self.find(d) {
            self.ymm[y as usize] = Ymm::default();
        }
        let y = self.alloc();
        self.ymm[y as usize].holds = Some((d, self.stream));
        self.ymm[y as usize].dirty = true;
        y
    }

    /// Takes over the register of `r` for the result `d` if `r` is in one and is not read again.
    fn reuse(&mut self, r: u16, d: u16) -> Option<u8> {
        let y = self.find(r)?;
        if self.live_after(r) || self.is_const(r) {
            return None;
        }
        if let Some(old) = self.find(d) {
            self.ymm[old as usize] = Ymm::default();
        }
        self.ymm[y as usize] = Ymm {
            holds: Some((d, self.stream)),
            dirty: true,
            locked: true,
        };
        Some(y)
    }

    fn is_const(&self, r: u16) -> bool {
        self.const_of[r as usize].is_some()
    }

    /// After an instruction: unlocks every register and lets go of the values not read again.
    fn finish(&mut self) {
        for y in 0..self.s.isa.registers() {
            self.ymm[y].locked = false;
            if let Some((r, s)) = self.ymm[y].holds {
                if !self.live(r, s) {
                    self.ymm[y] = Ymm::default();
                }
            }
        }
    }

    fn instr(&mut self, i: usize) {
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
            Instr::Pow(d, a, b) => self.call(i, d, a, b),
            Instr::Powf(d, a, _) | Instr::Call(d, _, a) => self.call(i, d, a, a),
        }
        self.finish();
    }

    fn commutative(&mut self, op: u8, d: u16, a: u16, b: u16) {
        // The operand already in a register goes first, so the other can be read from memory.
        let (a, b) = if self.find(a).is_none() && self.find(b).is_some() {
            (b, a)
        } else {
            (a, b)
        };
        self.binary(op, d, a, b);
    }

    fn binary(&mut self, op: u8, d: u16, a: u16, b: u16) {
        let ra = self.reg(a);
        let rb = self.rm(b);
        let y = self.def(d);
        self.s.arith(op, y, ra, rb);
    }

    /// `d = a * b (+|-) c` in the 231 form into `c`'s register, or the 213 form into `a`'s or `b`'s when
    /// those are not read again; else `c` is copied first.
    fn fused(&mut self, op: u8, d: u16, a: u16, b: u16, c: u16) {
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
    fn exp_pair(&mut self, i: usize) {
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

    /// Lets go of an exp's scratch registers.
    fn release(&mut self, temps: &[u8]) {
        for &r in temps {
            self.ymm[r as usize] = Ymm::default();
        }
    }

    /// e^a inline: the same steps as `exp_f64x4` / `exp_f32x8` (f64 in AVX-512: [`Gen::exp_table`]). Returns
    /// its scratch registers, still locked.
    fn exp(&mut self, d: u16, a: u16) -> Vec<u8> {
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
    fn exp_operand(&mut self, a: u16) -> (u8, u8) {
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
    fn exp_round(&mut self, [x, t, t1, t2]: [u8; 4], [lo, hi, magic, log2e]: [Rm; 4]) {
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
    fn exp_table(&mut self, d: u16, a: u16) -> Vec<u8> {
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

    /// Instruction `i` through [`helper`]: every value still needed goes home first (calls may change every
    /// `ymm` register), and the result is left at home.
    fn call(&mut self, i: usize, d: u16, a: u16, b: u16) {
        for y in 0..self.s.isa.registers() {
            if let Some((r, s)) = self.ymm[y].holds {
                let operand = s == self.stream && (r == a || r == b);
                if self.ymm[y].dirty && (self.live(r, s) || operand) {
                    let home = self.home_of(r, s);
                    self.s.store(home, y as u8);
                }
            }
        }
        self.ymm = [Ymm::default(); VREGS];
        let addr = |g: &Gen, r: u16| match g.home(r) {
            Rm::Mem(base, disp) => (base, disp),
            Rm::Reg(_) => unreachable!("homes are in memory"),
        };
        let (dst, src, src2) = (addr(self, d), addr(self, a), addr(self, b));
        let helper = self.helper as u64;
        let asm = &mut self.s.asm;
        asm.mov(RDI, R14);
        asm.lea(RSI, dst.0, dst.1);
        asm.lea(RDX, src.0, src.1);
        asm.lea(RCX, src2.0, src2.1);
        // mov r8d, i; mov r9d, vectors per register; mov rax, helper; call rax
        asm.bytes(&[0x41, 0xB8 | (R8 & 7)]);
        asm.bytes(&(i as u32).to_le_bytes());
        asm.bytes(&[0x41, 0xB8 | (R9 & 7)]);
        asm.bytes(&(self.s.isa.width() as u32 / 32).to_le_bytes());
        asm.bytes(&[0x48, 0xB8 | RAX]);
        asm.bytes(&helper.to_le_bytes());
        asm.bytes(&[0xFF, 0xD0]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::lanes::{F32x8, F64x4};
    use super::*;
    use crate::Function;

    /// The instruction sets this CPU runs.
    fn isas() -> Vec<Isa> {
        [Isa::Avx2, Isa::Avx512]
            .into_iter()
            .filter(|&isa| cpu_has(isa))
            .collect()
    }

    /// Evaluates a block by the interpreter and by each instruction set's code this CPU runs, and compares every
    /// output bit for bit.
    fn same_bits<V: Lanes>(program: &Program, points: &[[f64; 2]], n: usize, streams: u8) -> Result<(), String> {
        for isa in isas() {
            same_bits_in::<V>(program, isa, points, n, streams).map_err(|e| format!("{isa:?}: {e}"))?;
        }
        Ok(())
    }

    fn same_bits_in<V: Lanes>(
        program: &Program,
        isa: Isa,
        points: &[[f64; 2]],
        n: usize,
        streams: u8,
    ) -> Result<(), String> {
        let kernel = Kernel::compile_streams::<V>(program, isa, streams).ok_or("no executable memory")?;
        let x: [V; B] = std::array::from_fn(|k| {
            V::load(
                &(0..V::N)
                    .map(|j| points[(k * V::N + j) % points.len()][0])
                    .collect::<Vec<_>>(),
            )
        });
        let y: [V; B] = std::array::from_fn(|k| {
            V::load(
                &(0..V::N)
                    .map(|j| points[(k * V::N + j) % points.len()][1])
                    .collect::<Vec<_>>(),
            )
        });
        let mut interp = program.registers_for::<V>();
        program.eval_interpreted_with(&mut interp, &x, &y, n, form_of(isa));
        let mut compiled = program.registers_for::<V>();
        compiled[0] = x;
        compiled[1] = y;
        // SAFETY: registers made for this program, n <= B.
        unsafe { kernel.run(compiled.as_mut_ptr() as *mut u8, n, program) };
        for k in 0..program.outputs().len() {
            let (a, b) = (program.output(&interp, k), program.output(&compiled, k));
            for v in 0..n {
                for j in 0..V::N {
                    let (p, q) = (a[v].lane(j), b[v].lane(j));
                    if p.to_bits() != q.to_bits() && !(p.is_nan() && q.is_nan()) {
                        return Err(format!(
                            "output {k}, vector {v} lane {j}: interpreter {p:e}, compiled {q:e}"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn points() -> Vec<[f64; 2]> {
        let mut p: Vec<[f64; 2]> = (0..200)
            .map(|i| [-3.0 + 0.031 * i as f64, 2.7 - 0.027 * (i * 7 % 200) as f64])
            .collect();
        p.extend([
            [0.0, 0.0],
            [-0.0, 1.0],
            [800.0, -800.0],
            [f64::NAN, 1.0],
            [f64::INFINITY, 0.5],
            [1e-310, 3.0],
        ]);
        p
    }

    #[test]
    fn an_exp_argument_never_above_zero_skips_the_upper_clamp_and_only_then() {
        if kernel_isa().is_none() {
            return;
        }
        // (formula, whether its one exp's argument is provably never above 0)
        for (formula, nonpositive) in [
            ("exp(-x^2 - (y+1)^2)", true),
            ("exp(-(x^2 + y^2)) * 3", true),
            ("exp(-x*x*y*y - abs(x))", true),
            ("exp(x) + y", false),
            ("exp(x*y)", false),
            ("exp(x^2 - y)", false),
            ("exp(-x^2 + 1)", false),
        ] {
            let f = Function::parse(formula).unwrap();
            let p = Program::new(&f.tapes().value_gradient);
            let exps: Vec<bool> = (0..p.instrs().len())
                .filter(|&i| matches!(p.instrs()[i], Instr::Call(_, crate::expr::Func::Exp, _)))
                .map(|i| p.first_operand_nonpositive(i))
                .collect();
            assert!(!exps.is_empty(), "{formula}");
            assert!(exps.iter().all(|&e| e == nonpositive), "{formula}: {exps:?}");
            // Large arguments (800, -800, inf, NaN among the points) come out as the interpreter's.
            let fail = |e| panic!("{formula}: {e}");
            same_bits::<F64x4>(&p, &points(), B, 1).unwrap_or_else(fail);
            same_bits::<F32x8>(&p, &points(), B, 1).unwrap_or_else(fail);
        }
    }

    #[test]
    fn compiled_code_equals_the_interpreter_bit_for_bit_on_every_catalog_function() {
        if kernel_isa().is_none() {
            return;
        }
        for entry in crate::catalog::entries() {
            let f = Function::resolve(entry.name).unwrap();
            for tape in [&f.tapes().gradient, &f.tapes().value_gradient, &f.tapes().full] {
                let p = Program::new(tape);
                for n in [B, 5, 1] {
                    for streams in [1, 2, 3] {
                        let fail = |e| panic!("{} with {streams} streams: {e}", entry.name);
                        same_bits::<F64x4>(&p, &points(), n, streams).unwrap_or_else(fail);
                        same_bits::<F32x8>(&p, &points(), n, streams).unwrap_or_else(fail);
                    }
                }
            }
        }
    }

    #[test]
    fn exps_side_by_side_compute_what_they_compute_alone() {
        if kernel_isa().is_none() {
            return;
        }
        let gaussians: Vec<String> = (1..=12)
            .map(|k| format!("{k}*exp(-(x-{k}/4)^2 - (y+{k}/5)^2)"))
            .collect();
        // (formula, whether the scheduler puts some of its gradient's exps side by side; None: either way)
        for (formula, paired) in [
            ("peaks", Some(true)),
            ("exp(-x^2) + exp(-y^2)", Some(true)),
            ("exp(x) * exp(y) * exp(x*y)", None),
            ("exp(exp(-x^2))", Some(false)),
            ("exp(-x^2-y^2) * (x^5 + y^5 + x*y*exp(x-y))", None),
            (&gaussians.join(" + "), Some(true)),
        ] {
            let f = Function::resolve(formula).unwrap();
            let p = Program::new(&f.tapes().gradient);
            for isa in isas() {
                let pairs = Kernel::compile::<F64x4>(&p, isa).expect("machine code").exp_pairs;
                assert!(
                    paired.is_none_or(|want| want == (pairs > 0)),
                    "{formula} {isa:?}: {pairs} pairs"
                );
            }
            for n in [B, 3] {
                same_bits::<F64x4>(&p, &points(), n, 1).unwrap_or_else(|e| panic!("{formula} f64: {e}"));
                same_bits::<F32x8>(&p, &points(), n, 1).unwrap_or_else(|e| panic!("{formula} f32: {e}"));
            }
        }
    }

    #[test]
    fn many_live_values_spill_and_come_back() {
        if kernel_isa().is_none() {
            return;
        }
        // Forty products all alive at once: more values than ymm registers.
        let terms: Vec<String> = (1..=40).map(|k| format!("exp(x*{k}/40)*sin(y+{k})")).collect();
        let sum = terms.join(" + ");
        let prod = (1..=40).map(|k| format!("(x + {k}/7)")).collect::<Vec<_>>().join("*");
        for text in [
            sum,
            prod,
            "x^y + abs(x)^2.5 - sqrt(y*y+1) / -x".to_string(),
            "x".to_string(),
            "3".to_string(),
        ] {
            let f = Function::parse(&text).unwrap();
            for tape in [&f.tapes().gradient, &f.tapes().full] {
                let p = Program::new(tape);
                for streams in [1, 2] {
                    same_bits::<F64x4>(&p, &points(), B, streams).unwrap_or_else(|e| panic!("{text} f64: {e}"));
                    same_bits::<F32x8>(&p, &points(), B, streams).unwrap_or_else(|e| panic!("{text} f32: {e}"));
                }
            }
        }
    }
}
