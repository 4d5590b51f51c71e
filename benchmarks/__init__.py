"""Speed of `dlfund` side by side with scikit-learn and PyTorch (not part of the tests).

Run from the repository root:

    python -m benchmarks                 # all benchmarks, 2-4 minutes on two shared cores
    python -m benchmarks --with-tests --with-book   # also time `make pytest` and `make book-strict`

Results: benchmarks/results/latest.json (machine-readable) and latest.md (the table).
Nothing here may import NumPy before `benchmarks.run` has pinned the thread counts.
"""
