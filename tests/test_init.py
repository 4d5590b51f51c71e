"""Unit tests for dlfund.init: variances (statistically), bounds, seeding, shapes, errors."""

import numpy as np
import pytest

from dlfund import init
from dlfund.network import MLP
from dlfund.optim import GD

N_IN, N_OUT = 400, 600  # 240 000 draws: the sample variance is known to ~0.3 %


def _check_variance(W, target, kurtosis):
    """Sample variance within 6 standard errors of `target` (SE^2 = (kurtosis - 1) var^2 / N)."""
    n = W.size
    se = target * np.sqrt((kurtosis - 1.0) / n)
    assert abs(W.var() - target) < 6 * se, (W.var(), target, se)
    assert abs(W.mean()) < 6 * np.sqrt(target / n)


@pytest.mark.parametrize(
    "name, target, kurtosis",
    [
        ("xavier_uniform", 2.0 / (N_IN + N_OUT), 1.8),
        ("xavier_normal", 2.0 / (N_IN + N_OUT), 3.0),
        ("he_uniform", 2.0 / N_IN, 1.8),
        ("he_normal", 2.0 / N_IN, 3.0),
    ],
)
def test_variance_matches_the_formula(name, target, kurtosis):
    W = init.INITIALIZERS[name](N_IN, N_OUT, rng=np.random.default_rng(0))
    assert W.shape == (N_IN, N_OUT) and W.dtype == np.float64
    _check_variance(W, target, kurtosis)


def test_xavier_variance_is_not_the_misquoted_one():
    # ERRATA E26: Var(W) = 2 / (n_in + n_out), not 2 / sqrt(n_in + n_out)
    W = init.xavier_normal(N_IN, N_OUT, rng=1)
    wrong = 2.0 / np.sqrt(N_IN + N_OUT)
    assert W.var() < wrong / 10


def test_scaled_normal_std_is_scale():
    W = init.scaled_normal(N_IN, N_OUT, rng=2, scale=0.05)
    _check_variance(W, 0.05**2, 3.0)


@pytest.mark.parametrize(
    "name, bound", [("xavier_uniform", np.sqrt(6.0 / (N_IN + N_OUT))), ("he_uniform", np.sqrt(6.0 / N_IN))]
)
def test_uniform_bounds(name, bound):
    W = init.INITIALIZERS[name](N_IN, N_OUT, rng=np.random.default_rng(3))
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.999 * bound  # the draws reach the edges of the interval
    # roughly flat: each tenth of [-a, a] holds about 10 % of the draws
    counts, _ = np.histogram(W, bins=10, range=(-bound, bound))
    assert np.all(np.abs(counts / W.size - 0.1) < 0.005)


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
def test_seeded_reproducible_and_seed_sensitive(name):
    f = init.INITIALIZERS[name]
    a = f(7, 5, rng=42)
    b = f(7, 5, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    if name != "zeros":
        assert not np.array_equal(a, f(7, 5, rng=43))
        g = np.random.default_rng(0)
        assert not np.array_equal(f(7, 5, rng=g), f(7, 5, rng=g))  # a Generator advances


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
def test_dtype_argument(name):
    W = init.INITIALIZERS[name](3, 4, rng=0, dtype=np.float32)
    assert W.dtype == np.float32 and W.shape == (3, 4)


def test_initialize_parameters_shapes_and_zero_biases():
    p = init.initialize_parameters([5, 8, 3, 1], method="xavier_normal", rng=0)
    assert list(p) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [p[k].shape for k in p] == [(5, 8), (8,), (8, 3), (3,), (3, 1), (1,)]
    assert all(not p[f"b{l}"].any() for l in (1, 2, 3))
    np.testing.assert_array_equal(p["W1"], init.initialize_parameters([5, 8, 3, 1], "xavier_normal", rng=0)["W1"])
    p2 = init.initialize_parameters([5, 8], method="normal", rng=0, scale=1e-3)
    assert p2["W1"].std() < 5e-3
    p3 = init.initialize_parameters([2, 3], method=lambda n_in, n_out, rng: np.ones((n_in, n_out)), rng=0)
    np.testing.assert_array_equal(p3["W1"], np.ones((2, 3)))


def test_zero_initialisation_keeps_hidden_units_identical():
    """The symmetry problem: with equal starting weights every hidden unit gets the same update."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 3)), rng.normal(size=32)
    model = MLP([3, 4, 1], hidden_activation="sigmoid", init="zeros", rng=0)
    model.fit(X, y, epochs=20, optimizer=GD(0.5), progress=False, rng=0)
    W1, W2 = model.params["W1"], model.params["W2"]
    assert np.abs(W1).max() > 1e-3 and np.abs(W2).max() > 1e-3  # it did learn something ...
    np.testing.assert_allclose(W1, W1[:, :1].repeat(4, axis=1), rtol=1e-12)  # ... but all columns stay equal
    np.testing.assert_allclose(W2, W2[:1].repeat(4, axis=0), rtol=1e-12)
    # random initialisation breaks the symmetry
    model = MLP([3, 4, 1], hidden_activation="sigmoid", init="xavier_normal", rng=0)
    assert np.ptp(model.params["W1"], axis=1).min() > 0


def test_errors():
    with pytest.raises(ValueError, match="n_in must be a positive integer, got 0"):
        init.he_normal(0, 3, rng=0)
    with pytest.raises(ValueError, match=r"n_out must be a positive integer, got 2.5"):
        init.xavier_uniform(3, 2.5, rng=0)
    with pytest.raises(ValueError, match=r"layer_sizes needs at least an input and an output size, got \[4\]"):
        init.initialize_parameters([4], rng=0)
    with pytest.raises(ValueError, match=r"layer_sizes must hold positive integers, got \[4, 0, 1\]"):
        init.initialize_parameters([4, 0, 1], rng=0)
    with pytest.raises(ValueError, match=r"layer_sizes must hold positive integers, got \[4, 2.5, 1\]"):
        init.initialize_parameters([4, 2.5, 1], rng=0)
    with pytest.raises(ValueError, match=r"unknown init method 'glorot'; choose one of .*'xavier_normal'"):
        init.initialize_parameters([4, 2], method="glorot", rng=0)
    with pytest.raises(ValueError, match="scale must be > 0"):
        init.scaled_normal(2, 2, rng=0, scale=-1.0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator or an int seed, got float"):
        init.he_normal(2, 2, rng=0.5)
