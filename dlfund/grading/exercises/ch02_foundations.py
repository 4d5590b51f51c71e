"""Chapter 2 exercises: activations, their derivatives, and a numerically stable softmax."""

import numpy as np

from dlfund import activations as act

from ..core import Case
from ..diagnose import elementwise, softmax_sums
from ._util import elementwise_derivative, exercise, mistakes, rng_for, with_numeric

CH = 2
Z_ARGS = ["z"]


def _rand_z(seed, salt, scale=3.0):
    rng = rng_for(seed, salt)
    m = int(rng.integers(2, 6))
    k = m + int(rng.integers(1, 4))  # never square: a transpose cannot pass
    return rng.normal(0.0, scale, (m, k))


def _z_cases(salt, fixed):
    def make(seeds):
        cases = [Case(label, (z,)) for label, z in fixed]
        cases += [Case(f"random #{s}", (_rand_z(s, salt),)) for s in seeds]
        return cases

    return make


_GRID = np.array([[-6.0, -2.0, -0.5, 0.0], [0.25, 1.0, 3.0, 7.5], [-1.5, 0.0, 2.0, -4.0]])
_LARGE = np.array([[-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0]])
_F32 = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)


def _deriv_numeric(f):
    def numeric(args, kwargs):
        return elementwise_derivative(lambda z: f(z, **kwargs), args[0])

    return numeric


def _with_numeric(make, f):
    def wrapped(seeds):
        cases = make(seeds)
        for c in cases:
            c.numeric = _deriv_numeric(f)
        return cases

    return wrapped


def _sigmoid(z):
    return act.sigmoid(z)


def _sigmoid_branch_slip(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1 / (1 + np.exp(-z[pos]))
    out[~pos] = 1 / (1 + np.exp(z[~pos]))  # should be exp(z) / (1 + exp(z))
    return out


exercise(
    name="sigmoid",
    chapter=CH,
    func_name="sigmoid",
    title="Sigmoid, stable for large |z|",
    reference=act.sigmoid,
    arg_names=Z_ARGS,
    make_cases=_z_cases(1, [("grid", _GRID), ("large |z| (stability)", _LARGE), ("float32 input", _F32)]),
    strict_warnings=("overflow",),
    warning_hint="a stable sigmoid never computes exp of a large positive number: use exp(-|z|), which is "
    "at most 1, e.g. e = np.exp(-np.abs(z)); np.where(z >= 0, 1 / (1 + e), e / (1 + e)) "
    "(np.where evaluates BOTH branches, so exp(-z) inside it still overflows)",
    diagnose=elementwise(
        [
            (
                "SIGMOID_SIGN_SLIP",
                "1 - sigmoid(z) = sigmoid(-z): the sign in the exponent is flipped in that branch",
                lambda z, e: 1 - e,
                "sigmoid(z) = 1 / (1 + exp(-z)) = exp(z) / (1 + exp(z)); check the sign of z in each exp",
            )
        ]
    ),
    mistakes=mistakes(
        (
            "SIGMOID_NAIVE",
            "1 / (1 + np.exp(-z)) overflows in exp(-z) for large negative z (NumPy warns; the "
            "exercise asks for a stable version): compute e = np.exp(-np.abs(z)) and use 1 / (1 + e) "
            "for z >= 0, e / (1 + e) for z < 0",
            lambda z: 1.0 / (1.0 + np.exp(-z)),
        ),
        (
            "SIGMOID_SIGN_ONE_BRANCH",
            "in the branch for negative z, exp(z) / (1 + exp(z)) is right; 1 / (1 + exp(z)) there is sigmoid(-z)",
            _sigmoid_branch_slip,
        ),
        (
            "SIGMOID_SIGN",
            "sigmoid is 1 / (1 + exp(-z)), with a minus sign inside the exponential: yours decreases with z",
            lambda z: 1.0 / (1.0 + np.exp(z)),
        ),
        (
            "SIGMOID_MINUS_DENOM",
            "the denominator is 1 + exp(-z), not 1 - exp(-z) (a sign slip that circulates "
            "in derivations; it gives inf at z = 0)",
            lambda z: 1.0 / (1.0 - np.exp(-z)),
        ),
        (
            "SIGMOID_OVERFLOW",
            "exp(z) / (1 + exp(z)) is inf / inf = NaN for large z: use 1 / (1 + exp(-z)) for "
            "z >= 0 and exp(z) / (1 + exp(z)) for z < 0",
            lambda z: np.exp(z) / (1.0 + np.exp(z)),
        ),
        (
            "SIGMOID_TANH_HALF",
            "sigmoid(z) = (1 + tanh(z / 2)) / 2: the argument of tanh is z / 2",
            lambda z: (1.0 + np.tanh(z)) / 2.0,
        ),
    ),
)

exercise(
    name="sigmoid_derivative",
    chapter=CH,
    func_name="sigmoid_derivative",
    title="Derivative of the sigmoid",
    reference=act.sigmoid_derivative,
    arg_names=Z_ARGS,
    gradient=True,
    make_cases=_with_numeric(_z_cases(2, [("grid", _GRID), ("large |z|", _LARGE)]), act.sigmoid),
    mistakes=mistakes(
        ("SIGMOID_DERIV_OF_Z", "s(1 - s) must be applied to s = sigmoid(z), not to z itself", lambda z: z * (1.0 - z)),
        (
            "SIGMOID_DERIV_SIGN",
            "the derivative is s(1 - s), which is positive: yours is s(s - 1)",
            lambda z: _sigmoid(z) * (_sigmoid(z) - 1.0),
        ),
        (
            "SIGMOID_DERIV_NO_SQUARE",
            "d/dz (1 + e^-z)^-1 = e^-z / (1 + e^-z)^2: the denominator is squared",
            lambda z: np.exp(-np.clip(z, -700, 700)) / (1.0 + np.exp(-np.clip(z, -700, 700))),
        ),
        (
            "SIGMOID_DERIV_IS_FUNCTION",
            "you returned sigmoid(z) itself; the derivative is sigmoid(z) * (1 - sigmoid(z))",
            _sigmoid,
        ),
    ),
)

exercise(
    name="tanh_derivative",
    chapter=CH,
    func_name="tanh_derivative",
    title="Derivative of tanh",
    reference=act.tanh_derivative,
    arg_names=Z_ARGS,
    gradient=True,
    make_cases=_with_numeric(_z_cases(3, [("grid", _GRID)]), act.tanh),
    mistakes=mistakes(
        ("TANH_DERIV_OF_Z", "1 - t**2 must use t = tanh(z), not z", lambda z: 1.0 - z**2),
        ("TANH_DERIV_NO_SQUARE", "the derivative is 1 - tanh(z)**2: square the tanh", lambda z: 1.0 - np.tanh(z)),
        (
            "TANH_DERIV_PLUS",
            "the derivative is 1 MINUS tanh(z)**2 (at most 1, reached at z = 0)",
            lambda z: 1.0 + np.tanh(z) ** 2,
        ),
        (
            "TANH_DERIV_SQUARED_DIFF",
            "(1 - tanh(z))**2 is not the derivative: square tanh first, then subtract from 1",
            lambda z: (1.0 - np.tanh(z)) ** 2,
        ),
    ),
)


def _relu_inplace(z):
    z[z < 0] = 0
    return z


exercise(
    name="relu",
    chapter=CH,
    func_name="relu",
    title="ReLU",
    reference=act.relu,
    arg_names=Z_ARGS,
    make_cases=_z_cases(4, [("grid", _GRID), ("float32 input", _F32)]),
    mistakes=mistakes(
        (
            "RELU_MAX_REDUCES",
            "np.max(z, 0) takes the maximum along axis 0 (a reduction); the element-wise "
            "comparison with 0 is np.maximum(z, 0)",
            lambda z: np.max(z, 0),
        ),
        ("RELU_INPLACE", "z[z < 0] = 0 changes the caller's array: copy first, or use np.maximum(z, 0)", _relu_inplace),
        (
            "RELU_MASK",
            "z > 0 is the mask (True/False), i.e. the derivative; ReLU returns the values, "
            "z * (z > 0) or np.maximum(z, 0)",
            lambda z: (z > 0).astype(z.dtype),
        ),
        ("RELU_MIN", "ReLU keeps the positive part: np.maximum, not np.minimum", lambda z: np.minimum(z, 0)),
    ),
)


def _relu_deriv_inplace(z):
    z[z > 0] = 1
    z[z <= 0] = 0
    return z


exercise(
    name="relu_derivative",
    chapter=CH,
    func_name="relu_derivative",
    title="Derivative of ReLU",
    reference=act.relu_derivative,
    arg_names=Z_ARGS,
    gradient=True,
    make_cases=_with_numeric(_z_cases(5, [("grid with exact zeros", _GRID)]), act.relu),
    mistakes=mistakes(
        (
            "RELU_DERIV_IS_FUNCTION",
            "you returned relu(z); its derivative is 1 where z > 0 and 0 elsewhere",
            lambda z: np.maximum(z, 0),
        ),
        (
            "RELU_DERIV_AT_ZERO",
            "at z = 0 the course (like PyTorch) uses derivative 0: use z > 0, not z >= 0",
            lambda z: (z >= 0).astype(z.dtype),
        ),
        ("RELU_DERIV_SIGN", "the derivative is 1 for POSITIVE z", lambda z: (z < 0).astype(z.dtype)),
        (
            "RELU_DERIV_INPLACE",
            "you overwrote z with the mask: the caller's pre-activations are gone; "
            "return a new array, e.g. (z > 0).astype(z.dtype)",
            _relu_deriv_inplace,
        ),
    ),
)


def _alpha_cases(salt, fixed_grid):
    def make(seeds):
        cases = [Case("grid, default alpha", (fixed_grid,)), Case("grid, alpha=0.2", (fixed_grid,), {"alpha": 0.2})]
        cases += [
            Case(f"random #{s}, alpha={a}", (_rand_z(s, salt),), {"alpha": a})
            for s, a in zip(seeds, [0.05, 0.3, 0.1] * (len(seeds) // 3 + 1))
        ]
        return cases

    return make


def _leaky_numeric(args, kwargs):
    return elementwise_derivative(lambda z: act.leaky_relu(z, **kwargs), args[0])


exercise(
    name="leaky_relu",
    chapter=CH,
    func_name="leaky_relu",
    title="Leaky ReLU with slope alpha",
    reference=act.leaky_relu,
    arg_names=["z", "alpha"],
    make_cases=_alpha_cases(6, _GRID),
    mistakes=mistakes(
        (
            "LEAKY_ALPHA_IGNORED",
            "use the alpha argument; 0.01 is only its default",
            lambda z, alpha=0.01: np.where(z > 0, z, 0.01 * z),
        ),
        (
            "LEAKY_CONSTANT",
            "for z <= 0 the output is alpha * z, not the constant alpha",
            lambda z, alpha=0.01: np.where(z > 0, z, alpha),
        ),
        (
            "LEAKY_SWAPPED",
            "the slope alpha applies to NEGATIVE inputs; positive inputs pass unchanged",
            lambda z, alpha=0.01: np.where(z > 0, alpha * z, z),
        ),
        (
            "LEAKY_IS_RELU",
            "negative inputs must leak through as alpha * z, not become 0",
            lambda z, alpha=0.01: np.maximum(z, 0),
        ),
    ),
)

exercise(
    name="leaky_relu_derivative",
    chapter=CH,
    func_name="leaky_relu_derivative",
    title="Derivative of leaky ReLU",
    reference=act.leaky_relu_derivative,
    arg_names=["z", "alpha"],
    gradient=True,
    make_cases=with_numeric(_alpha_cases(7, _GRID), _leaky_numeric),
    mistakes=mistakes(
        (
            "LEAKY_DERIV_IS_FUNCTION",
            "you returned leaky_relu(z); the derivative is 1 for z > 0 and alpha otherwise",
            lambda z, alpha=0.01: np.where(z > 0, z, alpha * z),
        ),
        (
            "LEAKY_DERIV_ALPHA_IGNORED",
            "use the alpha argument, not a hard-coded 0.01",
            lambda z, alpha=0.01: np.where(z > 0, 1.0, 0.01),
        ),
        (
            "LEAKY_DERIV_ZERO",
            "for z <= 0 the derivative is alpha (the leak), not 0",
            lambda z, alpha=0.01: np.where(z > 0, 1.0, 0.0),
        ),
        (
            "LEAKY_DERIV_AT_ZERO",
            "at z = 0 use the negative-side slope alpha (z > 0, not z >= 0)",
            lambda z, alpha=0.01: np.where(z >= 0, 1.0, alpha),
        ),
    ),
)


def _softmax_cases(seeds):
    cases = [
        Case("rows of logits", (np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.5]]),)),
        Case("large logits (stability)", (np.array([[1000.0, 1001.0, 999.0], [-5.0, 800.0, 3.0]]),)),
        Case("square batch", (np.array([[0.2, 1.5, -0.3], [2.0, -1.0, 0.0], [0.7, 0.1, 3.0]]),)),
        # one maximum for the whole batch would underflow the second row to 0 / 0
        Case("rows on far-apart scales", (np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -999.0]]),)),
    ]
    cases += [Case(f"random #{s}", (_rand_z(s, 8, 2.0),)) for s in seeds]
    return cases


def _softmax_no_keepdims(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1)


def _softmax_shift_no_keepdims(z):
    e = np.exp(z - np.max(z, axis=1))
    return e / np.sum(e, axis=1, keepdims=True)


exercise(
    name="softmax",
    chapter=CH,
    func_name="softmax",
    title="Numerically stable softmax over each row",
    reference=act.softmax,
    arg_names=Z_ARGS,
    make_cases=_softmax_cases,
    diagnose=softmax_sums,
    strict_warnings=("overflow",),
    warning_hint="subtract each row's maximum before exp, so that the largest exponent is 0",
    mistakes=mistakes(
        (
            "SOFTMAX_SHIFTED_GLOBAL_SUM",
            "each row must sum to 1: np.sum(e) without an axis divides by the sum over "
            "the whole batch; use e.sum(axis=1, keepdims=True)",
            lambda z: (lambda e: e / np.sum(e))(np.exp(z - np.max(z, axis=1, keepdims=True))),
        ),
        (
            "SOFTMAX_OVERFLOW",
            "exp(1000) overflows to inf and inf / inf = NaN: subtract each row's maximum first "
            "(softmax(z) = softmax(z - c) for any constant c per row)",
            lambda z: np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True),
        ),
        (
            "SOFTMAX_AXIS0",
            "each ROW is one sample: normalise along axis=1 (the classes), not axis=0",
            lambda z: (
                np.exp(z - z.max(axis=0, keepdims=True))
                / np.sum(np.exp(z - z.max(axis=0, keepdims=True)), axis=0, keepdims=True)
            ),
        ),
        (
            "SOFTMAX_GLOBAL_SUM",
            "np.sum(e) without an axis adds up the whole batch; each row must sum to 1",
            lambda z: np.exp(z - z.max()) / np.sum(np.exp(z - z.max())),
        ),
        (
            "SOFTMAX_NO_KEEPDIMS",
            "np.sum(e, axis=1) has shape (m,) and broadcasts along the wrong axis: use keepdims=True (shape (m, 1))",
            _softmax_no_keepdims,
        ),
        (
            "SOFTMAX_SHIFT_NO_KEEPDIMS",
            "np.max(z, axis=1) has shape (m,): subtracting it shifts COLUMNS; "
            "use keepdims=True so each row is shifted by its own maximum",
            _softmax_shift_no_keepdims,
        ),
    ),
)


# Element-wise exercises without a diagnoser of their own: name the region of wrong entries.
from ..registry import get_exercise as _get  # noqa: E402

for _name in (
    "sigmoid_derivative",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
):
    _get(_name).diagnose = elementwise()
