"""The Italy long-dependency task: "I grew up in Italy. ... I speak fluent ___".

    python launch.py --config=experiments/configs/italy.py --workdir=runs/italy \
        --config.model.cell=rnn --config.task.gap=20
"""

import ml_collections
from ml_collections import config_dict

from experiments.configs import common


def get_config():
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate.
    config.seed = 0  # Seeds parameters, dropout and the data stream.

    config.task = ml_collections.ConfigDict()
    config.task.name = "italy"  # A task from experiments.tasks.TASKS.
    config.task.gap = 8  # Tokens between the key country and the answer (>= 1).
    config.task.gap_max = config_dict.placeholder(int)  # If set: gaps uniform in [gap, gap_max].
    config.task.mode = "classify"  # "classify" (answer-only loss) or "lm" (every position).
    config.task.eval_size = 512  # Examples in the fixed held-out evaluation set.

    config.model = common.model()
    config.train = common.train()
    config.mesh = common.mesh()
    config.sweep = common.sweep()
    return config
