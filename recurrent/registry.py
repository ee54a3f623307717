"""Names for cells, so experiments can pick one from a config string.

A new cell registers itself with one line, `@register_cell("name")`, above its
class; `make_cell("name", hidden_size=...)` builds it and an unknown name is an
error that lists the registered ones.
"""

from __future__ import annotations

_CELLS: dict[str, type] = {}


def register_cell(name: str):
    """Class decorator that registers a cell class under `name`."""
    def decorator(cls):
        if name in _CELLS and _CELLS[name] is not cls:
            raise ValueError(f"a cell named {name!r} is already registered")
        _CELLS[name] = cls
        return cls
    return decorator


def cell_names() -> tuple[str, ...]:
    """The registered cell names, sorted."""
    return tuple(sorted(_CELLS))


def get_cell_class(name: str) -> type:
    """The cell class registered as `name`; ValueError listing valid names."""
    try:
        return _CELLS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown cell {name!r}; registered cells: {', '.join(cell_names())}"
        ) from None


def make_cell(name: str, **hyperparameters):
    """Builds the cell registered as `name` with the given hyper-parameters.

    Example:
      >>> import recurrent as rec
      >>> rec.make_cell("lstm", hidden_size=8)
      LSTM(hidden_size=8, forget_bias=1.0, chrono_t_max=None, param_dtype='float32')
    """
    return get_cell_class(name)(**hyperparameters)
