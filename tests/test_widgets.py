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
from dlfund.widgets import activation_explorer, activation_png, describe_image, describe_saturation

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data):
    """(width, height) read from the IHDR chunk of PNG bytes."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def parts(box):
    """The explorer's controls, found by type (the layout is documented in its docstring)."""
    found = {}

    def walk(w):
        found.setdefault(type(w), []).append(w)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(box)
    return (found[widgets.Dropdown][0], found[widgets.FloatSlider][0], found[widgets.FloatRangeSlider][0],
            found[widgets.HTML][0], found[widgets.HTML][1])


def png_of(image):
    """PNG bytes of the <img> inside the explorer's figure widget (an ipywidgets.HTML)."""
    m = re.search(r'src="data:image/png;base64,([^"]+)"', image.value)
    assert m, "the figure widget holds no inline PNG"
    return base64.b64decode(m.group(1))


def alt_of(image):
    m = re.search(r'alt="([^"]*)"', image.value)
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


def test_explorer_layout_and_default_image_is_png():
    box = activation_explorer()
    assert isinstance(box, widgets.VBox)
    dropdown, slider, z_slider, image, info = parts(box)
    assert dropdown.value == "sigmoid" and "softmax" not in dropdown.options
    assert z_slider.value == (-6.0, 6.0)
    assert png_size(png_of(image)) == (480, 272)  # figsize (6, 3.4) at 80 dpi
    assert slider.disabled  # alpha only matters for leaky_relu
    assert "sigmoid" in info.value


def test_explorer_image_bytes_are_in_the_widget_state():
    # the saved widget state is what the static HTML shows: it must carry the PNG itself
    _, _, _, image, _ = parts(activation_explorer())
    state = image.get_state()
    assert 'src="data:image/png;base64,' in state["value"]
    assert png_of(image)[:8] == PNG_SIGNATURE


def test_image_has_a_text_alternative_that_follows_the_settings():
    # the <img> alt text is its accessible name in the built page
    dropdown, slider, _, image, _ = parts(activation_explorer())
    assert "sigmoid" in alt_of(image) and "-6" in alt_of(image) and "6" in alt_of(image)
    dropdown.value = "leaky_relu"
    slider.value = 0.3
    assert alt_of(image) == describe_image("leaky_relu", 0.3, (-6.0, 6.0))
    assert "alpha = 0.3" in alt_of(image)


def test_rendering_is_deterministic():
    assert activation_png("tanh") == activation_png("tanh")


def test_explorer_redraws_when_activation_changes():
    dropdown, slider, _, image, info = parts(activation_explorer())
    before = png_of(image)
    dropdown.value = "relu"
    assert png_of(image)[:8] == PNG_SIGNATURE
    assert png_of(image) != before
    assert png_of(image) == activation_png("relu", 0.01, (-6.0, 6.0))
    assert "relu" in info.value
    dropdown.value = "leaky_relu"
    assert not slider.disabled
    dropdown.value = "tanh"
    assert slider.disabled


def test_explorer_alpha_changes_leaky_relu_plot_and_saturation():
    dropdown, slider, _, image, info = parts(activation_explorer("leaky_relu", alpha=0.01))
    assert "[-6.00, 0.00]" in info.value  # slope 0.01 on the negative side counts as saturated
    before = png_of(image)
    slider.value = 0.2
    assert png_of(image) != before
    assert png_of(image) == activation_png("leaky_relu", 0.2, (-6.0, 6.0))
    assert "stays above" in info.value  # slope 0.2 >= 5% of 1


def test_explorer_z_range_changes_plot_and_collapsed_range_is_widened():
    _, _, z_slider, image, info = parts(activation_explorer("tanh"))
    before = png_of(image)
    z_slider.value = (-2.0, 10.0)
    assert png_of(image) != before
    assert png_size(png_of(image)) == (480, 272)
    z_slider.value = (3.0, 3.0)
    assert png_of(image) == activation_png("tanh", 0.01, (2.5, 3.5))


def test_describe_saturation_sigmoid_interval():
    text = describe_saturation("sigmoid", z_range=(-6, 6), n_points=1201)
    b = sigmoid_boundary()
    assert f"[-6.00, {-b:.2f}]" in text and f"[{b:.2f}, 6.00]" in text


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"name": "softmax"}, ValueError, "unknown activation"),
    ({"alpha": -0.1}, ValueError, "alpha"),
    ({"alpha": 2.0}, ValueError, "alpha"),
    ({"z_range": (3, 1)}, ValueError, "z_range"),
    ({"z_range": (-50, 1)}, ValueError, "z_range"),
    ({"z_range": 5}, TypeError, "z_range"),
])
def test_explorer_rejects_bad_settings(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        activation_explorer(**kwargs)


def test_widgets_module_does_not_use_pyplot():
    # pyplot would need a GUI/inline backend; the widget must render with the Agg canvas alone
    code = ("import sys; from dlfund.widgets import activation_explorer; activation_explorer('relu'); "
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert matplotlib.get_backend()  # the test process itself still has a working backend
