"""Learning-rate schedules: the step size as a function of the step count t (an epoch or a batch).

First the formulas, each a plain function of t (what chapter 4 shows); then small scheduler
objects that set `optimizer.lr` on every `step()`, like `torch.optim.lr_scheduler` (and tested
against it step for step, tests/test_schedules.py). Only the learning rate is scheduled;
PyTorch's `OneCycleLR` also cycles momentum unless `cycle_momentum=False`.

    η_t = η₀ · γ^⌊t/s⌋                                   step decay
    η_t = η₀ · γ^t                                       exponential decay
    η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T)) / 2  cosine annealing
    η_t = η₀ · (f₀ + (f₁ − f₀) · min(t, W) / W)          linear warm-up over W steps
    one cycle: cosine from η_max/d up to η_max over the first p·T steps, then down to η_max/(d·d_f)
    warm-up + cosine: η_max·(t+1)/W for t < W, then cosine annealing from η_max to η_min over T − W steps
"""

import math

from ._validate import check_positive


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _check_step(t):
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError(f"t must be a non-negative integer step count, got {t!r}")
    return t


def _check_factor(value, name):
    check_positive(value, name)
    if value > 1:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return value


# -- the formulas ----------------------------------------------------------------------------------


def step_decay(t, lr0, step_size, gamma=0.1):
    """η₀ · γ^⌊t / step_size⌋: multiply by γ every `step_size` steps."""
    return lr0 * gamma ** (_check_step(t) // step_size)


def exponential_decay(t, lr0, gamma):
    """η₀ · γ^t: multiply by γ every step."""
    return lr0 * gamma ** _check_step(t)


def cosine_annealing(t, lr0, T_max, lr_min=0.0):
    """η_min + (η₀ − η_min)(1 + cos(π t / T_max)) / 2: half a cosine from η₀ down to η_min at t = T_max."""
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * _check_step(t) / T_max)) / 2


def linear_warmup(t, lr0, warmup_steps, start_factor=1 / 3, end_factor=1.0):
    """η₀ · (f₀ + (f₁ − f₀) · min(t, W) / W): a straight line from f₀·η₀ to f₁·η₀ over W steps, then flat."""
    progress = min(_check_step(t), warmup_steps) / warmup_steps
    return lr0 * (start_factor + (end_factor - start_factor) * progress)


def _cosine_between(start, end, fraction):
    """From `start` (fraction 0) to `end` (fraction 1) along half a cosine."""
    return end + (start - end) * (1 + math.cos(math.pi * fraction)) / 2


def one_cycle(t, max_lr, total_steps, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    """Up from max_lr/div_factor to max_lr, then down to max_lr/(div_factor·final_div_factor).

    Both halves follow half a cosine; the peak is at step pct_start·total_steps − 1 and the last
    step is total_steps − 1 (PyTorch's `OneCycleLR` with `anneal_strategy="cos"`).
    """
    if _check_step(t) >= total_steps:
        raise ValueError(f"t must be below total_steps={total_steps}, got {t}")
    low = max_lr / div_factor
    peak = pct_start * total_steps - 1
    if t <= peak:
        return _cosine_between(low, max_lr, t / peak)
    return _cosine_between(max_lr, low / final_div_factor, (t - peak) / (total_steps - 1 - peak))


def warmup_cosine(t, lr_max, total_steps, warmup_steps=0, lr_min=0.0):
    """Linear warm-up to lr_max over `warmup_steps` steps, then half a cosine down to lr_min at t = total_steps.

        η_t = η_max · (t + 1) / W                                     for t < W (W = warmup_steps)
        η_t = η_min + (η_max − η_min) · (1 + cos(π (t − W) / (T − W))) / 2   for W ≤ t ≤ T

    PyTorch: SequentialLR of LinearLR(start_factor=1/W, total_iters=W−1) and
    CosineAnnealingLR(T_max=T−W, eta_min=η_min) with the milestone W.
    """
    _check_count(total_steps, "total_steps")
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or not 0 <= warmup_steps < total_steps:
        raise ValueError(
            f"warmup_steps must be an integer from 0 to total_steps - 1 = {total_steps - 1}, got {warmup_steps!r}"
        )
    if _check_step(t) > total_steps:
        raise ValueError(f"t must be at most total_steps={total_steps}, got {t}")
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    return cosine_annealing(t - warmup_steps, lr_max, total_steps - warmup_steps, lr_min)


# -- schedulers: set optimizer.lr step by step -----------------------------------------------------


class LRScheduler:
    """Sets `optimizer.lr = lr_at(t)` for t = 0 at construction and t + 1 at every `step()`.

    Call `step()` once per epoch (or per batch, if the schedule counts batches), after the
    optimizer's step, as with PyTorch. `history` holds every learning rate set so far.
    """

    def __init__(self, optimizer):
        if isinstance(optimizer, type) or not hasattr(optimizer, "lr"):
            raise TypeError(f"optimizer must be an optimizer instance with an `lr`, got {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = check_positive(optimizer.lr, "optimizer.lr")
        self.t = 0
        self.history = []
        self._set(self.lr_at(0))

    def lr_at(self, t):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _set(self, lr):
        self.optimizer.lr = lr
        self.history.append(lr)
        return lr

    def step(self):
        """Advance one step and return the new learning rate."""
        self.t += 1
        return self._set(self.lr_at(self.t))


class StepLR(LRScheduler):
    """`step_decay` (torch.optim.lr_scheduler.StepLR)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = _check_count(step_size, "step_size")
        self.gamma = _check_factor(gamma, "gamma")
        super().__init__(optimizer)

    def lr_at(self, t):
        return step_decay(t, self.base_lr, self.step_size, self.gamma)


class ExponentialLR(LRScheduler):
    """`exponential_decay` (torch.optim.lr_scheduler.ExponentialLR)."""

    def __init__(self, optimizer, gamma):
        self.gamma = _check_factor(gamma, "gamma")
        super().__init__(optimizer)

    def lr_at(self, t):
        return exponential_decay(t, self.base_lr, self.gamma)


class CosineAnnealingLR(LRScheduler):
    """`cosine_annealing` (torch.optim.lr_scheduler.CosineAnnealingLR, which computes it recursively)."""

    def __init__(self, optimizer, T_max, lr_min=0.0):
        self.T_max = _check_count(T_max, "T_max")
        self.lr_min = check_positive(lr_min, "lr_min", allow_zero=True)
        super().__init__(optimizer)

    def lr_at(self, t):
        return cosine_annealing(t, self.base_lr, self.T_max, self.lr_min)


class LinearWarmup(LRScheduler):
    """`linear_warmup` (torch.optim.lr_scheduler.LinearLR with total_iters = warmup_steps)."""

    def __init__(self, optimizer, warmup_steps=5, start_factor=1 / 3, end_factor=1.0):
        self.warmup_steps = _check_count(warmup_steps, "warmup_steps")
        self.start_factor = _check_factor(start_factor, "start_factor")
        self.end_factor = _check_factor(end_factor, "end_factor")
        super().__init__(optimizer)

    def lr_at(self, t):
        return linear_warmup(t, self.base_lr, self.warmup_steps, self.start_factor, self.end_factor)


class OneCycleLR(LRScheduler):
    """`one_cycle` (torch.optim.lr_scheduler.OneCycleLR, cosine, learning rate only); counts batches."""

    def __init__(self, optimizer, max_lr, total_steps, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
        self.max_lr = check_positive(max_lr, "max_lr")
        self.total_steps = _check_count(total_steps, "total_steps")
        if not 0 < pct_start < 1 or pct_start * total_steps <= 1:
            raise ValueError(f"pct_start must be in (0, 1) with pct_start·total_steps > 1, got {pct_start!r}")
        self.pct_start = pct_start
        self.div_factor = check_positive(div_factor, "div_factor")
        self.final_div_factor = check_positive(final_div_factor, "final_div_factor")
        super().__init__(optimizer)

    def lr_at(self, t):
        return one_cycle(t, self.max_lr, self.total_steps, self.pct_start, self.div_factor, self.final_div_factor)


class WarmupCosineLR(LRScheduler):
    """`warmup_cosine` (torch: SequentialLR of LinearLR and CosineAnnealingLR, see there); counts batches."""

    def __init__(self, optimizer, total_steps, warmup_steps=0, lr_min=0.0):
        self.total_steps = _check_count(total_steps, "total_steps")
        self.warmup_steps = warmup_steps
        self.lr_min = check_positive(lr_min, "lr_min", allow_zero=True)
        warmup_cosine(0, 1.0, total_steps, warmup_steps)  # refuses a bad warmup_steps before any state is set
        super().__init__(optimizer)

    def lr_at(self, t):
        return warmup_cosine(min(t, self.total_steps), self.base_lr, self.total_steps, self.warmup_steps, self.lr_min)


class ReduceLROnPlateau:
    """Multiply `optimizer.lr` by `factor` when the monitored metric stopped improving.

    `step(metric)` once per epoch. An improvement is a metric below best·(1 − threshold)
    (mode "min", threshold_mode "rel"; "abs" uses best − threshold; mode "max" mirrors both).
    After more than `patience` epochs without one, the rate is cut (never below `min_lr`; cuts
    smaller than `eps` are skipped), then `cooldown` epochs pass before counting again —
    the rules of torch.optim.lr_scheduler.ReduceLROnPlateau.
    """

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ):
        if isinstance(optimizer, type) or not hasattr(optimizer, "lr"):
            raise TypeError(f"optimizer must be an optimizer instance with an `lr`, got {optimizer!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        check_positive(factor, "factor")
        if factor >= 1:
            raise ValueError(f"factor must be in (0, 1), got {factor!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        self.optimizer, self.mode, self.factor = optimizer, mode, factor
        self.patience, self.cooldown, self.threshold_mode = patience, cooldown, threshold_mode
        self.threshold = check_positive(threshold, "threshold", allow_zero=True)
        self.min_lr = check_positive(min_lr, "min_lr", allow_zero=True)
        self.eps = check_positive(eps, "eps", allow_zero=True)
        self.best = math.inf if mode == "min" else -math.inf
        self.bad_epochs = 0
        self.cooldown_left = 0
        self.history = [optimizer.lr]

    def _improves(self, metric):
        if self.mode == "min":
            bar = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return metric < bar
        bar = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return metric > bar

    def step(self, metric):
        """Record this epoch's metric (e.g. the validation loss); return the learning rate to use next."""
        metric = float(metric)
        if math.isnan(metric):
            raise ValueError("metric is NaN; a plateau cannot be judged on it (the loss diverged?)")
        if self._improves(metric):
            self.best, self.bad_epochs = metric, 0
        else:
            self.bad_epochs += 1
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.bad_epochs = 0
        if self.bad_epochs > self.patience:
            new_lr = max(self.optimizer.lr * self.factor, self.min_lr)
            if self.optimizer.lr - new_lr > self.eps:
                self.optimizer.lr = new_lr
            self.cooldown_left, self.bad_epochs = self.cooldown, 0
        self.history.append(self.optimizer.lr)
        return self.optimizer.lr
