"""Compare dlfund results with PyTorch (float64) and remember the largest relative error seen.

`assert_close_torch(ours, theirs, name)` asserts element-wise closeness
(|ours - theirs| <= atol + rtol * |theirs|) and records, for the summary printed at the end
of the session (see conftest.py), the relative error max|ours - theirs| / max|theirs|.
"""

import numpy as np
import torch

RTOL = 1e-10
ATOL = 1e-12

#: name of a comparison -> largest relative error seen for it in this process
MAX_REL_ERRORS = {}


def t64(a, requires_grad=False):
    """A float64 torch tensor holding a copy of `a`."""
    return torch.tensor(np.array(a, dtype=np.float64), dtype=torch.float64, requires_grad=requires_grad)


def _as_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def relative_error(ours, theirs):
    """max|ours - theirs| / max|theirs| (0 when both are all zeros)."""
    diff = float(np.max(np.abs(ours - theirs), initial=0.0))
    scale = float(np.max(np.abs(theirs), initial=0.0))
    if diff == 0.0:
        return 0.0
    return diff / scale if scale > 0 else float("inf")


def assert_close_torch(ours, theirs, name, rtol=RTOL, atol=ATOL):
    """Assert that `ours` (NumPy) matches `theirs` (torch tensor or array) and record the error."""
    ours = np.asarray(ours, dtype=np.float64)
    theirs = _as_numpy(theirs)
    assert ours.shape == theirs.shape, f"{name}: shape {ours.shape} vs PyTorch {theirs.shape}"
    rel = relative_error(ours, theirs)
    MAX_REL_ERRORS[name] = max(rel, MAX_REL_ERRORS.get(name, 0.0))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=f"{name} differs from PyTorch")
