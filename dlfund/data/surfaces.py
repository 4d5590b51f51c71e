"""Two-dimensional loss surfaces with exact gradients, for watching optimizers move.

    surf = saddle()                                   # f = x^2 + y^4/4 - y^2/2
    surf.value([1.0, 0.0]), surf.gradient([1.0, 0.0])
    path = run_optimizer(surf, SGD(lr=0.1), start=(1, 0), n_steps=100, noise=1e-3, rng=0)
    surf.plot({"SGD + noise": path})

`value` and `gradient` accept one point of shape (2,) or a grid of points (..., 2).
"""

import copy
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._validate import as_array, check_choice, check_positive, check_rng


@dataclass(frozen=True)
class Surface:
    """f(x, y) with its exact gradient, a start point that shows its difficulty, and plot limits.

    `f(x, y)` and `grad(x, y)` work element-wise on arrays; `minima` lists the local minima,
    the global one first.
    """

    name: str
    formula: str
    f: Callable
    grad: Callable
    start: tuple
    minima: tuple
    xlim: tuple
    ylim: tuple
    notes: str = field(default="")

    def value(self, xy):
        """f at points xy of shape (2,) or (..., 2); returns a float or an array of shape (...)."""
        xy = _points(xy)
        out = self.f(xy[..., 0], xy[..., 1])
        return float(out) if xy.ndim == 1 else out

    def gradient(self, xy):
        """Exact gradient (df/dx, df/dy) at points xy of shape (2,) or (..., 2), same shape out."""
        xy = _points(xy)
        gx, gy = self.grad(xy[..., 0], xy[..., 1])
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1)

    def __call__(self, xy):
        return self.value(xy)

    def plot(self, trajectories=None, ax=None, levels=25, n_grid=160, legend=True):
        """Contours of f (levels at quantiles of f over the plot window), the minima as stars,
        and optionally trajectories {label: array (n, 2)}. Returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4))
        xs, ys = np.linspace(*self.xlim, n_grid), np.linspace(*self.ylim, n_grid)
        XX, YY = np.meshgrid(xs, ys)
        Z = self.f(XX, YY)
        ax.contour(
            XX, YY, Z, levels=np.unique(np.quantile(Z, np.linspace(0, 1, levels) ** 2)), cmap="Greys", linewidths=0.7
        )
        mins = np.array(self.minima)
        ax.plot(mins[:, 0], mins[:, 1], "*", color="gold", mec="k", ms=12, zorder=5)
        for label, path in (trajectories or {}).items():
            path = np.asarray(path)
            ax.plot(path[:, 0], path[:, 1], "-", lw=1.4, label=label)
            ax.plot(path[-1:, 0], path[-1:, 1], "o", ms=4, color=ax.lines[-1].get_color())
        ax.plot(*self.start, "s", color="k", ms=5)
        ax.set(xlim=self.xlim, ylim=self.ylim, xlabel="$x$", ylabel="$y$", title=self.name)
        if legend and trajectories:
            ax.legend(fontsize=7, loc="best")
        return ax

    def __repr__(self):
        return f"Surface({self.name!r}: f = {self.formula}, start={self.start})"


def _points(xy):
    xy = as_array(xy, "xy", finite=True)
    if xy.ndim == 0 or xy.shape[-1] != 2:
        raise ValueError(f"xy must have shape (2,) or (..., 2), got {xy.shape}")
    return xy


def ravine(condition=25.0, angle=0.0):
    """Ill-conditioned quadratic f = (u^2 + condition * v^2) / 2, where (u, v) is (x, y) rotated
    by `angle` radians: a long narrow valley. Curvatures 1 and `condition`, so plain GD needs
    lr < 2 / condition; with angle != 0 the valley is not aligned with the axes (per-coordinate
    methods such as Adam lose their advantage)."""
    kappa = check_positive(condition, "condition")
    c, s = np.cos(angle), np.sin(angle)
    # Hessian H = R^T diag(1, kappa) R, with (u, v) = R (x, y)
    h11, h12, h22 = c * c + kappa * s * s, (1 - kappa) * c * s, s * s + kappa * c * c
    return Surface(
        name="ravine",
        formula=f"(u^2 + {kappa:g} v^2) / 2",
        f=lambda x, y: 0.5 * (h11 * x * x + 2 * h12 * x * y + h22 * y * y),
        grad=lambda x, y: (h11 * x + h12 * y, h12 * x + h22 * y),
        start=(-4.0, 1.0),
        minima=((0.0, 0.0),),
        xlim=(-5.0, 5.0),
        ylim=(-2.0, 2.0),
        notes=f"condition number {kappa:g}: GD zig-zags across the valley unless lr is small",
    )


def saddle():
    """f = x^2 + y^4/4 - y^2/2: a saddle at (0, 0), minima (0, +-1) with f = -1/4 (ERRATA E35).

    From any start with y = 0 exactly, e.g. (1, 0), plain gradient descent slides into the saddle
    and stays: df/dy = y^3 - y is 0 on the whole line y = 0. Any noise in y escapes. The default
    start (1, 0.01) is just off that line, so that every optimizer eventually escapes."""
    return Surface(
        name="saddle",
        formula="x^2 + y^4/4 - y^2/2",
        f=lambda x, y: x * x + y**4 / 4 - y * y / 2,
        grad=lambda x, y: (2 * x, y**3 - y),
        start=(1.0, 0.01),
        minima=((0.0, 1.0), (0.0, -1.0)),
        xlim=(-1.5, 1.5),
        ylim=(-1.6, 1.6),
        notes="saddle point at (0, 0); f(0, +-1) = -0.25",
    )


def rosenbrock(a=1.0, b=100.0):
    """Rosenbrock's banana valley f = (a - x)^2 + b (y - x^2)^2, minimum f(a, a^2) = 0."""
    return Surface(
        name="rosenbrock",
        formula=f"({a:g} - x)^2 + {b:g} (y - x^2)^2",
        f=lambda x, y: (a - x) ** 2 + b * (y - x * x) ** 2,
        grad=lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)),
        start=(-1.5, 2.0),
        minima=((a, a * a),),
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        notes="a curved, flat-bottomed valley: easy to find, slow to follow",
    )


def two_basins(tilt=0.3):
    """Double well f = (x^2 - 1)^2 + tilt * x + y^2 / 2: a global minimum near x = -1 and a
    worse local one near x = +1 (ERRATA E12: GD started at x = 1.2 stops in the local one)."""
    tilt = float(tilt)
    roots = np.roots([4.0, 0.0, -4.0, tilt])  # df/dx = 4x^3 - 4x + tilt
    xs = np.sort(roots[np.abs(roots.imag) < 1e-12].real)
    minima = [x for x in xs if 12 * x * x - 4 > 0]  # f'' > 0
    minima.sort(key=lambda x: (x * x - 1) ** 2 + tilt * x)  # global first
    return Surface(
        name="two basins",
        formula=f"(x^2 - 1)^2 + {tilt:g} x + y^2/2",
        f=lambda x, y: (x * x - 1) ** 2 + tilt * x + y * y / 2,
        grad=lambda x, y: (4 * x * (x * x - 1) + tilt, y),
        start=(1.2, 1.0),
        minima=tuple((float(x), 0.0) for x in minima),
        xlim=(-2.0, 2.0),
        ylim=(-1.5, 1.5),
        notes="two basins; the one on the right (x ~ 0.96) is only a local minimum",
    )


SURFACES = {"ravine": ravine, "saddle": saddle, "rosenbrock": rosenbrock, "two basins": two_basins}


def get_surface(name, **kwargs):
    """One of the surfaces by name: 'ravine', 'saddle', 'rosenbrock', 'two basins'."""
    return SURFACES[check_choice(name, SURFACES, "surface")](**kwargs)


def run_optimizer(surface, optimizer, start=None, n_steps=100, noise=0.0, rng=None):
    """Run an optimizer object on a surface and return its trajectory, shape (n_steps + 1, 2).

    `optimizer` is any object with `step(params, grads)` (e.g. `SGD(lr=0.1, momentum=0.9)`);
    a fresh copy is used (its state reset), so the object passed in is not changed. The point
    is params {"w": (x, y)}. `noise` (a std, or a function of the step number 1, 2, ... giving
    the std, e.g. for annealing) adds Gaussian noise to each gradient, as a mini-batch would.
    If the point diverges to inf/NaN the remaining rows are NaN.
    """
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}")
    if not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ValueError(f"n_steps must be a non-negative integer, got {n_steps!r}")
    noise_at = noise if callable(noise) else (lambda t, s=check_positive(noise, "noise", allow_zero=True): s)
    start = np.array(surface.start if start is None else start, dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"start must be a point (x, y) of shape (2,), got shape {start.shape}")
    rng = check_rng(rng)
    opt = copy.deepcopy(optimizer)
    if hasattr(opt, "reset"):
        opt.reset()
    params = {"w": start.copy()}
    path = np.full((n_steps + 1, 2), np.nan)
    path[0] = start
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, n_steps + 1):
            g = surface.gradient(params["w"])
            std = noise_at(t)
            if std:
                g = g + std * rng.standard_normal(2)
            opt.step(params, {"dw": g})
            if not np.all(np.isfinite(params["w"])):
                break
            path[t] = params["w"]
    return path
