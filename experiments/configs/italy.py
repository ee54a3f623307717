"""The Italy long-dependency task: "I grew up in Italy. ... I speak fluent ___".

    python launch.py --config=experiments/configs/italy.py --workdir=runs/italy \
        --config.model.cell=rnn --config.task.gap=20
"""

import ml_collections
from ml_collections import config_dict


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

    config.model = ml_collections.ConfigDict()
    # Any cell in rec.cell_names() (rnn, lstm, gru, ...), optionally with hyper-parameters:
    # "lstm:chrono_t_max=64", "rnn:activation=relu,recurrent_init=identity".
    config.model.cell = "lstm"
    config.model.hidden_size = 64  # H, units per recurrent layer.
    config.model.num_layers = 1  # Recurrent layers stacked (rec.Stack when > 1).
    config.model.embed_size = 32  # E, token embedding size.
    config.model.dropout = 0.0  # Dropout between stacked layers (training only).
    config.model.residual = False  # Residual connections between stacked layers.

    config.train = ml_collections.ConfigDict()
    config.train.steps = 600  # Optimisation steps.
    config.train.batch_size = 64  # Examples per step.
    config.train.optimizer = "adam"  # adam, adamw, sgd or rmsprop.
    config.train.learning_rate = 3e-3  # Peak learning rate.
    config.train.schedule = "constant"  # constant, cosine or linear (decay to 0 at the end).
    config.train.warmup_steps = 0  # Linear warm-up from 0 to the peak.
    config.train.momentum = 0.9  # For sgd and rmsprop.
    config.train.weight_decay = 0.0  # For adamw.
    config.train.grad_clip_norm = 1.0  # Global-norm gradient clipping; 0 disables it.
    config.train.log_every = 50  # Steps between training-metric logs.
    config.train.eval_every = 200  # Steps between evaluations (and at the end).
    config.train.checkpoint_every = 200  # Steps between checkpoints (and at the end).
    config.train.keep_checkpoints = 3  # Checkpoints kept on disk.
    return config
