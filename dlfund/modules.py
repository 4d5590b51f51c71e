"""Layer objects: the pieces an `MLP` is built from, each a forward/backward pair over `layers`.

    out, cache = layer.forward(params, A, ctx)          # ctx: training mode and the dropout rng
    dA = layer.backward(params, dout, cache, grads)     # adds d<name> entries to `grads`

A layer names the entries of the model's parameter dict it uses (`param_names`), creates the
ones that are not dense weights (`new_params`), and keeps any other state itself (batch norm's
running statistics). `Sequential` chains layers; `Residual` adds its input to a chain's output.
`LAYERS` lists every layer kind (the reference tests are derived from it, see CONTRIBUTING.md).
`mlp_blocks` turns `MLP`'s keyword options (`HIDDEN_OPTIONS`) into one block per layer, so a new
layer kind is added here, never in `network.py`.
"""

import difflib
from typing import NamedTuple

import numpy as np

from .layers import (
    BatchNorm1d,
    DenseCache,
    activation_backward,
    activation_forward,
    batchnorm_backward,
    check_cache,
    check_drop_probability,
    dense_backward,
    dense_forward,
    dropout_backward,
    dropout_forward,
)


class Context(NamedTuple):
    """What a forward pass needs besides the input: the mode and the generator for dropout masks."""

    training: bool
    rng: np.random.Generator

    @property
    def mode(self):
        return "train" if self.training else "eval"


#: kind -> layer class
LAYERS = {}


def register(cls):
    """Class decorator: add a layer class to `LAYERS` (so the reference tests must cover it)."""
    LAYERS[cls.kind] = cls
    return cls


class Layer:
    """Base class: no parameters, nothing to create."""

    kind = "layer"
    param_names = ()

    def new_params(self, dtype):
        """Parameters this layer adds to the model's dict (dense weights come from the initialiser)."""
        return {}

    def forward(self, params, A, ctx):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, params, dout, cache, grads):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(self.param_names)})"


@register
class Dense(Layer):
    """Z = A_prev @ W{l} + b{l}. With input_grad=False (the network's first layer, whose input is
    the data) the backward pass skips dA_prev = dZ @ W.T and returns None."""

    kind = "dense"

    def __init__(self, l, input_grad=True):
        self.param_names = (f"W{l}", f"b{l}")
        self.input_grad = bool(input_grad)

    def forward(self, params, A, ctx):
        W, b = self.param_names
        return dense_forward(A, params[W], params[b])

    def backward(self, params, dZ, cache, grads):
        W, b = self.param_names
        if self.input_grad:
            dA, grads["d" + W], grads["d" + b] = dense_backward(dZ, cache)
            return dA
        A_prev, _ = check_cache(cache, DenseCache, "dense_forward")
        grads["d" + W], grads["d" + b] = A_prev.T @ dZ, dZ.sum(axis=0)
        return None


@register
class Activation(Layer):
    """A = g(Z) for a named activation (`layers.activation_forward`); alpha for leaky_relu."""

    kind = "activation"

    def __init__(self, name, alpha=0.01):
        self.name = name
        self.kwargs = {"alpha": alpha} if name == "leaky_relu" else {}

    def forward(self, params, Z, ctx):
        return activation_forward(Z, self.name, **self.kwargs)

    def backward(self, params, dA, cache, grads):
        return activation_backward(dA, cache)

    def __repr__(self):
        return f"Activation({self.name!r})"


@register
class BatchNorm(Layer):
    """Batch norm over n features with parameters gamma{l}, beta{l}; running statistics in `stats`."""

    kind = "batchnorm"

    def __init__(self, l, n, momentum=0.1, eps=1e-5, dtype=np.float64):
        self.param_names = (f"gamma{l}", f"beta{l}")
        self.n = n
        self.stats = BatchNorm1d(n, momentum=momentum, eps=eps, dtype=dtype)

    def new_params(self, dtype):
        gamma, beta = self.param_names
        return {gamma: np.ones(self.n, dtype=dtype), beta: np.zeros(self.n, dtype=dtype)}

    def forward(self, params, A, ctx):
        gamma, beta = self.param_names
        return self.stats.forward(A, params[gamma], params[beta], ctx.mode)

    def backward(self, params, dout, cache, grads):
        gamma, beta = self.param_names
        dA, grads["d" + gamma], grads["d" + beta] = batchnorm_backward(dout, cache)
        return dA


@register
class Dropout(Layer):
    """Dropout with drop probability p_drop ("inverted" or "classic"); masks from ctx.rng."""

    kind = "dropout"

    def __init__(self, p_drop, kind="inverted"):
        self.p_drop = check_drop_probability(p_drop, "dropout")
        if kind not in ("inverted", "classic"):
            raise ValueError(f"dropout_kind must be 'inverted' or 'classic', got {kind!r}")
        self.dropout_kind = kind

    def forward(self, params, A, ctx):
        return dropout_forward(A, self.p_drop, ctx.rng, ctx.mode, self.dropout_kind)

    def backward(self, params, dout, cache, grads):
        return dropout_backward(dout, cache)

    def __repr__(self):
        return f"Dropout({self.p_drop}, {self.dropout_kind!r})"


class Sequential(Layer):
    """Layers applied one after another; the cache is the tuple of their caches, in order."""

    kind = "sequential"

    def __init__(self, layers):
        self.layers = list(layers)
        self.param_names = tuple(name for layer in self.layers for name in layer.param_names)

    def new_params(self, dtype):
        return {k: v for layer in self.layers for k, v in layer.new_params(dtype).items()}

    def forward(self, params, A, ctx):
        caches = []
        for layer in self.layers:
            A, cache = layer.forward(params, A, ctx)
            caches.append(cache)
        return A, tuple(caches)

    def backward(self, params, dout, cache, grads, skip_last=False):
        """Backward through the layers in reverse; `skip_last` starts below the last layer
        (for an output whose gradient is fused with the loss)."""
        if not isinstance(cache, tuple) or len(cache) != len(self.layers):
            raise TypeError(
                f"cache must be the tuple of {len(self.layers)} caches returned by this "
                f"{type(self).__name__}'s forward, got {type(cache).__name__}"
            )
        pairs = list(zip(self.layers, cache))[: len(self.layers) - bool(skip_last)]
        for layer, c in reversed(pairs):
            dout = layer.backward(params, dout, c, grads)
        return dout

    def __repr__(self):
        return f"{type(self).__name__}({self.layers})"


@register
class Residual(Sequential):
    """Skip connection around a chain F of layers: out = A + F(A), so dA = dout + (gradient through F)."""

    kind = "residual"

    def forward(self, params, A, ctx):
        H, cache = super().forward(params, A, ctx)
        if H.shape != A.shape:
            raise ValueError(f"a residual block must keep the width: F(A) has shape {H.shape}, A {A.shape}")
        return A + H, cache

    def backward(self, params, dout, cache, grads, skip_last=False):
        return dout + super().backward(params, dout, cache, grads, skip_last)


#: MLP keyword options for the hidden layers and their defaults (see `MLP`)
HIDDEN_OPTIONS = {
    "dropout": None,
    "dropout_kind": "inverted",
    "batchnorm": False,
    "bn_position": "before",
    "bn_momentum": 0.1,
    "bn_eps": 1e-5,
    "residual": False,
}


def check_options(options):
    """`HIDDEN_OPTIONS` filled in with `options`; unknown names are refused with a suggestion."""
    unknown = sorted(set(options) - set(HIDDEN_OPTIONS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], HIDDEN_OPTIONS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(f"MLP got unknown keyword argument(s) {unknown}{hint}; options: {sorted(HIDDEN_OPTIONS)}")
    out = {**HIDDEN_OPTIONS, **options}
    if out["dropout_kind"] not in ("inverted", "classic"):
        raise ValueError(f"dropout_kind must be 'inverted' or 'classic', got {out['dropout_kind']!r}")
    if out["bn_position"] not in ("before", "after"):
        raise ValueError(f"bn_position must be 'before' or 'after' the activation, got {out['bn_position']!r}")
    return out


def drop_probabilities(dropout, n_hidden):
    """One drop probability per hidden layer from None, a number or a list."""
    dropout = 0.0 if dropout is None else dropout
    drops = [dropout] * n_hidden if np.ndim(dropout) == 0 else list(dropout)
    if len(drops) != n_hidden:
        raise ValueError(f"dropout lists {len(drops)} drop probabilities for {n_hidden} hidden layers")
    return [check_drop_probability(p, "dropout") for p in drops]


def mlp_blocks(sizes, activations, alpha, options, dtype):
    """One `Sequential` block per layer l = 1..L for `MLP`; hidden layers get the optional pieces.

    A hidden layer computes Z = A_prev @ W + b -> [BN] -> g -> [BN] -> [dropout], wrapped in a
    `Residual` for layers 2..L-1 when options["residual"]; the output layer is dense + activation.
    """
    n_layers = len(sizes) - 1
    drops = drop_probabilities(options["dropout"], n_layers - 1)
    blocks = []
    for l in range(1, n_layers + 1):
        layers = [Dense(l, input_grad=l > 1)]
        act = Activation(activations[l - 1], alpha)
        if l == n_layers:
            blocks.append(Sequential(layers + [act]))
            continue
        bn = [BatchNorm(l, sizes[l], options["bn_momentum"], options["bn_eps"], dtype)] if options["batchnorm"] else []
        before = options["bn_position"] == "before"
        layers += (bn + [act]) if before else ([act] + bn)
        if drops[l - 1] > 0:
            layers.append(Dropout(drops[l - 1], options["dropout_kind"]))
        blocks.append(Residual(layers) if options["residual"] and l >= 2 else Sequential(layers))
    return blocks
