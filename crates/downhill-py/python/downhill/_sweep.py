"""downhill.sweep: every combination of several settings, as the command line's `downhill sweep`."""

import itertools

from ._downhill import Function, _options_of, optimizers, run

#: The most runs in one sweep (as the command line's).
MAX_RUNS = 64

# Keyword names that are not the engine's option names.
_OPTION_NAME = {"betas": "beta1", "line_search_fn": "line_search"}


def _values(name, value, pairs=False):
    """A setting's values: a list (or, where a pair is not itself a value, a tuple or array) sweeps, anything
    else is one value."""
    if isinstance(value, list) or (not pairs and isinstance(value, tuple)):
        values = list(value)
    elif not pairs and hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        values = value.tolist()
    else:
        return [value]
    if not values:
        raise ValueError(f"{name}: an empty list")
    return values


def sweep(
    function,
    start=None,
    *,
    optimizer="gd",
    lr=None,
    epochs=1000,
    seed=None,
    **settings,
):
    """Every combination of the given lists, each run from the same start, as the command line's `sweep`.

    `optimizer`, `lr`, `epochs` and `seed` take one value or a list; so does every hyper-parameter (a list
    sweeps it; `betas=(0.9, 0.999)` is one pair, `betas=[(0.8, 0.99), (0.9, 0.999)]` two). Each optimizer runs
    with the values of the hyper-parameters it takes, so `optimizer=["gd", "adam"], beta1=[0.8, 0.9]` makes
    three runs. The order is the command line's: optimizers outermost, then hyper-parameters, rates, epochs
    and seeds. Give `start=(x, y)`, or `seed=[...]` for random starts in [-2, 2]^2. Every setting of
    `downhill.run` applies to every run (`ascent`, `gtol`, `schedule`, `warmup`, `clip_grad_norm`, `noise`,
    `noise_seed`). At most 64 runs.

    Returns a list of `RunResult`, each with its own `.optimizer`, `.lr` and `.to_dict()["options"]`.

    >>> runs = downhill.sweep("peaks", start=(0, 1.4), lr=[0.01, 0.1, 0.5, 0.00001])
    >>> [round(r.value, 3) for r in runs]
    [-0.065, -0.065, 0.0, 7.105]
    """
    run_settings = {"ascent", "gtol", "schedule", "warmup", "clip_grad_norm", "noise", "noise_seed"}
    common = {k: v for k, v in settings.items() if k in run_settings}
    hyper = {k: _values(k, v, pairs=True) for k, v in settings.items() if k not in run_settings}
    methods = _values("optimizer", optimizer)
    known = optimizers()
    for m in methods:
        if m not in known:
            raise ValueError(f"optimizer: unknown optimizer {m!r}; one of {', '.join(known)}")
    takes = {m: set(_options_of(m)) for m in methods}
    for name in hyper:
        option = _OPTION_NAME.get(name, name)
        if not any(option in takes[m] for m in methods):
            raise ValueError(f"{name} does not apply to {', '.join(methods)}")
    rates = _values("lr", lr) if lr is not None else [None]
    epoch_counts = _values("epochs", epochs)
    if start is not None:
        starts = [(tuple(start), None)]
    elif seed is not None:
        starts = [(None, s) for s in _values("seed", seed)]
    else:
        raise ValueError("give start=(x, y), or seed=[...] for random starts")
    f = function if isinstance(function, Function) else Function(function)

    plans = []
    for m in methods:
        names = [n for n in hyper if _OPTION_NAME.get(n, n) in takes[m]]
        seen = []
        for values in itertools.product(*(hyper[n] for n in names)):
            options = dict(zip(names, values))
            if options in seen:
                continue
            seen.append(options)
            for rate in rates:
                for e in epoch_counts:
                    for point, s in starts:
                        plans.append(dict(optimizer=m, lr=rate, epochs=e, start=point, seed=s, **options))
    if len(plans) > MAX_RUNS:
        raise ValueError(f"the sweep has {len(plans)} runs; at most {MAX_RUNS}")
    return [run(f, **plan, **common) for plan in plans]
