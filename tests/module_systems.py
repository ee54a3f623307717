"""What the NNX and Equinox tests share: the shapes, the comparison and random parameters."""

import jax
import jax.numpy as jnp
import numpy as np

B, T, I, H = 2, 5, 3, 4
LENGTHS = jnp.array([5, 3])
RTOL = 1e-5  # Relative to the largest magnitude of each compared array (float32).


def assert_close(actual, expected, rtol=RTOL):
    """Every leaf agrees to `rtol` relative to its largest entry, which must be nonzero
    (an all-zero reference would make the comparison vacuous)."""
    actual_leaves = jax.tree_util.tree_leaves(actual)
    expected_leaves = jax.tree_util.tree_leaves(expected)
    assert len(actual_leaves) == len(expected_leaves) > 0
    for a, e in zip(actual_leaves, expected_leaves, strict=True):
        a, e = np.asarray(a, np.float64), np.asarray(e, np.float64)
        scale = np.max(np.abs(e))
        assert scale > 0
        np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol * scale)


def random_like(tree, seed=1):
    """Random values shaped like `tree` (arrays or `jax.ShapeDtypeStruct`s), drawn with
    NumPy: every bias is nonzero, so a mixed-up bias shows, and nothing compiles."""
    rng = np.random.default_rng(seed)
    return jax.tree_util.tree_map(
        lambda leaf: jnp.asarray(0.5 * rng.standard_normal(leaf.shape), leaf.dtype), tree)


def random_params(layer, seed=1):
    return random_like(jax.eval_shape(lambda key: layer.init(key, I), jax.random.key(0)), seed)
