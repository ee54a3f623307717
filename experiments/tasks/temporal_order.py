"""The temporal order problem: experiment 6a of Hochreiter & Schmidhuber (1997).

A sequence starts with `E`, ends with the trigger `B`, and is otherwise made
of distractors drawn from {a, b, c, d}, except at two steps t1 and t2, which
hold `X` or `Y`. After the trigger the model names the order of the two
relevant symbols: XX, XY, YX or YY (four classes, chance 1/4). The answer
depends on two symbols about `length / 10` and `length / 2` steps back, with
distractors in between.

With `length = 100` this is the paper's setting exactly: sequence lengths
uniform in [100, 110], t1 in [10, 20], t2 in [50, 60]. Other lengths scale all
of these: lengths in [T, T + T/10], t1 in [T/10, T/5], t2 in [T/2, 3T/5].
Token ids: 0 padding, 1-4 a-d, 5 E, 6 B, 7 X, 8 Y.
"""

from __future__ import annotations

import numpy as np

from experiments import validation
from experiments.tasks.base import Batch, GeneratedTask

SYMBOLS = ("<pad>", "a", "b", "c", "d", "E", "B", "X", "Y")
START, TRIGGER, X, Y = 5, 6, 7, 8
CLASSES = ("XX", "XY", "YX", "YY")


class TemporalOrderTask(GeneratedTask):
    """Batches of the temporal order problem (see the module docstring).

    Args:
      length: T, the shortest sequence (>= 10); sequences are right-padded.
      eval_size: sequences in the held-out evaluation set.
    """

    vocab_size = len(SYMBOLS)
    output_size = len(CLASSES)
    chance = 1.0 / len(CLASSES)

    def __init__(self, length: int = 100, eval_size: int = 1000):
        self.length = validation.integer("task.length", length, minimum=10)
        self.eval_size = validation.integer("task.eval_size", eval_size)
        self.max_length = self.length + self.length // 10

    @classmethod
    def from_config(cls, task_config):
        return cls(length=task_config.length, eval_size=task_config.get("eval_size", 1000))

    def _batch(self, rng: np.random.Generator, batch_size: int) -> Batch:
        T, steps = self.length, self.max_length
        rows = np.arange(batch_size)
        lengths = rng.integers(T, steps + 1, batch_size).astype(np.int32)
        inputs = rng.integers(1, 5, (batch_size, steps)).astype(np.int32)
        inputs[np.arange(steps)[None, :] >= lengths[:, None]] = 0
        inputs[:, 0] = START
        inputs[rows, lengths - 1] = TRIGGER
        t1 = rng.integers(T // 10, T // 5 + 1, batch_size)
        t2 = rng.integers(T // 2, 3 * T // 5 + 1, batch_size)
        first, second = rng.integers(0, 2, batch_size), rng.integers(0, 2, batch_size)
        inputs[rows, t1] = X + first
        inputs[rows, t2] = X + second
        targets = np.zeros((batch_size, steps), np.int32)
        targets[rows, lengths - 1] = 2 * first + second
        mask = np.zeros((batch_size, steps), np.float32)
        mask[rows, lengths - 1] = 1.0
        return Batch(inputs, targets, mask, mask.copy(), lengths)
