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

The network is a list of layer objects (`dlfund.modules`: Dense, Activation, BatchNorm,
Dropout, Residual), one `Sequential` block per layer; forward and backward walk that list, so
a new kind of layer is added in `modules`, never here. `forward` returns one cache per block,
the tuple of its layers' caches (for a plain layer: (DenseCache, ActivationCache)).
`model.train()` / `model.eval()` switch dropout and batch norm between training and
inference behaviour; `predict` and the validation loss in `fit` always use eval mode.
"""

import contextlib

import numpy as np

from ._validate import as_array, check_finite, check_float_dtype, check_positive, check_rng
from .activations import get_activation
from .init import initialize_parameters
from .losses import get_loss
from .modules import Context, check_options, mlp_blocks
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
      residual: A_l = A_{l-1} + H_l for hidden layers 2..L-1 (all hidden widths must be equal).
    (These keyword options and their defaults are `modules.HIDDEN_OPTIONS`.)
      l1, l2: penalty strengths, loss + l1 * sum|W| + l2 / 2 * sum W**2 (weights as decided by
        `regularization.is_weight` unless include_biases=True).
    The model's `rng` draws the initial weights and then the dropout masks. `dtype` must be a
    floating-point type (float64 by default, float32 for speed).
    """

    def __init__(
        self,
        layer_sizes,
        hidden_activation="relu",
        output="linear",
        loss=None,
        init="he_normal",
        rng=None,
        dtype=np.float64,
        alpha=0.01,
        l1=0.0,
        l2=0.0,
        include_biases=False,
        **options,
    ):
        sizes = self._check_sizes(layer_sizes)
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
            raise ValueError(
                f"loss {self.loss_name!r} takes logits but output={output!r} already applies {output}; "
                f"use loss={_LOGIT_LOSSES[self.loss_name]!r}"
            )
        self.loss_fn, self.loss_grad = get_loss(self.loss_name)
        self.alpha = alpha
        dtype = check_float_dtype(dtype, "dtype")
        options = check_options(options)
        if options["residual"] and len(set(sizes[1:-1])) > 1:
            raise ValueError(f"residual=True needs equal hidden widths, got hidden sizes {sizes[1:-1]}")
        self.rng = check_rng(rng)
        weights = initialize_parameters(sizes, method=init, rng=self.rng, dtype=dtype)
        self.blocks = mlp_blocks(sizes, self.activations, alpha, options, dtype)
        self.params = {}
        for l, block in enumerate(self.blocks, start=1):
            self.params.update({f"W{l}": weights[f"W{l}"], f"b{l}": weights[f"b{l}"], **block.new_params(dtype)})
        self.options = options
        self.l1 = check_positive(l1, "l1", allow_zero=True)
        self.l2 = check_positive(l2, "l2", allow_zero=True)
        self.include_biases = bool(include_biases)
        self.training = True

    @staticmethod
    def _check_sizes(layer_sizes):
        try:
            sizes = [int(s) for s in layer_sizes]
        except (TypeError, ValueError):
            raise TypeError(f"layer_sizes must be a list of positive integers, got {layer_sizes!r}") from None
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes must list >= 2 positive sizes, got {list(layer_sizes)}")
        if any(s != int(s) for s in layer_sizes):
            raise ValueError(f"layer_sizes must hold whole numbers of units, got {list(layer_sizes)}")
        return sizes

    @property
    def bn(self):
        """{l: BatchNorm1d} running statistics of the batch-norm layers, by layer number."""
        return {
            int(layer.param_names[0][5:]): layer.stats
            for block in self.blocks
            for layer in block.layers
            if layer.kind == "batchnorm"
        }

    @property
    def dropout(self):
        """Drop probability of every hidden layer (0 without dropout)."""
        drops = {id(block): layer.p_drop for block in self.blocks for layer in block.layers if layer.kind == "dropout"}
        return [drops.get(id(block), 0.0) for block in self.blocks[:-1]]

    def __getattr__(self, name):
        """The keyword options (dropout_kind, batchnorm, bn_position, residual, ...) as attributes."""
        options = self.__dict__.get("options", {})
        if name in options:
            return options[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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
        return (
            f"MLP({self.layer_sizes}, activations={self.activations}, loss={self.loss_name!r}, "
            f"{sum(p.size for p in self.params.values())} parameters, {', '.join(extras)})"
        )

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

    # ------------------------------------------------------------- forward pass
    def forward(self, X):
        """Forward pass. X: (m, n_in) -> (y_hat of shape (m, n_out), list of per-layer caches).

        Dropout and batch norm follow the current mode (`model.training`).
        """
        A = as_array(X, "X", ndim=2)
        if A.shape[1] != self.layer_sizes[0]:
            raise ValueError(
                f"X has shape {A.shape} ({A.shape[1]} features) but the network expects "
                f"{self.layer_sizes[0]} features (layer_sizes[0])"
            )
        ctx = Context(self.training, self.rng)
        caches = []
        for block in self.blocks:
            A, cache = block.forward(self.params, A, ctx)
            caches.append(cache)
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

    def penalty(self):
        """The L1/L2 term added to the loss: l1 * sum|W| + l2 / 2 * sum W**2 (0.0 when both are off)."""
        if not (self.l1 or self.l2):
            return 0.0
        return elastic_net_penalty(self.params, self.l1, self.l2, self.include_biases)

    def compute_loss(self, y_hat, Y):
        """Scalar loss of predictions y_hat (m, n_out) against targets Y, plus `penalty()` if l1/l2 are set."""
        loss = self.loss_fn(y_hat, self._targets(Y, y_hat))
        return loss + self.penalty() if (self.l1 or self.l2) else loss

    # ------------------------------------------------------------ backward pass
    def backward(self, y_hat, Y, caches):
        """Backward pass from the loss (and penalty) to every parameter. Returns {"dW1", "db1", ...}."""
        if not isinstance(caches, list) or len(caches) != len(self.blocks):
            raise TypeError(
                f"caches must be the list of {len(self.blocks)} caches returned by forward, got {type(caches).__name__}"
            )
        Y = self._targets(Y, y_hat)
        grads = {}
        fused = (self.output, self.loss_name) in {("sigmoid", "bce"), ("softmax", "ce")}
        if fused:  # sigmoid + BCE, softmax + CE: dZ = (y_hat - Y) / m, skipping the output activation
            if self.output == "softmax" and Y.ndim == 1:  # labels: y_hat - one_hot(Y)
                dZ = y_hat.copy()
                dZ[np.arange(len(Y)), Y.astype(np.intp, copy=False)] -= 1.0
            else:
                dZ = y_hat - Y
            dA = dZ / (y_hat.shape[0] if self.output == "softmax" else y_hat.size)
        else:
            dA = self.loss_grad(y_hat, Y)
        for l, (block, cache) in reversed(list(enumerate(zip(self.blocks, caches), start=1))):
            dA = block.backward(self.params, dA, cache, grads, skip_last=fused and l == self.n_layers)
        if self.l1 or self.l2:
            pen = elastic_net_penalty_grad(self.params, self.l1, self.l2, self.include_biases)
            grads = {k: g + pen[k] for k, g in grads.items()}
        return {"d" + k: grads["d" + k] for k in self.params}

    def predict_proba(self, X):
        """Network output in eval mode: probabilities for sigmoid/softmax heads, values for a linear head."""
        X = check_finite(as_array(X, "X", ndim=2), "X")
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

    def fit(
        self,
        X,
        Y,
        epochs=100,
        batch_size=None,
        optimizer=None,
        lr=0.01,
        rng=None,
        validation_data=None,
        progress=True,
        clip_norm=None,
        clip_value=None,
        track_grad_norm=False,
    ):
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
        X = check_finite(as_array(X, "X", ndim=2), "X")
        if np.asarray(Y).dtype.kind in "fc":
            check_finite(np.asarray(Y), "Y")
        return self._train(
            X,
            np.asarray(Y),
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
        )

    def _training(self):
        return self._mode(True)

    def _validation_loss(self, X, Y):
        with self._mode(False):
            return self.compute_loss(self.forward(X)[0], Y)
