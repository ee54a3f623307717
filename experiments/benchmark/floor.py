"""The floor: the matrix products no implementation of a training step can avoid.

Timed alone, in the same rounds as the implementations; every row of the throughput
tables is also reported as a multiple of it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

import recurrent as rec
from experiments.benchmark.timing import compile_once

NAME = "floor (unavoidable products)"
#: The suffix of the parts timed in the second layout; the floor counts the faster one.
FEATURE_MAJOR = "_feature_major"


def prepare_floor(cell_name, shape, seed) -> dict:
    """The products every implementation of a training step must compute, as calls.

    * the T recurrent products of the forward pass, one after another
      ([B, H] x [H, G*H], each needing the last), and the T of the backward pass
      ([B, G*H] x [G*H, H]): a `lax.scan` of nothing else, at this size's rate;
    * the same two chains feature-major, with the batch last ([G*H, H] x [H, B]
      and [H, G*H] x [G*H, B]): the same products transposed, which XLA:CPU runs
      at a different rate; the floor counts the faster layout of each chain;
    * the large products over all T*B rows: the input projection X W_ih, and the
      weight gradients X^T dZ and H^T dZ.
    A forward pass needs the first and the input projection. Element-wise gating,
    memory traffic and loop overheads come on top, so no implementation can
    reach the floor; the ratio says how much of a step is overhead.
    """
    batch, steps, inputs, hidden = shape
    gates = len(rec.get_cell_class(cell_name).gate_names)
    width = gates * hidden
    keys = jax.random.split(jax.random.key(seed), 5)
    w_hh = jax.random.normal(keys[0], (hidden, width)) / hidden ** 0.5
    w_t = jnp.transpose(w_hh)
    h = jax.random.normal(keys[1], (batch, hidden))
    rows_x = jax.random.normal(keys[2], (steps * batch, inputs))
    rows_h = jax.random.normal(keys[3], (steps * batch, hidden))
    rows_z = jax.random.normal(keys[4], (steps * batch, width))
    w_ih = rows_z[:inputs]

    def chain(step):
        return lambda h, w: jax.lax.scan(lambda c, _: (step(c, w), None), h, None,
                                         length=steps)[0]

    parts = {
        "recurrent_forward": (chain(lambda c, w: (c @ w)[:, :hidden]), h, w_hh),
        "recurrent_backward": (chain(lambda c, w: jnp.tile(c, (1, gates)) @ w), h, w_t),
        "recurrent_forward" + FEATURE_MAJOR: (chain(lambda c, w: (w @ c)[:hidden]), h.T, w_t),
        "recurrent_backward" + FEATURE_MAJOR: (chain(lambda c, w: w @ jnp.tile(c, (gates, 1))),
                                               h.T, w_hh),
        "input_projection": (lambda x, w: x @ w, rows_x, w_ih),
        "input_weight_gradient": (lambda x, z: x.T @ z, rows_x, rows_z),
        "recurrent_weight_gradient": (lambda h, z: h.T @ z, rows_h, rows_z),
    }
    calls = {}
    for name, (fn, a, b) in parts.items():
        compiled = compile_once(fn, a, b)[0]
        calls[name] = lambda compiled=compiled, a=a, b=b: jax.block_until_ready(compiled(a, b))
    return calls


def floor_parts(part_seconds: dict) -> dict:
    """The floor's parts in seconds: each recurrent chain in its faster layout."""
    best = {k: v for k, v in part_seconds.items() if not k.endswith(FEATURE_MAJOR)}
    for name, seconds in part_seconds.items():
        if name.endswith(FEATURE_MAJOR):
            base = name.removesuffix(FEATURE_MAJOR)
            best[base] = min(best[base], seconds)
    return best


def floor_row(part_seconds: dict) -> dict:
    """The floor's row of a throughput table, from the seconds of each part."""
    best = floor_parts(part_seconds)
    return {"implementation": NAME, "kind": "floor",
            "train_s": sum(best.values()),
            "forward_s": best["recurrent_forward"] + best["input_projection"],
            "compile_s": None, "temp_bytes": None, "train_page_faults": None,
            "parts_s": part_seconds}


def describe(part_seconds: dict) -> str:
    """The floor's parts in words, for the report (both layouts of each chain)."""
    return ", ".join(
        f"{k.replace('_', ' ')} {1e3 * v:.1f} ms" + (
            f" (batch-major; feature-major {1e3 * part_seconds[k + FEATURE_MAJOR]:.1f} ms)"
            if k + FEATURE_MAJOR in part_seconds else "")
        for k, v in part_seconds.items() if not k.endswith(FEATURE_MAJOR))
