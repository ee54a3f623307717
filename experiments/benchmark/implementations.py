"""Every implementation the benchmark times, as one table.

An entry says which cells it runs (`applies(cell_name, backend)`), why it cannot run
here at all (`unavailable(backend)`: a missing package, no GPU; the report prints it as
a note) and how to build its two compiled calls (`prepare(cell_name, shape, seed)`: a
training step and a forward pass, each a zero-argument call that blocks until done).
`VARIANTS` are this library's ways of running a cell, `PEERS` the other frameworks' (Flax
linen, Flax NNX, PyTorch, cuDNN); `config.variants` and `config.peers` name entries of
these two tables, and `ALL` holds both for the per-process timings (`separate.py`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

import recurrent as rec
from experiments.benchmark.timing import compile_once, inputs, loss_of_outputs

#: Cells that Flax and PyTorch implement with the same equations.
PEER_CELLS = ("rnn", "lstm", "gru")


@dataclasses.dataclass(frozen=True)
class Implementation:
    """One row of the throughput tables per cell and shape that it `applies` to."""

    name: str  # The config's name of the entry, e.g. "fused" or "torch".
    kind: str  # "ours" or "peer".
    prepare: Callable[[str, tuple, int], dict]
    applies: Callable[[str, str], bool] = lambda cell_name, backend: True
    unavailable: Callable[[str], str | None] = lambda backend: None


def prepared_jax(name, loss, forward, params, xs) -> dict:
    """A JAX implementation, compiled: its train and forward calls, compile time, memory."""
    train, compile_s, temp = compile_once(jax.grad(loss), params, xs)
    forward = compile_once(forward, params, xs)[0]
    return {"implementation": name, "compile_s": compile_s, "temp_bytes": temp,
            "train": lambda: jax.block_until_ready(train(params, xs)),
            "forward": lambda: jax.block_until_ready(forward(params, xs)),
            "executables": {"train": train, "forward": forward}}


def prepare_ours(cell_name, variant, shape, seed) -> dict:
    """This library's cell under one variant's cell and `rec.unroll` options."""
    cell_options, unroll_options = _OPTIONS[variant]
    cell = rec.make_cell(cell_name, hidden_size=shape[3], **cell_options)
    params = cell.init(jax.random.key(seed), shape[2])

    def forward(params, xs):
        return rec.unroll(cell, params, xs, **unroll_options)[0]

    prepared = prepared_jax(f"recurrent ({variant})",
                            lambda p, x: loss_of_outputs(forward(p, x)), forward, params,
                            inputs(shape, seed))
    if cell.has_fused_backward and unroll_options.get("gradient", "fused") == "fused":
        # The fused loop's layout as run: for "auto", what rec.tuning chose at this shape.
        prepared["layout"] = unroll_options.get("layout") or rec.fused_layout(
            cell, batch=shape[0], steps=shape[1])
    return prepared


def _has_option(option):
    return lambda cell_name, backend: option in {
        f.name for f in dataclasses.fields(rec.get_cell_class(cell_name))}


def _has_both_layouts(cell_name, backend):
    return getattr(rec.get_cell_class(cell_name), "feature_major", False)


#: Each variant of this library: (cell options, `rec.unroll` options).
_OPTIONS = {
    "fused": ({}, {}),
    "batch_major": ({}, {"layout": "batch_major"}),  # The fused loop in each layout (the
    "feature_major": ({}, {"layout": "feature_major"}),  # cells that have both), and with
    "batch_major_split": ({}, {"layout": "batch_major_split"}),  # its per-step products cut
    "feature_major_split": ({}, {"layout": "feature_major_split"}),  # in column blocks.
    "autodiff": ({}, {"gradient": "autodiff"}),
    "bfloat16": ({"matmul_dtype": "bfloat16"}, {}),
    "remat": ({}, {"remat": True}),
    "unroll2": ({}, {"unroll": 2}),  # Loop bodies of 2 and 4 steps (not in the default run).
    "unroll4": ({}, {"unroll": 4}),
    # Newton's method on the whole trajectory with rec.Newton's defaults (`:newton`): DEER and
    # quasi-DEER.
    "newton_full": ({}, {"mode": rec.Newton(jacobian="full")}),
    "newton_diagonal": ({}, {"mode": rec.Newton(jacobian="diagonal")}),
}


def _nonlinear(cell_name, backend):
    # Cells linear in the carry have their own parallel form (`scan_modes.py`).
    return not issubclass(rec.get_cell_class(cell_name), rec.LinearCell)


_APPLIES = {"batch_major": _has_both_layouts, "feature_major": _has_both_layouts,
            "batch_major_split": _has_both_layouts, "feature_major_split": _has_both_layouts,
            "bfloat16": _has_option("matmul_dtype"), "newton_full": _nonlinear,
            "newton_diagonal": _nonlinear}


def _ours(variant):
    return Implementation(
        variant, "ours", lambda cell_name, shape, seed: prepare_ours(cell_name, variant, shape,
                                                                     seed),
        **({"applies": _APPLIES[variant]} if variant in _APPLIES else {}))


VARIANTS = {variant: _ours(variant) for variant in _OPTIONS}


def prepare_flax(cell_name, shape, seed) -> dict:
    """`flax.linen.RNN` over Flax's own cell of the same equations."""
    from flax import linen as nn
    cell = {"lstm": nn.OptimizedLSTMCell, "gru": nn.GRUCell, "rnn": nn.SimpleCell}[cell_name]
    model = nn.RNN(cell(shape[3]))
    xs = inputs(shape, seed)
    params = model.init(jax.random.key(seed), xs)
    return prepared_jax(f"flax.linen.RNN({cell.__name__})",
                        lambda p, x: loss_of_outputs(model.apply(p, x)), model.apply, params, xs)


def prepare_nnx(cell_name, shape, seed) -> dict:
    """`flax.nnx.RNN` over NNX's own cell, as NNX users write a step: `nnx.jit` of `nnx.grad`
    with respect to the model's `nnx.Param`s."""
    from flax import nnx
    cell = {"lstm": nnx.OptimizedLSTMCell, "gru": nnx.GRUCell, "rnn": nnx.SimpleCell}[cell_name]
    model = nnx.RNN(cell(shape[2], shape[3], rngs=nnx.Rngs(seed)))
    xs = inputs(shape, seed)
    step = nnx.jit(lambda model, xs: nnx.grad(lambda m: loss_of_outputs(m(xs)))(model))
    start = time.perf_counter()
    train = step.lower(model, xs).compile()
    compile_s = time.perf_counter() - start
    forward = nnx.jit(lambda model, xs: model(xs)).lower(model, xs).compile()
    stats = train.memory_analysis()
    return {"implementation": f"flax.nnx.RNN({cell.__name__})", "compile_s": compile_s,
            "temp_bytes": None if stats is None else stats.temp_size_in_bytes,
            "train": lambda: jax.block_until_ready(train(model, xs)),
            "forward": lambda: jax.block_until_ready(forward(model, xs))}


def prepare_torch(cell_name, shape, seed) -> dict:
    """PyTorch's `nn.LSTM` / `nn.GRU` / `nn.RNN`, eager, in its default threading; on the
    GPU when JAX runs on one (cuDNN's kernels, each call synchronised before it returns)."""
    import torch
    batch, steps, size, hidden = shape
    torch.manual_seed(seed)
    cuda = jax.default_backend() == "gpu" and torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell_name](
        size, hidden, batch_first=True).to(device)
    xs = torch.from_numpy(np.array(inputs(shape, seed))).to(device)
    done = torch.cuda.synchronize if cuda else lambda: None

    def train():
        module.zero_grad()
        ys, _ = module(xs)
        ys.square().mean().backward()
        done()

    def forward():
        with torch.no_grad():
            out = module(xs)
        done()
        return out

    return {"implementation": f"torch.nn.{type(module).__name__}" + (" (CUDA)" if cuda else ""),
            "compile_s": None, "temp_bytes": None, "train": train, "forward": forward}


def prepare_cudnn(cell_name, shape, seed) -> dict:
    """`jax.experimental.rnn.lstm`: cuDNN's fused LSTM (GPU only)."""
    from jax.experimental import rnn as cudnn
    batch, steps, size, hidden = shape
    weights = cudnn.init_lstm_weight(jax.random.key(seed), size, hidden, 1, False)
    zeros = jnp.zeros((1, batch, hidden))
    lengths = jnp.full((batch,), steps, jnp.int32)

    def forward(weights, xs):
        return cudnn.lstm(xs, zeros, zeros, weights, lengths, size, hidden, 1, 0.0, False)[0]

    return prepared_jax("jax.experimental.rnn.lstm (cuDNN)",
                        lambda w, x: loss_of_outputs(forward(w, x)), forward, weights,
                        inputs(shape, seed))


def torch_version() -> tuple[str, int] | None:
    """PyTorch's version and thread count, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__, torch.get_num_threads()


def _peer_cell(cell_name, backend):
    return cell_name in PEER_CELLS


def _torch_missing(backend):
    if torch_version() is None:
        return "PyTorch is not installed, so its rows are missing (`pip install -e '.[bench]'`)."
    return None


def _no_gpu(backend):
    return None if backend == "gpu" else (
        f"No GPU (JAX runs on {backend}), so there is no cuDNN row.")


PEERS = {
    "flax": Implementation("flax", "peer", prepare_flax, _peer_cell),
    "nnx": Implementation("nnx", "peer", prepare_nnx, _peer_cell),
    "torch": Implementation("torch", "peer", prepare_torch, _peer_cell, _torch_missing),
    "cudnn": Implementation("cudnn", "peer", prepare_cudnn,
                            lambda cell_name, backend: cell_name == "lstm", _no_gpu),
}

#: Every entry by its config name: the variants, then the peers.
ALL = {**VARIANTS, **PEERS}
