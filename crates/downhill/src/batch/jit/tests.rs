use super::super::evaluator::Sums;
use super::super::lanes::{F32x8, F64x4};
use super::super::program::Reg;
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
    let kernel = Kernel::compile_streams::<V>(program, isa, streams, None).ok_or("no executable memory")?;
    let (interp, compiled) = both_ways::<V>(program, &kernel, points, n);
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

/// The registers after the first `n` vectors of a block at `points` (repeated to fill it) are evaluated by the
/// interpreter, and by `kernel` (compiled from `program`).
fn both_ways<V: Lanes>(
    program: &Program,
    kernel: &Kernel,
    points: &[[f64; 2]],
    n: usize,
) -> (Vec<Reg<V>>, Vec<Reg<V>>) {
    let lanes = |c: usize| -> [V; B] {
        std::array::from_fn(|k| {
            V::load(
                &(0..V::N)
                    .map(|j| points[(k * V::N + j) % points.len()][c])
                    .collect::<Vec<_>>(),
            )
        })
    };
    let (x, y) = (lanes(0), lanes(1));
    let mut interp = program.registers_for::<V>();
    program.eval_interpreted_with(&mut interp, &x, &y, n, form_of(kernel.isa()));
    let mut compiled = program.registers_for::<V>();
    compiled[0] = x;
    compiled[1] = y;
    // SAFETY: registers made for this program, n <= B.
    unsafe { kernel.run(compiled.as_mut_ptr() as *mut u8, n, program) };
    (interp, compiled)
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

/// Every function of the grammar and powers with constant and variable bases and exponents: the code cuts the
/// program at each call and calls each function once for the block's vectors (a constant operand read for every
/// vector), in whole and partial blocks.
#[test]
fn every_function_called_once_per_block_equals_the_interpreter() {
    if kernel_isa().is_none() {
        return;
    }
    for text in [
        "sin(x) + cos(y) + tan(x*y) + atan(x) + asin(x/4) + acos(y/4) + sinh(x) + cosh(y) + tanh(x-y)",
        "ln(x^2+1) + sign(x-y) + abs(x) * exp(-y^2) + sqrt(abs(y))",
        "2^x + x^y + y^3.5 + (x^2+1)^-0.5 + 3^(x*y) + x^(1/3)",
        "sin(cos(tanh(x + ln(1 + y^2))))",
    ] {
        let f = Function::parse(text).unwrap();
        for tape in [&f.tapes().gradient, &f.tapes().full] {
            let p = Program::new(tape);
            for n in [1, 7, B] {
                for streams in [1, 2] {
                    let fail = |e| panic!("{text}, {n} vectors, {streams} streams: {e}");
                    same_bits::<F64x4>(&p, &points(), n, streams).unwrap_or_else(fail);
                    same_bits::<F32x8>(&p, &points(), n, streams).unwrap_or_else(fail);
                }
            }
        }
    }
}

/// The bytes of `p`'s machine code in `isa`, for f64 or f32 lanes (compiled, and read, on any CPU).
fn machine_code(p: &Program, isa: Isa, f64: bool) -> Vec<u8> {
    let kernel = if f64 {
        Kernel::compile::<F64x4>(p, isa)
    } else {
        Kernel::compile::<F32x8>(p, isa)
    };
    kernel.expect("executable memory").code().0
}

/// The whole code of a program with calls, in both instruction sets (AVX-512's is compiled and read here even
/// on a CPU without it): every byte decodes, every jump lands on an instruction, and a call's vector count is
/// the block's (rounded up to whole registers in AVX-512 code, which runs vectors in pairs).
#[test]
fn code_with_calls_decodes_and_jumps_land_on_instructions_in_both_instruction_sets() {
    use iced_x86::{Code, Decoder, DecoderOptions, Mnemonic, OpKind, Register};
    let f = Function::parse("sin(x) + 2^y * ln(x^2 + 1)").unwrap();
    let p = Program::new(&f.tapes().gradient);
    for isa in [Isa::Avx2, Isa::Avx512] {
        for f64 in [true, false] {
            let code = machine_code(&p, isa, f64);
            let mut d = Decoder::with_ip(64, &code, 0, DecoderOptions::NONE);
            let mut starts = std::collections::HashSet::new();
            let mut targets = Vec::new();
            let (mut calls, mut rounding) = (0, 0);
            while d.can_decode() {
                let i = d.decode();
                assert!(i.code() != Code::INVALID, "{isa:?}: invalid at {:#x}", i.ip());
                starts.insert(i.ip());
                if i.op_count() > 0 && i.op0_kind() == OpKind::NearBranch64 {
                    targets.push((i.ip(), i.near_branch64()));
                }
                if i.mnemonic() == Mnemonic::Call {
                    calls += 1;
                }
                let r9_imm = |m: Mnemonic, v: i64| {
                    i.mnemonic() == m
                        && i.op0_register() == Register::R9
                        && i.op_kind(1) == OpKind::Immediate8to64
                        && i.immediate8to64() == v
                };
                if r9_imm(Mnemonic::Add, 1) || r9_imm(Mnemonic::And, -2) {
                    rounding += 1;
                }
            }
            for (from, to) in targets {
                assert!(
                    starts.contains(&to),
                    "{isa:?}: the jump at {from:#x} lands inside an instruction"
                );
            }
            // sin, the power and ln: one call each (the gradient may need more of them).
            assert!(calls >= 3, "{isa:?}: {calls} calls");
            let want = if isa == Isa::Avx512 { 2 * calls } else { 0 };
            assert_eq!(rounding, want, "{isa:?} f64 {f64}: the vector count's rounding");
        }
    }
}

/// The instructions of fused updates that compare and pick (a fused Newton, AMSGrad, Rprop, Lion, clipping):
/// max as `f64::max` (a NaN loses, either side), masks of `>` and `>=` (false for NaN), blends by those masks,
/// abs inline, and instructions skipped where a mask holds in every lane, with constants on either side; compiled in each instruction set this CPU runs, in whole and
/// partial blocks, equal to the interpreter bit for bit, on points with zeros of both signs, NaN and infinity.
#[test]
fn compares_maxima_and_blends_equal_the_interpreter() {
    if kernel_isa().is_none() {
        return;
    }
    let (x, y, zero, one) = (0, 1, 2, 3);
    let instrs = vec![
        Instr::Max(4, x, y),
        Instr::Max(5, y, x),
        Instr::Gt(6, x, y),
        Instr::Ge(7, x, y),
        Instr::Select(8, 6, x, y),
        Instr::Select(9, 7, 4, 5),
        Instr::Call(10, crate::expr::Func::Abs, x),
        Instr::Gt(11, x, zero),
        Instr::Select(12, 11, one, 10),
        Instr::Max(13, 10, one),
        Instr::Ge(14, zero, y),
        Instr::Select(15, 14, 13, 8),
        Instr::Max(16, zero, y),
        // Skipped for vectors where x > y in every lane (the select then takes x): y / x and its root.
        Instr::SkipIfAll(6, 2),
        Instr::Div(17, y, x),
        Instr::Sqrt(18, 17),
        Instr::Select(19, 6, x, 18),
    ];
    let n = instrs.len();
    let p = Program::from_parts(
        instrs,
        vec![false; n],
        vec![(zero, 0.0), (one, 1.0)],
        Vec::new(),
        vec![4, 5, 8, 9, 10, 12, 13, 15, 16, 19],
        20,
    );
    let mut pts = points();
    pts.extend([
        [-0.0, 0.0],
        [0.0, -0.0],
        [f64::NAN, f64::NAN],
        [2.0, f64::NAN],
        [f64::NEG_INFINITY, -1.0],
    ]);
    for n in [1, 7, B] {
        for streams in [1, 2] {
            let fail = |e| panic!("{n} vectors, {streams} streams: {e}");
            same_bits::<F64x4>(&p, &pts, n, streams).unwrap_or_else(fail);
            same_bits::<F32x8>(&p, &pts, n, streams).unwrap_or_else(fail);
        }
    }
}

#[test]
fn a_parameter_splat_is_its_bytes_repeated() {
    for v in [
        0.0,
        -0.0,
        1.0,
        -2.5e-300,
        1e300,
        0.1,
        f64::INFINITY,
        f64::NAN,
        3.4e38,
        1e-45,
    ] {
        assert_eq!(lower::splat_float(v, true), lower::splat(v.to_le_bytes()), "f64 {v}");
        assert_eq!(
            lower::splat_float(v, false),
            lower::splat((v as f32).to_le_bytes()),
            "f32 {v}"
        );
    }
}

/// Code that keeps a block sum and a minimum in registers: the other outputs as the interpreter's, bit for bit;
/// the sum of the value's vectors and the minimum of gx's (at points where every sum is exact, so the order of
/// adding does not matter), in the first register width; in both instruction sets, with 1 to 3 streams, in whole
/// and partial blocks (whole register widths: what `Evaluator::eval_sums` runs) and with a spilling gradient.
#[test]
fn summing_code_sums_and_keeps_the_other_outputs() {
    if kernel_isa().is_none() {
        return;
    }
    // Dyadic points: every value, and every sum of a block's values, is exact in f32 and f64.
    let points: Vec<[f64; 2]> = (0..300)
        .map(|i| [-2.0 + 0.5 * (i % 9) as f64, -1.5 + 0.5 * (i * 7 % 8) as f64])
        .collect();
    let spill: Vec<String> = (1..=20).map(|k| format!("(x + {k}/8)*(y - {k}/16)")).collect();
    for text in ["x^3*y - 2*x*y^2 + y + 0.5*x", "x^2 + y^2", &spill.join(" + ")] {
        let f = Function::parse(text).unwrap();
        let (p, sums) = with_sums(&Program::new(&f.tapes().value_gradient));
        assert!(lower::summable(&p, sums), "{text}");
        for isa in isas() {
            for streams in [1, 2, 3] {
                for n in [B, B - 2, 6, 2, 0] {
                    summed::<F64x4>(&p, sums, isa, streams, &points, n)
                        .unwrap_or_else(|e| panic!("{text} f64 {isa:?} {streams} streams, {n} vectors: {e}"));
                    summed::<F32x8>(&p, sums, isa, streams, &points, n)
                        .unwrap_or_else(|e| panic!("{text} f32 {isa:?} {streams} streams, {n} vectors: {e}"));
                }
            }
        }
    }
    // Not where a sum's register is made by a call, or read by an instruction, or a call comes after it.
    let f = Function::parse("sin(x) + y").unwrap();
    let p = Program::new(&f.tapes().value_gradient);
    let outs = p.outputs().to_vec();
    assert!(!lower::summable(
        &p,
        Sums {
            max: outs[0],
            min: Some(outs[1])
        }
    ));
    let f = Function::parse("x^2*y + y").unwrap();
    let p = Program::new(&f.tapes().full);
    let instrs = p.instrs();
    let read = instrs
        .iter()
        .map(|ins| ins.parts().0)
        .find(|&d| instrs.iter().any(|ins| ins.parts().1.contains(&Some(d))))
        .expect("a value read again");
    assert!(!lower::summable(&p, Sums { max: read, min: None }));
}

/// `p` (a value and gradient) with two sums after it, as the fused epochs' are made: m = gx gy and s = v + m, each
/// in a register of its own, the minimum of m and the words' maximum of s kept (the outputs gx, gy, s, m).
fn with_sums(p: &Program) -> (Program, Sums) {
    let [v, gx, gy] = p.outputs()[..] else {
        unreachable!("a value and a gradient")
    };
    let (m, s) = (p.registers() as u16, p.registers() as u16 + 1);
    let mut instrs = p.instrs().to_vec();
    instrs.extend([Instr::Mul(m, gx, gy), Instr::Add(s, v, m)]);
    let nonpositive = (0..instrs.len())
        .map(|i| i < p.instrs().len() && p.first_operand_nonpositive(i))
        .collect();
    let sums = Sums { max: s, min: Some(m) };
    let program = Program::from_parts(
        instrs,
        nonpositive,
        p.consts().to_vec(),
        p.params().to_vec(),
        vec![gx, gy, s, m],
        p.registers() + 2,
    );
    (program, sums)
}

fn summed<V: Lanes>(
    program: &Program,
    sums: Sums,
    isa: Isa,
    streams: u8,
    points: &[[f64; 2]],
    n: usize,
) -> Result<(), String> {
    let kernel = Kernel::compile_streams::<V>(program, isa, streams, Some(sums)).ok_or("no executable memory")?;
    let (interp, compiled) = both_ways::<V>(program, &kernel, points, n);
    let width = kernel.vectors_per_register();
    for (k, &r) in program.outputs().iter().enumerate() {
        let (a, b) = (&interp[r as usize], &compiled[r as usize]);
        let all = |v: &[V]| -> Vec<f64> { v.iter().flat_map(|v| (0..V::N).map(move |j| v.lane(j))).collect() };
        let want = all(&a[..n]);
        let got = all(&b[..width]);
        let check = |what: &str, want: f64, got: f64| {
            if want.to_bits() == got.to_bits() {
                Ok(())
            } else {
                Err(format!("output {k}'s {what}: {want:e}, compiled {got:e}"))
            }
        };
        if r == sums.max {
            // The largest of each word of the lanes' bits, in their own width.
            let words = |v: f64| match V::PRECISION {
                crate::batch::Precision::F64 => [v.to_bits() >> 32, v.to_bits() & 0xffff_ffff],
                crate::batch::Precision::F32 => [u64::from((v as f32).to_bits()), 0],
            };
            let max = |v: &[f64]| v.iter().fold([0, 0], |m, &v| [0, 1].map(|k| m[k].max(words(v)[k])));
            if max(&want) != max(&got) {
                return Err(format!(
                    "output {k}'s words' maximum: {:x?}, compiled {:x?}",
                    max(&want),
                    max(&got)
                ));
            }
        } else if Some(r) == sums.min {
            check(
                "minimum",
                want.iter().fold(f64::INFINITY, |m, &v| m.min(v)),
                got.iter().fold(f64::INFINITY, |m, &v| m.min(v)),
            )?;
        } else {
            for (i, (p, q)) in want.iter().zip(all(&b[..n])).enumerate() {
                check(&format!("lane {i}"), *p, q)?;
            }
        }
    }
    Ok(())
}

/// AVX-512 code keeps a loop's constants in registers it loads before the loop (32 registers leave room after
/// the loop's own 16): Styblinski-Tang's gradient loop reads no constant from the table, where AVX2 code (16
/// registers in all, none to spare) reads them from memory on every iteration. Decoded with iced-x86, so it is
/// checked on a CPU without AVX-512 too; what the code computes is checked against the interpreter above.
#[test]
fn avx512_loops_read_their_constants_from_registers() {
    use iced_x86::{Decoder, DecoderOptions, OpKind, Register};
    let f = Function::parse("(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y) / 2").unwrap();
    let p = Program::new(&f.tapes().gradient);
    assert!(p.consts().len() >= 3, "a program with constants");
    for isa in [Isa::Avx2, Isa::Avx512] {
        for f64 in [true, false] {
            let code = machine_code(&p, isa, f64);
            let instrs: Vec<_> = Decoder::with_ip(64, &code, 0, DecoderOptions::NONE)
                .into_iter()
                .collect();
            // A loop runs from a backward jump's target to the jump.
            let loops: Vec<(u64, u64)> = instrs
                .iter()
                .filter(|i| i.op_count() > 0 && i.op0_kind() == OpKind::NearBranch64 && i.near_branch64() < i.ip())
                .map(|i| (i.near_branch64(), i.ip()))
                .collect();
            assert!(!loops.is_empty(), "{isa:?}: a loop");
            let in_loops = instrs
                .iter()
                .filter(|i| loops.iter().any(|&(a, b)| (a..=b).contains(&i.ip())))
                .filter(|i| {
                    (0..i.op_count()).any(|k| i.op_kind(k) == OpKind::Memory) && i.memory_base() == Register::R13
                })
                .count();
            if isa == Isa::Avx512 {
                assert_eq!(in_loops, 0, "f64 {f64}: constants read from the table inside the loop");
            } else {
                assert!(in_loops >= 3, "AVX2 f64 {f64}: {in_loops} constants read in the loop");
            }
        }
    }
}
