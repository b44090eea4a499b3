"""The Python package's speed figures (issue "downhill in the notebook", README "Python"), in one run:

1. a basin map from Python against the same job's engine time in the command line (`basins --json`'s
   elapsed_s), best of 3 each;
2. `f(x, y)` on a 1000x1000 grid against NumPy evaluating the same formula (peaks), best of 5 each;
3. the seed's 1000-epoch descent from (0, 1.4): downhill.run against the seed notebook's loop (sympy's
   lambdified derivatives and evalf at every step), the seed's loop timed over its first 100 epochs and scaled.

Usage: python bench/python_speed.py target/release/downhill   (downhill installed in the running Python)
"""

import json
import subprocess
import sys
import time

import numpy as np
import sympy as sym

import downhill


def best(repeats, fn):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def peaks(x, y):
    return (
        3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        - 1 / 3 * np.exp(-((x + 1) ** 2) - y**2)
    )


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "target/release/downhill"
    # 1. Basin map.
    job = dict(grid=600, lr=0.01, epochs=1000)
    py_time = best(3, lambda: downhill.basins("peaks", **job))
    py_engine = min(downhill.basins("peaks", **job).elapsed_s for _ in range(3))
    args = [cli, "basins", "peaks", "--grid", "600", "--lr", "0.01", "--epochs", "1000", "--json"]
    cli_engine = min(json.loads(subprocess.run(args, capture_output=True, check=True).stdout)["elapsed_s"] for _ in range(3))
    print(f"basin map peaks 600x600 x 1000 epochs: Python {py_time:.3f} s (engine {py_engine:.3f} s), "
          f"CLI engine {cli_engine:.3f} s: Python / CLI = {py_time / cli_engine:.3f}")
    # 2. f(x, y) on a grid.
    f = downhill.Function("peaks")
    x, y = np.meshgrid(np.linspace(-3, 3, 1000), np.linspace(-3, 3, 1000))
    ours = best(5, lambda: f(x, y))
    theirs = best(5, lambda: peaks(x, y))
    print(f"f(x, y) on 1000x1000: downhill {1e3 * ours:.1f} ms, NumPy {1e3 * theirs:.1f} ms: {theirs / ours:.2f}x")
    # 3. The seed's descent.
    sx, sy = sym.symbols("sx,sy")
    sz = (
        3 * (1 - sx) ** 2 * sym.exp(-(sx**2) - (sy + 1) ** 2)
        - 10 * (sx / 5 - sx**3 - sy**5) * sym.exp(-(sx**2) - sy**2)
        - 1 / 3 * sym.exp(-((sx + 1) ** 2) - sy**2)
    )
    df_x = sym.lambdify((sx, sy), sym.diff(sz, sx), "sympy")
    df_y = sym.lambdify((sx, sy), sym.diff(sz, sy), "sympy")

    def seed_loop(epochs):
        p = np.array([0.0, 1.4])
        for _ in range(epochs):
            g = np.array([df_x(p[0], p[1]).evalf(), df_y(p[0], p[1]).evalf()])
            p = p - g * 0.01
        return p

    seed = best(1, lambda: seed_loop(100)) * 10
    run = best(20, lambda: downhill.run(f, start=(0, 1.4), lr=0.01, epochs=1000))
    print(f"seed descent, 1000 epochs: downhill {1e3 * run:.3f} ms, the seed's sympy loop {seed:.2f} s "
          f"(100 epochs timed, x10): {seed / run:,.0f}x")


if __name__ == "__main__":
    main()
