"""One optimizer step on a parameter dict of about a million floats (a 1000-1000-10 MLP).

Three contenders get the same fixed gradients on every step: dlfund's opt-in fast path
(`dlfund.optim.fast`, packed parameters, in-place/fused/grouped updates), dlfund's plain
default classes (`dlfund.optim`, the book's formulas) and torch.optim with its CPU defaults.
AdamW decays the biases too here (`include_biases=True`), because torch.optim.AdamW decays every
tensor of its group: equal work on all sides.
"""

import numpy as np
import torch

from dlfund.optim import SGD, Adam, AdamW, fast

SHAPES = {"W1": (1000, 1000), "b1": (1000,), "W2": (1000, 10), "b2": (10,)}
N_FLOATS = sum(int(np.prod(s)) for s in SHAPES.values())

OPTIMIZERS = {
    "adam": ((Adam, dict(lr=1e-3)), (torch.optim.Adam, dict(lr=1e-3))),
    "adamw": (
        (AdamW, dict(lr=1e-3, weight_decay=0.01, include_biases=True)),
        (torch.optim.AdamW, dict(lr=1e-3, weight_decay=0.01)),
    ),
    "sgd_momentum": ((SGD, dict(lr=1e-2, momentum=0.9)), (torch.optim.SGD, dict(lr=1e-2, momentum=0.9))),
}


def contenders(name, dtype=np.float64):
    (ours_cls, ours_kw), (theirs_cls, theirs_kw) = OPTIMIZERS[name]
    rng = np.random.default_rng(0)
    params0 = {k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}
    grads = {"d" + k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}

    # each sample starts with one untimed step, which creates the optimizer state (steady state after)
    def make_ours(seed, fast_path=False):
        params = fast.pack_parameters(params0) if fast_path else {k: v.copy() for k, v in params0.items()}
        opt = ours_cls(**ours_kw)
        opt = fast.fast_version(opt) if fast_path else opt
        opt.step(params, grads)
        return lambda: opt.step(params, grads)

    def make_theirs(seed):
        tensors = [torch.tensor(v) for v in params0.values()]
        for t, g in zip(tensors, grads.values()):
            t.grad = torch.tensor(g)
        opt = theirs_cls(tensors, **theirs_kw)
        opt.step()
        return opt.step

    # same numbers after three steps?
    params = {k: v.copy() for k, v in params0.items()}
    opt = ours_cls(**ours_kw)
    tensors = [torch.tensor(v) for v in params0.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g)
    topt = theirs_cls(tensors, **theirs_kw)
    for _ in range(3):
        opt.step(params, grads)
        topt.step()
    diff = max(
        float(np.max(np.abs(params[k] - t.detach().numpy())) / np.max(np.abs(t.detach().numpy())))
        for k, t in zip(params, tensors)
    )
    settings = {
        "shapes": {k: list(s) for k, s in SHAPES.items()},
        "n_floats": N_FLOATS,
        "dtype": np.dtype(dtype).name,
        "dlfund": f"{ours_cls.__name__}({_kw(ours_kw)})",
        "dlfund_fast": f"fast.{ours_cls.__name__}({_kw(ours_kw)}) on pack_parameters(params)",
        "torch": f"torch.optim.{theirs_cls.__name__}({_kw(theirs_kw)}) with its CPU defaults",
        "max_rel_diff_vs_torch": diff,
    }
    return {"dlfund_fast": lambda seed: make_ours(seed, True), "dlfund": make_ours, "torch": make_theirs}, settings


def _kw(kw):
    return ", ".join(f"{k}={v}" for k, v in kw.items())
