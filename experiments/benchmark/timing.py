"""How everything in the benchmark is timed: compiled once, warmed up, in turns."""

from __future__ import annotations

import resource
import time

import jax
import jax.numpy as jnp


def median_seconds(fn, *args, repeats: int = 20) -> float:
    """Median wall time of `fn(*args)` over `repeats` runs, after a compiling warm-up."""
    jax.block_until_ready(fn(*args))  # Compile and warm up.
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def compile_once(fn, *args):
    """`(compiled, seconds, temp_bytes)`: `fn` jitted and compiled for `args`.

    Timed calls then go to the compiled executable, so nothing can recompile.
    """
    start = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    seconds = time.perf_counter() - start
    stats = compiled.memory_analysis()
    return compiled, seconds, None if stats is None else stats.temp_size_in_bytes


def interleaved_medians(calls: dict, repeats: int) -> dict:
    """Median seconds of each zero-argument call, timed in turns over `repeats` rounds.

    Each call must block until its result is ready; all are warmed up first.
    """
    for call in calls.values():
        call()
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: sorted(t)[len(t) // 2] for name, t in times.items()}


def minor_faults_per_call(call, calls: int = 3) -> float:
    """Minor page faults of this process per call (fresh pages touched), after a warm-up."""
    call()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        call()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls


def loss_of_outputs(ys):
    """The benchmark's loss: the mean square of all outputs."""
    return jnp.mean(jnp.square(ys.astype(jnp.float32)))


def inputs(shape, seed):
    """The inputs `[B, T, I]` of a shape `(B, T, I, H)`."""
    batch, steps, size, _ = shape
    return jax.random.normal(jax.random.key(seed + 1), (batch, steps, size))
