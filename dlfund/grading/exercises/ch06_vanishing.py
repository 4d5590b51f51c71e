"""Chapter 6 exercises: Xavier/Glorot and He initialisers (and the residual block, once it exists)."""

import numpy as np

from dlfund import init

from ..core import Case
from ..sandbox import Seed
from ._random import InitExercise
from ._util import exercise, mistakes

CH = 6
SIZES = [(300, 100), (80, 500), (200, 150), (120, 400), (256, 64)]


def _init_cases(salt):
    def make(seeds):
        cases = []
        for k, s in enumerate((100,) + tuple(seeds)):
            n_in, n_out = SIZES[k % len(SIZES)]
            seed = 1000 * salt + s
            cases.append(
                Case(
                    f"n_in={n_in}, n_out={n_out}, seed {seed}",
                    (n_in, n_out, Seed(seed)),
                    extra_calls=[((n_in, n_out, Seed(seed)), {}), ((n_in, n_out, Seed(seed + 7919)), {})],
                )
            )
        return cases

    return make


def _fresh():
    return np.random.default_rng()  # unseeded: the mistake of not using the rng argument


exercise(
    cls=InitExercise,
    name="xavier_uniform",
    chapter=CH,
    func_name="xavier_uniform",
    title="Xavier/Glorot uniform initialisation",
    reference=init.xavier_uniform,
    arg_names=["n_in", "n_out", "rng"],
    make_cases=_init_cases(1),
    family="uniform",
    target_var=lambda n_in, n_out: 2.0 / (n_in + n_out),
    mistakes=mistakes(
        (
            "XAVIER_VAR_AS_BOUND",
            "2 / (n_in + n_out) is the VARIANCE; a uniform U(-a, a) has variance a**2 / 3, so "
            "the bound is a = sqrt(6 / (n_in + n_out))",
            lambda n_in, n_out, rng: rng.uniform(
                -np.sqrt(2 / (n_in + n_out)), np.sqrt(2 / (n_in + n_out)), (n_in, n_out)
            ),
        ),
        (
            "XAVIER_SQRT_IN_DENOMINATOR",
            "Var(W) = 2 / (n_in + n_out), not 2 / sqrt(n_in + n_out) (a misprint that "
            "circulates; it makes the weights far too large)",
            lambda n_in, n_out, rng: rng.uniform(-1, 1, (n_in, n_out)) * np.sqrt(3 * 2 / np.sqrt(n_in + n_out)),
        ),
        (
            "XAVIER_USES_HE",
            "sqrt(6 / n_in) is He's bound (for ReLU); Xavier averages both fans: sqrt(6 / (n_in + n_out))",
            lambda n_in, n_out, rng: rng.uniform(-np.sqrt(6 / n_in), np.sqrt(6 / n_in), (n_in, n_out)),
        ),
        (
            "XAVIER_NORMAL_NOT_UNIFORM",
            "this exercise asks for the UNIFORM variant: rng.uniform(-a, a, size)",
            lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out)),
        ),
        (
            "XAVIER_IGNORES_RNG",
            "draw from the rng you are given so that results are reproducible",
            lambda n_in, n_out, rng: _fresh().uniform(
                -np.sqrt(6 / (n_in + n_out)), np.sqrt(6 / (n_in + n_out)), (n_in, n_out)
            ),
        ),
        (
            "XAVIER_TRANSPOSED",
            "W has shape (n_in, n_out): one row per input",
            lambda n_in, n_out, rng: rng.uniform(
                -np.sqrt(6 / (n_in + n_out)), np.sqrt(6 / (n_in + n_out)), (n_out, n_in)
            ),
        ),
    ),
)

exercise(
    cls=InitExercise,
    name="xavier_normal",
    chapter=CH,
    func_name="xavier_normal",
    title="Xavier/Glorot normal initialisation",
    reference=init.xavier_normal,
    arg_names=["n_in", "n_out", "rng"],
    make_cases=_init_cases(2),
    family="normal",
    target_var=lambda n_in, n_out: 2.0 / (n_in + n_out),
    mistakes=mistakes(
        (
            "XAVIER_N_STD_IS_VAR",
            "rng.normal takes the standard deviation: std = sqrt(2 / (n_in + n_out))",
            lambda n_in, n_out, rng: rng.normal(0, 2 / (n_in + n_out), (n_in, n_out)),
        ),
        (
            "XAVIER_N_SQRT_IN_DENOMINATOR",
            "Var(W) = 2 / (n_in + n_out), not 2 / sqrt(n_in + n_out)",
            lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / np.sqrt(n_in + n_out)), (n_in, n_out)),
        ),
        (
            "XAVIER_N_ONE_OVER_SUM",
            "Glorot's variance has a 2 in the numerator: 2 / (n_in + n_out)",
            lambda n_in, n_out, rng: rng.normal(0, np.sqrt(1 / (n_in + n_out)), (n_in, n_out)),
        ),
        (
            "XAVIER_N_UNIFORM",
            "this exercise asks for the NORMAL variant: rng.normal(0, std, size)",
            lambda n_in, n_out, rng: rng.uniform(
                -np.sqrt(6 / (n_in + n_out)), np.sqrt(6 / (n_in + n_out)), (n_in, n_out)
            ),
        ),
        (
            "XAVIER_N_IGNORES_RNG",
            "draw from the rng you are given so that results are reproducible",
            lambda n_in, n_out, rng: _fresh().normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out)),
        ),
    ),
)

exercise(
    cls=InitExercise,
    name="he_normal",
    chapter=CH,
    func_name="he_normal",
    title="He (Kaiming) normal initialisation",
    reference=init.he_normal,
    arg_names=["n_in", "n_out", "rng"],
    make_cases=_init_cases(3),
    family="normal",
    target_var=lambda n_in, n_out: 2.0 / n_in,
    mistakes=mistakes(
        (
            "HE_LECUN",
            "He's variance is 2 / n_in: the 2 compensates for ReLU zeroing half the inputs (1 / n_in is LeCun's)",
            lambda n_in, n_out, rng: rng.normal(0, np.sqrt(1 / n_in), (n_in, n_out)),
        ),
        (
            "HE_STD_IS_VAR",
            "rng.normal takes the standard deviation: std = sqrt(2 / n_in)",
            lambda n_in, n_out, rng: rng.normal(0, 2 / n_in, (n_in, n_out)),
        ),
        (
            "HE_FAN_OUT",
            "He (fan-in mode) divides by the number of INPUTS n_in, which keeps forward activations stable",
            lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / n_out), (n_in, n_out)),
        ),
        (
            "HE_IS_XAVIER",
            "2 / (n_in + n_out) is Xavier's variance; He's is 2 / n_in",
            lambda n_in, n_out, rng: rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out)),
        ),
        (
            "HE_UNIFORM",
            "this exercise asks for the NORMAL variant",
            lambda n_in, n_out, rng: rng.uniform(-np.sqrt(6 / n_in), np.sqrt(6 / n_in), (n_in, n_out)),
        ),
        (
            "HE_IGNORES_RNG",
            "draw from the rng you are given so that results are reproducible",
            lambda n_in, n_out, rng: _fresh().normal(0, np.sqrt(2 / n_in), (n_in, n_out)),
        ),
    ),
)


# -- residual block ------------------------------------------------------------------------------
# F(X) = relu(X @ W1 + b1) @ W2 + b2 and y = X + F(X); the identity path is what keeps gradients
# alive through depth: dL/dX = dL/dy (I + dF/dX).

from dlfund import layers as _layers  # noqa: E402

from ._util import numeric_grad, rng_for  # noqa: E402


def residual_block_forward_ref(X, W1, b1, W2, b2):
    """y = X + F(X) with dlfund's residual block (ReLU, then a linear layer)."""
    return _layers.residual_forward(X, [(W1, b1), (W2, b2)], activation=["relu", "linear"])[0]


def residual_block_backward_ref(dY, X, W1, b1, W2, b2):
    """(dX, dW1, db1, dW2, db2) from dlfund's residual block backward pass."""
    _, cache = _layers.residual_forward(X, [(W1, b1), (W2, b2)], activation=["relu", "linear"])
    dX, ((dW1, db1), (dW2, db2)) = _layers.residual_backward(dY, cache)
    return dX, dW1, db1, dW2, db2


def _res_inputs(s, salt):
    rng = rng_for(s, salt)
    m, n, h = int(rng.integers(4, 8)), int(rng.integers(3, 5)), int(rng.integers(5, 8))
    return (
        rng.normal(size=(m, n)),
        rng.normal(size=(n, h)),
        rng.normal(size=h) * 0.5,
        rng.normal(size=(h, n)),
        rng.normal(size=n),
    )


def _res_fwd_cases(seeds):
    return [Case("fixed" if s == 600 else f"random #{s}", _res_inputs(s, 61)) for s in (600,) + tuple(seeds)]


def _F(X, W1, b1, W2, b2, last_relu=False):
    out = np.maximum(X @ W1 + b1, 0) @ W2 + b2
    return np.maximum(out, 0) if last_relu else out


exercise(
    name="residual_block_forward",
    chapter=CH,
    func_name="residual_block_forward",
    title="Residual block, forward",
    reference=residual_block_forward_ref,
    arg_names=["X", "W1", "b1", "W2", "b2"],
    make_cases=_res_fwd_cases,
    mistakes=mistakes(
        ("RES_NO_SKIP", "add the input back: y = X + F(X) (the skip connection is the point of the block)", _F),
        (
            "RES_RELU_AFTER_ADD",
            "this block is y = X + F(X) with no activation after the addition",
            lambda X, W1, b1, W2, b2: np.maximum(X + _F(X, W1, b1, W2, b2), 0),
        ),
        (
            "RES_RELU_ON_LAST_LAYER",
            "F's second layer is linear: relu(X W1 + b1) W2 + b2, no ReLU after it",
            lambda X, W1, b1, W2, b2: X + _F(X, W1, b1, W2, b2, last_relu=True),
        ),
        (
            "RES_SKIP_ACTIVATED",
            "the skip path carries X itself, not relu(X)",
            lambda X, W1, b1, W2, b2: np.maximum(X, 0) + _F(X, W1, b1, W2, b2),
        ),
    ),
)


def _res_bwd_cases(seeds):
    cases = []
    for s in (610,) + tuple(seeds):
        X, W1, b1, W2, b2 = _res_inputs(s, 62)
        dY = rng_for(s, 63).normal(size=X.shape)

        def numeric(args, kwargs, dY=dY):
            xs = [a.copy() for a in args[1:]]

            def f():
                return float(np.sum(dY * residual_block_forward_ref(*xs)))

            return tuple(numeric_grad(f, a) for a in xs)

        cases.append(Case("fixed" if s == 610 else f"random #{s}", (dY, X, W1, b1, W2, b2), numeric=numeric))
    X, W1, b1, W2, b2 = _res_inputs(611, 62)
    X[0] = 0.0
    b1 = np.where(np.arange(b1.size) % 2 == 0, 0.0, b1)  # Z1[0, even units] is exactly 0: relu'(0) = 0
    dY = rng_for(611, 63).normal(size=X.shape)
    cases.append(Case("Z1 with exact zeros", (dY, X, W1, b1, W2, b2)))
    return cases


def _res_bwd(dY, X, W1, b1, W2, b2, identity=1.0, relu_mask=True):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    dW2, db2 = A1.T @ dY, dY.sum(axis=0)
    dA1 = dY @ W2.T
    dZ1 = dA1 * (Z1 > 0) if relu_mask else dA1
    dW1, db1 = X.T @ dZ1, dZ1.sum(axis=0)
    return identity * dY + dZ1 @ W1.T, dW1, db1, dW2, db2


exercise(
    name="residual_block_backward",
    chapter=CH,
    func_name="residual_block_backward",
    title="Residual block, backward",
    reference=residual_block_backward_ref,
    arg_names=["dY", "X", "W1", "b1", "W2", "b2"],
    make_cases=_res_bwd_cases,
    gradient=True,
    output_names=["dX", "dW1", "db1", "dW2", "db2"],
    mistakes=mistakes(
        (
            "RES_BWD_NO_IDENTITY",
            "y = X + F(X), so dX = dY + (gradient through F): dE/dx = dE/dy (1 + F'(x)); "
            "dropping the dY term drops the identity path",
            lambda *a: _res_bwd(*a, identity=0.0),
        ),
        ("RES_BWD_DOUBLE_IDENTITY", "the identity path contributes dY once", lambda *a: _res_bwd(*a, identity=2.0)),
        (
            "RES_BWD_NO_RELU_MASK",
            "backpropagate through the ReLU: multiply by (Z1 > 0)",
            lambda *a: _res_bwd(*a, relu_mask=False),
        ),
        (
            "RES_BWD_DW_TRANSPOSED",
            "dW1 has W1's shape (n, h): X.T @ dZ1",
            lambda *a: (lambda r: (r[0], r[1].T, r[2], r[3], r[4]))(_res_bwd(*a)),
        ),
        (
            "RES_BWD_DB_NOT_SUMMED",
            "a bias is shared by all samples: db2 = dY.sum(axis=0), one entry per unit",
            lambda *a: (lambda r: (r[0], r[1], r[2], r[3], a[0]))(_res_bwd(*a)),
        ),
    ),
)
