"""Shared memory between answers: two results that are one array, or a result that is an input.

`v, s = initialize_adam(p)` with `v["dW1"] is s["dW1"]` passes a value comparison, but the first
in-place update of one moment changes the other; dropout in eval mode that returns `A` itself
hands the caller an output that changes when `A` does. Both are found here by `np.shares_memory`
over the array leaves of the nested output (tuples, lists, dicts), leaving out the parts of an
output that are caches (a cache may and should keep references to the inputs).

`AliasProbe(fn)` wraps a learner function so that each call also records which outputs share
memory with which inputs; `check` uses it. Batch grading can call `input_aliases` in its child.
"""

import numpy as np

MAX_DEPTH = 4


def leaves(obj, path="output", depth=0):
    """[(path, array)] for every ndarray inside nested tuples, lists and dicts."""
    if isinstance(obj, np.ndarray):
        return [(path, obj)] if obj.size else []
    if depth >= MAX_DEPTH:
        return []
    out = []
    if isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            out += leaves(item, f"{path}[{i}]", depth + 1)
    elif isinstance(obj, dict):
        for k, item in obj.items():
            out += leaves(item, f'{path}["{k}"]', depth + 1)
    return out


def _shares(a, b):
    try:
        return bool(np.shares_memory(a, b, max_work=10**5))
    except (np.exceptions.TooHardError, TypeError, ValueError):
        return bool(np.may_share_memory(a, b))


def output_leaves(value, names=None):
    """Leaves of an output with item paths named by `names`; items named 'cache' are left out."""
    if names and isinstance(value, (tuple, list)) and len(value) == len(names):
        out = []
        for name, item in zip(names, value):
            if name != "cache":
                out += leaves(item, name)
        return out
    return leaves(value)


def internal_aliases(value, names=None):
    """{(path_a, path_b)}: pairs of output arrays that share memory."""
    ls = output_leaves(value, names)
    pairs = set()
    for i in range(len(ls)):
        for j in range(i + 1, len(ls)):
            if _shares(ls[i][1], ls[j][1]):
                pairs.add((ls[i][0], ls[j][0]))
    return pairs


def input_aliases(args, kwargs, value, arg_names=None, names=None):
    """{(output path, input name)}: output arrays that share memory with an input array."""
    arg_names = list(arg_names or [])
    inputs = []
    for i, a in enumerate(args):
        inputs += leaves(a, arg_names[i] if i < len(arg_names) else f"argument {i + 1}")
    for k, a in (kwargs or {}).items():
        inputs += leaves(a, k)
    found = set()
    for opath, oarr in output_leaves(value, names):
        for ipath, iarr in inputs:
            if _shares(oarr, iarr):
                found.add((opath, ipath))
    return found


class AliasProbe:
    """Callable wrapper recording, per call, the outputs that share memory with the inputs."""

    def __init__(self, fn, arg_names=None, names=None):
        self.fn, self.arg_names, self.names = fn, arg_names, names
        self.last = None

    def __call__(self, *args, **kwargs):
        self.last = None
        value = self.fn(*args, **kwargs)
        try:
            self.last = input_aliases(args, kwargs, value, self.arg_names, self.names)
        except Exception:  # noqa: BLE001 - never let the probe break a learner's call
            self.last = None
        return value

    def take(self):
        found, self.last = self.last, None
        return found
