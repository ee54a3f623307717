"""Image captioning on procedurally drawn scenes (the blog post's image -> sentence mode).

Each image (`image_size` x `image_size` RGB, dark background) holds one or two
objects: a shape (circle, square, triangle) of a colour (red, green, blue,
yellow, white) and a size (small, large). Its caption names them, and for two
objects their relation, which the layout makes unambiguous: one object is in
the left (or upper) part of the image and the other in the right (or lower)
part. So that each image has exactly one right caption, the left (upper)
object is always named first: the relations are `left of` and `above`::

    a small red circle
    a large blue triangle left of a small yellow square
    a small white square above a large green circle

Batches: `inputs [B, S, S, 3]` float images in [0, 1]; `targets [B, U]` the
caption's word ids ending in EOS (right-padded); `mask` = `metric_mask` on
the valid caption steps; `lengths` the caption lengths with EOS. Word ids: 0
PAD, 1 BOS, 2 EOS, then the words. Headline metric: `eval_bleu`, corpus BLEU
(sacrebleu) of greedy captions of the held-out images; `eval_exact_match`;
`beam_` variants from beam search. The images are generated, so nothing is
downloaded; for a real data set (e.g. COCO) a loader would return the same
batch layout.
"""

from __future__ import annotations

import random

import numpy as np

from experiments import validation
from experiments.tasks.base import Batch, GeneratedTask, decode_words

PAD, BOS, EOS = 0, 1, 2
SHAPES = ("circle", "square", "triangle")
COLOURS = {"red": (0.95, 0.15, 0.1), "green": (0.1, 0.8, 0.2), "blue": (0.15, 0.3, 1.0),
           "yellow": (0.95, 0.9, 0.1), "white": (0.95, 0.95, 0.95)}
SIZES = {"small": 0.12, "large": 0.22}  # Radius as a fraction of the image side.
RELATIONS = ("left of", "above")  # The first object named is the left / upper one.
BACKGROUND = 0.1


def vocabulary() -> tuple[str, ...]:
    return ("<pad>", "<bos>", "<eos>", "a", *SIZES, *COLOURS, *SHAPES, "left", "of", "above")


def draw(image: np.ndarray, shape: str, colour: str, size: str, cx: float, cy: float) -> None:
    """Paints one object, centred at (cx, cy) in [0, 1] coordinates (y down), in place."""
    side = image.shape[0]
    y, x = (np.mgrid[0:side, 0:side] + 0.5) / side
    r = SIZES[size]
    if shape == "circle":
        inside = (x - cx) ** 2 + (y - cy) ** 2 <= r ** 2
    elif shape == "square":
        inside = (np.abs(x - cx) <= 0.85 * r) & (np.abs(y - cy) <= 0.85 * r)
    else:  # An upward triangle: apex at the top, base at the bottom.
        top, bottom = cy - r, cy + r
        inside = (y >= top) & (y <= bottom) & (np.abs(x - cx) <= (y - top) / 2 * 1.15)
    image[inside] = COLOURS[colour]


class CaptioningTask(GeneratedTask):
    """Generated scenes and their captions (see the module docstring).

    Args:
      image_size: S, pixels per side (>= 16).
      max_objects: 1 or 2 objects per image (two: half of the images).
      eval_size: held-out images.
      beam_size: beam width of the evaluation's beam search (1: greedy only).
    """

    metric = "eval_bleu"
    chance = 0.0
    inputs, encoder_decoder = "images", True
    bos_id, eos_id = BOS, EOS

    def __init__(self, image_size: int = 32, max_objects: int = 2, eval_size: int = 256,
                 beam_size: int = 4):
        self.image_size = validation.integer("task.image_size", image_size, minimum=16)
        if max_objects not in (1, 2):
            raise ValueError(f"task.max_objects must be 1 or 2, got {max_objects!r}")
        self.max_objects = max_objects
        self.eval_size = validation.integer("task.eval_size", eval_size)
        self.beam_size = validation.integer("task.beam_size", beam_size)
        self.words = vocabulary()
        self.ids = {w: i for i, w in enumerate(self.words)}
        self.output_size = len(self.words)
        # The longest caption, with EOS.
        self.caption_length = self.max_length = 4 + (6 if max_objects == 2 else 0) + 1

    @classmethod
    def from_config(cls, task_config):
        return cls(image_size=task_config.get("image_size", 32),
                   max_objects=task_config.get("max_objects", 2),
                   eval_size=task_config.get("eval_size", 256),
                   beam_size=task_config.get("beam_size", 4))

    def scene(self, rng: random.Random) -> tuple[np.ndarray, str]:
        """One image and its caption."""
        image = np.full((self.image_size, self.image_size, 3), BACKGROUND, np.float32)
        objects = [(rng.choice(SHAPES), rng.choice(list(COLOURS)), rng.choice(list(SIZES)))
                   for _ in range(1 if self.max_objects == 1 or rng.random() < 0.5 else 2)]
        if len(objects) == 1:
            draw(image, *objects[0], rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7))
            return image, "a {2} {1} {0}".format(*objects[0])
        relation = rng.choice(RELATIONS)
        first, second = rng.uniform(0.25, 0.3), rng.uniform(0.7, 0.75)  # Along its axis.
        across = [rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)]
        horizontal = relation == "left of"
        for (shape, colour, size), along, other in zip(objects, (first, second), across,
                                                       strict=True):
            cx, cy = (along, other) if horizontal else (other, along)
            draw(image, shape, colour, size, cx, cy)
        a, b = objects
        return image, f"a {a[2]} {a[1]} {a[0]} {relation} a {b[2]} {b[1]} {b[0]}"

    def _batch(self, rng: np.random.Generator, batch_size: int) -> Batch:
        images = np.zeros((batch_size, self.image_size, self.image_size, 3), np.float32)
        targets = np.zeros((batch_size, self.caption_length), np.int32)
        mask = np.zeros((batch_size, self.caption_length), np.float32)
        lengths = np.zeros((batch_size,), np.int32)
        py_rng = random.Random(int(rng.integers(2**63)))
        for b in range(batch_size):
            images[b], caption = self.scene(py_rng)
            ids = [self.ids[w] for w in caption.split()] + [EOS]
            targets[b, :len(ids)], mask[b, :len(ids)], lengths[b] = ids, 1.0, len(ids)
        return Batch(images, targets, mask, mask.copy(), lengths)

    def decode(self, ids) -> str:
        """Word ids to a caption, up to the first EOS (PAD and BOS dropped)."""
        return decode_words(ids, self.words, EOS, skip=(PAD, BOS))
