"""Validation helpers shared by the public API: errors name the argument."""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def positive_int(name: str, value: Any) -> int:
    """Returns `value` as an int if it is a positive integer, else raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def one_of(name: str, value: Any, choices) -> Any:
    """Returns `value` if it is in `choices`, else raises naming the choices."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def _is_float_dtype(value: Any) -> bool:
    try:
        return jnp.issubdtype(jnp.dtype(value), jnp.floating)
    except TypeError:
        return False


def optional_float_dtype(name: str, value: Any):
    """Returns `value` if it is None or names a floating-point dtype, else raises."""
    if value is not None and not _is_float_dtype(value):
        raise ValueError(f"{name} must be None or a floating-point dtype such as "
                         f"'bfloat16', got {value!r}")
    return value


def float_dtype(name: str, value: Any):
    """Returns `value` if it names a floating-point dtype, else raises."""
    if value is None or not _is_float_dtype(value):
        raise ValueError(f"{name} must be a floating-point dtype such as 'float32', "
                         f"got {value!r}")
    return value


def _declared_type_error(declared: str, value: Any) -> str | None:
    """What `value` should be, if it is not of the declared annotation, else None."""
    options = {part.strip() for part in declared.split("|")}
    if "None" in options and value is None:
        return None
    options.discard("None")
    optional = " or None" if "None" in declared else ""
    if options == {"bool"}:
        return None if isinstance(value, bool) else f"True or False{optional}"
    if options == {"int"}:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        return None if ok else f"an integer{optional}"
    if options == {"float"}:
        ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
              and math.isfinite(value))
        return None if ok else f"a finite number{optional}"
    if options == {"str"}:
        return None if isinstance(value, str) else f"a string{optional}"
    return None  # Any, or a type a cell checks itself.


def declared_types(cell) -> None:
    """Checks each dataclass field of `cell` against its declared type (`int`, `float`,
    `bool`, `str`, optionally `| None`); `param_dtype` must name a floating-point dtype
    and `matmul_dtype` one or None. Raises ValueError naming the field and the value."""
    for field in dataclasses.fields(cell):
        value = getattr(cell, field.name)
        if field.name == "param_dtype":
            float_dtype(field.name, value)
        elif field.name == "matmul_dtype":
            optional_float_dtype(field.name, value)
        elif (expected := _declared_type_error(str(field.type), value)) is not None:
            raise ValueError(f"{field.name} must be {expected}, got {value!r}")


def batch_shape_tuple(batch_shape) -> tuple[int, ...]:
    """Normalises an int or a sequence of ints into a batch-shape tuple."""
    if isinstance(batch_shape, numbers.Integral) and not isinstance(batch_shape, bool):
        batch_shape = (batch_shape,)
    try:
        shape = tuple(batch_shape)
    except TypeError:
        raise TypeError(
            f"batch_shape must be an int or a tuple of ints, got {batch_shape!r}"
        ) from None
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0:
            raise ValueError(
                f"batch_shape must hold non-negative ints, got {batch_shape!r}")
    return tuple(int(d) for d in shape)


def feature_size(x, expected: int, name: str = "x") -> None:
    """Checks the trailing (feature) axis of `x` against the params' input size."""
    shape = tuple(np.shape(x))
    if not shape or shape[-1] != expected:
        raise ValueError(
            f"{name} has shape {shape}, but the params were initialised for "
            f"input_size={expected} (expected {name}.shape[-1] == {expected})")


def carry_matches(layer, carry, batch_shape: tuple[int, ...]) -> None:
    """Checks that `carry` has the structure and shapes `layer` expects."""
    expected = jax.eval_shape(lambda: layer.initial_carry(batch_shape))
    exp_leaves, exp_tree = jax.tree_util.tree_flatten(expected)
    got_leaves, got_tree = jax.tree_util.tree_flatten(carry)
    if exp_tree != got_tree:
        raise TypeError(
            f"carry must have the structure of {type(layer).__name__}."
            f"initial_carry({batch_shape}), i.e. {exp_tree}; got {got_tree}")
    for e, g in zip(exp_leaves, got_leaves, strict=True):
        if tuple(np.shape(g)) != tuple(e.shape):
            raise ValueError(
                f"carry has a leaf of shape {tuple(np.shape(g))}, expected "
                f"{tuple(e.shape)} (batch shape {batch_shape} + state size) for "
                f"{type(layer).__name__}")


@functools.lru_cache(maxsize=256)
def _param_shapes(layer, input_size: int):
    return jax.eval_shape(lambda key: layer.init(key, input_size), jax.random.key(0))


def params_match(layer, params, input_size: int) -> None:
    """Checks `params` against the shapes `layer.init(key, input_size)` gives."""
    expected = _param_shapes(layer, input_size)
    exp_leaves, _ = jax.tree_util.tree_flatten_with_path(expected)
    got_leaves, _ = jax.tree_util.tree_flatten_with_path(params)
    if jax.tree_util.tree_structure(expected) != jax.tree_util.tree_structure(params):
        raise TypeError(
            f"params do not have the structure {type(layer).__name__}.init "
            f"returns: expected {jax.tree_util.tree_structure(expected)}, got "
            f"{jax.tree_util.tree_structure(params)}")
    for (path, e), (_, g) in zip(exp_leaves, got_leaves, strict=True):
        if tuple(np.shape(g)) != tuple(e.shape):
            raise ValueError(
                f"params{jax.tree_util.keystr(path)} has shape "
                f"{tuple(np.shape(g))}, expected {tuple(e.shape)} for {layer}")


def lengths_array(lengths, batch: int, steps: int):
    """Validates per-example lengths: int array of shape [B] with values in [0, T]."""
    lengths = jnp.asarray(lengths)
    if lengths.shape != (batch,):
        raise ValueError(
            f"lengths must have shape (batch,) = ({batch},), got {lengths.shape}")
    if not jnp.issubdtype(lengths.dtype, jnp.integer):
        raise TypeError(f"lengths must be integers, got dtype {lengths.dtype}")
    try:
        values = np.asarray(lengths)
    except jax.errors.TracerArrayConversionError:
        return lengths  # Traced under jit: values are not known until run time.
    if values.size and (values.min() < 0 or values.max() > steps):
        bad = values[(values < 0) | (values > steps)][0]
        raise ValueError(
            f"lengths must lie in [0, T] = [0, {steps}], got a length of {bad}")
    return lengths
