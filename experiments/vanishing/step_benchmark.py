"""The study's training step, timed against PyTorch (a row of experiments/benchmark/).

Ours: the compiled program the study trains with (`points.Programs.train_chunk`), three
seeds vmapped, `study.steps_per_call` steps per call, at one gap of the small study's
config. PyTorch: the same model (embedding, `nn.LSTM`, linear readout, the loss on the
answer, Adam with global-norm clipping) for the same three seeds one after another, on
the same batches, in a process of its own with PyTorch's default threads; ours runs in
a process of its own too, dispatching synchronously as the study's workers do. Both are
timed per call of `steps_per_call` steps after a warm-up; batches are made beforehand
and not timed. The row reports milliseconds per 3-seed step, the floor of the step's
matrix products alone (`time_floor`) and the compile time of the study's programs for
one point.
"""

from __future__ import annotations

import multiprocessing
import time

import jax
import jax.numpy as jnp
import numpy as np

from experiments.configs import vanishing as vanishing_config
from experiments.tasks import Batch
from experiments.training import loop
from experiments.vanishing import points


def step_config(gap: int):
    """The small study's config at one gap, unpadded (the point's own shapes)."""
    config = vanishing_config.get_config("small")
    config.study.pad_gaps = False
    return points.point_config(config, "lstm", gap)


def _batches(config, seeds, calls: int) -> list[Batch]:
    """`calls` chunks of `[steps_per_call, seeds, ...]` batches, as the study makes them."""
    task, _ = loop.build(config)
    return [points.chunk_batches(task, seeds, c, config) for c in range(calls)]


def time_ours(gap: int, seeds, calls: int) -> dict:
    config = step_config(gap)
    batches = _batches(config, seeds, calls + 1)
    task, _ = loop.build(config)
    eval_batch = task.eval_batch(config.seed)
    analysis_batch = Batch(*(part[:config.analysis.examples] for part in eval_batch))
    programs = points.Programs(config, seeds, batches[0], analysis_batch, eval_batch)
    state = programs.init()
    state, metrics = programs.train_chunk(state, batches[0])  # Warm-up.
    jax.block_until_ready(metrics)
    times = []
    for batch in batches[1:]:
        start = time.perf_counter()
        state, metrics = programs.train_chunk(state, batch)
        jax.block_until_ready(metrics)
        times.append(time.perf_counter() - start)
    steps = config.study.steps_per_call
    return {"ms_per_step": 1e3 * float(np.median(times)) / steps,
            "compile_s": programs.compile_seconds, "T": batches[0].inputs.shape[-1]}


def time_floor(config, seeds, steps: int, repeats: int = 50) -> float:
    """ms per 3-seed step of the step's matrix products alone, as one vmapped program: the
    input projection, the forward and backward recurrent loops (one product per step each),
    then the weight and input gradients as single products over all T x B rows. No gates,
    embedding, loss or optimiser: a floor for any implementation that computes the step's
    products this way on this machine."""
    batch, hidden, embed = config.train.batch_size, config.model.hidden_size, \
        config.model.embed_size
    keys = jax.random.split(jax.random.key(0), 3)
    s = len(seeds)
    xs = jax.random.normal(keys[0], (s, steps, batch, embed))
    w_ih = 0.1 * jax.random.normal(keys[1], (s, embed, 4 * hidden))
    w_hh = 0.1 * jax.random.normal(keys[2], (s, hidden, 4 * hidden))

    def products(xs, w_ih, w_hh):
        projected = jnp.einsum("tbi,ig->tbg", xs, w_ih)

        def forward(h, p):
            g = p + h @ w_hh
            return g[:, :hidden], g[:, :hidden]

        _, hs = jax.lax.scan(forward, jnp.zeros((batch, hidden)), projected)

        def backward(d, _):
            dg = jnp.tile(d, (1, 4))
            return dg @ w_hh.T, dg

        _, dgs = jax.lax.scan(backward, jnp.ones((batch, hidden)), hs, reverse=True)
        return (jnp.einsum("tbh,tbg->hg", hs, dgs).sum() + jnp.einsum("tbi,tbg->ig", xs, dgs).sum()
                + jnp.einsum("tbg,ig->tbi", dgs, w_ih).sum())

    program = jax.jit(jax.vmap(products)).lower(xs, w_ih, w_hh).compile()
    jax.block_until_ready(program(xs, w_ih, w_hh))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(program(xs, w_ih, w_hh))
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def _torch_worker(gap: int, seeds, calls: int, queue) -> None:
    import torch

    config = step_config(gap)
    task, _ = loop.build(config)
    batches = _batches(config, seeds, calls + 1)
    hidden, embed = config.model.hidden_size, config.model.embed_size
    models, optimizers = [], []
    for seed in seeds:
        torch.manual_seed(seed)
        model = torch.nn.ModuleDict({
            "embed": torch.nn.Embedding(task.vocab_size, embed),
            "lstm": torch.nn.LSTM(embed, hidden, batch_first=True),
            "readout": torch.nn.Linear(hidden, task.output_size)})
        models.append(model)
        optimizers.append(torch.optim.Adam(model.parameters(), lr=config.train.learning_rate))
    clip = config.train.grad_clip_norm

    def step(model, optimizer, inputs, targets, answer):
        optimizer.zero_grad()
        ys, _ = model["lstm"](model["embed"](inputs))
        rows = torch.arange(len(answer))
        logits = model["readout"](ys[rows, answer])
        loss = torch.nn.functional.cross_entropy(logits, targets[rows, answer])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        return loss

    chunks = []
    for batch in batches:  # [steps, seeds, B, T] -> per step and seed tensors.
        chunks.append([[(torch.from_numpy(batch.inputs[i, s]).long(),
                         torch.from_numpy(batch.targets[i, s]).long(),
                         torch.from_numpy(batch.lengths[i, s] - 1).long())
                        for s in range(len(seeds))] for i in range(len(batch.inputs))])

    def run(chunk):
        for per_seed in chunk:
            for s, (inputs, targets, answer) in enumerate(per_seed):
                step(models[s], optimizers[s], inputs, targets, answer)

    run(chunks[0])
    times = []
    for chunk in chunks[1:]:
        start = time.perf_counter()
        run(chunk)
        times.append(time.perf_counter() - start)
    queue.put({"ms_per_step": 1e3 * float(np.median(times)) / len(chunks[0]),
               "version": torch.__version__, "threads": torch.get_num_threads()})


def _ours_worker(gap: int, seeds, calls: int, queue) -> None:
    # As in the study's workers: XLA:CPU's asynchronous dispatch once left this program's
    # first call waiting for good, every thread idle (jax-ml/jax#25861 reports the same).
    jax.config.update("jax_cpu_enable_async_dispatch", False)
    ours = time_ours(gap, seeds, calls)
    ours["floor_ms_per_step"] = time_floor(step_config(gap), seeds, ours["T"])
    queue.put(ours)


def _in_process(target, *args):
    """`target(*args, queue)` in a spawned process of its own; returns what it puts."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def time_torch(gap: int, seeds, calls: int) -> dict | None:
    """PyTorch's row, from a spawned process; None when PyTorch is not installed."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    return _in_process(_torch_worker, gap, list(seeds), calls)


def measure(gap: int = 16, calls: int = 8) -> dict:
    """The benchmark row: ours and PyTorch's ms per 3-seed step, their ratio, compile time."""
    seeds = points.seeds_of(step_config(gap))
    ours = _in_process(_ours_worker, gap, list(seeds), calls)
    torch_row = time_torch(gap, seeds, calls)
    row = {"gap": gap, "seeds": len(seeds), "T": ours["T"],
           "ours_ms_per_step": ours["ms_per_step"], "compile_s": ours["compile_s"],
           "floor_ms_per_step": ours["floor_ms_per_step"]}
    if torch_row is not None:
        row.update(torch_ms_per_step=torch_row["ms_per_step"],
                   speedup_over_torch=torch_row["ms_per_step"] / ours["ms_per_step"],
                   torch_version=torch_row["version"], torch_threads=torch_row["threads"])
    return row
