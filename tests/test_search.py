"""Random hyperparameter search: a tidy, sorted, seeded table of trials."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score
from sklearn.model_selection import ParameterSampler, train_test_split
from scipy.stats import loguniform

from dlfund.data import make_house_prices, standardize
from dlfund.network import MLP
from dlfund.optim import Adam, SGD
from dlfund.search import random_search

COLUMNS = ["width", "depth", "lr", "n_params", "train_loss", "val_loss", "val_score", "fit_seconds", "trial"]


@pytest.fixture(scope="module")
def house():
    X, y = make_house_prices(n_samples=300, seed=0)
    X, _ = standardize(X)
    return X, (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def table(house):
    return random_search(*house, n_iter=6, epochs=15, seed=0)


def test_table_is_tidy_and_sorted(table):
    assert isinstance(table, pd.DataFrame) and list(table.columns) == COLUMNS
    assert len(table) == 6 and sorted(table["trial"]) == list(range(6))
    assert table["val_score"].is_monotonic_decreasing
    assert table.attrs["score"] == "r2"
    assert table["width"].isin([8, 16, 32, 64]).all() and table["depth"].isin([1, 2, 3]).all()
    assert ((table["lr"] >= 1e-4) & (table["lr"] <= 1e-1)).all()
    # parameter count of [5] + [w]*d + [1]
    for _, row in table.iterrows():
        sizes = [5] + [int(row.width)] * int(row.depth) + [1]
        assert row.n_params == sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    assert (table["val_score"] <= 1).all() and table["val_score"].iloc[0] > 0.5


def test_uses_sklearn_sampler_and_split(house, table):
    """The trials are ParameterSampler's draws, the score is R^2 on train_test_split's held-out part."""
    X, y = house
    draws = list(
        ParameterSampler(
            {"width": [8, 16, 32, 64], "depth": [1, 2, 3], "lr": loguniform(1e-4, 1e-1)}, n_iter=6, random_state=0
        )
    )
    by_trial = table.set_index("trial")
    for i, hp in enumerate(draws):
        assert by_trial.loc[i, "width"] == hp["width"] and by_trial.loc[i, "lr"] == pytest.approx(hp["lr"])
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    best = table.iloc[0]
    model = MLP([5] + [int(best.width)] * int(best.depth) + [1], rng=int(best.trial))
    model.fit(X_tr, y_tr, epochs=15, batch_size=32, optimizer=Adam(best.lr), rng=int(best.trial), progress=False)
    assert r2_score(y_val, model.predict(X_val)) == pytest.approx(best.val_score, rel=1e-12)


def test_seeded(house, table):
    again = random_search(*house, n_iter=6, epochs=15, seed=0)
    pd.testing.assert_frame_equal(table.drop(columns="fit_seconds"), again.drop(columns="fit_seconds"))
    other = random_search(*house, n_iter=6, epochs=15, seed=1)
    assert not np.allclose(np.sort(other["lr"]), np.sort(table["lr"]))


def test_classification_and_custom_space():
    X, y = make_house_prices(n_samples=300, seed=2, classification=True)
    X, _ = standardize(X)
    t = random_search(
        X,
        y,
        n_iter=3,
        epochs=10,
        output="sigmoid",
        optimizer=SGD,
        space={"width": [4, 8], "depth": [1], "lr": ("loguniform", 0.01, 0.5)},
        seed=3,
    )
    assert t.attrs["score"] == "accuracy" and ((t["val_score"] >= 0) & (t["val_score"] <= 1)).all()
    assert set(t["width"]) <= {4, 8} and (t["depth"] == 1).all()
    assert ((t["lr"] >= 0.01) & (t["lr"] <= 0.5)).all()


def test_diverging_trial_scores_worst(house):
    t = random_search(
        *house, n_iter=2, epochs=5, optimizer=SGD, space={"width": [16], "depth": [2], "lr": [1e-2, 50.0]}, seed=0
    )
    assert t.iloc[-1]["lr"] == 50.0 and t.iloc[-1]["val_score"] == -np.inf


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"output": "tanh"}, "output must be one of"),
        ({"n_iter": 0}, "n_iter must be a positive integer"),
        ({"space": {"width": [8], "lr": [0.1]}}, "missing \\['depth'\\]"),
        ({"space": {"width": [8], "depth": [1], "lr": ("loguniform", 0.1, 0.01)}}, "0 < low < high"),
    ],
)
def test_bad_input(house, kwargs, match):
    with pytest.raises(ValueError, match=match):
        random_search(*house, **kwargs)


def test_row_mismatch(house):
    X, y = house
    with pytest.raises(ValueError, match="rows"):
        random_search(X, y[:-2])
