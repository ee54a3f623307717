"""Benchmarks of the library's compute on this machine.

    python launch.py --config=experiments/configs/benchmark.py --workdir=runs/benchmark

Today: the cost of `rec.analysis.state_grads` (all dL/ds_t in one backward
pass) relative to one training step of the same model.
"""

import ml_collections


def get_config():
    config = ml_collections.ConfigDict()
    config.experiment = "benchmark"  # What launch.py runs: experiments.benchmark.run.
    config.seed = 0  # Seeds parameters and inputs.
    config.cells = ("rnn", "lstm", "gru")  # Cells measured.
    # Shapes measured, "B,T,I,H" each.
    config.shapes = ("32,100,32,64", "32,200,64,128")
    config.repeats = 20  # Timed runs per measurement (the median is reported).
    return config
