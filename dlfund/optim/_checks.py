"""Hyperparameter checks shared by the rules' callers: the dict API and the optimizer classes."""

import numpy as np

from .._validate import check_positive, check_unit_interval


def check_decay(value, name):
    """A decay rate (beta, rho, alpha, momentum) must be a number in [0, 1)."""
    return check_unit_interval(value, name)


def check_nonneg(value, name):
    """A number >= 0 (eps, weight decay, ...)."""
    return check_positive(value, name, allow_zero=True)


def check_step(t):
    """Adam's step counter: an integer >= 1 (at t = 0 the bias correction divides by 0)."""
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
        raise TypeError(f"t must be an integer step counter >= 1, got {t!r}")
    if t < 1:
        raise ValueError(
            f"t must be >= 1 (the first step is t = 1; at t = 0 the bias correction 1 - beta**t is 0), got {t}"
        )
    return int(t)


def check_betas(betas):
    """Adam's (beta1, beta2) pair, each in [0, 1)."""
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    return check_decay(b1, "betas[0]"), check_decay(b2, "betas[1]")
