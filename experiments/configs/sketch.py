"""Sketch-RNN-style drawing: an autoregressive stroke model with a mixture-density output.

    python launch.py --config=experiments/configs/sketch.py --workdir=runs/sketch
    python -m experiments.sketch --workdir=runs/sketch   # samples and completions figure
    python launch.py --config=experiments/configs/sketch.py --config.task.path=cat.npz

Drawings are generated (circles, squares, triangles, spirals, plus signs) in
the stroke-5 format of Ha & Eck 2018; `task.path` reads a Quick, Draw! .npz
from disk instead. Headline metric `eval_loss` (offset NLL + pen loss per step).
"""

from ml_collections import config_dict

from experiments.configs import common


def get_config():
    task = common.task("sketch")
    task.max_length = 64  # T: points per sequence (shorter drawings end-padded).
    task.mixtures = 8  # Gaussians in the mixture over pen offsets.
    task.eval_size = 256  # Held-out drawings.
    task.path = config_dict.placeholder(str)  # A Quick, Draw! .npz instead.
    model = common.model(cell="lstm", hidden_size=128)
    train = common.train(steps=1500, batch_size=64, learning_rate=1e-3, log_every=100,
                         eval_every=500, checkpoint_every=500)
    return common.training_config(task, model, train)
