"""Optimizer objects update small arrays together (one flat vector per group) and packed
parameters in place. The result must be that of array-by-array updates, whatever the layout."""
import copy

import numpy as np
import pytest

import dlfund.optim as optim
from dlfund import MLP
from dlfund.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop, pack_parameters

OPTIMIZERS = [SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.01), Adagrad(0.1, lr_decay=0.01),
              Adadelta(weight_decay=0.01), RMSprop(0.01, momentum=0.5, centered=True), Adam(0.01, weight_decay=0.01),
              AdamW(0.01, weight_decay=0.1)]
SHAPES = {"W1": (6, 5), "b1": (5,), "W2": (5, 3), "b2": (3,)}


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    params = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    grads = [{"d" + k: rng.standard_normal(s) for k, s in SHAPES.items()} for _ in range(5)]
    return params, grads


def _run(opt, params, grads):
    opt = copy.deepcopy(opt)
    opt.reset()
    for g in grads:
        opt.step(params, g)
    return opt


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_grouped_packed_and_single_updates_agree(opt, monkeypatch):
    params0, grads = _problem()
    monkeypatch.setattr(optim, "SMALL_ARRAY", 0)                 # every array alone
    single = {k: v.copy() for k, v in params0.items()}
    opt_single = _run(opt, single, grads)
    assert all(len(g.keys) == 1 for g in opt_single._groups)
    monkeypatch.setattr(optim, "SMALL_ARRAY", 1 << 15)           # small arrays in groups
    grouped = {k: v.copy() for k, v in params0.items()}          # separate arrays: copied in and out
    opt_grouped = _run(opt, grouped, grads)
    assert any(len(g.keys) > 1 for g in opt_grouped._groups)
    packed = pack_parameters(params0)                            # one buffer: updated in place
    buffer = packed["W1"].base
    before = buffer.copy()
    opt_packed = _run(opt, packed, grads)
    assert not np.array_equal(buffer, before)                    # the buffer itself moved
    for k in params0:
        np.testing.assert_allclose(grouped[k], single[k], rtol=1e-14, atol=1e-15, err_msg=k)
        np.testing.assert_allclose(packed[k], single[k], rtol=1e-14, atol=1e-15, err_msg=k)
        assert np.shares_memory(packed[k], buffer)
    for dk, state in opt_single.state.items():
        for name, arr in state.items():
            np.testing.assert_allclose(opt_grouped.state[dk][name], arr, rtol=1e-14, atol=1e-15)
            np.testing.assert_allclose(opt_packed.state[dk][name], arr, rtol=1e-14, atol=1e-15)
            assert opt_packed.state[dk][name].shape == params0[dk[1:]].shape


def test_adamw_keeps_biases_out_of_the_decayed_group():
    params, grads = _problem()
    opt = AdamW(0.01, weight_decay=0.1)
    opt.step(pack_parameters(params), grads[0])
    assert sorted(sorted(g.keys) for g in opt._groups) == [["W1", "W2"], ["b1", "b2"]]


def test_replaced_parameter_array_is_the_one_updated():
    """After `params[k] = new_array` the optimizer must update the new array, not the old buffer."""
    params0, grads = _problem()
    packed = pack_parameters(params0)
    opt = Adam(0.01)
    opt.step(packed, grads[0])
    buffer = packed["W1"].base
    old_w2_slot = buffer[35:50].copy()                            # W1 has 30 entries, b1 5, W2 15
    packed["W2"] = packed["W2"].copy()                            # no longer a view of the buffer
    w2_before = packed["W2"].copy()
    opt.step(packed, grads[1])
    assert not np.array_equal(packed["W2"], w2_before)
    np.testing.assert_array_equal(buffer[35:50], old_w2_slot)     # the old W2 slot is left alone

    reference = {k: v.copy() for k, v in params0.items()}
    ref_opt = Adam(0.01)
    for g in grads[:2]:
        ref_opt.step(reference, g)
    for k in params0:
        np.testing.assert_allclose(packed[k], reference[k], rtol=1e-14, atol=1e-15, err_msg=k)


def test_pack_parameters_makes_consecutive_views():
    params, _ = _problem()
    packed = pack_parameters(params)
    assert list(packed) == list(params)
    base = packed["W1"].base
    assert base.shape == (sum(v.size for v in params.values()),)
    for k in params:
        np.testing.assert_array_equal(packed[k], params[k])
        assert packed[k].base is base and not np.shares_memory(packed[k], params[k])
    assert pack_parameters({}) == {}


def test_mlp_parameters_are_packed_and_fit_moves_them_in_place():
    model = MLP([4, 8, 2], output="softmax", rng=0)
    base = model.params["W1"].base
    assert all(p.base is base for p in model.params.values())
    X = np.random.default_rng(1).standard_normal((40, 4))
    y = (X[:, 0] > 0).astype(int)
    before = base.copy()
    opt = Adam(0.01)
    model.fit(X, y, epochs=3, batch_size=8, optimizer=opt, rng=0, progress=False)
    assert not np.array_equal(base, before)
    assert len(opt._groups) == 1 and opt._groups[0].arrays is not None   # the in-place path was taken


def test_changed_layout_names_the_parameter():
    params, grads = _problem()
    opt = Adam()
    opt.step(params, grads[0])
    params["b1"], grads[0]["db1"] = np.zeros(7), np.zeros(7)
    with pytest.raises(ValueError, match=r"'b1' was \(5,\) float64, now \(7,\) float64.*reset\(\)"):
        opt.step(params, grads[0])
    del params["b1"], grads[0]["db1"]
    with pytest.raises(ValueError, match=r"parameters \['b1'\] are gone"):
        opt.step(params, grads[0])
    opt.reset()
    opt.step(params, grads[0])                                    # after reset(): a new layout
    assert opt.t == 1 and set(opt.state) == {"dW1", "dW2", "db2"}


def test_state_is_a_read_only_view_of_the_live_arrays():
    params, grads = _problem()
    opt = Adam(0.01)
    opt.step(params, grads[0])
    m = opt.state["dW1"]["m"]
    m[...] = 0.0                                                  # in place: reaches the optimizer
    assert np.all(opt.state["dW1"]["m"] == 0.0)
    with pytest.raises(TypeError):
        opt.state["dW1"]["m"] = np.ones((6, 5))                   # replacing would be lost: refused
    with pytest.raises(TypeError):
        opt.state["dW9"] = {}
