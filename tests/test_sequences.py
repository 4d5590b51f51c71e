"""Tests of dlfund.data.sequences: generators, windows, differencing, scaling, splitting, baselines."""

import numpy as np
import pytest

from dlfund.data import (
    difference,
    fit_scaler,
    inverse_difference,
    lagged_forecast,
    make_first_token_task,
    make_integrated_series,
    make_seasonal_series,
    sequential_split,
    sliding_windows,
)


def test_seasonal_series_components_and_seed():
    y, parts = make_seasonal_series(
        n_steps=120, period=12, level=5.0, trend=0.1, noise=0.3, seed=4, return_components=True
    )
    assert y.shape == (120,)
    np.testing.assert_allclose(y, parts["trend"] + parts["seasonal"] + parts["noise"], rtol=1e-15)
    np.testing.assert_allclose(parts["trend"][:3], [5.0, 5.1, 5.2])
    np.testing.assert_allclose(parts["seasonal"][12:], parts["seasonal"][:-12], atol=1e-12)  # period 12
    assert abs(parts["seasonal"][:12].mean()) < 1e-12
    assert 0.2 < parts["noise"].std() < 0.4
    assert np.array_equal(y, make_seasonal_series(120, 12, 5.0, 0.1, noise=0.3, seed=4))
    assert not np.array_equal(y, make_seasonal_series(120, 12, 5.0, 0.1, noise=0.3, seed=5))
    noiseless = make_seasonal_series(48, 12, noise=0.0)
    np.testing.assert_allclose(difference(noiseless, lag=12), 0.05 * 12, atol=1e-12)  # seasonal diff leaves the trend


def test_integrated_series_differences_back_to_noise():
    noise = np.random.default_rng(3).standard_normal(200)
    np.testing.assert_allclose(make_integrated_series(200, order=0, seed=3), noise)
    y2 = make_integrated_series(200, order=2, seed=3)
    np.testing.assert_allclose(difference(y2, order=2), noise[2:], atol=1e-9)


def test_first_token_task():
    X, y = make_first_token_task(n_samples=50, seq_len=7, n_classes=3, noise=0.5, seed=1)
    assert X.shape == (50, 7, 4) and y.shape == (50,)
    assert set(np.unique(y)) <= {0, 1, 2} and len(np.unique(y)) == 3
    np.testing.assert_array_equal(X[:, 0, :3].argmax(axis=1), y)
    np.testing.assert_array_equal(X[:, 0, :3].sum(axis=1), 1.0)
    assert np.all(X[:, 1:, :3] == 0)  # the token appears only at step 0
    assert 0.4 < X[:, :, 3].std() < 0.6  # the distractor channel is noise
    X2, y2 = make_first_token_task(50, 7, 3, 0.5, seed=1)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_sliding_windows_values():
    s = np.arange(10.0)
    X, Y = sliding_windows(s, window=3, horizon=2)
    assert X.shape == (6, 3, 1) and Y.shape == (6, 2)
    np.testing.assert_array_equal(X[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(Y[0], [3, 4])
    np.testing.assert_array_equal(X[-1, :, 0], [5, 6, 7])
    np.testing.assert_array_equal(Y[-1], [8, 9])
    m = np.column_stack([s, 10 * s])
    Xm, Ym = sliding_windows(m, window=4)
    assert Xm.shape == (6, 4, 2) and Ym.shape == (6, 1, 2)
    np.testing.assert_array_equal(Ym[2, 0], [6, 60])
    with pytest.raises(ValueError, match="too short for window=9 and horizon=2"):
        sliding_windows(s, 9, 2)
    with pytest.raises(ValueError, match="window must be an integer >= 1"):
        sliding_windows(s, 0)


def test_difference_known_values():
    np.testing.assert_array_equal(difference([1.0, 4.0, 9.0, 16.0]), [3, 5, 7])
    np.testing.assert_array_equal(difference([1.0, 4.0, 9.0, 16.0], order=2), [2, 2])
    np.testing.assert_array_equal(difference([1.0, 2.0, 5.0, 7.0, 9.0], lag=2), [4, 5, 4])
    with pytest.raises(ValueError, match="too short"):
        difference([1.0, 2.0], lag=2)


@pytest.mark.parametrize("lag,order", [(1, 1), (1, 2), (12, 1), (3, 2), (2, 3)])
def test_inverse_difference_round_trip(lag, order):
    y = make_seasonal_series(100, seed=lag + order)
    d = difference(y, lag=lag, order=order)
    assert d.shape == (100 - lag * order,)
    back = inverse_difference(d, y[: lag * order], lag=lag, order=order)
    np.testing.assert_allclose(back, y, rtol=1e-12, atol=1e-12)
    ints = np.random.default_rng(0).integers(-50, 50, (40, 2)).astype(float)  # exact on integers, 2-D too
    assert np.array_equal(inverse_difference(difference(ints, lag, order), ints[: lag * order], lag, order), ints)


def test_inverse_difference_turns_forecast_differences_into_levels():
    np.testing.assert_array_equal(inverse_difference([1.0, -2.0], [10.0]), [10.0, 11.0, 9.0])
    with pytest.raises(ValueError, match="head must hold the first order \\* lag = 2 values"):
        inverse_difference([1.0], [1.0], order=2)


def test_scaler_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train, test = rng.normal(5, 2, 200), rng.normal(50, 9, 50)
    sc = fit_scaler(train)
    z = sc.transform(train)
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1) < 1e-12
    assert sc.transform(test).mean() > 10  # the test part is not re-centred
    np.testing.assert_allclose(sc.inverse_transform(sc.transform(test)), test, rtol=1e-14)
    m = fit_scaler(np.column_stack([train, np.ones(200)]))
    np.testing.assert_array_equal(m.std[1], 1.0)  # constant column: std 1, no division by zero


def test_sequential_split_keeps_order():
    a = np.arange(100)
    tr, va, te = sequential_split(a, train=0.6, val=0.2)
    assert (len(tr), len(va), len(te)) == (60, 20, 20)
    np.testing.assert_array_equal(np.concatenate([tr, va, te]), a)
    assert tr.max() < va.min() and va.max() < te.min()
    tr[0] = -1
    assert a[0] == 0  # copies, not views
    X = np.arange(30).reshape(10, 3)
    assert [p.shape for p in sequential_split(X, 0.5, 0.2)] == [(5, 3), (2, 3), (3, 3)]
    with pytest.raises(ValueError, match="train \\+ val must be < 1"):
        sequential_split(a, 0.8, 0.2)
    with pytest.raises(ValueError, match="too few"):
        sequential_split(np.arange(3), 0.7, 0.29)


def test_lagged_forecast():
    s = np.arange(20.0)
    np.testing.assert_array_equal(lagged_forecast(s, start=15), [14, 15, 16, 17, 18])
    np.testing.assert_array_equal(lagged_forecast(s, start=15, lag=12), [3, 4, 5, 6, 7])
    with pytest.raises(ValueError, match="start must be an integer >= 12"):
        lagged_forecast(s, start=5, lag=12)
