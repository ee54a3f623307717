"""Sketch-RNN-style drawing: pen strokes in the stroke-5 format of Ha & Eck (2018).

A drawing is a sequence of points, each `(dx, dy, p1, p2, p3)`: the pen's
offset from the previous point, then a one-hot pen state for what follows
the point: p1 the pen stays down (a line is drawn to the next point), p2 the
pen lifts (the next point starts a new stroke), p3 the drawing has ended
(every later point is `(0, 0, 0, 0, 1)`).

The drawings are generated: `CLASSES` (circle, square, triangle, spiral,
plus: two strokes, so the pen lifts), each at a random size, aspect,
rotation and start point, its outline jittered, as stroke-5 sequences of at
most `max_length` points. Offsets are divided by a fixed `SCALE` so they
are of order 1. `path` instead reads a Quick, Draw! `.npz` (as distributed for
Sketch-RNN: arrays `train`, `valid`, `test` of stroke-3 drawings `[n, 3]` with
columns dx, dy, pen lifted) from disk; drawings longer than `max_length` are
dropped and offsets are divided by the training split's offset standard
deviation, as in the paper.

Model input at step t is point t - 1 (a start point `(0, 0, 1, 0, 0)` at
t = 0), the target is point t: `inputs`, `targets` `[B, T, 5]` floats; `mask`
is 1 on the points of the drawing (the offsets' loss), `metric_mask` 1
everywhere (the pen's loss, through the end, as in the paper). Objective
"mdn": a mixture of bivariate Gaussians over (dx, dy) and a categorical pen
state; headline metric `eval_loss` (offset negative log-likelihood plus pen
cross-entropy, per step). The baseline is the same loss for the best
context-free model: one Gaussian fitted to all offsets and the pens'
frequencies.
"""

from __future__ import annotations

import math
import os

import numpy as np

from experiments import validation
from experiments.tasks.base import EVAL_STREAM, Batch, GeneratedTask

CLASSES = ("circle", "square", "triangle", "spiral", "plus")
SCALE = 0.1  # Generated coordinates are in [-1, 1]; offsets are divided by this.
START = np.array([0.0, 0.0, 1.0, 0.0, 0.0], np.float32)
END = np.array([0.0, 0.0, 0.0, 0.0, 1.0], np.float32)


def _outline(kind: str, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of one drawing, as absolute points in about [-1, 1]^2."""
    if kind == "circle":
        t = np.linspace(0, 2 * np.pi, int(rng.integers(16, 28)))
        strokes = [np.stack([np.cos(t), np.sin(t)], 1)]
    elif kind in ("square", "triangle"):
        corners = 4 if kind == "square" else 3
        angles = np.pi / 2 + 2 * np.pi * np.arange(corners + 1) / corners
        vertices = np.stack([np.cos(angles), np.sin(angles)], 1)
        steps = np.linspace(0, 1, int(rng.integers(3, 6)), endpoint=False)[:, None]
        sides = [a + (b - a) * steps for a, b in zip(vertices[:-1], vertices[1:], strict=True)]
        strokes = [np.concatenate([*sides, vertices[-1:]])]
    elif kind == "spiral":
        t = np.linspace(0, 2 * np.pi * rng.uniform(1.5, 2.5), int(rng.integers(24, 40)))
        radius = t / t[-1]
        strokes = [np.stack([radius * np.cos(t), radius * np.sin(t)], 1)]
    else:  # plus: a horizontal and a vertical bar.
        n = int(rng.integers(4, 8))
        line = np.linspace(-1, 1, n)
        strokes = [np.stack([line, np.zeros(n)], 1), np.stack([np.zeros(n), line], 1)]
    angle = rng.uniform(-0.4, 0.4)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    size = rng.uniform(0.5, 0.9) * np.array([1.0, rng.uniform(0.7, 1.3)])
    centre = rng.uniform(-0.1, 0.1, 2)
    return [(s * size) @ rotation.T + centre + rng.normal(0, 0.015, s.shape) for s in strokes]


def to_stroke5(strokes: list[np.ndarray], scale: float) -> np.ndarray:
    """Absolute-coordinate strokes -> stroke-5 points `[n, 5]` (offsets / `scale`)."""
    points = np.concatenate(strokes)
    offsets = np.diff(points, axis=0, prepend=points[:1]) / scale  # Starts where the pen is.
    pens = np.zeros((len(points), 3), np.float32)
    pens[:, 0] = 1.0
    ends = np.cumsum([len(s) for s in strokes]) - 1
    pens[ends] = [0.0, 1.0, 0.0]  # The pen lifts after each stroke's last point ...
    pens[-1] = [0.0, 0.0, 1.0]  # ... and the drawing ends after its last point.
    return np.concatenate([offsets, pens], 1).astype(np.float32)


def stroke3_to_stroke5(drawing: np.ndarray, scale: float) -> np.ndarray:
    """A Quick, Draw! stroke-3 drawing (dx, dy, pen lifted) -> stroke-5 points."""
    drawing = np.asarray(drawing, np.float32)
    pens = np.zeros((len(drawing), 3), np.float32)
    pens[:, 0] = 1.0 - drawing[:, 2]
    pens[:, 1] = drawing[:, 2]
    pens[-1] = [0.0, 0.0, 1.0]
    return np.concatenate([drawing[:, :2] / scale, pens], 1)


def to_absolute(points: np.ndarray, scale: float = SCALE) -> list[np.ndarray]:
    """Stroke-5 points -> the drawn strokes as absolute coordinates (for plotting)."""
    strokes, current, position = [], [np.zeros(2)], np.zeros(2)
    for dx, dy, _pen_down, pen_up, end in points:
        position = position + np.array([dx, dy]) * scale
        current.append(position)
        if end > 0.5:
            break
        if pen_up > 0.5:
            strokes.append(np.array(current))
            current = []
    if len(current) > 1:
        strokes.append(np.array(current))
    return strokes


class SketchTask(GeneratedTask):
    """Generated (or Quick, Draw!) drawings for an autoregressive stroke model.

    Args:
      max_length: T, points per sequence (drawings are padded with end points).
      eval_size: held-out drawings.
      path: a Quick, Draw! `.npz` to read instead of generating drawings.
    """

    inputs, input_size = "features", 5
    objective = "mdn"
    metric = "eval_loss"
    higher_is_better = False

    def __init__(self, max_length: int = 64, eval_size: int = 256, mixtures: int = 8,
                 path: str | None = None):
        self.max_length = validation.integer("task.max_length", max_length, minimum=8)
        self.eval_size = validation.integer("task.eval_size", eval_size)
        self.mixtures = validation.integer("task.mixtures", mixtures)
        self.output_size = 6 * self.mixtures + 3
        self.scale, self.data = SCALE, None
        if path is not None:
            self.data = self._load(path)
        sample = self._batch(np.random.default_rng(12345), 512)
        self.chance = self._context_free_loss(sample)

    @classmethod
    def from_config(cls, task_config):
        return cls(max_length=task_config.get("max_length", 64),
                   eval_size=task_config.get("eval_size", 256),
                   mixtures=task_config.get("mixtures", 8), path=task_config.get("path"))

    def _load(self, path: str) -> dict[str, list[np.ndarray]]:
        if not os.path.isfile(path):
            raise ValueError(f"task.path {path!r} is not a file; expected a Quick, Draw! .npz "
                             "with arrays train, valid, test")
        with np.load(path, allow_pickle=True, encoding="latin1") as data:
            if not {"train", "test"} <= set(data.files):
                raise ValueError(f"task.path {path!r} lacks train or test; expected a Quick, "
                                 "Draw! .npz with arrays train, valid, test")
            splits = {k: [d for d in data[k] if len(d) < self.max_length]
                      for k in ("train", "test")}
        if not splits["train"] or not splits["test"]:
            raise ValueError(f"task.path {path!r} has no drawing shorter than "
                             f"task.max_length = {self.max_length}")
        self.scale = float(np.std(np.concatenate([d[:, :2] for d in splits["train"]]))) or 1.0
        return {k: [stroke3_to_stroke5(d, self.scale) for d in v] for k, v in splits.items()}

    def drawing(self, rng: np.random.Generator, split: str = "train") -> np.ndarray:
        """One drawing's stroke-5 points, at most `max_length - 1` of them."""
        if self.data is not None:
            drawings = self.data[split]
            return drawings[int(rng.integers(len(drawings)))]
        while True:
            points = to_stroke5(_outline(CLASSES[int(rng.integers(len(CLASSES)))], rng),
                                self.scale)
            if len(points) < self.max_length:
                return points

    def _batch(self, rng: np.random.Generator, batch_size: int, split: str = "train") -> Batch:
        T = self.max_length
        targets = np.tile(END, (batch_size, T, 1))
        mask = np.zeros((batch_size, T), np.float32)
        for b in range(batch_size):
            points = self.drawing(rng, split)
            targets[b, :len(points)] = points
            mask[b, :len(points)] = 1.0
        inputs = np.concatenate([np.tile(START, (batch_size, 1, 1)), targets[:, :-1]], 1)
        return Batch(inputs, targets, mask, np.ones_like(mask), np.full(batch_size, T, np.int32))

    def eval_batch(self, seed: int) -> Batch:
        return self._batch(self.rng(seed, EVAL_STREAM, 0), self.eval_size, "test")

    @staticmethod
    def _context_free_loss(batch: Batch) -> float:
        """The mdn loss of one Gaussian over all offsets and the pens' frequencies."""
        offsets = batch.targets[..., :2][batch.mask > 0]
        mean, cov = offsets.mean(0), np.cov(offsets.T)
        centred = offsets - mean
        nll = 0.5 * np.einsum("ni,ij,nj->n", centred, np.linalg.inv(cov), centred)
        nll += np.log(2 * math.pi) + 0.5 * np.log(np.linalg.det(cov))
        pens = batch.targets[..., 2:].reshape(-1, 3)
        frequency = pens.mean(0)
        pen_loss = -np.mean(np.log(frequency[np.argmax(pens, 1)]))
        return float(nll.sum() / batch.mask.size + pen_loss)
