"""Character-level language modelling on the Python standard library's own source.

Every Python installation ships its standard library as `.py` files, so this
is real text that needs no download. The corpus is a fixed list of modules
(`STDLIB_MODULES`, about 1 MB), read from the running interpreter's
installation and concatenated in that order; the last `HELD_OUT` fraction is
the held-out split. The text differs a little between Python versions, so
numbers are comparable only at the same version (`corpus` records which
files and how many bytes were read).

Tokens are bytes (vocabulary 256; the files are UTF-8, almost all ASCII), so
the loss per token is per character. A training batch is `batch_size`
windows of `length + 1` bytes at random offsets of the training split (input:
the first `length`, target: the last `length`); the evaluation set is
`eval_size` windows evenly spaced over the held-out split. Headline metric:
`eval_bits_per_token`, bits per character. The baseline is the cross-entropy,
in bits, of the training split's byte frequencies on the held-out split (the
best model that ignores context).
"""

from __future__ import annotations

import os
import sysconfig

import numpy as np

from experiments import validation
from experiments.tasks.base import TRAIN_STREAM, Batch, Task, full_lengths

STDLIB_MODULES = (
    "abc.py", "argparse.py", "bisect.py", "calendar.py", "contextlib.py", "copy.py",
    "dataclasses.py", "difflib.py", "enum.py", "fnmatch.py", "fractions.py", "functools.py",
    "glob.py", "heapq.py", "inspect.py", "operator.py", "queue.py", "random.py", "shutil.py",
    "statistics.py", "string.py", "tempfile.py", "textwrap.py", "threading.py", "typing.py",
    "weakref.py", "json/decoder.py", "json/encoder.py",
)
HELD_OUT = 0.1
VOCAB = 256


def stdlib_corpus(modules=STDLIB_MODULES) -> tuple[bytes, list[str]]:
    """The listed standard-library sources, concatenated; and the paths read."""
    root = sysconfig.get_paths()["stdlib"]
    paths = [os.path.join(root, m) for m in modules if os.path.isfile(os.path.join(root, m))]
    if not paths:
        raise ValueError(f"found none of the standard-library sources under {root!r}")
    chunks = []
    for path in paths:
        with open(path, "rb") as f:
            chunks.append(f.read())
    return b"\n".join(chunks), paths


class TextTask(Task):
    """Next-byte prediction on standard-library source (see the module docstring).

    Args:
      length: T, characters per training window.
      eval_size: windows in the held-out evaluation set.
    """

    vocab_size = output_size = VOCAB
    metric = "eval_bits_per_token"
    higher_is_better = False
    language_model = True
    token_separator = ""  # Bytes: decoded text joins characters.

    def __init__(self, length: int = 128, eval_size: int = 256):
        self.length = self.max_length = validation.integer("task.length", length)
        self.eval_size = validation.integer("task.eval_size", eval_size)
        corpus, paths = stdlib_corpus()
        data = np.frombuffer(corpus, np.uint8).astype(np.int32)
        split = int(len(data) * (1 - HELD_OUT))
        self.train_data, self.eval_data = data[:split], data[split:]
        if len(self.eval_data) < self.length + 1:
            raise ValueError(f"task.length {length} is longer than the held-out text "
                             f"({len(self.eval_data) - 1} characters)")
        self.corpus = {"bytes": len(data), "files": [os.path.basename(p) for p in paths]}
        counts = np.bincount(self.train_data, minlength=VOCAB) + 1.0  # Add-one smoothing.
        log2_p = np.log2(counts / counts.sum())
        self.chance = float(-np.mean(log2_p[self.eval_data]))

    @classmethod
    def from_config(cls, task_config):
        return cls(length=task_config.length, eval_size=task_config.get("eval_size", 256))

    def _windows(self, data: np.ndarray, starts: np.ndarray) -> Batch:
        windows = data[starts[:, None] + np.arange(self.length + 1)[None, :]]
        ones = np.ones((len(starts), self.length), np.float32)
        return Batch(windows[:, :-1], windows[:, 1:], ones, ones.copy(),
                     full_lengths(len(starts), self.length))

    def batch(self, seed: int, step: int, batch_size: int) -> Batch:
        rng = self.rng(seed, TRAIN_STREAM, step)
        return self._windows(self.train_data,
                             rng.integers(0, len(self.train_data) - self.length, batch_size))

    def eval_batch(self, seed: int) -> Batch:
        """Evenly spaced windows of the held-out split (the same for every seed)."""
        last = len(self.eval_data) - self.length - 1
        return self._windows(self.eval_data, np.linspace(0, last, self.eval_size).astype(int))

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def decode(self, ids) -> str:
        return bytes(int(i) for i in ids).decode("utf-8", errors="replace")
