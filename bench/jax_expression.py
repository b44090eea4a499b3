# Usage: bench/.venv/bin/python bench/jax_expression.py 64|32 (the typed-expression row of docs/performance.md)
import sys, time
import jax
bits = sys.argv[1]
if bits == "64":
    jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
dt = jnp.float64 if bits == "64" else jnp.float32
def f(x, y):
    return 0.1*(x**2+y**2) + jnp.tanh(x*y) - jnp.log(1 + x**2) + 0.3*jnp.sin(2*x)*jnp.cos(y) + jnp.arctan(y) + jnp.sqrt(1+x**2+y**2)**1.5
g = jax.grad(lambda x, y: jnp.sum(f(x, y)), argnums=(0, 1))
side = 256
xs = jnp.linspace(-3, 3, side, dtype=dt)
X, Y = jnp.meshgrid(xs, xs)
X, Y = X.ravel(), Y.ravel()
@jax.jit
def descend(x, y):
    def step(_, p):
        gx, gy = g(p[0], p[1])
        return (p[0] - 0.01*gx, p[1] - 0.01*gy)
    return jax.lax.fori_loop(0, 1000, step, (x, y))
r = descend(X, Y); r[0].block_until_ready()
best = 1e9
for _ in range(3):
    t = time.perf_counter(); r = descend(X, Y); r[0].block_until_ready(); best = min(best, time.perf_counter() - t)
print(bits, best, best / (side*side*1000) * 1e9, "ns/point-step")
