"""Optimizer classes for `MLP.fit` and `SequenceModel.fit`: state inside, parameters updated in place.

    opt = Adam(lr=1e-3)
    opt.step(params, grads)      # params[k] updated in place from grads["d" + k], like torch.optim

Each class matches the `torch.optim` class of the same name step for step
(tests/test_optim_torch.py) and calls one rule of `optim.rules` per parameter array. Hyperparameter
names follow PyTorch (`lr`, `betas`, `eps`); state names follow the book (`optim.rules`).
`OPTIMIZERS` lists every class; the reference tests are derived from it (CONTRIBUTING.md).
"""

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from .._validate import as_array, check_matching_keys, check_positive
from ..regularization import regularized_keys
from ._checks import check_betas, check_decay, check_nonneg
from .rules import adadelta_step, adagrad_step, adam_step, adamw_step, momentum_step, rmsprop_step, sgd_step

#: name -> optimizer class (every class below registers itself)
OPTIMIZERS = {}


def register(cls):
    """Class decorator: add an optimizer class to `OPTIMIZERS` (so the reference tests must cover it)."""
    OPTIMIZERS[cls.__name__] = cls
    return cls


class StateView(Mapping):
    """Read-only view of one parameter's live state arrays (change them in place, never replace them).

    Keys are the book's names ("m", "v", "s", ...); `torch.optim`'s names ("exp_avg",
    "square_avg", ...) are accepted as aliases, so code written for torch reads the same arrays.
    """

    def __init__(self, arrays, aliases):
        self._arrays, self._aliases = arrays, aliases

    def __getitem__(self, name):
        return self._arrays[self._aliases.get(name, name)]

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self):
        return len(self._arrays)

    def __repr__(self):
        return repr(dict(self._arrays))


class Optimizer:
    """Base class. `step(params, grads)` updates the arrays of `params` in place.

    `state` shows the optimizer state per gradient key, e.g. `state["dW1"] = {"m": ..., "v": ...}`,
    created on the first step; `t` counts the calls to `step` (1 during the first). `reset()`
    forgets both. A subclass implements `_update(key, p, g, state) -> new p` with one rule of
    `optim.rules`, storing the new state arrays in the dict `state`.
    """

    _fields = ("lr",)
    #: torch.optim's state name -> ours, accepted by `state` as an alias
    TORCH_STATE_NAMES = {}

    def __init__(self, lr):
        self.lr = check_positive(lr, "lr")
        self.reset()

    def reset(self):
        """Forget the step counter and all state."""
        self.t = 0
        self._state = {}
        self._layout = None

    @property
    def state(self):
        """{"dW1": {"m": array shaped like W1, ...}, ...}: read-only mapping of the live state arrays."""
        return MappingProxyType({dk: StateView(st, self.TORCH_STATE_NAMES) for dk, st in self._state.items()})

    def step(self, params, grads):
        """Update every array params[k] in place from grads["d" + k]."""
        self._check(params, grads)
        self.t += 1
        for k, p in params.items():
            g = self._l2(p, as_array(grads["d" + k], f"grads['d{k}']"))
            p[...] = self._update(k, p, g, self._state.setdefault("d" + k, {}))

    def _check(self, params, grads):
        """params and grads match, params are float arrays with the keys, shapes and dtypes of step 1."""
        check_matching_keys(params, grads)
        for k, p in params.items():
            if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
                raise TypeError(
                    f"params[{k!r}] must be a floating-point numpy array (it is updated "
                    f"in place), got {type(p).__name__}"
                )
        layout = {k: (p.shape, p.dtype) for k, p in params.items()}
        if self._layout is None:
            self._layout = layout
            self._start(params)
        elif layout != self._layout:
            changes = [
                f"{k!r} was {self._layout[k][0]} {self._layout[k][1]}, now {layout[k][0]} {layout[k][1]}"
                for k in layout.keys() & self._layout.keys()
                if layout[k] != self._layout[k]
            ]
            added, gone = sorted(layout.keys() - self._layout.keys()), sorted(self._layout.keys() - layout.keys())
            changes += [f"new parameters {added}"] * bool(added) + [f"parameters {gone} are gone"] * bool(gone)
            raise ValueError(
                f"the optimizer state was made for other parameters ({'; '.join(changes)}); "
                f"call reset() for a new model"
            )

    def _start(self, params):
        """Called once, on the first step (after `reset()`), with the parameters."""

    def _l2(self, p, g):
        """g + weight_decay * p: torch's coupled weight decay (an L2 penalty in the gradient)."""
        wd = getattr(self, "weight_decay", 0.0)
        return g + wd * p if wd else g

    @staticmethod
    def _get(state, p, *names, fill=0.0):
        """The state arrays `names` of parameter p (filled with `fill` before the first step)."""
        return [state[n] if n in state else np.full_like(p, fill) for n in names]

    def _update(self, key, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"


@register
class GD(Optimizer):
    """Plain (mini-batch) gradient descent with a fixed learning rate: p <- p - lr * g."""

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def _update(self, key, p, g, state):
        return sgd_step(p, g, self.lr)


@register
class SGD(Optimizer):
    """SGD with optional momentum, dampening, Nesterov and L2 weight decay, as `torch.optim.SGD`.

        g <- g + weight_decay * p
        v <- momentum * v + (1 - dampening) * g     (first step: v = g, undampened)
        p <- p - lr * v        (Nesterov: p <- p - lr * (g + momentum * v))

    With dampening = 0 this is the "classical" momentum of `update_parameters_with_momentum`
    with v_torch = v / lr; the "ema" form with rate a is SGD(lr=a*(1 - momentum), momentum).
    """

    _fields = ("lr", "momentum", "dampening", "nesterov", "weight_decay")
    TORCH_STATE_NAMES = {"momentum_buffer": "v"}

    def __init__(self, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(lr)
        self.momentum = check_decay(momentum, "momentum")
        self.dampening = check_decay(dampening, "dampening")
        self.nesterov = bool(nesterov)
        self.weight_decay = check_nonneg(weight_decay, "weight_decay")
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0 (as torch), "
                f"got momentum={momentum!r}, dampening={dampening!r}"
            )

    def _grad_scale(self, state):
        """torch's first buffer is the raw gradient; later ones are dampened."""
        return 1.0 if "v" not in state else 1.0 - self.dampening

    def _update(self, key, p, g, state):
        if self.momentum == 0:
            return sgd_step(p, g, self.lr)
        (v,) = self._get(state, p, "v")
        p, state["v"] = momentum_step(p, g, v, self.lr, self.momentum, self._grad_scale(state), self.nesterov)
        return p


@register
class Adagrad(Optimizer):
    """AdaGrad as `torch.optim.Adagrad`: per-entry rate lr / (sqrt(s) + eps), s the sum of g**2,
    with the rate decayed as lr / (1 + (t - 1) * lr_decay)."""

    _fields = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
    TORCH_STATE_NAMES = {"sum": "s"}

    def __init__(self, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(lr)
        self.lr_decay = check_nonneg(lr_decay, "lr_decay")
        self.weight_decay = check_nonneg(weight_decay, "weight_decay")
        self.initial_accumulator_value = check_nonneg(initial_accumulator_value, "initial_accumulator_value")
        self.eps = check_nonneg(eps, "eps")

    def _lr_t(self):
        return self.lr / (1 + (self.t - 1) * self.lr_decay)

    def _update(self, key, p, g, state):
        (s,) = self._get(state, p, "s", fill=self.initial_accumulator_value)
        p, state["s"] = adagrad_step(p, g, s, self._lr_t(), self.eps)
        return p


@register
class Adadelta(Optimizer):
    """AdaDelta as `torch.optim.Adadelta` (lr = 1 is the original rule); state s and u as in `rules`."""

    _fields = ("lr", "rho", "eps", "weight_decay")
    TORCH_STATE_NAMES = {"square_avg": "s", "acc_delta": "u"}

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(lr)
        self.rho = check_decay(rho, "rho")
        self.eps = check_nonneg(eps, "eps")
        self.weight_decay = check_nonneg(weight_decay, "weight_decay")

    def _update(self, key, p, g, state):
        s, u = self._get(state, p, "s", "u")
        p, state["s"], state["u"] = adadelta_step(p, g, s, u, self.lr, self.rho, self.eps)
        return p


@register
class RMSprop(Optimizer):
    """RMSProp as `torch.optim.RMSprop`: `alpha` is the decay of the g**2 average s (the book's beta).

    torch's two options, off by default (then this is `rules.rmsprop_step`):
        centered:  g_avg <- alpha * g_avg + (1 - alpha) * g;  denom = sqrt(s - g_avg**2) + eps
        momentum:  buf <- momentum * buf + g / denom;          p <- p - lr * buf
    """

    _fields = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")
    TORCH_STATE_NAMES = {"square_avg": "s", "momentum_buffer": "buf", "grad_avg": "g_avg"}

    def __init__(self, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(lr)
        self.alpha = check_decay(alpha, "alpha")
        self.eps = check_nonneg(eps, "eps")
        self.weight_decay = check_nonneg(weight_decay, "weight_decay")
        self.momentum = check_decay(momentum, "momentum")
        self.centered = bool(centered)

    def _update(self, key, p, g, state):
        (s,) = self._get(state, p, "s")
        if not (self.centered or self.momentum):
            p, state["s"] = rmsprop_step(p, g, s, self.lr, self.alpha, self.eps)
            return p
        a = self.alpha
        s = state["s"] = a * s + (1 - a) * g**2
        if self.centered:
            (g_avg,) = self._get(state, p, "g_avg")
            g_avg = state["g_avg"] = a * g_avg + (1 - a) * g
            denom = np.sqrt(s - g_avg**2) + self.eps
        else:
            denom = np.sqrt(s) + self.eps
        if not self.momentum:
            return p - self.lr * g / denom
        (buf,) = self._get(state, p, "buf")
        buf = state["buf"] = self.momentum * buf + g / denom
        return p - self.lr * buf


@register
class Adam(Optimizer):
    """Adam as `torch.optim.Adam`; `weight_decay` is the coupled L2 term added to the gradient
    (NOT decoupled decay: use AdamW for that). State m, v as in `rules.adam_step`."""

    _fields = ("lr", "betas", "eps", "weight_decay")
    TORCH_STATE_NAMES = {"exp_avg": "m", "exp_avg_sq": "v"}

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(lr)
        self.betas = check_betas(betas)
        self.eps = check_nonneg(eps, "eps")
        self.weight_decay = check_nonneg(weight_decay, "weight_decay")

    def _update(self, key, p, g, state):
        m, v = self._get(state, p, "m", "v")
        p, state["m"], state["v"] = adam_step(p, g, m, v, self.t, self.lr, *self.betas, self.eps)
        return p


@register
class AdamW(Adam):
    """AdamW as `torch.optim.AdamW`: p <- p * (1 - lr * weight_decay) on the current weights, then
    the Adam step (`rules.adamw_step`). Only weights are decayed, as `regularization.is_weight`
    decides (not biases, not batch norm's gamma/beta), unless `include_biases=True` (torch decays
    whatever is in the group; the tests use two groups). See `update_parameters_with_adamw` for
    the lr-scaling convention."""

    _fields = ("lr", "betas", "eps", "weight_decay", "include_biases")

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, include_biases=False):
        super().__init__(lr, betas, eps, weight_decay)
        self.include_biases = bool(include_biases)

    def _start(self, params):
        self._decayed = (
            regularized_keys(params, self.include_biases, "AdamW's weight decay") if self.weight_decay else set()
        )

    def _l2(self, p, g):
        return g  # AdamW's decay is decoupled, never in the gradient

    def _update(self, key, p, g, state):
        m, v = self._get(state, p, "m", "v")
        wd = self.weight_decay if key in self._decayed else 0.0
        p, state["m"], state["v"] = (
            adamw_step(p, g, m, v, self.t, self.lr, *self.betas, self.eps, wd)
            if wd
            else adam_step(p, g, m, v, self.t, self.lr, *self.betas, self.eps)
        )
        return p
