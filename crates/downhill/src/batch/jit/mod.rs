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
//! per block: the code is cut at those instructions, each run of inline instructions is a loop over the block's
//! vectors, and each call computes the function for every vector of the block. The tests compare the two
//! bitwise, in every instruction set the CPU has.
//!
//! Registers are given out by looking ahead: a value stays in a vector register until one is needed for
//! something read sooner (Belady's rule), and goes to its home in the block's registers only if it is read
//! again or is an output. Constants are read from a table as memory operands.
//!
//! The parts: `lower.rs` turns each instruction into vector instructions, `regalloc.rs` gives out the vector
//! registers, `encode.rs` writes the bytes (only the instructions this needs: three-operand VEX and EVEX forms,
//! EVEX without masks or broadcasts, with a register or a `[base + disp32]` memory operand) and `memory.rs`
//! makes them executable. [`super::MachineCode`] turns the
//! code off (the interpreter then runs, for comparisons) or keeps to AVX2 on a CPU with AVX-512; the command line
//! sets it from `DOWNHILL_JIT`. A kernel's bytes and constant table can be read back ([`Kernel::code`]) for
//! `objdump` and `bench/kernel`.

mod encode;
mod lower;
mod memory;
mod regalloc;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use lower::{Gen, Vector};
use memory::ExecMem;

use super::evaluator::Sums;
use super::lanes::{ExpForm, Lanes, EXP_F32, EXP_F64, EXP_F64_TABLE};
use super::program::{Instr, Program, B};
use super::Precision;

/// General-purpose registers the code uses: the block pointer (advanced by one vector per iteration), the
/// vectors left, the constant table, the program (for calls), the block's first vector and the block's vectors.
/// All callee-saved, so calls keep them.
const RBX: u8 = 3;
const RBP: u8 = 5;
const R12: u8 = 12;
const R13: u8 = 13;
const R14: u8 = 14;
const R15: u8 = 15;
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
        Kernel::compile_streams::<V>(program, isa, STREAMS, None)
    }

    /// [`Kernel::compile`] for code that keeps `sums` in registers: the words' maximum of register `sums.max`
    /// over the vectors it runs, and the minimum of `sums.min`, each stored once, in the first register width of
    /// its register (one of the block's vectors in AVX2 code, two in AVX-512), instead of each vector's value.
    /// None where the program does not allow it (see [`lower::summable`]).
    pub fn compile_sums<V: Lanes>(program: &Program, isa: Isa, sums: Sums) -> Option<Kernel> {
        if !lower::summable(program, sums) {
            return None;
        }
        Kernel::compile_streams::<V>(program, isa, STREAMS, Some(sums))
    }

    /// [`Kernel::compile`] (with `sums`, [`Kernel::compile_sums`]), interleaving the instructions of `streams`
    /// vectors (register widths) in each iteration.
    fn compile_streams<V: Lanes>(program: &Program, isa: Isa, streams: u8, sums: Option<Sums>) -> Option<Kernel> {
        let helper = match isa {
            Isa::Avx2 => helper::<V, false> as Helper<V>,
            Isa::Avx512 => helper::<V, true> as Helper<V>,
        };
        let mut g = Gen::new(program, V::PRECISION, isa, helper as usize);
        if let Some(s) = sums {
            g.sums = sums;
            for r in [Some(s.max), s.min].into_iter().flatten() {
                g.is_output[r as usize] = false;
            }
        }
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
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The block's vectors in one of its vector registers: 1 (AVX2) or 2 (AVX-512).
    pub fn vectors_per_register(&self) -> usize {
        self.isa.width() as usize / 32
    }

    /// Runs the first `n` vectors of a block. AVX-512 code runs vectors in pairs, so where `n` is odd it also
    /// computes vector `n` (inside the block, since B is even): what it writes there is not meaningful.
    ///
    /// # Safety
    /// `regs` points to the registers of `program` (`program.registers()` registers of `B` vectors of the
    /// kernel's precision), `n <= B`, and `program` is the program this kernel was compiled from.
    pub unsafe fn run(&self, regs: *mut u8, n: usize, program: &Program) {
        self.run_with(regs, n, &self.consts, program);
    }

    /// A copy of the constant table whose parameters a caller sets ([`Table::set`]) for [`Kernel::run_with`].
    pub fn table(&self) -> Table {
        Table {
            entries: self.consts.clone(),
            f64: self.precision == Precision::F64,
        }
    }

    /// [`Kernel::run`] with the constants (and the parameters' values) of `table`.
    ///
    /// # Safety
    /// As [`Kernel::run`], and `table` was made by this kernel's [`Kernel::table`].
    pub unsafe fn run_table(&self, regs: *mut u8, n: usize, table: &Table, program: &Program) {
        debug_assert_eq!(table.entries.len(), self.consts.len());
        self.run_with(regs, n, &table.entries, program);
    }

    unsafe fn run_with(&self, regs: *mut u8, n: usize, consts: &[Vector], program: &Program) {
        let f: Entry = std::mem::transmute(self.code.ptr);
        f(regs, n as u64, consts.as_ptr() as *const u8, program);
    }
}

/// A kernel's constant table with its parameters' values ([`Program::params`]): the first entries.
#[derive(Clone, Debug)]
pub struct Table {
    entries: Vec<Vector>,
    f64: bool,
}

impl Table {
    /// Sets parameter `i` to `v` (rounded to f32 in f32 code, as lanes' `splat` rounds).
    #[inline]
    pub fn set(&mut self, i: usize, v: f64) {
        self.entries[i].0 = lower::splat_float(v, self.f64);
    }
}

/// What the generated code calls for an instruction it has no inline form for: computes instruction `index` of
/// the program (its low 32 bits) on `count` consecutive vectors (the block's), with the interpreter's own lane
/// functions (vector code, `vmath.rs`), in their AVX2-and-FMA compilation where the CPU has those, or with
/// `PAIRS` (AVX-512 code) in their AVX-512 compilation on pairs of vectors, 8 f64 or 16 f32 lanes per
/// instruction. Bit 32 of `index` set says the first operand is a constant (one vector, read for every vector),
/// bit 33 the second.
///
/// # Safety
/// `program` is the program the code was compiled from, `dst` has room for `count` vectors and `a` and `b` hold
/// `count` vectors each (one if a constant); with `PAIRS`, `count` is even, constants are 64 bytes, and the CPU
/// has AVX-512 F (which AVX-512 code runs on).
unsafe extern "sysv64" fn helper<V: Lanes, const PAIRS: bool>(
    program: *const Program,
    dst: *mut V,
    a: *const V,
    b: *const V,
    index: u64,
    count: u64,
) {
    let step = |bit: u64| if index >> bit & 1 == 1 { 0 } else { 1 };
    let (ins, sa, sb) = ((*program).instrs()[index as u32 as usize], step(32), step(33));
    if PAIRS {
        super::program::functions_pairs(ins, dst, (a, sa), (b, sb), count as usize);
    } else {
        super::program::functions(ins, dst, (a, sa), (b, sb), count as usize);
    }
}
