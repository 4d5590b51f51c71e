"""scikit-learn's bundled 8x8 digits (1797 images, 10 classes), split and scaled. No download."""

import numpy as np

from .._validate import check_number


def load_digits_split(test_size=0.25, seed=0, standardize=True):
    """Return X_train, X_test, y_train, y_test; X rows are 64 pixel values, y integer labels 0-9.

    The split is stratified and seeded; with `standardize` the pixels are scaled with
    statistics of the training part only.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < check_number(test_size, "test_size") < 1.0:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
    digits = load_digits()
    X = digits.data.astype(np.float64)
    y = digits.target.astype(np.int64)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    if standardize:
        from .house import standardize as _standardize

        X_tr, X_te, _ = _standardize(X_tr, X_te)
    return X_tr, X_te, y_tr, y_te
