"""Plotting helpers shared by the book, the widgets and the exercises.

Every helper draws on a matplotlib Axes it is given and returns that Axes, so the same code
makes a static figure in a notebook (with pyplot) and a PNG for a widget (with a bare
`matplotlib.figure.Figure` on an Agg canvas, no pyplot).

    fig, ax = plt.subplots()
    plot_activation(ax, "sigmoid", z=np.linspace(-8, 8, 401))
"""

import io

import numpy as np

from ._validate import as_array, check_positive
from .activations import get_activation

#: |f'(z)| below this fraction of its maximum counts as "saturated" (flat) in the plots.
SATURATION_THRESHOLD = 0.05

# The peak of |f'| is taken over this wide grid as well as the plotted range, so a plot of
# sigmoid on [5, 10] still compares with sigmoid'(0) = 0.25 and not with the local maximum.
_PEAK_GRID = np.linspace(-50.0, 50.0, 2001)


def activation_curves(name, z, alpha=0.01):
    """(f(z), f'(z)) for an element-wise activation name; `alpha` is used by 'leaky_relu' only."""
    f, df = get_activation(name)
    z = as_array(z, "z")
    kwargs = {"alpha": alpha} if name == "leaky_relu" else {}
    return f(z, **kwargs), df(z, **kwargs)


def saturation_mask(name, z, alpha=0.01, threshold=SATURATION_THRESHOLD):
    """Boolean array, True where |f'(z)| < threshold * max |f'| (max over the real line).

    These are the inputs where a unit passes back (almost) no gradient: the flat tails of
    sigmoid and tanh, the negative side of ReLU. Shapes: z (n,) -> mask (n,).
    """
    threshold = check_positive(threshold, "threshold")
    z = as_array(z, "z")
    _, dz = activation_curves(name, z, alpha)
    _, d_grid = activation_curves(name, _PEAK_GRID, alpha)
    peak = max(float(np.max(np.abs(d_grid))), float(np.max(np.abs(dz))) if dz.size else 0.0)
    if peak == 0.0:
        return np.ones(z.shape, dtype=bool)
    return np.abs(dz) < threshold * peak


def saturation_intervals(z, mask):
    """Runs of True in `mask` as a list of (z_start, z_end) pairs, for sorted 1-D `z`."""
    z = as_array(z, "z", ndim=1)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != z.shape:
        raise ValueError(f"mask has shape {mask.shape} but z has shape {z.shape}")
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(float(z[a]), float(z[b - 1])) for a, b in zip(edges[::2], edges[1::2])]


def plot_activation(
    ax, name, z=None, alpha=0.01, derivative=True, shade=True, threshold=SATURATION_THRESHOLD, title=None, legend=True
):
    """Draw f(z) (solid) and f'(z) (dashed) for an activation and shade where it saturates.

    `z` defaults to 601 points on [-6, 6]. The shaded band marks |f'(z)| < threshold * max|f'|.
    Returns `ax`.
    """
    z = np.linspace(-6.0, 6.0, 601) if z is None else as_array(z, "z", ndim=1)
    fz, dz = activation_curves(name, z, alpha)
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.plot(z, fz, color="tab:blue", lw=2, label="f(z)")
    if derivative:
        ax.plot(z, dz, color="tab:orange", lw=2, ls="--", label="f'(z)")
    if shade:
        mask = saturation_mask(name, z, alpha, threshold)
        if mask.any():
            ax.fill_between(
                z,
                0,
                1,
                where=mask,
                transform=ax.get_xaxis_transform(),
                color="tab:red",
                alpha=0.12,
                lw=0,
                label=f"|f'| < {threshold:g}·max",
            )
    if title is None:
        title = f"{name} (alpha = {alpha:g})" if name == "leaky_relu" else name
    ax.set_title(title)
    ax.set_xlabel("z")
    ax.set_xlim(z[0], z[-1])
    if legend:
        ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax


def plot_predictions(ax, y_true, y_pred, label=None, **scatter_kwargs):
    """Scatter predicted against true values with the diagonal y = x (a perfect model). Returns `ax`."""
    y_true = as_array(y_true, "y_true").ravel()
    y_pred = as_array(y_pred, "y_pred").ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} values but y_pred has {y_pred.size}")
    kwargs = {"s": 8, "alpha": 0.5}
    kwargs.update(scatter_kwargs)
    ax.scatter(y_true, y_pred, label=label, **kwargs)
    lo, hi = float(min(y_true.min(), y_pred.min())), float(max(y_true.max(), y_pred.max()))
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, label="perfect: predicted = true")
    ax.set_xlabel("true value")
    ax.set_ylabel("predicted value")
    return ax


def plot_loss_curve(ax, history, log=True):
    """Plot history["loss"] (and history["val_loss"] if present) against the epoch. Returns `ax`."""
    if "loss" not in history or len(history["loss"]) == 0:
        raise ValueError("history must have a non-empty 'loss' list (as returned by MLP.fit)")
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], label="training loss")
    val = history.get("val_loss") or []
    if len(val):
        ax.plot(np.arange(1, len(val) + 1), val, ls="--", label="validation loss")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize="small")
    return ax


def figure_to_png(fig, dpi=None):
    """Render a matplotlib Figure to PNG bytes with the Agg canvas (works without pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    buf = io.BytesIO()
    # print_figure sets the dpi only for this rendering and restores the figure's own afterwards
    canvas.print_figure(buf, format="png", dpi=fig.dpi if dpi is None else check_positive(dpi, "dpi"))
    return buf.getvalue()
