"""Learning-rate range test: raise the rate exponentially during one short run and watch the loss.

    result = lr_range_test(model, X, y, min_lr=1e-6, max_lr=10, n_steps=120, rng=0)
    result.suggested_lr, result.divergence_lr
    result.plot()

The loss first barely moves (rate too small), then falls, then turns up and explodes (rate
too large). The test works on a copy of the model. Which rate to train with is a heuristic:
pick one well below the point of divergence (ERRATA E40: "half the divergent rate" is exact
only for gradient descent on a one-dimensional quadratic).
"""

import copy
from dataclasses import dataclass

import numpy as np

from ._validate import as_array, check_positive, check_rng
from .optim import GD, random_mini_batches
from .optim._checks import check_decay as _check_decay

SUGGESTIONS = ("min/10", "steepest")


@dataclass
class LRRangeResult:
    """Outcome of `lr_range_test`; arrays have one entry per step taken."""

    rates: np.ndarray  # learning rate used at each step
    losses: np.ndarray  # mini-batch loss measured before each step
    smoothed: np.ndarray  # bias-corrected exponential moving average of `losses`
    suggested_lr: float  # the heuristic's pick (see `suggestion`)
    min_loss_lr: float  # rate where the smoothed loss is lowest
    divergence_lr: float  # first rate where smoothed > diverge_factor * its minimum (nan: never)
    suggestion: str  # "min/10" or "steepest"

    def plot(self, ax=None):
        """Loss against rate (log axis) with the suggested and divergence rates marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        ax.semilogx(self.rates, self.losses, color="0.75", lw=1, label="mini-batch loss")
        ax.semilogx(self.rates, self.smoothed, color="C0", lw=2, label="smoothed loss")
        ax.axvline(
            self.suggested_lr, color="C2", ls="--", label=f"suggested ({self.suggestion}): {self.suggested_lr:.2g}"
        )
        if np.isfinite(self.divergence_lr):
            ax.axvline(self.divergence_lr, color="C3", ls=":", label=f"divergence: {self.divergence_lr:.2g}")
        top = np.nanmax(self.smoothed[: max(2, int(np.nanargmin(self.smoothed)) + 1)])
        ax.set_ylim(0.0, 1.5 * max(top, np.nanmin(self.smoothed) * 1.5))
        ax.set(xlabel="learning rate", ylabel="loss", title="Learning-rate range test")
        ax.legend(fontsize=8)
        return ax


def lr_range_test(
    model,
    X,
    Y,
    optimizer=None,
    min_lr=1e-6,
    max_lr=10.0,
    n_steps=100,
    batch_size=32,
    smoothing=0.9,
    diverge_factor=4.0,
    suggestion="min/10",
    rng=None,
):
    """Train a COPY of `model` for `n_steps` mini-batch steps with the rate growing
    exponentially from `min_lr` to `max_lr`; stop early once the loss diverges.

    optimizer: an object with `step` and an `lr` attribute (default `GD`); a copy is used and
        its `lr` set before every step.
    smoothing: beta of the loss EMA, s_i = beta*s_{i-1} + (1 - beta)*loss_i, reported as
        s_i / (1 - beta**i) (bias-corrected, like Adam's moments).
    diverge_factor: divergence is declared at the first rate whose smoothed loss exceeds
        diverge_factor times the lowest smoothed loss so far (or is not finite).
    suggestion: "min/10" (default) - a tenth of the rate at the minimum of the smoothed loss;
        "steepest" - the rate where the smoothed loss falls fastest per decade of rate (slope
        measured across one decade), looking only below the minimum. Both are heuristics.
    Returns an `LRRangeResult`.
    """
    min_lr = check_positive(min_lr, "min_lr")
    max_lr = check_positive(max_lr, "max_lr")
    if not min_lr < max_lr:
        raise ValueError(f"min_lr must be smaller than max_lr, got {min_lr!r} and {max_lr!r}")
    if not isinstance(n_steps, (int, np.integer)) or n_steps < 3:
        raise ValueError(f"n_steps must be an integer >= 3, got {n_steps!r}")
    beta = _check_decay(smoothing, "smoothing")
    if not check_positive(diverge_factor, "diverge_factor") > 1:
        raise ValueError(f"diverge_factor must be > 1, got {diverge_factor!r}")
    if suggestion not in SUGGESTIONS:
        raise ValueError(f"suggestion must be one of {SUGGESTIONS}, got {suggestion!r}")
    X = as_array(X, "X", ndim=2)
    Y = np.asarray(Y)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    opt = copy.deepcopy(optimizer) if optimizer is not None else GD(min_lr)
    if not (hasattr(opt, "step") and hasattr(opt, "lr")):
        raise TypeError("optimizer must be an object with a step(params, grads) method and an lr attribute")
    if hasattr(opt, "reset"):
        opt.reset()
    net = copy.deepcopy(model)  # the model passed in is never trained
    rng = check_rng(rng)

    schedule = min_lr * (max_lr / min_lr) ** np.linspace(0.0, 1.0, n_steps)
    rates, losses, smoothed = [], [], []
    avg, best, divergence_lr = 0.0, np.inf, np.nan
    batches = iter(())
    with np.errstate(over="ignore", invalid="ignore"):
        for i, lr in enumerate(schedule, start=1):
            try:
                Xb, Yb = next(batches)
            except StopIteration:  # a new epoch: reshuffle
                batches = iter(random_mini_batches(X, Y, batch_size, rng=rng))
                Xb, Yb = next(batches)
            loss, grads = net.loss_and_grads(Xb, Yb)
            avg = beta * avg + (1 - beta) * loss
            s = avg / (1 - beta**i)
            rates.append(lr)
            losses.append(loss)
            smoothed.append(s)
            if not np.isfinite(s) or s > diverge_factor * best:
                divergence_lr = lr
                break
            best = min(best, s)
            opt.lr = lr
            opt.step(net.params, grads)

    rates, losses, smoothed = np.array(rates), np.array(losses), np.array(smoothed)
    i_min = int(np.nanargmin(smoothed))
    min_loss_lr = float(rates[i_min])
    if suggestion == "steepest":
        suggested = _steepest_rate(rates, smoothed, i_min)
    else:
        suggested = min_loss_lr / 10
    return LRRangeResult(rates, losses, smoothed, suggested, min_loss_lr, float(divergence_lr), suggestion)


def _steepest_rate(rates, smoothed, i_min):
    """Rate (below the loss minimum) where the smoothed loss falls fastest per decade of rate.

    The slope is a difference across one decade (half a decade each side), so that batch
    noise in the first, flat part of the curve cannot win. Falls back to a tenth of the
    minimum-loss rate when the curve is too short.
    """
    log_r = np.log10(rates)
    w = max(1, int(round(0.5 / (log_r[1] - log_r[0]))))
    best_i, best_slope = None, 0.0
    for i in range(w, i_min + 1):
        hi = min(i + w, i_min)
        slope = (smoothed[hi] - smoothed[i - w]) / (log_r[hi] - log_r[i - w])
        if slope < best_slope:
            best_i, best_slope = i, slope
    return float(rates[best_i]) if best_i is not None else float(rates[i_min]) / 10
