"""recurrent: functional recurrent cells in JAX.

Every cell is a frozen dataclass of hyper-parameters with pure methods on a
parameter pytree (`init`, `initial_carry`, `__call__`); `unroll` runs any of
them over a sequence with `jax.lax.scan`. See `recurrent.base` for the
contract and the shape letters.

The same cells as modules of each JAX module system: `rec.nn` (Flax linen),
`rec.nnx` (Flax NNX) and `rec.eqx` (Equinox, an optional extra: imported on
first use, so `import recurrent` works without it).
"""

import importlib
import importlib.util

from recurrent import analysis, interop, nn, nnx, registry, tuning, utils
from recurrent.base import Cell, HiddenCarry, KernelCell, Layer, LinearCell, LSTMCarry, auto_mode
from recurrent.fused import default_layout as fused_layout
from recurrent.gru import GRU
from recurrent.indrnn import IndRNN
from recurrent.layers import Bidirectional, BidirectionalCarry, Stack
from recurrent.lru import LRU
from recurrent.lstm import LSTM
from recurrent.mingru import MinGRU
from recurrent.minlstm import MinLSTM
from recurrent.newton import Newton
from recurrent.registry import cell_names, get_cell_class, make_cell, register_cell
from recurrent.rnn import RNN
from recurrent.unroll import unroll

__all__ = [
    "Bidirectional",
    "analysis",
    "BidirectionalCarry",
    "Cell",
    "GRU",
    "HiddenCarry",
    "IndRNN",
    "KernelCell",
    "LRU",
    "LSTM",
    "LSTMCarry",
    "Layer",
    "MinGRU",
    "MinLSTM",
    "Newton",
    "LinearCell",
    "RNN",
    "Stack",
    "auto_mode",
    "cell_names",
    "fused_layout",
    "get_cell_class",
    "interop",
    "make_cell",
    "nn",
    "nnx",
    "register_cell",
    "registry",
    "tuning",
    "unroll",
    "utils",
]

# `rec.eqx` is listed (and star-imported) only where Equinox is installed.
if importlib.util.find_spec("equinox") is not None:
    __all__.append("eqx")


def __getattr__(name):
    """Imports `rec.eqx` on first use; without Equinox that raises an ImportError
    that says how to install it."""
    if name == "eqx":
        return importlib.import_module("recurrent.eqx")
    raise AttributeError(f"module 'recurrent' has no attribute {name!r}")
