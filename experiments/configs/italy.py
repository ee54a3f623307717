"""The Italy long-dependency task: "I grew up in Italy. ... I speak fluent ___".

    python launch.py --config=experiments/configs/italy.py --workdir=runs/italy \
        --config.model.cell=rnn --config.task.gap=20
"""

from ml_collections import config_dict

from experiments.configs import common


def get_config():
    task = common.task("italy")
    task.gap = 8  # Tokens between the key country and the answer (>= 1).
    task.gap_max = config_dict.placeholder(int)  # If set: gaps uniform in [gap, gap_max].
    task.mode = "classify"  # "classify" (answer-only loss) or "lm" (every position).
    task.eval_size = 512  # Examples in the fixed held-out evaluation set.
    return common.training_config(task, common.model(), common.train())
