"""The numeric checks behind the pitfalls appendix (shared/ERRATA.md E1-E41), with PyTorch as the reference.

Each test decides one circulating claim: it computes the quantity with dlfund, compares it with
PyTorch (float64) or with an analytic value, and asserts which version of the claim holds. The
appendix (book/appendix_pitfalls.ipynb) runs the same decisions without PyTorch.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from _torchref import assert_close_torch, t64

from dlfund import activations, clipping, data, init, layers, losses, optim, regularization, rnn
from dlfund.network import MLP

torch.set_num_threads(1)
RNG = np.random.default_rng


def torch_grad(fn, *arrays):
    """Gradients of the scalar fn(*tensors) with respect to each array (float64 autograd)."""
    ts = [t64(a, requires_grad=True) for a in arrays]
    fn(*ts).backward()
    return [t.grad.numpy() for t in ts]


# ------------------------------------------------------------------------------- chapter 2


def test_e1_one_input_layer_is_one_weight_matrix():
    lin = torch.nn.Linear(2, 3).double()
    params = init.initialize_parameters([2, 3], "he_normal", rng=0)
    assert tuple(lin.weight.shape) == (3, 2) and params["W1"].shape == (2, 3)  # one matrix, transposed layout
    assert len(list(lin.children())) == 0  # a single layer
    X = RNG(0).normal(size=(4, 2))
    W, b = lin.weight.detach().numpy().T, lin.bias.detach().numpy()
    assert_close_torch(layers.dense_forward(X, W, b)[0], lin(t64(X)), "E1 dense vs nn.Linear")


def test_e2_softmax_shift_invariant_rank_deficient_relu_not():
    z = np.array([1.0, 2.0, 3.0])
    s = activations.softmax(z)
    assert_close_torch(s, torch.softmax(t64(z), dim=0), "E2 softmax")
    np.testing.assert_allclose(activations.softmax(z + 5.0), s, rtol=1e-14)
    np.testing.assert_allclose(s, [0.09003057, 0.24472847, 0.66524096], rtol=1e-7)
    J_torch = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), t64(z))
    J_ours = np.column_stack([activations.softmax_backward(e, s) for e in np.eye(3)])
    assert_close_torch(J_ours, J_torch, "E2 softmax Jacobian")
    assert np.linalg.matrix_rank(J_ours) == 2 and torch.linalg.matrix_rank(J_torch).item() == 2
    assert not np.allclose(activations.relu(z + 5.0), activations.relu(z))


def test_e3_vanishing_and_exploding_are_opposite_factors():
    z = np.linspace(-6, 6, 1201)
    (g,) = torch_grad(lambda t: torch.sigmoid(t).sum(), z)
    assert_close_torch(activations.sigmoid_derivative(z), g, "E3 sigmoid derivative")
    assert activations.sigmoid_derivative(z).max() == 0.25 == g.max()
    assert math.isclose(0.25**50, 7.888609052210118e-31) and 0.25**50 < 1e-30
    assert 1.5**50 > 6e8


def test_e4_leaky_slope_is_fixed_prelu_learns_it():
    z = np.array([-2.0, 3.0])
    (g,) = torch_grad(lambda t: F.leaky_relu(t, 0.01).sum(), z)
    assert_close_torch(activations.leaky_relu(z), F.leaky_relu(t64(z), 0.01), "E4 leaky_relu")
    assert_close_torch(activations.leaky_relu_derivative(z), g, "E4 leaky_relu derivative")
    np.testing.assert_allclose(g, [0.01, 1.0])
    assert sum(p.numel() for p in torch.nn.LeakyReLU(0.01).parameters()) == 0
    prelu = list(torch.nn.PReLU().parameters())
    assert len(prelu) == 1 and prelu[0].numel() == 1 and prelu[0].item() == 0.25
    net = MLP([2, 4, 1], hidden_activation="leaky_relu", alpha=0.01, rng=0)
    assert sorted(net.params) == ["W1", "W2", "b1", "b2"]


def test_e33_saturation_needs_large_magnitude():
    z = np.array([-0.01, -10.0, 10.0])
    (g,) = torch_grad(lambda t: torch.sigmoid(t).sum(), z)
    assert_close_torch(activations.sigmoid_derivative(z), g, "E33 sigmoid slope")
    assert g[0] > 0.2499 and g[1] < 5e-5 and math.isclose(g[1], g[2])
    assert "rectified linear unit" in torch.nn.ReLU.__doc__.lower()


def test_e38_ten_layers_of_two_relus_make_1024_pieces():
    def tent(x, relu):
        return 2 * relu(x) - 4 * relu(x - 0.5)

    x = np.linspace(0.0, 1.0, 2**13 + 1)
    y, yt = x.copy(), t64(x)
    for _ in range(10):
        y, yt = tent(y, activations.relu), tent(yt, torch.relu)
    assert_close_torch(y, yt, "E38 deep tent map")
    slopes = np.diff(y) / np.diff(x)
    pieces = 1 + np.count_nonzero(np.abs(np.diff(slopes)) > 1e-6)
    assert pieces == 2**10  # one hidden layer with n units has at most n + 1 pieces
    assert np.allclose(np.abs(slopes), 2**10)


def test_e39_width_rules_of_thumb_contradict_each_other():
    Ni, No, Ns = 784, 10, 60_000
    bound = (Ns / (10 * (Ni + No)), Ns / (2 * (Ni + No)))
    rules = [*bound, No, Ni, 2 / 3 * Ni + No, math.sqrt(Ni * No), 2 * Ni]
    assert bound == pytest.approx((7.557, 37.78), rel=1e-3)
    assert 2 / 3 * Ni + No > bound[1]  # the 2/3 rule breaks the data bound
    assert max(rules) / min(rules) > 200


# ------------------------------------------------------------------------------- chapter 3


def test_e5_bce_on_a_price_is_unbounded_and_refused():
    y, A = 3.0, np.array([0.5, 0.9, 0.99, 0.9999])
    J = -(y * np.log(A) + (1 - y) * np.log(1 - A))
    np.testing.assert_allclose(J, [0.693, -4.29, -9.18, -18.42], atol=5e-3)  # unbounded below as A -> 1
    assert np.all(np.diff(J) < 0)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(t64([0.9]), t64([3.0]))
    with pytest.raises(ValueError, match=r"targets y in \[0, 1\]"):
        losses.binary_cross_entropy(np.array([0.9]), np.array([3.0]))
    a, yy = np.array([2.0, -1.0, 0.5]), np.array([3.0, 0.0, 0.5])
    (g,) = torch_grad(lambda t: 0.5 * F.mse_loss(t, t64(yy)), a)  # linear output, 1/2 MSE
    assert_close_torch(0.5 * losses.mse_grad(a, yy), g, "E5 half-MSE gradient")
    np.testing.assert_allclose(g * a.size, a - yy)  # dJ/dZ = A - Y per example


def test_e6_dw_for_transposed_convention():
    rng = RNG(0)
    A, W, dZ = rng.normal(size=(3, 5)), rng.normal(size=(3, 4)), rng.normal(size=(4, 5))
    (dW,) = torch_grad(lambda w: (t64(dZ) * (w.T @ t64(A))).sum(), W)
    assert_close_torch(A @ dZ.T, dW, "E6 dW = A dZ^T")
    _, dW_rows, _ = layers.dense_backward(dZ.T, layers.dense_forward(A.T, W, np.zeros(4))[1])
    assert_close_torch(dW_rows, dW, "E6 dense_backward rows convention")
    assert (dZ @ A.T).shape == (4, 3) != W.shape


def test_e7_dz_is_dj_dz_and_differs_from_da_dz():
    z, y = np.array([0.65, 0.27]), np.array([1.0, 0.0])
    a = activations.sigmoid(z)
    (dA,) = torch_grad(lambda t: F.binary_cross_entropy(t, t64(y), reduction="sum"), a)
    (dZ,) = torch_grad(lambda t: F.binary_cross_entropy_with_logits(t, t64(y), reduction="sum"), z)
    assert_close_torch(2 * losses.binary_cross_entropy_grad(a, y), dA, "E7 dJ/dA")
    assert_close_torch(2 * losses.binary_cross_entropy_with_logits_grad(z, y), dZ, "E7 dJ/dZ")
    np.testing.assert_allclose(dA, -y / a + (1 - y) / (1 - a), rtol=1e-12)
    np.testing.assert_allclose(dZ, a - y, rtol=1e-12)
    np.testing.assert_allclose(dA, [-1.52, 2.31], atol=0.01)
    assert not np.allclose(dA, activations.sigmoid_derivative(z))


def test_e8_sigmoid_and_its_derivative_at_half():
    z = 0.5
    (g,) = torch_grad(lambda t: torch.sigmoid(t).sum(), np.array([z]))
    s = activations.sigmoid(np.array([z]))[0]
    assert_close_torch(activations.sigmoid_derivative(np.array([z])), g, "E8 sigmoid slope")
    assert math.isclose(s, 1 / (1 + math.exp(-z)), rel_tol=1e-15) and math.isclose(g[0], s * (1 - s))
    wrong_forms = [1 / (1 - math.exp(z)), 1 / (1 - math.exp(-z))]
    assert wrong_forms == pytest.approx([-1.5415, 2.5415], abs=1e-4)
    assert all(abs(w - s) > 1 for w in wrong_forms)
    text_line = math.exp(-z) / (1 - math.exp(-z)) ** 2
    assert text_line == pytest.approx(3.918, abs=1e-3) and abs(text_line - g[0]) > 3


def test_e9_complete_backward_pass_of_3_4_1():
    rng = RNG(1)
    X, Y, m = rng.normal(size=(3, 8)), rng.normal(size=(1, 8)), 8  # the text's columns layout
    W1, b1, W2, b2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 1)), rng.normal(size=(4, 1)), rng.normal(size=(1, 1))

    def loss(W1, b1, W2, b2):
        A1 = torch.tanh(W1.T @ t64(X) + b1)
        return 0.5 * ((W2.T @ A1 + b2 - t64(Y)) ** 2).mean()

    ref = torch_grad(loss, W1, b1, W2, b2)
    A1 = np.tanh(W1.T @ X + b1)
    dZ2 = W2.T @ A1 + b2 - Y
    dZ1 = (W2 @ dZ2) * (1 - A1**2)
    ours = [X @ dZ1.T / m, dZ1.mean(axis=1, keepdims=True), A1 @ dZ2.T / m, dZ2.mean(axis=1, keepdims=True)]
    for name, a, b in zip(["dW1", "db1", "dW2", "db2"], ours, ref):
        assert_close_torch(a, b, f"E9 text formula {name}")
    # and dlfund's MLP (rows convention, mean squared error) against autograd
    net = MLP([3, 4, 1], hidden_activation="tanh", output="linear", loss="mse", rng=2)
    _, grads = net.loss_and_grads(X.T, Y.T)
    P = net.params
    ref = torch_grad(
        lambda W1, b1, W2, b2: ((torch.tanh(t64(X.T) @ W1 + b1) @ W2 + b2 - t64(Y.T)) ** 2).mean(),
        P["W1"],
        P["b1"],
        P["W2"],
        P["b2"],
    )
    for name, b in zip(["dW1", "db1", "dW2", "db2"], ref):
        assert_close_torch(grads[name], b, f"E9 MLP {name}")


def test_e10_bias_gradient_is_the_mean():
    rng = RNG(2)
    m = 8
    X, y, W, b = rng.normal(size=(m, 3)), rng.normal(size=(m, 1)), rng.normal(size=(3, 1)), np.zeros(1)
    (db,) = torch_grad(lambda bb: 0.5 * ((t64(X) @ t64(W) + bb - t64(y)) ** 2).mean(), b)
    dZ = X @ W + b - y
    assert_close_torch(np.array([dZ.mean()]), db, "E10 db = mean(dZ)")
    _, _, db_layer = layers.dense_backward(dZ / m, layers.dense_forward(X, W, b)[1])
    assert_close_torch(db_layer, db, "E10 dense_backward db")
    assert math.isclose(dZ.sum(), m * db[0], rel_tol=1e-12) and abs(dZ.sum() - db[0]) > 0.1


def test_e41_loss_is_not_accuracy_and_mse_is_gaussian_nll():
    y = np.array([0, 1, 1])
    sure = np.array([[2.0, -1.0], [-1.5, 1.5], [-1.0, 2.5]])
    unsure = np.array([[0.2, 0.0], [0.0, 0.3], [0.0, 0.1]])
    ce = []
    for L in (sure, unsure):
        assert np.mean(L.argmax(axis=1) == y) == 1.0
        ce.append(losses.softmax_cross_entropy(L, y))
        assert_close_torch(ce[-1], F.cross_entropy(t64(L), torch.tensor(y)), "E41 cross-entropy")
    assert ce[1] - ce[0] > 0.4
    err = RNG(0).normal(size=6)
    nll = -torch.distributions.Normal(t64(err), 1.0).log_prob(t64(np.zeros(6))).numpy()
    np.testing.assert_allclose(nll - 0.5 * err**2, 0.5 * math.log(2 * math.pi), rtol=1e-14)
    assert math.isclose(float(nll.mean()), 0.5 * losses.mse_loss(err, np.zeros(6)) + 0.5 * math.log(2 * math.pi))


def test_e41_order_of_integration_does_not_depend_on_the_lag():
    series = data.make_integrated_series(n_steps=1000, order=2, seed=0)
    acf1 = lambda s: float(np.corrcoef(s[:-1], s[1:])[0, 1])
    twice = data.difference(series, lag=1, order=2)
    np.testing.assert_allclose(twice, np.diff(series, n=2), rtol=1e-12, atol=1e-9)
    assert acf1(data.difference(series, lag=1)) > 0.9 and acf1(data.difference(series, lag=12)) > 0.9
    assert abs(acf1(twice)) < 0.1
    halves = [np.var(h) for h in np.array_split(twice, 2)]
    assert max(halves) / min(halves) < 1.3


# ------------------------------------------------------------------------------- chapter 4


def run_ours(opt, w0, grad_fn, n, lrs=None):
    p = {"w": np.array(w0, dtype=float)}
    for t in range(n):
        if lrs is not None:
            opt.lr = lrs[t]
        opt.step(p, {"dw": grad_fn(p["w"])})
    return p["w"]


def run_torch(make, w0, grad_fn, n, lrs=None):
    w = t64(w0, requires_grad=True)
    opt = make([w])
    for t in range(n):
        if lrs is not None:
            opt.param_groups[0]["lr"] = float(lrs[t])
        w.grad = t64(grad_fn(w.detach().numpy()))
        opt.step()
    return w.detach()


def test_e11_stability_is_lr_times_curvature():
    for L, lr in ((0.1, 10.0), (100.0, 0.04)):
        ours = run_ours(optim.SGD(lr=lr), [1.0], lambda w: L * w, 200)
        ref = run_torch(lambda p: torch.optim.SGD(p, lr=lr), [1.0], lambda w: L * w, 200)
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-10, atol=1e-300)
        assert (abs(ours[0]) < 1e-12) == (lr < 2 / L)
    assert abs(ours[0]) == pytest.approx(3.0**200, rel=1e-9)  # |1 - 0.04 * 100| = 3


def test_e12_gd_stops_in_local_minimum_noise_escapes():
    surf = data.two_basins(tilt=0.3)
    x_local = surf.minima[1][0]
    assert 4 * x_local**3 - 4 * x_local + 0.3 == pytest.approx(0, abs=1e-12) and x_local > 0
    ours = data.run_optimizer(surf, optim.SGD(lr=0.1), start=(1.2, 0.0), n_steps=300)[-1]
    ref = run_torch(lambda p: torch.optim.SGD(p, lr=0.1), [1.2, 0.0], surf.gradient, 300)
    assert_close_torch(ours, ref, "E12 GD on the double well")
    assert ours[0] == pytest.approx(x_local, abs=1e-9)
    anneal = lambda t: 3.0 * max(0.0, 1 - t / 400)
    ends = [
        data.run_optimizer(surf, optim.SGD(lr=0.1), start=(1.2, 0.0), n_steps=500, noise=anneal, rng=s)[-1, 0]
        for s in range(20)
    ]
    assert np.mean(np.array(ends) < 0) > 0.25


def test_e13_grads_d_plus_key_is_the_gradient_key():
    params, grads = {"W1": np.array([1.0]), "b1": np.array([0.0])}, {"dW1": np.array([1.0]), "db1": np.array([2.0])}
    new = optim.update_parameters_with_gd(params, grads, 0.05)
    w = t64([1.0, 0.0], requires_grad=True)
    w.grad = t64([1.0, 2.0])
    torch.optim.SGD([w], lr=0.05).step()
    assert_close_torch(np.array([new["W1"][0], new["b1"][0]]), w.detach(), "E13 GD step")
    np.testing.assert_allclose([new["W1"][0], new["b1"][0]], [0.95, -0.1])


def test_e14_momentum_conventions_against_torch():
    H = np.array([1.0, 10.0])
    grad = lambda w: H * w

    def dict_run(convention, lrs, beta=0.9):
        p, v = {"w": np.ones(2)}, optim.initialize_velocity({"w": np.ones(2)})
        for lr in lrs:
            p, v = optim.update_parameters_with_momentum(p, {"dw": grad(p["w"])}, v, beta, lr, convention)
        return p["w"]

    const = [0.1] * 20
    sgd = lambda lr, **kw: lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9, **kw)
    formula, code = dict_run("classical", const), dict_run("ema", const)
    assert_close_torch(formula, run_torch(sgd(0.1), np.ones(2), grad, 20), "E14 classical = SGD(lr)")
    assert_close_torch(code, run_torch(sgd(0.01), np.ones(2), grad, 20), "E14 ema = SGD(lr (1 - beta))")
    assert np.abs(code - formula).max() > 0.5
    assert np.abs(code - run_torch(sgd(0.1, dampening=0.9), np.ones(2), grad, 20).numpy()).max() > 0.1
    lrs = 0.1 * 0.9 ** np.arange(20)
    sched = run_torch(sgd(0.1), np.ones(2), grad, 20, lrs=lrs)
    assert np.abs(dict_run("classical", lrs) - sched.numpy()).max() > 0.1  # lr inside v vs outside
    assert_close_torch(
        run_ours(optim.SGD(0.1, momentum=0.9), np.ones(2), grad, 20, lrs=lrs),
        sched,
        "E14 dlfund SGD object under a schedule",
    )


def test_e15_momentum_amplification_and_torch_default():
    assert torch.optim.SGD([t64([0.0], requires_grad=True)], lr=0.1).defaults["momentum"] == 0
    assert optim.SGD(lr=0.1).momentum == 0
    for gamma in (0.5, 0.9, 0.99):
        w = t64([0.0], requires_grad=True)
        opt = torch.optim.SGD([w], lr=1.0, momentum=gamma)
        for _ in range(3000):  # constant gradient 1
            before = w.detach().clone()
            w.grad = t64([1.0])
            opt.step()
        assert (before - w.detach()).item() == pytest.approx(1 / (1 - gamma), rel=1e-9)
        ours = run_ours(optim.SGD(lr=1.0, momentum=gamma), [0.0], lambda v: np.ones(1), 3000)
        assert_close_torch(ours, w.detach(), "E15 momentum constant gradient")


def test_e16_rmsprop_eps_outside_the_root():
    g, lr, alpha, eps = 1e-6, 0.01, 0.99, 1e-8
    p, s = {"w": np.zeros(1)}, optim.initialize_rmsprop({"w": np.zeros(1)})
    w_in, s_in = 0.0, 0.0
    for _ in range(5):
        p, s = optim.update_parameters_with_rmsprop(p, {"dw": np.array([g])}, s, lr, alpha, eps)
        s_in = alpha * s_in + (1 - alpha) * g**2
        w_in -= lr * g / math.sqrt(s_in + eps)
    ref = run_torch(lambda q: torch.optim.RMSprop(q, lr=lr, alpha=alpha, eps=eps), [0.0], lambda w: np.array([g]), 5)
    assert_close_torch(p["w"], ref, "E16 RMSprop eps placement")
    assert w_in == pytest.approx(-5.0e-4, rel=1e-3) and abs(ref.item()) > 100 * abs(w_in)


def test_e17_rmsprop_state_is_squared_gradient_not_hessian():
    h = 4.0
    for theta in (0.0, 3.0):
        w = t64([theta], requires_grad=True)
        opt = torch.optim.RMSprop([w], lr=0.01, alpha=0.0)
        (0.5 * h * w**2).sum().backward()
        opt.step()
        hess = torch.autograd.functional.hessian(lambda v: 0.5 * h * (v**2).sum(), t64([theta]))
        _, s = optim.update_parameters_with_rmsprop(
            {"w": np.array([theta])},
            {"dw": np.array([h * theta])},
            optim.initialize_rmsprop({"w": np.zeros(1)}),
            beta=0.0,
        )
        assert_close_torch(s["dw"], opt.state[w]["square_avg"], "E17 RMSprop state")
        assert s["dw"][0] == pytest.approx((h * theta) ** 2) and hess.item() == h


def test_e18_adam_formula_matches_torch_and_t_starts_at_one():
    rng = RNG(0)
    G = rng.normal(size=(10, 3)) * np.array([1e-3, 1.0, 10.0])
    p, (v, s) = {"w": np.ones(3)}, optim.initialize_adam({"w": np.ones(3)})
    for t, g in enumerate(G, start=1):
        p, v, s = optim.update_parameters_with_adam(p, {"dw": g}, v, s, t, learning_rate=0.01)
    it = iter(G)
    ref = run_torch(lambda q: torch.optim.Adam(q, lr=0.01), np.ones(3), lambda w: next(it), 10)
    assert_close_torch(p["w"], ref, "E18 Adam dict API")
    with pytest.raises(ValueError, match="t must be >= 1"):
        optim.update_parameters_with_adam(p, {"dw": G[0]}, v, s, 0)
    with np.errstate(divide="ignore"):
        assert np.isinf(np.divide(0.1, 1 - 0.9**0))
    assert torch.optim.Adam([t64([0.0], requires_grad=True)]).defaults["lr"] == optim.Adam().lr == 1e-3


def test_e19_adamw_decays_current_weights_like_torch():
    rng = RNG(1)
    P0 = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=(3, 1))}
    grads = [{"dW": rng.normal(size=(3, 4)), "db": rng.normal(size=(3, 1))} for _ in range(15)]
    P, (v, s) = {k: a.copy() for k, a in P0.items()}, optim.initialize_adam(P0)
    for t, g in enumerate(grads, start=1):
        P, v, s = optim.update_parameters_with_adamw(P, g, v, s, t, learning_rate=0.01, weight_decay=0.1)
    W, b = t64(P0["W"], requires_grad=True), t64(P0["b"], requires_grad=True)
    opt = torch.optim.AdamW([{"params": [W]}, {"params": [b], "weight_decay": 0.0}], lr=0.01, weight_decay=0.1)
    for g in grads:
        W.grad, b.grad = t64(g["dW"]), t64(g["db"])
        opt.step()
    assert_close_torch(P["W"], W.detach(), "E19 AdamW weights")
    assert_close_torch(P["b"], b.detach(), "E19 AdamW biases (not decayed)")
    # zero gradients: the decay alone, (1 - lr wd)^n; the frozen copy drifts past zero
    obj = optim.AdamW(lr=0.01, weight_decay=0.01)
    Q = {"W": np.ones((2, 2))}
    for _ in range(20_000):
        obj.step(Q, {"dW": np.zeros((2, 2))})
    assert Q["W"][0, 0] == pytest.approx((1 - 1e-4) ** 20_000, rel=1e-9) == pytest.approx(0.1353, abs=1e-4)
    assert 1.0 - 20_000 * 0.01 * 0.01 * 1.0 == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="non-broadcastable"):
        bias = np.zeros((3, 1))
        bias -= 0.01 * 0.01 * np.ones((3, 4))


def test_e20_decoupled_decay_equals_l2_only_for_sgd():
    w0, g = np.array([1.0, -2.0]), np.array([0.3, 0.1])
    const = lambda w: g
    sgd_l2 = run_torch(lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.1), w0, const, 50)
    decoupled = w0.copy()
    for _ in range(50):
        decoupled = decoupled * (1 - 0.1 * 0.1) - 0.1 * g
    assert_close_torch(decoupled, sgd_l2, "E20 SGD L2 = decoupled")
    adam = run_torch(lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1), w0, const, 50)
    adamw = run_torch(lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1), w0, const, 50)
    assert_close_torch(run_ours(optim.Adam(0.1, weight_decay=0.1), w0, const, 50), adam, "E20 Adam L2")
    assert_close_torch(run_ours(optim.AdamW(0.1, weight_decay=0.1), w0, const, 50), adamw, "E20 AdamW")
    assert (adam - adamw).abs().max().item() > 0.01
    one = run_torch(lambda p: torch.optim.AdamW(p, lr=0.5, weight_decay=0.1), [1.0], lambda w: np.zeros(1), 1)
    assert one.item() == pytest.approx(1 - 0.5 * 0.1, rel=1e-14)


def test_e34_adam_invariant_to_diagonal_rescaling_sgd_not():
    rng = RNG(0)
    G, D = rng.normal(size=(50, 3)), np.array([1e-2, 1.0, 1e3])
    base = None
    for scale in (1.0, D):
        it = iter(G * scale)
        ref = run_torch(lambda p: torch.optim.Adam(p, lr=1e-2, eps=1e-12), np.zeros(3), lambda w: next(it), 50)
        it = iter(G * scale)
        assert_close_torch(
            run_ours(optim.Adam(lr=1e-2, eps=1e-12), np.zeros(3), lambda w: next(it), 50), ref, "E34 Adam"
        )
        if scale is D:
            assert np.abs(ref.numpy() - base).max() < 1e-9
        base = ref.numpy()
    it1, it2 = iter(G), iter(G * D)
    sgd_gap = np.abs(
        run_ours(optim.SGD(1e-2), np.zeros(3), lambda w: next(it1), 50)
        - run_ours(optim.SGD(1e-2), np.zeros(3), lambda w: next(it2), 50)
    ).max()
    assert sgd_gap > 1.0


def test_e35_gd_stalls_at_saddle_only_on_the_measure_zero_line():
    surf = data.saddle()
    gd = data.run_optimizer(surf, optim.SGD(lr=0.1), start=(1.0, 0.0), n_steps=300)[-1]
    ref = run_torch(lambda p: torch.optim.SGD(p, lr=0.1), [1.0, 0.0], surf.gradient, 300)
    assert_close_torch(gd, ref, "E35 GD on the saddle")
    assert np.allclose(gd, 0.0, atol=1e-12) and surf(gd) == pytest.approx(0.0, abs=1e-20)
    noisy = data.run_optimizer(surf, optim.SGD(lr=0.1), start=(1.0, 0.0), n_steps=300, noise=1e-3, rng=0)[-1]
    assert surf(noisy) == pytest.approx(-0.25, abs=1e-4) and abs(abs(noisy[1]) - 1) < 0.01


def test_e40_half_the_divergent_rate_is_special_to_one_dimension():
    ravine = data.ravine(condition=100.0)
    dist = {}
    for lr in (0.01, 2 / 101):
        ours = data.run_optimizer(ravine, optim.SGD(lr=lr), n_steps=400)[-1]
        ref = run_torch(lambda p: torch.optim.SGD(p, lr=lr), ravine.start, ravine.gradient, 400)
        assert_close_torch(ours, ref, "E40 GD on the ravine")
        dist[lr] = np.linalg.norm(ours)
    # contraction rates max|1 - lr * curvature|: 0.99 at half the threshold, 99/101 at the optimum
    # (start (-4, 1): at lr = 0.01 the steep coordinate is gone after one step, only |u0| = 4 is left)
    expected = (0.99 / (99 / 101)) ** 400 * 4 / math.hypot(*ravine.start)
    assert ravine.start == (-4.0, 1.0) and dist[0.01] / dist[2 / 101] == pytest.approx(expected, rel=1e-6)
    flat = data.ravine(condition=1.0)
    for lr in (1.0, 0.1):
        path = data.run_optimizer(flat, optim.SGD(lr=lr), n_steps=6000, noise=1.0, rng=1)
        assert np.mean(path[200:] ** 2) == pytest.approx(lr / (2 - lr), rel=0.15)  # stationary variance
    tiny = data.run_optimizer(flat, optim.SGD(lr=1e-6), start=(1.0, 1.0), n_steps=1000)[-1, 0]
    assert tiny == pytest.approx((1 - 1e-6) ** 1000, rel=1e-12) and tiny > 0.999


# ------------------------------------------------------------------------------- chapter 5


def test_e21_dropout_scaling_matches_nn_dropout():
    a, p = np.full(100_000, 2.0), 0.3
    torch.manual_seed(0)
    drop = torch.nn.Dropout(p)
    out_t = drop(t64(a)).numpy()
    out, _ = layers.dropout_forward(a, p, rng=0)
    np.testing.assert_allclose(np.unique(out), np.unique(out_t), rtol=1e-12)  # {0, a / (1 - p)}
    assert np.unique(out_t)[1] == pytest.approx(2 / 0.7, rel=1e-12)
    drop.eval()
    assert_close_torch(layers.dropout_forward(a, p, mode="eval")[0], drop(t64(a)), "E21 dropout eval")
    classic, _ = layers.dropout_forward(a, p, rng=1, kind="classic")
    assert classic.mean() == pytest.approx((1 - p) * 2, abs=0.01) and abs(classic.mean() - p * 2) > 0.7
    np.testing.assert_allclose(layers.dropout_forward(a, p, mode="eval", kind="classic")[0], (1 - p) * a)


def test_e22_weight_scaling_is_exact_only_for_linear_units():
    rng = RNG(3)
    x, w = rng.normal(size=20), 0.3 * rng.normal(size=20)
    masks = RNG(4).random((200_000, 20)) >= 0.5
    exact_linear = (x * w).sum()  # E[mask / (1 - p)] = 1
    thinned, _ = layers.dropout_forward(np.tile(x, (200_000, 1)), 0.5, rng=1)
    assert (thinned @ w).mean() == pytest.approx(exact_linear, abs=0.03)
    mc_sigmoid = torch.sigmoid(t64((masks * x * 2) @ w)).mean().item()
    assert activations.sigmoid(thinned @ w).mean() == pytest.approx(mc_sigmoid, abs=0.005)
    assert abs(mc_sigmoid - activations.sigmoid(np.array(exact_linear))) > 0.05


def test_e23_proximal_l1_reaches_zero_subgradient_does_not():
    lr, lam, target = 0.01, 0.1, 0.05
    w = t64([1.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    sub, prox, tail = {"W": np.array([1.0])}, {"W": np.array([1.0])}, []
    for _ in range(2000):
        opt.zero_grad()
        (0.5 * (w - target) ** 2 + lam * w.abs()).sum().backward()
        opt.step()
        sub = {"W": sub["W"] - lr * (sub["W"] - target + regularization.l1_penalty_grad(sub, lam)["dW"])}
        prox = regularization.proximal_l1_step(prox, {"dW": prox["W"] - target}, lr, lam)
        tail.append(w.item())
    assert_close_torch(sub["W"], w.detach(), "E23 subgradient descent")
    assert prox["W"][0] == 0.0 and w.item() != 0.0
    assert min(tail[-50:]) < 0 < max(tail[-50:]) and max(map(abs, tail[-50:])) < 2e-3


def test_e24_batchnorm_keeps_the_shape_of_the_distribution():
    X = RNG(0).exponential(size=(10_000, 1))
    bn = torch.nn.BatchNorm1d(1).double()
    with torch.no_grad():
        bn.weight.fill_(3.0)
        bn.bias.fill_(5.0)
    ref = bn(t64(X)).detach().numpy()
    out, _ = layers.batchnorm_forward(X, np.array([3.0]), np.array([5.0]))
    assert_close_torch(out, ref, "E24 batchnorm forward")
    skew = lambda a: float(np.mean((a - a.mean()) ** 3) / a.std() ** 3)
    assert skew(ref) == pytest.approx(skew(X), rel=1e-9) and skew(X) > 1.5
    assert ref.mean() == pytest.approx(5.0) and ref.std() == pytest.approx(3.0, rel=1e-4)


def test_e25_bias_before_bn_redundant_running_var_unbiased():
    rng = RNG(0)
    X, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    ones, zeros = np.ones(3), np.zeros(3)
    Z = X @ W
    np.testing.assert_allclose(
        layers.batchnorm_forward(Z + b, ones, zeros)[0], layers.batchnorm_forward(Z, ones, zeros)[0], atol=1e-12
    )
    bn_t = torch.nn.BatchNorm1d(3, momentum=1.0).double()
    ref = bn_t(t64(Z))
    ours = layers.BatchNorm1d(3, momentum=1.0)
    out, _ = ours.forward(Z, ones, zeros, mode="train")
    assert_close_torch(out, ref, "E25 BN training output")
    assert_close_torch(ours.running_var, bn_t.running_var, "E25 running_var")
    np.testing.assert_allclose(bn_t.running_var.numpy(), Z.var(axis=0, ddof=1), rtol=1e-12)
    assert not np.allclose(bn_t.running_var.numpy(), Z.var(axis=0))
    np.testing.assert_allclose(out, (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + 1e-5), rtol=1e-12)


# ------------------------------------------------------------------------------- chapter 6


def test_e26_xavier_variance():
    ours = init.xavier_uniform(256, 256, rng=0)
    torch.manual_seed(0)
    ref = torch.nn.init.xavier_uniform_(torch.empty(256, 256, dtype=torch.float64))
    bound = math.sqrt(6 / 512)
    assert np.abs(ours).max() <= bound and ref.abs().max().item() <= bound
    for var in (ours.var(), ref.var().item()):
        assert var == pytest.approx(2 / 512, rel=0.03)
        assert (2 / math.sqrt(512)) / var > 20
    assert init.xavier_normal(256, 256, rng=1).std() == pytest.approx(math.sqrt(2 / 512), rel=0.02)
    assert init.he_normal(256, 128, rng=1).var() == pytest.approx(2 / 256, rel=0.03)


def test_e27_batchnorm_stack_gradients_grow_with_depth():
    def ratio(depth, with_torch=False, width=32, m=64):
        rng = RNG(depth)
        Ws = [init.he_normal(width, width, rng) for _ in range(depth)]
        X, G = rng.normal(size=(m, width)), rng.normal(size=(m, width))
        h, caches, norms = X, [], []
        for W in Ws:
            z, c1 = layers.dense_forward(h, W, np.zeros(width))
            y, c2 = layers.batchnorm_forward(z, np.ones(width), np.zeros(width))
            h, c3 = layers.activation_forward(y, "relu")
            caches.append((c1, c2, c3))
        g = G
        for c1, c2, c3 in reversed(caches):
            g, _, _ = layers.batchnorm_backward(layers.activation_backward(g, c3), c2)
            g, dW, _ = layers.dense_backward(g, c1)
            norms.append(np.linalg.norm(dW))
        if with_torch:
            Wt = [t64(W, requires_grad=True) for W in Ws]
            ht = t64(X)
            for W in Wt:
                ht = torch.relu(F.batch_norm(ht @ W, None, None, training=True, eps=1e-5))
            (ht * t64(G)).sum().backward()
            assert_close_torch(
                norms[::-1], [np.linalg.norm(W.grad.numpy()) for W in Wt], "E27 BN stack dW norms", rtol=1e-8
            )
        return norms[-1] / norms[0]

    r10 = ratio(10, with_torch=True)
    r30, r50 = ratio(30), ratio(50)
    assert r10 < r30 < r50 and r50 > 100


def test_e28_residual_gradient_keeps_the_identity():
    x, block = np.array([[0.7]]), [(np.array([[1.3]]), np.zeros(1))]
    y, cache = layers.residual_forward(x, block, activation="tanh")
    dx, _ = layers.residual_backward(2 * y, cache)
    (ref,) = torch_grad(lambda t: ((t + torch.tanh(1.3 * t)) ** 2).sum(), x)
    assert_close_torch(dx, ref, "E28 residual gradient")
    F_prime = 1.3 * (1 - math.tanh(0.91) ** 2)
    assert ref[0, 0] == pytest.approx(2 * y[0, 0] * (1 + F_prime), rel=1e-12) == pytest.approx(4.61572, abs=1e-5)
    assert abs(ref[0, 0] - 2 * y[0, 0] * F_prime) > 2


# ------------------------------------------------------------------------------- chapter 7


def test_e29_clip_grad_norm_matches_torch():
    rng = RNG(0)
    grads = {"dW1": 3 * rng.normal(size=(6, 4)), "db1": 3 * rng.normal(size=4)}
    ts = [t64(grads["dW1"], requires_grad=True), t64(grads["db1"], requires_grad=True)]
    for t, k in zip(ts, grads):
        t.grad = t64(grads[k])
    norm_t = torch.nn.utils.clip_grad_norm_(ts, max_norm=1.0)
    clipped, norm = clipping.clip_grad_norm(grads, 1.0)
    assert_close_torch(np.array(norm), norm_t, "E29 total norm")
    for t, k in zip(ts, grads):
        assert_close_torch(clipped[k], t.grad, f"E29 clipped {k}")
    by_formula = {k: g / norm for k, g in grads.items()}
    assert max(np.abs(clipped[k] - by_formula[k]).max() for k in grads) < 1e-6
    assert norm > 10 and clipping.global_grad_norm(clipped) == pytest.approx(1.0, abs=1e-6)


# ------------------------------------------------------------------------------- chapter 8


def torch_lstm(params, n_in, H, num_layers=1, batch_first=True):
    """An nn.LSTM (float64) holding our parameters."""
    mod = torch.nn.LSTM(n_in, H, num_layers=num_layers, batch_first=batch_first).double()
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in rnn.to_torch_layout(params).items()})
    return mod


def test_e30_h0_inside_the_loop_kills_the_recurrence():
    P = rnn.initialize_recurrent_parameters("rnn", 3, 5, rng=0)
    cell = {k[:-1]: v for k, v in P.items()}
    x = RNG(1).normal(size=(2, 6, 3))
    x_changed = np.concatenate([x[:, :1] + 1.0, x[:, 1:]], axis=1)

    def last_state(x, reset_inside):
        h = np.zeros((2, 5))
        for t in range(x.shape[1]):
            h = np.zeros((2, 5)) if reset_inside else h
            h, _ = rnn.rnn_cell_forward(x[:, t], h, cell)
        return h

    mod = torch.nn.RNN(3, 5, batch_first=True).double()
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in rnn.to_torch_layout(P).items()})
    assert_close_torch(last_state(x, False), mod(t64(x))[1][0], "E30 RNN with h0 before the loop")
    assert np.abs(last_state(x_changed, False) - last_state(x, False)).max() > 1e-3
    assert np.array_equal(last_state(x_changed, True), last_state(x, True))  # x_1 no longer matters
    assert_close_torch(last_state(x, True), mod(t64(x[:, -1:]))[1][0], "E30 reset = only the last step")


def test_e31_lstm_gradients_still_vanish_or_explode_with_length():
    H, n_in = 8, 3
    norms = {}
    for scale in (1.0, 6.0):
        rng = RNG(0)
        P = rnn.initialize_recurrent_parameters("lstm", n_in, H, rng=rng)
        P["Wh1"] = scale / math.sqrt(H) * rng.normal(size=(H, 4 * H))
        mod = torch_lstm(P, n_in, H)
        for T in (10, 100):
            x = RNG(T).normal(size=(1, T, n_in))
            _, _, cache = rnn.recurrent_forward(x, P, "lstm")
            dx = rnn.recurrent_backward(None, cache, dh_n=np.ones((1, 1, H)))["dx"]
            xt = t64(x, requires_grad=True)
            mod(xt)[1][0].sum().backward()
            top = xt.grad.abs().max().item()  # values span many decades
            assert_close_torch(dx, xt.grad, "E31 LSTM dh_T/dx", rtol=1e-9, atol=1e-10 * top)
            norms[scale, T] = np.linalg.norm(dx[0, 0])
    assert norms[1.0, 100] < 1e-6 * norms[1.0, 10]  # vanishes despite the cell path
    assert norms[6.0, 100] > 10 * norms[6.0, 10]  # or grows: nothing is guaranteed


def test_e32_forget_gate_selects_what_the_cell_keeps():
    H = 3
    P = {"Wx": np.zeros((2, 4 * H)), "Wh": np.zeros((H, 4 * H)), "b": np.zeros(4 * H)}
    c_prev, x, h = np.array([[0.8, -0.5, 0.3]]), np.zeros((1, 2)), np.zeros((1, H))
    cell = torch.nn.LSTMCell(2, H).double()
    out = {}
    for f_bias in (10.0, -10.0):
        P["b"][:H], P["b"][H : 2 * H] = -10.0, f_bias
        _, c, _ = rnn.lstm_cell_forward(x, h, c_prev, P)
        with torch.no_grad():
            cell.weight_ih.zero_(), cell.weight_hh.zero_(), cell.bias_hh.zero_()
            cell.bias_ih.copy_(t64(P["b"]))
        assert_close_torch(c, cell(t64(x), (t64(h), t64(c_prev)))[1], "E32 LSTM cell state")
        out[f_bias] = c
    np.testing.assert_allclose(out[10.0], c_prev, atol=1e-4)
    np.testing.assert_allclose(out[-10.0], 0.0, atol=1e-4)


def test_e36_lstm_output_is_o_times_tanh_c_and_nn_lstm_facts():
    P = rnn.initialize_recurrent_parameters("lstm", 3, 5, rng=0)
    mod = torch_lstm(P, 3, 5)
    assert tuple(mod.weight_ih_l0.shape) == (4 * 5, 3) and P["Wx1"].shape == (3, 4 * 5)
    n_torch = sum(p.numel() for p in mod.parameters())
    assert (
        n_torch == 200 == 4 * (5 * 3 + 5 * 5 + 2 * 5) == rnn.count_recurrent_parameters("lstm", 3, 5, torch_layout=True)
    )
    x = RNG(1).normal(size=(2, 4, 3))
    out_t, (h_t, c_t) = mod(t64(x))
    out, (h_n, c_n), _ = rnn.recurrent_forward(x, P, "lstm")
    assert_close_torch(out, out_t, "E36 LSTM output")
    assert_close_torch(c_n, c_t, "E36 LSTM c_n")
    assert torch.equal(out_t[:, -1], h_t[0])
    gates = rnn.lstm_gate_activations(x, P)
    np.testing.assert_allclose(gates["hidden"], gates["output"] * np.tanh(gates["cell"]), rtol=1e-14)
    np.testing.assert_allclose(out_t.detach().numpy(), gates["output"] * np.tanh(gates["cell"]), rtol=1e-12)


def test_e37_batch_first_only_for_input_output_and_stacking_chains_layers():
    P2 = rnn.initialize_recurrent_parameters("lstm", 3, 5, num_layers=2, rng=0)
    x = RNG(2).normal(size=(7, 4, 3))
    out_t, (h_t, c_t) = torch_lstm(P2, 3, 5, num_layers=2)(t64(x))
    assert tuple(out_t.shape) == (7, 4, 5) and tuple(h_t.shape) == tuple(c_t.shape) == (2, 7, 5)
    out, (h_n, c_n), _ = rnn.recurrent_forward(x, P2, "lstm")
    assert_close_torch(out, out_t, "E37 two-layer LSTM output")
    assert_close_torch(h_n, h_t, "E37 two-layer LSTM h_n")
    layer = lambda l: {f"{k}1": P2[f"{k}{l}"] for k in ("Wx", "Wh", "b")}
    first = torch_lstm(layer(1), 3, 5)(t64(x))[0]
    chained = torch_lstm(layer(2), 5, 5)(first)[0]
    assert torch.allclose(chained, out_t, rtol=1e-12, atol=1e-14)
    time_major = torch_lstm(P2, 3, 5, num_layers=2, batch_first=False)(t64(x.transpose(1, 0, 2)))
    assert tuple(time_major[1][0].shape) == (2, 7, 5)  # states: same shape either way
