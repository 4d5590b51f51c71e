"""Data sets generated or loaded locally: nothing is downloaded at run time."""

from .house import FEATURE_NAMES, house_price_truth, make_house_prices, standardize
from .digits import load_digits_split
from .sequences import (
    Scaler,
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
from .surfaces import SURFACES, Surface, get_surface, ravine, rosenbrock, run_optimizer, saddle, two_basins

__all__ = [
    "FEATURE_NAMES",
    "house_price_truth",
    "make_house_prices",
    "standardize",
    "load_digits_split",
    "SURFACES",
    "Surface",
    "get_surface",
    "ravine",
    "rosenbrock",
    "run_optimizer",
    "saddle",
    "two_basins",
    "Scaler",
    "difference",
    "fit_scaler",
    "inverse_difference",
    "lagged_forecast",
    "make_first_token_task",
    "make_integrated_series",
    "make_seasonal_series",
    "sequential_split",
    "sliding_windows",
]
