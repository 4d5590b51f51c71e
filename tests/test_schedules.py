"""Learning-rate schedules against torch.optim.lr_scheduler, step for step, and their bad input."""

import math

import re

import numpy as np
import pytest
import torch

from dlfund import schedules
from dlfund.optim import SGD

LR0 = 0.3


def _torch_lrs(make, steps, metrics=None):
    """Learning rates torch sets: the initial one, then one after each scheduler.step()."""
    p = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=LR0)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for k in range(steps):
        opt.step()
        sched.step(*(() if metrics is None else (metrics[k],)))
        lrs.append(opt.param_groups[0]["lr"])
    return np.array(lrs)


def _ours(make, steps, metrics=None):
    opt = SGD(LR0)
    sched = make(opt)
    for k in range(steps):
        sched.step(*(() if metrics is None else (metrics[k],)))
    assert sched.history[-1] == opt.lr
    return np.array(sched.history)


CASES = {
    "step": (
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
        lambda o: schedules.StepLR(o, step_size=4, gamma=0.5),
        30,
    ),
    "exponential": (
        lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
        lambda o: schedules.ExponentialLR(o, gamma=0.9),
        30,
    ),
    "cosine": (
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
        lambda o: schedules.CosineAnnealingLR(o, T_max=10, lr_min=0.01),
        35,
    ),
    "cosine-to-zero": (
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7),
        lambda o: schedules.CosineAnnealingLR(o, T_max=7),
        20,
    ),
    "warmup": (
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=6),
        lambda o: schedules.LinearWarmup(o, warmup_steps=6, start_factor=0.1),
        15,
    ),
    "warmup-defaults": (lambda o: torch.optim.lr_scheduler.LinearLR(o), lambda o: schedules.LinearWarmup(o), 10),
    "one-cycle": (
        lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=1.2, total_steps=40, pct_start=0.25, cycle_momentum=False
        ),
        lambda o: schedules.OneCycleLR(o, max_lr=1.2, total_steps=40, pct_start=0.25),
        39,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_schedule_matches_torch_step_for_step(name):
    make_torch, make_ours, steps = CASES[name]
    expected, got = _torch_lrs(make_torch, steps), _ours(make_ours, steps)
    assert got.shape == expected.shape == (steps + 1,)
    # torch computes cosine annealing recursively: rounding of a few ulps of the largest rate
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * expected.max())
    assert len(np.unique(np.round(expected, 12))) > 2, "the case must actually change the rate"


PLATEAU = {
    "min-rel": dict(mode="min", factor=0.5, patience=2, threshold=0.05),
    "min-abs-cooldown": dict(
        mode="min", factor=0.3, patience=1, threshold=0.02, threshold_mode="abs", cooldown=2, min_lr=0.01
    ),
    "max-rel": dict(mode="max", factor=0.5, patience=0, threshold=0.01),
}


@pytest.mark.parametrize("name", PLATEAU)
def test_reduce_on_plateau_matches_torch(name):
    kwargs = PLATEAU[name]
    rng = np.random.default_rng(3)
    # a metric that improves, then stalls with noise, then improves a little: every rule is exercised
    metrics = np.concatenate(
        [np.linspace(1.0, 0.5, 8), 0.5 + 0.03 * rng.standard_normal(20), np.linspace(0.49, 0.40, 6)]
    )
    if kwargs["mode"] == "max":
        metrics = -metrics + 2
    expected = _torch_lrs(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs), len(metrics), metrics)
    got = _ours(lambda o: schedules.ReduceLROnPlateau(o, **kwargs), len(metrics), metrics)
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert (np.diff(expected) < 0).sum() >= 2, "the case must cut the rate at least twice"


def test_formulas_at_their_landmarks():
    assert schedules.step_decay(7, 1.0, 3, 0.5) == 0.25  # two cuts by t = 7
    assert schedules.cosine_annealing(10, 1.0, 10, 0.1) == pytest.approx(0.1)  # the floor at T_max
    assert schedules.cosine_annealing(5, 1.0, 10) == pytest.approx(0.5)  # half way
    assert schedules.linear_warmup(3, 2.0, 6, start_factor=0.0) == pytest.approx(1.0)
    assert schedules.linear_warmup(100, 2.0, 6) == 2.0
    peak = 0.3 * 20 - 1
    assert schedules.one_cycle(0, 1.0, 20, 0.3) == pytest.approx(1 / 25)
    assert schedules.one_cycle(int(peak), 1.0, 20, 0.3) == pytest.approx(1.0)
    assert schedules.one_cycle(19, 1.0, 20, 0.3) == pytest.approx(1 / 25 / 1e4)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda o: schedules.StepLR(o, step_size=0), "step_size must be a positive integer"),
        (lambda o: schedules.StepLR(o, step_size=2.5), "step_size must be a positive integer"),
        (lambda o: schedules.ExponentialLR(o, gamma=1.5), "gamma must be in (0, 1]"),
        (lambda o: schedules.ExponentialLR(o, gamma=0), "gamma"),
        (lambda o: schedules.CosineAnnealingLR(o, T_max=0), "T_max must be a positive integer"),
        (lambda o: schedules.CosineAnnealingLR(o, T_max=5, lr_min=-1), "lr_min"),
        (lambda o: schedules.LinearWarmup(o, warmup_steps=-3), "warmup_steps"),
        (lambda o: schedules.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5), "pct_start"),
        (lambda o: schedules.ReduceLROnPlateau(o, mode="lowest"), "mode must be 'min' or 'max'"),
        (lambda o: schedules.ReduceLROnPlateau(o, factor=1.0), "factor must be in (0, 1)"),
        (lambda o: schedules.ReduceLROnPlateau(o, patience=-1), "patience must be a non-negative integer"),
    ],
)
def test_bad_settings_name_the_argument(make, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        make(SGD(0.1))


def test_an_optimizer_class_instead_of_an_instance_is_refused():
    with pytest.raises(TypeError, match="optimizer must be an optimizer instance"):
        schedules.StepLR(SGD, step_size=2)


def test_one_cycle_past_its_end_and_nan_plateau_metric_are_refused():
    sched = schedules.OneCycleLR(SGD(0.1), max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError, match="t must be below total_steps=5"):
        for _ in range(5):
            sched.step()
    with pytest.raises(ValueError, match="metric is NaN"):
        schedules.ReduceLROnPlateau(SGD(0.1)).step(math.nan)


@pytest.mark.parametrize("T, W, lr_min", [(40, 8, 0.01), (25, 2, 0.0), (30, 0, 0.05)])
def test_warmup_cosine_matches_torch_sequential_schedule(T, W, lr_min):
    def make(o):
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T - W, eta_min=lr_min)
        if W == 0:
            return cosine
        warm = torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / W, end_factor=1.0, total_iters=W - 1)
        return torch.optim.lr_scheduler.SequentialLR(o, [warm, cosine], milestones=[W])

    expected = _torch_lrs(make, T)
    got = np.array([schedules.warmup_cosine(t, LR0, T, W, lr_min) for t in range(T + 1)])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * LR0)
    np.testing.assert_allclose(
        _ours(lambda o: schedules.WarmupCosineLR(o, T, W, lr_min), T), expected, rtol=0, atol=1e-12 * LR0
    )
    assert got[0] == pytest.approx(LR0 / max(W, 1)) and got[-1] == pytest.approx(lr_min)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: schedules.warmup_cosine(0, 0.1, 10, 10), "warmup_steps must be an integer from 0 to total_steps - 1"),
        (lambda: schedules.warmup_cosine(11, 0.1, 10, 2), "t must be at most total_steps=10"),
        (lambda: schedules.warmup_cosine(0, 0.1, 0, 0), "total_steps must be a positive integer"),
        (lambda: schedules.WarmupCosineLR(SGD(0.1), 10, warmup_steps=-1), "warmup_steps must be an integer from 0"),
    ],
)
def test_warmup_cosine_bad_settings(call, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        call()
