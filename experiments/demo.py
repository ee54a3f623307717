"""A short demo: unroll every registered cell and print shapes and timings.

    python -m experiments.demo
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp

import recurrent as rec
from experiments.benchmark.timing import median_seconds


def main(batch=16, steps=100, input_size=32, hidden_size=128) -> list[dict]:
    """Unrolls each registered cell on one random batch; returns the rows."""
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}; "
          f"B={batch} T={steps} I={input_size} H={hidden_size}")
    xs = jax.random.normal(jax.random.key(0), (batch, steps, input_size))
    rows = []
    for name in rec.cell_names():
        cell = rec.make_cell(name, hidden_size=hidden_size)
        params = cell.init(jax.random.key(1), input_size)

        def loss(params, xs, cell=cell):
            ys, _ = rec.unroll(cell, params, xs)
            return jnp.mean(ys ** 2)

        forward = jax.jit(lambda p, x, cell=cell: rec.unroll(cell, p, x))
        train = jax.jit(jax.grad(loss))
        start = time.perf_counter()
        ys, carry = jax.block_until_ready(forward(params, xs))
        compile_s = time.perf_counter() - start
        fwd_s, grad_s = median_seconds(forward, params, xs), median_seconds(train, params, xs)
        carry_shapes = {k: tuple(v.shape) for k, v in carry._asdict().items()}
        n_params = sum(p.size for p in jax.tree_util.tree_leaves(params))
        print(f"  {name:7s} params {n_params:7d}  ys {tuple(ys.shape)}  carry {carry_shapes}"
              f"  compile {compile_s * 1e3:6.0f} ms  forward {fwd_s * 1e3:6.2f} ms"
              f"  forward+backward {grad_s * 1e3:6.2f} ms"
              f"  ({batch * steps / grad_s:,.0f} tokens/s)")
        rows.append(dict(cell=name, forward_s=fwd_s, grad_s=grad_s, compile_s=compile_s))
    return rows


if __name__ == "__main__":
    main()
