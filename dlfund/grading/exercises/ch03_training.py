"""Chapter 3 exercises: dense layer forward/backward, losses and their gradients, a two-layer
network's forward and backward pass, a gradient-descent update and a whole training step.

The two-layer network is the chapter's worked example: tanh hidden layer, sigmoid output,
binary cross-entropy averaged over the m samples (the "is this house above the median price?" task).
"""

import numpy as np

from dlfund import losses
from dlfund.activations import sigmoid
from dlfund.layers import activation_backward, activation_forward, dense_backward, dense_forward
from dlfund.optim import update_parameters_with_gd

from ..compare import Problem
from ..core import Case
from ..diagnose import same
from ._util import exercise, mistakes, numeric_grad, rng_for, with_numeric

CH = 3


def _shapes(seed, salt):
    rng = rng_for(seed, salt)
    m = int(rng.integers(5, 9))
    n_in = int(rng.integers(2, 5))
    n_out = n_in + int(rng.integers(1, 3))
    return rng, m, n_in, n_out


# -- dense forward -------------------------------------------------------------------------------


def _dense_fwd_cases(seeds):
    cases = [
        Case(
            "small",
            (
                np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]),
                np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]),
                np.array([0.5, -1.0]),
            ),
        )
    ]
    for s in seeds:
        rng, m, n_in, n_out = _shapes(s, 11)
        cases.append(
            Case(f"random #{s}", (rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)))
        )
    return cases


def _dense_cache_check(case, outcomes):
    """The course's dense_backward must work on your cache: it is (A_prev, W), in that order."""
    A, W, _ = case.args
    out = outcomes[0].value
    if not isinstance(out, tuple) or len(out) != 2:
        return []
    cache = out[1]
    dZ = rng_for(A.shape[0], 13).normal(size=(A.shape[0], W.shape[1]))
    want = dense_backward(dZ, (A, W))
    what = _which_inputs(cache, {"A_prev": A, "W": W, "b": case.args[2]})
    try:
        got = dense_backward(dZ, cache)
    except Exception as exc:  # noqa: BLE001 - any failure means the cache is unusable
        got = exc
    if not isinstance(got, Exception) and same(got, want):
        return []
    return [
        Problem(
            "cache",
            f"dense_backward cannot use your cache{what}: it unpacks A_prev, W = cache",
            "CACHE_CONTENT",
            "return Z, (A_prev, W): the backward pass needs the layer's input and weights, in that order",
        )
    ]


def _which_inputs(cache, inputs):
    """' (yours holds (W, A_prev))': the inputs a tuple cache holds, by name."""
    if not isinstance(cache, (tuple, list)):
        return f" (yours is {type(cache).__name__})"
    names = []
    for item in cache:
        hit = [
            n
            for n, a in inputs.items()
            if isinstance(item, np.ndarray) and item.shape == a.shape and np.array_equal(item, a)
        ]
        names.append(
            hit[0] if hit else (f"an array {item.shape}" if isinstance(item, np.ndarray) else type(item).__name__)
        )
    return f" (yours holds ({', '.join(names)}))"


exercise(
    name="dense_forward",
    chapter=CH,
    func_name="dense_forward",
    title="Dense layer, forward",
    reference=dense_forward,
    arg_names=["A_prev", "W", "b"],
    make_cases=_dense_fwd_cases,
    output_names=["Z", "cache"],
    view=lambda out: out[0],
    cache_check=_dense_cache_check,
    mistakes=mistakes(
        (
            "DENSE_CACHE_ORDER",
            "the cache is (A_prev, W) in that order: dense_backward unpacks A_prev, W = cache",
            lambda A, W, b: (A @ W + b, (W, A)),
        ),
        (
            "DENSE_CACHE_Z",
            "cache the layer's INPUT A_prev and W (the backward pass needs A_prev for "
            "dW = A_prev.T @ dZ), not its output Z",
            lambda A, W, b: (A @ W + b, (A @ W + b, W)),
        ),
        ("DENSE_NO_BIAS", "add the bias: Z = A_prev @ W + b", lambda A, W, b: (A @ W, (A, W))),
        (
            "DENSE_COLUMN_CONVENTION",
            "samples are ROWS here: Z = A_prev @ W + b has shape (m, n_out); "
            "W.T @ A_prev.T is the column convention and gives Z.T",
            lambda A, W, b: (W.T @ A.T + b[:, None], (A, W)),
        ),
        (
            "DENSE_NO_CACHE",
            "return the pair (Z, cache) with cache = (A_prev, W): the backward pass needs them",
            lambda A, W, b: A @ W + b,
        ),
        ("DENSE_BIAS_SUBTRACTED", "the bias is added, not subtracted", lambda A, W, b: (A @ W - b, (A, W))),
    ),
)


# -- dense backward ------------------------------------------------------------------------------


def _dense_bwd_numeric(args, kwargs):
    dZ, (A, W) = args
    A, W = A.copy(), W.copy()
    b = np.zeros(W.shape[1])

    def f():
        return float(np.sum(dZ * dense_forward(A, W, b)[0]))

    return (numeric_grad(f, A), numeric_grad(f, W), numeric_grad(f, b))


def _dense_bwd_cases(seeds):
    cases = []
    for s in (100,) + tuple(seeds):
        rng, m, n_in, n_out = _shapes(s, 12)
        A, W = rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out))
        dZ = rng.normal(size=(m, n_out)) / m
        cases.append(
            Case("fixed" if s == 100 else f"random #{s}", (dZ, (A, W)), context={"m": m}, numeric=_dense_bwd_numeric)
        )
    return cases


def _dense_bwd(dZ, cache, dA=None, dW=None, db=None):
    A, W = cache
    return (dZ @ W.T if dA is None else dA, A.T @ dZ if dW is None else dW, dZ.sum(axis=0) if db is None else db)


exercise(
    name="dense_backward",
    chapter=CH,
    func_name="dense_backward",
    title="Dense layer, backward",
    reference=dense_backward,
    arg_names=["dZ", "cache"],
    make_cases=_dense_bwd_cases,
    gradient=True,
    output_names=["dA_prev", "dW", "db"],
    mistakes=mistakes(
        (
            "DENSE_DB_MEAN",
            "dZ already carries the 1/m of the mean loss, so db is the SUM of dZ over the rows; "
            "averaging again divides by m twice",
            lambda dZ, c: _dense_bwd(dZ, c, db=dZ.mean(axis=0)),
        ),
        (
            "DENSE_DW_TRANSPOSED",
            "dW must have W's shape (n_in, n_out): dW = A_prev.T @ dZ, not dZ.T @ A_prev",
            lambda dZ, c: _dense_bwd(dZ, c, dW=dZ.T @ c[0]),
        ),
        (
            "DENSE_DB_WRONG_AXIS",
            "db has one entry per unit (n_out,): sum over the samples, axis=0",
            lambda dZ, c: _dense_bwd(dZ, c, db=dZ.sum(axis=1)),
        ),
        (
            "DENSE_DW_EXTRA_MEAN",
            "dZ already carries 1/m; dividing dW by m again makes it m times too small",
            lambda dZ, c: _dense_bwd(dZ, c, dW=c[0].T @ dZ / dZ.shape[0]),
        ),
        (
            "DENSE_DB_KEEPDIMS",
            "db has b's shape (n_out,): sum over axis 0 WITHOUT keepdims=True",
            lambda dZ, c: _dense_bwd(dZ, c, db=dZ.sum(axis=0, keepdims=True)),
        ),
        (
            "DENSE_RETURN_ORDER",
            "return the three gradients in the order (dA_prev, dW, db)",
            lambda dZ, c: (lambda r: (r[1], r[0], r[2]))(_dense_bwd(dZ, c)),
        ),
    ),
)


# -- losses ----------------------------------------------------------------------------------------


def _regression_cases(salt):
    def make(seeds):
        cases = [
            Case(
                "column of 4",
                (np.array([[2.0], [0.5], [-1.0], [3.0]]), np.array([[1.5], [0.5], [0.0], [4.0]])),
                context={"m": 4, "n": 4},
            )
        ]
        for s in seeds:
            rng = rng_for(s, salt)
            m, k = int(rng.integers(4, 9)), 2
            y = rng.normal(size=(m, k))
            cases.append(
                Case(
                    f"random #{s} ({m} samples, 2 outputs)",
                    (y + rng.normal(size=(m, k)), y),
                    context={"m": m, "n": m * k, "k": k},
                )
            )
        return cases

    return make


def _mse_numeric(args, kwargs):
    y_hat, y = args[0].copy(), args[1]
    return numeric_grad(lambda: losses.mse_loss(y_hat, y), y_hat)


exercise(
    name="mse_loss",
    chapter=CH,
    func_name="mse_loss",
    title="Mean squared error",
    reference=losses.mse_loss,
    arg_names=["y_hat", "y"],
    make_cases=_regression_cases(21),
    mistakes=mistakes(
        (
            "MSE_SUM",
            "take the MEAN of the squared errors, not the sum",
            lambda y_hat, y: float(np.sum((y_hat - y) ** 2)),
        ),
        (
            "MSE_HALF",
            "this course's MSE has no factor 1/2 (PyTorch's MSELoss has none either)",
            lambda y_hat, y: float(0.5 * np.mean((y_hat - y) ** 2)),
        ),
        (
            "MSE_RMSE",
            "MSE is the mean of the squared errors; you took its square root (RMSE)",
            lambda y_hat, y: float(np.sqrt(np.mean((y_hat - y) ** 2))),
        ),
        (
            "MSE_PER_ROW",
            "divide by the number of ENTRIES (y.size), not by the number of rows",
            lambda y_hat, y: float(np.sum((y_hat - y) ** 2) / y.shape[0]),
        ),
    ),
)

exercise(
    name="mse_grad",
    chapter=CH,
    func_name="mse_grad",
    title="Gradient of the mean squared error",
    reference=losses.mse_grad,
    arg_names=["y_hat", "y"],
    gradient=True,
    make_cases=with_numeric(_regression_cases(22), _mse_numeric),
    mistakes=mistakes(
        (
            "MSE_GRAD_NO_TWO",
            "d/dy_hat (y_hat - y)**2 = 2 (y_hat - y): keep the 2",
            lambda y_hat, y: (y_hat - y) / y.size,
        ),
        (
            "MSE_GRAD_NO_MEAN",
            "the loss is a mean, so its gradient carries 1/n (n = y.size)",
            lambda y_hat, y: 2 * (y_hat - y),
        ),
        (
            "MSE_GRAD_SIGN",
            "the gradient points towards larger loss: 2 (y_hat - y) / n, not 2 (y - y_hat) / n",
            lambda y_hat, y: 2 * (y - y_hat) / y.size,
        ),
        (
            "MSE_GRAD_PER_ROW",
            "divide by the number of entries y.size, not by the number of rows",
            lambda y_hat, y: 2 * (y_hat - y) / y.shape[0],
        ),
        (
            "MSE_GRAD_REDUCED",
            "the gradient has one entry per entry of y_hat: do not average it into one number",
            lambda y_hat, y: float(np.mean(2 * (y_hat - y))),
        ),
    ),
)


def _bce_cases(salt, extremes=True):
    def make(seeds):
        cases = [
            Case(
                "four samples",
                (np.array([[0.9], [0.2], [0.6], [0.35]]), np.array([[1.0], [0.0], [1.0], [0.0]])),
                context={"m": 4, "n": 4},
            )
        ]
        if extremes:
            cases.append(
                Case(
                    "confident and right (p = 0 or 1)",
                    (np.array([[1.0], [0.0], [0.7]]), np.array([[1.0], [0.0], [1.0]])),
                    context={"m": 3, "n": 3},
                )
            )
        for s in seeds:
            rng = rng_for(s, salt)
            m = int(rng.integers(5, 10))
            p = rng.uniform(0.05, 0.95, size=(m, 1))
            y = (rng.random((m, 1)) < 0.5).astype(float)
            cases.append(Case(f"random #{s}", (p, y), context={"m": m, "n": m}))
        return cases

    return make


def _bce_naive(p, y):
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


exercise(
    name="binary_cross_entropy",
    chapter=CH,
    func_name="binary_cross_entropy",
    title="Binary cross-entropy",
    reference=losses.binary_cross_entropy,
    arg_names=["p", "y"],
    make_cases=_bce_cases(23),
    mistakes=mistakes(
        (
            "BCE_NO_MINUS",
            "the logs of probabilities are negative: put a minus sign in front so the loss is >= 0",
            lambda p, y: -_bce_naive(np.clip(p, 1e-12, 1 - 1e-12), y),
        ),
        (
            "BCE_SUM",
            "average over the samples (np.mean), do not sum",
            lambda p, y: _bce_naive(np.clip(p, 1e-12, 1 - 1e-12), y) * y.size,
        ),
        (
            "BCE_ONE_TERM",
            "the loss has two terms: y log p for positives and (1 - y) log(1 - p) for negatives",
            lambda p, y: float(-np.mean(y * np.log(np.clip(p, 1e-12, 1)))),
        ),
        (
            "BCE_NAN_AT_CERTAIN",
            "with p = 1 and y = 1, (1 - y) * log(1 - p) is 0 * (-inf) = NaN: clip p to "
            "[eps, 1 - eps] (e.g. eps = 1e-12) before taking logs",
            _bce_naive,
        ),
    ),
)


def _bce_numeric(args, kwargs):
    p, y = args[0].copy(), args[1]
    return numeric_grad(lambda: losses.binary_cross_entropy(p, y), p, eps=1e-7)


exercise(
    name="binary_cross_entropy_grad",
    chapter=CH,
    func_name="binary_cross_entropy_grad",
    title="Gradient of binary cross-entropy with respect to p",
    reference=losses.binary_cross_entropy_grad,
    arg_names=["p", "y"],
    gradient=True,
    make_cases=with_numeric(_bce_cases(24, extremes=False), _bce_numeric),
    mistakes=mistakes(
        (
            "BCE_GRAD_IS_LOGIT_GRAD",
            "(p - y) / m is the gradient with respect to the LOGIT z (sigmoid and BCE "
            "combined); with respect to p it is (p - y) / (p (1 - p)) / m",
            lambda p, y: (p - y) / y.size,
        ),
        (
            "BCE_GRAD_SIGN",
            "dL/dp = (-y / p + (1 - y) / (1 - p)) / m: check the signs",
            lambda p, y: (y / p - (1 - y) / (1 - p)) / y.size,
        ),
        (
            "BCE_GRAD_NO_MEAN",
            "the loss is a mean over the m samples, so the gradient carries 1/m",
            lambda p, y: -y / p + (1 - y) / (1 - p),
        ),
        (
            "BCE_GRAD_ONE_TERM",
            "the loss has two terms, so the gradient too: (-y / p + (1 - y) / (1 - p)) / m",
            lambda p, y: -y / p / y.size,
        ),
    ),
)


# -- two-layer network ---------------------------------------------------------------------------


def two_layer_forward_ref(X, parameters):
    """Reference built from dlfund layers: tanh hidden layer, sigmoid output."""
    Z1, _ = dense_forward(X, parameters["W1"], parameters["b1"])
    A1, _ = activation_forward(Z1, "tanh")
    Z2, _ = dense_forward(A1, parameters["W2"], parameters["b2"])
    A2, _ = activation_forward(Z2, "sigmoid")
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def two_layer_backward_ref(X, Y, parameters, cache):
    """Reference built from dlfund: BCE-with-logits gradient, dense and tanh backward passes."""
    dZ2 = losses.binary_cross_entropy_with_logits_grad(cache["Z2"], Y)
    dA1, dW2, db2 = dense_backward(dZ2, (cache["A1"], parameters["W2"]))
    dZ1 = activation_backward(dA1, (cache["Z1"], cache["A1"], "tanh", {}))
    _, dW1, db1 = dense_backward(dZ1, (X, parameters["W1"]))
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _net(seed, salt, m=None):
    rng = rng_for(seed, salt)
    m = m or int(rng.integers(5, 10))
    n_in, n_h = 3, 4
    params = {
        "W1": rng.normal(0, 0.8, (n_in, n_h)),
        "b1": rng.normal(0, 0.3, n_h),
        "W2": rng.normal(0, 0.8, (n_h, 1)),
        "b2": rng.normal(0, 0.3, 1),
    }
    X = rng.normal(size=(m, n_in))
    Y = (rng.random((m, 1)) < 0.5).astype(float)
    return X, Y, params


def _fwd_cases(seeds):
    cases = []
    for s in (200,) + tuple(seeds):
        X, _, params = _net(s, 31, m=8 if s == 200 else None)
        cases.append(Case("3-4-1 network, 8 samples" if s == 200 else f"random #{s}", (X, params)))
    return cases


def _tl_fwd(X, p, hidden=np.tanh, out=sigmoid, b1=True):
    Z1 = X @ p["W1"] + (p["b1"] if b1 else 0)
    A1 = hidden(Z1)
    Z2 = A1 @ p["W2"] + p["b2"]
    A2 = out(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


exercise(
    name="two_layer_forward",
    chapter=CH,
    func_name="two_layer_forward",
    title="Forward pass of the 3-4-1 network (tanh hidden, sigmoid output)",
    reference=two_layer_forward_ref,
    arg_names=["X", "parameters"],
    make_cases=_fwd_cases,
    output_names=["A2", "cache"],
    mistakes=mistakes(
        (
            "TWO_LAYER_SIGMOID_HIDDEN",
            "the hidden layer uses tanh; sigmoid belongs to the output layer only",
            lambda X, p: _tl_fwd(X, p, hidden=sigmoid),
        ),
        (
            "TWO_LAYER_NO_OUTPUT_ACTIVATION",
            "apply the sigmoid to Z2: A2 = sigmoid(Z2) is a probability",
            lambda X, p: _tl_fwd(X, p, out=lambda z: z),
        ),
        ("TWO_LAYER_NO_B1", "the hidden layer has a bias too: Z1 = X @ W1 + b1", lambda X, p: _tl_fwd(X, p, b1=False)),
        (
            "TWO_LAYER_NO_CACHE",
            "return (A2, cache) with cache = {'Z1', 'A1', 'Z2', 'A2'}: backward needs them",
            lambda X, p: _tl_fwd(X, p)[0],
        ),
    ),
)


def _bwd_numeric(args, kwargs):
    X, Y, params, _ = args
    params = {k: v.copy() for k, v in params.items()}

    def loss():
        return losses.binary_cross_entropy(two_layer_forward_ref(X, params)[0], Y)

    return {"d" + k: numeric_grad(loss, params[k]) for k in params}


def _bwd_cases(seeds):
    cases = []
    for s in (300,) + tuple(seeds):
        X, Y, params = _net(s, 32, m=8 if s == 300 else None)
        cache = two_layer_forward_ref(X, params)[1]
        cases.append(
            Case(
                "3-4-1 network, 8 samples" if s == 300 else f"random #{s}",
                (X, Y, params, cache),
                context={"m": X.shape[0]},
                numeric=_bwd_numeric,
            )
        )
    return cases


def _tl_bwd(X, Y, p, c, sign=1.0, mean_dz2=True, mean_w=False, db_sum=False, deriv="tanh"):
    m = X.shape[0]
    dZ2 = sign * (c["A2"] - Y) / (m if mean_dz2 else 1)
    dW2 = c["A1"].T @ dZ2 / (m if mean_w else 1)
    db2 = dZ2.sum(axis=0) / (m if mean_w and not db_sum else 1)
    dA1 = dZ2 @ p["W2"].T
    g = {"tanh": 1 - c["A1"] ** 2, "of_z": 1 - c["Z1"] ** 2, "none": 1.0}[deriv]
    dZ1 = dA1 * g
    dW1 = X.T @ dZ1 / (m if mean_w else 1)
    db1 = dZ1.sum(axis=0) / (m if mean_w and not db_sum else 1)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _tl_bwd_sigmoid_again(X, Y, parameters, cache):
    m = X.shape[0]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = (A2 - Y) / m * A2 * (1 - A2)
    dW2, db2 = A1.T @ dZ2, dZ2.sum(axis=0)
    dZ1 = dZ2 @ parameters["W2"].T * (1 - A1**2)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": dW2, "db2": db2}


exercise(
    name="two_layer_backward",
    chapter=CH,
    func_name="two_layer_backward",
    title="Backward pass of the 3-4-1 network",
    reference=two_layer_backward_ref,
    arg_names=["X", "Y", "parameters", "cache"],
    make_cases=_bwd_cases,
    gradient=True,
    mistakes=mistakes(
        (
            "TWO_LAYER_DB_SUMMED",
            "db must be averaged over the m samples like dW (the loss is a mean): "
            "a plain sum of dZ is m times too large",
            lambda X, Y, p, c: _tl_bwd(X, Y, p, c, mean_dz2=False, mean_w=True, db_sum=True),
        ),
        (
            "TWO_LAYER_NO_TANH_DERIVATIVE",
            "dZ1 = dA1 * g'(Z1): multiply by the tanh derivative 1 - A1**2",
            lambda X, Y, p, c: _tl_bwd(X, Y, p, c, deriv="none"),
        ),
        (
            "TWO_LAYER_TANH_DERIV_OF_Z",
            "tanh'(Z1) = 1 - tanh(Z1)**2 = 1 - A1**2, not 1 - Z1**2",
            lambda X, Y, p, c: _tl_bwd(X, Y, p, c, deriv="of_z"),
        ),
        (
            "TWO_LAYER_SIGN",
            "for sigmoid + BCE, dZ2 = (A2 - Y) / m; (Y - A2) flips every gradient",
            lambda X, Y, p, c: _tl_bwd(X, Y, p, c, sign=-1.0),
        ),
        (
            "TWO_LAYER_NO_MEAN",
            "the loss is the MEAN over m samples: every gradient carries a factor 1/m",
            lambda X, Y, p, c: _tl_bwd(X, Y, p, c, mean_dz2=False),
        ),
        (
            "TWO_LAYER_SIGMOID_DERIV_AGAIN",
            "for a sigmoid output with cross-entropy, dZ2 = (A2 - Y) / m already "
            "includes the sigmoid's derivative: do not multiply by A2 * (1 - A2) again",
            _tl_bwd_sigmoid_again,
        ),
    ),
)


# -- gradient-descent update and a training step ----------------------------------------------------


def _gd_cases(seeds):
    cases = []
    for s in (400,) + tuple(seeds):
        _, _, params = _net(s, 41)
        rng = rng_for(s, 42)
        grads = {"d" + k: rng.normal(size=v.shape) for k, v in params.items()}
        lr = 0.1 if s == 400 else float(rng.choice([0.05, 0.3, 0.7]))
        cases.append(Case("lr=0.1" if s == 400 else f"random #{s}, lr={lr}", (params, grads, lr)))
    return cases


def _gd_inplace(parameters, grads, learning_rate):
    for k in parameters:
        parameters[k] -= learning_rate * grads["d" + k]
    return parameters


exercise(
    name="update_parameters_with_gd",
    chapter=CH,
    func_name="update_parameters_with_gd",
    title="One gradient-descent update",
    reference=update_parameters_with_gd,
    arg_names=["parameters", "grads", "learning_rate"],
    make_cases=_gd_cases,
    mistakes=mistakes(
        (
            "GD_ASCENT",
            "step AGAINST the gradient: W - learning_rate * dW",
            lambda p, g, lr: {k: v + lr * g["d" + k] for k, v in p.items()},
        ),
        (
            "GD_INPLACE",
            "`-=` on the arrays changes the caller's parameters; build a new dict {k: v - lr * grads['d' + k]}",
            _gd_inplace,
        ),
        (
            "GD_WEIGHTS_ONLY",
            "update every parameter, the biases b1, b2, ... included",
            lambda p, g, lr: {k: (v - lr * g["d" + k]) if k.startswith("W") else v.copy() for k, v in p.items()},
        ),
        (
            "GD_WRONG_KEY",
            "the gradient of parameters['W1'] is grads['dW1'] (key 'd' + name)",
            lambda p, g, lr: {k: v - lr * g[k] for k, v in p.items()},
        ),
        (
            "GD_NO_LR",
            "multiply the gradient by the learning rate",
            lambda p, g, lr: {k: v - g["d" + k] for k, v in p.items()},
        ),
    ),
)


def training_step_ref(X, Y, parameters, learning_rate):
    """Forward, loss (before the update), backward, update — all with dlfund pieces."""
    A2, cache = two_layer_forward_ref(X, parameters)
    loss = losses.binary_cross_entropy(A2, Y)
    grads = two_layer_backward_ref(X, Y, parameters, cache)
    return update_parameters_with_gd(parameters, grads, learning_rate), loss


def _step_cases(seeds):
    cases = []
    for s in (500,) + tuple(seeds):
        X, Y, params = _net(s, 51, m=8 if s == 500 else None)
        cases.append(
            Case("8 samples, lr=0.5" if s == 500 else f"random #{s}", (X, Y, params, 0.5), context={"m": X.shape[0]})
        )
    return cases


def _step_variant(X, Y, p, lr, after=False, sign=1.0, update=True, loss_sum=False):
    A2, c = two_layer_forward_ref(X, p)
    grads = two_layer_backward_ref(X, Y, p, c)
    new = {k: v - sign * lr * grads["d" + k] for k, v in p.items()} if update else {k: v.copy() for k, v in p.items()}
    A = two_layer_forward_ref(X, new)[0] if after else A2
    loss = losses.binary_cross_entropy(A, Y) * (Y.size if loss_sum else 1)
    return new, loss


exercise(
    name="training_step",
    chapter=CH,
    func_name="training_step",
    title="One training step: forward, loss, backward, update",
    reference=training_step_ref,
    arg_names=["X", "Y", "parameters", "learning_rate"],
    make_cases=_step_cases,
    output_names=["parameters", "loss"],
    mistakes=mistakes(
        (
            "STEP_LOSS_AFTER_UPDATE",
            "report the loss of the forward pass you backpropagated through, i.e. before the update",
            lambda X, Y, p, lr: _step_variant(X, Y, p, lr, after=True),
        ),
        (
            "STEP_ASCENT",
            "update with parameters - learning_rate * gradient",
            lambda X, Y, p, lr: _step_variant(X, Y, p, lr, sign=-1.0),
        ),
        (
            "STEP_NO_UPDATE",
            "return the UPDATED parameters (the result of the update function)",
            lambda X, Y, p, lr: _step_variant(X, Y, p, lr, update=False),
        ),
        (
            "STEP_LOSS_SUM",
            "the loss is the mean over the samples, not the sum",
            lambda X, Y, p, lr: _step_variant(X, Y, p, lr, loss_sum=True),
        ),
    ),
)
