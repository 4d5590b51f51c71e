"""The opt-in fast path: in-place, fused, blocked and grouped versions of the optimizer classes.

    from dlfund.optim import fast, pack_parameters
    model.params = pack_parameters(model.params)   # optional: one buffer, updated in one call
    model.fit(X, Y, optimizer=fast.Adam(lr=1e-3))

Same hyperparameters, same state names and the same results as the plain classes of
`optim.optimizers` up to rounding (tests/test_optim_fast.py compares them with tolerances derived
from the dtype's eps and the values' scale; bitwise equality across BLAS code paths is NOT
promised: OpenBLAS's axpy fuses multiply-add differently per CPU kernel and call length). The
tricks, each a few percent on large arrays and none of them part of the book's formulas:

- every rule updates its arrays in place, reusing one scratch array (`*_step_inplace`);
- p += a * x runs as one BLAS axpy call instead of two NumPy passes (`_add_scaled`);
- arrays larger than BLOCK_BYTES are updated block by block, so the dozen passes of a rule
  find the block in the CPU cache (`_blockwise`);
- arrays of at most SMALL_ARRAY entries share one call of the rule as one flat vector
  (`_Group`), cutting Python overhead per tiny bias; with `pack_parameters` that vector is
  the parameters' own buffer.
"""

import functools
import math
from types import MappingProxyType

import numpy as np

from .._validate import as_array
from . import optimizers as plain

#: arrays larger than this many bytes are updated block by block (see `_blockwise`)
BLOCK_BYTES = 4 << 20
#: parameters with at most this many entries are updated together (see `_FastStep`)
SMALL_ARRAY = 1 << 15
#: name -> fast optimizer class
OPTIMIZERS = {}


def _blockwise(rule):
    """Run an element-wise in-place rule on a large array one block of entries at a time.

    Every array argument of p's shape is cut the same way; arrays that are not C-contiguous
    (whose flat version would be a copy, losing the in-place update) get one whole call. The
    result equals one whole call up to rounding (BLAS may round blocks differently).
    """

    @functools.wraps(rule)
    def blockwise_rule(p, g, *args, **kwargs):
        if p.nbytes <= BLOCK_BYTES or np.shape(g) != p.shape:  # small arrays: one call
            return rule(p, g, *args, **kwargs)
        n, size = p.size, max(1, BLOCK_BYTES // p.itemsize)
        cut = [isinstance(a, np.ndarray) and a.shape == p.shape for a in args]
        cut_kw = {k: isinstance(a, np.ndarray) and a.shape == p.shape for k, a in kwargs.items()}
        state = [a for a, c in zip(args, cut) if c] + [a for k, a in kwargs.items() if cut_kw[k]]
        if not all(a.flags.c_contiguous for a in [p, *state]):
            return rule(p, g, *args, **kwargs)
        flat = [a.reshape(-1) if c else a for a, c in zip(args, cut)]
        flat_kw = {k: a.reshape(-1) if cut_kw[k] else a for k, a in kwargs.items()}
        p_flat, g_flat = p.reshape(-1), np.reshape(g, -1)
        for start in range(0, n, size):
            block = slice(start, start + size)
            rule(
                p_flat[block],
                g_flat[block],
                *(a[block] if c else a for a, c in zip(flat, cut)),
                **{k: a[block] if cut_kw[k] else a for k, a in flat_kw.items()},
            )

    return blockwise_rule


_AXPY = {}  # BLAS axpy by dtype character ("f", "d"), looked up on first use


def _add_scaled(y, a, x):
    """y <- y + a * x in place, x unchanged: one BLAS axpy pass for contiguous float32/float64
    arrays of equal shape and dtype, else the NumPy line. The two may differ in the last bit."""
    char = y.dtype.char
    if char in "fd" and x.dtype == y.dtype and x.shape == y.shape and y.flags.c_contiguous and x.flags.c_contiguous:
        if char not in _AXPY:
            from scipy.linalg.blas import get_blas_funcs  # scipy comes with scikit-learn

            _AXPY[char] = get_blas_funcs("axpy", dtype=y.dtype)
        y_flat = y.reshape(-1)
        out = _AXPY[char](x.reshape(-1), y_flat, a=a)
        if out is not y_flat and not np.shares_memory(out, y_flat):
            y_flat[...] = out  # the wrapper made a copy: write the result back
        return
    y += a * x


# ---------------------------------------------------------------------------------------
# In-place rules: the rules of `optim.rules`, rearranged to reuse memory
# ---------------------------------------------------------------------------------------


@_blockwise
def sgd_step_inplace(p, g, lr, v=None, beta=0.0, grad_scale=1.0, nesterov=False):
    """`rules.sgd_step` (v None) or `rules.momentum_step`, updating p (and v) in place."""
    if v is None:
        p -= lr * g
        return
    v *= beta
    v += g if grad_scale == 1 else grad_scale * g
    if nesterov:
        p -= lr * (beta * v + grad_scale * g)
    else:
        _add_scaled(p, -lr, v)


@_blockwise
def adagrad_step_inplace(p, g, s, lr, eps=1e-10):
    """`rules.adagrad_step` in place (p and s change)."""
    s += np.square(g)
    step = np.sqrt(s)
    step += eps
    np.divide(g, step, out=step)
    step *= lr
    p -= step


@_blockwise
def adadelta_step_inplace(p, g, s, u, lr=1.0, rho=0.9, eps=1e-6):
    """`rules.adadelta_step` in place (p, s and u change)."""
    s *= rho
    s += (1 - rho) * np.square(g)
    delta = np.sqrt(u + eps)
    delta /= np.sqrt(s + eps)
    delta *= g
    u *= rho
    u += (1 - rho) * np.square(delta)
    delta *= lr
    p -= delta


@_blockwise
def rmsprop_step_inplace(p, g, s, lr, alpha=0.99, eps=1e-8, momentum=0.0, buf=None, g_avg=None):
    """`optimizers.RMSprop`'s update in place (centred with `g_avg`, momentum with `buf`)."""
    s *= alpha
    s += (1 - alpha) * np.square(g)
    if g_avg is None:
        denom = np.sqrt(s)
    else:
        g_avg *= alpha
        g_avg += (1 - alpha) * g
        denom = s - np.square(g_avg)
        np.sqrt(denom, out=denom)
    denom += eps
    step = np.divide(g, denom, out=denom)
    if buf is not None:
        buf *= momentum
        buf += step
        step = buf
    p -= lr * step


@_blockwise
def adam_step_inplace(p, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """`rules.adamw_step` (or `adam_step` for weight_decay 0) in place (p, m, v change).

    lr * m_hat / (sqrt(v_hat) + eps) == lr * c / (1 - beta1**t) * m / (sqrt(v) + eps * c) with
    c = sqrt(1 - beta2**t): the bias corrections become two scalars, one pass fewer (the
    reordering Kingma & Ba suggest at the end of their Section 2).
    """
    if weight_decay:
        p *= 1 - lr * weight_decay
    m *= beta1
    _add_scaled(m, 1 - beta1, g)
    scratch = np.multiply(g, g)
    v *= beta2
    _add_scaled(v, 1 - beta2, scratch)
    c = math.sqrt(1 - beta2**t)
    np.sqrt(v, out=scratch)
    scratch += eps * c
    np.divide(m, scratch, out=scratch)
    _add_scaled(p, -lr * c / (1 - beta1**t), scratch)


# ---------------------------------------------------------------------------------------
# Packed parameters and groups of small arrays
# ---------------------------------------------------------------------------------------


def pack_parameters(params):
    """The same parameters as views of one contiguous buffer, in the dict's order (a new dict).

    A fast optimizer then updates a group of them in one call on the buffer itself instead of
    copying them into a vector and back.
    """
    arrays = list(params.values())
    if not arrays:
        return {}
    buffer = np.concatenate([np.ravel(a) for a in arrays])
    out, start = {}, 0
    for k, a in params.items():
        out[k] = buffer[start : start + np.size(a)].reshape(np.shape(a))
        start += np.size(a)
    return out


def _address(a):
    return a.__array_interface__["data"][0]


def _stretch(arrays):
    """A 1-D view of the memory the arrays occupy if they are contiguous pieces of one buffer,
    one right after the other in this order; else None."""
    base = arrays[0].base
    if base is None or not base.flags.c_contiguous or base.dtype != arrays[0].dtype:
        return None
    if any(a.base is not base or not a.flags.c_contiguous for a in arrays):
        return None
    start = end = _address(arrays[0])
    for a in arrays:
        if _address(a) != end:
            return None
        end += a.nbytes
    first = (start - _address(base)) // base.itemsize
    return base.reshape(-1)[first : first + (end - start) // base.itemsize]


class _Group:
    """Parameters that one call of an in-place rule handles: keys, shapes and flat state.

    A group of several small arrays works on flat vectors: gradients concatenated into `g`,
    parameters either the stretch of a packed buffer (updated directly) or a copy written back.
    """

    def __init__(self, keys, params):
        self.keys = keys
        arrays = [params[k] for k in keys]
        self.shapes = [a.shape for a in arrays]
        ends = np.cumsum([a.size for a in arrays])
        self.slices = [slice(int(e) - a.size, int(e)) for a, e in zip(arrays, ends)]
        self.flat = len(keys) > 1
        if self.flat:
            self.packed = _stretch(arrays)
            self.arrays = arrays if self.packed is not None else None
            self.p = np.empty(int(ends[-1]), dtype=arrays[0].dtype)
            self.g = np.empty_like(self.p)
        self.state = {}

    def flat_params(self, params):
        """p as one vector, and whether it is the parameters' own memory (else a copy to write back)."""
        if self.arrays is not None and all(params[k] is a for k, a in zip(self.keys, self.arrays)):
            return self.packed, True
        np.concatenate([params[k].reshape(-1) for k in self.keys], out=self.p)
        return self.p, False


class _FastStep:
    """Mixin over a plain optimizer class: grouped, in-place `step`; subclasses implement
    `_update_inplace(key, p, g, state)` with one `*_step_inplace` rule."""

    def reset(self):
        super().reset()
        self._groups = None

    def _start(self, params):
        super()._start(params)
        small, groups = {}, []
        for k, p in params.items():
            if p.size > SMALL_ARRAY:
                groups.append(_Group([k], params))
            else:
                small.setdefault((self._group_key(k), p.dtype), []).append(k)
        self._groups = groups + [_Group(keys, params) for keys in small.values()]

    def _group_key(self, key):
        """Parameters may share an update call only if this value is equal for them."""
        return None

    @property
    def state(self):
        out = {}
        for group in self._groups or ():
            for k, where, shape in zip(group.keys, group.slices, group.shapes):
                out["d" + k] = plain.StateView(
                    {name: arr.reshape(-1)[where].reshape(shape) for name, arr in group.state.items()},
                    self.TORCH_STATE_NAMES,
                )
        return MappingProxyType(out)

    def step(self, params, grads):
        """Update every array params[k] in place from grads["d" + k]."""
        self._check(params, grads)
        self.t += 1
        for group in self._groups:
            g = [as_array(grads["d" + k], f"grads['d{k}']") for k in group.keys]
            if not group.flat:
                self._update_inplace(group.keys[0], params[group.keys[0]], g[0], group.state)
                continue
            np.concatenate([gk.reshape(-1) for gk in g], out=group.g)
            p, in_place = group.flat_params(params)
            self._update_inplace(group.keys[0], p, group.g, group.state)
            if not in_place:
                for k, where, shape in zip(group.keys, group.slices, group.shapes):
                    params[k][...] = p[where].reshape(shape)

    @staticmethod
    def _buffer(state, name, p, fill=0.0):
        if name not in state:
            state[name] = np.full_like(p, fill)
        return state[name]


def _register(cls):
    OPTIMIZERS[cls.__name__] = cls
    return cls


@_register
class GD(_FastStep, plain.GD):
    def _update_inplace(self, key, p, g, state):
        sgd_step_inplace(p, g, self.lr)


@_register
class SGD(_FastStep, plain.SGD):
    def _update_inplace(self, key, p, g, state):
        g = self._l2(p, g)
        if self.momentum == 0:
            sgd_step_inplace(p, g, self.lr)
            return
        scale = self._grad_scale(state)
        sgd_step_inplace(p, g, self.lr, self._buffer(state, "v", p), self.momentum, scale, self.nesterov)


@_register
class Adagrad(_FastStep, plain.Adagrad):
    def _update_inplace(self, key, p, g, state):
        s = self._buffer(state, "s", p, fill=self.initial_accumulator_value)
        adagrad_step_inplace(p, self._l2(p, g), s, self._lr_t(), self.eps)


@_register
class Adadelta(_FastStep, plain.Adadelta):
    def _update_inplace(self, key, p, g, state):
        adadelta_step_inplace(
            p, self._l2(p, g), self._buffer(state, "s", p), self._buffer(state, "u", p), self.lr, self.rho, self.eps
        )


@_register
class RMSprop(_FastStep, plain.RMSprop):
    def _update_inplace(self, key, p, g, state):
        rmsprop_step_inplace(
            p,
            self._l2(p, g),
            self._buffer(state, "s", p),
            self.lr,
            self.alpha,
            self.eps,
            momentum=self.momentum,
            buf=self._buffer(state, "buf", p) if self.momentum > 0 else None,
            g_avg=self._buffer(state, "g_avg", p) if self.centered else None,
        )


@_register
class Adam(_FastStep, plain.Adam):
    def _update_inplace(self, key, p, g, state):
        adam_step_inplace(
            p,
            self._l2(p, g),
            self._buffer(state, "m", p),
            self._buffer(state, "v", p),
            self.t,
            self.lr,
            *self.betas,
            self.eps,
        )


@_register
class AdamW(_FastStep, plain.AdamW):
    def _group_key(self, key):
        return key in self._decayed

    def _update_inplace(self, key, p, g, state):
        adam_step_inplace(
            p,
            g,
            self._buffer(state, "m", p),
            self._buffer(state, "v", p),
            self.t,
            self.lr,
            *self.betas,
            self.eps,
            weight_decay=self.weight_decay if key in self._decayed else 0.0,
        )


def fast_version(optimizer):
    """The fast class with the same hyperparameters as a plain optimizer object (fresh state)."""
    cls = OPTIMIZERS.get(type(optimizer).__name__)
    if cls is None or not isinstance(optimizer, plain.Optimizer):
        raise TypeError(f"no fast version of {type(optimizer).__name__}; fast classes: {sorted(OPTIMIZERS)}")
    return cls(**{f: getattr(optimizer, f) for f in optimizer._fields})
