"""Unit tests for dlfund.network.MLP: shapes, semantics, training, errors."""

import numpy as np
import pytest

from dlfund import GD, MLP, update_parameters_with_gd
from dlfund.activations import softmax, tanh
from dlfund.data import make_house_prices, standardize


def _data(m=9, n=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n)), rng


# ---------------------------------------------------------------- forward and predict


@pytest.mark.parametrize("output, k", [("linear", 1), ("linear", 3), ("sigmoid", 1), ("sigmoid", 2), ("softmax", 4)])
def test_forward_shapes_and_output_ranges(output, k):
    X, _ = _data()
    model = MLP([4, 6, 5, k], output=output, rng=0)
    y_hat, caches = model.forward(X)
    assert y_hat.shape == (9, k) and len(caches) == 3
    if output == "sigmoid":
        assert np.all((y_hat > 0) & (y_hat < 1))
    if output == "softmax":
        np.testing.assert_allclose(y_hat.sum(axis=1), 1.0, atol=1e-14)


def test_forward_matches_hand_written_composition():
    X, _ = _data()
    model = MLP([4, 6, 5, 3], hidden_activation=["tanh", "leaky_relu"], output="softmax", rng=1, alpha=0.2)
    rng = np.random.default_rng(2)
    for k in model.params:  # non-zero biases so a bias bug would show
        model.params[k] = model.params[k] + rng.normal(0, 0.3, size=model.params[k].shape)
    p = model.params
    A1 = tanh(X @ p["W1"] + p["b1"])
    Z2 = A1 @ p["W2"] + p["b2"]
    A2 = np.where(Z2 > 0, Z2, 0.2 * Z2)
    expected = softmax(A2 @ p["W3"] + p["b3"], axis=1)
    np.testing.assert_allclose(model.forward(X)[0], expected, rtol=1e-14)
    assert model.activations == ["tanh", "leaky_relu", "softmax"]
    assert "83 parameters" in repr(model)  # 4*6+6 + 6*5+5 + 5*3+3


def test_predict_semantics():
    X, _ = _data(m=12)
    reg1 = MLP([4, 5, 1], rng=0)
    assert reg1.predict(X).shape == (12,)
    np.testing.assert_array_equal(reg1.predict(X), reg1.forward(X)[0][:, 0])
    reg3 = MLP([4, 5, 3], rng=0)
    assert reg3.predict(X).shape == (12, 3)

    binary = MLP([4, 5, 1], output="sigmoid", rng=3)
    proba = binary.predict_proba(X)
    labels = binary.predict(X)
    assert labels.shape == (12,) and set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal(labels, (proba[:, 0] > 0.5).astype(int))

    multi = MLP([4, 5, 4], output="softmax", rng=4)
    np.testing.assert_array_equal(multi.predict(X), multi.predict_proba(X).argmax(axis=1))


# ---------------------------------------------------------------- backward


def test_backward_keys_shapes_and_batch_mean():
    """Batch gradient = mean of per-example gradients (losses average over m; ERRATA E10)."""
    X, rng = _data(m=6)
    y = rng.normal(size=6)
    model = MLP([4, 3, 2, 1], hidden_activation="tanh", rng=5)
    _, grads = model.loss_and_grads(X, y)
    assert list(grads) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    assert all(grads["d" + k].shape == v.shape for k, v in model.params.items())
    per_example = [model.loss_and_grads(X[i : i + 1], y[i : i + 1])[1] for i in range(6)]
    for key in grads:
        np.testing.assert_allclose(grads[key], np.mean([g[key] for g in per_example], axis=0), rtol=1e-12, atol=1e-15)


def test_fused_output_gradient_is_prediction_minus_target():
    """sigmoid + BCE and softmax + CE: dL/dZ_out = (A - Y) / m (ERRATA E7); seen through db of the last layer."""
    X, rng = _data(m=5)
    y = rng.integers(0, 2, size=5)
    model = MLP([4, 3, 1], output="sigmoid", rng=6)
    y_hat, caches = model.forward(X)
    db2 = model.backward(y_hat, y, caches)["db2"]
    np.testing.assert_allclose(db2, [np.sum(y_hat[:, 0] - y) / 5], rtol=1e-14)
    labels = rng.integers(0, 3, size=5)
    model = MLP([4, 3, 3], output="softmax", rng=7)
    y_hat, caches = model.forward(X)
    np.testing.assert_allclose(
        model.backward(y_hat, labels, caches)["db2"],
        (y_hat - np.eye(3)[labels]).sum(axis=0) / 5,
        rtol=1e-13,
        atol=1e-16,
    )


def test_softmax_head_loss_is_cross_entropy_of_its_probabilities():
    """Regression test: the loss of a softmax head must not apply softmax a second time."""
    X, rng = _data(m=6)
    labels = rng.integers(0, 3, size=6)
    model = MLP([4, 5, 3], output="softmax", rng=8)
    loss, _ = model.loss_and_grads(X, labels)
    p = model.predict_proba(X)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(6), labels])), rel=1e-13)
    assert model.loss_name == "ce"
    onehot_loss, _ = model.loss_and_grads(X, np.eye(3)[labels])
    assert onehot_loss == pytest.approx(loss, rel=1e-15)


def test_loss_and_grads_with_other_params_restores_the_model():
    X, rng = _data()
    y = rng.normal(size=9)
    model = MLP([4, 3, 1], rng=9)
    saved = {k: v.copy() for k, v in model.params.items()}
    other = {k: v + 1.0 for k, v in model.params.items()}
    loss_other, _ = model.loss_and_grads(X, y, params=other)
    loss_own, _ = model.loss_and_grads(X, y)
    assert loss_other != loss_own
    for k in saved:
        np.testing.assert_array_equal(model.params[k], saved[k])


# ---------------------------------------------------------------- fit


@pytest.fixture(scope="module")
def house_split():
    X, y = make_house_prices(1200, seed=0)
    Xtr, Xte, _ = standardize(X[:900], X[900:])
    return Xtr, Xte, y[:900], y[900:]


def _r2(y, pred):
    return 1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)


def test_fit_reduces_loss_and_beats_linear_regression(house_split):
    from sklearn.linear_model import LinearRegression

    Xtr, Xte, ytr, yte = house_split
    mu, sd = ytr.mean(), ytr.std()
    model = MLP([5, 32, 32, 1], rng=0)
    hist = model.fit(
        Xtr,
        (ytr - mu) / sd,
        epochs=60,
        batch_size=32,
        optimizer=GD(0.05),
        rng=0,
        progress=False,
        validation_data=(Xte, (yte - mu) / sd),
    )
    assert len(hist["loss"]) == 60 and len(hist["val_loss"]) == 60
    assert hist["loss"][-1] < 0.1 * hist["loss"][0]
    r2_net = _r2(yte, model.predict(Xte) * sd + mu)
    r2_lin = _r2(yte, LinearRegression().fit(Xtr, ytr).predict(Xte))
    assert r2_lin < 0.92  # the truth is non-linear ...
    assert r2_net > r2_lin + 0.05, (r2_net, r2_lin)  # ... and the network captures it


def test_fit_binary_house_classification():
    X, y = make_house_prices(800, seed=1, classification=True)
    Xtr, Xte, _ = standardize(X[:600], X[600:])
    model = MLP([5, 16, 1], output="sigmoid", rng=0)
    hist = model.fit(Xtr, y[:600], epochs=40, batch_size=32, optimizer=GD(0.5), rng=0, progress=False)
    assert hist["loss"][-1] < 0.5 * hist["loss"][0]
    assert np.mean(model.predict(Xte) == y[600:]) > 0.9


def test_function_optimizer_gives_the_same_run_as_gd_object():
    X, rng = _data(m=40)
    y = rng.normal(size=40)
    a = MLP([4, 6, 1], rng=1)
    b = MLP([4, 6, 1], rng=1)
    ha = a.fit(X, y, epochs=5, batch_size=8, optimizer=GD(0.1), rng=2, progress=False)
    hb = b.fit(X, y, epochs=5, batch_size=8, optimizer=update_parameters_with_gd, lr=0.1, rng=2, progress=False)
    np.testing.assert_allclose(ha["loss"], hb["loss"], rtol=1e-14)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-14)
    assert hb["loss"][-1] < hb["loss"][0]


def test_full_batch_history_starts_at_the_initial_loss():
    X, rng = _data(m=20)
    y = rng.normal(size=20)
    model = MLP([4, 5, 1], rng=3)
    initial = model.compute_loss(model.forward(X)[0], y)
    hist = model.fit(X, y, epochs=3, optimizer=GD(0.01), progress=False)
    assert hist["loss"][0] == pytest.approx(initial, rel=1e-14)
    assert len(hist["loss"]) == 3 and hist["val_loss"] == []


def test_fit_stops_on_divergence():
    X, rng = _data(m=20)
    y = 1e3 * rng.normal(size=20)
    model = MLP([4, 5, 1], rng=3)
    with np.errstate(all="ignore"):
        hist = model.fit(X, y, epochs=200, optimizer=GD(10.0), progress=False)
    assert len(hist["loss"]) < 200 and np.isnan(hist["loss"][-1])


def test_fit_does_not_modify_data_and_progress_switch(capsys):
    X, rng = _data(m=20)
    y = rng.normal(size=20)
    X0, y0 = X.copy(), y.copy()
    MLP([4, 3, 1], rng=0).fit(X, y, epochs=2, batch_size=5, rng=0, progress=False)
    assert capsys.readouterr().err == ""
    MLP([4, 3, 1], rng=0).fit(X, y, epochs=2, batch_size=5, rng=0, progress=True)
    assert "epochs" in capsys.readouterr().err  # the tqdm bar
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_float32_model_stays_float32():
    X, rng = _data()
    model = MLP([4, 5, 2], rng=0, dtype=np.float32)
    X32 = X.astype(np.float32)
    y_hat, caches = model.forward(X32)
    assert y_hat.dtype == np.float32
    grads = model.backward(y_hat, rng.normal(size=(9, 2)).astype(np.float32), caches)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_seeded_models_are_reproducible():
    a, b, c = MLP([3, 4, 1], rng=5), MLP([3, 4, 1], rng=5), MLP([3, 4, 1], rng=6)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


# ---------------------------------------------------------------- errors


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"layer_sizes must list >= 2 positive sizes, got \[5\]"):
        MLP([5])
    with pytest.raises(ValueError, match=r"layer_sizes must list >= 2 positive sizes, got \[5, 0, 1\]"):
        MLP([5, 0, 1])
    with pytest.raises(ValueError, match=r"layer_sizes must hold whole numbers of units, got \[5, 2.5, 1\]"):
        MLP([5, 2.5, 1])
    with pytest.raises(ValueError, match="got 1 hidden activations for 2 hidden layers"):
        MLP([5, 4, 3, 1], hidden_activation=["relu"])
    with pytest.raises(ValueError, match="unknown activation 'rellu'"):
        MLP([5, 4, 1], hidden_activation="rellu")
    with pytest.raises(ValueError, match=r"output must be one of \['linear', 'sigmoid', 'softmax'\], got 'relu'"):
        MLP([5, 4, 1], output="relu")
    with pytest.raises(ValueError, match="unknown loss 'l2'"):
        MLP([5, 4, 1], loss="l2")
    with pytest.raises(
        ValueError, match="loss 'softmax_ce' takes logits but output='softmax' already applies softmax; use loss='ce'"
    ):
        MLP([5, 4, 3], output="softmax", loss="softmax_ce")
    with pytest.raises(ValueError, match="loss 'bce_logits' takes logits but output='sigmoid'.*use loss='bce'"):
        MLP([5, 4, 1], output="sigmoid", loss="bce_logits")


def test_data_shape_errors():
    X, rng = _data()
    model = MLP([4, 3, 1], rng=0)
    with pytest.raises(ValueError, match=r"X has shape \(9, 3\) \(3 features\) but the network expects 4 features"):
        model.forward(X[:, :3])
    y_hat, caches = model.forward(X)
    with pytest.raises(ValueError, match=r"Y has shape \(8, 1\) but the network outputs shape \(9, 1\)"):
        model.backward(y_hat, np.zeros(8), caches)
    with pytest.raises(ValueError, match=r"X has 9 rows but Y has 8"):
        model.fit(X, np.zeros(8), epochs=1, progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        model.fit(X, np.zeros(9), epochs=0, progress=False)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        model.fit(X, np.zeros(9), epochs=1, batch_size=0, progress=False)
    with pytest.raises(TypeError, match="optimizer must have a step"):
        model.fit(X, np.zeros(9), epochs=1, optimizer="sgd", progress=False)
    # ERRATA E5: a sigmoid head cannot be trained on prices
    clf = MLP([4, 3, 1], output="sigmoid", rng=0)
    with pytest.raises(ValueError, match=r"targets y in \[0, 1\]"):
        clf.loss_and_grads(X, 300.0 + rng.normal(size=9))
    softmax_model = MLP([4, 3, 3], output="softmax", rng=0)
    with pytest.raises(ValueError, match=r"y has 8 labels but p has 9 rows"):
        softmax_model.loss_and_grads(X, np.zeros(8, dtype=int))


def test_params_dict_errors():
    X, rng = _data()
    model = MLP([4, 3, 1], rng=0)
    bad = {k: v for k, v in model.params.items() if k != "b2"}
    with pytest.raises(ValueError, match=r"params does not match parameters: missing params keys \['b2'\]"):
        model.loss_and_grads(X, np.zeros(9), params=bad)
    bad = dict(model.params, W1=model.params["W1"].T)
    with pytest.raises(
        ValueError, match=r"params\['W1'\] has shape \(3, 4\) but parameters\['W1'\] has shape \(4, 3\)"
    ):
        model.loss_and_grads(X, np.zeros(9), params=bad)
