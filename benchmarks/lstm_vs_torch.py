"""LSTM forward + backward: dlfund (NumPy) vs torch.nn.LSTM, one thread, same run, alternating.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python benchmarks/lstm_vs_torch.py

Batch 64, seq_len 50, 8 inputs; hidden 32 and 128; float64 and float32. Prints the median of
`--repeats` runs per contender and the ratio dlfund / torch (below 1 means dlfund is faster).
"""

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dlfund.rnn import from_torch_layout, recurrent_backward, recurrent_forward  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seq-len", type=int, default=50)
    ap.add_argument("--inputs", type=int, default=8)
    args = ap.parse_args()
    torch.set_num_threads(1)
    B, T, I = args.batch, args.seq_len, args.inputs
    print(f"LSTM fwd+bwd, batch {B}, seq_len {T}, input {I}, 1 thread (median ms)")
    print(f"{'dtype':>8} {'hidden':>6} {'dlfund':>9} {'torch':>9} {'ratio':>6}")
    for tdtype, ndtype in ((torch.float64, np.float64), (torch.float32, np.float32)):
        for H in (32, 128):
            torch.manual_seed(0)
            lstm = torch.nn.LSTM(I, H, batch_first=True).to(tdtype)
            params = from_torch_layout(lstm.state_dict())
            x = np.random.default_rng(0).standard_normal((B, T, I)).astype(ndtype)
            xt = torch.tensor(x, requires_grad=True)
            dout = np.ones((B, T, H), dtype=ndtype)

            def ours():
                out, state, cache = recurrent_forward(x, params, "lstm")
                recurrent_backward(dout, cache)

            def theirs():
                lstm.zero_grad()
                out, _ = lstm(xt)
                out.sum().backward()

            times = {"dlfund": [], "torch": []}
            for _ in range(3):
                ours(), theirs()
            for _ in range(args.repeats):
                for name, fn in (("dlfund", ours), ("torch", theirs)):
                    t0 = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t0)
            a, b = (1000 * np.median(times[k]) for k in ("dlfund", "torch"))
            print(f"{np.dtype(ndtype).name:>8} {H:>6} {a:9.2f} {b:9.2f} {a / b:6.2f}")


if __name__ == "__main__":
    main()
