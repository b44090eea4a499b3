"""Writes examples/gradient_descent_2d.ipynb (unexecuted): the seed notebooks 000 (gradient descent in 2D on
peaks, its figures 16, 24 and 25 and three exercises) and 002 (gradient ascent), with downhill in place of the
sympy loop. Usage: python tools/make_notebook.py   (needs nbformat)"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell(
        "# Gradient descent in 2D, with downhill\n\n"
        "The course notebook *Gradient descent in 2D* (Mike X. Cohen's deep-learning course, section 6.34) "
        "differentiates MATLAB's `peaks` with SymPy and descends it in a Python loop that evaluates the "
        "symbolic derivatives at every step. Here downhill does the same: the derivatives are symbolic, the "
        "descent runs on its engine (the same numbers, thousands of times faster), and the results are NumPy "
        "arrays drawn with matplotlib. At the end: the three exercises with their answers, the basins of "
        "attraction at every start of a grid, and the companion notebook's gradient *ascent*."
    ),
    new_code_cell(
        "import numpy as np\n"
        "import matplotlib.pyplot as plt\n\n"
        "import downhill\n"
        "import downhill.plot"
    ),
    new_markdown_cell("## The landscape\n\n`peaks` is in downhill's catalog; `f(x, y)` evaluates it over NumPy arrays."),
    new_code_cell(
        "f = downhill.Function(\"peaks\")\n"
        "print(f.expression)\n\n"
        "x = np.linspace(-3, 3, 201)\n"
        "y = np.linspace(-3, 3, 201)\n"
        "z = f(*np.meshgrid(x, y))            # the seed's peaks(x, y)\n\n"
        "plt.imshow(z, extent=[x[0], x[-1], y[0], y[-1]], vmin=-5, vmax=5, origin=\"lower\", cmap=\"jet\")\n"
        "plt.show()"
    ),
    new_markdown_cell(
        "## The derivatives\n\n"
        "The seed builds them with `sympy.diff` and `lambdify`; downhill differentiates symbolically too. "
        "The seed's example, `df_x(1, 1).evalf()`, is -1.07369833656079 (SymPy, 15 digits)."
    ),
    new_code_cell(
        "df_x, df_y = f.gradient\n"
        "print(\"df/dx =\", df_x)\n"
        "print(\"df/dy =\", df_y)\n"
        "gx, gy = f.grad(1.0, 1.0)\n"
        "print(f\"df/dx at (1, 1) = {gx:.15g}\")\n"
        "assert abs(gx - (-1.07369833656079)) < 1e-13"
    ),
    new_markdown_cell(
        "## Gradient descent from a random start\n\n"
        "A start drawn uniformly from [-2, 2]², learning rate 0.01, 1000 epochs. `trajectory` has the seed's "
        "shape: one row per epoch, the position after that epoch's step."
    ),
    new_code_cell(
        "rng = np.random.default_rng(0)\n"
        "start_pnt = rng.random(2) * 4 - 2\n"
        "print(f\"Random starting point: {start_pnt}\")\n\n"
        "learning_rate = 0.01\n"
        "training_epochs = 1000\n"
        "r = downhill.run(f, start=tuple(start_pnt), lr=learning_rate, epochs=training_epochs)\n"
        "trajectory, local_min = r.trajectory, np.array(r.end)\n"
        "print(f\"Estimated local minimum: {local_min} ({r.stationary_point}, f = {r.value:.4f})\")\n"
        "print(trajectory.shape)\n"
        "r"
    ),
    new_markdown_cell("## Figure 16: the path on the landscape"),
    new_code_cell(
        "plt.imshow(z, extent=[x[0], x[-1], y[0], y[-1]], vmin=-5, vmax=5, origin=\"lower\", cmap=\"jet\")\n"
        "plt.plot(start_pnt[0], start_pnt[1], \"bs\")\n"
        "plt.plot(local_min[0], local_min[1], \"ro\")\n"
        "plt.plot(trajectory[:, 0], trajectory[:, 1], \"r\")\n"
        "plt.legend([\"Rand start\", \"Local min\"])\n"
        "plt.suptitle(\"Random starting point\")\n"
        "plt.title(f\"Training epochs: {training_epochs} and learning rate: {learning_rate}\")\n"
        "plt.colorbar()\n"
        "plt.show()"
    ),
    new_markdown_cell(
        "The same figure with downhill's helpers, which draw on the axes they are given and return the artists:"
    ),
    new_code_cell(
        "fig, ax = plt.subplots()\n"
        "downhill.plot.landscape(ax, f)\n"
        "downhill.plot.path(ax, r)\n"
        "ax.set_title(repr(r), fontsize=7)\n"
        "plt.show()"
    ),
    new_markdown_cell("## Figure 24: the surface in 3-D"),
    new_code_cell(
        "fig = plt.figure(figsize=(8, 6))\n"
        "ax = fig.add_subplot(111, projection=\"3d\")\n"
        "downhill.plot.surface(ax, f, n=201, result=r)\n"
        "ax.view_init(elev=30, azim=250)\n"
        "ax.set_xlabel(\"x axis\")\n"
        "ax.set_ylabel(\"y axis\")\n"
        "ax.set_zlabel(\"f(x,y)\")\n"
        "ax.set_title(\"3D Surface Plot\")\n"
        "plt.show()"
    ),
    new_markdown_cell(
        "## Figure 25: basins of attraction\n\n"
        "The seed runs gradient descent from a 25x25 grid of starts in [-2.5, 2.5]² for 100 epochs and draws "
        "every path. Each run here is one call; all 625 take a few milliseconds."
    ),
    new_code_cell(
        "learning_rate, training_epochs = 0.01, 100\n"
        "starts = np.array(np.meshgrid(np.linspace(-2.5, 2.5, 25), np.linspace(-2.5, 2.5, 25))).T.reshape(-1, 2)\n"
        "xb = np.linspace(-4, 4, 201)\n"
        "zb = f(*np.meshgrid(xb, xb))\n\n"
        "plt.figure(figsize=(10, 8))\n"
        "plt.imshow(zb, extent=[-4, 4, -4, 4], vmin=-5, vmax=5, origin=\"lower\", cmap=\"jet\")\n"
        "for s in starts:\n"
        "    run = downhill.run(f, start=tuple(s), lr=learning_rate, epochs=training_epochs)\n"
        "    plt.plot(s[0], s[1], \"bs\", markersize=2)\n"
        "    plt.plot(*run.end, \"ko\", markersize=3)\n"
        "    plt.plot(run.trajectory[:, 0], run.trajectory[:, 1], \"r\", alpha=0.5)\n"
        "plt.legend([\"Start point\", \"Local min\"])\n"
        "plt.suptitle(\"Basins of Attraction for Gradient Descent\")\n"
        "plt.title(f\"Training epochs: {training_epochs}, Learning rate: {learning_rate}\")\n"
        "plt.show()"
    ),
    new_markdown_cell(
        "downhill also maps the basins directly: every start of a 400x400 grid, run to the end on every core, "
        "labelled with the minimum it reached."
    ),
    new_code_cell(
        "bm = downhill.basins(f, grid=400, lr=0.01, epochs=1000)\n"
        "print(f\"{bm.point_steps:,} point-steps in {bm.elapsed_s:.2f} s\")\n"
        "for a in bm.attractors:\n"
        "    print(f\"{a['kind']:8} at ({a['point'][0]:+.3f}, {a['point'][1]:+.3f}), f = {a['value']:+.4f}: \"\n"
        "          f\"{100 * a['fraction']:.1f}% of starts\")\n"
        "fig, ax = plt.subplots(figsize=(7, 6))\n"
        "downhill.plot.basin_map(ax, bm)\n"
        "plt.show()"
    ),
    new_markdown_cell(
        "## Exercise 1\n\n"
        "*Force the initial guess to be [0, 1.4]. Does the model reach a reasonable local minimum?*"
    ),
    new_code_cell(
        "r1 = downhill.run(f, start=(0, 1.4), lr=0.01, epochs=1000)\n"
        "print(np.round(r1.end, 3), r1.stationary_point, f\"f = {r1.value:.4f}\")\n"
        "assert np.allclose(r1.end, (0.296, 0.320), atol=1e-3)\n"
        "print(\"global minimum of peaks:\", min(e['value'] for e in f.extrema))"
    ),
    new_markdown_cell(
        "**Answer.** No: it stops in a poor local minimum at (0.296, 0.320), f = -0.065, while the global "
        "minimum is f = -6.55 near (0.228, -1.626)."
    ),
    new_markdown_cell(
        "## Exercise 2\n\n*From the same start, 10,000 epochs instead of 1000: does the solution differ?*"
    ),
    new_code_cell(
        "r2 = downhill.run(f, start=(0, 1.4), lr=0.01, epochs=10_000)\n"
        "print(np.round(r2.end, 3), f\"moved {np.hypot(*(np.array(r2.end) - r1.end)):.1e} further\")\n"
        "assert np.allclose(r2.end, r1.end, atol=1e-3)"
    ),
    new_markdown_cell(
        "**Answer.** No: after 1000 epochs the point has settled in the minimum (in double precision it no "
        "longer moves at all); 9000 more epochs leave it where it is. More epochs do not get out of a local "
        "minimum."
    ),
    new_markdown_cell(
        "## Exercise 3\n\n*The same start with learning rates 0.1, 0.5 and 0.00001 (1000 epochs).* "
        "`downhill.sweep` runs them all, as the command line's `downhill sweep`."
    ),
    new_code_cell(
        "runs = downhill.sweep(f, start=(0, 1.4), lr=[0.01, 0.1, 0.5, 0.00001], epochs=1000)\n"
        "fig, axes = plt.subplots(1, 4, figsize=(16, 4))\n"
        "for ax, run in zip(axes, runs):\n"
        "    downhill.plot.landscape(ax, f, domain=(-4, 4, -4, 4), colorbar=False)\n"
        "    downhill.plot.path(ax, run)\n"
        "    ax.set_title(f\"lr {run.lr}: f = {run.value:.3f}\")\n"
        "    print(f\"lr {run.lr:>7}: end {np.round(run.end, 3)}, {run.stationary_point}\")\n"
        "plt.show()\n"
        "assert np.allclose(runs[1].end, r1.end, atol=1e-3)\n"
        "assert np.hypot(*(np.array(runs[3].end) - (0, 1.4))) < 0.1"
    ),
    new_markdown_cell(
        "**Answer.** With 0.1 the path takes larger steps but falls into the same poor minimum. With 0.5 the "
        "steps are far too large for this landscape: the point jumps across the function and ends far from "
        "any minimum. With 0.00001 the steps are so small that after 1000 epochs the point has hardly left "
        "its start: nowhere near a minimum."
    ),
    new_markdown_cell(
        "## Gradient ascent (the companion notebook)\n\n"
        "The ascent notebook adds the gradient instead of subtracting it and finds a local maximum. "
        "`ascent=True` does that."
    ),
    new_code_cell(
        "start = tuple(np.random.default_rng(2).random(2) * 4 - 2)\n"
        "up = downhill.run(f, start=start, lr=0.01, epochs=1000, ascent=True)\n"
        "print(f\"start {np.round(start, 3)} -> local max {np.round(up.end, 3)}, f = {up.value:.4f} \"\n"
        "      f\"({up.stationary_point})\")\n"
        "assert up.stationary_point == \"maximum\"\n"
        "plt.imshow(z, extent=[x[0], x[-1], y[0], y[-1]], vmin=-5, vmax=5, origin=\"lower\")\n"
        "plt.plot(*start, \"bs\")\n"
        "plt.plot(*up.end, \"ro\")\n"
        "plt.plot(up.trajectory[:, 0], up.trajectory[:, 1], \"r\")\n"
        "plt.legend([\"rnd start\", \"local max\"])\n"
        "plt.colorbar()\n"
        "plt.show()"
    ),
]

nb = new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
nbformat.write(nb, "examples/gradient_descent_2d.ipynb")
