"""Tests of dlfund.plots (shared plotting helpers) and dlfund.widgets (the activation explorer)."""

import base64
import html
import re
import struct
import subprocess
import sys

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from dlfund import plots
from dlfund.widgets import (
    ALPHAS,
    EXPLORER_ACTIVATIONS,
    NEEDS_KERNEL_CLASS,
    Z_RANGES,
    activation_explorer,
    activation_png,
    activation_svg,
    describe_image,
    describe_saturation,
    figure_html,
    needs_kernel,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data):
    """(width, height) read from the IHDR chunk of PNG bytes."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def leaves(box):
    """{(name, z_range, alpha): (image HTML, info HTML)} for every figure the explorer holds."""
    pickers, stack = box.children[0].children, box.children[1]
    found = {}
    for name, per_name in zip(EXPLORER_ACTIVATIONS, stack.children):
        for (_, z_range), per_range in zip(Z_RANGES, per_name.children):
            for alpha, leaf in zip(ALPHAS, per_range.children) if name == "leaky_relu" else [(0.01, per_range)]:
                found[name, z_range, alpha] = tuple(w.value for w in leaf.children)
    return pickers, stack, found


def shown(box):
    """(image HTML, info HTML) of the leaf the stacks currently select."""
    node = box.children[1]
    while isinstance(node, widgets.Stack):
        node = node.children[node.selected_index]
    return tuple(w.value for w in node.children)


def image_of(value):
    m = re.search(r'src="data:image/(png|svg\+xml);base64,([^"]+)"', value)
    assert m, "the figure widget holds no inline image"
    return base64.b64decode(m.group(2))


def alt_of(value):
    m = re.search(r'alt="([^"]*)"', value)
    assert m, "the figure has no alt text"
    return html.unescape(m.group(1))


# --------------------------------------------------------------------------- plots


def sigmoid_boundary(frac=plots.SATURATION_THRESHOLD):
    # s(1 - s) = frac * 1/4  ->  s = (1 + sqrt(1 - frac)) / 2  ->  z = log(s / (1 - s))
    s = (1 + np.sqrt(1 - frac)) / 2
    return np.log(s / (1 - s))


def tanh_boundary(frac=plots.SATURATION_THRESHOLD):
    # 1 - tanh(z)^2 = frac  ->  z = artanh(sqrt(1 - frac))
    return np.arctanh(np.sqrt(1 - frac))


@pytest.mark.parametrize("name, boundary", [("sigmoid", sigmoid_boundary()), ("tanh", tanh_boundary())])
def test_saturation_mask_matches_closed_form_boundary(name, boundary):
    z = np.linspace(-8, 8, 16001)
    mask = plots.saturation_mask(name, z)
    expected = np.abs(z) > boundary
    # only grid points within one step of the boundary may disagree
    disagree = z[mask != expected]
    assert np.all(np.abs(np.abs(disagree) - boundary) <= 1e-3)
    # sigmoid(z) = (1 + tanh(z / 2)) / 2, so its boundary is twice tanh's
    assert 4.3 < sigmoid_boundary() < 4.4 and sigmoid_boundary() == pytest.approx(2 * tanh_boundary())


def test_saturation_mask_uses_global_peak_not_the_plotted_one():
    # on [5, 10] sigmoid' is at most 0.0066 < 0.05 * 0.25: every point is saturated
    z = np.linspace(5, 10, 51)
    assert plots.saturation_mask("sigmoid", z).all()


def test_saturation_mask_relu_family_and_linear():
    z = np.linspace(-3, 3, 61)
    np.testing.assert_array_equal(plots.saturation_mask("relu", z), z <= 0)
    np.testing.assert_array_equal(plots.saturation_mask("leaky_relu", z, alpha=0.01), z <= 0)
    assert not plots.saturation_mask("leaky_relu", z, alpha=0.1).any()  # slope 0.1 >= 5% of 1
    assert not plots.saturation_mask("linear", z).any()


def test_saturation_mask_rejects_bad_threshold():
    with pytest.raises(ValueError, match="threshold"):
        plots.saturation_mask("tanh", np.zeros(3), threshold=0)


def test_saturation_intervals():
    z = np.arange(8.0)
    mask = np.array([1, 1, 0, 0, 1, 0, 1, 1], dtype=bool)
    assert plots.saturation_intervals(z, mask) == [(0.0, 1.0), (4.0, 4.0), (6.0, 7.0)]
    assert plots.saturation_intervals(z, np.zeros(8, bool)) == []
    with pytest.raises(ValueError, match="mask"):
        plots.saturation_intervals(z, mask[:3])


def test_plot_activation_draws_function_derivative_and_shading():
    fig = Figure()
    ax = fig.add_subplot()
    z = np.linspace(-10, 10, 201)
    assert plots.plot_activation(ax, "sigmoid", z=z) is ax
    f_line, d_line = [l for l in ax.get_lines() if l.get_label() in ("f(z)", "f'(z)")]
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(f_line.get_ydata(), s, rtol=1e-12)
    np.testing.assert_allclose(d_line.get_ydata(), s * (1 - s), rtol=1e-10, atol=1e-15)
    assert len(ax.collections) == 1  # the shaded saturation band
    assert ax.get_xlabel() == "z" and ax.get_title() == "sigmoid"

    ax2 = Figure().add_subplot()
    plots.plot_activation(ax2, "linear", z=z)
    assert len(ax2.collections) == 0  # a linear unit never saturates


def test_plot_activation_leaky_relu_uses_alpha():
    ax = Figure().add_subplot()
    z = np.array([-2.0, 3.0])
    plots.plot_activation(ax, "leaky_relu", z=z, alpha=0.2)
    f_line = [l for l in ax.get_lines() if l.get_label() == "f(z)"][0]
    np.testing.assert_allclose(f_line.get_ydata(), [-0.4, 3.0])
    assert "0.2" in ax.get_title()


def test_plot_activation_unknown_name():
    with pytest.raises(ValueError, match="unknown activation"):
        plots.plot_activation(Figure().add_subplot(), "softplus")


def test_plot_predictions_and_loss_curve():
    ax = Figure().add_subplot()
    plots.plot_predictions(ax, [1.0, 2.0, 3.0], [1.5, 2.0, 2.5], label="model")
    assert len(ax.collections) == 1
    diag = ax.get_lines()[0]
    np.testing.assert_allclose(diag.get_xdata(), diag.get_ydata())
    with pytest.raises(ValueError, match="y_pred"):
        plots.plot_predictions(ax, [1.0, 2.0], [1.0])

    ax = Figure().add_subplot()
    plots.plot_loss_curve(ax, {"loss": [3.0, 2.0, 1.0], "val_loss": []})
    assert len(ax.get_lines()) == 1 and ax.get_yscale() == "log"
    ax = Figure().add_subplot()
    plots.plot_loss_curve(ax, {"loss": [3.0, 2.0], "val_loss": [3.5, 2.5]}, log=False)
    assert [l.get_label() for l in ax.get_lines()] == ["training loss", "validation loss"]
    with pytest.raises(ValueError, match="loss"):
        plots.plot_loss_curve(ax, {"loss": []})


def test_figure_to_png_size_and_dpi_left_unchanged():
    fig = Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([0, 1], [0, 1])
    assert png_size(plots.figure_to_png(fig)) == (100, 50)
    assert png_size(plots.figure_to_png(fig, dpi=100)) == (200, 100)
    assert fig.dpi == 50


# --------------------------------------------------------------------------- widgets


def test_explorer_holds_one_figure_per_setting_with_matching_alt_text():
    pickers, _, found = leaves(activation_explorer())
    assert [p.description for p in pickers] == ["activation", "z range", "alpha"]
    assert len(found) == 4 * len(Z_RANGES) + len(Z_RANGES) * len(ALPHAS)
    for (name, z_range, alpha), (image, info) in found.items():
        assert image_of(image) == activation_svg(name, alpha, z_range)
        assert alt_of(image) == describe_image(name, alpha, z_range)
        assert info == describe_saturation(name, alpha, z_range)
    images = [image_of(image) for image, _ in found.values()]
    assert len(set(images)) == len(images)  # every setting draws a different figure


def test_dropdowns_are_linked_to_the_stacks_in_the_browser():
    # jslink: a Link widget the browser runs, so the saved state switches figures without a kernel
    box = activation_explorer()
    pickers, stack, _ = leaves(box)
    from ipywidgets.widgets.widget import _instances
    from ipywidgets.widgets.widget_link import Link

    links = [w for w in _instances.values() if isinstance(w, Link)]
    targets = {(id(link.source[0]), id(link.target[0])) for link in links}
    assert (id(pickers[0]), id(stack)) in targets
    for per_name in stack.children:
        assert (id(pickers[1]), id(per_name)) in targets
    leaky = stack.children[EXPLORER_ACTIVATIONS.index("leaky_relu")]
    for per_range in leaky.children:
        assert (id(pickers[2]), id(per_range)) in targets
    assert all(
        link.source[1] == "index" and link.target[1] == "selected_index"
        for link in links
        if id(link.source[0]) in {id(p) for p in pickers}
    )


def test_initial_selection_follows_the_arguments():
    box = activation_explorer("leaky_relu", alpha=0.3, z_range=(-12, 12))
    pickers, _, _ = leaves(box)
    assert [p.value for p in pickers] == ["leaky_relu", "-12 to 12", "0.3"]
    image, info = shown(box)
    assert alt_of(image) == describe_image("leaky_relu", 0.3, (-12.0, 12.0))
    assert "alpha = 0.3" in alt_of(image) and "stays above" in info  # slope 0.3 >= 5% of 1


def test_default_explorer_shows_sigmoid_and_its_saturation():
    image, info = shown(activation_explorer())
    assert "sigmoid" in alt_of(image) and "-6 to 6" in alt_of(image)
    b = sigmoid_boundary()
    assert f"[{b:.2f}, 6.00]" in info.replace("[4.3", "[4.3")  # both tails are listed
    assert image_of(image).lstrip().startswith(b"<?xml") or b"<svg" in image_of(image)[:500]


def test_svg_figures_are_small_and_deterministic():
    svg = activation_svg("tanh")
    assert svg == activation_svg("tanh")
    assert len(svg) < 60_000
    assert b"<text" in svg  # text kept as text (svg.fonttype none), not glyph outlines


def test_figure_html_accepts_png_and_svg_only():
    assert 'src="data:image/png;base64,' in figure_html(activation_png("relu"), "x")
    assert 'src="data:image/svg+xml;base64,' in figure_html(activation_svg("relu"), "x")
    with pytest.raises(TypeError, match="PNG or SVG"):
        figure_html(b"GIF89a", "x")


def test_activation_png_size():
    assert png_size(activation_png("tanh")) == (480, 272)  # figsize (6, 3.4) at 80 dpi


def test_describe_saturation_sigmoid_interval():
    text = describe_saturation("sigmoid", z_range=(-6, 6), n_points=1201)
    b = sigmoid_boundary()
    assert f"[-6.00, {-b:.2f}]" in text and f"[{b:.2f}, 6.00]" in text


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"name": "softmax"}, ValueError, "unknown activation"),
        ({"alpha": -0.1}, ValueError, "alpha"),
        ({"alpha": 2.0}, ValueError, "alpha"),
        ({"alpha": 0.2}, ValueError, "alpha must be one of"),
        ({"z_range": (3, 1)}, ValueError, "z_range"),
        ({"z_range": (-50, 1)}, ValueError, "z_range"),
        ({"z_range": (-5, 5)}, ValueError, "z_range must be one of"),
        ({"z_range": 5}, TypeError, "z_range"),
    ],
)
def test_explorer_rejects_bad_settings(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        activation_explorer(**kwargs)


def test_needs_kernel_marks_the_widget():
    box = needs_kernel(widgets.VBox([widgets.Dropdown(options=["a"])]))
    assert NEEDS_KERNEL_CLASS in box._dom_classes


def test_widgets_module_does_not_use_pyplot():
    # pyplot would need a GUI/inline backend; the widget must render with the Agg canvas alone
    code = (
        "import sys; from dlfund.widgets import activation_explorer; activation_explorer('relu'); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert matplotlib.get_backend()  # the test process itself still has a working backend
