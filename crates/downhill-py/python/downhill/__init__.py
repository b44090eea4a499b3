"""downhill: gradient descent you can see.

Type a function of x and y, pick a start, a learning rate and an optimizer, and see where it goes. Functions are
differentiated symbolically; runs and basin maps run on downhill's Rust engine; results are NumPy arrays.

>>> import downhill
>>> f = downhill.Function("peaks")
>>> r = downhill.run(f, start=(0, 1.4), lr=0.01, epochs=1000)
>>> r.trajectory.shape
(1000, 2)
"""

from ._downhill import (
    BasinMap,
    ExpressionError,
    Function,
    RunResult,
    basins,
    compare,
    functions,
    optimizers,
    run,
)
from ._sweep import sweep

__all__ = [
    "BasinMap",
    "ExpressionError",
    "Function",
    "RunResult",
    "basins",
    "compare",
    "functions",
    "optimizers",
    "run",
    "sweep",
]
