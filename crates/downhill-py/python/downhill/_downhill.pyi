"""Type stubs for downhill's compiled module."""

from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike

class ExpressionError(ValueError):
    """An expression that cannot be read; ``span`` is the fault's (start, end) character range."""

    span: tuple[int, int]

class Function:
    """A function of x and y: a catalog name (``"peaks"``) or an expression (``"x^2 + 3*y^2"``)."""

    def __init__(self, text: str) -> None: ...
    @property
    def name(self) -> Optional[str]:
        """The catalog name, or None for an expression."""
    @property
    def expression(self) -> str:
        """The expression, in the input grammar."""
    @property
    def gradient(self) -> tuple[str, str]:
        """The partial derivatives (df/dx, df/dy), in the input grammar."""
    @property
    def hessian(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """The Hessian's rows, in the input grammar."""
    def latex(self) -> str:
        """The expression in LaTeX."""
    @property
    def domain(self) -> Optional[tuple[float, float, float, float]]:
        """The catalog's plotting domain (xmin, xmax, ymin, ymax), or None for an expression."""
    @property
    def extrema(self) -> list[dict[str, Any]]:
        """The catalog's documented extrema: dicts with ``point``, ``value`` and ``kind``."""
    def __call__(self, x: ArrayLike, y: ArrayLike) -> Union[float, npt.NDArray[np.float64]]:
        """f at every (x, y), broadcast as NumPy does; a float for two numbers."""
    def grad(
        self, x: ArrayLike, y: ArrayLike
    ) -> tuple[Union[float, npt.NDArray[np.float64]], Union[float, npt.NDArray[np.float64]]]:
        """The gradient (df/dx, df/dy) at every (x, y)."""

class RunResult:
    """One run: where it went, what it ended at and why."""

    trajectory: npt.NDArray[np.float64]
    """The positions after each update, an (n, 2) array (the start not included, as in the seed notebook)."""
    values: npt.NDArray[np.float64]
    """f at each trajectory point."""
    gradients: npt.NDArray[np.float64]
    """The gradient at each trajectory point, an (n, 2) array."""
    start: tuple[float, float]
    end: tuple[float, float]
    value: float
    gradient: tuple[float, float]
    epochs_run: int
    evaluations: int
    termination: str
    """max_epochs, converged, stalled, diverged or left_domain."""
    stationary_point: str
    """minimum, maximum, saddle, flat or none."""
    seed: Optional[int]
    optimizer: str
    lr: float
    def to_dict(self) -> dict[str, Any]:
        """The command line's ``run --json`` object."""
    def _repr_html_(self) -> str: ...

class BasinMap:
    """Which start of a grid ends where."""

    labels: npt.NDArray[np.int32]
    """(ny, nx), row 0 at ymin: the attractor's index, -1 diverged, -2 not converged, -3 left the domain,
    -4 undefined at the start."""
    steps: npt.NDArray[np.uint32]
    attractors: list[dict[str, Any]]
    """Dicts with ``point``, ``value``, ``kind`` and ``fraction``."""
    domain: tuple[float, float, float, float]
    elapsed_s: float
    point_steps: int

def run(
    function: Union[Function, str],
    start: Optional[tuple[float, float]] = None,
    optimizer: str = "gd",
    lr: Optional[float] = None,
    epochs: int = 1000,
    ascent: bool = False,
    gtol: Optional[float] = None,
    seed: Optional[int] = None,
    schedule: Optional[str] = None,
    warmup: int = 0,
    clip_grad_norm: Optional[float] = None,
    noise: Optional[float] = None,
    noise_seed: int = 0,
    **hyper_parameters: Any,
) -> RunResult:
    """Runs an optimizer from one start (``seed``: a random start in [-2, 2]^2, as the notebooks).

    ``lr`` defaults to 0.01 (1 for newton, adadelta and the line searches). Hyper-parameters take PyTorch's
    names: ``momentum``, ``betas``, ``eps``, ``weight_decay``, ``amsgrad``, ``history_size``,
    ``line_search_fn``, ...
    """

def basins(
    function: Union[Function, str],
    grid: Union[int, tuple[int, int]] = 400,
    domain: Optional[tuple[float, float, float, float]] = None,
    optimizer: str = "gd",
    lr: Optional[float] = None,
    epochs: int = 1000,
    precision: str = "f64",
    ascent: bool = False,
    gtol: Optional[float] = None,
    schedule: Optional[str] = None,
    warmup: int = 0,
    clip_grad_norm: Optional[float] = None,
    **hyper_parameters: Any,
) -> BasinMap:
    """Runs an optimizer from every start of a grid and labels each with the attractor it reached."""

def compare(
    function: Union[Function, str],
    optimizers: Optional[list[str]] = None,
    starts: int = 256,
    start: Optional[tuple[float, float]] = None,
    seed: int = 0,
    lr: Optional[float] = None,
    tune_lr: Union[None, bool, tuple[float, float, int]] = None,
    epochs: int = 1000,
    gtol: Optional[float] = None,
    precision: str = "f64",
    ascent: bool = False,
    reach: Optional[float] = None,
    domain: Optional[tuple[float, float, float, float]] = None,
    schedule: Optional[str] = None,
    warmup: int = 0,
    clip_grad_norm: Optional[float] = None,
    **hyper_parameters: Any,
) -> dict[str, Any]:
    """Compares optimizers (default gd, momentum, adam) from the same ``starts`` seeded random starts (or one
    ``start``), each at its best rate from a log grid (``tune_lr=True``: 1e-5 to 1, 16 values; or (lo, hi,
    count)) or at ``lr``; returns the command line's ``compare --json`` object as a dict."""

def functions() -> list[str]:
    """The catalog's function names."""

def optimizers() -> list[str]:
    """The optimizers' names."""

def _options_of(optimizer: str) -> list[str]:
    """The hyper-parameters ``optimizer`` takes (for ``sweep``)."""
