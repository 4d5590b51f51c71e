"""A multi-layer perceptron built from `layers`: forward, backward, fit, predict.

    model = MLP([n_in, 16, 16, 1], hidden_activation="relu", output="linear", rng=0)
    y_hat, caches = model.forward(X)           # X: (m, n_in) -> y_hat: (m, n_out)
    grads = model.backward(y_hat, Y, caches)   # {"dW1", "db1", ...}
    history = model.fit(X, Y, epochs=100, batch_size=32, optimizer=GD(lr=0.1))

Output heads and their default losses: "linear" + "mse" (regression), "sigmoid" + "bce"
(binary), "softmax" + "ce" (multi-class); the heads output probabilities, so their losses
take probabilities (the logit losses "bce_logits" and "softmax_ce" would apply the head twice).
For sigmoid + BCE and softmax + cross-entropy the output gradient is the fused dZ = (y_hat - Y) / m.
"""
import numpy as np

from ._validate import as_array, check_matching_keys, check_positive, check_rng
from .activations import get_activation
from .init import initialize_parameters
from .layers import activation_backward, activation_forward, dense_backward, dense_forward
from .losses import get_loss

_DEFAULT_LOSS = {"linear": "mse", "sigmoid": "bce", "softmax": "ce"}
_LOGIT_LOSSES = {"bce_logits": "bce", "softmax_ce": "ce"}  # logit loss -> its form on probabilities


class MLP:
    """Fully connected network with parameters {"W1", "b1", ..., "WL", "bL"} (W{l}: (n_{l-1}, n_l))."""

    def __init__(self, layer_sizes, hidden_activation="relu", output="linear", loss=None,
                 init="he_normal", rng=None, dtype=np.float64, alpha=0.01):
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes must list >= 2 positive sizes, got {list(layer_sizes)}")
        if any(s != int(s) for s in layer_sizes):
            raise ValueError(f"layer_sizes must hold whole numbers of units, got {list(layer_sizes)}")
        n_hidden = len(sizes) - 2
        acts = [hidden_activation] * n_hidden if isinstance(hidden_activation, str) else list(hidden_activation)
        if len(acts) != n_hidden:
            raise ValueError(f"got {len(acts)} hidden activations for {n_hidden} hidden layers")
        for name in acts:
            if name != "softmax":
                get_activation(name)  # raises a ValueError listing the known names
        if output not in _DEFAULT_LOSS:
            raise ValueError(f"output must be one of {sorted(_DEFAULT_LOSS)}, got {output!r}")
        self.layer_sizes = sizes
        self.activations = acts + [output]
        self.output = output
        self.loss_name = loss or _DEFAULT_LOSS[output]
        if output != "linear" and self.loss_name in _LOGIT_LOSSES:
            raise ValueError(f"loss {self.loss_name!r} takes logits but output={output!r} already applies {output}; "
                             f"use loss={_LOGIT_LOSSES[self.loss_name]!r}")
        self.loss_fn, self.loss_grad = get_loss(self.loss_name)
        self.alpha = alpha
        self.params = initialize_parameters(sizes, method=init, rng=check_rng(rng), dtype=dtype)

    @property
    def n_layers(self):
        return len(self.layer_sizes) - 1

    def __repr__(self):
        return (f"MLP({self.layer_sizes}, activations={self.activations}, loss={self.loss_name!r}, "
                f"{sum(p.size for p in self.params.values())} parameters)")

    def _act_kwargs(self, name):
        return {"alpha": self.alpha} if name == "leaky_relu" else {}

    def forward(self, X):
        """Forward pass. X: (m, n_in) -> (y_hat of shape (m, n_out), list of per-layer caches)."""
        A = as_array(X, "X", ndim=2)
        if A.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X has shape {A.shape} ({A.shape[1]} features) but the network expects "
                             f"{self.layer_sizes[0]} features (layer_sizes[0])")
        caches = []
        for l in range(1, self.n_layers + 1):
            Z, dense_cache = dense_forward(A, self.params[f"W{l}"], self.params[f"b{l}"])
            name = self.activations[l - 1]
            A, act_cache = activation_forward(Z, name, **self._act_kwargs(name))
            caches.append((dense_cache, act_cache))
        return A, caches

    def _targets(self, Y, y_hat):
        """Bring Y to the shape the loss expects: labels (m,) for cross-entropy, else y_hat's shape."""
        Y = np.asarray(Y)
        if self.loss_name in ("ce", "softmax_ce") and Y.ndim == 1:
            return Y  # class labels; the loss checks their count and range
        if Y.ndim == 1 and y_hat.shape[1] == 1:
            Y = Y.reshape(-1, 1)
        if Y.shape != y_hat.shape:
            raise ValueError(f"Y has shape {Y.shape} but the network outputs shape {y_hat.shape}")
        return Y

    def compute_loss(self, y_hat, Y):
        """Scalar loss of predictions y_hat (m, n_out) against targets Y."""
        return self.loss_fn(y_hat, self._targets(Y, y_hat))

    def backward(self, y_hat, Y, caches):
        """Backward pass from the loss to every parameter. Returns {"dW1", "db1", ...}."""
        Y = self._targets(Y, y_hat)
        fused = (self.output, self.loss_name) in {("sigmoid", "bce"), ("softmax", "ce")}
        grads = {}
        dA = None
        for l in range(self.n_layers, 0, -1):
            dense_cache, act_cache = caches[l - 1]
            if l == self.n_layers and fused:
                if self.output == "softmax" and Y.ndim == 1:
                    onehot = np.zeros_like(y_hat)
                    onehot[np.arange(len(Y)), Y.astype(int)] = 1.0
                    Y = onehot
                dZ = (y_hat - Y) / (y_hat.shape[0] if self.output == "softmax" else y_hat.size)
            else:
                if l == self.n_layers:
                    dA = self.loss_grad(y_hat, Y)
                dZ = activation_backward(dA, act_cache)
            dA, grads[f"dW{l}"], grads[f"db{l}"] = dense_backward(dZ, dense_cache)
        return {k: grads[k] for l in range(1, self.n_layers + 1) for k in (f"dW{l}", f"db{l}")}

    def loss_and_grads(self, X, Y, params=None):
        """(loss, grads) at the current parameters, or at `params` if given (used by gradient checks)."""
        if params is not None:
            check_matching_keys(self.params, params, prefix="", name="params")
            saved, self.params = self.params, params
        try:
            y_hat, caches = self.forward(X)
            return self.compute_loss(y_hat, Y), self.backward(y_hat, Y, caches)
        finally:
            if params is not None:
                self.params = saved

    def predict_proba(self, X):
        """Network output: probabilities for sigmoid/softmax heads, values for a linear head."""
        return self.forward(X)[0]

    def predict(self, X):
        """Regression: values (m,) or (m, k). Binary: labels 0/1 (m,). Multi-class: argmax labels (m,)."""
        out = self.predict_proba(X)
        if self.output == "sigmoid":
            return (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else (out > 0.5).astype(int)
        if self.output == "softmax":
            return out.argmax(axis=1)
        return out[:, 0] if out.shape[1] == 1 else out

    def fit(self, X, Y, epochs=100, batch_size=None, optimizer=None, lr=0.01, rng=None,
            validation_data=None, progress=True):
        """Train with mini-batches; returns history {"loss": [...], "val_loss": [...]} per epoch.

        `optimizer` is an object with `step(params, grads)` (e.g. `GD(lr=0.1)`) or a function
        `(params, grads, lr) -> params` such as `update_parameters_with_gd`; default `GD(lr)`.
        `batch_size=None` means full-batch gradient descent. Shuffling uses `rng`.
        """
        from .optim import GD, random_mini_batches

        X = as_array(X, "X", ndim=2)
        Y = np.asarray(Y)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
        if not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if optimizer is None:
            optimizer = GD(lr)
        elif not hasattr(optimizer, "step"):
            check_positive(lr, "lr")
            if not callable(optimizer):
                raise TypeError("optimizer must have a step(params, grads) method or be a function")
        rng = check_rng(rng)
        batch = X.shape[0] if batch_size is None else batch_size
        history = {"loss": [], "val_loss": []}
        epochs_iter = range(epochs)
        if progress:
            from tqdm.auto import tqdm
            epochs_iter = tqdm(epochs_iter, desc="epochs", leave=False)
        for _ in epochs_iter:
            total = 0.0
            for Xb, Yb in random_mini_batches(X, Y, batch, rng=rng):
                loss, grads = self.loss_and_grads(Xb, Yb)
                if not np.isfinite(loss):
                    history["loss"].append(float("nan"))
                    return history
                total += loss * Xb.shape[0]
                if hasattr(optimizer, "step"):
                    optimizer.step(self.params, grads)
                else:
                    self.params = optimizer(self.params, grads, lr)
            history["loss"].append(total / X.shape[0])
            if validation_data is not None:
                Xv, Yv = validation_data
                history["val_loss"].append(self.compute_loss(self.forward(Xv)[0], Yv))
        return history
