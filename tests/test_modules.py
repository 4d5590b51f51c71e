"""Layer objects (`dlfund.modules`): forward and backward of every registered kind against PyTorch.

The table LAYER_CASES is checked against the registry `modules.LAYERS`: a new layer kind fails
`test_every_layer_kind_has_a_reference_case` until it has a case here.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _torchref import assert_close_torch, t64

from dlfund import modules
from dlfund.modules import Activation, BatchNorm, Context, Dense, Dropout, Residual

rng0 = np.random.default_rng(0)
M, N = 6, 4


def _dense_params(l, n_in, n_out, rng):
    return {f"W{l}": rng.standard_normal((n_in, n_out)), f"b{l}": rng.standard_normal(n_out)}


# kind -> (make(rng) -> (layer, params), torch forward(tp, x, cache) -> out)
LAYER_CASES = {
    "dense": (lambda rng: (Dense(1), _dense_params(1, N, 3, rng)), lambda tp, x, cache: x @ tp["W1"] + tp["b1"]),
    "activation": (lambda rng: (Activation("tanh"), {}), lambda tp, x, cache: torch.tanh(x)),
    "batchnorm": (
        lambda rng: (BatchNorm(1, N), {"gamma1": rng.uniform(0.5, 2, N), "beta1": rng.standard_normal(N)}),
        lambda tp, x, cache: F.batch_norm(x, None, None, tp["gamma1"], tp["beta1"], training=True, eps=1e-5),
    ),
    "dropout": (lambda rng: (Dropout(0.3), {}), lambda tp, x, cache: x * t64(cache.mask) / 0.7),
    "residual": (
        lambda rng: (Residual([Dense(2), Activation("tanh")]), _dense_params(2, N, N, rng)),
        lambda tp, x, cache: x + torch.tanh(x @ tp["W2"] + tp["b2"]),
    ),
}


def test_every_layer_kind_has_a_reference_case():
    assert set(LAYER_CASES) == set(modules.LAYERS)


@pytest.mark.parametrize("kind", sorted(LAYER_CASES))
def test_layer_forward_and_backward_match_torch(kind):
    rng = np.random.default_rng(len(kind))
    make, torch_forward = LAYER_CASES[kind]
    layer, params = make(rng)
    assert layer.kind == kind and set(layer.param_names) == set(params)
    x = rng.standard_normal((M, N))
    out, cache = layer.forward(params, x, Context(True, np.random.default_rng(1)))
    dout = rng.standard_normal(out.shape)
    grads = {}
    dx = layer.backward(params, dout, cache, grads)

    tp = {k: t64(v, requires_grad=True) for k, v in params.items()}
    tx = t64(x, requires_grad=True)
    tout = torch_forward(tp, tx, cache)
    (tout * t64(dout)).sum().backward()
    assert_close_torch(out, tout, f"layer {kind} forward")
    assert_close_torch(dx, tx.grad, f"layer {kind} dA")
    assert set(grads) == {"d" + k for k in params}
    for k in params:
        assert_close_torch(grads["d" + k], tp[k].grad, f"layer {kind} d{k}")


@pytest.mark.parametrize("kind", sorted(LAYER_CASES))
def test_layer_backward_refuses_a_missing_cache(kind):
    layer, params = LAYER_CASES[kind][0](np.random.default_rng(0))
    with pytest.raises(TypeError, match="cache"):
        layer.backward(params, np.ones((M, N)), None, {})


def test_first_dense_layer_skips_the_input_gradient():
    rng = np.random.default_rng(3)
    params = _dense_params(1, N, 3, rng)
    x, dz = rng.standard_normal((M, N)), rng.standard_normal((M, 3))
    full, first = Dense(1), Dense(1, input_grad=False)
    g_full, g_first = {}, {}
    _, cache = full.forward(params, x, Context(True, rng))
    assert full.backward(params, dz, cache, g_full) is not None
    assert first.backward(params, dz, cache, g_first) is None
    for k in g_full:
        np.testing.assert_allclose(g_first[k], g_full[k], rtol=1e-14)
