//! Register allocation for the code generator: a program register's value stays in a vector register until
//! one is needed for something read sooner (Belady's rule: the value read furthest ahead leaves), and goes to
//! its home in the block's registers only if it is read again or is an output.

use super::encode::Rm;
use super::lower::Gen;
use super::{RBX, REG_BYTES};

/// Vector registers of the widest instruction set (AVX-512's 32 `zmm`; AVX2 uses the first 16, as `ymm`).
pub(super) const VREGS: usize = 32;

/// One vector register's state: the register of the program it holds, for which stream.
#[derive(Clone, Copy, Default)]
pub(super) struct Ymm {
    pub(super) holds: Option<(u16, u8)>,
    pub(super) dirty: bool,
    pub(super) locked: bool,
}

pub(super) const NEVER: u32 = u32::MAX;

impl Gen<'_> {
    /// Where register `r` of stream `s` lives in memory.
    pub(super) fn home_of(&self, r: u16, s: u8) -> Rm {
        self.const_of[r as usize].unwrap_or(Rm::Mem(RBX, r as i32 * REG_BYTES + self.s.isa.width() * s as i32))
    }

    pub(super) fn home(&self, r: u16) -> Rm {
        self.home_of(r, self.stream)
    }

    /// The vector registers given out: all but those kept for the block sums' accumulators (the last ones) in
    /// the segment that computes the sums.
    pub(super) fn usable(&self) -> usize {
        self.s.isa.registers() - self.reserved()
    }

    pub(super) fn find(&self, r: u16) -> Option<u8> {
        (0..self.usable())
            .find(|&y| self.ymm[y].holds == Some((r, self.stream)))
            .map(|y| y as u8)
    }

    /// The next read of register `r` of stream `s`: streams up to the current one have run the current
    /// instruction, the later ones have not.
    pub(super) fn next_read(&self, r: u16, s: u8) -> u32 {
        let reads_here = s > self.stream && self.program.instrs()[self.pos].parts().1.contains(&Some(r));
        if reads_here {
            self.pos as u32
        } else {
            self.next[self.pos][r as usize]
        }
    }

    /// Whether register `r` of stream `s` is read again (or is an output).
    pub(super) fn live(&self, r: u16, s: u8) -> bool {
        self.next_read(r, s) != NEVER || self.is_output[r as usize]
    }

    /// Whether the current stream's `r` is read after the current instruction (or is an output).
    pub(super) fn live_after(&self, r: u16) -> bool {
        self.live(r, self.stream)
    }

    /// A free register: an empty one, else the one whose value is read last (stored first if it must be kept).
    pub(super) fn alloc(&mut self) -> u8 {
        let y = (0..self.usable())
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
    pub(super) fn reg(&mut self, r: u16) -> u8 {
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
    pub(super) fn rm(&mut self, r: u16) -> Rm {
        match self.find(r) {
            Some(y) => {
                self.ymm[y as usize].locked = true;
                Rm::Reg(y)
            }
            None => self.home(r),
        }
    }

    /// A register for the result `d` (any register that held an older value of `d` is let go: it is dead).
    pub(super) fn def(&mut self, d: u16) -> u8 {
        if let Some(y) = self.find(d) {
            self.ymm[y as usize] = Ymm::default();
        }
        let y = self.alloc();
        self.ymm[y as usize].holds = Some((d, self.stream));
        self.ymm[y as usize].dirty = true;
        y
    }

    /// Takes over the register of `r` for the result `d` if `r` is in one and is not read again.
    pub(super) fn reuse(&mut self, r: u16, d: u16) -> Option<u8> {
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

    pub(super) fn is_const(&self, r: u16) -> bool {
        self.const_of[r as usize].is_some()
    }

    /// After an instruction: unlocks every register and lets go of the values not read again.
    pub(super) fn finish(&mut self) {
        for y in 0..self.usable() {
            self.ymm[y].locked = false;
            if let Some((r, s)) = self.ymm[y].holds {
                if !self.live(r, s) {
                    self.ymm[y] = Ymm::default();
                }
            }
        }
    }

    /// Lets go of an exp's scratch registers.
    pub(super) fn release(&mut self, temps: &[u8]) {
        for &r in temps {
            self.ymm[r as usize] = Ymm::default();
        }
    }
}
