"""Measure how gradients flow through a network: per-layer gradient norms (chapters 6 and 7)."""

import re

import numpy as np

from ._validate import as_array


def weight_grad_norms(grads):
    """Frobenius norms of the weight gradients dW1, dW2, ..., dWL, in layer order (array of length L)."""
    keys = sorted((k for k in grads if re.fullmatch(r"dW\d+", k)), key=lambda k: int(k[2:]))
    if not keys:
        raise ValueError(f"grads has no weight gradients 'dW1', 'dW2', ...; keys are {sorted(grads)}")
    return np.array([float(np.linalg.norm(as_array(grads[k], f"grads[{k!r}]"))) for k in keys])


def layer_grad_norms(model, X, Y):
    """Per-layer gradient norms ||dW_l|| of `model`'s loss on (X, Y) at its current parameters.

    Works for any model with `loss_and_grads(X, Y) -> (loss, grads)` (e.g. `MLP`); returns an
    array of length L, entry 0 being the first (input-side) layer. Note that a training-mode
    forward pass updates batch-norm running statistics, as one training step would.
    """
    _, grads = model.loss_and_grads(X, Y)
    return weight_grad_norms(grads)
