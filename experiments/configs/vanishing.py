"""The vanishing-gradient study: how the error signal decays over time, per cell.

    python launch.py --config=experiments/configs/vanishing.py --workdir=runs/vanishing
    python launch.py --config=experiments/configs/vanishing.py:small   # what `make run` runs

For every cell and gap it trains `study.seeds` seeds in parallel (one compiled
program, `jax.vmap` over seeds) on the Italy task, measuring the gradient of
the answer's loss with respect to the carry at every step, Jacobian-product
norms, recurrent spectra and gate timescales at `analysis.measurements`
points of training. Then it writes arrays, plots and `report.md`.
"""

import ml_collections

from experiments.configs import italy


def get_config(variant: str = "full"):
    """`variant`: "full" (the headline study) or "small" (a few minutes on a laptop CPU)."""
    if variant not in ("full", "small"):
        raise ValueError(f"variant must be 'full' or 'small', got {variant!r}")
    config = italy.get_config()
    config.experiment = "vanishing"  # What launch.py runs: experiments.vanishing.run_study.
    config.task.mode = "classify"  # The loss on the answer only; task.gap is set per point.
    config.task.eval_size = 256
    config.model.hidden_size = 64
    config.train.steps = 3000
    config.train.batch_size = 32
    config.train.learning_rate = 3e-3

    config.study = ml_collections.ConfigDict()
    # Cell specs compared (see config.model.cell): every cell of the library. The
    # chrono-initialised LSTM (Tallec & Ollivier 2018) starts with forget-gate timescales up
    # to t_max; IndRNN's t_max bounds its recurrent weights by 2 ** (1 / t_max).
    config.study.cells = ("rnn", "lstm", "gru", "lstm:chrono_t_max=160", "indrnn:t_max=160",
                          "mingru", "minlstm", "lru")
    config.study.gaps = (5, 10, 20, 40, 80, 160)  # Key-to-answer distances, a geometric range.
    config.study.seeds = 3  # Seeds config.seed, config.seed + 1, ... trained in parallel.

    config.analysis = ml_collections.ConfigDict()
    config.analysis.measurements = 6  # Points of training measured, from step 0 to the end.
    config.analysis.examples = 64  # Held-out examples whose gradient norms are averaged.
    config.analysis.jacobian_examples = 4  # Of those, examples for Jacobian-product norms.
    config.analysis.power_iterations = 10  # Block power iterations for spectral norms.
    config.analysis.horizon_threshold = 1e-2  # Gradient horizon: ratio to the answer's gradient.
    config.analysis.solved_accuracy = 0.9  # A gap counts as solved at this eval accuracy.

    if variant == "small":
        config.study.cells = ("rnn", "lstm", "lstm:chrono_t_max=32")
        config.study.gaps = (4, 8, 16, 32)
        config.train.steps = 1000
        config.analysis.measurements = 5
    return config
