"""LSTM forward + backward through time: dlfund.rnn against torch.nn.LSTM (batch_first).

One call = forward over the whole sequence and backward from a fixed upstream gradient dL/dout,
giving the gradients of every weight and of the input. Same weights in both (converted with
`to_torch_layout`), and the answers are compared once before timing.
"""

import numpy as np
import torch

from dlfund.rnn import initialize_recurrent_parameters, recurrent_backward, recurrent_forward, to_torch_layout

BATCH, SEQ_LEN, N_IN = 64, 50, 8


def contenders(hidden, dtype):
    np_dtype = np.dtype(dtype)
    t_dtype = {np.float32: torch.float32, np.float64: torch.float64}[np_dtype.type]
    rng = np.random.default_rng(0)
    params = initialize_recurrent_parameters("lstm", N_IN, hidden, rng=rng, dtype=np_dtype)
    x = rng.standard_normal((BATCH, SEQ_LEN, N_IN)).astype(np_dtype)
    dout = rng.standard_normal((BATCH, SEQ_LEN, hidden)).astype(np_dtype)

    lstm = torch.nn.LSTM(N_IN, hidden, batch_first=True, dtype=t_dtype)
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_layout(params).items()})
    xt = torch.from_numpy(x).requires_grad_(True)
    doutt = torch.from_numpy(dout)

    def ours():
        out, _, cache = recurrent_forward(x, params, "lstm")
        return out, recurrent_backward(dout, cache)

    def theirs():
        lstm.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = lstm(xt)
        out.backward(doutt)
        return out

    # the two must compute the same thing before their speeds mean anything
    out, grads = ours()
    out_t = theirs()
    agreement = {
        "out": _rel(out, out_t.detach().numpy()),
        "dx": _rel(grads["dx"], xt.grad.numpy()),
        "dWh1": _rel(grads["dWh1"], lstm.weight_hh_l0.grad.numpy().T),
        "dWx1": _rel(grads["dWx1"], lstm.weight_ih_l0.grad.numpy().T),
    }
    c = {"dlfund": lambda seed: lambda: (ours(), None)[1], "torch": lambda seed: lambda: (theirs(), None)[1]}
    settings = {
        "batch": BATCH,
        "seq_len": SEQ_LEN,
        "n_in": N_IN,
        "hidden": hidden,
        "dtype": np_dtype.name,
        "max_rel_diff_vs_torch": max(agreement.values()),
    }
    return c, settings


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
