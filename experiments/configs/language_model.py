"""Language modelling (synced many-to-many): next-token prediction at every step.

    python launch.py --config=experiments/configs/language_model.py --workdir=runs/lm-stdlib
    python launch.py --config=experiments/configs/language_model.py:italy --workdir=runs/lm-italy
    python -m experiments.generate --workdir=runs/lm-italy --prompt="i grew up in"

`stdlib` (the default): characters of the Python standard library's own
source (read from this interpreter's installation); headline metric
`eval_bits_per_token`, bits per character on the held-out 10%. `italy`: the
words of the Italy task (`task.mode = "lm"`), the answer accuracy read too.
Both log `eval_loss` (cross-entropy per token) and `eval_perplexity`.
"""

from experiments.configs import common


def get_config(variant: str = "stdlib"):
    """`variant`: "stdlib" (characters of Python's source) or "italy" (Italy-task words)."""
    if variant == "stdlib":
        task = common.task("stdlib_text")
        task.length = 128  # T, characters per training window.
        task.eval_size = 256  # Held-out windows evaluated.
        batch_size = 32
    elif variant == "italy":
        task = common.task("italy")
        task.mode = "lm"  # Loss on every position.
        task.gap = 4  # Gaps drawn uniformly from [gap, gap_max].
        task.gap_max = 16
        task.eval_size = 512
        batch_size = 64
    else:
        raise ValueError(f"variant must be 'stdlib' or 'italy', got {variant!r}")
    model = common.model(cell="lstm", hidden_size=128, embed_size=32)
    train = common.train(steps=1500, batch_size=batch_size, learning_rate=3e-3, log_every=100,
                         eval_every=500, checkpoint_every=500)
    return common.training_config(task, model, train)
