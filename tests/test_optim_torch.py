"""Reference tests: every dlfund optimizer takes the same steps as `torch.optim` (float64).

Two settings for every optimizer:
- 60 steps on a random parameter dict with random gradients whose scale changes from
  step to step (1e-4 to 10, so that eps and the adaptive scalings matter);
- a real mini-batch training run of an MLP on the house data, where torch computes its
  own gradients with autograd from the same initial weights and the same batches.
Where our convention differs from PyTorch's, the test maps it explicitly (EMA momentum:
lr -> lr * (1 - beta); AdamW without decay of biases: two torch parameter groups).
Run with `-s` to see the largest deviation per case.
"""

import numpy as np
import pytest
import torch
from _torchref import assert_close_torch

from dlfund import optim as O
from dlfund.data import make_house_prices, standardize
from dlfund.network import MLP
from dlfund.optim import random_mini_batches

N_STEPS = 60
SHAPES = {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
T = torch.optim
torch.set_num_threads(1)  # tiny tensors: threads only add overhead on a shared 2-core machine


def random_problem(seed):
    """Initial parameters and N_STEPS gradient dicts of mixed scales."""
    rng = np.random.default_rng(seed)
    params = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    scales = 10.0 ** rng.integers(-4, 2, size=N_STEPS)
    grads = [{"d" + k: scale * rng.standard_normal(s) for k, s in SHAPES.items()} for scale in scales]
    return params, grads


def torch_params(params):
    return {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}


def all_params(tp):
    return list(tp.values())


def weights_decayed_only(tp, weight_decay):
    """Our AdamW decays weights, not biases (keys starting with "b"): two torch groups."""
    return [
        {"params": [p for k, p in tp.items() if not k.startswith("b")], "weight_decay": weight_decay},
        {"params": [p for k, p in tp.items() if k.startswith("b")], "weight_decay": 0.0},
    ]


def torch_step(topt, tp, grads):
    """One torch.optim step with our gradient dict {"dW1": ...} as the tensors' .grad."""
    for k, p in tp.items():
        p.grad = torch.tensor(grads["d" + k])
    topt.step()


def max_deviation(ours, tp):
    return max(float(np.max(np.abs(ours[k] - tp[k].detach().numpy()))) for k in ours)


def assert_same(ours, tp, name):
    """Every parameter within rtol 1e-10 / atol 1e-12 of torch's (recorded for the session summary)."""
    for k in ours:
        assert_close_torch(ours[k], tp[k], f"{name}: {k}")


# (case id, our optimizer object, torch optimizer built from the dict of torch tensors)
OBJECT_CASES = [
    ("GD", lambda: O.GD(lr=0.05), lambda tp: T.SGD(all_params(tp), lr=0.05)),
    ("SGD", lambda: O.SGD(0.05), lambda tp: T.SGD(all_params(tp), lr=0.05)),
    ("SGD-momentum", lambda: O.SGD(0.02, momentum=0.9), lambda tp: T.SGD(all_params(tp), lr=0.02, momentum=0.9)),
    (
        "SGD-momentum-dampening-wd",
        lambda: O.SGD(0.03, momentum=0.8, dampening=0.3, weight_decay=0.01),
        lambda tp: T.SGD(all_params(tp), lr=0.03, momentum=0.8, dampening=0.3, weight_decay=0.01),
    ),
    (
        "SGD-nesterov-wd",
        lambda: O.SGD(0.02, momentum=0.95, nesterov=True, weight_decay=1e-3),
        lambda tp: T.SGD(all_params(tp), lr=0.02, momentum=0.95, nesterov=True, weight_decay=1e-3),
    ),
    ("Adagrad", lambda: O.Adagrad(), lambda tp: T.Adagrad(all_params(tp))),
    (
        "Adagrad-custom",
        lambda: O.Adagrad(0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-6),
        lambda tp: T.Adagrad(
            all_params(tp), lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-6
        ),
    ),
    ("Adadelta", lambda: O.Adadelta(), lambda tp: T.Adadelta(all_params(tp))),
    (
        "Adadelta-custom",
        lambda: O.Adadelta(0.5, rho=0.8, eps=1e-4, weight_decay=0.01),
        lambda tp: T.Adadelta(all_params(tp), lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.01),
    ),
    ("RMSprop", lambda: O.RMSprop(), lambda tp: T.RMSprop(all_params(tp))),
    (
        "RMSprop-momentum-wd",
        lambda: O.RMSprop(0.003, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9),
        lambda tp: T.RMSprop(all_params(tp), lr=0.003, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9),
    ),
    (
        "RMSprop-centered",
        lambda: O.RMSprop(0.002, alpha=0.95, momentum=0.5, centered=True),
        lambda tp: T.RMSprop(all_params(tp), lr=0.002, alpha=0.95, momentum=0.5, centered=True),
    ),
    ("Adam", lambda: O.Adam(), lambda tp: T.Adam(all_params(tp))),
    (
        "Adam-custom",
        lambda: O.Adam(0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
        lambda tp: T.Adam(all_params(tp), lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
    ),
    ("AdamW", lambda: O.AdamW(), lambda tp: T.AdamW(weights_decayed_only(tp, 0.01))),
    (
        "AdamW-custom",
        lambda: O.AdamW(0.01, betas=(0.85, 0.995), eps=1e-7, weight_decay=0.1),
        lambda tp: T.AdamW(weights_decayed_only(tp, 0.1), lr=0.01, betas=(0.85, 0.995), eps=1e-7),
    ),
    (
        "AdamW-include-biases",
        lambda: O.AdamW(0.005, weight_decay=0.2, include_biases=True),
        lambda tp: T.AdamW(all_params(tp), lr=0.005, weight_decay=0.2),
    ),
]


@pytest.mark.parametrize("case, ours_factory, torch_factory", OBJECT_CASES, ids=[c[0] for c in OBJECT_CASES])
def test_object_matches_torch_on_random_steps(case, ours_factory, torch_factory):
    params, grads = random_problem(seed=len(case))
    tp = torch_params(params)
    opt, topt = ours_factory(), torch_factory(tp)
    worst = 0.0
    for g in grads:
        opt.step(params, g)
        torch_step(topt, tp, g)
        assert_same(params, tp, f"optim {case}")
        worst = max(worst, max_deviation(params, tp))
    print(f"\n[random steps] max |ours - torch| {case}: {worst:.1e}")


# Dict API: init(params) -> state tuple; update(params, grads, state, t) -> (params, state tuple).
def _stateless(fn):
    return (lambda p: (), lambda p, g, s, t: (fn(p, g), ()))


def _with_state(init, update):
    def start(p):
        state = init(p)
        return state if isinstance(state, tuple) else (state,)

    def step(p, g, s, t):
        new_p, *new_s = update(p, g, *s, t)
        return new_p, tuple(new_s)

    return start, step


DICT_CASES = [
    (
        "gd",
        *_stateless(lambda p, g: O.update_parameters_with_gd(p, g, 0.05)),
        lambda tp: T.SGD(all_params(tp), lr=0.05),
    ),
    (
        "sgd-weight-decay",
        *_stateless(lambda p, g: O.update_parameters_with_sgd(p, g, 0.05, weight_decay=0.01)),
        lambda tp: T.SGD(all_params(tp), lr=0.05, weight_decay=0.01),
    ),
    # classical v = beta v + lr g, W -= v  <->  torch with the same lr
    (
        "momentum-classical",
        *_with_state(
            O.initialize_velocity,
            lambda p, g, v, t: O.update_parameters_with_momentum(
                p, g, v, beta=0.9, learning_rate=0.02, convention="classical"
            ),
        ),
        lambda tp: T.SGD(all_params(tp), lr=0.02, momentum=0.9),
    ),
    # EMA v = beta v + (1 - beta) g, W -= lr v  <->  torch with lr * (1 - beta)   (ERRATA E14)
    (
        "momentum-ema",
        *_with_state(
            O.initialize_velocity,
            lambda p, g, v, t: O.update_parameters_with_momentum(p, g, v, beta=0.9, learning_rate=0.02),
        ),
        lambda tp: T.SGD(all_params(tp), lr=0.02 * (1 - 0.9), momentum=0.9),
    ),
    (
        "nesterov-classical",
        *_with_state(
            O.initialize_velocity,
            lambda p, g, v, t: O.update_parameters_with_nesterov(
                p, g, v, beta=0.8, learning_rate=0.03, convention="classical"
            ),
        ),
        lambda tp: T.SGD(all_params(tp), lr=0.03, momentum=0.8, nesterov=True),
    ),
    (
        "nesterov-ema",
        *_with_state(
            O.initialize_velocity,
            lambda p, g, v, t: O.update_parameters_with_nesterov(p, g, v, beta=0.8, learning_rate=0.03),
        ),
        lambda tp: T.SGD(all_params(tp), lr=0.03 * (1 - 0.8), momentum=0.8, nesterov=True),
    ),
    (
        "adagrad",
        *_with_state(
            O.initialize_adagrad,
            lambda p, g, s, t: O.update_parameters_with_adagrad(p, g, s, learning_rate=0.1, epsilon=1e-8),
        ),
        lambda tp: T.Adagrad(all_params(tp), lr=0.1, eps=1e-8),
    ),
    (
        "adadelta",
        *_with_state(
            O.initialize_adadelta,
            lambda p, g, s, d, t: O.update_parameters_with_adadelta(
                p, g, s, d, learning_rate=0.7, rho=0.85, epsilon=1e-5
            ),
        ),
        lambda tp: T.Adadelta(all_params(tp), lr=0.7, rho=0.85, eps=1e-5),
    ),
    # the tutorials' beta is torch's alpha
    (
        "rmsprop",
        *_with_state(
            O.initialize_rmsprop,
            lambda p, g, s, t: O.update_parameters_with_rmsprop(p, g, s, learning_rate=0.01, beta=0.9, epsilon=1e-6),
        ),
        lambda tp: T.RMSprop(all_params(tp), lr=0.01, alpha=0.9, eps=1e-6),
    ),
    (
        "adam",
        *_with_state(
            O.initialize_adam,
            lambda p, g, m, v, t: O.update_parameters_with_adam(
                p, g, m, v, t, learning_rate=0.01, beta1=0.8, beta2=0.99, epsilon=1e-7
            ),
        ),
        lambda tp: T.Adam(all_params(tp), lr=0.01, betas=(0.8, 0.99), eps=1e-7),
    ),
    (
        "adamw",
        *_with_state(
            O.initialize_adam,
            lambda p, g, m, v, t: O.update_parameters_with_adamw(
                p, g, m, v, t, learning_rate=0.01, beta1=0.85, weight_decay=0.1
            ),
        ),
        lambda tp: T.AdamW(weights_decayed_only(tp, 0.1), lr=0.01, betas=(0.85, 0.999)),
    ),
    (
        "adamw-include-biases",
        *_with_state(
            O.initialize_adam,
            lambda p, g, m, v, t: O.update_parameters_with_adamw(
                p, g, m, v, t, learning_rate=0.005, weight_decay=0.2, include_biases=True
            ),
        ),
        lambda tp: T.AdamW(all_params(tp), lr=0.005, weight_decay=0.2),
    ),
]


@pytest.mark.parametrize("case, init, update, torch_factory", DICT_CASES, ids=[c[0] for c in DICT_CASES])
def test_dict_api_matches_torch_on_random_steps(case, init, update, torch_factory):
    params, grads = random_problem(seed=100 + len(case))
    tp = torch_params(params)
    topt = torch_factory(tp)
    state = init(params)
    worst = 0.0
    for t, g in enumerate(grads, start=1):
        params, state = update(params, g, state, t)
        torch_step(topt, tp, g)
        assert_same(params, tp, f"optim dict API {case}")
        worst = max(worst, max_deviation(params, tp))
    print(f"\n[dict API] max |ours - torch| {case}: {worst:.1e}")


@pytest.mark.parametrize("case, ours_factory, torch_factory", OBJECT_CASES, ids=[c[0] for c in OBJECT_CASES])
def test_fast_object_matches_torch_on_random_steps(case, ours_factory, torch_factory):
    """The opt-in fast path (`optim.fast`) against torch too, with the same tolerance."""
    params, grads = random_problem(seed=len(case))
    tp = torch_params(params)
    opt, topt = O.fast.fast_version(ours_factory()), torch_factory(tp)
    for g in grads:
        opt.step(params, g)
        torch_step(topt, tp, g)
        assert_same(params, tp, f"optim fast {case}")


#: the dict-API function behind each DICT_CASES entry (a new update function must be added)
DICT_FUNCTIONS = {
    "gd": "gd",
    "sgd-weight-decay": "sgd",
    "momentum-classical": "momentum",
    "momentum-ema": "momentum",
    "nesterov-classical": "nesterov",
    "nesterov-ema": "nesterov",
    "adagrad": "adagrad",
    "adadelta": "adadelta",
    "rmsprop": "rmsprop",
    "adam": "adam",
    "adamw": "adamw",
    "adamw-include-biases": "adamw",
}


def test_reference_tables_cover_every_optimizer():
    """Derived from the registries: a new optimizer class or dict-API update fails here until it
    has a torch reference case above."""
    assert {type(make()).__name__ for _, make, _ in OBJECT_CASES} == set(O.OPTIMIZERS)
    assert set(DICT_FUNCTIONS) == {c[0] for c in DICT_CASES}
    assert {"update_parameters_with_" + f for f in DICT_FUNCTIONS.values()} == {
        name for name in vars(O.dict_api) if name.startswith("update_parameters_with_")
    }


def test_adam_state_matches_torch_moments():
    """Not only the parameters: our m, v are torch's exp_avg, exp_avg_sq."""
    params, grads = random_problem(seed=7)
    tp = torch_params(params)
    opt, topt = O.Adam(0.01, betas=(0.7, 0.9)), T.Adam(all_params(tp), lr=0.01, betas=(0.7, 0.9))
    for g in grads:
        opt.step(params, g)
        torch_step(topt, tp, g)
    for k, p in tp.items():
        st = topt.state[p]
        assert_close_torch(opt.state["d" + k]["m"], st["exp_avg"], f"optim Adam state m {k}")
        assert_close_torch(opt.state["d" + k]["v"], st["exp_avg_sq"], f"optim Adam state v {k}")
        assert int(st["step"]) == opt.t == N_STEPS


# ----- a real training run: MLP on the house data, torch with its own autograd -------------

LAYERS = [5, 8, 8, 1]
EPOCHS, BATCH, SEED = 8, 32, 3


@pytest.fixture(scope="module")
def house():
    X, y = make_house_prices(n_samples=224, seed=11)
    Xs, _ = standardize(X)
    ys = (y - y.mean()) / y.std()
    return Xs, ys


def torch_training_run(init_params, X, y, torch_factory):
    """The same network, loss and batches, with torch autograd and a torch optimizer."""
    tp = torch_params(init_params)
    topt = torch_factory(tp)
    rng = np.random.default_rng(SEED)  # MLP.fit draws its shuffles from rng=SEED the same way
    n_layers = len(LAYERS) - 1
    for _ in range(EPOCHS):
        for Xb, yb in random_mini_batches(X, y, BATCH, rng=rng):
            A = torch.tensor(Xb)
            for l in range(1, n_layers + 1):
                Z = A @ tp[f"W{l}"] + tp[f"b{l}"]
                A = torch.relu(Z) if l < n_layers else Z
            loss = ((A - torch.tensor(yb).reshape(-1, 1)) ** 2).mean()
            topt.zero_grad()
            loss.backward()
            topt.step()
    return tp


@pytest.mark.parametrize("case, ours_factory, torch_factory", OBJECT_CASES, ids=[c[0] for c in OBJECT_CASES])
def test_mlp_training_run_matches_torch(house, case, ours_factory, torch_factory):
    X, y = house
    model = MLP(LAYERS, rng=0)
    init = {k: v.copy() for k, v in model.params.items()}
    history = model.fit(X, y, epochs=EPOCHS, batch_size=BATCH, optimizer=ours_factory(), rng=SEED, progress=False)
    assert len(history["loss"]) == EPOCHS and np.all(np.isfinite(history["loss"]))
    tp = torch_training_run(init, X, y, torch_factory)
    # 56 steps, each through a forward/backward pass computed independently by numpy and torch
    for k in model.params:
        assert_close_torch(model.params[k], tp[k], f"optim MLP run {case}: {k}")
        assert not np.allclose(model.params[k], init[k]), f"{k} did not move with {case}"
    print(f"\n[MLP run] max |ours - torch| {case}: {max_deviation(model.params, tp):.1e}")


@pytest.mark.parametrize(
    "make",
    [
        lambda: O.RMSprop(0.01, momentum=0.5, centered=True),
        O.Adam,
        O.Adadelta,
        O.Adagrad,
        lambda: O.SGD(0.1, momentum=0.9),
        lambda: O.fast.RMSprop(0.01, momentum=0.5, centered=True),
    ],
)
def test_state_answers_to_torch_names(make):
    """Our state names are the book's; torch.optim's names are aliases for the same arrays."""
    params, grads = random_problem(seed=3)
    tp = torch_params(params)
    opt = make()
    topt = getattr(T, type(opt).__name__)(all_params(tp), **{f: getattr(opt, f) for f in opt._fields})
    opt.step(params, grads[0])
    torch_step(topt, tp, grads[0])
    for k, p in tp.items():
        ours = opt.state["d" + k]
        for torch_name, value in topt.state[p].items():
            if torch_name != "step":
                assert_close_torch(ours[torch_name], value, f"optim state {type(opt).__name__} {torch_name}")
                assert ours[torch_name] is ours[opt.TORCH_STATE_NAMES[torch_name]]
