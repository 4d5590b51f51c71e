"""MLP training, same network and settings in dlfund, scikit-learn, PyTorch and a plain NumPy loop.

Classification: load_digits (64-128-10, ReLU, softmax cross-entropy). Regression: the house
prices (5-64-64-1, ReLU, MSE, X and y standardised). Both: Adam lr 1e-3, batch 32, 30 epochs,
shuffled every epoch, no weight decay; the seed of repetition r is r for every contender.
Each library keeps its own default initialisation (dlfund He normal, scikit-learn Glorot
uniform, PyTorch U(+-1/sqrt(fan_in))) and its own shuffling generator, so the runs are
equivalent, not identical; the quality metric shows they reach the same place. The plain
NumPy loop is the floor for any NumPy implementation: the same arithmetic with nothing around it.
"""

import warnings

import numpy as np
import torch

from dlfund import MLP, Adam
from dlfund.optim import fast
from dlfund.data import load_digits_split, make_house_prices, standardize

EPOCHS, BATCH, LR = 30, 32, 1e-3


def digits_data():
    return load_digits_split(test_size=0.25, seed=0, standardize=True)


def house_data(n_samples=2000):
    X, y = make_house_prices(n_samples, seed=0)
    perm = np.random.default_rng(0).permutation(n_samples)
    n_train = int(0.75 * n_samples)
    tr, te = perm[:n_train], perm[n_train:]
    X_tr, X_te, _ = standardize(X[tr], X[te])
    y_tr, y_te, _ = standardize(y[tr, None], y[te, None])
    return X_tr, X_te, y_tr[:, 0], y_te[:, 0]


def r2(y_true, y_pred):
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    return 1.0 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2)


# --------------------------------------------------------------------------------- dlfund


def dlfund_run(task, data, hidden, seed, fast_path=False):
    """The default (plain) path, or with fast_path=True the opt-in one: packed parameters and fast.Adam."""
    X_tr, X_te, y_tr, y_te = data
    output = "softmax" if task == "classification" else "linear"
    n_out = 10 if task == "classification" else 1
    model = MLP([X_tr.shape[1], *hidden, n_out], hidden_activation="relu", output=output, rng=seed)
    Y = y_tr if task == "classification" else y_tr[:, None]
    opt = Adam(lr=LR)
    if fast_path:
        model.params, opt = fast.pack_parameters(model.params), fast.Adam(lr=LR)
    model.fit(X_tr, Y, epochs=EPOCHS, batch_size=BATCH, optimizer=opt, rng=seed, progress=False)
    return _quality(task, y_te, model.predict(X_te))


# ----------------------------------------------------------------------------- plain NumPy


def numpy_run(task, data, hidden, seed):
    """The same training as a bare NumPy script: the floor for a NumPy implementation.

    No input checks, no layer functions or caches, the loss of every batch summed as in the
    other contenders, and the textbook Adam line on each parameter array. He-normal weights.
    """
    X_tr, X_te, y_tr, y_te = data
    classify = task == "classification"
    rng = np.random.default_rng(seed)
    sizes = [X_tr.shape[1], *hidden, 10 if classify else 1]
    Ws = [rng.standard_normal((a, b)) * np.sqrt(2.0 / a) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b) for b in sizes[1:]]
    params = Ws + bs
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    Y = y_tr if classify else y_tr[:, None]
    n, t, total = X_tr.shape[0], 0, 0.0

    def forward(X):
        A = [X]
        for W, b in zip(Ws[:-1], bs[:-1]):
            A.append(np.maximum(A[-1] @ W + b, 0.0))
        return A, A[-1] @ Ws[-1] + bs[-1]

    for _ in range(EPOCHS):
        perm = rng.permutation(n)
        for k in range(0, n, BATCH):
            idx = perm[k : k + BATCH]
            yb, m = Y[idx], len(idx)
            A, out = forward(X_tr[idx])
            if classify:
                dZ = np.exp(out - out.max(axis=1, keepdims=True))
                dZ /= dZ.sum(axis=1, keepdims=True)
                total -= np.log(dZ[np.arange(m), yb]).sum()
                dZ[np.arange(m), yb] -= 1.0
                dZ /= m
            else:
                dZ = out - yb
                total += np.sum(dZ**2)
                dZ *= 2.0 / m
            dWs, dbs = [None] * len(Ws), [None] * len(Ws)
            for l in range(len(Ws) - 1, -1, -1):
                dWs[l], dbs[l] = A[l].T @ dZ, dZ.sum(axis=0)
                if l:
                    dZ = (dZ @ Ws[l].T) * (A[l] > 0)
            t += 1
            for p, g, (m1, m2) in zip(params, dWs + dbs, moments):
                m1 *= 0.9
                m1 += 0.1 * g
                m2 *= 0.999
                m2 += 0.001 * g * g
                p -= LR / (1 - 0.9**t) * m1 / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
    out = forward(X_te)[1]
    if not np.isfinite(total):
        raise RuntimeError("the NumPy loop diverged")
    return _quality(task, y_te, out.argmax(axis=1) if classify else out[:, 0])


# ---------------------------------------------------------------------------------- sklearn


def sklearn_estimator(task, hidden, seed):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if task == "classification" else MLPRegressor
    # tol=0 and n_iter_no_change > max_iter: never stop early, always run the 30 epochs
    return cls(
        hidden_layer_sizes=tuple(hidden),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=EPOCHS,
        shuffle=True,
        tol=0.0,
        n_iter_no_change=EPOCHS + 1,
        early_stopping=False,
        random_state=seed,
    )


def sklearn_run(task, data, hidden, seed):
    X_tr, X_te, y_tr, y_te = data
    est = sklearn_estimator(task, hidden, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, as intended
        est.fit(X_tr, y_tr)
    if est.n_iter_ != EPOCHS:
        raise RuntimeError(f"scikit-learn stopped after {est.n_iter_} epochs, expected {EPOCHS}")
    return _quality(task, y_te, est.predict(X_te))


# ------------------------------------------------------------------------------------ torch


def torch_run(task, data, hidden, seed, dtype):
    X_tr, X_te, y_tr, y_te = data
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    sizes = [X_tr.shape[1], *hidden]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(n_in, n_out, dtype=dtype), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(sizes[-1], 10 if task == "classification" else 1, dtype=dtype))
    net = torch.nn.Sequential(*layers)
    X = torch.as_tensor(X_tr, dtype=dtype)
    if task == "classification":
        Y, loss_fn = torch.as_tensor(y_tr), torch.nn.CrossEntropyLoss()
    else:
        Y, loss_fn = torch.as_tensor(y_tr[:, None], dtype=dtype), torch.nn.MSELoss()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    m = X.shape[0]
    for _ in range(EPOCHS):
        perm = torch.randperm(m, generator=gen)
        for k in range(0, m, BATCH):
            idx = perm[k : k + BATCH]
            opt.zero_grad()
            loss = loss_fn(net(X[idx]), Y[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        out = net(torch.as_tensor(X_te, dtype=dtype)).numpy()
    return _quality(task, y_te, out.argmax(axis=1) if task == "classification" else out[:, 0])


def _quality(task, y_true, y_pred):
    if task == "classification":
        return {"accuracy": float(np.mean(y_pred == y_true))}
    return {"r2": float(r2(y_true, y_pred))}


def contenders(task):
    """{name: make_run(seed)} for one task, and a description of the settings."""
    if task == "classification":
        data, hidden = digits_data(), [128]
    else:
        data, hidden = house_data(), [64, 64]
    c = {
        "dlfund": lambda seed: lambda: dlfund_run(task, data, hidden, max(seed, 0)),
        "dlfund_fast": lambda seed: lambda: dlfund_run(task, data, hidden, max(seed, 0), fast_path=True),
        "sklearn": lambda seed: lambda: sklearn_run(task, data, hidden, max(seed, 0)),
        "torch": lambda seed: lambda: torch_run(task, data, hidden, max(seed, 0), torch.float64),
        "torch_f32": lambda seed: lambda: torch_run(task, data, hidden, max(seed, 0), torch.float32),
        "numpy_loop": lambda seed: lambda: numpy_run(task, data, hidden, max(seed, 0)),
    }
    n_in = data[0].shape[1]
    settings = {
        "layers": [n_in, *hidden, 10 if task == "classification" else 1],
        "activation": "relu",
        "loss": "softmax cross-entropy" if task == "classification" else "mse",
        "optimizer": "Adam",
        "lr": LR,
        "batch_size": BATCH,
        "epochs": EPOCHS,
        "n_train": int(data[0].shape[0]),
        "n_test": int(data[1].shape[0]),
        "dtype": "float64",
        "note": "dlfund is the default plain path; dlfund_fast the opt-in fast path (pack_parameters + "
        "dlfund.optim.fast.Adam); torch_f32 is the same PyTorch loop in float32 (dlfund, scikit-learn and torch use float64); "
        "numpy_loop is a bare NumPy script of the same training (no checks, textbook Adam per array)",
    }
    return c, settings


def step_breakdown(task="classification", epochs=5, seed=0):
    """Where a dlfund mini-batch step goes: `loss_and_grads` (forward, loss, backward) against the
    Adam step, timed separately inside a training loop like `MLP.fit`'s (microseconds per step)."""
    import time

    from dlfund.optim import random_mini_batches

    data = digits_data() if task == "classification" else house_data()
    X_tr, _, y_tr, _ = data
    hidden = [128] if task == "classification" else [64, 64]
    n_out = 10 if task == "classification" else 1
    model = MLP([X_tr.shape[1], *hidden, n_out], output="softmax" if n_out > 1 else "linear", rng=seed)
    Y = y_tr if n_out > 1 else y_tr[:, None]
    opt, rng = Adam(lr=LR), np.random.default_rng(seed)
    grads_t, step_t = [], []
    for _ in range(epochs):
        for Xb, Yb in random_mini_batches(X_tr, Y, BATCH, rng=rng):
            t0 = time.perf_counter()
            _, grads = model.loss_and_grads(Xb, Yb)
            t1 = time.perf_counter()
            opt.step(model.params, grads)
            step_t.append(time.perf_counter() - t1)
            grads_t.append(t1 - t0)
    return {
        "loss_and_grads_us": float(np.median(grads_t) * 1e6),
        "optimizer_step_us": float(np.median(step_t) * 1e6),
        "parameter_shapes": {k: list(v.shape) for k, v in model.params.items()},
    }
