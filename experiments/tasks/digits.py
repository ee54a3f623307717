"""Sequential and permuted digits: images read one pixel per step.

By default the images are scikit-learn's bundled handwritten digits (1797
images of 8x8 pixels, shipped inside the package, so nothing is downloaded):
64 steps of one grey value in [0, 1], and the class (0-9) is predicted after
the last pixel (many-to-one, chance 1/10). The split is fixed: 360 images,
chosen by a permutation with a fixed seed, are held out for evaluation; the
other 1437 are for training, sampled with replacement by the run's seed.

`permute=True` reads the pixels in a fixed random order (the same for every
run and seed), the "permuted" variant that scatters neighbouring pixels far
apart in time.

MNIST is not bundled with any package this project installs. To run on it,
save it as an `.npz` with arrays `x_train [N, 28, 28]`, `y_train [N]`,
`x_test`, `y_test` (the layout of the widely mirrored `mnist.npz`) and set
`task.path` to that file: the task then reads 784 steps per image, pixel
values scaled by 1/255, and evaluates on the whole test split.
"""

from __future__ import annotations

import os

import numpy as np

from experiments.tasks.base import TRAIN_STREAM, Batch, Task, full_lengths

EVAL_IMAGES = 360  # Held out from the 1797 bundled digits.
SPLIT_SEED = 0  # Fixes the bundled digits' split.
PERMUTATION_SEED = 1  # Fixes the pixel order of the permuted variant.
NUM_CLASSES = 10


def bundled_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits as `(x_train, y_train, x_test, y_test)`, x in [0, 1]."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ValueError("the digits task reads scikit-learn's bundled digits; install it with "
                         "pip install -e '.[digits]' (or set task.path to an MNIST .npz)"
                         ) from None
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    test, train = order[:EVAL_IMAGES], order[EVAL_IMAGES:]
    labels = digits.target.astype(np.int32)
    return images[train], labels[train], images[test], labels[test]


def npz_digits(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An MNIST-style `.npz` (x_train, y_train, x_test, y_test), x scaled to [0, 1]."""
    if not os.path.isfile(path):
        raise ValueError(f"task.path {path!r} is not a file; expected an .npz with "
                         "x_train, y_train, x_test, y_test")
    with np.load(path) as data:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(data.files)
        if missing:
            raise ValueError(f"task.path {path!r} lacks {', '.join(sorted(missing))}; "
                             "expected x_train, y_train, x_test, y_test")
        arrays = [data[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    scale = 255.0 if arrays[0].dtype == np.uint8 else 1.0
    return (arrays[0].astype(np.float32) / scale, arrays[1].astype(np.int32),
            arrays[2].astype(np.float32) / scale, arrays[3].astype(np.int32))


class DigitsTask(Task):
    """Pixel-by-pixel digit classification (see the module docstring).

    Args:
      permute: read the pixels in a fixed random order.
      path: an MNIST-style `.npz` to read instead of the bundled 8x8 digits.
    """

    inputs, input_size = "features", 1
    output_size = NUM_CLASSES
    chance = 1.0 / NUM_CLASSES

    def __init__(self, permute: bool = False, path: str | None = None):
        if not isinstance(permute, bool):
            raise ValueError(f"task.permute must be True or False, got {permute!r}")
        x_train, self.y_train, x_test, self.y_test = (
            bundled_digits() if path is None else npz_digits(path))
        self.length = self.max_length = int(np.prod(x_train.shape[1:]))
        self.x_train = x_train.reshape(len(x_train), self.length)
        self.x_test = x_test.reshape(len(x_test), self.length)
        self.permute = permute
        if permute:
            order = np.random.default_rng(PERMUTATION_SEED).permutation(self.length)
            self.x_train, self.x_test = self.x_train[:, order], self.x_test[:, order]

    @classmethod
    def from_config(cls, task_config):
        return cls(permute=task_config.get("permute", False), path=task_config.get("path"))

    def _batch(self, images: np.ndarray, labels: np.ndarray) -> Batch:
        size, steps = images.shape
        targets = np.zeros((size, steps), np.int32)
        targets[:, -1] = labels
        mask = np.zeros((size, steps), np.float32)
        mask[:, -1] = 1.0
        return Batch(images[:, :, None], targets, mask, mask.copy(), full_lengths(size, steps))

    def batch(self, seed: int, step: int, batch_size: int) -> Batch:
        index = self.rng(seed, TRAIN_STREAM, step).integers(0, len(self.x_train), batch_size)
        return self._batch(self.x_train[index], self.y_train[index])

    def eval_batch(self, seed: int) -> Batch:
        """The whole held-out split (the same for every seed)."""
        return self._batch(self.x_test, self.y_test)
