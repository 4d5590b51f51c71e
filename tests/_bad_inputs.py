"""The table of bad inputs to the checking tools, activations, losses and data helpers.

Each case is (id, call, expected exception type, words the message must contain): the words
name the argument and say what was expected or received. `tests/test_bad_inputs.py` runs the
table; `tools/bad_input_share.py` counts how many cases a given version of dlfund answers with
its own clear error.
"""

import numpy as np

from dlfund import activations as act
from dlfund import losses
from dlfund._validate import (
    as_array,
    check_axis,
    check_callable,
    check_choice,
    check_finite,
    check_int,
    check_matching_keys,
    check_number,
    check_positive,
    check_unit_interval,
)
from dlfund.data import difference as diff
from dlfund.data import (
    fit_scaler,
    get_surface,
    house_price_truth,
    inverse_difference,
    lagged_forecast,
    load_digits_split,
    make_house_prices,
    saddle,
    sequential_split,
    sliding_windows,
    standardize,
)
from dlfund.gradcheck import GradCheckResult, gradient_check, numerical_gradient, relative_error
from dlfund.probes import weight_grad_norms


def _sq(p):
    return float(np.sum(p["W"] ** 2))


def _ones():
    return {"W": np.ones(2)}


def _raise():
    raise RuntimeError("loss failed")


X2 = np.zeros((3, 2))
F32 = np.full(2, 100.0, np.float32)
SERIES = np.arange(10.0)

CASES = [
    # ------------------------------------------------------------- gradient_check / numerical_gradient
    (
        "gc-nan-loss",
        lambda: gradient_check(lambda p: float("nan"), _ones(), {"dW": np.ones(2)}),
        ValueError,
        ["loss returned nan", "params['W'][0]"],
    ),
    (
        "gc-inf-loss",
        lambda: gradient_check(lambda p: np.inf, _ones(), {"dW": np.ones(2)}),
        ValueError,
        ["loss returned inf"],
    ),
    (
        "gc-array-loss",
        lambda: gradient_check(lambda p: p["W"] * 2, _ones(), {"dW": np.ones(2)}),
        TypeError,
        ["must return one number", "(2,)"],
    ),
    (
        "gc-none-loss",
        lambda: gradient_check(lambda p: None, _ones(), {"dW": np.ones(2)}),
        TypeError,
        ["must return one number", "NoneType"],
    ),
    (
        "gc-max-entries-0",
        lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, max_entries=0),
        ValueError,
        ["max_entries", ">= 1", "got 0"],
    ),
    (
        "gc-max-entries-negative",
        lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, max_entries=-3),
        ValueError,
        ["max_entries", "got -3"],
    ),
    (
        "gc-max-entries-float",
        lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, max_entries=2.5),
        TypeError,
        ["max_entries", "integer", "2.5"],
    ),
    ("gc-eps-0", lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, eps=0), ValueError, ["eps", "> 0", "got 0"]),
    (
        "gc-eps-negative",
        lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, eps=-1e-6),
        ValueError,
        ["eps", "> 0"],
    ),
    (
        "gc-eps-str",
        lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, eps="1e-6"),
        TypeError,
        ["eps must be a number", "str"],
    ),
    ("gc-empty-params", lambda: gradient_check(_sq, {}, {}), ValueError, ["params is empty", "nothing to check"]),
    (
        "gc-size-0-params",
        lambda: gradient_check(lambda p: 0.0, {"W": np.ones((0, 3))}, {"dW": np.ones((0, 3))}),
        ValueError,
        ["size 0", "nothing to check"],
    ),
    (
        "gc-float32-params",
        lambda: gradient_check(_sq, {"W": F32.copy()}, {"dW": np.ones(2)}),
        ValueError,
        ["params['W']", "float32", "float64"],
    ),
    (
        "gc-float16-params",
        lambda: gradient_check(_sq, {"W": np.ones(2, np.float16)}, {"dW": np.ones(2)}),
        ValueError,
        ["float16", "float64"],
    ),
    (
        "gc-int-params",
        lambda: gradient_check(_sq, {"W": np.ones(2, int)}, {"dW": np.ones(2)}),
        TypeError,
        ["params['W']", "floating-point", "int64"],
    ),
    (
        "gc-list-params",
        lambda: gradient_check(_sq, {"W": [1.0, 2.0]}, {"dW": np.ones(2)}),
        TypeError,
        ["params['W']", "list"],
    ),
    (
        "gc-nan-params",
        lambda: gradient_check(_sq, {"W": np.array([1.0, np.nan])}, {"dW": np.ones(2)}),
        ValueError,
        ["params['W']", "finite", "nan"],
    ),
    (
        "gc-params-not-dict",
        lambda: gradient_check(_sq, [np.ones(2)], {"dW": np.ones(2)}),
        TypeError,
        ["params must be a dict", "list"],
    ),
    ("gc-grads-not-dict", lambda: gradient_check(_sq, _ones(), np.ones(2)), TypeError, ["grads must be a dict"]),
    (
        "gc-grad-typo",
        lambda: gradient_check(_sq, _ones(), {"dw": np.ones(2)}),
        ValueError,
        ["no entry 'dW'", "did you mean 'dw'"],
    ),
    (
        "gc-grad-transposed",
        lambda: gradient_check(_sq, {"W": np.ones((2, 3))}, {"dW": np.ones((3, 2))}),
        ValueError,
        ["grads['dW'] has shape (3, 2)", "(2, 3)"],
    ),
    (
        "gc-grad-strings",
        lambda: gradient_check(_sq, _ones(), {"dW": ["a", "b"]}),
        TypeError,
        ["grads['dW']", "strings"],
    ),
    (
        "gc-loss-not-callable",
        lambda: gradient_check(3.0, _ones(), {"dW": np.ones(2)}),
        TypeError,
        ["loss_fn must be a function", "float"],
    ),
    (
        "gc-prefix-not-str",
        lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, prefix=None),
        TypeError,
        ["prefix must be a str"],
    ),
    ("gc-rng-str", lambda: gradient_check(_sq, _ones(), {"dW": np.ones(2)}, rng="x"), TypeError, ["rng must be"]),
    (
        "gc-threshold-0",
        lambda: GradCheckResult(0.0, "W", (0,), 1.0, 1.0).passed(threshold=0),
        ValueError,
        ["threshold", "> 0"],
    ),
    (
        "ng-float32",
        lambda: numerical_gradient(lambda: float((F32**2).sum()), F32),
        ValueError,
        ["float32", "float64", "astype"],
    ),
    ("ng-list", lambda: numerical_gradient(lambda: 0.0, [1.0, 2.0]), TypeError, ["x must be", "list"]),
    ("ng-eps-0", lambda: numerical_gradient(lambda: 0.0, np.ones(2), eps=0), ValueError, ["eps", "> 0"]),
    ("ng-eps-nan", lambda: numerical_gradient(lambda: 0.0, np.ones(2), eps=float("nan")), ValueError, ["eps"]),
    ("ng-nan-loss", lambda: numerical_gradient(lambda: float("nan"), np.ones(2)), ValueError, ["loss returned nan"]),
    (
        "ng-step-lost",
        lambda: numerical_gradient(lambda: 0.0, np.array([1e12])),
        ValueError,
        ["eps=1e-06 is lost in rounding", "x[0]"],
    ),
    ("ng-nan-x", lambda: numerical_gradient(lambda: 0.0, np.array([np.nan])), ValueError, ["x must hold finite"]),
    ("ng-f-not-callable", lambda: numerical_gradient(None, np.ones(2)), TypeError, ["f must be a function"]),
    (
        "ng-bad-index",
        lambda: numerical_gradient(lambda: 0.0, np.ones((2, 2)), indices=[(0,)]),
        ValueError,
        ["indices", "2 integers"],
    ),
    (
        "ng-index-out-of-range",
        lambda: numerical_gradient(lambda: 0.0, np.ones(2), indices=[5]),
        ValueError,
        ["index (5,)", "out of range"],
    ),
    ("re-nan", lambda: relative_error([1.0, np.nan], [1.0, 2.0]), ValueError, ["a must hold finite", "nan"]),
    ("re-inf", lambda: relative_error([1.0], [np.inf]), ValueError, ["b must hold finite", "inf"]),
    ("re-shapes", lambda: relative_error(np.zeros(2), np.zeros(3)), ValueError, ["a has shape (2,)", "(3,)"]),
    ("re-none", lambda: relative_error(None, [1.0]), TypeError, ["a is None"]),
    # ------------------------------------------------------------- shared validation helpers
    ("v-string", lambda: as_array("abc", "z"), TypeError, ["z must be an array of numbers", "str 'abc'"]),
    ("v-none", lambda: as_array(None, "z"), TypeError, ["z is None", "expected an array"]),
    ("v-dict", lambda: as_array({"a": 1}, "z"), TypeError, ["z must be an array of numbers", "dict"]),
    ("v-list-none", lambda: as_array([1.0, None], "z"), TypeError, ["z must be an array of numbers", "None"]),
    ("v-list-str", lambda: as_array([1.0, "2"], "z"), TypeError, ["z must be an array of real numbers", "strings"]),
    ("v-ragged", lambda: as_array([[1, 2], [3]], "z"), ValueError, ["z must be a rectangular array"]),
    ("v-complex", lambda: as_array(np.array([1j]), "z"), TypeError, ["z", "complex numbers"]),
    ("v-datetime", lambda: as_array(np.array(["2020-01-01"], dtype="datetime64[D]"), "z"), TypeError, ["z", "dates"]),
    ("v-empty-object", lambda: as_array(np.array([], dtype=object), "z"), TypeError, ["z", "no numbers"]),
    ("v-ndim", lambda: as_array(np.ones(3), "X", ndim=2), ValueError, ["X must be a 2-D array", "(3,)"]),
    ("v-nan", lambda: as_array([1.0, np.nan], "y", finite=True), ValueError, ["y must hold finite", "index [1]"]),
    (
        "v-inf-2d",
        lambda: check_finite(np.array([[0.0, 0.0], [0.0, -np.inf]]), "X"),
        ValueError,
        ["X must hold finite", "-inf", "index [1, 1]"],
    ),
    ("v-number-str", lambda: check_number("0.1", "lr"), TypeError, ["lr must be a number", "str '0.1'"]),
    ("v-number-array", lambda: check_number(np.ones(2), "lr"), TypeError, ["lr must be a number", "shape (2,)"]),
    ("v-number-nan", lambda: check_number(float("nan"), "lr"), ValueError, ["lr must be a finite number"]),
    ("v-positive-none", lambda: check_positive(None, "lr"), TypeError, ["lr must be a number", "None"]),
    ("v-positive-negative", lambda: check_positive(-1, "lr"), ValueError, ["lr must be > 0", "-1"]),
    ("v-positive-inf", lambda: check_positive(float("inf"), "lr"), ValueError, ["lr must be > 0", "inf"]),
    ("v-int-bool", lambda: check_int(True, "epochs", minimum=1), TypeError, ["epochs must be an integer", "bool"]),
    ("v-int-float", lambda: check_int(3.0, "epochs", minimum=1), TypeError, ["epochs must be an integer", "3.0"]),
    ("v-int-range", lambda: check_int(11, "layer", 1, 10), ValueError, ["layer must be an integer in [1, 10]", "11"]),
    ("v-unit-1", lambda: check_unit_interval(1.0, "beta"), ValueError, ["beta must be in [0, 1)", "1.0"]),
    ("v-unit-str", lambda: check_unit_interval("0.9", "beta"), TypeError, ["beta must be a number in [0, 1)"]),
    (
        "v-choice-typo",
        lambda: check_choice("adma", ["adam", "sgd"], "optimizer"),
        ValueError,
        ["unknown optimizer 'adma'", "did you mean 'adam'"],
    ),
    ("v-choice-case", lambda: check_choice("Adam", ["adam", "sgd"], "optimizer"), ValueError, ["did you mean 'adam'"]),
    (
        "v-choice-far",
        lambda: check_choice("xyz", ["adam", "sgd"], "optimizer"),
        ValueError,
        ["unknown optimizer 'xyz'", "choose one of ['adam', 'sgd']"],
    ),
    (
        "v-choice-not-str",
        lambda: check_choice(act.relu, ["relu"], "activation"),
        TypeError,
        ["activation must be a name (str)", "function"],
    ),
    (
        "v-choice-list",
        lambda: check_choice(["relu"], ["relu"], "activation"),
        TypeError,
        ["activation must be a name", "list"],
    ),
    ("v-callable", lambda: check_callable(3, "fn"), TypeError, ["fn must be a function", "int 3"]),
    ("v-axis-0d", lambda: check_axis(0, 0), ValueError, ["axis=0", "0-D"]),
    (
        "v-keys-typo",
        lambda: check_matching_keys({"W1": np.ones(2)}, {"dw1": np.ones(2)}),
        ValueError,
        ["missing gradient keys ['dW1']", "unexpected gradient keys ['dw1']", "did you mean 'dW1'"],
    ),
    # ------------------------------------------------------------- activations
    ("act-string", lambda: act.relu("abc"), TypeError, ["z must be an array of numbers", "str"]),
    ("act-none", lambda: act.sigmoid(None), TypeError, ["z is None"]),
    ("act-list-none", lambda: act.tanh([1.0, None]), TypeError, ["z must be an array of numbers", "None"]),
    ("act-list-str", lambda: act.relu_derivative(["1", "2"]), TypeError, ["z", "strings"]),
    ("act-ragged", lambda: act.sigmoid_derivative([[1.0], [1.0, 2.0]]), ValueError, ["z must be a rectangular"]),
    ("act-complex", lambda: act.tanh_derivative(np.array([1 + 1j])), TypeError, ["z", "complex"]),
    ("act-dict", lambda: act.linear({"z": 1}), TypeError, ["z must be an array", "dict"]),
    ("act-alpha-str", lambda: act.leaky_relu(np.ones(2), alpha="0.1"), TypeError, ["alpha must be a number", "str"]),
    (
        "act-alpha-none",
        lambda: act.leaky_relu_derivative(np.ones(2), alpha=None),
        TypeError,
        ["alpha must be a number", "None"],
    ),
    (
        "act-alpha-array",
        lambda: act.leaky_relu(np.ones(2), alpha=np.ones(3)),
        TypeError,
        ["alpha must be a number", "shape (3,)"],
    ),
    ("act-alpha-nan", lambda: act.leaky_relu(np.ones(2), alpha=float("nan")), ValueError, ["alpha must be a finite"]),
    ("act-softmax-axis", lambda: act.softmax(X2, axis=2), ValueError, ["axis must be an integer in [-2, 1]", "2"]),
    ("act-softmax-axis-str", lambda: act.softmax(X2, axis="rows"), TypeError, ["axis must be an integer", "str"]),
    ("act-softmax-scalar", lambda: act.softmax(1.0), ValueError, ["axis=-1", "0-D"]),
    ("act-softmax-string", lambda: act.softmax("abc"), TypeError, ["z must be an array of numbers"]),
    (
        "act-softmax-backward-shapes",
        lambda: act.softmax_backward(np.ones(3), np.ones(2)),
        ValueError,
        ["dA has shape (3,)", "A has shape (2,)"],
    ),
    ("act-softmax-backward-none", lambda: act.softmax_backward(None, np.ones(2)), TypeError, ["dA is None"]),
    (
        "act-softmax-backward-axis",
        lambda: act.softmax_backward(np.ones(2), np.ones(2), axis=1),
        ValueError,
        ["axis must be an integer in [-1, 0]"],
    ),
    (
        "act-name-typo",
        lambda: act.get_activation("rleu"),
        ValueError,
        ["unknown activation 'rleu'", "did you mean 'relu'"],
    ),
    ("act-name-case", lambda: act.get_activation("ReLU"), ValueError, ["did you mean 'relu'"]),
    ("act-name-softmax", lambda: act.get_activation("softmax"), ValueError, ["softmax_backward"]),
    ("act-name-function", lambda: act.get_activation(act.relu), TypeError, ["activation must be a name"]),
    # ------------------------------------------------------------- losses
    ("loss-y-nan", lambda: losses.mse_loss([1.0, 2.0], [1.0, np.nan]), ValueError, ["y must hold finite", "index [1]"]),
    ("loss-y-inf", lambda: losses.mae_grad([1.0], [np.inf]), ValueError, ["y must hold finite", "inf"]),
    ("loss-yhat-str", lambda: losses.mse_grad("abc", [1.0]), TypeError, ["y_hat must be an array", "str"]),
    ("loss-y-none", lambda: losses.mae_loss([1.0], None), TypeError, ["y is None"]),
    ("loss-y-list-none", lambda: losses.huber_loss([1.0, 2.0], [1.0, None]), TypeError, ["y must be an array", "None"]),
    (
        "loss-shapes",
        lambda: losses.mse_loss(np.ones((3, 1)), np.ones(3)),
        ValueError,
        ["y_hat has shape (3, 1)", "y has shape (3,)", "reshape"],
    ),
    ("loss-empty", lambda: losses.mse_loss([], []), ValueError, ["y_hat is empty", "no samples"]),
    ("loss-huber-delta-0", lambda: losses.huber_grad([1.0], [0.0], delta=0), ValueError, ["delta must be > 0"]),
    ("loss-huber-delta-str", lambda: losses.huber_loss([1.0], [0.0], delta="1"), TypeError, ["delta must be a number"]),
    (
        "loss-bce-p-range",
        lambda: losses.binary_cross_entropy([1.5], [1.0]),
        ValueError,
        ["p must hold probabilities in [0, 1]", "binary_cross_entropy_with_logits"],
    ),
    (
        "loss-bce-p-range-nan",
        lambda: losses.binary_cross_entropy([np.nan, 1.5], [1.0, 1.0]),
        ValueError,
        ["p must hold probabilities in [0, 1]", "1.5"],
    ),
    ("loss-bce-y-range", lambda: losses.binary_cross_entropy_grad([0.5], [2.0]), ValueError, ["targets y in [0, 1]"]),
    (
        "loss-bce-y-nan",
        lambda: losses.binary_cross_entropy_with_logits([0.5], [np.nan]),
        ValueError,
        ["y must hold finite"],
    ),
    (
        "loss-bce-logits-str",
        lambda: losses.binary_cross_entropy_with_logits_grad(["a"], [1.0]),
        TypeError,
        ["z must be an array of real numbers", "strings"],
    ),
    (
        "loss-sce-1d-logits",
        lambda: losses.softmax_cross_entropy(np.ones(3), [0]),
        ValueError,
        ["logits must be a 2-D array", "(3,)"],
    ),
    (
        "loss-sce-label-str",
        lambda: losses.softmax_cross_entropy(X2, ["a", "b", "c"]),
        TypeError,
        ["y must be an array of real numbers", "strings"],
    ),
    (
        "loss-sce-label-frac",
        lambda: losses.softmax_cross_entropy_grad(X2, [0.5, 1, 0]),
        ValueError,
        ["integer class labels", "0.5", "index 0"],
    ),
    (
        "loss-sce-label-nan",
        lambda: losses.softmax_cross_entropy(X2, [np.nan, 1, 0]),
        ValueError,
        ["y must hold finite"],
    ),
    (
        "loss-sce-label-range",
        lambda: losses.softmax_cross_entropy(X2, [0, 1, 2]),
        ValueError,
        ["class labels must lie in [0, 1]", "[0, 2]"],
    ),
    (
        "loss-sce-label-count",
        lambda: losses.softmax_cross_entropy(X2, [0, 1]),
        ValueError,
        ["y has 2 labels", "3 rows"],
    ),
    (
        "loss-sce-empty",
        lambda: losses.softmax_cross_entropy(np.zeros((0, 3)), np.zeros(0, int)),
        ValueError,
        ["logits must have at least one row", "(0, 3)"],
    ),
    (
        "loss-sce-onehot-shape",
        lambda: losses.softmax_cross_entropy(X2, np.ones((3, 3))),
        ValueError,
        ["y has shape (3, 3)", "one-hot of shape (3, 2)"],
    ),
    (
        "loss-ce-p-range",
        lambda: losses.cross_entropy(np.full((2, 2), 2.0), [0, 1]),
        ValueError,
        ["p must hold probabilities", "softmax_cross_entropy"],
    ),
    (
        "loss-ce-empty",
        lambda: losses.cross_entropy_grad(np.zeros((2, 0)), np.zeros((2, 0))),
        ValueError,
        ["p must have at least one row and one class column"],
    ),
    ("loss-ce-y-none", lambda: losses.cross_entropy(np.full((2, 2), 0.5), None), TypeError, ["y is None"]),
    ("loss-name-typo", lambda: losses.get_loss("mes"), ValueError, ["unknown loss 'mes'", "did you mean 'mse'"]),
    ("loss-name-none", lambda: losses.get_loss(None), TypeError, ["loss must be a name (str)", "None"]),
    # ------------------------------------------------------------- data helpers
    ("data-truth-nan", lambda: house_price_truth(np.full((2, 5), np.nan)), ValueError, ["X must hold finite"]),
    ("data-truth-columns", lambda: house_price_truth(np.ones((2, 4))), ValueError, ["X must have 5 columns"]),
    ("data-truth-str", lambda: house_price_truth("houses"), TypeError, ["X must be an array"]),
    (
        "data-make-n-float",
        lambda: make_house_prices(n_samples=10.5),
        TypeError,
        ["n_samples must be an integer", "10.5"],
    ),
    ("data-make-n-1", lambda: make_house_prices(n_samples=1), ValueError, ["n_samples must be an integer >= 2, got 1"]),
    ("data-standardize-nan", lambda: standardize(np.array([[1.0], [np.nan]])), ValueError, ["train must hold finite"]),
    ("data-standardize-empty", lambda: standardize(np.zeros((0, 2))), ValueError, ["train must have at least one row"]),
    ("data-standardize-scalar", lambda: standardize(3.0), ValueError, ["train must have at least one row"]),
    (
        "data-standardize-other-nan",
        lambda: standardize(X2, np.full((1, 2), np.nan)),
        ValueError,
        ["others[0] must hold finite"],
    ),
    (
        "data-standardize-columns",
        lambda: standardize(X2, np.ones((2, 3))),
        ValueError,
        ["others[0] has shape (2, 3)", "same columns"],
    ),
    ("data-scaler-nan", lambda: fit_scaler([1.0, np.nan, 2.0]), ValueError, ["train must hold finite"]),
    ("data-scaler-transform-str", lambda: fit_scaler([1.0, 2.0]).transform("x"), TypeError, ["x must be an array"]),
    ("data-windows-nan", lambda: sliding_windows([1.0, np.nan, 2.0, 3.0], 2), ValueError, ["series must hold finite"]),
    ("data-windows-float", lambda: sliding_windows(SERIES, 2.5), TypeError, ["window must be an integer", "2.5"]),
    ("data-windows-0", lambda: sliding_windows(SERIES, 0), ValueError, ["window must be an integer >= 1, got 0"]),
    ("data-windows-3d", lambda: sliding_windows(np.ones((4, 2, 2)), 2), ValueError, ["series must be a 1 or 2-D"]),
    ("data-windows-short", lambda: sliding_windows(SERIES, 9, 2), ValueError, ["too short for window=9"]),
    ("data-diff-nan", lambda: diff([1.0, np.nan, 3.0]), ValueError, ["series must hold finite"]),
    ("data-diff-scalar", lambda: diff(3.0), ValueError, ["series must have at least one dimension"]),
    ("data-diff-lag-str", lambda: diff(SERIES, lag="1"), TypeError, ["lag must be an integer", "str"]),
    (
        "data-inverse-head",
        lambda: inverse_difference(np.ones(3), np.ones(2)),
        ValueError,
        ["head must hold the first order * lag = 1 values", "got 2"],
    ),
    (
        "data-inverse-columns",
        lambda: inverse_difference(np.ones((3, 2)), np.ones((1, 3))),
        ValueError,
        ["head has shape (1, 3)", "diffs has shape (3, 2)"],
    ),
    (
        "data-inverse-nan",
        lambda: inverse_difference(np.array([np.nan]), np.ones(1)),
        ValueError,
        ["diffs must hold finite"],
    ),
    ("data-lagged-start", lambda: lagged_forecast(SERIES, start=20), ValueError, ["start must be < len(series) = 10"]),
    (
        "data-lagged-scalar",
        lambda: lagged_forecast(3.0, start=1),
        ValueError,
        ["series must have at least one dimension"],
    ),
    (
        "data-split-fraction",
        lambda: sequential_split(SERIES, train=1.2),
        ValueError,
        ["train (a fraction) must be in [0, 1)"],
    ),
    ("data-split-str", lambda: sequential_split(SERIES, train="0.7"), TypeError, ["train must be a number in [0, 1)"]),
    ("data-split-none", lambda: sequential_split(None), TypeError, ["data must be a sequence or array", "None"]),
    ("data-split-sum", lambda: sequential_split(SERIES, 0.7, 0.3), ValueError, ["train + val must be < 1"]),
    (
        "data-surface-typo",
        lambda: get_surface("sadle"),
        ValueError,
        ["unknown surface 'sadle'", "did you mean 'saddle'"],
    ),
    ("data-surface-nan", lambda: saddle().value([np.nan, 0.0]), ValueError, ["xy must hold finite"]),
    ("data-surface-shape", lambda: saddle().gradient([1.0, 2.0, 3.0]), ValueError, ["xy must have shape (2,)"]),
    ("data-digits-str", lambda: load_digits_split(test_size="0.2"), TypeError, ["test_size must be a number", "str"]),
    # ------------------------------------------------------------- probes
    ("probe-none", lambda: weight_grad_norms({"dW1": None}), TypeError, ["grads['dW1'] is None"]),
    (
        "probe-ragged",
        lambda: weight_grad_norms({"dW1": [[1.0], [1.0, 2.0]]}),
        ValueError,
        ["grads['dW1'] must be a rectangular array"],
    ),
    ("probe-no-weights", lambda: weight_grad_norms({"db1": np.ones(2)}), ValueError, ["no weight gradients", "db1"]),
]
