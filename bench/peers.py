"""The reference job of DESIGN.md section 6 in NumPy and JAX, as peers of downhill's batched engine.

peaks, plain gradient descent p <- p - 0.01 grad f(p), exactly 1000 steps, every start of an S x S grid on
[-3,3]^2, no early stop. Prints nanoseconds per point-step (best of --repeat) for each engine.
"""

import argparse
import json
import time

STEPS = 1000
RATE = 0.01
# The seed notebook's exercise: from (0, 1.4), 1000 steps end here (to 6 digits).
START, END = (0.0, 1.4), (0.296446, 0.320196)


def peaks(xp, x, y):
    return (3 * (1 - x) ** 2 * xp.exp(-x * x - (y + 1) ** 2)
            - 10 * (x / 5 - x**3 - y**5) * xp.exp(-x * x - y * y)
            - xp.exp(-((x + 1) ** 2) - y * y) / 3)


def gradient(xp, x, y):
    """Written by hand rather than by autodiff, so that every engine evaluates the same expression."""
    e1 = xp.exp(-x * x - (y + 1) ** 2)
    e2 = xp.exp(-x * x - y * y)
    e3 = xp.exp(-((x + 1) ** 2) - y * y)
    common = -10 * x**3 + 2 * x - 10 * y**5
    dx = -6 * x * (1 - x) ** 2 * e1 + 2 * x * common * e2 - (2 - 30 * x * x) * e2 - (-2 * x - 2) * e3 / 3 + 3 * (2 * x - 2) * e1
    dy = 50 * y**4 * e2 + 2 * y * common * e2 + 2 * y * e3 / 3 + 3 * (1 - x) ** 2 * (-2 * y - 2) * e1
    return dx, dy


def check_gradient(np):
    h = 1e-6
    for x, y in [(0.3, -0.7), (-1.1, 0.4), (1.9, 1.2), (0.0, 1.4)]:
        dx, dy = gradient(np, np.float64(x), np.float64(y))
        assert abs(dx - (peaks(np, x + h, y) - peaks(np, x - h, y)) / (2 * h)) < 1e-6, (x, y)
        assert abs(dy - (peaks(np, x, y + h) - peaks(np, x, y - h)) / (2 * h)) < 1e-6, (x, y)


def check_end(engine, x, y, tolerance):
    x, y = float(x[0]), float(y[0])
    assert abs(x - END[0]) < tolerance and abs(y - END[1]) < tolerance, (engine, x, y)


def grid(np, side, dtype):
    v = np.linspace(-3, 3, side, dtype=dtype)
    x, y = np.meshgrid(v, v)
    return x.ravel(), y.ravel()


def bench_numpy(side, repeat):
    import numpy as np

    def descend(x, y):
        for _ in range(STEPS):
            dx, dy = gradient(np, x, y)
            x, y = x - RATE * dx, y - RATE * dy
        return x, y

    check_gradient(np)
    check_end("numpy", *descend(np.array(START[:1]), np.array(START[1:])), 1e-6)
    best = float("inf")
    for _ in range(repeat):
        x, y = grid(np, side, np.float64)
        t = time.perf_counter()
        descend(x, y)
        best = min(best, time.perf_counter() - t)
    return best


def bench_jax(side, repeat, bits):
    import jax

    # Process-wide, so each precision sets it before it builds any array.
    jax.config.update("jax_enable_x64", bits == 64)
    import jax.numpy as jnp
    import numpy as np

    dtype = np.float64 if bits == 64 else np.float32

    @jax.jit
    def descend(x, y):
        def step(_, p):
            dx, dy = gradient(jnp, *p)
            return p[0] - RATE * dx, p[1] - RATE * dy

        return jax.lax.fori_loop(0, STEPS, step, (x, y))

    ex, ey = descend(jnp.array(START[:1], dtype), jnp.array(START[1:], dtype))
    assert ex.dtype == dtype, ex.dtype
    check_end(f"jax{bits}", ex, ey, 1e-6 if bits == 64 else 1e-5)
    x, y = (jnp.asarray(a) for a in grid(np, side, dtype))
    jax.block_until_ready(descend(x, y))  # compiles for this shape, not timed
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        jax.block_until_ready(descend(x, y))
        best = min(best, time.perf_counter() - t)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="numpy,jax64,jax32")
    parser.add_argument("--json", action="store_true", help='print {"engine": ns or null, ...}')
    args = parser.parse_args()
    runs = {"numpy": bench_numpy, "jax64": lambda s, r: bench_jax(s, r, 64), "jax32": lambda s, r: bench_jax(s, r, 32)}
    engines = args.engines.split(",")
    if unknown := [e for e in engines if e not in runs]:
        parser.error(f"unknown engine {', '.join(unknown)}; known: {', '.join(runs)}")
    results = {}
    for engine in engines:
        try:
            ns = runs[engine](args.side, args.repeat) * 1e9 / (args.side * args.side * STEPS)
        except ImportError:
            ns = None
        results[engine] = ns
        if not args.json:
            print(engine, "unavailable" if ns is None else f"{ns:.3f}", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
