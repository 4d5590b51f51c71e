"""Concept diagrams: built from the package's own names and shapes, drawn, and described in alt text."""
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
        assert len(ax.texts) >= len(d.nodes)          # one box per node, plus edge labels
        alt = d.alt()
        assert alt.startswith(f"Diagram: {d.title}.")
        for e in d.edges:
            if not e.backward:
                assert f"{d.nodes[e.src].description} to {d.nodes[e.dst].description}" in alt
    finally:
        plt.close(ax.figure)


def test_computation_graph_shapes_are_those_of_the_parameters():
    sizes = (5, 7, 2)
    d = diagrams.computation_graph(sizes)
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


@pytest.mark.parametrize("call, words", [
    (lambda: diagrams.computation_graph((3, 4)), "three positive layer sizes"),
    (lambda: diagrams.unrolled_rnn(1), "steps must be an integer from 2 to 8"),
    (lambda: diagrams.dropout_network((3, 20, 1)), "from 1 to 12"),
])
def test_bad_sizes_are_refused(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_edges_to_unknown_nodes_are_refused():
    d = diagrams.Diagram("t")
    d.add("a", 0, 0, "a")
    with pytest.raises(KeyError, match="unknown node 'b'"):
        d.link("a", "b")


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
    assert g.sign_changes("GD") == 30                      # 1 - 25 lr < 0: y flips at every step
    dist = {k: float(np.hypot(*p[-1])) for k, p in g.paths.items()}
    assert dist["momentum"] < 0.01 < 0.3 < dist["GD"]       # the velocity crosses the valley's long axis
    alt = g.alt()
    assert alt.startswith(f"Diagram: {g.title}.")
    for name, path in g.paths.items():
        assert f"{name} ({g.settings[name]}): crosses the valley floor y = 0 {g.sign_changes(name)} times" in alt
        assert f"ends at ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})" in alt


@pytest.mark.parametrize("kwargs, words", [
    (dict(condition=1.0), "condition must be a number >= 2"),
    (dict(steps=1), "steps must be an integer from 2 to 200"),
    (dict(steps=2.5), "steps must be an integer"),
])
def test_update_geometry_refuses_bad_settings(kwargs, words):
    with pytest.raises(ValueError, match=words):
        diagrams.update_geometry(**kwargs)
