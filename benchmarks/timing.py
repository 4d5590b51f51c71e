"""Alternating timer: every round runs each contender once (A B C A B C ...), so a slow spell on a
shared machine hits all contenders of that round rather than one of them."""

import math
import statistics
import time


def _stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def alternate(contenders, reps=5, min_sample_s=0.2, max_inner=200):
    """Time `contenders` ({name: make_run}) in alternating rounds.

    `make_run(rep)` builds what one timed sample needs (data, model, seed = rep) OUTSIDE the timed
    region and returns a function `run()` that does the work and returns a dict of quality metrics
    (e.g. {"accuracy": 0.97}) or None. One untimed warm-up round comes first; its times choose
    `inner`, the number of calls per sample (the same for every contender), so that the fastest
    contender's sample lasts at least `min_sample_s`. Each timed sample is the mean time per call.

    Returns {name: {"times_s": [...], "median_s", "min_s", "max_s", "inner", "metrics": {...}}}.
    """
    warm = {}
    for name, make_run in contenders.items():
        run = make_run(-1)
        t0 = time.perf_counter()
        run()
        warm[name] = time.perf_counter() - t0
    fastest = max(min(warm.values()), 1e-9)
    inner = max(1, min(max_inner, math.ceil(min_sample_s / fastest)))
    times = {name: [] for name in contenders}
    metrics = {name: {} for name in contenders}
    for rep in range(reps):
        for name, make_run in contenders.items():
            run = make_run(rep)
            t0 = time.perf_counter()
            for _ in range(inner):
                out = run()
            times[name].append((time.perf_counter() - t0) / inner)
            for key, value in (out or {}).items():
                metrics[name].setdefault(key, []).append(value)
    result = {}
    for name in contenders:
        s = _stats(times[name])
        result[name] = {
            "times_s": times[name],
            "median_s": s["median"],
            "min_s": s["min"],
            "max_s": s["max"],
            "inner": inner,
            "metrics": {k: {"values": v, **_stats(v)} for k, v in metrics[name].items()},
        }
    return result


def ratios(result, subject="dlfund"):
    """Ratio of `subject`'s median time to each peer's, and the range of the per-round ratios.

    The per-round ratios pair the samples of the same round (taken seconds apart), which
    cancels most of a shared machine's slow spells; the ratio of medians is the headline.
    """
    out = {}
    mine = result[subject]
    for peer, theirs in result.items():
        if peer == subject:
            continue
        paired = [a / b for a, b in zip(mine["times_s"], theirs["times_s"])]
        out[peer] = {"ratio": mine["median_s"] / theirs["median_s"], "paired": _stats(paired)}
    return out
