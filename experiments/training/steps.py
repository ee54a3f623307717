"""The pieces every training loop here is made of: the train state, one optimisation
step, one evaluation step, batches prefetched in a thread, and the check for a
non-finite loss. `experiments.training.loop` runs them for one run; the study
(`experiments.vanishing`) runs them vmapped over seeds."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import flax
import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments.training.metrics import masked_metrics


@flax.struct.dataclass
class TrainState:
    step: jax.Array  # int32 scalar: optimisation steps taken.
    params: Any
    opt_state: Any
    dropout_key: jax.Array  # Raw uint32 key data; each step folds in its step number.


def create_train_state(config, model, task, tx, seed=None) -> TrainState:
    """Fresh parameters and optimiser state; `seed` (default `config.seed`) may be traced,
    so that `jax.vmap` over seeds builds one state per seed."""
    seed = config.seed if seed is None else seed
    example = task.batch(config.seed, 0, 1)
    params_key, dropout_key = jax.random.split(jax.random.key(seed))
    params = model.init(params_key, *model.model_inputs(example))["params"]
    return TrainState(step=jnp.zeros((), jnp.int32), params=params, opt_state=tx.init(params),
                      dropout_key=jax.random.key_data(dropout_key))


def prefetched(make_batch, start: int, stop: int):
    """Yields `make_batch(step)` for start <= step < stop, one step ahead in a thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        upcoming = pool.submit(make_batch, start) if start < stop else None
        for step in range(start, stop):
            batch = upcoming.result()
            if step + 1 < stop:
                upcoming = pool.submit(make_batch, step + 1)
            yield batch


def train_step(state: TrainState, batch, *, model, tx, schedule):
    """One optimisation step; returns the new state and this step's metrics."""
    dropout_rng = jax.random.fold_in(jax.random.wrap_key_data(state.dropout_key), state.step)

    def loss_fn(params):
        logits = model.apply({"params": params}, *model.model_inputs(batch),
                             deterministic=False, rngs={"dropout": dropout_rng})
        metrics = masked_metrics(logits, model.scored(batch), model.objective)
        return metrics["loss"], metrics

    grads, metrics = jax.grad(loss_fn, has_aux=True)(state.params)
    updates, opt_state = tx.update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    metrics.update(grad_norm=optax.tree.norm(grads), param_norm=optax.tree.norm(params),
                   learning_rate=schedule(state.step))
    return state.replace(step=state.step + 1, params=params, opt_state=opt_state), metrics


def eval_step(params, batch, *, model):
    logits = model.apply({"params": params}, *model.model_inputs(batch))
    metrics = masked_metrics(logits, model.scored(batch), model.objective)
    return {f"eval_{k}": v for k, v in metrics.items()}


def non_finite_steps(losses) -> np.ndarray:
    """For losses `[steps, ...]`, the index of the first non-finite step of each trailing
    position (`[...]`), -1 where every step is finite."""
    finite = np.isfinite(np.asarray(losses))
    return np.where(finite.all(0), -1, np.argmin(finite, 0))
