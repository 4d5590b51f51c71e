"""The running example: synthetic house prices with a known non-linear ground truth.

Prices are in thousands of dollars. The truth has a saturating ocean premium, a U-shaped
age effect (new and historic houses sell higher) and a pool bonus that matters more near
the coast, so a linear model cannot fit it and a small network can.
"""

import numpy as np

from .._validate import as_array, check_int, check_positive, check_rng

FEATURE_NAMES = ("area_m2", "bedrooms", "age_years", "distance_to_ocean_km", "has_pool")


def house_price_truth(X):
    """Noise-free price (thousands of dollars) for raw features X of shape (m, 5) in FEATURE_NAMES order."""
    X = as_array(X, "X", ndim=2, finite=True)
    if X.shape[1] != len(FEATURE_NAMES):
        raise ValueError(f"X must have {len(FEATURE_NAMES)} columns {FEATURE_NAMES}, got shape {X.shape}")
    area, bedrooms, age, dist, pool = X.T
    ocean = np.exp(-dist / 6.0)
    return (
        40.0
        + 1.6 * area * (1.0 + 0.8 * ocean)  # a square metre is worth more by the sea
        + 12.0 * bedrooms
        - 2.5 * (bedrooms - 3.0) ** 2
        + 0.045 * (age - 45.0) ** 2
        - 90.0  # U-shaped: new and historic houses sell higher
        + pool * (15.0 + 45.0 * ocean)  # a pool matters more near the coast
    )


def make_house_prices(n_samples=1000, noise=15.0, seed=0, classification=False):
    """Generate (X, y): X of shape (n_samples, 5) with columns FEATURE_NAMES, y of shape (n_samples,).

    Regression: y is the price in thousands of dollars plus Gaussian noise (std `noise`).
    Classification: y is 1 when the noisy price is above its median, else 0.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = check_rng(seed)
    area = rng.uniform(40.0, 260.0, n_samples)
    bedrooms = np.clip(np.round(area / 45.0 + rng.normal(0.0, 0.8, n_samples)), 1, 7)
    age = rng.uniform(0.0, 100.0, n_samples)
    dist = rng.exponential(10.0, n_samples)
    pool = (rng.uniform(size=n_samples) < 0.25 + 0.25 * np.exp(-dist / 10.0)).astype(float)
    X = np.column_stack([area, bedrooms, age, dist, pool])
    y = house_price_truth(X) + noise * rng.standard_normal(n_samples)
    if classification:
        y = (y > np.median(y)).astype(np.int64)
    return X, y


def standardize(train, *others):
    """Scale columns to mean 0, std 1 using statistics of `train` only; returns the scaled arrays.

    Returns (train_scaled, *others_scaled, (mean, std)). Constant columns are left centred.
    """
    train = as_array(train, "train", finite=True)
    if train.ndim == 0 or len(train) == 0:
        raise ValueError(f"train must have at least one row (samples along axis 0), got shape {train.shape}")
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    scaled = [(train - mean) / std]
    for i, other in enumerate(others):
        other = as_array(other, f"others[{i}]", finite=True)
        if other.shape[1:] != train.shape[1:]:
            raise ValueError(
                f"others[{i}] has shape {other.shape} but train has shape {train.shape}; "
                "they must have the same columns"
            )
        scaled.append((other - mean) / std)
    return (*scaled, (mean, std))
