"""The training loop shared by `MLP` and `SequenceModel` (one loop, so the two cannot drift apart).

A model mixes in `Trainable` and provides `params`, `forward(X) -> (y_hat, cache)`,
`backward(y_hat, Y, cache) -> grads` and `compute_loss(y_hat, Y)`. It may override
`_training()` (a context manager, e.g. to switch dropout on) and `_validation_loss(X, Y)`.
"""

import contextlib
import math

import numpy as np

from ._validate import check_matching_keys, check_positive, check_rng
from .clipping import clip_grad_norm, clip_grad_value, global_grad_norm


class Trainable:
    """Mini-batch training, loss and gradients for a model with a parameter dict."""

    def loss_and_grads(self, X, Y, params=None):
        """(loss, grads) at the current parameters, or at `params` if given (used by gradient checks)."""
        if params is not None:
            check_matching_keys(self.params, params, prefix="", name="params")
            saved, self.params = self.params, params
        try:
            y_hat, cache = self.forward(X)
            return self.compute_loss(y_hat, Y), self.backward(y_hat, Y, cache)
        finally:
            if params is not None:
                self.params = saved

    def _training(self):
        return contextlib.nullcontext()

    def _validation_loss(self, X, Y):
        return self.compute_loss(self.forward(X)[0], Y)

    # the training loop with its options (clipping, tracking, two optimizer kinds):
    def _train(  # noqa: C901 - the loop with its options, kept in one piece so it reads top to bottom
        self,
        X,
        Y,
        epochs,
        batch_size,
        optimizer,
        lr,
        rng,
        validation_data,
        progress,
        clip_norm,
        clip_value,
        track_grad_norm,
    ):
        """The loop behind `fit`: shuffled mini-batches, optional clipping, one optimizer step each.

        `optimizer` is an object with `step(params, grads)` (updates the dict in place) or a
        function `(params, grads, lr) -> params`. Returns {"loss", "val_loss"[, "grad_norm"]}
        per epoch (grad_norm: per step, before clipping). Stops early (last loss NaN) when the
        loss is not finite.
        """
        from .optim import GD, random_mini_batches

        if X.shape[0] != np.shape(Y)[0]:
            raise ValueError(f"X has {X.shape[0]} rows but Y has {np.shape(Y)[0]}")
        if not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        for name, value in (("clip_norm", clip_norm), ("clip_value", clip_value)):
            if value is not None:
                check_positive(value, name)
        optimizer = GD(lr) if optimizer is None else _check_optimizer(optimizer, lr)
        rng = check_rng(rng)
        batch = X.shape[0] if batch_size is None else batch_size
        history = {"loss": [], "val_loss": []}
        track = clip_norm is not None or track_grad_norm
        if track:
            history["grad_norm"] = []
        epochs_iter = range(epochs)
        if progress:
            from tqdm.auto import tqdm

            epochs_iter = tqdm(epochs_iter, desc="epochs", leave=False)
        with self._training():
            for _ in epochs_iter:
                total = 0.0
                for Xb, Yb in random_mini_batches(X, Y, batch, rng=rng):
                    loss, grads = self.loss_and_grads(Xb, Yb)
                    if not math.isfinite(loss):
                        history["loss"].append(float("nan"))
                        return history
                    total += loss * Xb.shape[0]
                    if clip_norm is not None:
                        grads, norm = clip_grad_norm(grads, clip_norm)
                    elif track:
                        norm = global_grad_norm(grads)
                    if track:
                        history["grad_norm"].append(norm)
                    if clip_value is not None:
                        grads = clip_grad_value(grads, clip_value)
                    if hasattr(optimizer, "step"):
                        optimizer.step(self.params, grads)
                    else:
                        self.params = _checked_update(optimizer(self.params, grads, lr), self.params)
                history["loss"].append(total / X.shape[0])
                if validation_data is not None:
                    history["val_loss"].append(self._validation_loss(*validation_data))
        return history


def _check_optimizer(optimizer, lr):
    """An object with step(params, grads), or a function (params, grads, lr) -> params (then lr > 0)."""
    if isinstance(optimizer, type):
        raise TypeError(
            f"optimizer is the class {optimizer.__name__}, not an optimizer: pass an instance, "
            f"e.g. optimizer={optimizer.__name__}(lr=0.01)"
        )
    if not hasattr(optimizer, "step"):
        if not callable(optimizer):
            raise TypeError("optimizer must have a step(params, grads) method or be a function")
        check_positive(lr, "lr")
    return optimizer


def _checked_update(new, old):
    """The dict an optimizer function returned, if it has the parameters' keys; else a TypeError."""
    if not isinstance(new, dict) or new.keys() != old.keys():
        got = type(new).__name__ if not isinstance(new, dict) else f"a dict with keys {sorted(new)}"
        raise TypeError(
            f"the optimizer function must return the new parameter dict with keys {sorted(old)} "
            f"(called as optimizer(params, grads, lr)), got {got}"
        )
    return new
