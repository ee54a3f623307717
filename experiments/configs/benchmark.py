"""Benchmarks of the library's compute on this machine.

    python launch.py --config=experiments/configs/benchmark.py --workdir=runs/benchmark

The cost of `rec.analysis.state_grads` (all dL/ds_t in one backward pass)
relative to one training step of the same model, and sequential against
parallel unrolling of the cells whose recurrence is linear in the carry.
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
    # Sequential against parallel (associative_scan) unrolling of the linear cells.
    config.scan_cells = ("mingru", "minlstm", "lru")  # Cells with mode="parallel".
    config.scan_lengths = (1000, 4000, 16000)  # T.
    config.scan_batch = 8  # B.
    config.scan_width = 64  # I = H.
    config.scan_repeats = 10  # Timed runs per measurement.
    return config
