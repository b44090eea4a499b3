"""matplotlib helpers: each draws on the axes it is given and returns the artists it made.

The defaults give the seed notebooks' look: the jet colour map, peaks over [-3, 3]^2 coloured from -5 to 5,
a blue square at the start and a red circle at the end. matplotlib is imported only when these are used.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from ._downhill import BasinMap, Function, RunResult

_DomainLike = Sequence[float]


def _function(f: Union[Function, str]) -> Function:
    return f if isinstance(f, Function) else Function(f)


def _domain(f: Function, domain: Optional[_DomainLike]) -> tuple[float, float, float, float]:
    d = domain if domain is not None else (f.domain or (-3.0, 3.0, -3.0, 3.0))
    if len(d) != 4:
        raise ValueError("domain must be (xmin, xmax, ymin, ymax)")
    return (float(d[0]), float(d[1]), float(d[2]), float(d[3]))


def _grid(f: Function, d: tuple[float, float, float, float], n: int):
    x = np.linspace(d[0], d[1], n)
    y = np.linspace(d[2], d[3], n)
    xx, yy = np.meshgrid(x, y)
    return xx, yy, np.asarray(f(xx, yy))


def landscape(
    ax: Any,
    f: Union[Function, str],
    domain: Optional[_DomainLike] = None,
    n: int = 201,
    cmap: str = "jet",
    vmin: Optional[float] = None,
    vmax: Optional[float] = None,
    colorbar: bool = True,
    contours: int = 0,
) -> list:
    """The landscape as an image over the domain (the catalog's, else [-3, 3]^2), as the notebooks' ``imshow``.

    peaks is coloured from -5 to 5 as in the seed; other functions over their range. Returns the image, then
    the colour bar and contour set when drawn.
    """
    f = _function(f)
    d = _domain(f, domain)
    _, _, z = _grid(f, d, n)
    if f.name == "peaks" and vmin is None and vmax is None:
        vmin, vmax = -5.0, 5.0
    image = ax.imshow(z, extent=d, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    artists: list = [image]
    if contours:
        xx, yy, _ = _grid(f, d, n)
        artists.append(ax.contour(xx, yy, z, levels=contours, colors="k", linewidths=0.6, alpha=0.5))
    if colorbar:
        artists.append(ax.figure.colorbar(image, ax=ax))
    return artists


def path(
    ax: Any,
    result: RunResult,
    color: str = "r",
    label: Optional[str] = None,
    markers: bool = True,
    linewidth: float = 1.5,
) -> list:
    """A run's path from its start: the line, a blue square at the start and a circle at the end."""
    points = np.vstack([np.asarray(result.start)[None, :], result.trajectory])
    artists = ax.plot(points[:, 0], points[:, 1], color=color, linewidth=linewidth, label=label)
    if markers:
        artists += ax.plot(*result.start, "bs", markersize=8, label="Start" if label is None else None)
        artists += ax.plot(*result.end, "o", color=color, markersize=8, label="End" if label is None else None)
    return artists


def surface(
    ax3d: Any,
    f: Union[Function, str],
    domain: Optional[_DomainLike] = None,
    n: int = 101,
    cmap: str = "jet",
    result: Optional[RunResult] = None,
) -> list:
    """The landscape as a 3-D surface on axes made with ``projection="3d"``, with a run's path on it if given."""
    f = _function(f)
    d = _domain(f, domain)
    xx, yy, z = _grid(f, d, n)
    artists = [ax3d.plot_surface(xx, yy, z, cmap=cmap, linewidth=0, antialiased=True, alpha=0.9)]
    if result is not None:
        points = np.vstack([np.asarray(result.start)[None, :], result.trajectory])
        values = np.asarray(f(points[:, 0], points[:, 1]))
        artists += ax3d.plot(points[:, 0], points[:, 1], values, "r", linewidth=2)
    ax3d.set_xlabel("x")
    ax3d.set_ylabel("y")
    ax3d.set_zlabel("f(x, y)")
    return artists


def basin_map(ax: Any, basins: BasinMap, cmap: str = "tab10", legend: bool = True) -> list:
    """The basin map: one colour per attractor (its point marked), diverged starts black, not converged grey."""
    import matplotlib.pyplot as plt

    labels = np.asarray(basins.labels)
    k = max(len(basins.attractors), 1)
    colours = plt.get_cmap(cmap)(np.arange(k) % 10)
    rgb = np.ones(labels.shape + (3,))
    for i in range(len(basins.attractors)):
        rgb[labels == i] = colours[i][:3]
    rgb[labels == -1] = (0.0, 0.0, 0.0)
    rgb[labels == -2] = (0.6, 0.6, 0.6)
    rgb[labels <= -3] = (1.0, 1.0, 1.0)
    artists: list = [ax.imshow(rgb, extent=basins.domain, origin="lower", interpolation="nearest")]
    for i, a in enumerate(basins.attractors):
        (line,) = ax.plot(
            *a["point"],
            "o",
            color=colours[i],
            markeredgecolor="k",
            label=f"{a['kind']} ({a['point'][0]:.3g}, {a['point'][1]:.3g}): {100 * a['fraction']:.1f}%",
        )
        artists.append(line)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if legend and basins.attractors:
        artists.append(ax.legend(loc="best", fontsize="small"))
    return artists
