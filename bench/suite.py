"""The benchmark suite's JAX side and its table (bash bench/suite runs both sides).

`suite.py jax CELLS --precision f64|f32` reads the engine's cells (JSON lines from benches/suite.rs), runs each
cell of that precision in JAX (jit of a fori_loop over the vectorised update, PyTorch's update rules, gradients
by jax.grad, Newton by jax.hessian and a 2x2 solve) and prints one JSON line per cell. x64 mode is global to a
process, so each precision runs in its own process.

`suite.py table CELLS` prints the table: ns per point-step of both engines, the ratio (JAX's time over the
engine's: above 1 the engine is faster), the share of sampled end points where both agree, and the geometric
means. `--markdown` prints it for docs/performance.md.
"""

import argparse
import json
import math
import sys
import time
from collections import defaultdict


# A cell runs at least --repeat times, and more until its runs take MIN_SECONDS together (at most MAX_RUNS), as
# benches/suite.rs does: the fastest of two or three runs of a 20 ms cell moves by up to 2x on a shared machine.
MIN_SECONDS = 0.5
MAX_RUNS = 50


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def formula_to_python(text):
    # The suite's formulas use + - * / ^ ( ) and function calls: ^ is **, right-associative in both, and binds
    # tighter than unary minus in both.
    return text.replace("^", "**")


def make_function(jnp, formula):
    names = {
        "exp": jnp.exp, "ln": jnp.log, "sqrt": jnp.sqrt, "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan,
        "atan": jnp.arctan, "asin": jnp.arcsin, "acos": jnp.arccos, "sinh": jnp.sinh, "cosh": jnp.cosh,
        "tanh": jnp.tanh, "abs": jnp.abs, "sign": jnp.sign, "pi": math.pi, "e": math.e,
    }
    code = compile(formula_to_python(formula), "<formula>", "eval")
    return lambda x, y: eval(code, {"__builtins__": {}}, dict(names, x=x, y=y))


def updates(jax, jnp, cell, f, dtype):
    """The cell's update as (initial state, step(t, p, state) -> (p, state)), PyTorch's rules and defaults."""
    lr = cell["lr"]
    grad = jax.vmap(jax.grad(f, argnums=(0, 1)))
    zeros = lambda n: (jnp.zeros(n, dtype), jnp.zeros(n, dtype))
    name = cell["optimizer"]
    if name == "gd":
        def step(t, p, s):
            gx, gy = grad(*p)
            return (p[0] - lr * gx, p[1] - lr * gy), s
        return (lambda n: ()), step
    if name == "momentum":
        # SGD(momentum=0.9): b = 0.9 b + g (b = g at the first step, which 0.9 * 0 + g is), p -= lr b.
        def step(t, p, b):
            gx, gy = grad(*p)
            b = (0.9 * b[0] + gx, 0.9 * b[1] + gy)
            return (p[0] - lr * b[0], p[1] - lr * b[1]), b
        return zeros, step
    if name == "adam":
        b1, b2, eps = 0.9, 0.999, 1e-8

        def step(t, p, s):
            (mx, my), (vx, vy) = s
            gx, gy = grad(*p)
            k = (t + 1).astype(dtype)
            step_size = lr / (1 - b1**k)
            bias2_sqrt = jnp.sqrt(1 - b2**k)
            mx, my = b1 * mx + (1 - b1) * gx, b1 * my + (1 - b1) * gy
            vx, vy = b2 * vx + (1 - b2) * gx * gx, b2 * vy + (1 - b2) * gy * gy
            px = p[0] - step_size * mx / (jnp.sqrt(vx) / bias2_sqrt + eps)
            py = p[1] - step_size * my / (jnp.sqrt(vy) / bias2_sqrt + eps)
            return (px, py), ((mx, my), (vx, vy))
        return (lambda n: (zeros(n), zeros(n))), step
    if name == "rmsprop":
        alpha, eps = 0.99, 1e-8

        def step(t, p, v):
            gx, gy = grad(*p)
            v = (alpha * v[0] + (1 - alpha) * gx * gx, alpha * v[1] + (1 - alpha) * gy * gy)
            return (p[0] - lr * gx / (jnp.sqrt(v[0]) + eps), p[1] - lr * gy / (jnp.sqrt(v[1]) + eps)), v
        return zeros, step
    if name == "newton":
        hessian = jax.vmap(jax.hessian(f, argnums=(0, 1)))

        def step(t, p, s):
            gx, gy = grad(*p)
            (hxx, hxy), (_, hyy) = hessian(*p)
            det = hxx * hyy - hxy * hxy
            dx = (hyy * gx - hxy * gy) / det
            dy = (hxx * gy - hxy * gx) / det
            return (p[0] - lr * dx, p[1] - lr * dy), s
        return (lambda n: ()), step
    raise SystemExit(f"unknown optimizer {name}")


def run_jax(cells, precision, isa, repeat):
    import jax

    jax.config.update("jax_enable_x64", precision == "f64")
    import jax.numpy as jnp
    import numpy as np

    dtype = np.float64 if precision == "f64" else np.float32
    for cell in cells:
        if cell["precision"] != precision or cell["isa"] != isa:
            continue
        f = make_function(jnp, cell["formula"])
        init, step = updates(jax, jnp, cell, f, dtype)
        side, steps = cell["side"], cell["steps"]
        x0, x1, y0, y1 = cell["domain"]
        xs = np.linspace(x0, x1, side, dtype=np.float64)
        ys = np.linspace(y0, y1, side, dtype=np.float64)
        X, Y = np.meshgrid(xs, ys)
        x, y = jnp.asarray(X.ravel().astype(dtype)), jnp.asarray(Y.ravel().astype(dtype))

        @jax.jit
        def descend(x, y):
            def body(t, carry):
                p, s = carry
                return step(t, p, s)

            return jax.lax.fori_loop(0, steps, body, ((x, y), init(x.shape[0])))[0]

        ex, ey = jax.block_until_ready(descend(x, y))  # compiles for this shape, not timed
        assert ex.dtype == dtype, ex.dtype
        best, spent, runs = float("inf"), 0.0, 0
        while runs < repeat or (spent < MIN_SECONDS and runs < MAX_RUNS):
            t = time.perf_counter()
            jax.block_until_ready(descend(x, y))
            took = time.perf_counter() - t
            best, spent, runs = min(best, took), spent + took, runs + 1
        ex, ey = np.asarray(ex, np.float64), np.asarray(ey, np.float64)
        ends = [[i, float(ex[i]), float(ey[i])] for i, _, _ in cell["ends"]]
        print(json.dumps({
            "engine": "jax", "function": cell["function"], "optimizer": cell["optimizer"], "precision": precision,
            "isa": cell["isa"], "ns": best * 1e9 / (side * side * steps), "ends": ends,
        }), flush=True)


def agreement(a, b, scale):
    """The share of sampled lanes whose end points agree within 1e-3 of the domain's width (both not finite
    counts as agreeing)."""
    same = 0
    for (_, ax, ay), (_, bx, by) in zip(a, b):
        finite_a = ax is not None and ay is not None and math.isfinite(ax) and math.isfinite(ay)
        finite_b = bx is not None and by is not None and math.isfinite(bx) and math.isfinite(by)
        if not finite_a or not finite_b:
            same += finite_a == finite_b
        elif abs(ax - bx) <= 1e-3 * scale and abs(ay - by) <= 1e-3 * scale:
            same += 1
    return same / max(1, len(a))


def table(rows, markdown):
    # The fastest figure of each engine per cell (the suite may run several rounds).
    best = {}
    for r in rows:
        key = (r["engine"], r["isa"], r["function"], r["optimizer"], r["precision"])
        if key not in best or r["ns"] < best[key]["ns"]:
            best[key] = r
    cells = [r for k, r in best.items() if k[0] == "downhill"]
    isas = sorted({r["isa"] for r in cells})
    means = {}
    for isa in isas:
        lines = []
        ratios = defaultdict(list)
        for r in cells:
            if r["isa"] != isa:
                continue
            j = best.get(("jax", isa, r["function"], r["optimizer"], r["precision"]))
            if j is None:
                continue
            ratio = j["ns"] / r["ns"]
            ratios[r["precision"]].append(ratio)
            scale = r["domain"][1] - r["domain"][0]
            lines.append((r["function"], r["optimizer"], r["precision"], r["ns"], j["ns"], ratio,
                          agreement(r["ends"], j["ends"], scale), r["diverged"]))
        if markdown:
            print(f"\n{isa} code (JAX held to the same instruction set), ns per point-step:\n")
            print("| function | optimizer | precision | downhill | JAX | ratio | ends agree | diverged |")
            print("|---|---|---|---:|---:|---:|---:|---:|")
            for l in lines:
                print(f"| {l[0]} | {l[1]} | {l[2]} | {l[3]:.2f} | {l[4]:.2f} | {l[5]:.2f}x | {l[6]:.0%} | {l[7]:.1%} |")
        else:
            print(f"\n{isa} code, ns per point-step (ratio: JAX's time over downhill's)")
            print(f"{'function':<16} {'optimizer':<9} {'prec':<4} {'downhill':>9} {'JAX':>9} {'ratio':>7} "
                  f"{'agree':>6} {'diverged':>8}")
            for l in lines:
                print(f"{l[0]:<16} {l[1]:<9} {l[2]:<4} {l[3]:>9.2f} {l[4]:>9.2f} {l[5]:>6.2f}x {l[6]:>6.0%} "
                      f"{l[7]:>8.1%}")
        for precision, rs in sorted(ratios.items()):
            g = math.exp(sum(map(math.log, rs)) / len(rs))
            worst = min(rs)
            means[(isa, precision)] = g
            print(f"{'' if not markdown else '- '}{isa} {precision}: geometric mean {g:.2f}x over {len(rs)} cells, "
                  f"slowest cell {worst:.2f}x")
    return means


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["jax", "table"])
    parser.add_argument("cells")
    parser.add_argument("--precision", choices=["f64", "f32"])
    parser.add_argument("--isa", help="the engine's cells of this instruction set")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = load(args.cells)
    if args.what == "jax":
        if not args.precision or not args.isa:
            parser.error("jax needs --precision and --isa")
        run_jax([r for r in rows if r["engine"] == "downhill"], args.precision, args.isa, args.repeat)
    else:
        table(rows, args.markdown)


if __name__ == "__main__":
    sys.exit(main())
