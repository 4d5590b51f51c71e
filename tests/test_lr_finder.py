"""Learning-rate range test: exponential sweep, bias-corrected smoothing, divergence, no side effects."""

import numpy as np
import pytest

from dlfund.data import make_house_prices, standardize
from dlfund.lr_finder import LRRangeResult, lr_range_test
from dlfund.network import MLP
from dlfund.optim import GD, SGD, Adam


@pytest.fixture(scope="module")
def house():
    X, y = make_house_prices(n_samples=400, seed=0)
    X, _ = standardize(X)
    return X, (y - y.mean()) / y.std()


def test_model_passed_in_is_not_modified(house):
    X, y = house
    model = MLP([5, 16, 1], rng=0)
    arrays = dict(model.params)
    before = {k: v.copy() for k, v in model.params.items()}
    opt = SGD(1e-6, momentum=0.9)
    lr_range_test(model, X, y, optimizer=opt, n_steps=60, rng=0)
    assert model.params.keys() == before.keys()
    for k in before:
        assert model.params[k] is arrays[k]
        np.testing.assert_array_equal(model.params[k], before[k])
    assert opt.lr == 1e-6 and opt.t == 0 and opt.state == {}


def test_sweep_is_exponential_and_smoothing_bias_corrected(house):
    X, y = house
    r = lr_range_test(MLP([5, 16, 1], rng=0), X, y, min_lr=1e-5, max_lr=1e-1, n_steps=50, smoothing=0.8, rng=0)
    assert isinstance(r, LRRangeResult)
    assert len(r.rates) == len(r.losses) == len(r.smoothed) == 50  # lr 0.1 with GD does not diverge here
    assert np.isnan(r.divergence_lr)
    assert r.rates[0] == pytest.approx(1e-5) and r.rates[-1] == pytest.approx(1e-1)
    np.testing.assert_allclose(np.diff(np.log(r.rates)), np.log(1e4) / 49, rtol=1e-10)  # constant ratio
    # s_i = EMA / (1 - beta^i): the first smoothed value is the first loss, then a weighted mean
    assert r.smoothed[0] == pytest.approx(r.losses[0], rel=1e-12)
    assert r.smoothed[1] == pytest.approx((0.8 * 0.2 * r.losses[0] + 0.2 * r.losses[1]) / (1 - 0.8**2), rel=1e-12)
    assert r.losses[-1] < 0.5 * r.losses[0]  # the loss did fall


def test_divergence_found_and_suggestion_well_below_it(house):
    X, y = house
    for suggestion in ("min/10", "steepest"):
        r = lr_range_test(
            MLP([5, 16, 16, 1], rng=1), X, y, optimizer=GD(1e-6), n_steps=100, rng=1, suggestion=suggestion
        )
        assert np.isfinite(r.divergence_lr) and r.divergence_lr < 10
        assert len(r.rates) < 100 and r.rates[-1] == r.divergence_lr  # stopped early
        assert r.smoothed[-1] > 4 * np.min(r.smoothed[:-1]) or not np.isfinite(r.smoothed[-1])
        assert r.suggested_lr < r.divergence_lr / 5
        assert r.min_loss_lr == r.rates[np.nanargmin(r.smoothed)]
        assert r.suggestion == suggestion
    assert lr_range_test(MLP([5, 16, 16, 1], rng=1), X, y, n_steps=100, rng=1).suggested_lr == pytest.approx(
        r.min_loss_lr / 10
    )


def test_suggested_rate_trains(house):
    X, y = house
    r = lr_range_test(MLP([5, 16, 1], rng=0), X, y, optimizer=Adam(1e-6), n_steps=100, rng=0)
    model = MLP([5, 16, 1], rng=0)
    history = model.fit(X, y, epochs=20, batch_size=32, optimizer=Adam(r.suggested_lr), rng=0, progress=False)
    assert history["loss"][-1] < 0.3 * history["loss"][0]


def test_seeded(house):
    X, y = house
    a = lr_range_test(MLP([5, 8, 1], rng=0), X, y, n_steps=40, rng=3)
    b = lr_range_test(MLP([5, 8, 1], rng=0), X, y, n_steps=40, rng=3)
    np.testing.assert_array_equal(a.losses, b.losses)


def test_plot(house):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    X, y = house
    r = lr_range_test(MLP([5, 16, 1], rng=0), X, y, n_steps=80, rng=0)
    ax = r.plot()
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"
    assert any("suggested" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"min_lr": 1.0, "max_lr": 0.1}, ValueError, "min_lr must be smaller than max_lr"),
        ({"min_lr": 0.0}, ValueError, "min_lr must be > 0"),
        ({"n_steps": 2}, ValueError, "n_steps must be an integer >= 3"),
        ({"smoothing": 1.0}, ValueError, "smoothing must be in"),
        ({"diverge_factor": 1.0}, ValueError, "diverge_factor must be > 1"),
        ({"suggestion": "half"}, ValueError, "suggestion must be one of"),
        ({"optimizer": lambda p, g, lr: p}, TypeError, "lr attribute"),
    ],
)
def test_bad_input(house, kwargs, error, match):
    X, y = house
    with pytest.raises(error, match=match):
        lr_range_test(MLP([5, 4, 1], rng=0), X, y, **kwargs)


def test_row_mismatch(house):
    X, y = house
    with pytest.raises(ValueError, match="rows"):
        lr_range_test(MLP([5, 4, 1], rng=0), X, y[:-1])
