"""The temporal order problem (Hochreiter & Schmidhuber 1997, experiment 6a).

    python launch.py --config=experiments/configs/temporal_order.py --workdir=runs/order
    python launch.py --config=experiments/configs/temporal_order.py:sweep --workdir=runs/order-sweep

Headline metric `eval_answer_accuracy` over 4 classes (chance 0.25). At
T = 100 the sequences are exactly those of the paper (lengths 100-110).
"""

from experiments.configs import common


def get_config(variant: str = "single"):
    """`variant`: "single" (one run) or "sweep" (rnn, lstm, gru x T = 100, 200 x 3 seeds)."""
    task = common.task("temporal_order")
    task.length = 100  # T: the shortest sequence; lengths are uniform in [T, 1.1 T].
    task.eval_size = 1000  # Sequences in the fixed held-out evaluation set.
    return common.long_memory_benchmark(task, variant, steps=1500, lengths=(100, 200),
                                        embed_size=16)
