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
KIND_COLORS = {"data": "#dbe9f6", "op": "#fde9c9", "param": "#e3f1dc", "loss": "#f6d5d5",
               "gate": "#eadcf2", "dropped": "#eeeeee"}
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
    src: str
    dst: str
    label: str = ""
    backward: bool = False


@dataclass
class Diagram:
    title: str
    nodes: dict = field(default_factory=dict)
    edges: list = field(default_factory=list)
    summary: str = ""

    def add(self, name, x, y, label, kind="op", description=""):
        if name in self.nodes:
            raise ValueError(f"node {name!r} added twice")
        self.nodes[name] = Node(x, y, label, kind, description or label)
        return name

    def link(self, src, dst, label="", backward=False):
        for end in (src, dst):
            if end not in self.nodes:
                raise KeyError(f"edge refers to unknown node {end!r}; nodes: {sorted(self.nodes)}")
        self.edges.append(Edge(src, dst, label, backward))

    def alt(self):
        """Alt text: the summary, then every forward and backward arrow in words."""
        def say(e):
            a, b = self.nodes[e.src].description, self.nodes[e.dst].description
            return f"{a} to {b}" + (f" ({e.label})" if e.label else "")
        fwd = [say(e) for e in self.edges if not e.backward]
        bwd = [say(e) for e in self.edges if e.backward]
        text = f"Diagram: {self.title}. {self.summary}".strip()
        text += " Arrows: " + "; ".join(fwd) + "."
        if bwd:
            text += " Backward (gradient) arrows, in red: " + "; ".join(bwd) + "."
        return text

    def draw(self, ax=None, width=None):
        """Draw on `ax` (a new figure if None); returns the Axes."""
        import matplotlib.pyplot as plt

        xs = [n.x for n in self.nodes.values()]
        ys = [n.y for n in self.nodes.values()]
        if ax is None:
            span_x, span_y = max(xs) - min(xs) + 1.6, max(ys) - min(ys) + 1.4
            w = width or 7.5  # the book's text column, so 10 pt stays 10 pt on the page
            fig, ax = plt.subplots(figsize=(w, max(2.2, w * span_y / span_x)))
            fig.subplots_adjust(left=0, right=1, bottom=0, top=0.88)
        for e in self.edges:
            _arrow(ax, self.nodes[e.src], self.nodes[e.dst], e)
        for n in self.nodes.values():
            ax.text(n.x, n.y, n.label, ha="center", va="center", fontsize=10, zorder=3,
                    bbox=dict(boxstyle="round,pad=0.35", fc=KIND_COLORS.get(n.kind, "white"),
                              ec="#444444", lw=0.8))
        ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
        ax.set_ylim(min(ys) - 0.8, max(ys) + 0.7)
        ax.set_title(self.title, fontsize=12)
        ax.set_axis_off()
        ax.figure.patch.set_facecolor("white")
        return ax


def _arrow(ax, a, b, edge):
    color = BACKWARD if edge.backward else FORWARD
    bend = 0.25 if edge.backward else 0.0
    ax.annotate("", xy=(b.x, b.y), xytext=(a.x, a.y), zorder=1,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.3, ls="--" if edge.backward else "-",
                                shrinkA=16, shrinkB=16, connectionstyle=f"arc3,rad={bend}"))
    if edge.label:
        vertical = abs(a.x - b.x) < 1e-9
        dx, dy = ((0.12, 0.0) if vertical else (0.0, -0.45 if edge.backward else 0.25))
        ax.text((a.x + b.x) / 2 + dx, (a.y + b.y) / 2 + dy, edge.label, ha="left" if vertical else "center",
                va="center", fontsize=9, color=color, zorder=2,
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85))


# -- the diagrams ----------------------------------------------------------------------------------

def computation_graph(sizes=(3, 4, 1), hidden="ReLU", output="σ"):
    """The forward and backward pass of a one-hidden-layer network with layer sizes `sizes`.

    Shapes are those of a mini-batch of m rows: X (m, n0), W1 (n0, n1), Z1 and A1 (m, n1), ...
    """
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) != 3 or min(sizes) < 1:
        raise ValueError(f"sizes must be three positive layer sizes (n_in, n_hidden, n_out), got {sizes}")
    n0, n1, n2 = sizes
    d = Diagram(f"Forward and backward pass of a {n0}-{n1}-{n2} network",
                summary=f"Data flow left to right from the input X of shape (m, {n0}) to the loss E; "
                        "gradients flow back right to left.")
    col = 1.9  # horizontal distance between boxes (data units)
    d.add("X", 0, 0, f"X\n(m, {n0})", "data", f"input X (m, {n0})")
    d.add("W1", col, 1.6, f"W1 ({n0}, {n1})\nb1 ({n1},)", "param", "parameters W1, b1")
    d.add("Z1", col, 0, f"Z1 = XW1+b1\n(m, {n1})", "op", "Z1 = X W1 + b1")
    d.add("A1", 2 * col, 0, f"A1 = {hidden}(Z1)\n(m, {n1})", "op", f"A1 = {hidden}(Z1)")
    d.add("W2", 3 * col, 1.6, f"W2 ({n1}, {n2})\nb2 ({n2},)", "param", "parameters W2, b2")
    d.add("Z2", 3 * col, 0, f"Z2 = A1W2+b2\n(m, {n2})", "op", "Z2 = A1 W2 + b2")
    d.add("A2", 4 * col, 0, f"ŷ = {output}(Z2)\n(m, {n2})", "op", f"prediction ŷ = {output}(Z2)")
    d.add("E", 5 * col, 0, "E(ŷ, y)", "loss", "loss E")
    for a, b in (("X", "Z1"), ("W1", "Z1"), ("Z1", "A1"), ("A1", "Z2"), ("W2", "Z2"), ("Z2", "A2"), ("A2", "E")):
        d.link(a, b)
    d.link("E", "Z2", "dZ2 = ŷ − y", backward=True)
    d.link("Z2", "W2", "dW2 = A1ᵀ dZ2", backward=True)
    d.link("Z2", "A1", "dA1 = dZ2 W2ᵀ", backward=True)
    d.link("A1", "Z1", f"dZ1 = dA1⊙{hidden}′(Z1)", backward=True)
    d.link("Z1", "W1", "dW1 = Xᵀ dZ1", backward=True)
    return d


def unrolled_rnn(steps=4):
    """A recurrent layer unrolled over `steps` time steps, with backpropagation through time."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 8:
        raise ValueError(f"steps must be an integer from 2 to 8, got {steps!r}")
    d = Diagram(f"hₜ = tanh(xₜWx + hₜ₋₁Wh + b), unrolled over {steps} steps",
                summary="The same weights Wx, Wh are used at every step; the gradient of the loss "
                        "travels back through every hidden state (backpropagation through time).")
    d.add("h0", 0, 0, "h₀", "data", "initial state h0")
    for t in range(1, steps + 1):
        d.add(f"x{t}", 1.6 * t, -1.2, f"x{_sub(t)}", "data", f"input x{t}")
        d.add(f"h{t}", 1.6 * t, 0, f"h{_sub(t)}", "op", f"state h{t}")
        d.link(f"x{t}", f"h{t}")
        d.link(f"h{t - 1}", f"h{t}", "Wh")
    d.add("E", 1.6 * (steps + 1), 0, "E", "loss", "loss E")
    d.link(f"h{steps}", "E")
    d.link("E", f"h{steps}", "∂E/∂h", backward=True)
    for t in range(steps, 1, -1):
        d.link(f"h{t}", f"h{t - 1}", "⊙(1−h²), ·Whᵀ" if t == steps else "", backward=True)
    return d


def _sub(t):
    return str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


_LSTM_SYMBOLS = {"input": ("i", "σ"), "forget": ("f", "σ"), "candidate": ("g", "tanh"), "output": ("o", "σ")}
_GRU_SYMBOLS = {"reset": ("r", "σ"), "update": ("z", "σ"), "candidate": ("n", "tanh")}


def lstm_cell():
    """One LSTM step: the four gates (in `dlfund.rnn.LSTM_GATES` order) and the two states."""
    d = Diagram("One LSTM step",
                summary="Four gates read x_t and h_(t−1); the cell state c is changed only by "
                        "elementwise products and a sum, the path along which gradients survive.")
    d.add("in", 0, 0, "[xₜ, hₜ₋₁]", "data", "the input x_t and the previous state h_(t−1)")
    for k, gate in enumerate(LSTM_GATES):
        sym, act = _LSTM_SYMBOLS[gate]
        d.add(gate, 1.4, 1.5 - k, f"{sym} = {act}(·)", "gate", f"{gate} gate {sym} = {act}(...)")
        d.link("in", gate)
    d.add("c_prev", 2.8, 2.3, "cₜ₋₁", "data", "previous cell state c_(t−1)")
    d.add("forget_mul", 2.8, 1.2, "f ⊙ cₜ₋₁", "op", "f times c_(t−1)")
    d.add("input_mul", 2.8, 0.0, "i ⊙ g", "op", "i times g")
    d.add("c", 4.2, 0.6, "cₜ = f⊙cₜ₋₁ + i⊙g", "op", "new cell state c_t")
    d.add("h", 5.6, -0.9, "hₜ = o ⊙ tanh(cₜ)", "op", "new hidden state h_t")
    for a, b in (("c_prev", "forget_mul"), ("forget", "forget_mul"), ("input", "input_mul"),
                 ("candidate", "input_mul"), ("forget_mul", "c"), ("input_mul", "c"), ("c", "h"), ("output", "h")):
        d.link(a, b)
    d.link("c", "c_prev", "dcₜ₋₁ = dcₜ ⊙ f", backward=True)
    return d


def gru_cell():
    """One GRU step: reset and update gates and the candidate (`dlfund.rnn.GRU_GATES`, PyTorch's convention)."""
    d = Diagram("One GRU step",
                summary="Reset r decides how much of h_(t−1) the candidate n sees; update z mixes "
                        "the old state and the candidate: h_t = (1 − z) ⊙ n + z ⊙ h_(t−1).")
    d.add("in", 0, 0, "[xₜ, hₜ₋₁]", "data", "the input x_t and the previous state h_(t−1)")
    for k, gate in enumerate(GRU_GATES):
        sym, act = _GRU_SYMBOLS[gate]
        label = "n = tanh(xWₙ + r⊙(hWₙ + bₙ))" if gate == "candidate" else f"{sym} = {act}(·)"
        d.add(gate, 1.6, 1.0 - k, label, "gate", f"{gate} {sym}")
        d.link("in", gate)
    d.link("reset", "candidate")
    d.add("h_prev", 3.4, 1.6, "hₜ₋₁", "data", "previous state h_(t−1)")
    d.add("h", 3.6, -0.6, "hₜ = (1−z)⊙n + z⊙hₜ₋₁", "op", "new state h_t")
    for a in ("update", "candidate", "h_prev"):
        d.link(a, "h")
    d.link("h", "h_prev", "dhₜ₋₁ ⊇ dhₜ ⊙ z", backward=True)
    return d


def residual_block(activation="ReLU"):
    """Y = act(X + F(X)) with F two dense layers: the identity path carries the gradient unchanged."""
    d = Diagram("A residual block",
                summary="The block adds its input to what its layers compute, so the gradient reaches "
                        "X through the identity path even when F's gradient is small.")
    d.add("X", 0, 0, "X", "data", "input X")
    d.add("F1", 1.3, -1.0, f"{activation}(X W₁ + b₁)", "op", "first layer")
    d.add("F2", 2.6, -1.0, "F(X) = (·) W₂ + b₂", "op", "second layer F(X)")
    d.add("sum", 3.9, 0, f"Y = {activation}(X + F(X))", "op", "sum and activation Y")
    d.link("X", "F1")
    d.link("F1", "F2")
    d.link("F2", "sum")
    d.link("X", "sum", "identity")
    d.link("sum", "X", "the identity passes dY back unchanged", backward=True)
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
    d = Diagram(f"Dropout with p = {p_drop}: one sampled mask",
                summary=f"{total - kept} of {total} hidden units are dropped (grey) for this mini-batch; "
                        f"the kept ones are scaled by 1/(1 − p) = {1 / (1 - p_drop):.3g}.")
    for layer, n in enumerate(sizes):
        for k in range(n):
            dropped = 0 < layer < len(sizes) - 1 and not masks[layer - 1][k]
            kind = "dropped" if dropped else ("data" if layer in (0, len(sizes) - 1) else "op")
            d.add(f"{layer}:{k}", 1.6 * layer, (n - 1) / 2 - k, "×" if dropped else " ", kind,
                  f"layer {layer} unit {k + 1}" + (" (dropped)" if dropped else ""))
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
    for item in (cache if isinstance(cache, tuple) else (getattr(cache, "mask", None),)):
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
        text = (f"Diagram: {self.title}. Contour lines of an elongated bowl, curvature 1 along x and "
                f"{self.condition:g} along y, minimum at the origin (star); {steps} steps of each optimizer "
                f"from ({x0:g}, {y0:g}) (square), computed with dlfund.optim.")
        for name, path in self.paths.items():
            x, y = path[-1]
            text += (f" {name} ({self.settings[name]}): crosses the valley floor y = 0 "
                     f"{self.sign_changes(name)} times and ends at ({x:.2f}, {y:.2f}), "
                     f"distance {np.hypot(x, y):.2f} from the minimum.")
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
    optimizers = {"GD": (GD(lr), f"lr {lr:.3g}"),
                  "momentum": (SGD(lr, momentum=momentum), f"lr {lr:.3g}, momentum {momentum:g}"),
                  "Adam": (Adam(adam_lr), f"lr {adam_lr:g}")}
    paths = {name: run_optimizer(surface, opt, n_steps=steps) for name, (opt, _) in optimizers.items()}
    return UpdateGeometry(surface, paths, {name: s for name, (_, s) in optimizers.items()}, float(condition))
