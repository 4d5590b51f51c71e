"""One element-wise addition, NumPy against PyTorch, at a tiny and a large size.

Not a dlfund benchmark: it measures what every dlfund and every torch operation pays on top of
its arithmetic (the fixed cost per call: argument parsing, type resolution, allocation, and in
torch the dispatcher), which explains the other results at small sizes.
"""

import numpy as np
import torch

SIZES = {"tiny": 16, "large": 1_000_000}


def contenders(size, dtype="float64"):
    n = SIZES[size]
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    c = {
        "numpy": lambda seed: lambda: (np.add(a, b), None)[1],
        "torch": lambda seed: lambda: (torch.add(ta, tb), None)[1],
    }
    return c, {"n": n, "dtype": dtype, "op": "a + b (new array)"}
