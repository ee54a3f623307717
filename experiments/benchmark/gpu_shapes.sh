#!/bin/bash
# Issue 26's shape grid on a GPU, for the day a device is lent: experiments/configs/
# benchmark.py:shapes (the RNN, LSTM and GRU at B in {8, 32, 128}, T in {64, 256, 1024},
# H in {64, 128, 256, 512}, I = 64) against Flax linen, Flax NNX, PyTorch's CUDA modules and
# cuDNN's LSTM (jax.experimental.rnn), in turns and each framework in its own process.
#
#   experiments/benchmark/gpu_shapes.sh [WORKDIR] [--config.FIELD=VALUE ...]
#
# WORKDIR defaults to runs/benchmark-shapes-gpu; the tables land in WORKDIR/benchmark.md
# (and .json), and `python -m experiments.benchmark.tuning WORKDIR --write` adds the GPU's
# layouts to rec.tuning's table. It refuses to start without a GPU. The whole grid takes far
# longer than a lent device's minutes; a cut run resumes from WORKDIR/points/, and further
# arguments go to launch.py, e.g. one T and one round of processes:
#   experiments/benchmark/gpu_shapes.sh "$OUT/shapes" --config.separate_rounds=1 \
#       "--config.shapes=('8,256,64,256','32,256,64,256','128,256,64,256')"
# Set PYTHON to the interpreter of an environment with jax[cuda] and a CUDA PyTorch.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python}"
WORKDIR="${1:-runs/benchmark-shapes-gpu}"
shift || true
"$PYTHON" -c 'import jax, sys; b = jax.default_backend(); sys.exit(
    None if b == "gpu" else f"error: JAX runs on {b}, not a GPU; use the CPU command instead")'
"$PYTHON" -c 'import torch; print("PyTorch", torch.__version__, "CUDA:", torch.cuda.is_available())' \
    || echo "PyTorch is not installed: its rows will be missing"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec "$PYTHON" launch.py --config=experiments/configs/benchmark.py:shapes \
    --workdir="$WORKDIR" "$@"
