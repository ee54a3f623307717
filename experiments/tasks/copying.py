"""The copy memory task, in the form of Arjovsky, Shah & Bengio (2016).

Symbols: `0` is the blank, `1`-`8` are the categories, `9` is the delimiter.
An input sequence is 10 symbols drawn uniformly from the 8 categories, then
`length - 1` blanks, the delimiter, and 10 more blanks: `length + 20` steps.
(The delimiter takes the last of the `length` waiting steps, as in the paper.)
The target is blank for the first `length + 10` steps and then the 10 symbols
in order: the model must hold them for `length + 10` steps.

The loss is the cross-entropy averaged over all `length + 20` steps (headline
metric `eval_loss`). The memoryless baseline outputs blanks and then a uniform
guess over the 8 categories for the last 10 steps; its cross-entropy is
`10 log(8) / (length + 20)`. `answer_accuracy` is the accuracy on the 10
copied symbols (1/8 at chance).
"""

from __future__ import annotations

import math

import numpy as np

from experiments import validation
from experiments.tasks.base import Batch, GeneratedTask, full_lengths

BLANK, DELIMITER = 0, 9
CATEGORIES = 8
SYMBOLS = 10  # Symbols to copy.


def baseline_loss(length: int) -> float:
    """Cross-entropy of the memoryless strategy, averaged over all steps."""
    return SYMBOLS * math.log(CATEGORIES) / (length + 2 * SYMBOLS)


class CopyingTask(GeneratedTask):
    """Batches of the copy memory task (see the module docstring).

    Args:
      length: T, the waiting time between the symbols and the delimiter
        (sequences are T + 20 steps).
      eval_size: sequences in the held-out evaluation set.
    """

    vocab_size = output_size = CATEGORIES + 2
    metric = "eval_loss"
    higher_is_better = False

    def __init__(self, length: int = 100, eval_size: int = 1000):
        self.length = validation.integer("task.length", length)
        self.max_length = self.length + 2 * SYMBOLS
        self.eval_size = validation.integer("task.eval_size", eval_size)
        self.chance = baseline_loss(self.length)

    @classmethod
    def from_config(cls, task_config):
        return cls(length=task_config.length, eval_size=task_config.get("eval_size", 1000))

    def _batch(self, rng: np.random.Generator, batch_size: int) -> Batch:
        steps = self.max_length
        symbols = rng.integers(1, CATEGORIES + 1, (batch_size, SYMBOLS), dtype=np.int32)
        inputs = np.full((batch_size, steps), BLANK, np.int32)
        inputs[:, :SYMBOLS] = symbols
        inputs[:, steps - SYMBOLS - 1] = DELIMITER
        targets = np.full((batch_size, steps), BLANK, np.int32)
        targets[:, -SYMBOLS:] = symbols
        metric_mask = np.zeros((batch_size, steps), np.float32)
        metric_mask[:, -SYMBOLS:] = 1.0
        return Batch(inputs, targets, np.ones((batch_size, steps), np.float32), metric_mask,
                     full_lengths(batch_size, steps))
