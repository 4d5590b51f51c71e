"""Chapter 2: activation functions and their derivatives, softmax."""

import numpy as np

from . import bug, valid

# ---------------------------------------------------------------- sigmoid


@bug("sigmoid", "the textbook formula 1/(1+exp(-z)) everywhere: overflows for very negative z", r"overflow", r"stab")
def sigmoid_naive(z):
    return 1.0 / (1.0 + np.exp(-z))


@bug("sigmoid", "exp(z)/(1+exp(z)) everywhere: inf/inf = nan for large positive z", r"overflow", r"stab")
def sigmoid_exp_ratio(z):
    e = np.exp(z)
    return e / (1.0 + e)


@bug(
    "sigmoid",
    "sign error in the exponent: 1/(1+exp(z)), i.e. sigma(-z)",
    r"\bsigns?\b",
    r"σ\(-z\)|sigmoid\(-z\)|1 ?- ?σ",
)
def sigmoid_sign(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(z[pos]))
    ez = np.exp(-z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@bug(
    "sigmoid",
    "copy-pasted the positive branch's formula into the negative branch with z instead of -z",
    r"negative",
    r"z ?< ?0",
    r"branch",
)
def sigmoid_neg_branch(z):
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    out[~pos] = 1.0 / (1.0 + np.exp(z[~pos]))
    return out


@bug("sigmoid", "forgot the negative entries: zeros there", r"negative", r"z ?< ?0", r"branch")
def sigmoid_only_pos(z):
    out = np.zeros_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    return out


@bug("sigmoid", "writes the result into the input array", r"modif", r"in.place")
def sigmoid_inplace(z):
    pos = z >= 0
    ez = np.exp(z[~pos])
    z[~pos] = ez / (1.0 + ez)
    z[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    return z


@bug("sigmoid", "allocates a float32 output whatever the input dtype", r"dtype", r"float32")
def sigmoid_float32(z):
    out = np.empty(z.shape, dtype=np.float32)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@valid("sigmoid", "exp(-|z|) once, then np.where")
def sigmoid_abs(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@valid("sigmoid", "through tanh: (1 + tanh(z/2)) / 2")
def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# ---------------------------------------------------------------- sigmoid_derivative


def _sig(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@bug(
    "sigmoid_derivative",
    "multiplies sigma(z) by (1 - z) instead of (1 - sigma(z))",
    r"1 ?- ?z\b",
    r"σ\(z\)\s*\(1 ?- ?σ",
    r"s\s*\*\s*\(1 ?- ?s\)",
)
def sigd_one_minus_z(z):
    return _sig(z) * (1 - z)


@bug(
    "sigmoid_derivative",
    "forgot the square in the denominator: e^-z / (1 + e^-z)",
    r"square",
    r"1 ?- ?σ",
    r"1 - sigmoid",
)
def sigd_no_square(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))


@bug("sigmoid_derivative", "sign flipped: sigma(z) * (sigma(z) - 1)", r"\bsigns?\b")
def sigd_sign(z):
    s = _sig(z)
    return s * (s - 1)


@bug(
    "sigmoid_derivative",
    "used tanh's derivative formula 1 - sigma(z)^2",
    r"tanh",
    r"1 ?- ?σ\(z\)\^?2|1 - s\^?2|1 ?- ?σ²",
)
def sigd_tanh_formula(z):
    return 1 - _sig(z) ** 2


@bug(
    "sigmoid_derivative", "e^-z / (1 + e^-z)^2 written out: overflow and nan for very negative z", r"overflow", r"stab"
)
def sigd_naive(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2


@bug("sigmoid_derivative", "returns sigmoid(z) itself (forgot the derivative)", r"σ\(z\) itself|the sigmoid|derivative")
def sigd_returns_sigmoid(z):
    return _sig(z)


@valid("sigmoid_derivative", "sigma(-z) * sigma(z), by symmetry")
def sigd_symmetric(z):
    return _sig(-z) * _sig(z)


@valid("sigmoid_derivative", "1 / (2 + 2 cosh z)")
def sigd_cosh(z):
    with np.errstate(over="ignore"):
        return 1.0 / (2.0 + 2.0 * np.cosh(np.clip(z, -700, 700)))


# ---------------------------------------------------------------- tanh_derivative


@bug("tanh_derivative", "forgot the square: 1 - tanh(z)", r"square", r"tanh\^?²|tanh\(z\)\s*\*\*\s*2|tanh\^2")
def tanhd_no_square(z):
    return 1 - np.tanh(z)


@bug("tanh_derivative", "squares inside tanh: 1 - tanh(z**2)", r"square", r"tanh\(z\^?2\)|tanh\(z\*\*2\)|inside")
def tanhd_square_inside(z):
    return 1 - np.tanh(z**2)


@bug(
    "tanh_derivative",
    "forgot tanh: 1 - z**2 (formula written for the activation)",
    r"1 ?- ?z",
    r"activation",
    r"tanh\(z\) first|apply tanh|forgot.*tanh",
    r"not z\b",
)
def tanhd_no_tanh(z):
    return 1 - z**2


@bug("tanh_derivative", "used the sigmoid's pattern t * (1 - t)", r"sigmoid", r"t\s*\(1 ?- ?t\)|σ\(1 ?- ?σ\)")
def tanhd_sigmoid_pattern(z):
    t = np.tanh(z)
    return t * (1 - t)


@bug("tanh_derivative", "(1 - tanh z)^2: parenthesis around the wrong thing", r"parenth", r"\(1 ?- ?tanh")
def tanhd_paren(z):
    return (1 - np.tanh(z)) ** 2


@bug("tanh_derivative", "sign error: 1 + tanh(z)^2", r"\bsigns?\b", r"1 ?\+ ?tanh", r"\bMINUS\b")
def tanhd_sign(z):
    return 1 + np.tanh(z) ** 2


@valid("tanh_derivative", "(1 - t)(1 + t)")
def tanhd_factored(z):
    t = np.tanh(z)
    return (1 - t) * (1 + t)


@valid("tanh_derivative", "np.square and np.subtract")
def tanhd_square(z):
    return np.subtract(1.0, np.square(np.tanh(z)))


# ---------------------------------------------------------------- relu


@bug(
    "relu",
    "np.max(z, 0): a reduction along axis 0 instead of an element-wise maximum",
    r"np\.max\b",
    r"maximum",
    r"reduc",
)
def relu_np_max(z):
    return np.max(z, 0)


@bug("relu", "sets negatives to zero in the input array and returns it", r"modif", r"in.place")
def relu_inplace(z):
    z[z < 0] = 0
    return z


@bug("relu", "returned the derivative (0/1 indicator) instead of the function", r"derivative", r"indicator|0/1|ones")
def relu_indicator(z):
    return (z > 0).astype(z.dtype)


@bug("relu", "np.clip(z, 0, 1): capped the positive side too", r"clip", r"cap", r"upper|above 1|at 1")
def relu_clip(z):
    return np.clip(z, 0, 1)


@bug("relu", "leaky by habit: np.maximum(z, 0.01 z)", r"leak", r"slope", r"0\.01")
def relu_leaky(z):
    return np.maximum(z, 0.01 * z)


@bug("relu", "python's built-in max on an array", r"max", r"maximum", r"truth value")
def relu_builtin_max(z):
    return max(z, 0)


@bug("relu", "np.maximum(z, 0).astype(int) to 'clean up' the zeros", r"dtype", r"int")
def relu_int(z):
    return np.maximum(z, 0).astype(int)


@valid("relu", "z * (z > 0)")
def relu_mult(z):
    return z * (z > 0)


@valid("relu", "clip with only a lower bound")
def relu_clip_min(z):
    return z.clip(min=0)


# ---------------------------------------------------------------- relu_derivative


@bug("relu_derivative", "z >= 0: derivative 1 at exactly 0", r"z ?= ?0|at (exactly )?0|at zero", r">=")
def relud_ge(z):
    return (z >= 0).astype(z.dtype)


@bug("relu_derivative", "returns the boolean mask", r"bool", r"dtype")
def relud_bool(z):
    return z > 0


@bug("relu_derivative", "np.where(z > 0, 1, 0): an integer array", r"int", r"dtype")
def relud_int(z):
    return np.where(z > 0, 1, 0)


@bug("relu_derivative", "returned relu(z) instead of its derivative", r"relu\(z\)", r"derivative", r"value of")
def relud_relu(z):
    return np.maximum(z, 0)


@bug("relu_derivative", "overwrites z with the 0/1 values", r"modif", r"in.place")
def relud_inplace(z):
    z[z > 0] = 1
    z[z <= 0] = 0
    return z


@bug("relu_derivative", "np.sign(z): -1 for negative inputs", r"\bsigns?\b", r"-1", r"negative")
def relud_sign(z):
    return np.sign(z)


@valid("relu_derivative", "np.heaviside with value 0 at 0")
def relud_heaviside(z):
    return np.heaviside(z, 0.0).astype(z.dtype)


@valid("relu_derivative", "ones_like then zero where z <= 0")
def relud_ones(z):
    d = np.ones_like(z)
    d[z <= 0] = 0
    return d


# ---------------------------------------------------------------- leaky_relu


@bug("leaky_relu", "hard-coded 0.01, ignoring alpha", r"alpha|α", r"0\.01")
def leaky_hardcoded(z, alpha=0.01):
    return np.maximum(z, 0.01 * z)


@bug(
    "leaky_relu",
    "alpha instead of alpha * z on the negative side",
    r"α ?\* ?z|alpha ?\* ?z|α·z|αz",
    r"times z|constant",
)
def leaky_const(z, alpha=0.01):
    return np.where(z > 0, z, alpha)


@bug("leaky_relu", "sign error: -alpha * z on the negative side", r"\bsigns?\b")
def leaky_sign(z, alpha=0.01):
    return np.where(z > 0, z, -alpha * z)


@bug("leaky_relu", "multiplies the negative entries of the input in place", r"modif", r"in.place")
def leaky_inplace(z, alpha=0.01):
    z[z < 0] *= alpha
    return z


@bug("leaky_relu", "default slope 0.1", r"default", r"0\.1\b")
def leaky_default(z, alpha=0.1):
    return np.where(z > 0, z, alpha * z)


@bug("leaky_relu", "branches of np.where swapped", r"swap", r"branch", r"positive")
def leaky_swapped(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z)


@valid("leaky_relu", "z times a slope array")
def leaky_slope(z, alpha=0.01):
    return z * np.where(z > 0, 1.0, alpha)


@valid("leaky_relu", "relu plus alpha times the negative part")
def leaky_parts(z, alpha=0.01):
    return np.maximum(z, 0) + alpha * np.minimum(z, 0)


# ---------------------------------------------------------------- leaky_relu_derivative


@bug("leaky_relu_derivative", "forgot alpha: 0 on the negative side", r"alpha|α")
def leakyd_zero(z, alpha=0.01):
    return np.where(z > 0, 1.0, 0.0)


@bug(
    "leaky_relu_derivative",
    "alpha * z on the negative side (the function, not its slope)",
    r"α ?\* ?z|alpha ?\* ?z|α·z|αz",
    r"slope",
)
def leakyd_alpha_z(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha * z)


@bug("leaky_relu_derivative", "z >= 0: slope 1 at exactly 0", r"z ?= ?0|at (exactly )?0|at zero", r">=")
def leakyd_ge(z, alpha=0.01):
    return np.where(z >= 0, 1.0, alpha)


@bug("leaky_relu_derivative", "default slope 0.1", r"default", r"0\.1\b")
def leakyd_default(z, alpha=0.1):
    return np.where(z > 0, 1.0, alpha)


@bug(
    "leaky_relu_derivative",
    "returns z on the positive side instead of 1",
    r"\b1\b where|z instead of 1|slope 1",
    r"positive",
    r"z itself",
)
def leakyd_z_pos(z, alpha=0.01):
    return np.where(z > 0, z, alpha)


@bug("leaky_relu_derivative", "np.where branches swapped", r"swap", r"branch")
def leakyd_swapped(z, alpha=0.01):
    return np.where(z > 0, alpha, 1.0)


@valid("leaky_relu_derivative", "alpha + (1 - alpha) * [z > 0]")
def leakyd_affine(z, alpha=0.01):
    return alpha + (1 - alpha) * (z > 0)


@valid("leaky_relu_derivative", "full_like then overwrite the positive entries (float64 out)")
def leakyd_full(z, alpha=0.01):
    d = np.full(z.shape, alpha, dtype=float)
    d[z > 0] = 1.0
    return d


# ---------------------------------------------------------------- softmax


@bug("softmax", "no max subtraction: exp overflows for large logits", r"overflow", r"stab", r"max")
def softmax_naive(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@bug("softmax", "axis=0: normalised each column instead of each row", r"axis", r"column", r"row")
def softmax_axis0(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@bug("softmax", "sum without keepdims: divides by a (m,) vector broadcast along the rows", r"keepdims", r"broadcast")
def softmax_no_keepdims(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1)


@bug(
    "softmax",
    "max over the whole array: rows far below the maximum underflow to 0/0",
    r"row",
    r"per.row",
    r"underflow",
    r"whole",
)
def softmax_global_max(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=1, keepdims=True)


@bug("softmax", "normalised by the sum of the whole array", r"whole", r"row", r"all entries|entire")
def softmax_global_sum(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum()


@bug("softmax", "max without keepdims: z - z.max(axis=1) broadcasts along the wrong axis", r"keepdims", r"broadcast")
def softmax_max_no_keepdims(z):
    e = np.exp(z - z.max(axis=1))
    return e / e.sum(axis=1, keepdims=True)


@bug("softmax", "subtracts the max in place from the input", r"modif", r"in.place")
def softmax_inplace(z):
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@bug("softmax", "divides by the max instead of the sum", r"sum", r"normali")
def softmax_div_max(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.max(axis=1, keepdims=True)


@valid("softmax", "a loop over the rows")
def softmax_loop(z):
    out = np.empty_like(z)
    for r in range(z.shape[0]):
        e = np.exp(z[r] - z[r].max())
        out[r] = e / e.sum()
    return out


@valid("softmax", "through log-sum-exp")
def softmax_lse(z):
    c = z.max(axis=1, keepdims=True)
    lse = c + np.log(np.exp(z - c).sum(axis=1, keepdims=True))
    return np.exp(z - lse)
