"""The fused unroll (custom VJP): the same gradients as JAX's own derivative of the scan,
and the structure that makes it fast (no weight-gradient products inside the loop)."""

import jax
import jax.extend
import jax.numpy as jnp
import numpy as np
import pytest

import recurrent as rec
from recurrent import analysis
from recurrent import fused as fused_lib
from recurrent.unroll import prepare

B, T, I, H = 3, 6, 3, 4
LENGTHS = np.array([6, 2, 4])

# Every library cell with the split step, and one with a non-default activation.
CELLS = {
    "rnn": rec.RNN(H),
    "rnn_relu": rec.RNN(H, activation="relu", recurrent_init="identity"),
    "lstm": rec.LSTM(H),
    "gru": rec.GRU(H),
    "indrnn": rec.IndRNN(H, t_max=4),
}


def _params(cell, seed=0):
    """Initial parameters with every bias non-zero, so bias gradients are checked too."""
    params = cell.init(jax.random.key(seed), I)
    keys = iter(jax.random.split(jax.random.key(seed + 1), len(params)))
    return {k: v + 0.3 * jax.random.normal(next(keys), v.shape) for k, v in params.items()}


@pytest.fixture(scope="module")
def xs():
    return jax.random.normal(jax.random.key(1), (B, T, I))


def _loss(cell, xs_arg, gradient, **kwargs):
    """A loss of every output and the final carry, weighted so no term cancels."""
    weights = jax.random.normal(jax.random.key(7), (B, T, cell.output_size))

    def loss(params, xs, carry):
        ys, final = rec.unroll(cell, params, xs, carry, gradient=gradient, **kwargs)
        return jnp.sum(weights * ys) + sum(jnp.sum(jnp.sin(leaf))
                                           for leaf in jax.tree_util.tree_leaves(final))
    return loss


def _assert_close(actual, expected, rtol=2e-5, atol=1e-6):
    jax.tree_util.tree_map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=rtol, atol=atol), actual, expected)


@pytest.mark.parametrize("name", sorted(CELLS))
@pytest.mark.parametrize("lengths", [None, LENGTHS], ids=["full", "lengths"])
@pytest.mark.parametrize("reverse,remat", [(False, False), (True, True)],
                         ids=["forward", "reverse-remat"])
def test_fused_gradients_equal_autodiff(name, lengths, reverse, remat, xs):
    cell = CELLS[name]
    params = _params(cell)
    carry = jax.tree_util.tree_map(lambda c: c + 0.5, cell.initial_carry((B,)))
    kwargs = dict(lengths=lengths, reverse=reverse, remat=remat)
    grads = {gradient: jax.jit(jax.grad(_loss(cell, xs, gradient, **kwargs), argnums=(0, 1, 2)))(
                 params, xs, carry)
             for gradient in ("fused", "autodiff")}
    _assert_close(grads["fused"], grads["autodiff"])
    # Every parameter, the inputs and the initial carry get a non-zero gradient.
    assert all(float(jnp.abs(g).max()) > 0 for g in jax.tree_util.tree_leaves(grads["fused"]))


@pytest.mark.parametrize("name", ["lstm", "gru"])  # Feature-major and batch-major on CPU.
def test_unrolled_loops_give_the_same_gradients(name, xs):
    cell = CELLS[name]
    params = _params(cell)
    carry = cell.initial_carry((B,))
    grads = [jax.jit(jax.grad(_loss(cell, xs, gradient, lengths=LENGTHS, unroll=4),
                              argnums=(0, 1, 2)))(params, xs, carry)
             for gradient in ("fused", "autodiff")]
    _assert_close(*grads)


@pytest.mark.parametrize("layer", [
    rec.Bidirectional(rec.LSTM(H), rec.GRU(H)),
    rec.Stack([rec.GRU(H), rec.LSTM(H)], residual=True),
], ids=["bidirectional", "stack"])
def test_composite_layers_pass_the_choice_down(layer, xs):
    params = layer.init(jax.random.key(0), I)
    carry = layer.initial_carry((B,))
    grads = [jax.grad(_loss(layer, xs, gradient, lengths=LENGTHS), argnums=(0, 1))(
                 params, xs, carry) for gradient in ("fused", "autodiff")]
    _assert_close(*grads)


def test_state_grads_through_the_fused_backward(xs):
    cell, params = rec.LSTM(H), _params(rec.LSTM(H))

    def loss(ys):
        return jnp.sum(ys[:, -1] ** 2) + jnp.sum(ys[:, 2])

    fused = analysis.state_grads(cell, params, xs, loss, lengths=LENGTHS)
    xs_TxBxI, carry, lengths = prepare(cell, params, xs, None, LENGTHS, False)
    zeros = jax.tree_util.tree_map(lambda c: jnp.zeros((T,) + c.shape), carry)

    def reference(perturbation):
        ys, _ = cell.unroll_time_major(params, xs_TxBxI, carry, lengths, reverse=False,
                                       unroll=1, remat=False, rng=None,
                                       perturbation=perturbation, gradient="autodiff")
        return loss(jnp.swapaxes(ys, 0, 1))

    expected = jax.tree_util.tree_map(lambda g: jnp.swapaxes(g, 0, 1), jax.grad(reference)(zeros))
    _assert_close(fused, expected)
    np.testing.assert_array_equal(fused.h[1, 2:], 0.0)  # Past the sequence's end.


@pytest.mark.parametrize("name", ["gru", "lstm"])
def test_vmapped_gradients(name, xs):
    cell = CELLS[name]
    params = _params(cell)
    stacked = jax.tree_util.tree_map(lambda p: jnp.stack([p, 2 * p]), params)

    def loss(params, gradient):
        return jnp.sum(rec.unroll(cell, params, xs, gradient=gradient)[0] ** 2)

    fused, autodiff = (jax.jit(jax.vmap(jax.grad(loss), in_axes=(0, None)), static_argnums=1)(
                           stacked, g) for g in ("fused", "autodiff"))
    _assert_close(fused, autodiff, rtol=1e-4)


class _VjpGRU(rec.GRU):
    """A GRU through the default pointwise_vjp (jax.vjp) instead of its hand-written one."""

    pointwise_vjp = rec.Cell.pointwise_vjp  # jax.vjp: one error per product.


_FORWARD_PERTURBED, _REVERSE_REMAT = (False, False, True), (True, True, False)


@pytest.mark.parametrize("name,reverse,remat,perturbed", [
    ("rnn",) + _FORWARD_PERTURBED, ("rnn",) + _REVERSE_REMAT,
    ("lstm",) + _FORWARD_PERTURBED, ("lstm",) + _REVERSE_REMAT,
    ("gru",) + _FORWARD_PERTURBED, ("gru",) + _REVERSE_REMAT,
    ("gru_vjp",) + _FORWARD_PERTURBED,
], ids=["rnn-forward-perturbed", "rnn-reverse-remat", "lstm-forward-perturbed",
        "lstm-reverse-remat", "gru-forward-perturbed", "gru-reverse-remat",
        "gru-vjp-forward-perturbed"])
def test_layouts_give_the_same_values_and_gradients(name, reverse, remat, perturbed, xs):
    # The RNN goes through the default pointwise_vjp (jax.vjp with the feature axis), which
    # returns one error for both products, so its step is one product as the LSTM's; the
    # GRU's (hand-written, and through jax.vjp) two, so its step keeps two products and a
    # bias on the carry's.
    cell = {"gru_vjp": _VjpGRU(H)}.get(name) or CELLS[name]
    params = _params(cell)
    carry = jax.tree_util.tree_map(lambda c: c + 0.5, cell.initial_carry((B,)))
    xs_TxBxI = jnp.swapaxes(xs, 0, 1)
    perturbation = jax.tree_util.tree_map(
        lambda c: 0.1 * jax.random.normal(jax.random.key(3), (T,) + c.shape), carry)
    weights = jax.random.normal(jax.random.key(7), (T, B, cell.output_size))

    def loss(params, xs, carry, perturbation, layout):
        ys, final = fused_lib.scan_fused(
            cell, params, xs, carry, jnp.asarray(LENGTHS), reverse=reverse, remat=remat,
            perturbation=perturbation if perturbed else None, layout=layout)
        return jnp.sum(weights * ys) + sum(jnp.sum(jnp.sin(leaf))
                                           for leaf in jax.tree_util.tree_leaves(final))

    # The products cut into blocks (`_split`) in the cases that cover every path they take:
    # one merged product (LSTM's hand-written pullback, RNN's through jax.vjp), the carry's
    # bias and remat's recomputed steps (GRU).
    split = ("_split",) if (name, reverse) in {("lstm", False), ("rnn", False),
                                               ("gru", True)} else ()
    layouts = [major + cut for major in ("batch_major", "feature_major") for cut in ("",) + split]
    results = {layout: jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2, 3)),
                               static_argnums=4)(params, xs_TxBxI, carry, perturbation, layout)
               for layout in layouts}
    # The layouts sum their products in different orders: on an AVX-512 CPU one gradient
    # element that cancels down to 5e-3 (the others are O(1)) differed by 1.7e-6.
    for layout in layouts[1:]:
        _assert_close(results[layout], results["batch_major"], atol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_the_rnn_gating_derivative_from_its_output_is_jax_s(activation):
    # RNN.pointwise_vjp keeps only h_t; its pullback equals jax.vjp's of the transition
    # (at 0 too: pre-activations of exactly 0 hit relu's kink).
    cell = rec.RNN(H, activation=activation)
    carry = cell.initial_carry((B,))
    projected = jax.random.normal(jax.random.key(0), (B, H)).at[0, 0].set(0.0)
    recurrent = jnp.zeros((B, H)).at[1].set(0.5)
    new_bar = type(carry)(h=jax.random.normal(jax.random.key(1), (B, H)))
    new, pullback = cell.pointwise_vjp(carry, projected, recurrent)
    expected_new, expected = jax.vjp(cell.pointwise_transition, carry, projected, recurrent)
    _assert_close(new, expected_new, atol=0)
    _assert_close(pullback(new_bar), expected(new_bar), atol=1e-6)


def test_residuals_that_are_stored_states_are_stored_once(xs):
    # The RNN's pullback keeps h_t, the GRU's h_{t-1} and the LSTM's c_{t-1}: the loop
    # stores those as states, so the stacked residuals name them instead (values and
    # gradients are checked against the plain scan's above). Under a mask the stored state
    # is not the gating's output, so h_t is stored as a residual of its own.
    xs_TxBxI = jnp.swapaxes(xs, 0, 1)

    def shared(cell, lengths=None, **options):
        carry = cell.initial_carry((B,))
        valid = None if lengths is None else jnp.arange(T)[:, None] < jnp.asarray(lengths)
        if options.get("feature_major"):
            xs_IxTxB = jnp.transpose(xs_TxBxI, (2, 0, 1))
            xs_IxTxB = jnp.concatenate([xs_IxTxB, jnp.ones((1, T, B))], axis=0)
            _, pullbacks, _ = fused_lib._columns_forward(
                cell, False, 1, False, 1, _params(cell), xs_IxTxB,
                jax.tree_util.tree_map(jnp.transpose, carry), valid, None)
        else:
            _, pullbacks = fused_lib._forward(cell, False, 1, False, 1, _params(cell),
                                              xs_TxBxI, carry, valid, None)
        return [(leaf.source, leaf.index) for leaf in jax.tree_util.tree_leaves(
            pullbacks, is_leaf=lambda x: isinstance(x, fused_lib._Stored))
            if isinstance(leaf, fused_lib._Stored)]

    assert shared(CELLS["rnn"]) == [("new", 0)]
    assert shared(CELLS["gru"]) == [("previous", 0)]
    assert shared(CELLS["lstm"]) == [("previous", 1)]  # [h, c]: c_{t-1}.
    assert shared(CELLS["rnn"], feature_major=True) == [("new", 0)]
    assert shared(CELLS["gru"], feature_major=True) == [("previous", 0)]
    assert shared(CELLS["lstm"], feature_major=True) == []  # Only h is stored there.
    assert shared(CELLS["rnn"], lengths=LENGTHS) == []


def test_the_layout_is_chosen_per_cell_and_checked(xs):
    assert jax.default_backend() == "cpu"  # The suite runs on CPU.
    for cell in (rec.LSTM(H), rec.RNN(H), rec.GRU(H)):
        assert fused_lib.default_layout(cell) == rec.tuning.layout(cell)
    cell = rec.IndRNN(H)
    assert fused_lib.default_layout(cell) == "batch_major"  # It has no feature-major form.
    args = (cell, cell.init(jax.random.key(0), I), jnp.swapaxes(xs, 0, 1),
            cell.initial_carry((B,)), None)
    with pytest.raises(ValueError, match="IndRNN has no feature-major form"):
        fused_lib.scan_fused(*args, layout="feature_major")
    with pytest.raises(ValueError, match="layout must be one of auto, batch_major, "
                                         "feature_major, batch_major_split, "
                                         "feature_major_split, got 'columns'"):
        fused_lib.scan_fused(*args, layout="columns")
    with pytest.raises(ValueError, match="layout='batch_major_split' splits the product with a "
                                         "KernelCell's w_hh; IndRNN computes its own"):
        fused_lib.scan_fused(*args, layout="batch_major_split")


def test_the_tuning_table_picks_the_nearest_measured_shape(monkeypatch):
    from recurrent import tuning_table

    def entry(layout):
        return {"layout": layout, "train_ms": {"batch_major": 1.0, "feature_major": 2.0},
                "forward_ms": {"batch_major": 1.0, "feature_major": 2.0}}
    monkeypatch.setattr(tuning_table, "SOURCE", {"cpu/AVX2": {
        "command": "c", "commit": "x", "date": "d", "machine": "m", "software": {}}})
    monkeypatch.setattr(tuning_table, "MEASURED", {
        ("cpu/AVX2", "GRU", 8, 64, 64): entry("feature_major"),
        ("cpu/AVX2", "GRU", 128, 64, 64): entry("batch_major"),
        ("cpu/AVX2", "GRU", 8, 1024, 512): entry("batch_major"),
        ("cpu/AVX-512", "RNN", 8, 64, 64): entry("batch_major_split")})
    # The machine's platform: its CPU's widest vector extension.
    monkeypatch.setattr(rec.tuning, "cpu_extension", lambda: "AVX-512")
    assert rec.tuning.platform() == "cpu/AVX-512" and rec.tuning.platform("gpu") == "gpu"
    layout = rec.tuning.layout
    # The machine's own platform first; another CPU's entries where it has none.
    assert layout(rec.RNN(64), "cpu", batch=8, steps=64) == "batch_major_split"
    assert layout(rec.RNN(64), "cpu/AVX2", batch=8, steps=64) == "batch_major_split"
    assert layout(rec.GRU(64), "cpu", batch=8, steps=64) == "feature_major"
    assert layout(rec.GRU(64), "cpu", batch=100, steps=50) == "batch_major"
    assert layout(rec.GRU(64), "cpu", batch=30, steps=64) == "feature_major"  # Log space:
    assert layout(rec.GRU(64), "cpu", batch=34, steps=64) == "batch_major"  # sqrt(8*128) = 32.
    assert layout(rec.GRU(400), "cpu", batch=8, steps=900) == "batch_major"
    assert layout(_VjpGRU(64), "cpu", batch=8, steps=64) == "feature_major"  # A subclass.
    # Without B and T the distance is over H alone; a class has no H (the first entry wins).
    assert layout(rec.GRU(512), "cpu") == "batch_major"
    assert layout(rec.GRU, "cpu") == "feature_major"
    # A backend or cell without entries gets the fallback; a cell without the form, its one.
    assert layout(rec.GRU(64), "gpu", batch=8, steps=64) == "batch_major"
    assert layout(rec.LSTM(64), "cpu", batch=8, steps=64) == rec.tuning.FALLBACK["cpu", "LSTM"]
    assert layout(rec.IndRNN(64), "cpu", batch=8, steps=64) == "batch_major"
    text = rec.tuning.describe()
    assert "cpu/AVX2    GRU        8    64    64  feature_major       1.00 / 2.00 / - / -" in text
    assert "This machine's platform: cpu/AVX-512." in text
    assert "cpu LSTM: feature_major" in text
    # The call's own B and T reach the table through rec.unroll.
    chosen = []
    monkeypatch.setattr(rec.tuning, "layout", lambda *a, **k: chosen.append(k) or "batch_major")
    cell = rec.GRU(4)
    rec.unroll(cell, cell.init(jax.random.key(0), 3), jnp.ones((5, 7, 3)))
    assert chosen == [{"batch": 5, "steps": 7}]


def test_unroll_takes_the_layout_through_composite_layers(xs):
    # The public names: rec.fused_layout (with a backend to ask about) and unroll's layout.
    assert rec.fused_layout(rec.LSTM, backend="gpu") == "batch_major"  # No GPU entries.
    assert rec.fused_layout(rec.LSTM(H), backend="cpu") == rec.fused_layout(rec.LSTM(H))
    stack = rec.Stack([rec.LSTM(H), rec.LSTM(H)])
    params = stack.init(jax.random.key(0), I)
    ys = {layout: rec.unroll(stack, params, xs, lengths=LENGTHS, layout=layout)[0]
          for layout in ("batch_major", "feature_major")}
    np.testing.assert_allclose(ys["feature_major"], ys["batch_major"], atol=1e-6)
    with pytest.raises(ValueError, match="layout must be one of .* got 'columns'"):
        rec.unroll(stack, params, xs, layout="columns")
    # The plain scan and the linear cells' loop have one layout only.
    with pytest.raises(ValueError, match="layout='feature_major' is a layout of the fused loop"):
        rec.unroll(stack, params, xs, layout="feature_major", gradient="autodiff")
    cell = rec.MinGRU(H)
    with pytest.raises(ValueError, match="MinGRU runs batch-major"):
        rec.unroll(cell, cell.init(jax.random.key(0), I), xs, layout="feature_major")
    with pytest.raises(ValueError, match="layout='batch_major_split' is a layout of the fused"):
        rec.unroll(cell, cell.init(jax.random.key(0), I), xs, layout="batch_major_split")


def test_forward_mode_needs_autodiff(xs):
    cell, params = rec.LSTM(H), _params(rec.LSTM(H))

    def final_h(xs, gradient):
        return rec.unroll(cell, params, xs, gradient=gradient)[1].h

    tangent = jnp.ones_like(xs)
    _, out = jax.jvp(lambda x: final_h(x, "autodiff"), (xs,), (tangent,))
    assert out.shape == (B, H)
    with pytest.raises(TypeError, match="forward-mode"):
        jax.jvp(lambda x: final_h(x, "fused"), (xs,), (tangent,))


def test_unknown_gradient_is_rejected(xs):
    cell = rec.LSTM(H)
    with pytest.raises(ValueError, match="gradient must be one of .* got 'reverse'"):
        rec.unroll(cell, cell.init(jax.random.key(0), I), xs, gradient="reverse")


def _dot_shapes_inside_loops(jaxpr):
    """Output shapes of every dot_general inside a scan body, recursively."""
    shapes = []

    def visit(jaxpr, inside):
        for eqn in jaxpr.eqns:
            if eqn.primitive.name == "dot_general" and inside:
                shapes.append(tuple(eqn.outvars[0].aval.shape))
            for sub in jax.extend.core.jaxprs_in_params(eqn.params):
                visit(sub, inside or eqn.primitive.name == "scan")
    visit(jaxpr.jaxpr, False)
    return shapes


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_weight_gradients_are_computed_after_the_loop(name):
    cell = CELLS[name]
    inputs = 5  # Unlike B, T and H, so a weight's shape cannot pass for a batch's.
    params = cell.init(jax.random.key(0), inputs)
    xs = jnp.ones((B, T, inputs))
    # A weight gradient, or its transpose.
    weight_shapes = {shape[::order] for shape in (params["w_ih"].shape, params["w_hh"].shape)
                     for order in (1, -1)}

    def in_loop(gradient):
        loss = lambda p: jnp.sum(rec.unroll(cell, p, xs, gradient=gradient)[0] ** 2)  # noqa: E731
        return _dot_shapes_inside_loops(jax.make_jaxpr(jax.grad(loss))(params))

    # JAX's derivative of the scan accumulates the weight gradients step by step ...
    assert weight_shapes & set(in_loop("autodiff"))
    # ... the fused backward keeps only per-step products of batch rows (batch-major) or
    # batch columns (feature-major) in the loop.
    fused = in_loop("fused")
    assert fused and not weight_shapes & set(fused)
    batch_axis = 0 if fused_lib.default_layout(cell) == "batch_major" else 1
    assert all(shape[batch_axis] == B for shape in fused)


def test_feature_major_step_merges_the_products_of_a_summing_gating(xs):
    # The LSTM's gating reads x w_ih + h w_hh only through the sum: one product per step.
    def forward(cell):
        return jax.make_jaxpr(lambda p: rec.unroll(cell, p, xs, layout="feature_major")[0])(
            cell.init(jax.random.key(0), I))
    assert _dot_shapes_inside_loops(forward(rec.LSTM(H))) == [(4 * H, B)]
    # So does the RNN's (tanh of the sum) ...
    assert _dot_shapes_inside_loops(forward(rec.RNN(H))) == [(H, B)]
    # ... while a gating that reads them apart (the GRU's reset gate) keeps both.
    assert _dot_shapes_inside_loops(forward(rec.GRU(H))) == [(3 * H, B), (3 * H, B)]
    assert _dot_shapes_inside_loops(forward(_VjpGRU(H))) == [(3 * H, B), (3 * H, B)]


def test_bfloat16_matmuls_keep_a_float32_carry(xs):
    exact = rec.LSTM(H)
    mixed = rec.LSTM(H, matmul_dtype="bfloat16")
    params = _params(exact)
    ys_exact, carry_exact = rec.unroll(exact, params, xs)
    ys_mixed, carry_mixed = rec.unroll(mixed, params, xs)
    assert ys_mixed.dtype == carry_mixed.c.dtype == jnp.float32
    # bfloat16 keeps 8 bits of mantissa: agreement to a few parts in a thousand, not exactly.
    np.testing.assert_allclose(ys_mixed, ys_exact, atol=3e-2)
    assert not np.array_equal(ys_mixed, ys_exact)
    grads = [jax.grad(lambda p, c=c: jnp.sum(rec.unroll(c, p, xs)[0] ** 2))(params)
             for c in (exact, mixed)]
    _assert_close(grads[1], grads[0], rtol=0.1, atol=3e-2)


def test_matmul_dtype_must_be_a_float_dtype():
    with pytest.raises(ValueError, match="matmul_dtype must be None or a floating-point dtype"):
        rec.GRU(H, matmul_dtype="int8")
