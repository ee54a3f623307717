"""Machine translation between two renderings of the Italy grammar (encoder-decoder).

The source is an English example of the Italy task, e.g. (gap 6)::

    i grew up in italy . it rains . i speak fluent italian

The target is the same sentence in "Mirrorese", a synthetic language that
(1) spells every word with its vowels shifted (a->e, e->i, i->o, o->u, u->a;
a fixed, invertible lexicon) and (2) says everything in the opposite order,
so the country moves to the end and the language to the front::

    otelaen flaint spiek o . reons ot . otely on ap griw o

Because of (2), the first output word depends on the last input word and
the last output word on the first input word: an encoder must carry the
whole source in its final state, exactly the setting of the blog post's
sequence-to-sequence mode. `reverse_source=True` feeds the source backwards
(the trick of Sutskever et al. 2014). Here that works the other way round:
for English -> French, reversing the source puts the first source word next
to the first target word; for Mirrorese, whose order is already reversed,
the reversed source is read in target order, so the first output word
depends on the first word the encoder read, as far back as it can be (the
unreversed English -> French case). Comparing the two shows what the trick
buys.

Batches: `inputs [B, S]` source ids (right-padded, `lengths` the source
lengths), `targets [B, U]` target ids ending in EOS, `mask` = `metric_mask`
on the valid target steps. Target ids: 0 PAD, 1 BOS, 2 EOS, then the
Mirrorese words. Headline metric: `eval_bleu`, corpus BLEU (sacrebleu) of
greedy decoding on the held-out set; `eval_exact_match` counts sentences
translated exactly; the `beam_` variants decode with beam search.
"""

from __future__ import annotations

import random

import numpy as np

from experiments import validation
from experiments.tasks.base import Batch, GeneratedTask, decode_words
from experiments.tasks.italy import ItalyTask

PAD, BOS, EOS = 0, 1, 2
VOWEL_SHIFT = str.maketrans("aeiou", "eioua")


def to_mirrorese(words: list[str]) -> list[str]:
    """The target rendering of source words (see the module docstring)."""
    return [w.translate(VOWEL_SHIFT) for w in reversed(words)]


class TranslationTask(GeneratedTask):
    """English -> Mirrorese on Italy-task sentences (see the module docstring).

    Args:
      gap: the shortest key-to-answer gap of a source sentence (>= 1).
      gap_max: the longest (default `gap`); each sentence draws one uniformly.
      reverse_source: feed each source sentence backwards.
      eval_size: sentences in the held-out evaluation set.
      beam_size: hypotheses kept by the beam search of each evaluation
        (1 evaluates greedy decoding only).
    """

    metric = "eval_bleu"
    chance = 0.0
    encoder_decoder = True
    bos_id, eos_id = BOS, EOS

    def __init__(self, gap: int = 4, gap_max: int | None = None, reverse_source: bool = False,
                 eval_size: int = 256, beam_size: int = 4):
        self.english = ItalyTask(gap, gap_max)  # Validates gap and gap_max.
        self.eval_size = validation.integer("task.eval_size", eval_size)
        self.beam_size = validation.integer("task.beam_size", beam_size)
        if not isinstance(reverse_source, bool):
            raise ValueError(f"task.reverse_source must be True or False, got {reverse_source!r}")
        self.reverse_source = reverse_source
        self.source_words = self.english.words
        self.target_words = ("<pad>", "<bos>", "<eos>",
                             *to_mirrorese(list(reversed(self.english.words[1:]))))
        self.target_ids = {w: i for i, w in enumerate(self.target_words)}
        self.vocab_size = len(self.source_words)
        self.output_size = len(self.target_words)
        self.source_length = self.english.max_length + 1  # With the answer.
        self.target_length = self.max_length = self.source_length + 1  # With EOS.

    @classmethod
    def from_config(cls, task_config):
        return cls(gap=task_config.gap, gap_max=task_config.get("gap_max"),
                   reverse_source=task_config.get("reverse_source", False),
                   eval_size=task_config.get("eval_size", 256),
                   beam_size=task_config.get("beam_size", 4))

    def translate(self, words: list[str]) -> list[str]:
        return to_mirrorese(words)

    def _batch(self, rng: np.random.Generator, batch_size: int) -> Batch:
        english = self.english
        inputs = np.zeros((batch_size, self.source_length), np.int32)
        targets = np.zeros((batch_size, self.target_length), np.int32)
        mask = np.zeros((batch_size, self.target_length), np.float32)
        lengths = np.zeros((batch_size,), np.int32)
        py_rng = random.Random(int(rng.integers(2**63)))
        for b in range(batch_size):
            source = english.example(py_rng, py_rng.randint(english.gap, english.gap_max))
            words = [english.words[i] for i in source]
            target = [self.target_ids[w] for w in self.translate(words)] + [EOS]
            if self.reverse_source:
                source = source[::-1]
            inputs[b, :len(source)], lengths[b] = source, len(source)
            targets[b, :len(target)] = target
            mask[b, :len(target)] = 1.0
        return Batch(inputs, targets, mask, mask.copy(), lengths)

    def encode(self, text: str) -> list[int]:
        """An English sentence to source ids (reversed if the task reverses sources)."""
        ids = self.english.encode(text)
        return ids[::-1] if self.reverse_source else ids

    def decode(self, ids) -> str:
        """Target ids to Mirrorese text, up to the first EOS (PAD and BOS dropped)."""
        return decode_words(ids, self.target_words, EOS, skip=(PAD, BOS))
