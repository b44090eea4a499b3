"""downhill from Python, checked against independent references: NumPy formulas, finite differences, the
seed notebook's numbers (README: peaks from (0, 1.4)) and the catalog's documented minima."""

import math

import numpy as np
import pytest

import downhill


def peaks(x, y):
    """MATLAB's peaks, as the seed notebook writes it."""
    return (
        3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        - 1 / 3 * np.exp(-((x + 1) ** 2) - y**2)
    )


def test_values_match_numpy_and_broadcast():
    f = downhill.Function("peaks")
    x, y = np.meshgrid(np.linspace(-3, 3, 41), np.linspace(-3, 3, 37))
    assert np.allclose(f(x, y), peaks(x, y), rtol=1e-13, atol=1e-13)
    assert f(np.zeros((3, 1)), np.zeros((1, 4))).shape == (3, 4)
    assert isinstance(f(0.5, -1), float)
    # Integers and lists are taken as floats.
    assert np.allclose(f([0, 1], 2), peaks(np.array([0.0, 1.0]), 2.0))
    with pytest.raises(ValueError, match="broadcast"):
        f(np.zeros(3), np.zeros(4))


def test_every_layout_gives_the_same_values():
    # Strided, transposed, reversed, broadcast and float32 inputs, and grids that are not a whole number of the
    # engine's blocks, all give what one contiguous float64 grid gives, point by point.
    f = downhill.Function("ln(1 + x^2) * tanh(y) + sqrt(x^2 + 1) + sin(x*y)")
    xs, ys = np.linspace(-3, 3, 301), np.linspace(-2, 2, 203)
    x, y = np.meshgrid(xs, ys)
    want = f(x, y)
    reference = np.log1p(x**2) * np.tanh(y) + np.sqrt(x**2 + 1) + np.sin(x * y)
    assert np.allclose(want, reference, rtol=1e-14, atol=1e-14)
    assert np.array_equal(f(xs[None, :], ys[:, None]), want)
    assert np.array_equal(f(x.T, y.T), want.T)
    assert np.array_equal(f(x[::-2, ::3], y[::-2, ::3]), want[::-2, ::3])
    assert np.array_equal(f(x, 0.5), f(x, np.full_like(x, 0.5)))
    assert np.array_equal(f(x.astype(np.float32), y), f(x.astype(np.float32).astype(np.float64), y))
    gx, gy = f.grad(xs[None, :], ys[:, None])
    assert gx.shape == gy.shape == (203, 301)
    assert np.array_equal(gx, f.grad(x, y)[0]) and np.array_equal(gy, f.grad(x, y)[1])
    assert f(np.zeros((2, 0)), 1.0).shape == (2, 0)
    assert f(np.zeros((3, 1, 2)), np.ones((4, 1))).shape == (3, 4, 2)


def test_gradient_matches_finite_differences():
    f = downhill.Function("peaks")
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-3, 3, 200), rng.uniform(-3, 3, 200)
    gx, gy = f.grad(x, y)
    h = 1e-6
    assert np.allclose(gx, (peaks(x + h, y) - peaks(x - h, y)) / (2 * h), atol=1e-6)
    assert np.allclose(gy, (peaks(x, y + h) - peaks(x, y - h)) / (2 * h), atol=1e-6)


def test_symbolic_derivatives_as_text():
    f = downhill.Function("x^2*y + sin(y)")
    assert f.gradient == ("2*x*y", "x^2 + cos(y)")
    # The strings are expressions in the input grammar: they parse and evaluate to the derivative.
    fxx = downhill.Function(f.hessian[0][0])
    assert fxx(1.5, 3.0) == pytest.approx(6.0)
    assert "\\sin" in f.latex()
    assert f.domain is None and f.extrema == []
    assert downhill.Function("peaks").domain == (-3.0, 3.0, -3.0, 3.0)


def test_the_seed_descent_from_0_1_4():
    r = downhill.run("peaks", start=(0, 1.4), lr=0.01, epochs=1000)
    assert r.trajectory.shape == (1000, 2) and r.values.shape == (1000,)
    assert r.end == pytest.approx((0.296446, 0.320196), abs=1e-6)
    assert r.value == pytest.approx(-0.0649359, abs=1e-7)
    assert r.stationary_point == "minimum" and r.termination == "max_epochs"
    # The seed's loop: x <- x - lr * grad, the gradient by central differences of the NumPy formula.
    p = np.array([0.0, 1.4])
    h = 1e-6
    for k in range(50):
        g = np.array(
            [
                (peaks(p[0] + h, p[1]) - peaks(p[0] - h, p[1])) / (2 * h),
                (peaks(p[0], p[1] + h) - peaks(p[0], p[1] - h)) / (2 * h),
            ]
        )
        p = p - 0.01 * g
        assert np.allclose(r.trajectory[k], p, atol=1e-7), k
    d = r.to_dict()
    assert d["optimizer"] == "gd" and d["epochs_run"] == 1000 and d["trajectory"] == r.trajectory.tolist()
    assert d["end"] == list(r.end) and d["value"] == r.value
    # Schedule-Free's averaged points come with their own trajectory.
    sf = downhill.run("himmelblau", start=(1, 1), optimizer="sf-adamw", lr=0.05, epochs=50).to_dict()
    assert len(sf["averaged"]["trajectory"]) == len(sf["trajectory"]) == 50
    assert sf["averaged"]["trajectory"][-1] == sf["averaged"]["end"]
    assert "RunResult(gd" in repr(r) and "<table>" in r._repr_html_()


def test_optimizers_take_pytorch_names_and_seeds():
    r = downhill.run("rosenbrock", start=(-1.2, 1), optimizer="adam", lr=0.05, betas=(0.9, 0.99), epochs=3000)
    assert r.optimizer == "adam" and r.to_dict()["options"]["betas"] == [0.9, 0.99]
    assert math.hypot(r.end[0] - 1, r.end[1] - 1) < 0.05
    l = downhill.run(
        "rosenbrock",
        start=(-1.2, 1),
        optimizer="lbfgs",
        line_search_fn="strong_wolfe",
        tolerance_change=0,
        gtol=1e-8,
    )
    # PyTorch's L-BFGS stops on its own test (tolerance_grad 1e-7) inside its 20 inner iterations an epoch.
    assert l.termination == "stalled" and l.stationary_point == "minimum"
    assert l.end == pytest.approx((1.0, 1.0), abs=1e-6) and l.evaluations > l.epochs_run
    # A seed picks the same random start as the command line's --seed.
    a, b = downhill.run("peaks", seed=7, epochs=5), downhill.run("peaks", seed=7, epochs=5)
    assert a.start == b.start and a.seed == 7 and -2 <= a.start[0] <= 2
    assert "adam" in downhill.optimizers() and "himmelblau" in downhill.functions()


def test_bad_input_raises_named_errors():
    with pytest.raises(downhill.ExpressionError) as e:
        downhill.Function("x^2 + exq(y)")
    assert isinstance(e.value, ValueError)
    assert e.value.span == (6, 9)
    assert "      ^^^" in str(e.value)
    with pytest.raises(ValueError, match="optimizer"):
        downhill.run("peaks", start=(0, 0), optimizer="nope")
    with pytest.raises(TypeError, match="colour"):
        downhill.run("peaks", start=(0, 0), colour=3)
    with pytest.raises(ValueError, match="lr"):
        downhill.run("peaks", start=(0, 0), lr=-1)
    with pytest.raises(ValueError, match="momentum"):
        downhill.run("peaks", start=(0, 0), optimizer="adam", momentum=0.9)
    with pytest.raises(ValueError, match="epochs"):
        downhill.run("peaks", start=(0, 0), epochs=10**9)
    with pytest.raises(ValueError, match="not finite"):
        downhill.run("ln(x)", start=(-1, 0))
    with pytest.raises(TypeError, match="function"):
        downhill.run(3.5, start=(0, 0))
    with pytest.raises(ValueError, match="grid"):
        downhill.basins("peaks", grid=1)


def test_basins_find_himmelblaus_four_minima():
    m = downhill.basins("himmelblau", grid=60, lr=0.01, epochs=1000)
    labels = np.asarray(m.labels)
    assert labels.shape == (60, 60)
    minima = [a for a in m.attractors if a["kind"] == "minimum"]
    assert len(minima) == 4
    documented = [e["point"] for e in downhill.Function("himmelblau").extrema if e["kind"] == "global_minimum"]
    for a in minima:
        assert min(math.dist(a["point"], p) for p in documented) < 1e-3
    assert sum(a["fraction"] for a in m.attractors) == pytest.approx((labels >= 0).mean())
    # Row 0 is ymin: the start at the bottom-left corner (-5, -5) goes to the minimum near (-3.78, -3.28).
    corner = m.attractors[labels[0, 0]]["point"]
    assert corner[0] < 0 and corner[1] < 0
    assert m.point_steps > 0 and "60x60" in repr(m)


def test_plot_helpers_draw_on_given_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from downhill import plot

    fig, ax = plt.subplots()
    f = downhill.Function("peaks")
    r = downhill.run(f, start=(0, 1.4))
    artists = plot.landscape(ax, f) + plot.path(ax, r)
    assert artists[0].get_clim() == (-5.0, 5.0)
    assert ax.get_lines()[0].get_xdata().shape == (1001,)
    fig3d = plt.figure()
    assert plot.surface(fig3d.add_subplot(projection="3d"), f, result=r)
    fig2, ax2 = plt.subplots()
    assert plot.basin_map(ax2, downhill.basins("himmelblau", grid=30))
    plt.close("all")


def test_ctrl_c_stops_a_large_basin_map():
    import signal
    import subprocess
    import sys
    import time

    code = (
        "import downhill\n"
        "print('started', flush=True)\n"
        "downhill.basins('rastrigin', grid=2000, epochs=100000)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.0)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "took too long to stop"
    assert p.returncode != 0 and "KeyboardInterrupt" in err, err


def test_gradients_and_hessians_match_sympy():
    sympy = pytest.importorskip("sympy")
    X, Y = sympy.symbols("x y")
    rng = np.random.default_rng(5)
    for text in ["peaks", "x^2*y + sin(3*y)", "ln(1 + x^2) * tanh(y) + sqrt(x^2 + y^2 + 1)", "atan(x*y) + cosh(x/3)"]:
        f = downhill.Function(text)
        expr = sympy.sympify(f.expression.replace("^", "**").replace("ln(", "log("), locals={"x": X, "y": Y})
        dx, dy = sympy.lambdify((X, Y), [sympy.diff(expr, X), sympy.diff(expr, Y)], "numpy")(
            *(xy := (rng.uniform(-2, 2, 50), rng.uniform(-2, 2, 50)))
        )
        gx, gy = f.grad(*xy)
        assert np.allclose(gx, dx, rtol=1e-10, atol=1e-10), text
        assert np.allclose(gy, dy, rtol=1e-10, atol=1e-10), text
        # The Hessian's text is the second derivative too.
        fxy = downhill.Function(f.hessian[0][1])
        want = sympy.lambdify((X, Y), sympy.diff(expr, X, Y), "numpy")(*xy)
        assert np.allclose(fxy(*xy), want, rtol=1e-9, atol=1e-9), text


def test_basin_labels_agree_with_a_numpy_descent_on_peaks():
    n, lr, epochs = 40, 0.01, 1000
    m = downhill.basins("peaks", grid=n, lr=lr, epochs=epochs)
    labels = np.asarray(m.labels)
    d = m.domain
    x, y = np.meshgrid(np.linspace(d[0], d[1], n), np.linspace(d[2], d[3], n))
    # The seed's update for every start at once, the gradient by central differences of the NumPy formula.
    h = 1e-6
    for _ in range(epochs):
        gx = (peaks(x + h, y) - peaks(x - h, y)) / (2 * h)
        gy = (peaks(x, y + h) - peaks(x, y - h)) / (2 * h)
        x, y = x - lr * gx, y - lr * gy
    points = np.array([a["point"] for a in m.attractors])
    nearest = np.argmin((x[..., None] - points[:, 0]) ** 2 + (y[..., None] - points[:, 1]) ** 2, axis=-1)
    # On peaks' flat rim many starts are still moving after 1000 epochs (-2) or leave the domain (-3).
    labelled = labels >= 0
    assert labelled.mean() > 0.5
    assert (nearest[labelled] == labels[labelled]).mean() > 0.99


def test_long_work_releases_the_gil():
    import threading

    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(1)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = len(ticks)
        downhill.basins("rastrigin", grid=300, epochs=3000)
        during = len(ticks) - before
    finally:
        done.set()
        counter.join()
    # Python kept running beside the map (with the GIL held it would have counted only at switch points).
    assert during > 10_000, during


def test_plots_are_not_blank():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from downhill import plot

    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    f = downhill.Function("peaks")
    plot.landscape(axes[0], f)
    plot.path(axes[0], downhill.run(f, start=(0, 1.4)))
    plot.basin_map(axes[1], downhill.basins("himmelblau", grid=50))
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)
    plt.close(fig)
    # Many colours, and red path pixels on the landscape.
    assert image.std() > 30
    red = (image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60)
    assert red.sum() > 50


def test_compare_tunes_each_method_on_the_same_starts():
    args = dict(optimizers=["gd", "adam"], tune_lr=(1e-3, 0.1, 5), starts=64, epochs=300)
    c = downhill.compare("himmelblau", **args)
    assert c["criterion"]["name"] == "reach_global" and c["starts"] == 64
    grid = c["tuned_over"]
    assert len(grid) == 5 and grid[0] == 1e-3 and grid[-1] == 0.1
    for m in c["methods"]:
        assert m["learning_rate"] in grid and len(m["sensitivity"]) == 5
        best = m["outcome"]["score"]
        assert all(o["score"] <= best for o in m["sensitivity"] if o["score"] == o["score"])
    assert c["methods"][0]["outcome"]["reached"] >= 0.9
    again = downhill.compare("himmelblau", **args)
    assert [m["outcome"] for m in again["methods"]] == [m["outcome"] for m in c["methods"]]
    # One shared rate, and hyper-parameters go to the methods that take them.
    one = downhill.compare("peaks", optimizers=["gd", "momentum"], lr=0.01, momentum=0.5, starts=16)
    assert one["methods"][1]["options"]["momentum"] == 0.5 and one["criterion"]["name"] == "reach_global"
    with pytest.raises(TypeError, match="beta1 does not apply to gd"):
        downhill.compare("peaks", optimizers=["gd"], betas=(0.9, 0.99))
    with pytest.raises(ValueError, match="tune_lr"):
        downhill.compare("peaks", tune_lr=(1.0, 0.1, 5))


def test_sweep_runs_every_combination_like_the_command_line():
    # The seed's exercise 3: from (0, 1.4), rates 0.01 and 0.1 stall in the poor minimum near (0.296, 0.320);
    # 0.00001 has barely moved after 1000 epochs.
    runs = downhill.sweep("peaks", start=(0, 1.4), lr=[0.01, 0.1, 0.5, 0.00001])
    assert [r.lr for r in runs] == [0.01, 0.1, 0.5, 0.00001]
    for r in runs[:2]:
        assert np.allclose(r.end, (0.296, 0.320), atol=1e-3)
    assert np.hypot(*(np.array(runs[3].end) - (0, 1.4))) < 0.1
    # Each single run is what downhill.run gives.
    alone = downhill.run("peaks", start=(0, 1.4), lr=0.1)
    assert np.array_equal(runs[1].trajectory, alone.trajectory)
    # Each method takes only its own hyper-parameters: gd once, adam with each beta1.
    rs = downhill.sweep("himmelblau", start=(0, 0), optimizer=["gd", "adam"], beta1=[0.8, 0.9], epochs=[10, 20])
    assert [(r.optimizer, r.epochs_run) for r in rs] == [("gd", 10), ("gd", 20)] + [("adam", 10), ("adam", 20)] * 2
    assert [r.to_dict()["options"].get("betas", [None])[0] for r in rs[2:]] == [0.8, 0.8, 0.9, 0.9]
    # Seeds give the seeded random starts of downhill.run.
    rs = downhill.sweep("peaks", seed=[1, 2], epochs=5)
    assert [r.start for r in rs] == [downhill.run("peaks", seed=s, epochs=5).start for s in (1, 2)]
    with pytest.raises(ValueError, match="momentum does not apply to gd"):
        downhill.sweep("peaks", start=(0, 0), momentum=0.9)
    with pytest.raises(ValueError, match="at most 64"):
        downhill.sweep("peaks", start=(0, 0), lr=[0.01] * 65)
    with pytest.raises(ValueError, match="start"):
        downhill.sweep("peaks")


def test_the_seed_exercises_answers():
    # Exercise 1: from (0, 1.4) the descent stops in the poor minimum (0.296, 0.320), f = -0.065, far above
    # peaks' global minimum -6.551.
    one = downhill.run("peaks", start=(0, 1.4), lr=0.01, epochs=1000)
    assert np.allclose(one.end, (0.2964, 0.3202), atol=1e-4) and one.stationary_point == "minimum"
    assert one.value == pytest.approx(-0.0649, abs=1e-4)
    assert min(e["value"] for e in downhill.Function("peaks").extrema) == pytest.approx(-6.5511, abs=1e-4)
    # Exercise 2: 10,000 epochs end where 1000 did.
    two = downhill.run("peaks", start=(0, 1.4), lr=0.01, epochs=10_000, gtol=0)
    assert np.allclose(two.end, one.end, atol=1e-9) and two.epochs_run == 10_000
    # Exercise 3: 0.1 ends in the same minimum; 0.5 jumps around and ends at no minimum; 0.00001 hardly moves.
    fast, wild, slow = (downhill.run("peaks", start=(0, 1.4), lr=lr) for lr in (0.1, 0.5, 0.00001))
    assert np.allclose(fast.end, one.end, atol=1e-6)
    assert wild.stationary_point != "minimum" and np.hypot(*np.diff(wild.trajectory, axis=0)[:10].T).max() > 1
    assert slow.stationary_point == "none" and slow.value > 7
