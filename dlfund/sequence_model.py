"""A recurrent network with a dense output layer, and its training loop.

    model = SequenceModel("lstm", input_size=1, hidden_size=16, output_size=1, rng=0)
    y_hat, cache = model.forward(x)              # x (batch, seq_len, n_in)
    grads = model.backward(y_hat, Y, cache)      # {"dWx1", "dWh1", "db1", ..., "dWy", "dby"}
    history = model.fit(x, Y, epochs=20, optimizer=GD(lr=0.1), clip_norm=1.0)

Many-to-one (default): the output layer reads the last hidden state h_T of the top layer,
y_hat (batch, output_size). Many-to-many: it reads every h_t, y_hat (batch, seq_len, output_size).
task="regression" uses the mean squared error; task="classification" makes y_hat the logits of a
softmax cross-entropy (targets are integer labels (batch,) or (batch, seq_len)).
"""

import numpy as np

from ._validate import as_array, check_rng
from .init import xavier_uniform
from .layers import dense_backward, dense_forward
from .losses import mse_grad, mse_loss, softmax_cross_entropy, softmax_cross_entropy_grad
from .activations import softmax
from .training import Trainable
from .rnn import count_recurrent_parameters, initialize_recurrent_parameters, recurrent_backward, recurrent_forward


class SequenceModel(Trainable):
    """Stacked RNN/LSTM/GRU + dense output. Parameters: recurrent "Wx1", "Wh1", "b1", ... and "Wy", "by"."""

    def __init__(
        self,
        cell,
        input_size,
        hidden_size,
        output_size,
        num_layers=1,
        many_to_many=False,
        task="regression",
        nonlinearity="tanh",
        forget_bias=0.0,
        rng=None,
        dtype=np.float64,
    ):
        if task not in ("regression", "classification"):
            raise ValueError(f"task must be 'regression' or 'classification', got {task!r}")
        if not isinstance(output_size, (int, np.integer)) or output_size < 1:
            raise ValueError(f"output_size must be a positive integer, got {output_size!r}")
        rng = check_rng(rng)
        self.cell, self.nonlinearity, self.task = cell, nonlinearity, task
        self.many_to_many = bool(many_to_many)
        self.sizes = (int(input_size), int(hidden_size), int(output_size), int(num_layers))
        self.params = initialize_recurrent_parameters(
            cell, input_size, hidden_size, num_layers, rng=rng, dtype=dtype, forget_bias=forget_bias
        )
        self.params["Wy"] = xavier_uniform(hidden_size, output_size, rng, dtype=dtype)
        self.params["by"] = np.zeros(output_size, dtype=dtype)

    @property
    def num_parameters(self):
        """Recurrent parameters (count_recurrent_parameters) plus the output layer's H*out + out."""
        n_in, H, n_out, L = self.sizes
        return count_recurrent_parameters(self.cell, n_in, H, L) + H * n_out + n_out

    def __repr__(self):
        n_in, H, n_out, L = self.sizes
        kind = "many-to-many" if self.many_to_many else "many-to-one"
        return (
            f"SequenceModel({self.cell!r}, input_size={n_in}, hidden_size={H}, output_size={n_out}, "
            f"num_layers={L}, {kind}, task={self.task!r}, {self.num_parameters} parameters)"
        )

    def forward(self, x, h0=None, c0=None):
        """x (batch, seq_len, n_in) -> (y_hat, cache); y_hat (batch, out) or (batch, seq_len, out)."""
        out, state, rcache = recurrent_forward(x, self.params, self.cell, h0, c0, self.nonlinearity)
        B, T, H = out.shape
        feats = out.reshape(B * T, H) if self.many_to_many else out[:, -1]
        y, dcache = dense_forward(feats, self.params["Wy"], self.params["by"])
        y_hat = y.reshape(B, T, -1) if self.many_to_many else y
        return y_hat, (rcache, dcache, (B, T, H))

    def _targets(self, Y, y_hat):
        Y = np.asarray(Y)
        if self.task == "classification":
            want = y_hat.shape[:-1]
            if Y.shape != want:
                raise ValueError(f"Y must hold integer labels of shape {want}, got {Y.shape}")
            return Y.reshape(-1)
        if Y.shape != y_hat.shape and Y.shape + (1,) == y_hat.shape:
            Y = Y[..., None]
        if Y.shape != y_hat.shape:
            raise ValueError(f"Y has shape {Y.shape} but the model outputs shape {y_hat.shape}")
        return as_array(Y, "Y", dtype=y_hat.dtype)

    def compute_loss(self, y_hat, Y):
        """Mean squared error (regression) or softmax cross-entropy on the logits (classification)."""
        Y = self._targets(Y, y_hat)
        if self.task == "classification":
            return softmax_cross_entropy(y_hat.reshape(len(Y), -1), Y)
        return mse_loss(y_hat, Y)

    def backward(self, y_hat, Y, cache):
        """Gradients of the loss w.r.t. every parameter, keyed "d" + name."""
        rcache, dcache, (B, T, H) = cache
        Yt = self._targets(Y, y_hat)
        if self.task == "classification":
            dy = softmax_cross_entropy_grad(y_hat.reshape(len(Yt), -1), Yt)
        else:
            dy = mse_grad(y_hat, Yt)
        dfeats, dWy, dby = dense_backward(dy.reshape(-1, dy.shape[-1]), dcache)
        if self.many_to_many:
            dout = dfeats.reshape(B, T, H)
        else:
            dout = np.zeros((B, T, H), dtype=dfeats.dtype)
            dout[:, -1] = dfeats  # only h_T feeds the output layer
        g = recurrent_backward(dout, rcache)
        grads = {"d" + k: g["d" + k] for k in self.params if k not in ("Wy", "by")}
        grads["dWy"], grads["dby"] = dWy, dby
        return grads

    def predict_proba(self, x):
        """Classification: softmax probabilities (..., n_classes)."""
        if self.task != "classification":
            raise ValueError("predict_proba is only defined for task='classification'")
        return softmax(self.forward(x)[0], axis=-1)

    def predict(self, x):
        """Regression: values, with a trailing axis of size 1 dropped. Classification: argmax labels."""
        y_hat = self.forward(x)[0]
        if self.task == "classification":
            return y_hat.argmax(axis=-1)
        return y_hat[..., 0] if y_hat.shape[-1] == 1 else y_hat

    def fit(
        self,
        x,
        Y,
        epochs=10,
        batch_size=32,
        optimizer=None,
        lr=0.01,
        rng=None,
        validation_data=None,
        progress=False,
        clip_norm=None,
        clip_value=None,
        track_grad_norm=False,
    ):
        """Mini-batch training; returns history {"loss": [...], "val_loss": [...]} per epoch.

        The loop is `training.Trainable._train`, shared with `MLP.fit`. `optimizer` is an object
        with `step(params, grads)` that updates the dict in place (default `GD(lr)`). `clip_norm` / `clip_value` clip the gradients before each step
        (`clipping.clip_grad_norm` / `clip_grad_value`), as `MLP.fit` does; with `clip_norm` or
        `track_grad_norm=True`, history["grad_norm"] lists the global gradient norm of every step
        before clipping. Mini-batches of whole sequences are shuffled with `rng`; the time order
        inside each sequence is untouched. Stops early (last loss NaN) if the loss is not finite.
        """
        x, Y = np.asarray(x), np.asarray(Y)
        if x.shape[0] != Y.shape[0]:
            raise ValueError(f"x has {x.shape[0]} sequences but Y has {Y.shape[0]} targets")
        return self._train(
            x,
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
        )
