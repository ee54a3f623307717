#!/bin/bash
# The Newton rows of docs/performance.md (issue 24) on a GPU, for the day a device is lent:
# the same config as the CPU run (experiments/configs/benchmark.py:newton: RNN, GRU and LSTM
# at H = 64, T in {256, 1024, 4096, 16384}, sequential against Newton full and diagonal,
# forward and forward + backward, and the iteration counts at initialisation and trained).
#
#   experiments/benchmark/gpu_newton.sh [WORKDIR] [--config.FIELD=VALUE ...]
#
# WORKDIR defaults to runs/benchmark-newton-gpu; the tables land in WORKDIR/benchmark.md
# (and .json). It refuses to start without a GPU, so a CPU run is never mistaken for one.
# Further arguments go to launch.py, e.g. a shorter run when device time is short:
#   experiments/benchmark/gpu_newton.sh "$OUT/newton" "--config.shapes=('1,1024,64,64',)"
# Set PYTHON to the interpreter of an environment with jax[cuda] (default: python).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python}"
WORKDIR="${1:-runs/benchmark-newton-gpu}"
shift || true
"$PYTHON" -c 'import jax, sys; b = jax.default_backend(); sys.exit(
    None if b == "gpu" else f"error: JAX runs on {b}, not a GPU; use the CPU command instead")'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec "$PYTHON" launch.py --config=experiments/configs/benchmark.py:newton \
    --workdir="$WORKDIR" "$@"
