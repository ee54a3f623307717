"""The adding problem, in the form of Le, Jaitly & Hinton (2015).

Each step has two input channels: a value drawn uniformly from [0, 1] and a
marker. The marker is 1 at exactly two steps, one in each half of the
sequence, and 0 elsewhere. After reading all `length` steps the model outputs
the sum of the two marked values; the loss is the squared error on that one
output (`objective = "mse"`, headline metric `eval_mse`).

The trivial baseline predicts 1, the mean of the sum, for every sequence. Its
MSE is the variance of a sum of two independent U(0, 1) values: 2/12 = 0.1667.
A model below that reads and adds at least something; "solved" is usually
taken to be an MSE below 0.01.
"""

from __future__ import annotations

import numpy as np

from experiments import validation
from experiments.tasks.base import Batch, GeneratedTask, full_lengths

BASELINE_MSE = 1.0 / 6.0  # Var(U1 + U2) for independent U(0, 1) values.


class AddingTask(GeneratedTask):
    """Batches of the adding problem (see the module docstring).

    Args:
      length: T, steps per sequence (>= 2).
      eval_size: sequences in the held-out evaluation set.
    """

    inputs, input_size = "features", 2
    output_size = 1
    objective = "mse"
    metric = "eval_mse"
    higher_is_better = False
    chance = BASELINE_MSE

    def __init__(self, length: int = 100, eval_size: int = 1000):
        self.length = validation.integer("task.length", length, minimum=2)
        self.max_length = self.length
        self.eval_size = validation.integer("task.eval_size", eval_size)

    @classmethod
    def from_config(cls, task_config):
        return cls(length=task_config.length, eval_size=task_config.get("eval_size", 1000))

    def _batch(self, rng: np.random.Generator, batch_size: int) -> Batch:
        steps, half = self.length, self.length // 2
        values = rng.uniform(0.0, 1.0, (batch_size, steps)).astype(np.float32)
        first = rng.integers(0, half, batch_size)
        second = rng.integers(half, steps, batch_size)
        rows = np.arange(batch_size)
        markers = np.zeros((batch_size, steps), np.float32)
        markers[rows, first] = markers[rows, second] = 1.0
        targets = np.zeros((batch_size, steps), np.float32)
        targets[:, -1] = values[rows, first] + values[rows, second]
        mask = np.zeros((batch_size, steps), np.float32)
        mask[:, -1] = 1.0
        return Batch(np.stack([values, markers], -1), targets, mask, mask.copy(),
                     full_lengths(batch_size, steps))
