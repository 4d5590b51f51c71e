"""Unit tests for dlfund.losses: hand-computed values, gradients, targets, dtypes and errors."""

import math

import numpy as np
import pytest

from dlfund import losses as L

# ---------------------------------------------------------------- hand-computed values


def test_mse_by_hand():
    y_hat, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])
    # differences 0, 2, -2 -> squares 0, 4, 4 -> mean 8/3
    assert L.mse_loss(y_hat, y) == pytest.approx(8 / 3, rel=1e-15)
    np.testing.assert_allclose(L.mse_grad(y_hat, y), [0.0, 4 / 3, -4 / 3], rtol=1e-15)


def test_mae_by_hand():
    y_hat, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])
    assert L.mae_loss(y_hat, y) == pytest.approx(4 / 3, rel=1e-15)
    np.testing.assert_allclose(L.mae_grad(y_hat, y), [0.0, 1 / 3, -1 / 3], rtol=1e-15)


@pytest.mark.parametrize(
    "delta, loss, grad",
    [
        # d = 0.5, -2, 3: 0.125 + (2 - 0.5) + (3 - 0.5) = 4.125 over 3
        (1.0, 4.125 / 3, [0.5 / 3, -1 / 3, 1 / 3]),
        # delta 2: 0.125 + 0.5*4 + 2*(3 - 1) = 6.125 over 3
        (2.0, 6.125 / 3, [0.5 / 3, -2 / 3, 2 / 3]),
    ],
)
def test_huber_by_hand(delta, loss, grad):
    y_hat, y = np.array([0.5, -2.0, 3.0]), np.zeros(3)
    assert L.huber_loss(y_hat, y, delta=delta) == pytest.approx(loss, rel=1e-15)
    np.testing.assert_allclose(L.huber_grad(y_hat, y, delta=delta), grad, rtol=1e-15)


def test_huber_is_half_mse_for_small_errors_and_continuous_at_delta():
    d = np.array([0.1, -0.3, 0.7])
    assert L.huber_loss(d, np.zeros(3), delta=1.0) == pytest.approx(0.5 * L.mse_loss(d, np.zeros(3)), rel=1e-14)
    eps = 1e-9
    left = L.huber_loss(np.array([1.5 - eps]), np.zeros(1), delta=1.5)
    right = L.huber_loss(np.array([1.5 + eps]), np.zeros(1), delta=1.5)
    assert abs(left - right) < 1e-8


def test_bce_by_hand():
    p, y = np.array([0.8, 0.3]), np.array([1.0, 0.0])
    # -(ln 0.8 + ln 0.7) / 2
    assert L.binary_cross_entropy(p, y) == pytest.approx((0.2231435513142097 + 0.35667494393873245) / 2, rel=1e-14)
    # (p - y) / (p (1 - p)) / 2: -0.2 / 0.16 / 2 and 0.3 / 0.21 / 2
    np.testing.assert_allclose(L.binary_cross_entropy_grad(p, y), [-0.625, 0.3 / 0.21 / 2], rtol=1e-14)


def test_bce_at_p_zero_and_one_is_finite():
    with np.errstate(all="raise"):
        assert L.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0])) == 100.0  # log floored at -100
        assert L.binary_cross_entropy(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == 0.0
    assert np.all(np.isfinite(L.binary_cross_entropy_grad(np.array([0.0, 1.0]), np.array([1.0, 0.0]))))


def test_bce_with_logits_by_hand_and_at_extremes():
    z, y = np.array([0.0, 2.0]), np.array([1.0, 0.0])
    # ln 2 and ln(1 + e^2)
    assert L.binary_cross_entropy_with_logits(z, y) == pytest.approx(
        (math.log(2.0) + math.log(1.0 + math.e**2)) / 2, rel=1e-14
    )
    np.testing.assert_allclose(
        L.binary_cross_entropy_with_logits_grad(z, y), [(0.5 - 1.0) / 2, 1.0 / (1.0 + math.exp(-2.0)) / 2], rtol=1e-14
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = L.binary_cross_entropy_with_logits(np.array([1000.0, -1000.0]), np.array([0.0, 1.0]))
    assert big == pytest.approx(1000.0, rel=1e-15)


def test_bce_with_logits_equals_bce_of_sigmoid():
    rng = np.random.default_rng(3)
    z = rng.normal(0, 2, size=(6, 2))
    y = rng.uniform(size=(6, 2))
    p = 1.0 / (1.0 + np.exp(-z))
    assert L.binary_cross_entropy_with_logits(z, y) == pytest.approx(L.binary_cross_entropy(p, y), rel=1e-12)


def test_softmax_cross_entropy_by_hand():
    logits = np.array([[0.0, 0.0, 0.0], [0.0, math.log(2.0), math.log(5.0)]])
    labels = np.array([2, 0])
    # row 1: p = 1/3 each -> ln 3; row 2: p = [1, 2, 5] / 8 -> ln 8; mean = ln(24) / 2
    assert L.softmax_cross_entropy(logits, labels) == pytest.approx(math.log(24.0) / 2, rel=1e-15)
    expected = np.array([[1 / 3, 1 / 3, -2 / 3], [-7 / 8, 2 / 8, 5 / 8]]) / 2
    np.testing.assert_allclose(L.softmax_cross_entropy_grad(logits, labels), expected, rtol=1e-14, atol=1e-16)


def test_softmax_cross_entropy_labels_and_one_hot_agree():
    rng = np.random.default_rng(4)
    logits = rng.normal(0, 3, size=(7, 4))
    labels = rng.integers(0, 4, size=7)
    onehot = np.eye(4)[labels]
    assert L.softmax_cross_entropy(logits, labels) == L.softmax_cross_entropy(logits, onehot)
    np.testing.assert_array_equal(
        L.softmax_cross_entropy_grad(logits, labels), L.softmax_cross_entropy_grad(logits, onehot)
    )
    # whole-number float labels are accepted as labels
    assert L.softmax_cross_entropy(logits, labels.astype(float)) == L.softmax_cross_entropy(logits, labels)


def test_softmax_cross_entropy_soft_targets_by_hand():
    logits = np.array([[0.0, math.log(3.0)]])  # p = [1/4, 3/4]
    y = np.array([[0.5, 0.5]])
    assert L.softmax_cross_entropy(logits, y) == pytest.approx(0.5 * math.log(4) + 0.5 * math.log(4 / 3), rel=1e-14)


def test_softmax_cross_entropy_huge_logits_finite():
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert L.softmax_cross_entropy(logits, np.array([1, 1])) == pytest.approx(1000.0, rel=1e-15)


def test_cross_entropy_on_probabilities_by_hand():
    p = np.array([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]])
    labels = np.array([2, 0])
    assert L.cross_entropy(p, labels) == pytest.approx((math.log(2.0) + math.log(1 / 0.9)) / 2, rel=1e-14)
    np.testing.assert_allclose(L.cross_entropy_grad(p, labels), [[0, 0, -1.0], [-1 / 0.9 / 2, 0, 0]], rtol=1e-14)
    logits = np.random.default_rng(5).normal(size=(4, 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([0, 2, 1, 1])
    assert L.cross_entropy(probs, y) == pytest.approx(L.softmax_cross_entropy(logits, y), rel=1e-13)


# ---------------------------------------------------------------- gradients, generic

CASES = {
    "mse": lambda rng: (rng.normal(size=(5, 2)), rng.normal(size=(5, 2))),
    "mae": lambda rng: (rng.normal(size=(5, 2)), rng.normal(size=(5, 2))),
    "huber": lambda rng: (rng.normal(0, 2, size=(5, 2)), rng.normal(size=(5, 2))),
    "bce": lambda rng: (rng.uniform(0.05, 0.95, size=(5, 2)), rng.integers(0, 2, size=(5, 2)).astype(float)),
    "bce_logits": lambda rng: (rng.normal(0, 3, size=(5, 2)), rng.uniform(size=(5, 2))),
    "softmax_ce": lambda rng: (rng.normal(0, 3, size=(5, 4)), rng.integers(0, 4, size=5)),
    "ce": lambda rng: (rng.dirichlet(np.ones(4), size=5), rng.integers(0, 4, size=5)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_centred_difference(name):
    loss, grad = L.get_loss(name)
    y_hat, y = CASES[name](np.random.default_rng(6))
    h = 1e-6
    num = np.zeros_like(y_hat)
    for idx in np.ndindex(y_hat.shape):
        e = np.zeros_like(y_hat)
        e[idx] = h
        num[idx] = (loss(y_hat + e, y) - loss(y_hat - e, y)) / (2 * h)
    np.testing.assert_allclose(grad(y_hat, y), num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_inputs_not_modified(name):
    loss, grad = L.get_loss(name)
    y_hat, y = CASES[name](np.random.default_rng(7))
    y_hat0, y0 = y_hat.copy(), y.copy()
    loss(y_hat, y)
    grad(y_hat, y)
    np.testing.assert_array_equal(y_hat, y_hat0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_gradient_stays_float32(name):
    _, grad = L.get_loss(name)
    y_hat, y = CASES[name](np.random.default_rng(8))
    assert grad(y_hat.astype(np.float32), y).dtype == np.float32


def test_losses_are_means_not_sums():
    # doubling the batch with the same rows must not change the loss (ERRATA E10: average over m)
    rng = np.random.default_rng(9)
    for name, make in CASES.items():
        loss, _ = L.get_loss(name)
        y_hat, y = make(rng)
        doubled = loss(np.concatenate([y_hat, y_hat]), np.concatenate([y, y]))
        assert doubled == pytest.approx(loss(y_hat, y), rel=1e-13), name


# ---------------------------------------------------------------- errors


def test_bce_rejects_targets_outside_0_1():
    # ERRATA E5: a price is not a BCE target; torch refuses it as well
    p = np.array([0.9, 0.99])
    y = np.array([3.0, 3.0])
    for f in (
        L.binary_cross_entropy,
        L.binary_cross_entropy_grad,
        L.binary_cross_entropy_with_logits,
        L.binary_cross_entropy_with_logits_grad,
    ):
        with pytest.raises(ValueError, match=r"targets y in \[0, 1\], got values in \[3, 3\].*mse_loss"):
            f(p, y)


def test_bce_rejects_probabilities_outside_0_1():
    for f in (L.binary_cross_entropy, L.binary_cross_entropy_grad):
        with pytest.raises(ValueError, match=r"p must hold probabilities in \[0, 1\], got values in \[-0.5, 2\]"):
            f(np.array([-0.5, 2.0]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"p must hold probabilities.*softmax_cross_entropy"):
        L.cross_entropy(np.array([[2.0, -1.0]]), np.array([0]))


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "bce", "bce_logits"])
def test_column_vs_flat_target_is_an_error_not_broadcasting(name):
    loss, grad = L.get_loss(name)
    y_hat = np.full((4, 1), 0.5)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    for f in (loss, grad):
        with pytest.raises(ValueError, match=r"has shape \(4, 1\) but y has shape \(4,\).*reshape"):
            f(y_hat, y)


def test_wrong_length_target():
    with pytest.raises(ValueError, match=r"y_hat has shape \(3,\) but y has shape \(4,\)"):
        L.mse_loss(np.zeros(3), np.zeros(4))


def test_huber_delta_must_be_positive():
    with pytest.raises(ValueError, match=r"delta must be > 0, got 0"):
        L.huber_loss(np.zeros(2), np.zeros(2), delta=0)


@pytest.mark.parametrize("f", [L.softmax_cross_entropy, L.softmax_cross_entropy_grad])
def test_cross_entropy_label_errors(f):
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"y has 2 labels but logits has 3 rows \(shape \(3, 4\)\)"):
        f(z, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"class labels must lie in \[0, 3\], got \[0, 4\]"):
        f(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="integer class labels"):
        f(z, np.array([0.5, 1.0, 2.0]))
    with pytest.raises(
        ValueError, match=r"y has shape \(3, 3\); expected labels of shape \(3,\) or one-hot of shape \(3, 4\)"
    ):
        f(z, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"logits must be a 2-D array, got shape \(4,\)"):
        f(np.zeros(4), np.array([1]))


def test_get_loss_unknown_name():
    with pytest.raises(ValueError, match=r"unknown loss 'cross_entropy'; choose one of .*'mse'"):
        L.get_loss("cross_entropy")
