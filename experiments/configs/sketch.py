"""Sketch-RNN-style drawing: an autoregressive stroke model with a mixture-density output.

    python launch.py --config=experiments/configs/sketch.py --workdir=runs/sketch
    python -m experiments.sketch --workdir=runs/sketch   # samples and completions figure
    python launch.py --config=experiments/configs/sketch.py --config.task.path=cat.npz

Drawings are generated (circles, squares, triangles, spirals, plus signs) in
the stroke-5 format of Ha & Eck 2018; `task.path` reads a Quick, Draw! .npz
from disk instead. Headline metric `eval_loss` (offset NLL + pen loss per step).
"""

import ml_collections
from ml_collections import config_dict

from experiments.configs import common


def get_config():
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "sketch"  # A task from experiments.tasks.TASKS.
    config.task.max_length = 64  # T: points per sequence (shorter drawings end-padded).
    config.task.mixtures = 8  # Gaussians in the mixture over pen offsets.
    config.task.eval_size = 256  # Held-out drawings.
    config.task.path = config_dict.placeholder(str)  # A Quick, Draw! .npz instead.

    config.model = common.model(cell="lstm", hidden_size=128)
    config.train = common.train(steps=1500, batch_size=64, learning_rate=1e-3,
                                log_every=100, eval_every=500, checkpoint_every=500)
    config.mesh = common.mesh()
    config.sweep = common.sweep()
    return config
