"""Optimisers and learning-rate schedules by name: the one table training builds from and
config validation checks names against (`train.optimizer`, `train.schedule`).

    tx, schedule = optimizers.build(config.train)

A new optimiser is one entry in `OPTIMIZERS`: its name and how to build it from the peak
schedule and the `train` config (for its momentum or weight decay).
"""

from __future__ import annotations

import optax

OPTIMIZERS = {
    "adam": lambda schedule, train: optax.adam(schedule),
    "adamw": lambda schedule, train: optax.adamw(schedule, weight_decay=train.weight_decay),
    "sgd": lambda schedule, train: optax.sgd(schedule, momentum=train.momentum or None),
    "rmsprop": lambda schedule, train: optax.rmsprop(schedule, momentum=train.momentum),
}
#: The schedule after warm-up, from the peak learning rate and the steps it decays over.
SCHEDULES = {
    "constant": lambda peak, steps: optax.constant_schedule(peak),
    "cosine": lambda peak, steps: optax.cosine_decay_schedule(peak, steps),
    "linear": lambda peak, steps: optax.linear_schedule(peak, 0.0, steps),
}


def schedule(train) -> optax.Schedule:
    """`train.schedule` from `train.learning_rate`, after `train.warmup_steps` of linear
    warm-up from 0."""
    peak, warmup = train.learning_rate, train.warmup_steps
    decay = SCHEDULES[train.schedule](peak, max(train.steps - warmup, 1))
    if not warmup:
        return decay
    return optax.join_schedules([optax.linear_schedule(0.0, peak, warmup), decay], [warmup])


def build(train) -> tuple[optax.GradientTransformation, optax.Schedule]:
    """`(optimizer, schedule)` for a `train` config, clipped by global norm to
    `train.grad_clip_norm` when it is set."""
    lr = schedule(train)
    optimizer = OPTIMIZERS[train.optimizer](lr, train)
    if train.grad_clip_norm:
        optimizer = optax.chain(optax.clip_by_global_norm(train.grad_clip_norm), optimizer)
    return optimizer, lr
