"""Interactive widgets for the book.

The activation explorer works without a Python kernel: every figure it can show is drawn
in advance (matplotlib's Agg/SVG canvas on a bare `Figure`, no pyplot) and held in nested
`ipywidgets.Stack`s; the dropdowns are joined to the stacks with `jslink`, a link that the
browser runs. The saved widget state of an executed notebook therefore carries all of it,
and the static HTML page switches figures when a reader changes a control.

Widgets that need Python for every change (the optimizer race of chapter 4) are marked
with :func:`needs_kernel`: the book's page script disables their controls and says how to
run them (Binder or a local Jupyter).
"""

import base64
import html

import numpy as np

from ._validate import check_positive
from .activations import ACTIVATIONS
from .plots import SATURATION_THRESHOLD, figure_to_png, plot_activation, saturation_intervals, saturation_mask

#: activations offered by the explorer (softmax couples its inputs, so it has no 1-D curve)
EXPLORER_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
#: ranges of z offered by the explorer, as (label, (z_min, z_max))
Z_RANGES = (("-3 to 3", (-3.0, 3.0)), ("-6 to 6", (-6.0, 6.0)), ("-12 to 12", (-12.0, 12.0)))
#: slopes alpha offered for leaky_relu
ALPHAS = (0.01, 0.1, 0.3)
Z_LIMIT = 20.0
ALPHA_MAX = 1.0
#: CSS class of widgets whose controls need a running kernel (disabled in the static book)
NEEDS_KERNEL_CLASS = "dlfund-needs-kernel"


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


def _activation_figure(name, alpha, z_range, n_points, figsize):
    from matplotlib.figure import Figure

    name, alpha, (lo, hi) = _check_settings(name, alpha, z_range)
    fig = Figure(figsize=figsize, layout="constrained")
    plot_activation(fig.add_subplot(), name, z=np.linspace(lo, hi, int(n_points)), alpha=alpha)
    return fig


def activation_png(name="sigmoid", alpha=0.01, z_range=(-6.0, 6.0), n_points=601, figsize=(6.0, 3.4), dpi=80):
    """PNG bytes of f and f' for one activation on z_range, saturation region shaded."""
    return figure_to_png(_activation_figure(name, alpha, z_range, n_points, figsize), dpi=dpi)


def activation_svg(name="sigmoid", alpha=0.01, z_range=(-6.0, 6.0), n_points=241, figsize=(6.0, 3.4)):
    """SVG bytes of the same figure (sharp at any zoom; text left as text, so it stays small)."""
    import io

    from matplotlib import rc_context

    fig = _activation_figure(name, alpha, z_range, n_points, figsize)
    buf = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "dlfund"}):  # hashsalt: same bytes every run
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def describe_saturation(name, alpha=0.01, z_range=(-6.0, 6.0), n_points=601):
    """One line saying where on z_range the activation's slope is below 5% of its maximum."""
    name, alpha, (lo, hi) = _check_settings(name, alpha, z_range)
    z = np.linspace(lo, hi, int(n_points))
    runs = saturation_intervals(z, saturation_mask(name, z, alpha))
    if not runs:
        return f"{name}: |f'(z)| stays above {SATURATION_THRESHOLD:g} of its maximum on [{lo:g}, {hi:g}]"
    parts = ", ".join(f"[{a:.2f}, {b:.2f}]" for a, b in runs)
    return f"{name}: |f'(z)| < {SATURATION_THRESHOLD:g} of its maximum (little gradient flows) for z in {parts}"


def figure_html(image, alt):
    """HTML for an <img> showing PNG or SVG bytes inline, with `alt` as its text alternative."""
    if isinstance(image, (bytes, bytearray)) and image.startswith(b"\x89PNG"):
        mime = "image/png"
    elif isinstance(image, (bytes, bytearray)) and b"<svg" in image[:2000]:
        mime = "image/svg+xml"
    else:
        raise TypeError(f"image must be the bytes of a PNG or SVG image, got {type(image).__name__}")
    data = base64.b64encode(image).decode("ascii")
    return (
        f'<img src="data:{mime};base64,{data}" alt="{html.escape(alt, quote=True)}" '
        'class="dlfund-widget-figure" style="max-width:100%;height:auto">'
    )


def describe_image(name, alpha=0.01, z_range=(-6.0, 6.0)):
    """Text alternative for the explorer's figure (its alt text, read by screen readers)."""
    name, alpha, (lo, hi) = _check_settings(name, alpha, z_range)
    which = f"{name} with alpha = {alpha:g}" if name == "leaky_relu" else name
    return (
        f"Plot of the {which} activation f(z) and its derivative f'(z) for z from {lo:g} to {hi:g}, "
        f"shaded where |f'(z)| is below {SATURATION_THRESHOLD:g} of its maximum"
    )


def _index(options, value, argument):
    if value not in options:
        raise ValueError(f"{argument} must be one of {list(options)} (the explorer's presets), got {value!r}")
    return list(options).index(value)


def activation_explorer(name="sigmoid", alpha=0.01, z_range=(-6.0, 6.0)):
    """An ipywidgets VBox to explore an activation, its derivative and where it saturates.

    Layout: VBox([HBox([activation, z range, alpha] Dropdowns), Stack]). The Stack holds one
    child per activation, each a Stack per z range (for leaky_relu, a Stack per alpha inside),
    and every leaf is a VBox([HTML <img> with alt text, HTML saying where the slope is small]).
    The dropdowns' `index` is jslinked to the stacks' `selected_index`, so switching works in
    the browser alone. `z_range` and `alpha` must be presets (:data:`Z_RANGES`, :data:`ALPHAS`).
    """
    import ipywidgets as widgets

    _check_settings(name, alpha, z_range)
    i_name = _index(EXPLORER_ACTIVATIONS, name, "name")
    i_range = _index([r for _, r in Z_RANGES], tuple(float(v) for v in z_range), "z_range")
    i_alpha = _index(ALPHAS, alpha, "alpha")
    pick_name = widgets.Dropdown(options=list(EXPLORER_ACTIVATIONS), index=i_name, description="activation")
    pick_range = widgets.Dropdown(options=[label for label, _ in Z_RANGES], index=i_range, description="z range")
    pick_alpha = widgets.Dropdown(
        options=[f"{a:g}" for a in ALPHAS], index=i_alpha, description="alpha", tooltip="slope of leaky_relu for z < 0"
    )

    def leaf(n, a, r):
        return widgets.VBox(
            [
                widgets.HTML(figure_html(activation_svg(n, a, r), describe_image(n, a, r))),
                widgets.HTML(describe_saturation(n, a, r)),
            ]
        )

    def stack(children, picker, index):
        s = widgets.Stack(children, selected_index=index)
        widgets.jslink((picker, "index"), (s, "selected_index"))
        return s

    by_name = []
    for n in EXPLORER_ACTIVATIONS:
        if n == "leaky_relu":
            per_range = [stack([leaf(n, a, r) for a in ALPHAS], pick_alpha, i_alpha) for _, r in Z_RANGES]
        else:
            per_range = [leaf(n, 0.01, r) for _, r in Z_RANGES]
        by_name.append(stack(per_range, pick_range, i_range))
    return widgets.VBox(
        [
            widgets.HBox([pick_name, pick_range, pick_alpha], layout=widgets.Layout(flex_flow="row wrap")),
            stack(by_name, pick_name, i_name),
        ]
    )


def needs_kernel(widget):
    """Mark `widget` as one whose controls need a running Python kernel; returns it.

    In the static book such controls are disabled and labelled, with a link to run the page.
    """
    widget.add_class(NEEDS_KERNEL_CLASS)
    return widget
