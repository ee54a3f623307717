"""Sequential and permuted digits: scikit-learn's bundled 8x8 digits, one pixel per step.

    python launch.py --config=experiments/configs/digits.py --workdir=runs/digits
    python launch.py --config=experiments/configs/digits.py:permuted --workdir=runs/pdigits
    python launch.py --config=experiments/configs/digits.py:sweep --workdir=runs/digits-sweep
    python launch.py --config=experiments/configs/digits.py --config.task.path=mnist.npz

Needs scikit-learn (`pip install -e '.[digits]'`). Headline metric
`eval_answer_accuracy` on 360 held-out images (chance 0.1). `task.path`
points the task at an MNIST-style .npz instead (784 steps; see
experiments/tasks/digits.py); MNIST itself is not bundled.
"""

from ml_collections import config_dict

from experiments.configs import common


def get_config(variant: str = "sequential"):
    """`variant`: "sequential", "permuted", "sweep" or "permuted_sweep"
    (the sweeps: rnn, lstm, gru x 3 seeds)."""
    if variant not in ("sequential", "permuted", "sweep", "permuted_sweep"):
        raise ValueError("variant must be 'sequential', 'permuted', 'sweep' or "
                         f"'permuted_sweep', got {variant!r}")
    task = common.task("digits")
    task.permute = variant.startswith("permuted")  # A fixed random pixel order.
    task.path = config_dict.placeholder(str)  # An MNIST-style .npz instead of 8x8 digits.
    return common.long_memory_benchmark(task, "sweep" if variant.endswith("sweep") else "single",
                                        steps=1500)
