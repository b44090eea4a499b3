//! What runs a [`Program`] on this machine: its machine code where the CPU has an instruction set for it
//! (`jit/`), else the interpreter, with f64's exp in the form of this machine's code either way, so that turning
//! the machine code off ([`super::MachineCode::Off`]) changes no result. The program itself knows nothing of
//! the machine code.

use std::ops::Deref;

use super::lanes::Lanes;
use super::program::{Program, Reg, B, INPUT_X, INPUT_Y};

/// Block sums a program's machine code can keep in vector registers instead of storing each vector's value: the
/// maximum of register `max`'s words over the vectors that run ([`Lanes::max_words`]) and the minimum of register
/// `min` (see [`Evaluator::with_sums`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sums {
    pub max: u16,
    pub min: Option<u16>,
}

/// A program and the way it runs here. It dereferences to its [`Program`] (outputs, registers, the
/// interpreter).
#[derive(Debug)]
pub struct Evaluator {
    program: Program,
    #[cfg(all(target_arch = "x86_64", unix))]
    kernel: Option<super::jit::Kernel>,
    /// The machine code of [`Evaluator::with_sums`].
    #[cfg(all(target_arch = "x86_64", unix))]
    summing: Option<super::jit::Kernel>,
}

impl Evaluator {
    /// `program` for lanes `V`: compiled to machine code where that is possible (x86-64 with AVX2 and FMA, or
    /// AVX-512, unless [`super::MachineCode::Off`]), else interpreted.
    pub fn new<V: Lanes>(program: Program) -> Evaluator {
        #[cfg(all(target_arch = "x86_64", unix))]
        {
            let program = program.with_exp_form(super::jit::exp_form());
            let kernel = super::jit::kernel_isa().and_then(|isa| super::jit::Kernel::compile::<V>(&program, isa));
            Evaluator {
                program,
                kernel,
                summing: None,
            }
        }
        #[cfg(not(all(target_arch = "x86_64", unix)))]
        Evaluator { program }
    }

    /// [`Evaluator::new`], with a second machine code for [`Evaluator::eval_sums`], which keeps `sums` in
    /// registers (where the program allows it: the sums computed by the last run of inline instructions).
    pub fn with_sums<V: Lanes>(program: Program, sums: Sums) -> Evaluator {
        #[allow(unused_mut)]
        let mut e = Evaluator::new::<V>(program);
        #[cfg(all(target_arch = "x86_64", unix))]
        {
            e.summing = e
                .kernel
                .as_ref()
                .and_then(|k| super::jit::Kernel::compile_sums::<V>(&e.program, k.isa(), sums));
        }
        let _ = sums;
        e
    }

    /// The machine code, if it runs (for tests).
    #[cfg(all(test, target_arch = "x86_64", unix))]
    pub(super) fn kernel(&self) -> Option<&super::jit::Kernel> {
        self.kernel.as_ref()
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

    /// [`Evaluator::eval_first`] at the x and y already in registers [`INPUT_X`] and [`INPUT_Y`], which no
    /// instruction writes: the epochs keep their lanes' positions there and update them in place.
    #[inline(always)]
    pub fn eval_in_place<V: Lanes>(&self, regs: &mut [Reg<V>], n: usize) {
        #[cfg(all(target_arch = "x86_64", unix))]
        if let Some(k) = &self.kernel {
            if k.precision() == V::PRECISION {
                assert!(
                    regs.len() >= self.program.registers(),
                    "registers_for makes the registers of a program"
                );
                // SAFETY: the registers of this program in V's precision, the kernel's; n is at most B.
                unsafe { k.run(regs.as_mut_ptr() as *mut u8, n.min(B), &self.program) };
                return;
            }
        }
        self.program.eval_in_place(regs, n);
    }
}

/// The values of a program's parameters ([`Program::params`]) for one caller (a block of lanes): in the machine
/// code's constant table, or for the interpreter in the parameters' registers.
#[derive(Clone, Debug)]
pub struct Params {
    #[cfg(all(target_arch = "x86_64", unix))]
    table: Option<super::jit::Table>,
    #[cfg(all(target_arch = "x86_64", unix))]
    summing: Option<super::jit::Table>,
}

impl Evaluator {
    /// A fresh set of parameter values for [`Evaluator::set_params`] and [`Evaluator::eval_params`].
    pub fn params<V: Lanes>(&self) -> Params {
        #[cfg(all(target_arch = "x86_64", unix))]
        let table =
            |k: &Option<super::jit::Kernel>| k.as_ref().filter(|k| k.precision() == V::PRECISION).map(|k| k.table());
        Params {
            #[cfg(all(target_arch = "x86_64", unix))]
            table: table(&self.kernel),
            #[cfg(all(target_arch = "x86_64", unix))]
            summing: table(&self.summing),
        }
    }

    /// Sets the parameters to `values` (in the order of [`Program::params`]).
    #[inline(always)]
    pub fn set_params<V: Lanes>(&self, params: &mut Params, regs: &mut [Reg<V>], values: &[f64]) {
        #[cfg(all(target_arch = "x86_64", unix))]
        if let Some(t) = &mut params.table {
            for (i, &v) in values.iter().take(self.program.params().len()).enumerate() {
                t.set(i, v);
                if let Some(s) = &mut params.summing {
                    s.set(i, v);
                }
            }
            return;
        }
        let _ = params;
        for (&r, &v) in self.program.params().iter().zip(values) {
            regs[r as usize] = [V::splat(v); B];
        }
    }

    /// [`Evaluator::eval_in_place`] with the parameters' values of `params`.
    #[inline(always)]
    pub fn eval_params<V: Lanes>(&self, regs: &mut [Reg<V>], n: usize, params: &Params) {
        #[cfg(all(target_arch = "x86_64", unix))]
        if let (Some(k), Some(t)) = (&self.kernel, &params.table) {
            assert!(
                regs.len() >= self.program.registers(),
                "registers_for makes the registers of a program"
            );
            // SAFETY: as in `eval_in_place`; the table is this kernel's (made by `params` for V's precision).
            unsafe { k.run_table(regs.as_mut_ptr() as *mut u8, n.min(B), t, &self.program) };
            return;
        }
        let _ = params;
        self.program.eval_in_place(regs, n);
    }

    /// [`Evaluator::eval_params`] by the machine code of [`Evaluator::with_sums`]: the other outputs as that
    /// writes them, and instead of each vector's value of the sums' registers, their words' maximum (and
    /// minimum) over the first `n` vectors, in the first vectors of those registers. Returns how many vectors hold
    /// them (each a partial maximum, or minimum, of its lanes), or None, having run nothing, where there is no such
    /// code or it would run a vector past `n` (AVX-512 code runs pairs of vectors, so an odd `n` computes one
    /// more).
    #[inline(always)]
    pub fn eval_sums<V: Lanes>(&self, regs: &mut [Reg<V>], n: usize, params: &Params) -> Option<usize> {
        #[cfg(all(target_arch = "x86_64", unix))]
        if let (Some(k), Some(t)) = (&self.summing, &params.summing) {
            let width = k.vectors_per_register();
            if !n.is_multiple_of(width) || n > B {
                return None;
            }
            assert!(
                regs.len() >= self.program.registers(),
                "registers_for makes the registers of a program"
            );
            // SAFETY: as in `eval_params`; the table is this code's (made by `params` for V's precision).
            unsafe { k.run_table(regs.as_mut_ptr() as *mut u8, n, t, &self.program) };
            return Some(width);
        }
        let _ = (regs, n, params);
        None
    }
}

impl Deref for Evaluator {
    type Target = Program;

    fn deref(&self) -> &Program {
        &self.program
    }
}
