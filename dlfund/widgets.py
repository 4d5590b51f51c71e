"""Interactive widgets for the book.

Each widget draws its figure with matplotlib's Agg canvas (a bare `Figure`, no pyplot) into
PNG bytes, shown by `figure_html` as an <img> with a text alternative inside an
`ipywidgets.HTML`. The image is part of the widget's state, so a notebook saved with its
widget state, and the static HTML built from it, still shows the figure of the last setting
even where no Python kernel is running. (An `ipywidgets.Image` has no alt text, and with a
tooltip the widgets HTML manager fails to render it.)
"""
import base64
import html

import numpy as np

from ._validate import check_positive
from .activations import ACTIVATIONS
from .plots import SATURATION_THRESHOLD, figure_to_png, plot_activation, saturation_intervals, saturation_mask

#: activations offered by the explorer (softmax couples its inputs, so it has no 1-D curve)
EXPLORER_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
Z_LIMIT = 20.0
ALPHA_MAX = 1.0


def _check_settings(name, alpha, z_range):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {list(EXPLORER_ACTIVATIONS)}")
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    if alpha > ALPHA_MAX:
        raise ValueError(f"alpha must lie in [0, {ALPHA_MAX:g}], got {alpha!r}")
    try:
        lo, hi = (float(v) for v in z_range)
    except (TypeError, ValueError):
        raise TypeError(f"z_range must be a pair (z_min, z_max), got {z_range!r}") from None
    if not (-Z_LIMIT <= lo < hi <= Z_LIMIT):
        raise ValueError(f"z_range must satisfy {-Z_LIMIT:g} <= z_min < z_max <= {Z_LIMIT:g}, got {z_range!r}")
    return name, alpha, (lo, hi)


def activation_png(name="sigmoid", alpha=0.01, z_range=(-6.0, 6.0), n_points=601, figsize=(6.0, 3.4), dpi=80):
    """PNG bytes of f and f' for one activation on z_range, saturation region shaded."""
    name, alpha, (lo, hi) = _check_settings(name, alpha, z_range)
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    plot_activation(ax, name, z=np.linspace(lo, hi, int(n_points)), alpha=alpha)
    return figure_to_png(fig)


def describe_saturation(name, alpha=0.01, z_range=(-6.0, 6.0), n_points=601):
    """One line saying where on z_range the activation's slope is below 5% of its maximum."""
    name, alpha, (lo, hi) = _check_settings(name, alpha, z_range)
    z = np.linspace(lo, hi, int(n_points))
    runs = saturation_intervals(z, saturation_mask(name, z, alpha))
    if not runs:
        return f"{name}: |f'(z)| stays above {SATURATION_THRESHOLD:g} of its maximum on [{lo:g}, {hi:g}]"
    parts = ", ".join(f"[{a:.2f}, {b:.2f}]" for a, b in runs)
    return f"{name}: |f'(z)| < {SATURATION_THRESHOLD:g} of its maximum (little gradient flows) for z in {parts}"


def figure_html(png, alt):
    """HTML for an <img> showing PNG bytes inline, with `alt` as its text alternative."""
    if not isinstance(png, (bytes, bytearray)) or not png.startswith(b"\x89PNG"):
        raise TypeError("png must be the bytes of a PNG image")
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" style="max-width:100%">'


def describe_image(name, alpha=0.01, z_range=(-6.0, 6.0)):
    """Text alternative for the explorer's figure (its alt text, read by screen readers)."""
    name, alpha, (lo, hi) = _check_settings(name, alpha, z_range)
    which = f"{name} with alpha = {alpha:g}" if name == "leaky_relu" else name
    return (f"Plot of the {which} activation f(z) and its derivative f'(z) for z from {lo:g} to {hi:g}, "
            f"shaded where |f'(z)| is below {SATURATION_THRESHOLD:g} of its maximum")


def activation_explorer(name="sigmoid", alpha=0.01, z_range=(-6.0, 6.0)):
    """An ipywidgets VBox to explore an activation, its derivative and where it saturates.

    Layout: VBox([HBox([activation Dropdown, alpha FloatSlider]), z-range FloatRangeSlider,
    HTML (an <img> of f and f' with alt text), HTML (where the slope is small)]).
    The alpha slider is active for leaky_relu only. Every change redraws the figure.
    """
    import ipywidgets as widgets

    name, alpha, z_range = _check_settings(name, alpha, z_range)
    dropdown = widgets.Dropdown(options=list(EXPLORER_ACTIVATIONS), value=name, description="activation")
    slider = widgets.FloatSlider(value=alpha, min=0.0, max=ALPHA_MAX, step=0.01, description="alpha",
                                 readout_format=".2f", continuous_update=False, disabled=name != "leaky_relu")
    z_slider = widgets.FloatRangeSlider(value=z_range, min=-Z_LIMIT, max=Z_LIMIT, step=0.5, description="z range",
                                        continuous_update=False, readout_format=".1f")
    image = widgets.HTML(value=figure_html(activation_png(name, alpha, z_range), describe_image(name, alpha, z_range)))
    info = widgets.HTML(value=describe_saturation(name, alpha, z_range))

    def redraw(change=None):
        lo, hi = z_slider.value
        if hi <= lo:  # a collapsed range slider: widen it instead of failing
            lo, hi = lo - 0.5, lo + 0.5
        slider.disabled = dropdown.value != "leaky_relu"
        image.value = figure_html(activation_png(dropdown.value, slider.value, (lo, hi)),
                                  describe_image(dropdown.value, slider.value, (lo, hi)))
        info.value = describe_saturation(dropdown.value, slider.value, (lo, hi))

    for control in (dropdown, slider, z_slider):
        control.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox([dropdown, slider]), z_slider, image, info])
