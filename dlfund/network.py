"""A multi-layer perceptron built from `layers`: forward, backward, fit, predict.

    model = MLP([n_in, 16, 16, 1], hidden_activation="relu", output="linear", rng=0)
    y_hat, caches = model.forward(X)           # X: (m, n_in) -> y_hat: (m, n_out)
    grads = model.backward(y_hat, Y, caches)   # {"dW1", "db1", ...}
    history = model.fit(X, Y, epochs=100, batch_size=32, optimizer=GD(lr=0.1))

Output heads and their default losses: "linear" + "mse" (regression), "sigmoid" + "bce"
(binary), "softmax" + "ce" (multi-class); the heads output probabilities, so their losses
take probabilities (the logit losses "bce_logits" and "softmax_ce" would apply the head twice).
For sigmoid + BCE and softmax + cross-entropy the output gradient is the fused dZ = (y_hat - Y) / m.

Optional pieces for the hidden layers (all off by default; a plain MLP runs the plain code):
dropout (drop probability per hidden layer), batch norm (parameters "gamma{l}", "beta{l}" in
`params`, running statistics in `model.bn[l]`, placed before or after the activation),
residual connections between equal-width hidden layers, and L1/L2 penalties on the weights.
A hidden layer computes, in this order:

    Z = A_prev @ W + b  ->  [BN]  ->  g  ->  [BN]  ->  [dropout]  ->  A = [A_prev +] H

`model.train()` / `model.eval()` switch dropout and batch norm between training and
inference behaviour; `predict` and the validation loss in `fit` always use eval mode.
"""
import contextlib

import numpy as np

from ._validate import as_array, check_positive, check_rng
from .activations import get_activation
from .init import initialize_parameters
from .layers import (BatchNorm1d, activation_backward, activation_forward, batchnorm_backward,
                     check_drop_probability, dense_backward, dense_forward, dropout_backward,
                     dropout_forward)
from .losses import get_loss
from .optim import pack_parameters
from .training import Trainable
from .regularization import elastic_net_penalty, elastic_net_penalty_grad

_DEFAULT_LOSS = {"linear": "mse", "sigmoid": "bce", "softmax": "ce"}
_LOGIT_LOSSES = {"bce_logits": "bce", "softmax_ce": "ce"}  # logit loss -> its form on probabilities


class MLP(Trainable):
    """Fully connected network with parameters {"W1", "b1", ..., "WL", "bL"} (W{l}: (n_{l-1}, n_l)).

    Options (hidden layers only; the output layer is always dense + output activation):
      dropout: None, one drop probability for every hidden layer, or a list with one per hidden layer.
      dropout_kind: "inverted" (default) or "classic" (see `layers.dropout_forward`).
      batchnorm: add batch norm with "gamma{l}"/"beta{l}" in `params`; bn_position "before" or
        "after" the activation; bn_momentum and bn_eps as in torch.nn.BatchNorm1d.
      l1, l2: penalty strengths, loss + l1 * sum|W| + l2 / 2 * sum W**2 (weights only unless
        penalize_biases=True; see `regularization`).
      residual: A_l = A_{l-1} + H_l for hidden layers 2..L-1 (all hidden widths must be equal).
    The model's `rng` draws the initial weights and then the dropout masks.
    """

    def __init__(self, layer_sizes, hidden_activation="relu", output="linear", loss=None,
                 init="he_normal", rng=None, dtype=np.float64, alpha=0.01,
                 dropout=None, dropout_kind="inverted", batchnorm=False, bn_position="before",
                 bn_momentum=0.1, bn_eps=1e-5, l1=0.0, l2=0.0, penalize_biases=False, residual=False):
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
        self.rng = check_rng(rng)
        self.params = initialize_parameters(sizes, method=init, rng=self.rng, dtype=dtype)
        self.training = True

        # --- optional pieces
        if dropout is None:
            dropout = 0.0
        drops = [dropout] * n_hidden if np.ndim(dropout) == 0 else list(dropout)
        if len(drops) != n_hidden:
            raise ValueError(f"dropout lists {len(drops)} drop probabilities for {n_hidden} hidden layers")
        self.dropout = [check_drop_probability(p, "dropout") for p in drops]
        if dropout_kind not in ("inverted", "classic"):
            raise ValueError(f"dropout_kind must be 'inverted' or 'classic', got {dropout_kind!r}")
        self.dropout_kind = dropout_kind
        if bn_position not in ("before", "after"):
            raise ValueError(f"bn_position must be 'before' or 'after' the activation, got {bn_position!r}")
        self.batchnorm, self.bn_position = bool(batchnorm), bn_position
        self.bn = {}
        if self.batchnorm:
            params = {}
            for k, v in self.params.items():
                params[k] = v
                l = int(k[1:])
                if k[0] == "b" and l < self.n_layers:
                    params[f"gamma{l}"] = np.ones(sizes[l], dtype=dtype)
                    params[f"beta{l}"] = np.zeros(sizes[l], dtype=dtype)
                    self.bn[l] = BatchNorm1d(sizes[l], momentum=bn_momentum, eps=bn_eps, dtype=dtype)
            self.params = params
        self.l1 = check_positive(l1, "l1", allow_zero=True)
        self.l2 = check_positive(l2, "l2", allow_zero=True)
        self.penalize_biases = bool(penalize_biases)
        self.residual = bool(residual)
        if self.residual and len(set(sizes[1:-1])) > 1:
            raise ValueError(f"residual=True needs equal hidden widths, got hidden sizes {sizes[1:-1]}")
        # skip connections on hidden layers 2..L-1 (layer 1 changes the width from n_in)
        self._skip = {l: self.residual for l in range(2, self.n_layers)}
        self._plain = not (any(self.dropout) or self.batchnorm or self.residual)
        self.params = pack_parameters(self.params)   # one buffer: an optimizer updates it in one call

    @property
    def n_layers(self):
        return len(self.layer_sizes) - 1

    def __repr__(self):
        extras = []
        if any(self.dropout):
            extras.append(f"dropout={self.dropout} ({self.dropout_kind})")
        if self.batchnorm:
            extras.append(f"batchnorm {self.bn_position} activation")
        if self.residual:
            extras.append("residual")
        if self.l1 or self.l2:
            extras.append(f"l1={self.l1}, l2={self.l2}")
        extras.append("train mode" if self.training else "eval mode")
        return (f"MLP({self.layer_sizes}, activations={self.activations}, loss={self.loss_name!r}, "
                f"{sum(p.size for p in self.params.values())} parameters, {', '.join(extras)})")

    # ------------------------------------------------------------------ modes
    def train(self, mode=True):
        """Training mode: dropout draws masks, batch norm uses and updates batch statistics. Returns self."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Inference mode: dropout is the identity (inverted) or a scaling (classic), batch norm uses
        the running statistics. Returns self."""
        return self.train(False)

    @contextlib.contextmanager
    def _mode(self, training):
        saved, self.training = self.training, training
        try:
            yield self
        finally:
            self.training = saved

    def _act_kwargs(self, name):
        return {"alpha": self.alpha} if name == "leaky_relu" else {}

    # ------------------------------------------------------------- forward pass
    def forward(self, X):
        """Forward pass. X: (m, n_in) -> (y_hat of shape (m, n_out), list of per-layer caches).

        Dropout and batch norm follow the current mode (`model.training`).
        """
        A = as_array(X, "X", ndim=2)
        if A.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X has shape {A.shape} ({A.shape[1]} features) but the network expects "
                             f"{self.layer_sizes[0]} features (layer_sizes[0])")
        caches = []
        for l in range(1, self.n_layers + 1):
            A_prev = A
            Z, dense_cache = dense_forward(A, self.params[f"W{l}"], self.params[f"b{l}"])
            if self._plain or l == self.n_layers:
                name = self.activations[l - 1]
                A, act_cache = activation_forward(Z, name, **self._act_kwargs(name))
                caches.append((dense_cache, act_cache))
            else:
                A, cache = self._hidden_forward(l, A_prev, Z, dense_cache)
                caches.append(cache)
        return A, caches

    def _hidden_forward(self, l, A_prev, Z, dense_cache):
        """Hidden layer with optional batch norm, dropout and skip; cache (dense, act, extra)."""
        mode = "train" if self.training else "eval"
        extra = {}
        if self.batchnorm and self.bn_position == "before":
            Z, extra["bn"] = self.bn[l].forward(Z, self.params[f"gamma{l}"], self.params[f"beta{l}"], mode)
        name = self.activations[l - 1]
        H, act_cache = activation_forward(Z, name, **self._act_kwargs(name))
        if self.batchnorm and self.bn_position == "after":
            H, extra["bn"] = self.bn[l].forward(H, self.params[f"gamma{l}"], self.params[f"beta{l}"], mode)
        if self.dropout[l - 1] > 0:
            H, extra["drop"] = dropout_forward(H, self.dropout[l - 1], self.rng, mode, self.dropout_kind)
        if self._skip.get(l, False):
            H = A_prev + H
            extra["skip"] = True
        return H, (dense_cache, act_cache, extra)

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

    def penalty(self):
        """The L1/L2 term added to the loss: l1 * sum|W| + l2 / 2 * sum W**2 (0.0 when both are off)."""
        if not (self.l1 or self.l2):
            return 0.0
        return elastic_net_penalty(self.params, self.l1, self.l2, self.penalize_biases)

    def compute_loss(self, y_hat, Y):
        """Scalar loss of predictions y_hat (m, n_out) against targets Y, plus `penalty()` if l1/l2 are set."""
        loss = self.loss_fn(y_hat, self._targets(Y, y_hat))
        return loss + self.penalty() if (self.l1 or self.l2) else loss

    # ------------------------------------------------------------ backward pass
    def backward(self, y_hat, Y, caches):
        """Backward pass from the loss (and penalty) to every parameter. Returns {"dW1", "db1", ...}."""
        Y = self._targets(Y, y_hat)
        fused = (self.output, self.loss_name) in {("sigmoid", "bce"), ("softmax", "ce")}
        grads = {}
        dA = None
        for l in range(self.n_layers, 0, -1):
            dense_cache, act_cache = caches[l - 1][:2]
            if l == self.n_layers and fused:
                if self.output == "softmax" and Y.ndim == 1:    # labels: y_hat - one_hot(Y)
                    dZ = y_hat.copy()
                    dZ[np.arange(len(Y)), Y.astype(np.intp, copy=False)] -= 1.0
                else:
                    dZ = y_hat - Y
                dZ /= y_hat.shape[0] if self.output == "softmax" else y_hat.size
            elif len(caches[l - 1]) == 3:
                dZ = self._hidden_backward(l, dA, act_cache, caches[l - 1][2], grads)
            else:
                if l == self.n_layers:
                    dA = self.loss_grad(y_hat, Y)
                dZ = activation_backward(dA, act_cache)
            dA_skip = dA if len(caches[l - 1]) == 3 and caches[l - 1][2].get("skip") else None
            # layer 1's input is the data: no gradient needed for it
            dA, grads[f"dW{l}"], grads[f"db{l}"] = dense_backward(dZ, dense_cache, input_grad=l > 1)
            if dA_skip is not None:
                dA = dA + dA_skip          # the identity path: dE/dA_prev = dE/dA + (through F)
        if self.l1 or self.l2:
            pen = elastic_net_penalty_grad(self.params, self.l1, self.l2, self.penalize_biases)
            grads = {k: g + pen[k] for k, g in grads.items()}
        return {"d" + k: grads["d" + k] for k in self.params}

    def _hidden_backward(self, l, dA, act_cache, extra, grads):
        """Undo dropout, batch norm and the activation of hidden layer l; returns dZ."""
        dH = dA
        if "drop" in extra:
            dH = dropout_backward(dH, extra["drop"])
        if self.batchnorm and self.bn_position == "after":
            dH, grads[f"dgamma{l}"], grads[f"dbeta{l}"] = batchnorm_backward(dH, extra["bn"])
        dZ = activation_backward(dH, act_cache)
        if self.batchnorm and self.bn_position == "before":
            dZ, grads[f"dgamma{l}"], grads[f"dbeta{l}"] = batchnorm_backward(dZ, extra["bn"])
        return dZ

    def predict_proba(self, X):
        """Network output in eval mode: probabilities for sigmoid/softmax heads, values for a linear head."""
        with self._mode(False):
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
            validation_data=None, progress=True, clip_norm=None, clip_value=None, track_grad_norm=False):
        """Train with mini-batches; returns history {"loss": [...], "val_loss": [...]} per epoch.

        `optimizer` is an object with `step(params, grads)` (e.g. `GD(lr=0.1)`) or a function
        `(params, grads, lr) -> params` such as `update_parameters_with_gd`; default `GD(lr)`.
        `batch_size=None` means full-batch gradient descent. Shuffling uses `rng`.
        Training runs in training mode (the previous mode is restored afterwards); the
        validation loss is computed in eval mode. `clip_norm` / `clip_value` clip the
        gradients (`clipping.clip_grad_norm` / `clip_grad_value`) before each step; with
        `clip_norm` or `track_grad_norm=True`, history["grad_norm"] lists the global gradient
        norm of every step before clipping. Stops early (last loss NaN) if the loss is not finite.
        The loop itself is `training.Trainable._train`, shared with `SequenceModel.fit`.
        """
        return self._train(as_array(X, "X", ndim=2), np.asarray(Y), epochs, batch_size, optimizer, lr, rng,
                           validation_data, progress, clip_norm, clip_value, track_grad_norm)

    def _training(self):
        return self._mode(True)

    def _validation_loss(self, X, Y):
        with self._mode(False):
            return self.compute_loss(self.forward(X)[0], Y)
