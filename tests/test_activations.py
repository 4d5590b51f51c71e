"""Unit tests for dlfund.activations: values, derivatives, stability, dtypes, errors."""

import warnings

import numpy as np
import pytest

from dlfund import activations as act

ELEMENTWISE = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]


@pytest.fixture
def z():
    return np.random.default_rng(0).normal(0.0, 3.0, size=(6, 5))


def test_sigmoid_stable_at_extremes_without_warnings():
    z = np.array([-1000.0, -745.0, -100.0, 0.0, 100.0, 745.0, 1000.0])
    # the naive formula overflows in exp(1000): this setting catches it ...
    with np.errstate(over="raise", invalid="raise", divide="raise"), pytest.raises(FloatingPointError):
        1.0 / (1.0 + np.exp(-z))
    # ... and the package's sigmoid passes it. Underflow of exp(-1000) to 0 is exact rounding
    # (NumPy ignores it by default), so it is not counted as a problem.
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(z)
        d = act.sigmoid_derivative(z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(d))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all((s >= 0) & (s <= 1))
    assert np.all(np.diff(s) >= 0)  # monotone
    np.testing.assert_allclose(s[2], np.exp(-100.0), rtol=1e-14)  # tiny values keep full precision


def test_sigmoid_symmetry_and_known_values():
    z = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(act.sigmoid(z) + act.sigmoid(-z), 1.0, rtol=0, atol=1e-15)
    # ERRATA E8: sigma(0.5) = 1 / (1 + e^-0.5) = 0.62245933...
    assert act.sigmoid(np.array([0.5]))[0] == pytest.approx(0.6224593312018546, rel=1e-15)


def test_sigmoid_derivative_max_is_quarter_at_zero():
    z = np.linspace(-10, 10, 2001)  # contains 0 exactly (index 1000)
    d = act.sigmoid_derivative(z)
    assert d[1000] == 0.25
    assert np.argmax(d) == 1000 and np.all(d <= 0.25)
    # ERRATA E33: sigma'(-0.01) is not saturated, sigma'(-10) is
    assert act.sigmoid_derivative(np.array([-0.01]))[0] == pytest.approx(0.2499937501, rel=1e-9)
    assert act.sigmoid_derivative(np.array([-10.0]))[0] == pytest.approx(4.5395807735e-05, rel=1e-9)
    # ERRATA E3: 50 layers of the best case still vanish
    assert 0.25**50 < 1e-30


def test_tanh_derivative_and_range():
    z = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    with np.errstate(all="raise"):
        t, d = act.tanh(z), act.tanh_derivative(z)
    np.testing.assert_array_equal(t[[0, 2, 4]], [-1.0, 0.0, 1.0])
    assert d[2] == 1.0 and d[0] == 0.0 and d[4] == 0.0
    # 1 - tanh(1)^2 = 4 / (e + 1/e)^2
    assert d[1] == pytest.approx(4.0 / (np.e + 1.0 / np.e) ** 2, rel=1e-14)


def test_relu_and_derivative_convention_at_zero():
    z = np.array([-2.0, -0.0, 0.0, 1e-300, 3.5])
    np.testing.assert_array_equal(act.relu(z), [0.0, 0.0, 0.0, 1e-300, 3.5])
    np.testing.assert_array_equal(act.relu_derivative(z), [0.0, 0.0, 0.0, 1.0, 1.0])


def test_leaky_relu_slope_is_fixed_alpha():
    # ERRATA E4: leaky_relu([-2, 3]) = [-0.02, 3] with gradient [0.01, 1]
    np.testing.assert_allclose(act.leaky_relu(np.array([-2.0, 3.0])), [-0.02, 3.0], rtol=1e-15)
    np.testing.assert_array_equal(act.leaky_relu_derivative(np.array([-2.0, 3.0])), [0.01, 1.0])
    z = np.array([-4.0, -1.0, 0.0, 2.0])
    np.testing.assert_allclose(act.leaky_relu(z, alpha=0.2), [-0.8, -0.2, 0.0, 2.0], rtol=1e-15)
    np.testing.assert_array_equal(act.leaky_relu_derivative(z, alpha=0.2), [0.2, 0.2, 0.2, 1.0])
    # slope on the negative side is the same everywhere: a line through the origin
    neg = -np.logspace(-3, 3, 7)
    np.testing.assert_allclose(act.leaky_relu(neg, alpha=0.3) / neg, 0.3, rtol=1e-15)


def test_linear_is_identity_and_returns_a_copy():
    z = np.arange(6.0).reshape(2, 3)
    out = act.linear(z)
    np.testing.assert_array_equal(out, z)
    out[0, 0] = 99.0
    assert z[0, 0] == 0.0
    np.testing.assert_array_equal(act.linear_derivative(z), np.ones((2, 3)))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_centred_difference(name, z):
    f, df = act.get_activation(name)
    z = z + 0.01 * np.sign(z)  # keep away from the kink of relu / leaky_relu
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(df(z), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_sums_to_one_along_any_axis(axis):
    z = np.random.default_rng(1).normal(0, 5, size=(3, 4, 5))
    s = act.softmax(z, axis=axis)
    assert s.shape == z.shape and np.all(s > 0)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=0, atol=1e-14)


def test_softmax_shift_invariant_and_known_values():
    # ERRATA E2: softmax(z) = softmax(z + 5) = [0.0900, 0.2447, 0.6652]
    z = np.array([1.0, 2.0, 3.0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(act.softmax(z), e / e.sum(), rtol=1e-15)
    np.testing.assert_allclose(act.softmax(z + 5.0), act.softmax(z), rtol=1e-14)
    np.testing.assert_allclose(act.softmax(z), [0.09003057, 0.24472847, 0.66524096], atol=1e-8)
    # relu is not shift-invariant
    assert not np.allclose(act.relu(z + 5.0), act.relu(z))
    # the Jacobian diag(s) - s s^T couples the units and has rank n - 1
    s = act.softmax(z)
    J = np.diag(s) - np.outer(s, s)
    assert np.linalg.matrix_rank(J) == 2


def test_softmax_large_logits_no_overflow():
    z = np.array([[1000.0, 999.0, -1000.0], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = act.softmax(z)
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s[0, :2], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))], rtol=1e-14)
    np.testing.assert_allclose(s[1], [1 / 3] * 3, rtol=1e-15)


def test_softmax_backward_matches_explicit_jacobian():
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(4, 5))
    dA = rng.normal(size=(4, 5))
    A = act.softmax(Z, axis=1)
    expected = np.stack([(np.diag(a) - np.outer(a, a)) @ g for a, g in zip(A, dA)])
    np.testing.assert_allclose(act.softmax_backward(dA, A, axis=1), expected, rtol=1e-12, atol=1e-15)
    # along axis 0 it is the same computation on the transpose
    np.testing.assert_allclose(act.softmax_backward(dA.T, A.T, axis=0), expected.T, rtol=1e-12, atol=1e-15)


def test_softmax_backward_shape_mismatch_message():
    with pytest.raises(ValueError, match=r"dA has shape \(2, 3\) but A has shape \(3, 2\)"):
        act.softmax_backward(np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_float32_stays_float32(name):
    f, df = act.get_activation(name)
    z = np.linspace(-3, 3, 7, dtype=np.float32)
    assert f(z).dtype == np.float32
    assert df(z).dtype == np.float32
    assert act.softmax(z.reshape(1, -1)).dtype == np.float32


def test_integer_input_becomes_float64():
    assert act.sigmoid(np.array([0, 1, 2])).dtype == np.float64
    assert act.relu([-1, 2]).dtype == np.float64


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_inputs_not_modified(name, z):
    z0 = z.copy()
    if name == "softmax":
        A = act.softmax(z)
        dA = np.ones_like(z)
        A0, dA0 = A.copy(), dA.copy()
        act.softmax_backward(dA, A)
        np.testing.assert_array_equal(A, A0)
        np.testing.assert_array_equal(dA, dA0)
    else:
        f, df = act.get_activation(name)
        f(z)
        df(z)
    np.testing.assert_array_equal(z, z0)


def test_get_activation_unknown_name_lists_choices_and_suggests_one():
    with pytest.raises(
        ValueError, match=r"unknown activation 'rellu'; choose one of \[.*'relu'.*\]; did you mean 'relu'"
    ):
        act.get_activation("rellu")
    with pytest.raises(ValueError, match="softmax_backward"):  # softmax has no element-wise derivative
        act.get_activation("softmax")


def test_none_input_is_a_clear_type_error():
    with pytest.raises(TypeError, match="z is None"):
        act.sigmoid(None)
