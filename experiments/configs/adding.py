"""The adding problem (Le et al. 2015): add the two marked values of a length-T sequence.

    python launch.py --config=experiments/configs/adding.py --workdir=runs/adding
    python launch.py --config=experiments/configs/adding.py --config.task.length=400 \
        --config.model.cell=rnn --workdir=runs/adding-rnn-400
    python launch.py --config=experiments/configs/adding.py:sweep --workdir=runs/adding-sweep

Headline metric `eval_mse`; the baseline (always predict 1) has MSE 1/6 = 0.167.
The `sweep` variant runs rnn, lstm and gru at T = 100, 200, 400 with three
seeds each (the grid of docs/benchmarks.md).
"""

import ml_collections

from experiments.configs import common


def get_config(variant: str = "single"):
    """`variant`: "single" (one run) or "sweep" (cells x lengths x seeds)."""
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "adding"  # A task from experiments.tasks.TASKS.
    config.task.length = 200  # T, steps per sequence.
    config.task.eval_size = 1000  # Sequences in the fixed held-out evaluation set.

    config.model = common.model(cell="lstm", hidden_size=64)
    config.train = common.train(steps=2000, batch_size=64, learning_rate=3e-3,
                                log_every=100, eval_every=250, checkpoint_every=500)
    config.mesh = common.mesh()
    return common.with_variant(config, variant, cells=("rnn", "lstm", "gru"),
                               lengths=(100, 200, 400), seeds=(0, 1, 2))
