"""Sequence data for chapter 8: synthetic series, a long-memory task, and forecasting helpers.

Everything is generated locally from a seed. Shapes follow the recurrent convention
x (batch, seq_len, n_features). Time-series helpers never shuffle and never look ahead:
`sequential_split` keeps time order, `fit_scaler` learns its statistics from the part it is given
(the training part), and `difference` / `inverse_difference` round-trip.
"""

from dataclasses import dataclass

import numpy as np

from .._validate import as_array, check_int, check_positive, check_rng, check_unit_interval, describe
from .house import standardize


def _positive_int(value, name, minimum=1):
    return check_int(value, name, minimum=minimum)


def make_seasonal_series(
    n_steps=480, period=12, level=10.0, trend=0.05, amplitude=2.0, noise=0.5, seed=0, return_components=False
):
    """A series y_t = level + trend * t + seasonal_t + noise_t, t = 0..n_steps-1, shape (n_steps,).

    The seasonal part repeats every `period` steps (a sine plus a smaller second harmonic, so
    its shape is not a pure sine); the noise is Gaussian with std `noise`. With
    `return_components=True` also returns {"trend", "seasonal", "noise"} (each (n_steps,)),
    where "trend" includes the level.
    """
    n_steps = _positive_int(n_steps, "n_steps", 2)
    period = _positive_int(period, "period", 2)
    noise = check_positive(noise, "noise", allow_zero=True)
    t = np.arange(n_steps, dtype=np.float64)
    phase = 2 * np.pi * t / period
    parts = {
        "trend": level + trend * t,
        "seasonal": amplitude * (np.sin(phase) + 0.4 * np.sin(2 * phase + 1.0)),
        "noise": noise * check_rng(seed).standard_normal(n_steps),
    }
    y = parts["trend"] + parts["seasonal"] + parts["noise"]
    return (y, parts) if return_components else y


def make_integrated_series(n_steps=1000, order=1, seed=0):
    """White noise summed `order` times (an I(order) series), shape (n_steps,).

    order 1 is a random walk; differencing it `order` times gives back stationary noise.
    """
    n_steps = _positive_int(n_steps, "n_steps", 2)
    order = _positive_int(order, "order", 0)
    y = check_rng(seed).standard_normal(n_steps)
    for _ in range(order):
        y = np.cumsum(y)
    return y


def make_first_token_task(n_samples=1000, seq_len=50, n_classes=2, noise=1.0, seed=0):
    """'Remember the first token': classify a sequence by a token seen only at its first step.

    X (n_samples, seq_len, n_classes + 1): the first n_classes features hold the one-hot token at
    step 0 and zeros afterwards; the last feature is Gaussian noise (std `noise`) at every step and
    carries no information. y (n_samples,) int labels. A model reading left to right must carry the
    token across seq_len - 1 steps, which is where the gradient of a vanilla RNN vanishes.
    """
    n_samples = _positive_int(n_samples, "n_samples")
    seq_len = _positive_int(seq_len, "seq_len")
    n_classes = _positive_int(n_classes, "n_classes", 2)
    noise = check_positive(noise, "noise", allow_zero=True)
    rng = check_rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    X = np.zeros((n_samples, seq_len, n_classes + 1))
    X[:, 0, :n_classes] = np.eye(n_classes)[y]
    X[:, :, n_classes] = noise * rng.standard_normal((n_samples, seq_len))
    return X, y


def sliding_windows(series, window, horizon=1):
    """Cut a series into overlapping (input window, next `horizon` values) pairs, in time order.

    series (n,) or (n, d). Returns X of shape (m, window, d) (d = 1 for a 1-D series) and Y of
    shape (m, horizon) for a 1-D series or (m, horizon, d), with m = n - window - horizon + 1:
    X[i] = series[i : i + window], Y[i] = series[i + window : i + window + horizon].
    """
    s = as_array(series, "series", ndim=(1, 2), finite=True)
    window = _positive_int(window, "window")
    horizon = _positive_int(horizon, "horizon")
    m = len(s) - window - horizon + 1
    if m < 1:
        raise ValueError(
            f"series of length {len(s)} is too short for window={window} and horizon={horizon} "
            f"(needs at least {window + horizon} values)"
        )
    s2 = s.reshape(len(s), -1)
    starts = np.arange(m)[:, None]
    X = s2[starts + np.arange(window)]  # (m, window, d)
    Y = s2[starts + window + np.arange(horizon)]  # (m, horizon, d)
    return X, (Y[:, :, 0] if s.ndim == 1 else Y)


def difference(series, lag=1, order=1):
    """Differences y_t - y_{t-lag}, applied `order` times, along axis 0.

    series (n, ...) -> (n - order * lag, ...). lag=1 removes a linear trend, lag=period a
    seasonal pattern. Keep `series[:order * lag]` to undo it with `inverse_difference`.
    """
    d = as_array(series, "series", finite=True)
    if d.ndim == 0:
        raise ValueError("series must have at least one dimension (time along axis 0), got a scalar")
    lag = _positive_int(lag, "lag")
    order = _positive_int(order, "order")
    if len(d) <= order * lag:
        raise ValueError(f"series of length {len(d)} is too short to difference {order} time(s) at lag {lag}")
    for _ in range(order):
        d = d[lag:] - d[:-lag]
    return d


def inverse_difference(diffs, head, lag=1, order=1):
    """Undo `difference`: rebuild the series from its differences and its first `order * lag` values.

    inverse_difference(difference(y, lag, order), y[:order * lag], lag, order) gives y back (up
    to rounding; exactly for integer-valued y). With head = the last observed values and diffs =
    forecast differences it turns forecast differences into forecast levels (head included).
    """
    d = as_array(diffs, "diffs", finite=True)
    head = as_array(head, "head", dtype=d.dtype, finite=True)
    if d.ndim == 0 or head.ndim == 0:
        raise ValueError(
            f"diffs and head must have at least one dimension (time along axis 0), "
            f"got shapes {d.shape} and {head.shape}"
        )
    if d.shape[1:] != head.shape[1:]:
        raise ValueError(
            f"head has shape {head.shape} but diffs has shape {d.shape}; they must have the same shape after axis 0"
        )
    lag = _positive_int(lag, "lag")
    order = _positive_int(order, "order")
    if len(head) != order * lag:
        raise ValueError(f"head must hold the first order * lag = {order * lag} values, got {len(head)}")
    starts = [head]  # starts[k]: the first values of the k-th difference
    for _ in range(order - 1):
        starts.append(starts[-1][lag:] - starts[-1][:-lag])
    for k in reversed(range(order)):
        out = np.empty((len(d) + lag,) + d.shape[1:], dtype=d.dtype)
        out[:lag] = starts[k][:lag]
        for j in range(lag):  # each phase j, j + lag, ... is a running sum
            out[lag + j :: lag] = out[j] + np.cumsum(d[j::lag], axis=0)
        d = out
    return d


@dataclass
class Scaler:
    """Standardisation x -> (x - mean) / std with statistics fixed at fit time."""

    mean: np.ndarray
    std: np.ndarray

    def transform(self, x):
        return (as_array(x, "x", finite=True) - self.mean) / self.std

    def inverse_transform(self, x):
        return as_array(x, "x", finite=True) * self.std + self.mean


def fit_scaler(train):
    """Learn mean and std per column from `train` ONLY (never from validation or test data).

    train (n,) or (n, d). Returns a Scaler; apply `.transform` to every part and
    `.inverse_transform` to predictions. Constant columns get std 1.
    """
    _, (mean, std) = standardize(as_array(train, "train"))
    return Scaler(mean, std)


def sequential_split(data, train=0.7, val=0.15):
    """Split along axis 0 into (train, val, test) in time order, without shuffling (copies).

    `train` and `val` are fractions of the length; the test part is the remainder at the end.
    """
    if data is None or isinstance(data, (str, bytes)) or np.ndim(data) == 0:
        raise TypeError(f"data must be a sequence or array with samples along axis 0, got {describe(data)}")
    data = np.asarray(data)
    train = check_unit_interval(train, "train", " (a fraction)")
    val = check_unit_interval(val, "val", " (a fraction)")
    if train + val >= 1:
        raise ValueError(f"train + val must be < 1 so that a test part remains, got {train} + {val}")
    n = len(data)
    i, j = int(round(train * n)), int(round((train + val) * n))
    if i < 1 or j >= n:
        raise ValueError(f"{n} items are too few for fractions train={train}, val={val}: a part would be empty")
    return data[:i].copy(), data[i:j].copy(), data[j:].copy()


def lagged_forecast(series, start, lag=1):
    """Naive forecasts of series[start:] by the value `lag` steps earlier: series[start - lag:-lag].

    lag=1 is the last-value (persistence) forecast, lag=period the seasonal-naive forecast.
    Returns an array of shape series[start:].shape.
    """
    s = as_array(series, "series", finite=True)
    if s.ndim == 0:
        raise ValueError("series must have at least one dimension (time along axis 0), got a scalar")
    lag = _positive_int(lag, "lag")
    start = _positive_int(start, "start", lag)
    if start >= len(s):
        raise ValueError(f"start must be < len(series) = {len(s)}, got {start}")
    return s[start - lag : len(s) - lag].copy()
