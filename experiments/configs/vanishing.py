"""The vanishing-gradient study: how long each cell takes to learn each gap, and why.

    python launch.py --config=experiments/configs/vanishing.py --workdir=runs/vanishing
    python launch.py --config=experiments/configs/vanishing.py:small   # what `make run` runs
    python launch.py --config=experiments/configs/vanishing.py:ablation \
        --config.task.distractors=False --workdir=runs/ablation/no_distractors

For every cell and gap it trains `study.seeds` seeds in parallel (one compiled
program, `jax.vmap` over seeds) on the Italy task until every seed solves the gap
(held-out answer accuracy >= `analysis.solved_accuracy`) or `train.steps`, the
budget, runs out. It records each seed's steps to solve and measures the gradient
of the answer's loss with respect to the carry at every step, Jacobian-product
norms, recurrent spectra and gate timescales at step 0, at log-spaced steps and
at each seed's solve step. Then it writes arrays, plots and `report.md`.
"""

import ml_collections

from experiments.configs import italy


def get_config(variant: str = "full"):
    """`variant`: "full" (the headline study), "small" (a few minutes on a laptop CPU) or
    "ablation" (why the LSTM is slow: one gap, run once per setting of the flags it adds)."""
    if variant not in ("full", "small", "ablation"):
        raise ValueError(f"variant must be 'full', 'small' or 'ablation', got {variant!r}")
    config = italy.get_config()
    config.experiment = "vanishing"  # What launch.py runs: experiments.vanishing.run_study.
    config.task.mode = "classify"  # The loss on the answer only; task.gap is set per point.
    config.task.eval_size = 256
    config.model.hidden_size = 64
    config.train.steps = 10_000  # The budget: a seed unsolved by then is censored.
    config.train.batch_size = 32
    config.train.learning_rate = 3e-3

    config.study = ml_collections.ConfigDict()
    # Cell specs compared (see config.model.cell): every cell of the library, plus the IRNN
    # (Le et al. 2015: ReLU, identity recurrence) and two LSTMs whose forget gates start with
    # long timescales: a larger constant forget bias (timescale 1 + e^3 ~ 21 steps) and chrono
    # initialisation (Tallec & Ollivier 2018: timescales drawn up to t_max). IndRNN's t_max
    # bounds its recurrent weights by 2 ** (1 / t_max).
    config.study.cells = ("rnn", "rnn:activation=relu,recurrent_init=identity", "lstm",
                          "lstm:forget_bias=3.0", "lstm:chrono_t_max=128", "gru",
                          "indrnn:t_max=128", "mingru", "minlstm", "lru")
    config.study.gaps = (4, 8, 16, 32, 64, 128)  # Key-to-answer distances, a geometric range.
    config.study.seeds = 3  # Seeds config.seed, config.seed + 1, ... trained in parallel.
    config.study.eval_every = 100  # Steps between held-out evaluations (solve checks).
    config.study.steps_per_call = 25  # Training steps per compiled call (a lax.scan).
    config.study.checkpoint_every = 500  # Steps between checkpoints inside a point.
    # Pad every gap to the longest so each cell compiles once (not once per gap). It pays
    # when compiling costs more than the padded steps: short budgets and short gaps.
    config.study.pad_gaps = False
    # Points trained at once, each in a process of its own (it may differ when a study
    # resumes). XLA:CPU runs a small program's loop on one core, so two keep two cores busy:
    # two LSTM and RNN points of 400 steps took 60 s side by side, 104 s one after the other.
    config.study.workers = 2
    # A worker that sends no heartbeat (one after every compiled call) for this long is
    # killed and its point resumed from its checkpoint; 0 never kills. Twice a worker hung
    # for good here, every XLA thread asleep; a compiled call takes seconds.
    config.study.stall_seconds = 600

    config.analysis = ml_collections.ConfigDict()
    # Log-spaced measured steps up to the budget (multiples of study.steps_per_call), plus
    # step 0, the step a point stops at, and each seed's solve step.
    config.analysis.measurements = 12
    config.analysis.examples = 64  # Held-out examples whose gradient norms are averaged.
    config.analysis.jacobian_examples = 4  # Of those, examples for Jacobian-product norms.
    config.analysis.power_iterations = 10  # Block power iterations for spectral norms.
    # Leading Lyapunov exponents of each cell driven by the held-out inputs, measured at
    # every measured step on the Jacobian examples (0: not measured; at most the carry size).
    config.analysis.lyapunov_exponents = 8
    # Random probes of ||ds_T / d theta_unit|| per unit (the curse of memory; 0: not measured).
    config.analysis.sensitivity_probes = 8
    config.analysis.horizon_threshold = 1e-2  # Gradient horizon: ratio to the answer's gradient.
    config.analysis.solved_accuracy = 0.9  # A seed has solved a gap at this eval accuracy.

    if variant == "small":
        config.study.cells = ("rnn", "lstm", "gru", "lstm:chrono_t_max=32")
        config.study.gaps = (4, 8, 16, 32)
        config.train.steps = 3000
        config.study.pad_gaps = True
        # The Jacobian-product norms cost most of a measurement (power iteration: O(T^2)
        # JVPs per round); two examples and five rounds quarter that for the quick study.
        # Against 40 rounds, 10 rounds' spectral norms were within 1.4-2.6% (largest over
        # steps, LSTM, RNN, GRU, chrono LSTM at gap 32, init), 5 rounds' within 3.7-6.4%.
        config.analysis.jacobian_examples = 2
        config.analysis.power_iterations = 5
        # Its compiled calls take seconds: a hung worker (it happened in a make run at
        # c66dce4, before the workers dispatched synchronously) costs 2 minutes, not 10.
        config.study.stall_seconds = 120
    if variant == "ablation":
        # Gap 32, where the LSTM at its default forget bias (1) left its plateau within no
        # budget tried while the GRU solved it: the forget gate's initial timescale varies
        # across cells (as in the full study); the distractor (task.distractors=False: the
        # filler names no country) and train.learning_rate vary across runs, one workdir
        # each. With the defaults the points equal the full study's at gap 32.
        config.study.cells = ("lstm", "lstm:forget_bias=3.0", "lstm:chrono_t_max=128", "gru")
        config.study.gaps = (32,)
        config.task.distractors = True
    return config
