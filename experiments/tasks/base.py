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
    """A generator of batches plus what a run needs to know about them.

    Everything code outside `experiments/tasks/` reads from a task is declared here: the
    model for a task is chosen from `inputs` and `encoder_decoder` alone
    (`experiments.models.for_task`), and the tools that decode or draw a run's outputs check
    these declarations, never a task's name or class.
    """

    #: The value of the headline metric at chance, or for the task's trivial
    #: baseline (drawn in every plot of the task).
    chance: float
    #: What a batch's `inputs` hold: "tokens" (`[B, T]` int32 ids below `vocab_size`),
    #: "features" (`[B, T, input_size]` float32) or "images" (`[B, S, S, C]` float32).
    inputs: str = "tokens"
    #: Number of distinct input tokens (embedding size) for token tasks.
    vocab_size: int | None = None
    #: Float features per step when `inputs` is "features".
    input_size: int | None = None
    #: Classes of the readout (cross-entropy) or outputs regressed (mse).
    output_size: int
    #: The time steps of every batch's `targets` (their second axis): T for sequence
    #: tasks, the longest target (with EOS) for encoder-decoder ones.
    max_length: int
    #: "cross_entropy" (integer targets), "mse" (float targets) or "mdn" (stroke offsets;
    #: see `experiments.training.metrics.masked_metrics`).
    objective: str = "cross_entropy"
    #: The headline metric, as logged for the evaluation set (`eval_` + a key of
    #: `masked_metrics`), and which direction is better.
    metric: str = "eval_answer_accuracy"
    higher_is_better: bool = True
    #: Next-token prediction at every step: the evaluation adds `eval_perplexity`
    #: and `eval_bits_per_token`, and `encode` / `decode` turn text into ids and back.
    language_model: bool = False
    #: Encoder-decoder tasks (translation, captioning): `targets` are decoded from an
    #: encoded input, delimited by `bos_id` and `eos_id`; the evaluation adds greedy and
    #: beam-search (`beam_size` hypotheses) exact match and BLEU.
    encoder_decoder: bool = False
    bos_id: int | None = None
    eos_id: int | None = None
    beam_size: int = 1
    #: What joins decoded tokens into text: " " between words, "" between characters.
    token_separator: str = " "
    #: The loss and the metric read each sequence's last step only (`mask` and
    #: `metric_mask` are one at `lengths - 1` and zero elsewhere): the model then
    #: applies its readout there only (`SequenceModel.answer_only`).
    scores_last_step: bool = False

    def encode(self, text: str) -> list[int]:
        """The token ids of `text` (language-model and encoder-decoder tasks)."""
        raise ValueError(f"{type(self).__name__} has no text encoding")

    def decode(self, ids) -> str:
        """Text for the token ids `ids`, up to the first `eos_id`."""
        raise ValueError(f"{type(self).__name__} has no text decoding")

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


class GeneratedTask(Task):
    """A task whose batches are drawn fresh from a generator: the training batch of
    step k and the evaluation set come from disjoint streams of `Task.rng`."""

    eval_size: int

    @abc.abstractmethod
    def _batch(self, rng: np.random.Generator, batch_size: int) -> Batch:
        """`batch_size` fresh examples drawn with `rng`."""

    def batch(self, seed: int, step: int, batch_size: int) -> Batch:
        return self._batch(self.rng(seed, TRAIN_STREAM, step), batch_size)

    def eval_batch(self, seed: int) -> Batch:
        return self._batch(self.rng(seed, EVAL_STREAM, 0), self.eval_size)


def decode_words(ids, words, eos_id: int, skip=(0,)) -> str:
    """Token ids to space-separated words, up to the first `eos_id`, `skip` ids dropped."""
    out = []
    for i in ids:
        if i == eos_id:
            break
        if i not in skip:
            out.append(words[i])
    return " ".join(out)


def full_lengths(batch_size: int, steps: int) -> np.ndarray:
    return np.full((batch_size,), steps, np.int32)
