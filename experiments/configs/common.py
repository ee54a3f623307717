"""Config groups shared by every training config (model, train, sweep).

Each task's config file (italy.py, adding.py, ...) starts its own `task` group
with `task(name)`, adds its task's fields, and hands it to `training_config`
with `model(...)` and `train(...)`, changing only the defaults its task needs.
Tasks that share those choices take them from one place: `long_memory_benchmark`
(adding, copying, temporal order, digits) and `encoder_decoder` (translation,
captioning).
"""

import ml_collections


def training_config(task, model, train):
    """One run of `experiments.train` on `task` (see `task`) with these `model` and `train`
    groups, on the default `mesh`; `with_variant` (or setting `sweep`) makes it a sweep."""
    config = ml_collections.ConfigDict()
    config.experiment = "train"  # What launch.py runs: train_and_evaluate (or its sweep).
    config.seed = 0  # Seeds parameters, dropout and the data stream.
    config.task = task
    config.model = model
    config.train = train
    config.mesh = mesh()
    config.sweep = sweep()
    return config


def long_memory_benchmark(task, variant: str, *, steps: int, lengths=(), embed_size: int = 32):
    """A config of the standard long-memory benchmarks (README; the grids of
    docs/benchmarks.md share these settings) on `task`: one LSTM layer of 64 units trained for
    `steps` steps of Adam at 3e-3 in batches of 64, as one run (variant "single") or as the
    grid rnn, lstm, gru x `lengths` (empty: the task's own) x seeds 0, 1, 2 ("sweep")."""
    model_group = model(cell="lstm", hidden_size=64, embed_size=embed_size)
    train_group = train(steps=steps, batch_size=64, learning_rate=3e-3, log_every=100,
                        eval_every=250, checkpoint_every=500)
    return with_variant(training_config(task, model_group, train_group), variant,
                        cells=("rnn", "lstm", "gru"), lengths=lengths, seeds=(0, 1, 2))


def encoder_decoder(task):
    """A config of the encoder-decoder tasks (translation, captioning; `experiments.decoding`
    decodes both) on `task`: a decoder of one LSTM layer of 128 units trained for 1500 steps,
    evaluated on 256 held-out examples decoded greedily and with beam search."""
    task.eval_size = 256  # Held-out examples (source sentences, images).
    task.beam_size = 4  # Beam search width at evaluation (1: greedy only).
    model_group = model(cell="lstm", hidden_size=128, embed_size=32)
    train_group = train(steps=1500, batch_size=64, learning_rate=3e-3, log_every=100,
                        eval_every=500, checkpoint_every=500)
    return training_config(task, model_group, train_group)


def task(name: str):
    """A `task` group holding only the task's name; its config file adds the rest."""
    config = ml_collections.ConfigDict()
    config.name = name  # A task from experiments.tasks.TASKS.
    return config


def model(cell: str = "lstm", hidden_size: int = 64, embed_size: int = 32):
    config = ml_collections.ConfigDict()
    # Any cell in rec.cell_names() (rnn, lstm, gru, ...), optionally with hyper-parameters:
    # "lstm:chrono_t_max=64", "rnn:activation=relu,recurrent_init=identity".
    config.cell = cell
    config.hidden_size = hidden_size  # H, units per recurrent layer.
    config.num_layers = 1  # Recurrent layers stacked (rec.Stack when > 1).
    config.embed_size = embed_size  # E, token embedding size (tasks with token inputs).
    config.dropout = 0.0  # Dropout between stacked layers (training only).
    config.residual = False  # Residual connections between stacked layers.
    return config


def train(steps: int = 600, batch_size: int = 64, learning_rate: float = 3e-3,
          log_every: int = 50, eval_every: int = 200, checkpoint_every: int = 200):
    config = ml_collections.ConfigDict()
    config.steps = steps  # Optimisation steps.
    config.batch_size = batch_size  # Examples per step.
    config.optimizer = "adam"  # adam, adamw, sgd or rmsprop.
    config.learning_rate = learning_rate  # Peak learning rate.
    config.schedule = "constant"  # constant, cosine or linear (decay to 0 at the end).
    config.warmup_steps = 0  # Linear warm-up from 0 to the peak.
    config.momentum = 0.9  # For sgd and rmsprop.
    config.weight_decay = 0.0  # For adamw.
    config.grad_clip_norm = 1.0  # Global-norm gradient clipping; 0 disables it.
    config.log_every = log_every  # Steps between training-metric logs.
    config.eval_every = eval_every  # Steps between evaluations (and at the end).
    config.checkpoint_every = checkpoint_every  # Steps between checkpoints (and at the end).
    config.keep_checkpoints = 3  # Checkpoints kept on disk.
    return config


def mesh():
    """Devices of a run (see experiments/sharding.py): data parallel over all by default."""
    config = ml_collections.ConfigDict()
    config.data = 0  # Devices the batch is split over; 0: all that `model` leaves.
    config.model = 1  # Devices each parameter's last axis is split over (wide models).
    return config


def sweep(cells=(), lengths=(), learning_rates=(), seeds=()):
    """A grid of runs: every combination of the non-empty axes (empty = the config's value).

    On the command line, give an axis as a Python tuple:
    `--config.sweep.cells='("rnn","lstm")' --config.sweep.seeds='(0,1,2)'`.
    """
    config = ml_collections.ConfigDict()
    config.cells = tuple(cells)  # Values of model.cell.
    config.lengths = tuple(lengths)  # Values of task.length.
    config.learning_rates = tuple(learning_rates)  # Values of train.learning_rate.
    config.seeds = tuple(seeds)  # Values of seed.
    return config


def with_variant(config, variant: str, **grid):
    """`config` as one run (variant "single") or as the sweep `grid` (variant "sweep")."""
    if variant not in ("single", "sweep"):
        raise ValueError(f"variant must be 'single' or 'sweep', got {variant!r}")
    config.sweep = sweep(**grid) if variant == "sweep" else sweep()
    return config
