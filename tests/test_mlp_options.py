"""MLP with dropout / batch norm / L1-L2 / residual: vs an equivalent torch model, gradient checks, API."""

import numpy as np
import pytest
import torch

from _torchref import assert_close_torch
import torch.nn.functional as F

from dlfund.gradcheck import gradient_check
from dlfund.layers import DropoutCache
from dlfund.network import MLP
from dlfund.optim import GD

_ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


class TorchTwin:
    """The same network written with torch functional ops, parameters copied from an MLP."""

    def __init__(self, model):
        self.m = model
        self.p = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
        self.rm = {l: torch.zeros(model.layer_sizes[l], dtype=torch.float64) for l in model.bn}
        self.rv = {l: torch.ones(model.layer_sizes[l], dtype=torch.float64) for l in model.bn}

    def _bn(self, l, H, training):
        return F.batch_norm(
            H,
            self.rm[l],
            self.rv[l],
            self.p[f"gamma{l}"],
            self.p[f"beta{l}"],
            training=training,
            momentum=self.m.bn[l].momentum,
            eps=self.m.bn[l].eps,
        )

    def loss(self, X, Y, masks, training=True):
        m, L = self.m, self.m.n_layers
        A = torch.tensor(X)
        for l in range(1, L + 1):
            Z = A @ self.p[f"W{l}"] + self.p[f"b{l}"]
            if l == L:
                break
            if m.batchnorm and m.bn_position == "before":
                Z = self._bn(l, Z, training)
            H = _ACT[m.activations[l - 1]](Z)
            if m.batchnorm and m.bn_position == "after":
                H = self._bn(l, H, training)
            if training and m.dropout[l - 1] > 0:  # torch's dropout with OUR mask
                H = H * torch.tensor(masks[l]) / (1 - m.dropout[l - 1])
            A = A + H if (m.residual and l >= 2) else H
        if m.output == "softmax":
            data = F.cross_entropy(Z, torch.tensor(Y))
        else:
            data = F.mse_loss(Z, torch.tensor(Y).reshape(Z.shape))
        pen = sum(m.l1 * self.p[k].abs().sum() + m.l2 / 2 * (self.p[k] ** 2).sum() for k in self.p if k.startswith("W"))
        return data + pen


def _masks(caches):
    """The dropout mask of every layer that has one (each layer's cache is the tuple of its layers' caches)."""
    return {l: d.mask for l, c in enumerate(caches, start=1) for d in c if isinstance(d, DropoutCache)}


def _data(n_out, m=12, n_in=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n_in))
    Y = rng.integers(0, n_out, m) if n_out > 1 else rng.normal(size=m)
    return X, Y


CONFIGS = [
    dict(batchnorm=True, bn_position="before"),
    dict(batchnorm=True, bn_position="after", hidden_activation="tanh"),
    dict(dropout=0.3),
    dict(dropout=[0.2, 0.5, 0.0], l2=0.05),
    dict(l1=0.01, l2=0.02),
    dict(residual=True, hidden_activation="tanh"),
    dict(batchnorm=True, dropout=0.25, l2=0.1, residual=True),
]


@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(sorted(c)) for c in CONFIGS])
def test_training_steps_match_torch(cfg, n_out):
    cfg = dict(cfg)
    act = cfg.pop("hidden_activation", "relu")
    model = MLP([5, 6, 6, 6, n_out], hidden_activation=act, output="softmax" if n_out > 1 else "linear", rng=1, **cfg)
    twin = TorchTwin(model)
    X, Y = _data(n_out)
    lr = 0.05
    for step in range(3):
        y_hat, caches = model.forward(X)
        loss = model.compute_loss(y_hat, Y)
        grads = model.backward(y_hat, Y, caches)
        loss_t = twin.loss(X, Y, _masks(caches))
        loss_t.backward()
        assert abs(loss - loss_t.item()) < 1e-12 * max(1.0, abs(loss))
        for k, t in twin.p.items():
            if (
                model.batchnorm
                and model.bn_position == "before"
                and k[0] == "b"
                and k[1:].isdigit()
                and int(k[1:]) in model.bn
            ):
                # E25: the bias in front of batch norm cancels; both gradients are rounding noise around 0
                assert np.abs(grads["d" + k]).max() < 1e-14 and t.grad.abs().max().item() < 1e-14
                continue
            assert_close_torch(grads["d" + k], t.grad, f"MLP options d{k.rstrip('0123456789')}")
        for l in model.bn:
            assert_close_torch(model.bn[l].running_mean, twin.rm[l], "MLP batchnorm running_mean")
            assert_close_torch(model.bn[l].running_var, twin.rv[l], "MLP batchnorm running_var")
        GD(lr).step(model.params, grads)
        with torch.no_grad():
            for t in twin.p.values():
                t -= lr * t.grad
                t.grad = None
    # eval mode: running statistics, no dropout
    model.eval()
    y_hat, _ = model.forward(X)
    with torch.no_grad():
        loss_t = twin.loss(X, Y, {}, training=False)
    assert abs(model.compute_loss(y_hat, Y) - loss_t.item()) < 1e-12 * max(1.0, loss_t.item())


@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(sorted(c)) for c in CONFIGS])
def test_gradient_check(cfg):
    cfg = dict(cfg)
    cfg.pop("hidden_activation", None)
    model = MLP([4, 5, 5, 5, 2], hidden_activation="tanh", output="softmax", rng=2, **cfg)
    X, Y = _data(2, n_in=4, seed=3)

    def loss(p):
        model.rng = np.random.default_rng(9)  # the same dropout masks at every call
        return model.loss_and_grads(X, Y, p)[0]

    model.rng = np.random.default_rng(9)
    _, grads = model.loss_and_grads(X, Y)
    checked = dict(model.params)
    if model.batchnorm and model.bn_position == "before":
        # E25: batch norm right after the dense layer cancels its bias, so db is exactly 0 there
        for l in model.bn:
            assert np.abs(grads[f"db{l}"]).max() < 1e-15
            del checked[f"b{l}"]
    res = gradient_check(lambda p: loss({**model.params, **p}), checked, grads)
    assert res.max_relative_error < 1e-6, str(res)


def test_batchnorm_eval_gradient_check():
    model = MLP([3, 4, 4, 1], hidden_activation="tanh", batchnorm=True, rng=0)
    X, Y = _data(1, n_in=3)
    model.loss_and_grads(X, Y)  # one training batch for running statistics
    model.eval()
    _, grads = model.loss_and_grads(X, Y)
    res = gradient_check(lambda p: model.loss_and_grads(X, Y, p)[0], model.params, grads)
    assert res.max_relative_error < 1e-7, str(res)


# ------------------------------------------------------------- plain behaviour kept
def test_plain_mlp_matches_torch_and_keeps_two_part_caches():
    model = MLP([5, 7, 3], hidden_activation="sigmoid", output="softmax", rng=4)
    X, Y = _data(3)
    y_hat, caches = model.forward(X)
    assert all(len(c) == 2 for c in caches)
    grads = model.backward(y_hat, Y, caches)
    twin = TorchTwin(model)
    twin.loss(X, Y, {}).backward()
    for k, t in twin.p.items():
        assert_close_torch(grads["d" + k], t.grad, "plain MLP gradient")


def test_params_and_grads_keys_with_batchnorm():
    model = MLP([3, 4, 5, 2], batchnorm=True, rng=0)
    assert list(model.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    np.testing.assert_array_equal(model.params["gamma2"], np.ones(5))
    _, grads = model.loss_and_grads(*_data(1, n_in=3)[:1], np.zeros((12, 2)))
    assert list(grads) == ["d" + k for k in model.params]


def test_options_off_give_identical_results_to_default():
    X, Y = _data(1)
    a = MLP([5, 8, 1], rng=3)
    b = MLP([5, 8, 1], rng=3, dropout=0.0, batchnorm=False, l1=0.0, l2=0.0, residual=False)
    np.testing.assert_array_equal(a.loss_and_grads(X, Y)[1]["dW1"], b.loss_and_grads(X, Y)[1]["dW1"])


# ------------------------------------------------------------------------ modes
def test_predict_uses_eval_mode_and_restores_training():
    model = MLP([5, 16, 1], dropout=0.5, rng=0)
    X, _ = _data(1)
    p1, p2 = model.predict(X), model.predict(X)
    np.testing.assert_array_equal(p1, p2)  # no dropout noise at inference
    assert model.training
    a, _ = model.forward(X)
    b, _ = model.forward(X)
    assert np.any(a != b)  # training mode draws new masks


def test_train_eval_switch():
    model = MLP([2, 3, 1], rng=0)
    assert model.eval() is model and not model.training
    assert model.train() is model and model.training


def test_classic_dropout_eval_scales():
    model = MLP([5, 8, 1], dropout=0.4, dropout_kind="classic", rng=0)
    X, _ = _data(1)
    model.eval()
    _, caches = model.forward(X)
    drop_cache = caches[0][2]  # layer 1: (dense, activation, dropout) caches
    assert type(drop_cache).__name__ == "DropoutCache"
    assert drop_cache.mask is None and drop_cache.factor == pytest.approx(0.6)


def test_batchnorm_eval_before_training_raises():
    model = MLP([3, 4, 1], batchnorm=True, rng=0)
    with pytest.raises(ValueError, match="no running statistics"):
        model.predict(np.ones((2, 3)))


def test_fit_trains_in_train_mode_restores_mode_and_uses_eval_for_validation():
    X, Y = _data(1, m=40)
    model = MLP([5, 8, 8, 1], batchnorm=True, dropout=0.2, rng=0).eval()
    model.bn[1].num_batches_tracked = 0
    hist = model.fit(X, Y, epochs=3, batch_size=10, lr=0.05, rng=0, validation_data=(X, Y), progress=False)
    assert not model.training
    assert model.bn[1].num_batches_tracked == 12  # 3 epochs x 4 batches, validation adds none
    assert len(hist["val_loss"]) == 3


def test_fit_is_reproducible_with_dropout():
    X, Y = _data(1, m=30)
    h = [
        MLP([5, 8, 1], dropout=0.3, rng=5).fit(X, Y, epochs=5, batch_size=8, rng=1, progress=False)["loss"]
        for _ in range(2)
    ]
    assert h[0] == h[1]


def test_fit_clip_norm_records_pre_clip_norm_and_clips():
    X, Y = _data(1, m=20)
    Y = 100 * Y
    model = MLP([5, 8, 1], rng=0)
    start = {k: v.copy() for k, v in model.params.items()}
    _, g0 = model.loss_and_grads(X, Y)
    hist = model.fit(X, Y, epochs=1, lr=0.01, clip_norm=1.0, progress=False)
    norm0 = np.sqrt(sum(np.sum(g**2) for g in g0.values()))
    assert hist["grad_norm"] == [pytest.approx(norm0, rel=1e-12)]
    step = np.sqrt(sum(np.sum((model.params[k] - start[k]) ** 2) for k in start))
    assert norm0 > 10 and step == pytest.approx(0.01, rel=1e-5)  # lr * clipped norm


def test_fit_track_grad_norm_without_clipping():
    X, Y = _data(1, m=20)
    hist = MLP([5, 4, 1], rng=0).fit(X, Y, epochs=2, batch_size=10, track_grad_norm=True, progress=False)
    assert len(hist["grad_norm"]) == 4 and "grad_norm" not in MLP([5, 4, 1], rng=0).fit(X, Y, epochs=1, progress=False)


def test_penalty_in_loss_biases_excluded_by_default():
    model = MLP([3, 4, 1], l2=0.5, rng=0)
    for k in ("b1", "b2"):
        model.params[k][:] = 10.0
    expected = 0.25 * (np.sum(model.params["W1"] ** 2) + np.sum(model.params["W2"] ** 2))
    assert model.penalty() == pytest.approx(expected, rel=1e-14)
    model2 = MLP([3, 4, 1], l2=0.5, include_biases=True, rng=0)
    for k in ("b1", "b2"):
        model2.params[k][:] = 10.0
    assert model2.penalty() == pytest.approx(expected + 0.25 * 100 * 5, rel=1e-14)


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(dropout=1.0), "dropout"),
        (dict(dropout=-0.2), "dropout"),
        (dict(dropout=[0.1]), "hidden layers"),
        (dict(dropout_kind="gauss"), "dropout_kind"),
        (dict(bn_position="middle"), "bn_position"),
        (dict(l2=-1.0), "l2"),
        (dict(l1=-1.0), "l1"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP([3, 4, 4, 1], **kwargs)


def test_residual_needs_equal_hidden_widths():
    with pytest.raises(ValueError, match="equal hidden widths"):
        MLP([3, 4, 5, 1], residual=True)


@pytest.mark.parametrize("kwargs", [dict(clip_norm=0.0), dict(clip_norm=-1.0), dict(clip_value=0)])
def test_fit_non_positive_clip_threshold_raises(kwargs):
    X, Y = _data(1)
    with pytest.raises(ValueError, match="clip"):
        MLP([5, 3, 1], rng=0).fit(X, Y, epochs=1, progress=False, **kwargs)
