""""I grew up in Italy. I moved to Norway a month ago. I speak fluent ___".

The long-dependency example from the blog post this project starts from: the
recent words say that a language comes next, but which language depends on a
word far back, and a more recent country is a distractor.

One example (token by token, `gap` = 15)::

    i grew up in italy . it rains . i moved to norway a month ago . i speak fluent | italian
                 ^ key (position 4)                                          answer ^

* The key country sits at position 4, after `i grew up in`; the answer is the
  language of that first country.
* `gap` is the number of tokens strictly between the key and the answer, which
  is also the number of recurrent steps from reading the key to emitting the
  answer: the answer is predicted at input step `4 + gap` (reading the last
  cue word) and is target token `5 + gap`.
* The cue before the answer is `i speak fluent` (gap >= 4, preceded by `.` and
  `gap - 4` tokens of filler sentences); shorter gaps use `and speak fluent`
  (3), `speaking fluent` (2) and `speaking` (1): the blog post's short-context
  case ("a cup of ___") is the same mechanism at gap about 2.
* Whenever `gap >= 12` the filler holds the distractor `i moved to <other
  country> a month ago .`; longer fillers may hold more distractors (other
  sentences naming other countries). A distractor never names the key country.
  With `distractors=False` the filler names no country at all (an ablation:
  the same lengths and cue, only the key to remember).
* Modes: `classify` (many-to-one: the loss is on the answer only) and `lm`
  (synced many-to-many: next-token prediction at every position). The
  headline metric is answer accuracy in both; chance is 1/24.
"""

from __future__ import annotations

import numbers
import random

import numpy as np

from experiments import validation
from experiments.tasks.base import Batch, GeneratedTask

COUNTRIES_AND_LANGUAGES = (
    ("italy", "italian"), ("norway", "norwegian"), ("france", "french"),
    ("germany", "german"), ("spain", "spanish"), ("portugal", "portuguese"),
    ("greece", "greek"), ("poland", "polish"), ("sweden", "swedish"),
    ("finland", "finnish"), ("denmark", "danish"), ("netherlands", "dutch"),
    ("hungary", "hungarian"), ("turkey", "turkish"), ("russia", "russian"),
    ("japan", "japanese"), ("china", "chinese"), ("korea", "korean"),
    ("vietnam", "vietnamese"), ("thailand", "thai"), ("israel", "hebrew"),
    ("ukraine", "ukrainian"), ("romania", "romanian"), ("iran", "persian"),
)

KEY_PREFIX = "i grew up in".split()
KEY_POSITION = len(KEY_PREFIX)
CUES = {1: "speaking", 2: "speaking fluent", 3: "and speak fluent"}
FULL_CUE = "i speak fluent"  # After ". " and the filler, for gap >= 4.
DISTRACTOR = "i moved to {} a month ago ."
MIN_GAP_FOR_DISTRACTOR = 4 + len(DISTRACTOR.split())
FILLERS = (
    "then", "well", "anyway", "it rains .", "time flies .", "life is good .",
    "the weather is cold .", "my friends are nice .", "we went to the market .",
    "i work at a small office .", "the train was late again .",
    "i like to have a cup of coffee for breakfast .", "my cat sleeps all day .",
    "we often cook dinner together .", "the city is quiet at night .",
    "i read a book every week .", "my brother plays the guitar .",
    "the summer was very hot this year .", "i walk to work .",
)
OTHER_DISTRACTORS = (
    "my sister lives in {} .", "we visited {} last summer .",
    "my friend works in {} now .",
)


def vocabulary() -> tuple[str, ...]:
    """All tokens, `<pad>` first (id 0); order is fixed, so ids are stable."""
    words = ["<pad>"]
    texts = [" ".join(KEY_PREFIX), FULL_CUE, ".", *CUES.values(), DISTRACTOR,
             *FILLERS, *OTHER_DISTRACTORS]
    for text in texts:
        for word in text.split():
            if word != "{}" and word not in words:
                words.append(word)
    for country, language in COUNTRIES_AND_LANGUAGES:
        words += [country, language]
    return tuple(words)


class ItalyTask(GeneratedTask):
    """Batches of the Italy task (see the module docstring).

    Args:
      gap: tokens between the key country and the answer (>= 1).
      gap_max: if set, each example's gap is drawn uniformly from
        `[gap, gap_max]` (for curricula); sequences are right-padded.
      mode: "classify" or "lm".
      eval_size: number of examples in the held-out evaluation set.
      distractors: whether fillers name other countries (see the module docstring).
    """

    def __init__(self, gap: int, gap_max: int | None = None, mode: str = "classify",
                 eval_size: int = 512, distractors: bool = True):
        validation.integer("task.gap", gap)
        validation.integer("task.eval_size", eval_size)
        if gap_max is not None and (isinstance(gap_max, bool)
                                    or not isinstance(gap_max, numbers.Integral)
                                    or gap_max < gap):
            raise ValueError(f"task.gap_max must be None or an integer >= task.gap = {gap}, "
                             f"got {gap_max!r}")
        if mode not in ("classify", "lm"):
            raise ValueError(f"task.mode must be 'classify' or 'lm', got {mode!r}")
        if not isinstance(distractors, bool):
            raise ValueError(f"task.distractors must be True or False, got {distractors!r}")
        self.distractors = distractors
        self.gap, self.gap_max = int(gap), int(gap if gap_max is None else gap_max)
        self.mode, self.eval_size = mode, int(eval_size)
        self.language_model = mode == "lm"
        self.scores_last_step = mode == "classify"
        self.words = vocabulary()
        self.ids = {w: i for i, w in enumerate(self.words)}
        self.vocab_size = self.output_size = len(self.words)
        self.countries = np.array([self.ids[c] for c, _ in COUNTRIES_AND_LANGUAGES])
        self.languages = np.array([self.ids[lang] for _, lang in COUNTRIES_AND_LANGUAGES])
        self.chance = 1.0 / len(COUNTRIES_AND_LANGUAGES)
        fillers = [self._encode(s) for s in FILLERS]
        longest = max(len(f) for f in fillers)
        # _fillers_up_to[n]: the filler sentences of at most n tokens.
        self._fillers_up_to = [[f for f in fillers if len(f) <= n] for n in range(longest + 1)]

    @classmethod
    def from_config(cls, task_config):
        return cls(gap=task_config.gap, gap_max=task_config.get("gap_max"),
                   mode=task_config.get("mode", "classify"),
                   eval_size=task_config.get("eval_size", 512),
                   distractors=task_config.get("distractors", True))

    @property
    def max_length(self) -> int:
        """T: input steps of the longest example (answer step + 1)."""
        return KEY_POSITION + self.gap_max + 1

    def _encode(self, text) -> list[int]:
        words = text.split() if isinstance(text, str) else text
        return [self.ids[w] for w in words]

    def _other_country(self, rng: random.Random, key: int) -> str:
        other = rng.randrange(len(COUNTRIES_AND_LANGUAGES) - 1)
        return COUNTRIES_AND_LANGUAGES[other + (other >= key)][0]

    def _filler(self, rng: random.Random, size: int, key: int) -> list[int]:
        """`size` tokens of whole sentences, with the distractor if it fits."""
        sentences = []
        if self.distractors and size >= MIN_GAP_FOR_DISTRACTOR - 4:
            sentences.append(self._encode(DISTRACTOR.format(self._other_country(rng, key))))
            size -= len(sentences[0])
        while size > 0:
            if self.distractors and size >= 6 and rng.random() < 0.15:
                template = rng.choice(OTHER_DISTRACTORS)
                sentence = self._encode(template.format(self._other_country(rng, key)))
                if len(sentence) <= size:
                    sentences.append(sentence)
                    size -= len(sentence)
                    continue
            sentence = rng.choice(self._fillers_up_to[min(size, len(self._fillers_up_to) - 1)])
            sentences.append(sentence)
            size -= len(sentence)
        rng.shuffle(sentences)
        return [token for sentence in sentences for token in sentence]

    def example(self, rng: random.Random, gap: int) -> list[int]:
        """One token sequence: the key at `KEY_POSITION`, the answer last."""
        key = rng.randrange(len(COUNTRIES_AND_LANGUAGES))
        tokens = self._encode(KEY_PREFIX) + [int(self.countries[key])]
        if gap >= 4:
            tokens += self._encode(".") + self._filler(rng, gap - 4, key)
            tokens += self._encode(FULL_CUE)
        else:
            tokens += self._encode(CUES[gap])
        tokens.append(int(self.languages[key]))
        return tokens

    def _batch(self, rng, batch_size: int) -> Batch:
        steps = self.max_length
        inputs = np.zeros((batch_size, steps), np.int32)
        targets = np.zeros((batch_size, steps), np.int32)
        mask = np.zeros((batch_size, steps), np.float32)
        metric_mask = np.zeros((batch_size, steps), np.float32)
        lengths = np.zeros((batch_size,), np.int32)
        # Python's generator, seeded from NumPy's, is fast for scalar draws.
        py_rng = random.Random(int(rng.integers(2**63)))
        for b in range(batch_size):
            tokens = self.example(py_rng, py_rng.randint(self.gap, self.gap_max))
            n = len(tokens) - 1
            inputs[b, :n], targets[b, :n], lengths[b] = tokens[:-1], tokens[1:], n
            metric_mask[b, n - 1] = 1.0
            if self.mode == "lm":
                mask[b, :n] = 1.0
            else:
                mask[b, n - 1] = 1.0
        return Batch(inputs, targets, mask, metric_mask, lengths)

    def encode(self, text: str) -> list[int]:
        """Words to token ids; raises ValueError naming a word not in the vocabulary."""
        unknown = [w for w in text.split() if w not in self.ids]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not in the Italy task's vocabulary of "
                             f"{self.vocab_size} words (lower case, '.' as its own word)")
        return self._encode(text)

    def decode(self, ids) -> str:
        """Token ids back to text (padding dropped)."""
        return " ".join(self.words[i] for i in ids if i != 0)
