"""Loss functions (mean over all elements, as PyTorch's default `reduction='mean'`) and their gradients.

Every loss `L(y_hat, y)` has a partner `L_grad(y_hat, y)` returning dL/dy_hat with the shape
of `y_hat`. Because the loss is a mean, the gradient already carries the factor 1/n;
backpropagation therefore *sums* over the batch from here on (db = sum of dZ rows).

Targets `y` must be finite (a NaN target would pass for a diverged model); non-finite
predictions, on the other hand, give a non-finite loss, so a training loop can detect divergence.
"""

import numpy as np

from ._validate import as_array, check_choice, check_positive
from .activations import sigmoid, softmax


def _pair(y_hat, y, name="y_hat"):
    y_hat = as_array(y_hat, name)
    y = as_array(y, "y", dtype=y_hat.dtype, finite=True)
    if y_hat.size == 0:
        raise ValueError(f"{name} is empty (shape {y_hat.shape}); a mean over no samples is undefined")
    if y_hat.shape != y.shape:
        raise ValueError(
            f"{name} has shape {y_hat.shape} but y has shape {y.shape}; they must match "
            "(reshape y to a column with y.reshape(-1, 1) if the network has one output)"
        )
    return y_hat, y


def mse_loss(y_hat, y):
    """Mean squared error: mean((y_hat - y)**2)."""
    y_hat, y = _pair(y_hat, y)
    return float(np.mean((y_hat - y) ** 2))


def mse_grad(y_hat, y):
    """dL/dy_hat = 2 (y_hat - y) / n."""
    y_hat, y = _pair(y_hat, y)
    return 2.0 * (y_hat - y) / y.size


def mae_loss(y_hat, y):
    """Mean absolute error: mean(|y_hat - y|)."""
    y_hat, y = _pair(y_hat, y)
    return float(np.mean(np.abs(y_hat - y)))


def mae_grad(y_hat, y):
    """dL/dy_hat = sign(y_hat - y) / n (0 where they are equal)."""
    y_hat, y = _pair(y_hat, y)
    return np.sign(y_hat - y) / y.size


def huber_loss(y_hat, y, delta=1.0):
    """Huber: quadratic 0.5 d**2 for |d| <= delta, linear delta (|d| - delta/2) beyond."""
    y_hat, y = _pair(y_hat, y)
    delta = check_positive(delta, "delta")
    d = np.abs(y_hat - y)
    return float(np.mean(np.where(d <= delta, 0.5 * d * d, delta * (d - 0.5 * delta))))


def huber_grad(y_hat, y, delta=1.0):
    """dL/dy_hat = clip(y_hat - y, -delta, delta) / n."""
    y_hat, y = _pair(y_hat, y)
    delta = check_positive(delta, "delta")
    return np.clip(y_hat - y, -delta, delta) / y.size


def _check_binary_targets(y):
    if np.any((y < 0) | (y > 1)):
        raise ValueError(
            "binary cross-entropy needs targets y in [0, 1], got values in "
            f"[{y.min():g}, {y.max():g}]; for a regression target such as a price use mse_loss"
        )


def _check_probabilities(p, logits_name):
    """Values outside [0, 1] are refused (a NaN elsewhere in p does not hide them); NaN itself propagates."""
    if p.size and not (p.min() >= 0 and p.max() <= 1):  # two reductions; also true when p holds NaN
        outside = (p < 0) | (p > 1)
        if outside.any():
            raise ValueError(
                f"p must hold probabilities in [0, 1], got values in [{np.nanmin(p):g}, {np.nanmax(p):g}]; "
                f"for raw scores (logits) use {logits_name}"
            )


def binary_cross_entropy(p, y):
    """BCE from probabilities p in [0, 1]: -mean(y log p + (1 - y) log(1 - p)).

    Each log is floored at -100 (as PyTorch does) so p = 0 or 1 gives a large finite loss.
    """
    p, y = _pair(p, y, "p")
    _check_binary_targets(y)
    _check_probabilities(p, "binary_cross_entropy_with_logits")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_1mp = np.maximum(np.log1p(-p), -100.0)
    return float(-np.mean(y * log_p + (1.0 - y) * log_1mp))


def binary_cross_entropy_grad(p, y):
    """dL/dp = (p - y) / (p (1 - p)) / n, with the denominator floored at 1e-12 (as PyTorch does)."""
    p, y = _pair(p, y, "p")
    _check_binary_targets(y)
    _check_probabilities(p, "binary_cross_entropy_with_logits")
    return (p - y) / np.maximum(p * (1.0 - p), 1e-12) / y.size


def binary_cross_entropy_with_logits(z, y):
    """BCE on logits z (sigmoid applied inside), in the overflow-free form max(z,0) - z y + log(1 + e^-|z|)."""
    z, y = _pair(z, y, "z")
    _check_binary_targets(y)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_with_logits_grad(z, y):
    """dL/dz = (sigmoid(z) - y) / n."""
    z, y = _pair(z, y, "z")
    _check_binary_targets(y)
    return (sigmoid(z) - y) / y.size


def _class_labels(y, z, name):
    """y as integer class labels (m,) checked against z (m, k), or None if y is not 1-D."""
    if not (isinstance(y, np.ndarray) and y.dtype.kind in "iu"):
        y = as_array(y, "y", finite=True)
    if y.ndim != 1:
        return None
    m, k = z.shape
    if y.shape[0] != m:
        raise ValueError(f"y has {y.shape[0]} labels but {name} has {m} rows (shape {z.shape})")
    if y.dtype.kind not in "iu":  # not a signed or unsigned integer type
        fractional = np.mod(y, 1) != 0
        if fractional.any():
            raise ValueError(
                f"1-D y must hold integer class labels, got {y[fractional][0]:g} at index {int(np.argmax(fractional))}"
            )
        y = y.astype(np.int64)
    if y.min() < 0 or y.max() >= k:
        raise ValueError(f"class labels must lie in [0, {k - 1}], got [{y.min()}, {y.max()}]")
    return y


def _one_hot_targets(z, y, name="logits"):
    z = as_array(z, name, ndim=2)
    m, k = z.shape
    _check_not_empty(z, name)
    labels = _class_labels(y, z, name)
    if labels is not None:
        onehot = np.zeros_like(z)
        onehot[np.arange(m), labels] = 1.0
        return z, onehot
    y = as_array(y, "y", dtype=z.dtype, finite=True)
    if y.shape != z.shape:
        raise ValueError(
            f"y has shape {y.shape}; expected labels of shape ({m},) or one-hot of shape {z.shape} like {name}"
        )
    return z, y


def _check_not_empty(z, name):
    if 0 in z.shape:
        raise ValueError(f"{name} must have at least one row and one class column, got shape {z.shape}")


def softmax_cross_entropy(logits, y):
    """Multi-class cross-entropy on logits (m, k); y is labels (m,) or one-hot/probabilities (m, k).

    Mean over the m samples, computed with log-sum-exp so large logits are safe.
    """
    z, onehot = _one_hot_targets(logits, y)
    shifted = z - z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return float(-np.sum(onehot * log_probs) / z.shape[0])


def softmax_cross_entropy_grad(logits, y):
    """dL/dlogits = (softmax(logits) - one_hot(y)) / m."""
    z, onehot = _one_hot_targets(logits, y)
    return (softmax(z, axis=1) - onehot) / z.shape[0]


def cross_entropy(p, y):
    """Multi-class cross-entropy on probabilities p (m, k), e.g. a softmax output; y as in softmax_cross_entropy.

    -sum(y * log p) / m, each log floored at -100 like binary_cross_entropy. Prefer
    softmax_cross_entropy on logits when you have them: it never takes the log of a rounded 0.
    """
    p = as_array(p, "p", ndim=2)
    _check_not_empty(p, "p")
    _check_probabilities(p, "softmax_cross_entropy")
    m = p.shape[0]
    labels = _class_labels(y, p, "p")
    with np.errstate(divide="ignore"):
        if labels is not None:  # labels: only each sample's probability of its own class counts
            return float(-np.maximum(np.log(p[np.arange(m), labels]), -100.0).sum() / m)
        p, y = _one_hot_targets(p, y, "p")
        return float(-np.sum(y * np.maximum(np.log(p), -100.0)) / m)


def cross_entropy_grad(p, y):
    """dL/dp = -y / p / m, with p floored at 1e-12 (0 wherever y is 0)."""
    p, onehot = _one_hot_targets(p, y, "p")
    _check_probabilities(p, "softmax_cross_entropy")
    return -onehot / np.maximum(p, 1e-12) / p.shape[0]


#: name -> (loss, gradient w.r.t. its first argument)
LOSSES = {
    "mse": (mse_loss, mse_grad),
    "mae": (mae_loss, mae_grad),
    "huber": (huber_loss, huber_grad),
    "bce": (binary_cross_entropy, binary_cross_entropy_grad),
    "bce_logits": (binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad),
    "softmax_ce": (softmax_cross_entropy, softmax_cross_entropy_grad),
    "ce": (cross_entropy, cross_entropy_grad),
}


def get_loss(name):
    """Return (loss, loss_grad) for a name such as 'mse' (a typo gets a suggestion)."""
    return LOSSES[check_choice(name, LOSSES, "loss")]
