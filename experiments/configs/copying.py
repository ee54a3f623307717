"""The copy memory task (Arjovsky et al. 2016): recall 10 symbols after T + 10 steps.

    python launch.py --config=experiments/configs/copying.py --workdir=runs/copying
    python launch.py --config=experiments/configs/copying.py --config.task.length=200 \
        --config.model.cell=gru --workdir=runs/copying-gru-200
    python launch.py --config=experiments/configs/copying.py:sweep --workdir=runs/copying-sweep

Headline metric `eval_loss`, the cross-entropy over all T + 20 steps; the
memoryless baseline is 10 log(8) / (T + 20) (0.173 at T = 100).
"""

from experiments.configs import common


def get_config(variant: str = "single"):
    """`variant`: "single" (one run) or "sweep" (rnn, lstm, gru x T = 100, 200 x 3 seeds)."""
    task = common.task("copying")
    task.length = 100  # T: steps between the last symbol and the delimiter's end.
    task.eval_size = 1000  # Sequences in the fixed held-out evaluation set.
    return common.long_memory_benchmark(task, variant, steps=2000, lengths=(100, 200),
                                        embed_size=16)
