"""The temporal order problem (Hochreiter & Schmidhuber 1997, experiment 6a).

    python launch.py --config=experiments/configs/temporal_order.py --workdir=runs/order
    python launch.py --config=experiments/configs/temporal_order.py:sweep --workdir=runs/order-sweep

Headline metric `eval_answer_accuracy` over 4 classes (chance 0.25). At
T = 100 the sequences are exactly those of the paper (lengths 100-110).
"""

import ml_collections

from experiments.configs import common


def get_config(variant: str = "single"):
    """`variant`: "single" (one run) or "sweep" (rnn, lstm, gru x T = 100, 200 x 3 seeds)."""
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "temporal_order"  # A task from experiments.tasks.TASKS.
    config.task.length = 100  # T: the shortest sequence; lengths are uniform in [T, 1.1 T].
    config.task.eval_size = 1000  # Sequences in the fixed held-out evaluation set.

    config.model = common.model(cell="lstm", hidden_size=64, embed_size=16)
    config.train = common.train(steps=1500, batch_size=64, learning_rate=3e-3,
                                log_every=100, eval_every=250, checkpoint_every=500)
    config.mesh = common.mesh()
    return common.with_variant(config, variant, cells=("rnn", "lstm", "gru"), lengths=(100, 200),
                               seeds=(0, 1, 2))
