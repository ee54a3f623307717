"""Sequential and permuted digits: scikit-learn's bundled 8x8 digits, one pixel per step.

    python launch.py --config=experiments/configs/digits.py --workdir=runs/digits
    python launch.py --config=experiments/configs/digits.py:permuted --workdir=runs/pdigits
    python launch.py --config=experiments/configs/digits.py:sweep --workdir=runs/digits-sweep
    python launch.py --config=experiments/configs/digits.py --config.task.path=mnist.npz

Needs scikit-learn (`pip install -e '.[digits]'`). Headline metric
`eval_answer_accuracy` on 360 held-out images (chance 0.1). `task.path`
points the task at an MNIST-style .npz instead (784 steps; see
experiments/tasks/digits.py); MNIST itself is not bundled.
"""

import ml_collections
from ml_collections import config_dict

from experiments.configs import common


def get_config(variant: str = "sequential"):
    """`variant`: "sequential", "permuted", "sweep" or "permuted_sweep"
    (the sweeps: rnn, lstm, gru x 3 seeds)."""
    if variant not in ("sequential", "permuted", "sweep", "permuted_sweep"):
        raise ValueError("variant must be 'sequential', 'permuted', 'sweep' or "
                         f"'permuted_sweep', got {variant!r}")
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "digits"  # A task from experiments.tasks.TASKS.
    config.task.permute = variant.startswith("permuted")  # A fixed random pixel order.
    config.task.path = config_dict.placeholder(str)  # An MNIST-style .npz instead of 8x8 digits.

    config.model = common.model(cell="lstm", hidden_size=64)
    config.train = common.train(steps=1500, batch_size=64, learning_rate=3e-3,
                                log_every=100, eval_every=250, checkpoint_every=500)
    config.mesh = common.mesh()
    config.sweep = common.sweep()
    if variant.endswith("sweep"):
        config.sweep = common.sweep(cells=("rnn", "lstm", "gru"), seeds=(0, 1, 2))
    return config
