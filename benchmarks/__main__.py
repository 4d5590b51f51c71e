"""`python -m benchmarks`: importing `benchmarks.run` pins the BLAS/OpenMP threads first."""

from benchmarks.run import main

raise SystemExit(main())
