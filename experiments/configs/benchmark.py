"""Benchmarks of the library's compute on this machine.

    python launch.py --config=experiments/configs/benchmark.py --workdir=runs/benchmark

Training-step and forward throughput of each cell against Flax, PyTorch (when installed:
`pip install -e '.[bench]'`) and the floor of unavoidable matrix products; the cost of
`rec.analysis.state_grads`; sequential against parallel unrolling of the cells whose
recurrence is linear in the carry; where the LSTM's fused step spends its time (a
`jax.profiler` trace, per loop and per XLA op). `:quick` is a small variant for a first look;
`:shapes` times the RNN, LSTM and GRU at every B in {8, 32, 128}, T in {64, 256, 1024} and
H in {64, 128, 256, 512} (I = 64), in turns and each framework in its own process under both
host-memory policies, resuming where a cut run stopped; `:tuning` times the fused loop's
layouts alone on the same grid (batch- and feature-major, each with its per-step products
whole and cut in two blocks), for `rec.tuning`'s table
(`python -m experiments.benchmark.tuning WORKDIR --write`). `:newton` (issue 24) times the RNN, GRU
and LSTM at H = 64, T in {256, 1024, 4096, 16384} sequentially and by Newton's method (full
and diagonal Jacobians), forward and forward + backward, and counts Newton's iterations at
initialisation and after training on the adding problem:

    python launch.py --config=experiments/configs/benchmark.py:newton \
        --workdir=runs/benchmark-newton
"""

import ml_collections


def get_config(variant: str = "full"):
    config = ml_collections.ConfigDict()
    config.experiment = "benchmark"  # What launch.py runs: experiments.benchmark.run.
    config.seed = 0  # Seeds parameters and inputs.
    config.cells = ("lstm", "gru", "rnn")  # Cells measured for throughput.
    config.shapes = ("32,256,64,256",)  # Shapes measured, "B,T,I,H" each.
    # This library's variants: fused (custom VJP, the default, in the layout rec.tuning
    # chooses), batch_major and feature_major (the fused loop in each layout, for the cells
    # that have both: RNN, LSTM, GRU; batch_major_split and feature_major_split cut its
    # per-step products into column blocks), autodiff (JAX's derivative of the scan), bfloat16
    # (matmul_dtype="bfloat16"), remat (rematerialised steps); also available: unroll2,
    # unroll4 (rec.unroll(..., unroll=2 or 4)).
    config.variants = ("fused", "batch_major", "feature_major", "autodiff", "bfloat16", "remat")
    # Other implementations: flax.linen and flax.nnx cells, PyTorch; cudnn needs a GPU.
    config.peers = ("flax", "nnx", "torch", "cudnn")
    config.repeats = 20  # Timed runs per measurement (the median is reported).
    # Cells whose analysis instruments' cost is measured (at every shape) against a training
    # step: state_grads, and lyapunov_spectrum / parameter_sensitivity with this many
    # exponents / random probes (0 skips them).
    config.state_grads_cells = ("rnn", "lstm", "gru")
    config.lyapunov_exponents = 16
    config.sensitivity_probes = 8
    # Sequential against parallel (associative_scan) unrolling of the linear cells.
    config.scan_cells = ("mingru", "minlstm", "lru")  # Cells with mode="parallel".
    config.scan_lengths = (1000, 4000, 16000)  # T.
    config.scan_batch = 8  # B.
    config.scan_width = 64  # I = H.
    config.scan_repeats = 10  # Timed runs per measurement.
    # Cells whose fused training step and forward pass are traced with jax.profiler: the
    # time of each loop and each XLA op, to see where a step's time goes.
    config.profile_cells = ("lstm",)
    config.profile_shapes = ()  # Where to trace them, "B,T,I,H" each; () is the first shape.
    # The vanishing study's training step (three vmapped LSTM seeds) at this gap, against
    # PyTorch training the three one after another; 0 skips it.
    config.study_step_gap = 16
    # Each framework in its own process, as its users run it: rounds of alternating processes
    # (0: none), timed calls per process, the implementations (config names of variants and
    # peers) and the host-memory policies ("system": a plain script's; "reuse": launch.py's).
    config.separate_rounds = 0
    config.separate_repeats = 10
    config.separate_implementations = ("fused", "flax", "nnx", "torch")
    config.separate_policies = ("system", "reuse")
    # Newton unrolls (issue 24): iterations to converge (rec.analysis.newton_info, both
    # Jacobians) for these cells at every entry of shapes, at initialisation and after
    # training on the adding problem at the shape's H; () skips it. Their wall times are the
    # variants newton_full and newton_diagonal.
    config.newton_cells = ()
    config.newton_train_steps = 2000  # Steps of experiments/configs/adding.py (its default).
    config.newton_max_iterations = 200  # Cap of the count (rec.Newton's own default is T).
    # Keep each measured cell and shape in WORKDIR/points/ and measure only what is missing.
    config.resume = False
    grid = tuple(f"{b},{t},64,{h}" for t in (64, 256, 1024) for b in (8, 32, 128)
                 for h in (64, 128, 256, 512))
    if variant == "shapes":  # The grid of shapes (hours): every B, T and H above at I = 64.
        config.shapes = grid
        # Every layout and the unrolled loops too: `python -m experiments.benchmark.tuning`
        # reads the layouts' rows into rec.tuning's table, and they show whether the table's
        # choice (the fused row) is the fastest at every point.
        config.variants = ("fused", "batch_major", "feature_major", "batch_major_split",
                           "feature_major_split", "unroll2", "unroll4")
        config.repeats = 5  # In turns, as :tuning; the grid's long shapes take seconds a call.
        config.state_grads_cells = config.scan_cells = config.profile_cells = ()
        config.study_step_gap = 0
        # One T at a time: its points in turns, then 3 rounds of one process per
        # implementation, cell and policy (72 per T), each timing that T's 12 shapes with 3
        # calls after a warm-up; compiles are shared through WORKDIR/jax-cache.
        config.separate_rounds, config.separate_repeats = 3, 3
        config.resume = True
    elif variant == "tuning":  # rec.tuning's table: the fused loop's layouts alone on the
        # grid, timed in turns (about an hour on a 2-core machine), then
        # `python -m experiments.benchmark.tuning WORKDIR --write`.
        config.shapes = grid
        config.variants = ("batch_major", "feature_major", "batch_major_split",
                           "feature_major_split")
        config.peers = ()
        config.repeats = 5
        config.state_grads_cells = config.scan_cells = config.profile_cells = ()
        config.study_step_gap = 0
        config.resume = True
    elif variant == "newton":  # Sequential against Newton (issue 24); batch 1: the full
        # Jacobians of T = 16384 LSTM steps take 1 GiB per sequence (S = 2H = 128).
        config.cells = config.newton_cells = ("rnn", "gru", "lstm")
        config.shapes = tuple(f"1,{t},64,64" for t in (256, 1024, 4096, 16384))
        config.variants = ("fused", "newton_full", "newton_diagonal")
        config.peers = ()
        config.repeats = 3  # A Newton training step at T = 16384 takes tens of seconds here.
        config.state_grads_cells = config.scan_cells = config.profile_cells = ()
        config.study_step_gap = 0
        config.resume = True
    elif variant == "quick":
        config.shapes = ("16,64,32,64",)
        config.repeats = 5
        config.scan_lengths = (1000,)
        config.scan_repeats = 3
    elif variant != "full":
        raise ValueError(f"variant must be 'full', 'quick', 'shapes', 'tuning' or 'newton', "
                         f"got {variant!r}")
    return config
