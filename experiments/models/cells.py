"""Cell specs: the `model.cell` strings of a config, parsed into `recurrent` cells.

    "lstm"                               one registered cell, default options
    "lstm:chrono_t_max=64,forget_bias=2" options as Python literals (bare words: strings)
"""

from __future__ import annotations

import ast
import dataclasses

import recurrent as rec


def parse_cell_spec(spec: str) -> tuple[str, dict]:
    """`"lstm:chrono_t_max=64,forget_bias=2.0"` -> `("lstm", {"chrono_t_max": 64, ...})`.

    A cell spec is a registered name, optionally followed by `:` and
    comma-separated hyper-parameters (Python literals; bare words are strings).
    """
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"a cell must be a registered name such as 'lstm', got {spec!r}")
    name, _, options = spec.partition(":")
    rec.get_cell_class(name)  # An unknown name lists the valid ones.
    kwargs = {}
    for item in filter(None, options.split(",")):
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"cell option {item!r} in {spec!r} must look like key=value")
        try:
            kwargs[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            kwargs[key.strip()] = value.strip()
    return name, kwargs


def cell_slug(spec: str) -> str:
    """A cell spec made file-name safe: `"lstm:chrono_t_max=64"` -> `"lstm-chrono_t_max-64"`."""
    return "".join(c if c.isalnum() or c in "._" else "-" for c in spec)


def make_cell(spec: str, hidden_size: int) -> rec.Cell:
    """The cell a spec (see `parse_cell_spec`) describes, with `hidden_size` units."""
    name, kwargs = parse_cell_spec(spec)
    try:
        return rec.make_cell(name, hidden_size=hidden_size, **kwargs)
    except TypeError:
        fields = ", ".join(f.name for f in dataclasses.fields(rec.get_cell_class(name))
                           if f.name != "hidden_size")
        raise ValueError(f"unknown option in cell spec {spec!r}; {name} takes: {fields}") from None
    except ValueError as e:  # The cell's own checks: a value of the wrong type or range.
        raise ValueError(f"cell spec {spec!r}: {e}") from None


def build_cell(model_config) -> rec.Layer:
    """The recurrent core a model config describes (one cell or a `Stack`)."""
    layers = [make_cell(model_config.cell, model_config.hidden_size)
              for _ in range(model_config.num_layers)]
    if len(layers) == 1 and not model_config.get("dropout", 0.0):
        return layers[0]
    return rec.Stack(layers, residual=model_config.get("residual", False),
                     dropout=model_config.get("dropout", 0.0))
