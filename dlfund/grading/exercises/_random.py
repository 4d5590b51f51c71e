"""Exercises whose answers are random: judged by properties and statistics, not by equality.

A learner's function draws from the generator it is given, but may draw in another order than
the reference, so its numbers differ. What must hold instead:

* initialisers: the right shape, reproducible for a given seed (the generator is used, not
  np.random), mean 0, the target variance within a statistical interval (about 6 standard
  errors), and the right distribution family (uniform: bounded by a = sqrt(3 var), kurtosis 1.8;
  normal: kurtosis 3);
* mini-batches: the batches partition the rows, X and Y rows stay paired, sizes are right, the
  order is shuffled, and the same seed gives the same batches.

Known mistakes are fingerprinted through the same statistics (the variance ratio, the kurtosis,
the flags), computed on the mistake's own draws.
"""

import math

import numpy as np

from ..compare import Problem, compare, describe
from ..core import Exercise, FeatureSignature


def _kurtosis(x):
    x = x.ravel() - x.mean()
    v = float(np.mean(x * x))
    return float(np.mean(x**4) / v**2) if v > 0 else float("nan")


class InitExercise(FeatureSignature, Exercise):
    """Weight initialiser W = f(n_in, n_out, rng) with a target variance and distribution family."""

    kind = "random"

    def __init__(self, *, target_var, family, **kwargs):
        super().__init__(**kwargs)
        self.target_var = target_var
        self.family = family  # "uniform" | "normal"

    def _stats(self, case, outcomes):
        n_in, n_out = case.args[0], case.args[1]
        W = outcomes[0].value
        try:
            W = np.asarray(W, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        if W.shape != (n_in, n_out):
            return {"shape": W.shape}
        target = self.target_var(n_in, n_out)
        again, other = (
            np.asarray(o.value, dtype=np.float64) if o.kind == "ok" and o.value is not None else None
            for o in outcomes[1:3]
        )
        var = float(W.var())
        return {
            "shape": W.shape,
            "ratio": var / target,
            "mean_z": float(W.mean()) / math.sqrt(max(var, 1e-300) / W.size),
            "kurt": _kurtosis(W),
            "bound_ratio": float(np.abs(W).max() / math.sqrt(3 * target)),
            "repro": again is not None and again.shape == W.shape and bool(np.array_equal(again, W)),
            "differs": other is None or other.shape != W.shape or not np.array_equal(other, W),
            "n": W.size,
        }

    def judge(self, case, outcomes):
        n_in, n_out = case.args[0], case.args[1]
        W = outcomes[0].value
        problems = (
            compare(np.zeros((n_in, n_out)), W, "W")
            if not isinstance(W, np.ndarray) or W.shape != (n_in, n_out)
            else []
        )
        problems = [p for p in problems if p.kind in ("structure", "type", "shape")]
        if problems:
            return problems
        if W.dtype != np.float64:
            problems.append(
                Problem(
                    "dtype",
                    f"W has dtype {W.dtype}; weights are float64 like the rest of the course",
                    "INIT_DTYPE",
                    "return the draw as it is (rng.uniform and rng.normal give float64): no .astype(...)",
                )
            )
        st = self._stats(case, outcomes)
        if not np.all(np.isfinite(W)):
            return [Problem("nonfinite", "W contains NaN or inf")]
        if not st["repro"]:
            problems.append(
                Problem(
                    "property",
                    "two calls with generators seeded alike returned different matrices",
                    "NOT_REPRODUCIBLE",
                    "draw every random number from the rng argument "
                    "(rng.uniform, rng.normal, rng.standard_normal), never from np.random",
                )
            )
        if not st["differs"]:
            problems.append(
                Problem(
                    "property",
                    "different seeds gave the same matrix: the values are not random",
                    "NOT_RANDOM",
                    "draw the weights from rng",
                )
            )
        kurt_se = math.sqrt(24.0 / st["n"])
        var_se = math.sqrt(max((1.8 if self.family == "uniform" else 3.0) - 1.0, 0.1) / st["n"])
        target = self.target_var(n_in, n_out)
        if abs(st["ratio"] - 1) > 6 * var_se:
            problems.append(
                Problem(
                    "values",
                    f"Var(W) = {st['ratio'] * target:.4g}, expected {target:.4g} (ratio {st['ratio']:.3f}; "
                    f"n_in = {n_in}, n_out = {n_out}, {st['n']} entries, so the sampling error is about "
                    f"{100 * var_se:.1f}%)",
                    "VARIANCE",
                    "",
                )
            )
        if abs(st["mean_z"]) > 6:
            problems.append(
                Problem(
                    "values",
                    f"the mean of W is {st['mean_z']:.1f} standard errors away from 0",
                    "MEAN",
                    "weights are centred on 0 (U(-a, a) or N(0, std**2))",
                )
            )
        if self.family == "uniform":
            if st["bound_ratio"] > 1 + 1e-9 and abs(st["ratio"] - 1) <= 6 * var_se:
                problems.append(
                    Problem(
                        "property",
                        f"max |W| is {st['bound_ratio']:.2f} × the bound a = sqrt(3 Var): "
                        "a uniform draw never exceeds its bound",
                        "NOT_UNIFORM",
                        "use rng.uniform(-a, a, size=(n_in, n_out))",
                    )
                )
            elif abs(st["kurt"] - 1.8) > 6 * kurt_se * 0.6:
                problems.append(
                    Problem(
                        "property",
                        f"the values do not look uniform (kurtosis {st['kurt']:.2f}, uniform 1.8)",
                        "NOT_UNIFORM",
                        "",
                    )
                )
        elif abs(st["kurt"] - 3.0) > 6 * kurt_se:
            problems.append(
                Problem(
                    "property",
                    f"the values do not look normal (kurtosis {st['kurt']:.2f}, normal 3, uniform 1.8)",
                    "NOT_NORMAL",
                    "use rng.normal(0.0, std, size) or std * rng.standard_normal(size)",
                )
            )
        return problems

    def features(self, case, outcomes):
        return self._stats(case, outcomes)

    def same_signature(self, a, b):
        if a[0] != b[0] or a[0] != "ok":
            return a == b
        sa, sb = a[1], b[1]
        if sa is None or sb is None or sa["shape"] != sb["shape"]:
            return sa == sb
        if "ratio" not in sa or "ratio" not in sb:
            return True
        return (
            sa["repro"] == sb["repro"]
            and abs(math.log(max(sa["ratio"], 1e-300) / max(sb["ratio"], 1e-300))) < 0.05
            and abs(sa["kurt"] - sb["kurt"]) < 0.3
        )


class MiniBatchExercise(FeatureSignature, Exercise):
    """random_mini_batches(X, Y, batch_size, rng) -> [(X_batch, Y_batch), ...]."""

    kind = "random"

    def _flags(self, case, outcomes):
        X, Y, bs = case.args[0], case.args[1], case.args[2]
        out = outcomes[0].value
        m = X.shape[0]
        f = {"list": isinstance(out, (list, tuple)) and all(isinstance(b, (list, tuple)) and len(b) == 2 for b in out)}
        if not f["list"]:
            return f
        sizes = [np.shape(b[0])[0] if np.ndim(b[0]) else -1 for b in out]
        want = [bs] * (m // bs) + ([m % bs] if m % bs else [])
        f["count"] = len(out) == len(want)
        f["sizes"] = sizes == want
        lookup = {X[i].tobytes(): i for i in range(m)}
        idx, paired = [], True
        for xb, yb in out:
            xb, yb = np.asarray(xb, dtype=X.dtype), np.asarray(yb, dtype=Y.dtype)
            if xb.ndim != 2 or xb.shape[1:] != X.shape[1:] or yb.shape[0] != xb.shape[0]:
                return {**f, "rows": False}
            for r in range(xb.shape[0]):
                i = lookup.get(xb[r].tobytes(), -1)
                idx.append(i)
                if i < 0 or not np.array_equal(yb[r], Y[i]):
                    paired = False
        f["rows"] = all(i >= 0 for i in idx)
        f["partition"] = sorted(idx) == list(range(m))
        f["missing"] = m - len(set(i for i in idx if i >= 0))
        f["repeated"] = len(idx) - len(set(idx))
        f["paired"] = paired
        f["shuffled"] = len(idx) < 2 or idx != sorted(idx)
        again = outcomes[1].value if outcomes[1].kind == "ok" else None
        f["repro"] = (
            again is not None
            and len(again) == len(out)
            and all(
                np.array_equal(np.asarray(a[0]), np.asarray(b[0]))
                and np.array_equal(np.asarray(a[1]), np.asarray(b[1]))
                for a, b in zip(out, again)
            )
        )
        return f

    def judge(self, case, outcomes):
        X, bs = case.args[0], case.args[2]
        m = X.shape[0]
        f = self._flags(case, outcomes)
        if not f["list"]:
            return [
                Problem(
                    "structure",
                    f"expected a list of (X_batch, Y_batch) pairs, received {describe(outcomes[0].value)}",
                    "STRUCTURE",
                    "",
                )
            ]
        problems = []
        if not f.get("rows", False):
            problems.append(
                Problem(
                    "shape",
                    "the batches do not hold rows of X (wrong shapes, or rows that are not in X)",
                    "ROWS",
                    "index rows: X[idx] with a 1-D index array keeps the columns",
                )
            )
            return problems
        if not f["partition"]:
            what = []
            if f["repeated"]:
                what.append(f"{f['repeated']} row(s) appear more than once")
            if f["missing"]:
                what.append(f"{f['missing']} of the {m} rows never appear")
            problems.append(
                Problem(
                    "property",
                    "the batches are not a partition of the rows: " + " and ".join(what),
                    "PARTITION",
                    "every row must appear exactly once: slice a permutation of 0..m-1 (rng.permutation(m))",
                )
            )
        if not f["count"] or not f["sizes"]:
            want = m // bs + (1 if m % bs else 0)
            parts = ([f"{m // bs} of {bs}"] if m // bs else []) + (
                [f"{'a last one' if m // bs else 'one'} of {m % bs}"] if m % bs else []
            )
            got = [np.shape(b[0])[0] for b in outcomes[0].value]
            problems.append(
                Problem(
                    "property",
                    f"m = {m}, batch_size = {bs}: expected {want} batch(es) "
                    f"({' and '.join(parts)}), received sizes {got[:8]}"
                    f"{' ...' if len(got) > 8 else ''}",
                    "BATCH_SIZES",
                    "drop empty batches: when batch_size divides m there is no smaller last one"
                    if got and got[-1] == 0
                    else "keep the smaller last batch: range(0, m, batch_size)",
                )
            )
        if not f["paired"]:
            problems.append(
                Problem(
                    "property",
                    "X rows and Y rows are no longer paired",
                    "UNPAIRED",
                    "use the SAME permutation for X and Y",
                )
            )
        if not f["shuffled"]:
            problems.append(
                Problem(
                    "property",
                    "the rows come in their original order: nothing was shuffled",
                    "NOT_SHUFFLED",
                    "shuffle first with rng.permutation(m)",
                )
            )
        if not f["repro"]:
            problems.append(
                Problem(
                    "property",
                    "two calls with generators seeded alike returned different batches",
                    "NOT_REPRODUCIBLE",
                    "use the rng argument, never np.random",
                )
            )
        return problems

    def features(self, case, outcomes):
        return tuple(sorted(self._flags(case, outcomes).items()))

    def same_signature(self, a, b):
        return a == b
