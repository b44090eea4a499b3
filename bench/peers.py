"""The reference job of DESIGN.md section 6 in NumPy and JAX, as peers of downhill's batched engine.

peaks, plain gradient descent p <- p - 0.01 grad f(p), exactly 1000 steps, every start of an S x S grid on
[-3,3]^2, no early stop. Prints nanoseconds per point-step (best of --repeat) for each engine.
"""

import argparse
import json
import time


def gradient(xp, x, y):
    """peaks' gradient, written by hand (the formula SymPy prints for the seed notebook)."""
    e1 = xp.exp(-x * x - (y + 1) ** 2)
    e2 = xp.exp(-x * x - y * y)
    e3 = xp.exp(-((x + 1) ** 2) - y * y)
    common = -10 * x**3 + 2 * x - 10 * y**5
    dx = -6 * x * (1 - x) ** 2 * e1 + 2 * x * common * e2 - (2 - 30 * x * x) * e2 - (-2 * x - 2) * e3 / 3 + 3 * (2 * x - 2) * e1
    dy = 50 * y**4 * e2 + 2 * y * common * e2 + 2 * y * e3 / 3 + 3 * (1 - x) ** 2 * (-2 * y - 2) * e1
    return dx, dy


def check(np):
    """The gradient against central differences, and the seed's exercise answer."""
    f = lambda x, y: (3 * (1 - x) ** 2 * np.exp(-x * x - (y + 1) ** 2)
                      - 10 * (x / 5 - x**3 - y**5) * np.exp(-x * x - y * y) - np.exp(-((x + 1) ** 2) - y * y) / 3)
    h = 1e-6
    for x, y in [(0.3, -0.7), (-1.1, 0.4), (1.9, 1.2)]:
        dx, dy = gradient(np, np.float64(x), np.float64(y))
        assert abs(dx - (f(x + h, y) - f(x - h, y)) / (2 * h)) < 1e-6
        assert abs(dy - (f(x, y + h) - f(x, y - h)) / (2 * h)) < 1e-6
    x, y = np.float64(0.0), np.float64(1.4)
    for _ in range(1000):
        dx, dy = gradient(np, x, y)
        x, y = x - 0.01 * dx, y - 0.01 * dy
    assert abs(x - 0.296446) < 1e-5 and abs(y - 0.320196) < 1e-5, (x, y)


def grid(np, side, dtype):
    v = np.linspace(-3, 3, side, dtype=dtype)
    x, y = np.meshgrid(v, v)
    return x.ravel(), y.ravel()


def bench_numpy(side, repeat):
    import numpy as np

    check(np)
    best = float("inf")
    for _ in range(repeat):
        x, y = grid(np, side, np.float64)
        t = time.perf_counter()
        for _ in range(1000):
            dx, dy = gradient(np, x, y)
            x = x - 0.01 * dx
            y = y - 0.01 * dy
        best = min(best, time.perf_counter() - t)
    return best


def bench_jax(side, repeat, bits):
    import jax

    jax.config.update("jax_enable_x64", bits == 64)
    import jax.numpy as jnp
    import numpy as np

    dtype = jnp.float64 if bits == 64 else jnp.float32

    @jax.jit
    def descend(x, y):
        def step(_, p):
            dx, dy = gradient(jnp, p[0], p[1])
            return (p[0] - 0.01 * dx, p[1] - 0.01 * dy)

        return jax.lax.fori_loop(0, 1000, step, (x, y))

    x, y = grid(np, side, np.float64 if bits == 64 else np.float32)
    x, y = jnp.asarray(x, dtype), jnp.asarray(y, dtype)
    ex, ey = descend(x, y)  # compile, not timed
    ex.block_until_ready()
    i = np.argmin(np.abs(np.asarray(x) - 0.0) + np.abs(np.asarray(y) - 1.4))
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        ex, ey = descend(x, y)
        ex.block_until_ready()
        ey.block_until_ready()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="numpy,jax64,jax32")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    steps = args.side * args.side * 1000
    results = {}
    for engine in args.engines.split(","):
        try:
            if engine == "numpy":
                seconds = bench_numpy(args.side, args.repeat)
            elif engine in ("jax64", "jax32"):
                seconds = bench_jax(args.side, args.repeat, int(engine[3:]))
            else:
                raise SystemExit(f"unknown engine {engine}")
            results[engine] = seconds * 1e9 / steps
        except ImportError:
            results[engine] = None
    if args.json:
        print(json.dumps(results))
    else:
        for engine, ns in results.items():
            print(f"{engine} {'unavailable' if ns is None else f'{ns:.3f}'}")


if __name__ == "__main__":
    main()
