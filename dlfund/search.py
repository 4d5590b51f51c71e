"""Random hyperparameter search for an MLP: width, depth and learning rate, scored on a
validation split that the training never sees.

    table = random_search(X, y, n_iter=12, seed=0)      # a pandas DataFrame, best first

Sampling and splitting are scikit-learn's (`ParameterSampler`, `train_test_split`); the
learning rate is drawn log-uniformly, because a rate's effect depends on its order of
magnitude. Tools such as Ray Tune or Optuna run the same loop in parallel, with smarter
samplers and early stopping of poor trials.
"""

import time

import numpy as np

from ._validate import as_array
from .network import MLP
from .optim import Adam

DEFAULT_SPACE = {"width": [8, 16, 32, 64], "depth": [1, 2, 3], "lr": ("loguniform", 1e-4, 1e-1)}
_SCORES = {"linear": "r2", "sigmoid": "accuracy", "softmax": "accuracy"}


def _sampler_space(space):
    """Turn ("loguniform", low, high) entries into scipy distributions for ParameterSampler."""
    from scipy.stats import loguniform

    out = {}
    for name, spec in space.items():
        if isinstance(spec, tuple) and len(spec) == 3 and spec[0] == "loguniform":
            low, high = float(spec[1]), float(spec[2])
            if not 0 < low < high:
                raise ValueError(f"{name}: loguniform needs 0 < low < high, got {spec!r}")
            out[name] = loguniform(low, high)
        else:
            out[name] = spec
    return out


def random_search(
    X, y, n_iter=10, space=None, output="linear", val_size=0.25, epochs=50, batch_size=32, optimizer=Adam, seed=0
):
    """Train `n_iter` MLPs with hyperparameters drawn from `space` and score each on a held-out split.

    X: (m, n_features), already scaled; y: (m,) targets (regression: scale them too) or labels.
    space: {"width": list, "depth": list, "lr": ("loguniform", low, high)} (the default); any
        entry may be a list, a scipy distribution or a ("loguniform", low, high) tuple.
    output: the MLP head, "linear" (score: R^2), "sigmoid" or "softmax" (score: accuracy).
    optimizer: a class called as optimizer(lr=...), Adam by default.
    Returns a DataFrame with one row per trial, sorted by validation score (best first):
    width, depth, lr, n_params, train_loss, val_loss, val_score, fit_seconds, trial;
    `table.attrs["score"]` says what val_score is ("r2" or "accuracy"). A trial that
    diverged scores -inf (R^2) or 0 (accuracy).
    """
    import pandas as pd
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import ParameterSampler, train_test_split

    X = as_array(X, "X", ndim=2)
    y = np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    if output not in _SCORES:
        raise ValueError(f"output must be one of {sorted(_SCORES)}, got {output!r}")
    if not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise ValueError(f"n_iter must be a positive integer, got {n_iter!r}")
    space = dict(DEFAULT_SPACE if space is None else space)
    missing = {"width", "depth", "lr"} - set(space)
    if missing:
        raise ValueError(f"space must give width, depth and lr; missing {sorted(missing)}")

    stratify = y if output != "linear" else None
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=val_size, random_state=seed, stratify=stratify)
    n_out = int(np.max(y)) + 1 if output == "softmax" else 1
    rows = []
    for trial, hp in enumerate(ParameterSampler(_sampler_space(space), n_iter=n_iter, random_state=seed)):
        width, depth, lr = int(hp["width"]), int(hp["depth"]), float(hp["lr"])
        model = MLP([X.shape[1]] + [width] * depth + [n_out], output=output, rng=seed + trial)
        start = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):
            history = model.fit(
                X_tr,
                y_tr,
                epochs=epochs,
                batch_size=batch_size,
                optimizer=optimizer(lr=lr),
                rng=seed + trial,
                validation_data=(X_val, y_val),
                progress=False,
            )
            seconds = time.perf_counter() - start
            pred = model.predict(X_val)
        finite = np.all(np.isfinite(pred))
        if output == "linear":
            score = r2_score(y_val, pred) if finite else -np.inf
        else:
            score = accuracy_score(y_val, pred) if finite else 0.0
        rows.append(
            {
                "width": width,
                "depth": depth,
                "lr": lr,
                "n_params": sum(p.size for p in model.params.values()),
                "train_loss": history["loss"][-1],
                "val_loss": history["val_loss"][-1] if history["val_loss"] else np.nan,
                "val_score": score,
                "fit_seconds": seconds,
                "trial": trial,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["score"] = _SCORES[output]  # what val_score measures: "r2" or "accuracy"
    return table.sort_values("val_score", ascending=False, kind="stable").reset_index(drop=True)
