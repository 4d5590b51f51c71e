"""2-D test surfaces: exact gradients against centred differences, known critical points, and
`run_optimizer` trajectories (including the saddle and double-well checks of ERRATA E35, E12)."""

import numpy as np
import pytest

from dlfund.data import SURFACES, get_surface, ravine, rosenbrock, run_optimizer, saddle, two_basins
from dlfund.gradcheck import numerical_gradient, relative_error
from dlfund.optim import GD, SGD, Adam

ALL = [
    ravine(),
    ravine(condition=10, angle=0.6),
    saddle(),
    rosenbrock(),
    rosenbrock(a=0.5, b=5),
    two_basins(),
    two_basins(tilt=-0.5),
]


@pytest.mark.parametrize("surf", ALL, ids=lambda s: repr(s))
def test_gradient_matches_centred_differences(surf):
    rng = np.random.default_rng(0)
    for _ in range(20):
        xy = np.array([rng.uniform(*surf.xlim), rng.uniform(*surf.ylim)])
        numeric = numerical_gradient(lambda: surf.value(xy), xy, eps=1e-6)
        assert relative_error(surf.gradient(xy), numeric) < 1e-6


@pytest.mark.parametrize("surf", ALL, ids=lambda s: repr(s))
def test_minima_are_stationary_with_positive_curvature(surf):
    for m in surf.minima:
        m = np.array(m)
        np.testing.assert_allclose(surf.gradient(m), 0.0, atol=1e-10)
        for d in ([1, 0], [0, 1], [1, 1], [1, -1]):
            step = 1e-3 * np.array(d, float)
            assert surf.value(m + step) > surf.value(m) and surf.value(m - step) > surf.value(m)
    values = [surf.value(np.array(m)) for m in surf.minima]
    assert values[0] == min(values)  # the global minimum is listed first


def test_known_values():
    assert rosenbrock().value([1.0, 1.0]) == 0.0
    assert rosenbrock().value([0.0, 0.0]) == 1.0
    s = saddle()
    assert s.value([0.0, 1.0]) == s.value([0.0, -1.0]) == -0.25
    np.testing.assert_array_equal(s.gradient([0.0, 0.0]), [0.0, 0.0])  # the saddle point
    assert s.value([0.0, 0.1]) < 0 < s.value([0.1, 0.0])  # down in y, up in x
    r = ravine(condition=25)
    assert r.value([1.0, 0.0]) == 0.5 and r.value([0.0, 1.0]) == 12.5
    # rotating the ravine keeps its curvatures (eigenvalues of the Hessian)
    rot = ravine(condition=25, angle=0.7)
    H = np.array([rot.gradient([1.0, 0.0]), rot.gradient([0.0, 1.0])])
    np.testing.assert_allclose(np.linalg.eigvalsh(H), [1.0, 25.0], rtol=1e-12)
    tb = two_basins()
    assert tb.minima[0][0] == pytest.approx(-1.0356, abs=1e-4) and tb.minima[1][0] == pytest.approx(0.9601, abs=1e-4)


def test_value_and_gradient_on_grids():
    s = rosenbrock()
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3)), axis=-1)  # (3, 4, 2)
    assert s.value(grid).shape == (3, 4)
    assert s.gradient(grid).shape == (3, 4, 2)
    np.testing.assert_allclose(s.gradient(grid)[1, 2], s.gradient(grid[1, 2]))
    with pytest.raises(ValueError, match="xy must have shape"):
        s.value([1.0, 2.0, 3.0])


def test_get_surface():
    assert set(SURFACES) == {"ravine", "saddle", "rosenbrock", "two basins"}
    assert get_surface("ravine", condition=4).value([0.0, 1.0]) == 2.0
    with pytest.raises(ValueError, match="unknown surface 'bowl'"):
        get_surface("bowl")


def test_run_optimizer_trajectory_shape_start_and_gd_step():
    s = ravine()
    path = run_optimizer(s, GD(0.01), start=(-4.0, 1.0), n_steps=30)
    assert path.shape == (31, 2)
    np.testing.assert_array_equal(path[0], [-4.0, 1.0])
    np.testing.assert_allclose(path[1], path[0] - 0.01 * s.gradient(path[0]))
    assert s.value(path[-1]) < s.value(path[0])
    assert run_optimizer(s, GD(0.01), n_steps=0).shape == (1, 2)


def test_run_optimizer_does_not_touch_the_optimizer_passed_in():
    opt = Adam(0.1)
    run_optimizer(saddle(), opt, n_steps=5)
    assert opt.t == 0 and opt.state == {}
    # and a used optimizer starts fresh
    first = run_optimizer(saddle(), opt, start=(1.0, 0.5), n_steps=5)
    opt.step({"w": np.zeros(2)}, {"dw": np.ones(2)})
    np.testing.assert_array_equal(run_optimizer(saddle(), opt, start=(1.0, 0.5), n_steps=5), first)


def test_gd_stalls_at_the_saddle_noise_escapes():
    """ERRATA E35: from (1, 0) GD ends at the saddle (f = 0); with gradient noise 1e-3 it
    reaches a minimum (0, +-1) with f = -0.25."""
    s = saddle()
    gd = run_optimizer(s, GD(0.1), start=(1.0, 0.0), n_steps=300)
    assert np.abs(gd[-1]).max() < 1e-10 and s.value(gd[-1]) == pytest.approx(0.0, abs=1e-12)
    noisy = run_optimizer(s, GD(0.1), start=(1.0, 0.0), n_steps=300, noise=1e-3, rng=0)
    assert abs(abs(noisy[-1, 1]) - 1.0) < 0.01 and s.value(noisy[-1]) == pytest.approx(-0.25, abs=1e-4)
    again = run_optimizer(s, GD(0.1), start=(1.0, 0.0), n_steps=300, noise=1e-3, rng=0)
    np.testing.assert_array_equal(noisy, again)  # seeded


def test_double_well_gd_stays_local_annealed_noise_often_escapes():
    """ERRATA E12: GD from x = 1.2 stops in the local minimum (0.96); annealed noise often
    ends in the global basin."""
    tb = two_basins()
    gd = run_optimizer(tb, GD(0.05), start=(1.2, 0.0), n_steps=400)
    assert gd[-1, 0] == pytest.approx(tb.minima[1][0], abs=1e-6)
    rng = np.random.default_rng(0)
    ends = [
        run_optimizer(tb, GD(0.1), start=(1.2, 0.0), n_steps=300, noise=lambda t: 4.0 * (1 - t / 300), rng=rng)[-1, 0]
        for _ in range(40)
    ]
    share_global = np.mean(np.array(ends) < 0)
    assert 0.5 < share_global < 1.0


def test_run_optimizer_divergence_gives_nan_rows():
    path = run_optimizer(rosenbrock(), GD(0.01), start=(-1.5, 2.0), n_steps=50)
    assert np.isnan(path[-1]).all() and np.isfinite(path[0]).all()


def test_run_optimizer_bad_input():
    with pytest.raises(TypeError, match="step"):
        run_optimizer(saddle(), lambda p, g, lr: p, n_steps=3)
    with pytest.raises(ValueError, match="start must be a point"):
        run_optimizer(saddle(), GD(0.1), start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="n_steps"):
        run_optimizer(saddle(), GD(0.1), n_steps=-1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        run_optimizer(saddle(), GD(0.1), noise=-1.0)


def test_surface_plot_draws_trajectories():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    s = saddle()
    ax = s.plot(
        {"GD": run_optimizer(s, GD(0.1), n_steps=10), "SGD+mom": run_optimizer(s, SGD(0.1, momentum=0.9), n_steps=10)}
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["GD", "SGD+mom"] and ax.get_title() == "saddle"
    plt.close(ax.figure)
