"""The copy memory task (Arjovsky et al. 2016): recall 10 symbols after T + 10 steps.

    python launch.py --config=experiments/configs/copying.py --workdir=runs/copying
    python launch.py --config=experiments/configs/copying.py --config.task.length=200 \
        --config.model.cell=gru --workdir=runs/copying-gru-200
    python launch.py --config=experiments/configs/copying.py:sweep --workdir=runs/copying-sweep

Headline metric `eval_loss`, the cross-entropy over all T + 20 steps; the
memoryless baseline is 10 log(8) / (T + 20) (0.173 at T = 100).
"""

import ml_collections

from experiments.configs import common


def get_config(variant: str = "single"):
    """`variant`: "single" (one run) or "sweep" (rnn, lstm, gru x T = 100, 200 x 3 seeds)."""
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "copying"  # A task from experiments.tasks.TASKS.
    config.task.length = 100  # T: steps between the last symbol and the delimiter's end.
    config.task.eval_size = 1000  # Sequences in the fixed held-out evaluation set.

    config.model = common.model(cell="lstm", hidden_size=64, embed_size=16)
    config.train = common.train(steps=2000, batch_size=64, learning_rate=3e-3,
                                log_every=100, eval_every=250, checkpoint_every=500)
    config.mesh = common.mesh()
    return common.with_variant(config, variant, cells=("rnn", "lstm", "gru"), lengths=(100, 200),
                               seeds=(0, 1, 2))
