"""Concept diagrams drawn by code, so they stay true to the package they illustrate.

Each function returns a `Diagram`: boxes (nodes) and arrows (edges) placed on a grid, built
from the same constants and shapes the package uses (the LSTM's gate names come from
`dlfund.rnn`, the dropout mask from `dropout_forward`, the shapes from the layer sizes).
`diagram.draw()` makes the matplotlib figure and `diagram.alt()` the figure's alt text, from
the same nodes and edges, so picture and description cannot disagree.

    d = computation_graph((3, 4, 1))
    d.draw(); print(d.alt())
"""

from dataclasses import dataclass, field

import numpy as np

from .layers import dropout_forward
from .rnn import GRU_GATES, LSTM_GATES

#: colours by node kind, readable on light and dark pages (the figure has its own white panel)
KIND_COLORS = {
    "data": "#dbe9f6",
    "op": "#fde9c9",
    "param": "#e3f1dc",
    "loss": "#f6d5d5",
    "gate": "#eadcf2",
    "dropped": "#eeeeee",
}
FORWARD, BACKWARD = "#1f4e79", "#b03a2e"


@dataclass
class Node:
    x: float
    y: float
    label: str
    kind: str = "op"
    description: str = ""


@dataclass
class Edge:
    """An arrow; `bend` curves it (matplotlib's arc3 `rad`, sign = side), `label_at` places its label."""

    src: str
    dst: str
    label: str = ""
    backward: bool = False
    bend: float = 0.0
    label_at: tuple = None


@dataclass
class Diagram:
    title: str
    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)
    summary: str = ""
    #: "box" (rounded boxes with labels) or "circle" (units of a network drawn as circles)
    shape: str = "box"
    #: if set, the alt text says this instead of listing every forward arrow (dense layers)
    edge_summary: str = ""

    def add(self, name, x, y, label, kind="op", description=""):
        if name in self.nodes:
            raise ValueError(f"node {name!r} added twice")
        self.nodes[name] = Node(x, y, label, kind, description or label)
        return name

    def link(self, src, dst, label="", backward=False, bend=None, label_at=None):
        for end in (src, dst):
            if end not in self.nodes:
                raise KeyError(f"edge refers to unknown node {end!r}; nodes: {sorted(self.nodes)}")
        bend = (0.3 if backward else 0.0) if bend is None else float(bend)
        self.edges.append(Edge(src, dst, label, backward, bend, label_at))

    def alt(self):
        """Alt text: the summary, then every forward and backward arrow in words."""

        def say(e):
            a, b = self.nodes[e.src].description, self.nodes[e.dst].description
            return f"{a} to {b}" + (f" ({e.label})" if e.label else "")

        fwd = [say(e) for e in self.edges if not e.backward]
        bwd = [say(e) for e in self.edges if e.backward]
        text = f"Diagram: {self.title}. {self.summary}".strip()
        text += " " + (self.edge_summary or "Arrows: " + "; ".join(fwd) + ".")
        if bwd:
            text += " Backward (gradient) arrows, dashed red: " + "; ".join(bwd) + "."
        return text.replace("\n", " ")

    def draw(self, ax=None, width=None):
        """Draw on `ax` (a new figure `width` inches wide if None, 7.5 by default); returns the Axes."""
        import matplotlib.pyplot as plt

        spots = [(n.x, n.y) for n in self.nodes.values()]
        spots += [_label_spot(self.nodes[e.src], self.nodes[e.dst], e) for e in self.edges if e.label]
        xs, ys = [x for x, _ in spots], [y for _, y in spots]
        pad_x, pad_y = 0.9, 0.6
        x0, x1, y0, y1 = min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y
        if ax is None:
            w = width or 7.5  # the book's text column, so 10 pt stays 10 pt on the page
            fig, ax = plt.subplots(figsize=(w, max(1.8, w * (y1 - y0) / (x1 - x0)) + 0.35))
            fig.subplots_adjust(left=0, right=1, bottom=0, top=1 - 0.35 / fig.get_figheight())
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        boxes = {}
        for name, n in self.nodes.items():
            style = "circle,pad=0.5" if self.shape == "circle" else "round,pad=0.35"
            t = ax.text(
                n.x,
                n.y,
                n.label,
                ha="center",
                va="center",
                fontsize=10,
                zorder=3,
                bbox=dict(boxstyle=style, fc=KIND_COLORS.get(n.kind, "white"), ec="#444444", lw=0.8),
            )
            boxes[name] = t.get_bbox_patch()
        for e in self.edges:
            _arrow(
                ax, self.nodes[e.src], self.nodes[e.dst], e, boxes[e.src], boxes[e.dst], plain=self.shape == "circle"
            )
        ax.set_title(self.title, fontsize=11)
        ax.set_axis_off()
        ax.figure.patch.set_facecolor("white")
        return ax


def _label_spot(a, b, edge):
    """Where an edge's label goes: `label_at`, else beside the middle of the arrow or beyond its arc's apex."""
    if edge.label_at is not None:
        return edge.label_at
    # the apex of an arc3 curve lies half of `bend` times the chord to the side of (dy, -dx)
    dx, dy = b.x - a.x, b.y - a.y
    lx, ly = (a.x + b.x) / 2 + 0.5 * edge.bend * dy, (a.y + b.y) / 2 - 0.5 * edge.bend * dx
    if abs(dx) < 1e-9:  # vertical: to the right of the arrow
        return lx + 0.12, ly
    side = np.sign(-edge.bend * dx) if edge.bend else 1.0
    return lx, ly + 0.2 * side


def _arrow(ax, a, b, edge, box_a, box_b, plain=False):
    """An arrow clipped at the two boxes (drawn after them), with its label beside its middle.

    `plain`: a thin line without a head (the many connections of a dense layer)."""
    from matplotlib.patches import FancyArrowPatch

    color = BACKWARD if edge.backward else FORWARD
    ax.add_patch(
        FancyArrowPatch(
            (a.x, a.y),
            (b.x, b.y),
            patchA=box_a,
            patchB=box_b,
            shrinkA=2,
            shrinkB=2,
            arrowstyle="-" if plain else "-|>",
            mutation_scale=11,
            color=color,
            lw=0.8 if plain else 1.2,
            alpha=0.7 if plain else 1.0,
            zorder=3.5,
            ls="--" if edge.backward else "-",
            connectionstyle=f"arc3,rad={edge.bend}",
        )
    )
    if edge.label:
        lx, ly = _label_spot(a, b, edge)
        ax.text(
            lx,
            ly,
            edge.label,
            ha="left" if edge.label_at is None and abs(b.x - a.x) < 1e-9 else "center",
            va="center",
            fontsize=9,
            color=color,
            zorder=4,
            bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85),
        )


# -- the diagrams ----------------------------------------------------------------------------------

_OUTPUT_GRADIENT = {("linear", "mse"): "2(ŷ − y)/m", ("σ", "bce"): "(ŷ − y)/m"}


def computation_graph(sizes=(3, 4, 1), hidden="tanh", output="linear", loss="mse", loss_symbol="J"):
    """The forward and backward pass of a one-hidden-layer network with layer sizes `sizes`.

    Shapes are those of a mini-batch of m rows: X (m, n0), W1 (n0, n1), Z1 and A1 (m, n1), ...
    `output` and `loss` are a matching pair: "linear" with "mse", or "σ" with "bce".
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) != 3 or min(sizes) < 1:
        raise ValueError(f"sizes must be three positive layer sizes (n_in, n_hidden, n_out), got {sizes}")
    if (output, loss) not in _OUTPUT_GRADIENT:
        raise ValueError(f"(output, loss) must be one of {sorted(_OUTPUT_GRADIENT)}, got {(output, loss)!r}")
    n0, n1, n2 = sizes
    J = loss_symbol
    d = Diagram(
        f"Forward (blue) and backward (red) pass of a {n0}-{n1}-{n2} network",
        summary=f"Data flow left to right from the input X of shape (m, {n0}) to the loss {J}; "
        "gradients flow back right to left, each the shape of what it is the gradient of.",
    )
    # x positions (data units): the wide boxes 2 apart, the narrow X, ŷ and J closer
    x = dict(X=0.0, Z1=1.75, A1=3.75, Z2=5.75, A2=7.45, E=8.85)
    y_hat = "ŷ = Z2" if output == "linear" else f"ŷ = {output}(Z2)"
    d.add("X", x["X"], 0, f"X\n(m, {n0})", "data", f"input X (m, {n0})")
    d.add("W1", x["Z1"], 1.7, f"W1 ({n0}, {n1})\nb1 ({n1},)", "param", "parameters W1, b1")
    d.add("Z1", x["Z1"], 0, f"Z1 = XW1+b1\n(m, {n1})", "op", "Z1 = X W1 + b1")
    d.add("A1", x["A1"], 0, f"A1 = {hidden}(Z1)\n(m, {n1})", "op", f"A1 = {hidden}(Z1)")
    d.add("W2", x["Z2"], 1.7, f"W2 ({n1}, {n2})\nb2 ({n2},)", "param", "parameters W2, b2")
    d.add("Z2", x["Z2"], 0, f"Z2 = A1W2+b2\n(m, {n2})", "op", "Z2 = A1 W2 + b2")
    d.add("A2", x["A2"], 0, f"{y_hat}\n(m, {n2})", "op", f"prediction {y_hat}")
    d.add("E", x["E"], 0, f"{J}(ŷ, y)\n{loss.upper()}", "loss", f"loss {J} ({loss.upper()})")
    for a, b in (("X", "Z1"), ("W1", "Z1"), ("Z1", "A1"), ("A1", "Z2"), ("W2", "Z2"), ("Z2", "A2"), ("A2", "E")):
        d.link(a, b)

    # backward arrows leave and enter the boxes from below (or from the left for the parameters),
    # each labelled beyond the apex of its arc
    def param_grads(k, x):
        d.link(
            f"Z{k}",
            f"W{k}",
            f"dW{k} = {'X' if k == 1 else 'A1'}ᵀdZ{k}\ndb{k} = Σ dZ{k}",
            backward=True,
            bend=-0.5,
            label_at=(x - 1.2, 0.85),
        )

    d.link(
        "E",
        "Z2",
        f"dZ2 =\n{_OUTPUT_GRADIENT[output, loss]}",
        backward=True,
        bend=-0.45,
        label_at=((x["Z2"] + x["E"]) / 2, -1.25),
    )
    param_grads(2, x["Z2"])
    d.link("Z2", "A1", "dA1 =\ndZ2 W2ᵀ", backward=True, bend=-0.7, label_at=((x["A1"] + x["Z2"]) / 2, -1.15))
    d.link("A1", "Z1", f"dZ1 =\ndA1⊙{hidden}′(Z1)", backward=True, bend=-0.7, label_at=((x["Z1"] + x["A1"]) / 2, -1.15))
    param_grads(1, x["Z1"])
    return d


def unrolled_rnn(steps=4, loss_symbol="L"):
    """A recurrent layer unrolled over `steps` time steps, with backpropagation through time."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 8:
        raise ValueError(f"steps must be an integer from 2 to 8, got {steps!r}")
    L = loss_symbol
    d = Diagram(
        f"hₜ = tanh(xₜWₓ + hₜ₋₁Wₕ + b), unrolled over {steps} steps",
        summary=f"The same weights Wx, Wh are used at every step; the gradient of the loss {L} "
        "travels back through every hidden state (backpropagation through time), "
        "multiplied at each step by the tanh derivative and Wh transposed.",
    )
    dx = 1.6
    d.add("h0", 0, 0, "h₀", "data", "initial state h0")
    for t in range(1, steps + 1):
        d.add(f"x{t}", dx * t, -1.1, f"x{_sub(t)}", "data", f"input x{t}")
        d.add(f"h{t}", dx * t, 0, f"h{_sub(t)}", "op", f"state h{t}")
        d.link(f"x{t}", f"h{t}", "Wₓ" if t == 1 else "")
        d.link(f"h{t - 1}", f"h{t}", "Wₕ", label_at=(dx * (t - 0.5), -0.22))
    d.add("E", dx * (steps + 1), 0, L, "loss", f"loss {L}")
    d.link(f"h{steps}", "E")
    d.link("E", f"h{steps}", f"∂{L}/∂h{_sub(steps)}", backward=True, bend=0.45)
    for t in range(steps, 1, -1):
        d.link(f"h{t}", f"h{t - 1}", "⊙(1−h²)·Wₕᵀ", backward=True, bend=0.45)
    return d


def _sub(t):
    return str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


#: gate -> (symbol, activation, name of the same quantity in the lecture slides)
_LSTM_SYMBOLS = {
    "input": ("i", "σ", "i₁"),
    "forget": ("f", "σ", ""),
    "candidate": ("g", "tanh", "i₂"),
    "output": ("o", "σ", "O₁"),
}
_GRU_SYMBOLS = {"reset": ("r", "σ"), "update": ("z", "σ"), "candidate": ("n", "tanh")}


def lstm_cell(slides=True):
    """One LSTM step: the four gates (in `dlfund.rnn.LSTM_GATES` order) and the two states.

    With `slides`, every box also names the lecture slides' symbol (i₁, i₂, O₁, O₂).
    """

    def also(name):
        return f"\n(slides: {name})" if slides and name else ""

    d = Diagram(
        "One LSTM step: the cell state c runs along the top",
        summary="Four gates read x_t and h_(t−1); the cell state c is changed only by "
        "an elementwise product with f and a sum, the path along which gradients survive."
        + (" In the slides' notation i is i1, g is i2, o is O1 and tanh(c_t) is O2." if slides else ""),
    )
    d.add("in", 3.6, -1.5, "[xₜ, hₜ₋₁]", "data", "the input x_t and the previous state h_(t−1)")
    column = {"forget": 0, "input": 1, "candidate": 2, "output": 3}  # f under the cell path's first product
    for gate in LSTM_GATES:
        sym, act, slide = _LSTM_SYMBOLS[gate]
        d.add(
            gate,
            1.6 + 1.45 * column[gate],
            0,
            f"{sym} = {act}(·){also(slide)}",
            "gate",
            f"{gate} gate {sym} = {act}(...)" + (f" (slides: {slide})" if slides and slide else ""),
        )
        d.link("in", gate)
    top = 2.0
    d.add("c_prev", 0, top, "cₜ₋₁", "data", "previous cell state c_(t−1)")
    d.add("forget_mul", 1.6, top, "f ⊙ cₜ₋₁", "op", "f times c_(t−1)")
    d.add("input_mul", 3.75, 1.0, f"i ⊙ g{also('i₁·i₂')}", "op", "i times g")
    d.add("c", 4.7, top, "cₜ = f⊙cₜ₋₁ + i⊙g", "op", "new cell state c_t")
    d.add("h", 6.9, 1.0, f"hₜ = o ⊙ tanh(cₜ){also('O₁·O₂')}", "op", "new hidden state h_t = o times tanh(c_t)")
    for a, b in (
        ("c_prev", "forget_mul"),
        ("forget", "forget_mul"),
        ("input", "input_mul"),
        ("candidate", "input_mul"),
        ("forget_mul", "c"),
        ("input_mul", "c"),
        ("c", "h"),
        ("output", "h"),
    ):
        d.link(a, b)
    d.link("c", "c_prev", "dcₜ₋₁ = dcₜ ⊙ f  (no weight matrix)", backward=True, bend=0.25)
    return d


def gru_cell():
    """One GRU step: reset and update gates and the candidate (`dlfund.rnn.GRU_GATES`, PyTorch's convention)."""
    d = Diagram(
        "One GRU step",
        summary="Reset r decides how much of h_(t−1) the candidate n sees; update z mixes "
        "the old state and the candidate: h_t = (1 − z) ⊙ n + z ⊙ h_(t−1).",
    )
    d.add("in", 0, 0, "[xₜ, hₜ₋₁]", "data", "the input x_t and the previous state h_(t−1)")
    place = {"reset": (1.8, 1.3), "update": (3.6, -1.0), "candidate": (3.6, 0.6)}
    labels = {"candidate": "n = tanh(xWₓₙ + bₙ\n + r⊙(hWₕₙ + bₕₙ))"}
    for gate in GRU_GATES:
        sym, act = _GRU_SYMBOLS[gate]
        d.add(gate, *place[gate], labels.get(gate, f"{sym} = {act}(·)"), "gate", f"{gate} {sym}")
        d.link("in", gate)
    d.link("reset", "candidate")
    d.add("h_prev", 6.0, 1.6, "hₜ₋₁", "data", "previous state h_(t−1)")
    d.add("h", 6.0, -0.2, "hₜ = (1−z)⊙n + z⊙hₜ₋₁", "op", "new state h_t")
    for a in ("update", "candidate", "h_prev"):
        d.link(a, "h")
    d.link("h", "h_prev", "direct path:\ndhₜ ⊙ z", backward=True, bend=0.5, label_at=(6.75, 0.75))
    return d


def residual_block(activation="g", n_layers=2, loss_symbol="E"):
    """y = X + F(X) as `layers.residual_forward` computes it: F is `n_layers` dense layers, each followed
    by `activation`; nothing is applied after the sum, so the identity path carries dY to X unchanged."""
    if isinstance(n_layers, bool) or not isinstance(n_layers, int) or not 1 <= n_layers <= 3:
        raise ValueError(f"n_layers must be an integer from 1 to 3, got {n_layers!r}")
    E = loss_symbol
    d = Diagram(
        "A residual block: Y = X + F(X)",
        summary=f"The block adds its input to what its layers compute, so ∂{E}/∂X = ∂{E}/∂Y (I + ∂F/∂X): "
        "the gradient reaches X through the identity path even when F's gradient is small.",
    )
    d.add("X", 0, 0, "X", "data", "input X")
    prev, step = "X", 5.0 / (n_layers + 1)
    for k in range(1, n_layers + 1):
        inner = "X" if k == 1 else f"H{_sub(k - 1)}"
        out = "F(X)" if k == n_layers else f"H{_sub(k)}"
        d.add(
            f"F{k}",
            step * k,
            -1.1,
            f"{out} = {activation}({inner}W{_sub(k)} + b{_sub(k)})",
            "op",
            f"layer {k} of F, {out}",
        )
        d.link(prev, f"F{k}")
        prev = f"F{k}"
    d.add("sum", 5.0, 0, "Y = X + F(X)", "op", "the sum Y")
    d.link(prev, "sum")
    d.link("X", "sum", "identity")
    d.link("sum", "X", f"∂{E}/∂Y passes back unchanged", backward=True, bend=0.25)
    return d


def dropout_network(sizes=(4, 6, 6, 1), p_drop=0.5, rng=None):
    """A small network with one sampled inverted-dropout mask on its hidden layers (dropped units grey).

    The mask is drawn by `dropout_forward`, the function the models use; returns (diagram, masks).
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 3 or min(sizes) < 1 or max(sizes) > 12:
        raise ValueError(f"sizes must be ≥ 3 layer sizes from 1 to 12, got {sizes}")
    rng = np.random.default_rng(rng)
    masks = []
    for n in sizes[1:-1]:
        _, cache = dropout_forward(np.ones((1, n)), p_drop, rng=rng)
        masks.append(_mask_of(cache).ravel() > 0)
    kept = sum(int(m.sum()) for m in masks)
    total = sum(sizes[1:-1])
    kept_words = "; ".join(
        f"hidden layer {k + 1}: units {', '.join(str(j + 1) for j in np.flatnonzero(m))}"
        if m.any()
        else f"hidden layer {k + 1}: none"
        for k, m in enumerate(masks)
    )
    d = Diagram(
        f"Dropout with p = {p_drop}: one sampled mask" if p_drop else "Without dropout: every unit",
        summary=f"A network with layer sizes {', '.join(map(str, sizes))}. "
        + (
            f"{total - kept} of {total} hidden units are dropped (grey, crossed) for this mini-batch; "
            f"the kept ones are scaled by 1/(1 − p) = {1 / (1 - p_drop):.3g}."
            if p_drop
            else f"0 of {total} hidden units are dropped: every unit is used."
        ),
        shape="circle",
        edge_summary=f"Kept units ({kept_words}) connect to every kept unit of the next layer; "
        "dropped units have no connections.",
    )
    for layer, n in enumerate(sizes):
        for k in range(n):
            dropped = 0 < layer < len(sizes) - 1 and not masks[layer - 1][k]
            kind = "dropped" if dropped else ("data" if layer in (0, len(sizes) - 1) else "op")
            d.add(
                f"{layer}:{k}",
                1.6 * layer,
                0.7 * ((n - 1) / 2 - k),
                "×" if dropped else " ",
                kind,
                f"layer {layer} unit {k + 1}" + (" (dropped)" if dropped else ""),
            )
    for layer in range(len(sizes) - 1):
        for a in range(sizes[layer]):
            for b in range(sizes[layer + 1]):
                src, dst = d.nodes[f"{layer}:{a}"], d.nodes[f"{layer + 1}:{b}"]
                if src.kind != "dropped" and dst.kind != "dropped":
                    d.edges.append(Edge(f"{layer}:{a}", f"{layer + 1}:{b}"))
    return d, masks


def _mask_of(cache):
    """The keep-mask (scaled or 0/1) inside a dropout cache, whatever container holds it."""
    if isinstance(cache, dict):
        return np.asarray(cache["mask"])
    for item in cache if isinstance(cache, tuple) else (getattr(cache, "mask", None),):
        if isinstance(item, np.ndarray):
            return item
    raise TypeError("dropout cache holds no mask array")


@dataclass
class UpdateGeometry:
    """Paths of several optimizers from one start on an ill-conditioned quadratic (see `update_geometry`)."""

    surface: object
    paths: dict
    settings: dict
    condition: float

    @property
    def title(self):
        return f"Update geometry on f = (x² + {self.condition:g} y²) / 2"

    def sign_changes(self, name):
        """How often y changes sign along a path: the zig-zags across the valley."""
        y = self.paths[name][:, 1]
        return int(np.sum(np.sign(y[1:]) * np.sign(y[:-1]) < 0))

    def alt(self):
        """Alt text from the computed paths: where each one goes and how often it crosses the valley floor."""
        x0, y0 = self.surface.start
        steps = len(next(iter(self.paths.values()))) - 1
        text = (
            f"Diagram: {self.title}. Contour lines of an elongated bowl, curvature 1 along x and "
            f"{self.condition:g} along y, minimum at the origin (star); {steps} steps of each optimizer "
            f"from ({x0:g}, {y0:g}) (square), computed with dlfund.optim."
        )
        for name, path in self.paths.items():
            x, y = path[-1]
            text += (
                f" {name} ({self.settings[name]}): crosses the valley floor y = 0 "
                f"{self.sign_changes(name)} times and ends at ({x:.2f}, {y:.2f}), "
                f"distance {np.hypot(x, y):.2f} from the minimum."
            )
        return text

    def draw(self, ax=None, width=None):
        """Contours and paths on `ax` (a new figure if None); returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            w = width or 7.5
            _, ax = plt.subplots(figsize=(w, w * 0.45))
        labelled = {f"{name} ({self.settings[name]})": path for name, path in self.paths.items()}
        self.surface.plot(labelled, ax=ax, legend=True)
        for line in ax.lines:
            if line.get_linestyle() == "-":
                line.set_marker(".")
                line.set_markersize(4)
        ax.set_title(self.title, fontsize=12)
        ax.figure.patch.set_facecolor("white")
        return ax


def update_geometry(condition=25.0, steps=30, lr=None, momentum=0.6, adam_lr=0.3):
    """GD, momentum and Adam from the same start on f = (x² + condition·y²)/2, by dlfund's optimizers.

    The GD family uses `lr` (default 1.6 / condition, inside GD's limit 2 / condition, so GD
    zig-zags along y and crawls along x); Adam uses `adam_lr` (a step length in parameter units).
    """
    from .data.surfaces import ravine, run_optimizer
    from .optim import GD, SGD, Adam

    if isinstance(condition, bool) or not isinstance(condition, (int, float)) or not condition >= 2:
        raise ValueError(f"condition must be a number >= 2 (an ill-conditioned bowl), got {condition!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 200:
        raise ValueError(f"steps must be an integer from 2 to 200, got {steps!r}")
    lr = 1.6 / condition if lr is None else lr
    surface = ravine(condition)
    optimizers = {
        "GD": (GD(lr), f"lr {lr:.3g}"),
        "momentum": (SGD(lr, momentum=momentum), f"lr {lr:.3g}, momentum {momentum:g}"),
        "Adam": (Adam(adam_lr), f"lr {adam_lr:g}"),
    }
    paths = {name: run_optimizer(surface, opt, n_steps=steps) for name, (opt, _) in optimizers.items()}
    return UpdateGeometry(surface, paths, {name: s for name, (_, s) in optimizers.items()}, float(condition))
