"""Weight initialisers shared by the cells (fused-gate layouts)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def input_kernel(key, input_size: int, width: int, dtype) -> jax.Array:
    """LeCun-normal `[I, width]`: variance 1/I, the input kernel of every cell."""
    return jax.nn.initializers.lecun_normal()(key, (input_size, width), dtype)


def orthogonal_blocks(key, hidden_size: int, gates: int, scale: float,
                      dtype) -> jax.Array:
    """`[H, G*H]`: one independent (scaled) orthogonal `H x H` block per gate."""
    keys = jax.random.split(key, gates)
    init = jax.nn.initializers.orthogonal(scale=scale)
    return jnp.concatenate(
        [init(k, (hidden_size, hidden_size), dtype) for k in keys], axis=1)


def identity_blocks(hidden_size: int, gates: int, scale: float,
                    dtype) -> jax.Array:
    """`[H, G*H]`: `scale * I` for each gate (the IRNN initialisation)."""
    eye = scale * jnp.eye(hidden_size, dtype=dtype)
    return jnp.concatenate([eye] * gates, axis=1)


def fused_gate_params(key, input_size: int, hidden_size: int, gates: int,
                      recurrent_kernel, dtype) -> dict[str, jax.Array]:
    """The PyTorch-compatible fused layout shared by RNN, LSTM and GRU.

    Returns `{"w_ih": [I, G*H], "w_hh": [H, G*H], "b_ih": [G*H], "b_hh": [G*H]}`
    with zero biases; `recurrent_kernel(key)` builds `w_hh`. Gate blocks are
    laid side by side along the last axis in the order of the cell's equations
    (PyTorch's `weight_ih_l0` is `w_ih.T`).
    """
    k_in, k_rec = jax.random.split(key)
    width = gates * hidden_size
    return {
        "w_ih": input_kernel(k_in, input_size, width, dtype),
        "w_hh": recurrent_kernel(k_rec),
        "b_ih": jnp.zeros((width,), dtype),
        "b_hh": jnp.zeros((width,), dtype),
    }
