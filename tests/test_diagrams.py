"""Concept diagrams: built from the package's own names and shapes, drawn, and described in alt text."""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlfund import diagrams  # noqa: E402
from dlfund.init import initialize_parameters  # noqa: E402
from dlfund.rnn import GRU_GATES, LSTM_GATES  # noqa: E402

ALL = {
    "graph": lambda: diagrams.computation_graph((3, 4, 1)),
    "rnn": lambda: diagrams.unrolled_rnn(4),
    "lstm": diagrams.lstm_cell,
    "gru": diagrams.gru_cell,
    "residual": diagrams.residual_block,
    "dropout": lambda: diagrams.dropout_network(rng=0)[0],
}


@pytest.mark.parametrize("name", ALL)
def test_every_diagram_draws_and_every_edge_is_in_the_alt_text(name):
    d = ALL[name]()
    ax = d.draw()
    try:
        assert len(ax.texts) >= len(d.nodes)  # one box per node, plus edge labels
        alt = d.alt()
        assert alt.startswith(f"Diagram: {d.title}.")
        for e in d.edges:
            if e.backward or not d.edge_summary:
                assert f"{d.nodes[e.src].description} to {d.nodes[e.dst].description}" in alt
        # every label lies inside the drawing area (nothing clipped at the figure's edge)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        for t in ax.texts:
            x, y = t.get_position()
            assert x0 < x < x1 and y0 < y < y1, (t.get_text(), x, y)
    finally:
        plt.close(ax.figure)


def test_computation_graph_shapes_are_those_of_the_parameters():
    sizes = (5, 7, 2)
    d = diagrams.computation_graph(sizes, output="σ", loss="bce")
    params = initialize_parameters(list(sizes), rng=0)
    assert f"W1 {params['W1'].shape}" in d.nodes["W1"].label
    assert f"W2 {params['W2'].shape}" in d.nodes["W2"].label
    assert "(m, 7)" in d.nodes["A1"].label and "(m, 2)" in d.nodes["A2"].label
    backward = [e for e in d.edges if e.backward]
    assert [e.dst for e in backward] == ["Z2", "W2", "A1", "Z1", "W1"]


def test_cells_use_the_packages_gate_names():
    lstm, gru = diagrams.lstm_cell(), diagrams.gru_cell()
    assert all(g in lstm.nodes for g in LSTM_GATES)
    assert all(g in gru.nodes for g in GRU_GATES)
    assert "forget gate f" in lstm.alt()


def test_computation_graph_output_gradient_matches_the_loss():
    # linear output + MSE (chapter 3): dZ2 = dA2 = 2 (A2 - Y) / m; sigmoid + BCE: (A2 - Y) / m
    mse = diagrams.computation_graph((3, 4, 1), output="linear", loss="mse")
    bce = diagrams.computation_graph((3, 4, 1), output="σ", loss="bce")
    label = {
        name: next(e.label for e in g.edges if e.backward and e.dst == "Z2") for name, g in (("mse", mse), ("bce", bce))
    }
    assert "2(ŷ − y)/m" in label["mse"] and "2(" not in label["bce"] and "(ŷ − y)/m" in label["bce"]
    assert "ŷ = Z2" in mse.nodes["A2"].label and "σ(Z2)" in bce.nodes["A2"].label
    with pytest.raises(ValueError, match="output, loss"):
        diagrams.computation_graph((3, 4, 1), output="linear", loss="bce")


def test_residual_block_draws_what_residual_forward_computes():
    from dlfund.layers import residual_forward

    d = diagrams.residual_block(activation="tanh", n_layers=2)
    layers = [k for k in d.nodes if k.startswith("F")]
    assert len(layers) == 2 and "tanh" in d.nodes["F2"].label
    # nothing is applied after the sum: Y = X + F(X), as residual_forward returns
    assert d.nodes["sum"].label == "Y = X + F(X)"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 4))
    weights = [(rng.normal(size=(4, 4)), rng.normal(size=4)) for _ in range(2)]
    F = np.tanh(np.tanh(X @ weights[0][0] + weights[0][1]) @ weights[1][0] + weights[1][1])
    np.testing.assert_allclose(residual_forward(X, weights, activation="tanh")[0], X + F, rtol=1e-12)
    identity = [e for e in d.edges if e.src == "X" and e.dst == "sum"]
    assert len(identity) == 1 and any(e.backward and e.src == "sum" and e.dst == "X" for e in d.edges)


def test_dropout_diagram_shows_the_mask_dropout_forward_draws():
    d, masks = diagrams.dropout_network((3, 8, 8, 1), p_drop=0.5, rng=4)
    from dlfund.layers import dropout_forward

    rng = np.random.default_rng(4)
    expected = [dropout_forward(np.ones((1, 8)), 0.5, rng=rng)[1][0].ravel() > 0 for _ in range(2)]
    for got, want in zip(masks, expected):
        np.testing.assert_array_equal(got, want)
    dropped = [name for name, n in d.nodes.items() if n.kind == "dropped"]
    assert len(dropped) == sum(int((~m).sum()) for m in masks) > 0
    assert all(e.src not in dropped and e.dst not in dropped for e in d.edges)
    assert f"{len(dropped)} of 16 hidden units are dropped" in d.alt()
    kept = [", ".join(str(j + 1) for j in np.flatnonzero(m)) for m in masks]
    assert f"hidden layer 1: units {kept[0]}; hidden layer 2: units {kept[1]}" in d.alt()
    full, full_masks = diagrams.dropout_network((3, 8, 8, 1), p_drop=0.0, rng=4)
    assert all(m.all() for m in full_masks) and "0 of 16 hidden units are dropped" in full.alt()


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: diagrams.computation_graph((3, 4)), "three positive layer sizes"),
        (lambda: diagrams.unrolled_rnn(1), "steps must be an integer from 2 to 8"),
        (lambda: diagrams.dropout_network((3, 20, 1)), "from 1 to 12"),
        (lambda: diagrams.residual_block(n_layers=0), "n_layers must be an integer from 1 to 3"),
    ],
)
def test_bad_sizes_are_refused(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_edges_to_unknown_nodes_are_refused():
    d = diagrams.Diagram("t")
    d.add("a", 0, 0, "a")
    with pytest.raises(KeyError, match="unknown node 'b'"):
        d.link("a", "b")


BOOK = Path(__file__).resolve().parent.parent / "book"


def _diagram_cells():
    for path in sorted(BOOK.glob("*.ipynb")):
        for c in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if c["cell_type"] == "code" and "diagrams." in "".join(c["source"]):
                yield pytest.param(c, id=f"{path.stem}:{c['id']}")


@pytest.mark.parametrize("cell", list(_diagram_cells()))
def test_book_diagram_cells_carry_their_diagrams_alt_text(cell, monkeypatch):
    # the alt text lives in the cell's metadata (static HTML); it must be what the drawn diagram says
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    namespace = {"np": np, "plt": plt, "diagrams": diagrams}
    try:
        exec("".join(cell["source"]), namespace)
    finally:
        plt.close("all")
    assert cell["metadata"]["mystnb"]["image"]["alt"] == namespace["figure_alt"]
    assert "hide-input" in cell["metadata"].get("tags", [])


def test_every_diagram_is_placed_in_a_chapter():
    sources = "".join("".join(p.values[0]["source"]) for p in _diagram_cells())
    for drawer in (
        "computation_graph",
        "unrolled_rnn",
        "lstm_cell",
        "gru_cell",
        "residual_block",
        "dropout_network",
        "update_geometry",
    ):
        assert f"diagrams.{drawer}(" in sources, drawer


def test_update_geometry_paths_are_the_optimizers_and_the_alt_text_says_so():
    g = diagrams.update_geometry(condition=25.0, steps=30)
    ax = g.draw()
    try:
        assert len(ax.get_legend().get_texts()) == 3
    finally:
        plt.close(ax.figure)
    # GD on a diagonal quadratic, by hand: x_t = x0 (1 - lr)^t and y_t = y0 (1 - 25 lr)^t
    t = np.arange(31)
    lr = 1.6 / 25
    np.testing.assert_allclose(g.paths["GD"][:, 0], -4.0 * (1 - lr) ** t, rtol=1e-12)
    np.testing.assert_allclose(g.paths["GD"][:, 1], 1.0 * (1 - 25 * lr) ** t, rtol=1e-12)
    assert g.sign_changes("GD") == 30  # 1 - 25 lr < 0: y flips at every step
    dist = {k: float(np.hypot(*p[-1])) for k, p in g.paths.items()}
    assert dist["momentum"] < 0.01 < 0.3 < dist["GD"]  # the velocity crosses the valley's long axis
    alt = g.alt()
    assert alt.startswith(f"Diagram: {g.title}.")
    for name, path in g.paths.items():
        assert f"{name} ({g.settings[name]}): crosses the valley floor y = 0 {g.sign_changes(name)} times" in alt
        assert f"ends at ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})" in alt


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(condition=1.0), "condition must be a number >= 2"),
        (dict(steps=1), "steps must be an integer from 2 to 200"),
        (dict(steps=2.5), "steps must be an integer"),
    ],
)
def test_update_geometry_refuses_bad_settings(kwargs, words):
    with pytest.raises(ValueError, match=words):
        diagrams.update_geometry(**kwargs)
