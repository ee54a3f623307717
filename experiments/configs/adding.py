"""The adding problem (Le et al. 2015): add the two marked values of a length-T sequence.

    python launch.py --config=experiments/configs/adding.py --workdir=runs/adding
    python launch.py --config=experiments/configs/adding.py --config.task.length=400 \
        --config.model.cell=rnn --workdir=runs/adding-rnn-400
    python launch.py --config=experiments/configs/adding.py:sweep --workdir=runs/adding-sweep

Headline metric `eval_mse`; the baseline (always predict 1) has MSE 1/6 = 0.167.
The `sweep` variant runs rnn, lstm and gru at T = 100, 200, 400 with three
seeds each (the grid of docs/benchmarks.md).
"""

from experiments.configs import common


def get_config(variant: str = "single"):
    """`variant`: "single" (one run) or "sweep" (cells x lengths x seeds)."""
    task = common.task("adding")
    task.length = 200  # T, steps per sequence.
    task.eval_size = 1000  # Sequences in the fixed held-out evaluation set.
    return common.long_memory_benchmark(task, variant, steps=2000, lengths=(100, 200, 400))
