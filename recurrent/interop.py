"""Exact conversion between `recurrent` params and PyTorch state dicts.

PyTorch's `nn.RNN`, `nn.LSTM` and `nn.GRU` store, per layer `k`,
`weight_ih_l{k}` `[G*H, I]`, `weight_hh_l{k}` `[G*H, H]`, `bias_ih_l{k}` and
`bias_hh_l{k}` `[G*H]`, with the gates in the same order as this library's
fused layout (i, f, g, o for the LSTM; r, z, n for the GRU); the reverse
direction of a bidirectional layer adds the suffix `_reverse`. Our kernels are
the transposes (`x @ w_ih`), so conversion is a transpose and nothing else:
`to_torch(cell, from_torch(cell, sd))` returns `sd` bit for bit.

Which of our layers matches which PyTorch module:

=======================================  =================================
`recurrent`                               PyTorch
=======================================  =================================
`RNN(H, activation="tanh")`               `nn.RNN(I, H)`
`RNN(H, activation="relu")`               `nn.RNN(I, H, nonlinearity="relu")`
`LSTM(H)`                                 `nn.LSTM(I, H)`
`GRU(H)`                                  `nn.GRU(I, H)`
`Bidirectional(LSTM(H), LSTM(H))`         `nn.LSTM(I, H, bidirectional=True)`
`Stack([LSTM(H)] * L)`                    `nn.LSTM(I, H, num_layers=L)`
`Stack([Bidirectional(...)] * L)`         `nn.LSTM(..., num_layers=L, bidirectional=True)`
=======================================  =================================

(`dropout` between layers carries no weights, so it does not matter here.)
Nothing here imports torch: state dicts are dicts of NumPy arrays, and torch
tensors are accepted through `.detach().cpu().numpy()`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from recurrent.gru import GRU
from recurrent.layers import Bidirectional, Stack
from recurrent.lstm import LSTM
from recurrent.rnn import RNN

_TORCH_CELLS = (RNN, LSTM, GRU)
_OURS_TO_TORCH = {"w_ih": "weight_ih", "w_hh": "weight_hh", "b_ih": "bias_ih",
                  "b_hh": "bias_hh"}


def _torch_layout(layer, path=()):
    """Yields `(suffix, path_in_params, cell)` for every PyTorch-shaped cell."""
    if isinstance(layer, _TORCH_CELLS):
        yield "l0", path, layer
    elif isinstance(layer, Bidirectional):
        for suffix, sub, name in (("l0", layer.forward_cell, "forward"),
                                  ("l0_reverse", layer.backward_cell, "backward")):
            if not isinstance(sub, _TORCH_CELLS):
                raise ValueError(
                    f"Bidirectional {name} layer {type(sub).__name__} has no "
                    "PyTorch counterpart; expected RNN, LSTM or GRU")
            yield suffix, path + (name,), sub
    elif isinstance(layer, Stack):
        for k, sub in enumerate(layer.layers):
            if isinstance(sub, Stack):
                raise ValueError("nested Stacks have no PyTorch counterpart; flatten them")
            for suffix, sub_path, cell in _torch_layout(sub, path + (f"layer_{k}",)):
                yield suffix.replace("l0", f"l{k}", 1), sub_path, cell
    else:
        raise ValueError(
            f"{type(layer).__name__} has no PyTorch counterpart; expected RNN, "
            "LSTM, GRU, Bidirectional or Stack of them")


def _get(tree, path):
    for key in path:
        tree = tree[key]
    return tree


def _as_numpy(value):
    if hasattr(value, "detach"):  # A torch.Tensor, without importing torch.
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def to_torch(cell, params) -> dict[str, np.ndarray]:
    """Converts `params` of `cell` into a PyTorch-keyed dict of NumPy arrays.

    Args:
      cell: an `RNN`, `LSTM`, `GRU`, a `Bidirectional` pair of them or a
        `Stack` of those.
      params: the cell's parameters.

    Returns:
      `{"weight_ih_l0": ..., "weight_hh_l0": ..., "bias_ih_l0": ...,
      "bias_hh_l0": ..., ...}`, loadable with
      `module.load_state_dict({k: torch.from_numpy(v) ...})`.
    """
    out = {}
    for suffix, path, _ in _torch_layout(cell):
        sub = _get(params, path)
        for ours, theirs in _OURS_TO_TORCH.items():
            value = np.asarray(sub[ours])
            out[f"{theirs}_{suffix}"] = value.T.copy() if value.ndim == 2 else value.copy()
    return out


def from_torch(cell, state_dict, *, dtype=None):
    """Converts a PyTorch `nn.RNN`/`nn.LSTM`/`nn.GRU` state dict into params.

    Args:
      cell: the matching cell or layer (see the module docstring's table).
      state_dict: a mapping from PyTorch parameter names to arrays or tensors.
        Biases may be absent (a module built with `bias=False`): they become
        zeros.
      dtype: dtype of the returned arrays; the cell's `param_dtype` if None.

    Returns:
      params for `cell`, with the same values.

    Raises:
      ValueError: a missing or unexpected key, or an array of the wrong shape,
        naming the key and the expected shape.
    """
    state = {k: _as_numpy(v) for k, v in dict(state_dict).items()}
    layout = list(_torch_layout(cell))
    first = layout[0]
    input_key = f"weight_ih_{first[0]}"
    if input_key not in state:
        raise ValueError(f"state_dict has no {input_key!r}; keys: {sorted(state)}")
    if state[input_key].ndim != 2 or state[input_key].shape[1] < 1:
        raise ValueError(f"state_dict[{input_key!r}] has shape {state[input_key].shape}, "
                         "expected [G*H, input_size] with input_size >= 1")
    input_size = state[input_key].shape[1]
    expected = jax.eval_shape(lambda key: cell.init(key, int(input_size)), jax.random.key(0))
    params = jax.tree_util.tree_map(lambda s: None, expected)
    used = set()
    for suffix, path, sub in layout:
        shapes = _get(expected, path)
        target = _get(params, path)
        for ours, theirs in _OURS_TO_TORCH.items():
            key = f"{theirs}_{suffix}"
            want = shapes[ours].shape[::-1]
            if key not in state:
                if ours.startswith("b_"):
                    target[ours] = jnp.zeros(want, dtype or shapes[ours].dtype)
                    continue
                raise ValueError(f"state_dict is missing {key!r} (shape {want}) for {cell}")
            value = state[key]
            if value.shape != want:
                raise ValueError(
                    f"state_dict[{key!r}] has shape {value.shape}, expected {want} for {sub}")
            used.add(key)
            target[ours] = jnp.asarray(value.T if value.ndim == 2 else value,
                                       dtype or shapes[ours].dtype)
    unexpected = sorted(set(state) - used)
    if unexpected:
        raise ValueError(f"state_dict has keys {unexpected} that {cell} does not use")
    return params
