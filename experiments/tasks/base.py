"""The batch type and base class of the task contract (see `experiments.tasks`)."""

from __future__ import annotations

import abc
from typing import NamedTuple

import numpy as np

# Stream ids mixed into the seed, so training and evaluation never share draws.
TRAIN_STREAM, EVAL_STREAM = 0, 1


class Batch(NamedTuple):
    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    metric_mask: np.ndarray
    lengths: np.ndarray


class Task(abc.ABC):
    """A generator of batches plus what a run needs to know about them."""

    #: The value of the headline metric at chance (for plots and reports).
    chance: float
    #: Number of distinct input tokens (embedding size) for token tasks.
    vocab_size: int

    @classmethod
    @abc.abstractmethod
    def from_config(cls, task_config) -> Task:
        """Builds the task from its config group, validating every field."""

    @abc.abstractmethod
    def batch(self, seed: int, step: int, batch_size: int) -> Batch:
        """The training batch for `step` of the run seeded `seed`."""

    @abc.abstractmethod
    def eval_batch(self, seed: int) -> Batch:
        """The fixed held-out evaluation set of the run seeded `seed`."""

    @staticmethod
    def rng(seed: int, stream: int, step: int) -> np.random.Generator:
        return np.random.default_rng([seed, stream, step])
