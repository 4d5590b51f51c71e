"""Tests for dlfund.data: the synthetic house prices and the digits helper."""

import numpy as np
import pytest

from dlfund.data import FEATURE_NAMES, house_price_truth, load_digits_split, make_house_prices, standardize

# ---------------------------------------------------------------- house prices


def test_shapes_columns_and_ranges():
    X, y = make_house_prices(500, seed=0)
    assert X.shape == (500, 5) and y.shape == (500,) and X.dtype == np.float64
    assert FEATURE_NAMES == ("area_m2", "bedrooms", "age_years", "distance_to_ocean_km", "has_pool")
    area, bedrooms, age, dist, pool = X.T
    assert area.min() >= 40 and area.max() <= 260
    assert set(np.unique(bedrooms)) <= set(range(1, 8)) and np.all(bedrooms == np.round(bedrooms))
    assert age.min() >= 0 and age.max() <= 100
    assert dist.min() >= 0
    assert set(np.unique(pool)) == {0.0, 1.0}
    assert np.corrcoef(area, bedrooms)[0, 1] > 0.5  # bigger houses have more bedrooms


def test_seeded_and_reproducible():
    X1, y1 = make_house_prices(200, seed=7)
    X2, y2 = make_house_prices(200, seed=np.random.default_rng(7))
    X3, y3 = make_house_prices(200, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_noise_free_targets_equal_the_truth_and_noise_has_the_requested_std():
    X, y = make_house_prices(3000, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, house_price_truth(X))
    Xn, yn = make_house_prices(3000, noise=20.0, seed=1)
    np.testing.assert_array_equal(X, Xn)  # the noise is drawn after the features
    resid = yn - house_price_truth(Xn)
    assert abs(resid.std() - 20.0) < 6 * 20.0 / np.sqrt(2 * 3000)
    assert abs(resid.mean()) < 6 * 20.0 / np.sqrt(3000)


def test_classification_variant_is_above_median_and_balanced():
    X, y = make_house_prices(1000, seed=3)
    Xc, yc = make_house_prices(1000, seed=3, classification=True)
    np.testing.assert_array_equal(X, Xc)
    assert yc.dtype.kind == "i" and set(np.unique(yc)) == {0, 1}
    assert yc.sum() == 500  # exactly half above the median of 1000 distinct prices
    np.testing.assert_array_equal(yc, (y > np.median(y)).astype(int))


def test_truth_is_non_linear():
    """A least-squares plane fitted to the noise-free truth leaves structured residuals."""
    X, _ = make_house_prices(4000, noise=0.0, seed=1)
    t = house_price_truth(X)
    A = np.column_stack([np.ones(len(X)), X])
    coef, *_ = np.linalg.lstsq(A, t, rcond=None)
    resid = t - A @ coef
    r2 = 1.0 - resid.var() / t.var()
    assert r2 < 0.93  # far from the R^2 = 1 a linear truth would give
    # the residuals follow the non-linear terms of the truth
    age, dist = X[:, 2], X[:, 3]
    assert np.corrcoef(resid, (age - 45.0) ** 2)[0, 1] > 0.4
    assert np.corrcoef(resid, X[:, 0] * np.exp(-dist / 6.0))[0, 1] > 0.3


def test_truth_has_the_documented_effects():
    base = np.array([120.0, 3.0, 45.0, 5.0, 0.0])

    def price(**change):
        x = base.copy()
        for name, v in change.items():
            x[FEATURE_NAMES.index(name)] = v
        return house_price_truth(x[None, :])[0]

    # U-shaped age effect
    assert price(age_years=0) > price(age_years=45) < price(age_years=100)
    # closer to the ocean is worth more, with a saturating premium
    assert price(distance_to_ocean_km=0) > price(distance_to_ocean_km=5) > price(distance_to_ocean_km=50)
    assert price(distance_to_ocean_km=80) - price(distance_to_ocean_km=100) < 0.01
    # a pool adds more near the coast
    near = price(distance_to_ocean_km=0, has_pool=1) - price(distance_to_ocean_km=0)
    far = price(distance_to_ocean_km=60, has_pool=1) - price(distance_to_ocean_km=60)
    assert near == pytest.approx(60.0, rel=1e-12) and far == pytest.approx(15.0, abs=0.01)


def test_truth_does_not_modify_input():
    X, _ = make_house_prices(50, seed=0)
    X0 = X.copy()
    house_price_truth(X)
    np.testing.assert_array_equal(X, X0)


def test_house_errors():
    with pytest.raises(ValueError, match=r"X must have 5 columns .*got shape \(4, 3\)"):
        house_price_truth(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"X must be a 2-D array, got shape \(5,\)"):
        house_price_truth(np.zeros(5))
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2, got 1"):
        make_house_prices(1)
    with pytest.raises(ValueError, match="noise must be >= 0, got -1"):
        make_house_prices(10, noise=-1)


# ---------------------------------------------------------------- standardize


def test_standardize_uses_train_statistics_only():
    train = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 5.0]])  # mean (2, 20, 5), std (1, 10, 0)
    test = np.array([[2.0, 40.0, 7.0]])
    train0, test0 = train.copy(), test.copy()
    tr, te, (mean, std) = standardize(train, test)
    np.testing.assert_array_equal(tr, [[-1.0, -1.0, 0.0], [1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(te, [[0.0, 2.0, 2.0]])  # the constant column is centred only
    np.testing.assert_array_equal(mean, [2.0, 20.0, 5.0])
    np.testing.assert_array_equal(std, [1.0, 10.0, 1.0])
    np.testing.assert_array_equal(train, train0)
    np.testing.assert_array_equal(test, test0)


def test_standardize_keeps_float32_and_checks_columns():
    tr, _ = standardize(np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32))
    assert tr.dtype == np.float32
    with pytest.raises(ValueError, match=r"others\[1\] has shape \(4, 2\) but train has shape \(10, 3\)"):
        standardize(np.zeros((10, 3)), np.zeros((4, 3)), np.zeros((4, 2)))


# ---------------------------------------------------------------- digits


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(test_size=0.25, seed=0, standardize=False), load_digits_split(test_size=0.25, seed=0)


def test_digits_shapes_and_stratification(digits):
    (Xtr, Xte, ytr, yte), _ = digits
    assert Xtr.shape[1] == Xte.shape[1] == 64
    assert len(ytr) + len(yte) == 1797 and len(yte) == 450
    assert Xtr.dtype == np.float64 and ytr.dtype == np.int64
    assert Xtr.min() == 0.0 and Xtr.max() == 16.0  # raw pixel intensities
    counts = np.bincount(np.concatenate([ytr, yte]), minlength=10)
    expected = counts * 450 / 1797
    assert np.all(np.abs(np.bincount(yte, minlength=10) - expected) <= 1.0)


def test_digits_standardised_with_train_statistics_only(digits):
    (Xtr, Xte, ytr, yte), (Str, Ste, sytr, syte) = digits
    np.testing.assert_array_equal(ytr, sytr)
    np.testing.assert_array_equal(yte, syte)
    mean, std = Xtr.mean(axis=0), Xtr.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    np.testing.assert_allclose(Str, (Xtr - mean) / std, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(Ste, (Xte - mean) / std, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(Str.mean(axis=0), 0.0, atol=1e-12)
    assert np.abs(Ste.mean(axis=0)).max() > 0.01  # the test part is not re-centred on itself


def test_digits_seeds(digits):
    (Xtr, _, _, _), _ = digits
    Xtr_other = load_digits_split(seed=1, standardize=False)[0]
    assert not np.array_equal(Xtr, Xtr_other)
    with pytest.raises(ValueError, match=r"test_size must be a fraction in \(0, 1\), got 450"):
        load_digits_split(test_size=450)


def test_digits_softmax_mlp_learns(digits):
    from dlfund import GD, MLP

    _, (Xtr, Xte, ytr, yte) = digits
    model = MLP([64, 32, 10], output="softmax", rng=0)
    hist = model.fit(Xtr, ytr, epochs=15, batch_size=64, optimizer=GD(0.2), rng=0, progress=False)
    assert hist["loss"][-1] < 0.2 * hist["loss"][0]
    assert np.mean(model.predict(Xte) == yte) > 0.93
