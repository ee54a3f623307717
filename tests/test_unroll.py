"""rec.unroll, Bidirectional and Stack: lengths, reverse, layout, composition."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import recurrent as rec

B, T, I, H = 3, 6, 3, 4
LENGTHS = np.array([6, 2, 4])

CELLS = {
    "rnn": rec.RNN(H),
    "lstm": rec.LSTM(H),
    "gru": rec.GRU(H),
    "bidirectional": rec.Bidirectional(rec.LSTM(H), rec.GRU(H + 1)),
    "stack": rec.Stack([rec.GRU(H), rec.LSTM(H)], residual=True),
}


@pytest.fixture(scope="module")
def xs():
    return jax.random.normal(jax.random.key(1), (B, T, I))


@pytest.fixture(scope="module", params=sorted(CELLS))
def case(request):
    cell = CELLS[request.param]
    params = cell.init(jax.random.key(0), I)
    return cell, params


def _close(a, b, **kw):
    kw = {"rtol": 1e-5, "atol": 1e-6, **kw}
    jax.tree_util.tree_map(lambda x, y: np.testing.assert_allclose(x, y, **kw), a, b)


@pytest.mark.parametrize("reverse", [False, True])
def test_mixed_lengths_match_each_sequence_alone(case, xs, reverse):
    cell, params = case
    ys, carry = rec.unroll(cell, params, xs, lengths=LENGTHS, reverse=reverse)
    assert ys.shape == (B, T, cell.output_size)
    for b, n in enumerate(LENGTHS):
        ys_b, carry_b = rec.unroll(cell, params, xs[b:b + 1, :n], reverse=reverse)
        _close(ys[b, :n], ys_b[0])
        np.testing.assert_array_equal(ys[b, n:], 0.0)
        _close(jax.tree_util.tree_map(lambda c, b=b: c[b], carry),
               jax.tree_util.tree_map(lambda c: c[0], carry_b))


def test_reverse_is_forward_on_flipped_sequence(case, xs):
    cell, params = case
    ys_rev, carry_rev = rec.unroll(cell, params, xs, reverse=True)
    ys_flip, carry_flip = rec.unroll(cell, params, xs[:, ::-1])
    _close(ys_rev, ys_flip[:, ::-1])
    _close(carry_rev, carry_flip)


def test_bidirectional_is_forward_and_backward_concatenated(xs):
    fwd, bwd = rec.LSTM(H), rec.GRU(H + 1)
    layer = rec.Bidirectional(fwd, bwd)
    params = layer.init(jax.random.key(0), I)
    ys, carry = rec.unroll(layer, params, xs, lengths=LENGTHS)
    ys_f, carry_f = rec.unroll(fwd, params["forward"], xs, lengths=LENGTHS)
    ys_b, carry_b = rec.unroll(bwd, params["backward"], xs, lengths=LENGTHS, reverse=True)
    _close(ys, jnp.concatenate([ys_f, ys_b], -1))
    _close(carry, rec.BidirectionalCarry(carry_f, carry_b))


def test_time_major_layout(case, xs):
    cell, params = case
    ys, carry = rec.unroll(cell, params, xs, lengths=LENGTHS)
    ys_tm, carry_tm = rec.unroll(cell, params, jnp.swapaxes(xs, 0, 1), lengths=LENGTHS,
                                 time_major=True)
    _close(ys, jnp.swapaxes(ys_tm, 0, 1))
    _close(carry, carry_tm)


@pytest.mark.parametrize("unroll, remat", [(3, False), (1, True)])
def test_unroll_factor_and_remat_do_not_change_results(case, xs, unroll, remat):
    cell, params = case

    def loss(params, **kw):
        ys, _ = rec.unroll(cell, params, xs, lengths=LENGTHS, **kw)
        return jnp.sum(jnp.sin(ys))

    reference = jax.jit(jax.value_and_grad(loss))(params)
    variant = jax.jit(jax.value_and_grad(lambda p: loss(p, unroll=unroll, remat=remat)))(params)
    _close(reference, variant, rtol=1e-4)


def test_initial_carry_is_used(xs):
    cell = rec.LSTM(H)
    params = cell.init(jax.random.key(0), I)
    ys_full, _ = rec.unroll(cell, params, xs)
    _, carry_mid = rec.unroll(cell, params, xs[:, :2])
    ys_rest, _ = rec.unroll(cell, params, xs[:, 2:], carry_mid)
    _close(ys_full[:, 2:], ys_rest)


def test_stack_is_layers_in_sequence(xs):
    first, second = rec.GRU(H), rec.LSTM(H)
    stack = rec.Stack([first, second], residual=True)
    params = stack.init(jax.random.key(0), I)
    ys, carry = rec.unroll(stack, params, xs, lengths=LENGTHS)
    ys0, carry0 = rec.unroll(first, params["layer_0"], xs, lengths=LENGTHS)
    ys1, carry1 = rec.unroll(second, params["layer_1"], ys0, lengths=LENGTHS)
    _close(ys, ys1 + ys0)
    _close(carry, (carry0, carry1))


def test_stack_step_matches_unroll(xs):
    stack = rec.Stack([rec.LSTM(H), rec.RNN(H), rec.GRU(H)], residual=True)
    params = stack.init(jax.random.key(0), I)
    ys, final = rec.unroll(stack, params, xs)
    carry = stack.initial_carry(B)
    for t in range(T):
        carry, y = stack(params, carry, xs[:, t])
        _close(y, ys[:, t])
    _close(carry, final)


def test_stack_dropout():
    stack = rec.Stack([rec.RNN(64), rec.RNN(64)], dropout=0.5)
    params = stack.init(jax.random.key(0), 8)
    xs = jnp.ones((2, 5, 8))
    ys_eval, _ = rec.unroll(stack, params, xs)
    ys_a, _ = rec.unroll(stack, params, xs, rng=jax.random.key(1))
    ys_b, _ = rec.unroll(stack, params, xs, rng=jax.random.key(1))
    ys_c, _ = rec.unroll(stack, params, xs, rng=jax.random.key(2))
    np.testing.assert_array_equal(ys_a, ys_b)  # Same key, same mask.
    assert not np.allclose(ys_a, ys_c)
    assert not np.allclose(ys_a, ys_eval)
    # The first layer's output, as the second layer sees it, is half zeros.
    first = rec.Stack([rec.RNN(64)])
    h1, _ = rec.unroll(first, {"layer_0": params["layer_0"]}, xs)
    keys = jax.random.split(jax.random.key(1), (2, 2))
    keep = jax.random.bernoulli(keys[0][1], 0.5, (5, 2, 64))
    assert 0.4 < float(keep.mean()) < 0.6
    ys_manual, _ = rec.unroll(
        stack.layers[1], params["layer_1"],
        jnp.swapaxes(jnp.where(keep, jnp.swapaxes(h1, 0, 1) / 0.5, 0.0), 0, 1))
    _close(ys_a, ys_manual)


def test_bidirectional_cannot_be_stepped():
    layer = rec.Bidirectional(rec.RNN(H), rec.RNN(H))
    params = layer.init(jax.random.key(0), I)
    with pytest.raises(TypeError, match="rec.unroll"):
        layer(params, layer.initial_carry(2), jnp.ones((2, I)))


def test_jit_vmap_grad_compose(xs):
    cell = rec.GRU(H)
    params = cell.init(jax.random.key(0), I)

    def loss(params, xs_TxI):
        ys, _ = rec.unroll(cell, params, xs_TxI[None])
        return jnp.sum(ys ** 2)

    per_example = jax.jit(jax.vmap(jax.grad(loss), in_axes=(None, 0)))(params, xs)
    for b in range(B):
        _close(jax.tree_util.tree_map(lambda g, b=b: g[b], per_example),
               jax.grad(loss)(params, xs[b]), rtol=1e-4)


def test_second_call_with_same_shapes_does_not_recompile(xs):
    traces = []

    @jax.jit
    def forward(params, xs, lengths):
        traces.append(1)
        return rec.unroll(rec.LSTM(H), params, xs, lengths=lengths)

    params = rec.LSTM(H).init(jax.random.key(0), I)
    forward(params, xs, LENGTHS)
    forward(jax.tree_util.tree_map(lambda p: p + 1.0, params), xs + 1.0, LENGTHS[::-1])
    assert len(traces) == 1
    # Equal cells hash equal, so a cell as a static argument reuses the cache.
    static = jax.jit(rec.unroll, static_argnums=0)
    static(rec.LSTM(H), params, xs)
    size = static._cache_size()
    static(rec.LSTM(H), params, xs + 1.0)
    assert static._cache_size() == size


def test_remat_saves_training_memory():
    cell = rec.LSTM(32)
    params = cell.init(jax.random.key(0), 8)
    xs = jnp.ones((4, 200, 8))

    def temp_bytes(remat):
        def loss(params):
            return jnp.sum(rec.unroll(cell, params, xs, remat=remat)[0] ** 2)
        stats = jax.jit(jax.grad(loss)).lower(params).compile().memory_analysis()
        if stats is None:
            pytest.skip("this backend reports no memory analysis")
        return stats.temp_size_in_bytes

    assert temp_bytes(True) < 0.8 * temp_bytes(False)


def test_flax_recurrent_module_matches_functional(xs):
    cell = rec.Stack([rec.LSTM(H), rec.LSTM(H)], dropout=0.3)
    model = rec.nn.Recurrent(cell, return_carry=True)
    variables = model.init(jax.random.key(0), xs)
    params = variables["params"]["cell"]
    assert jax.tree_util.tree_structure(params) == jax.tree_util.tree_structure(
        cell.init(jax.random.key(0), I))
    ys, carry = model.apply(variables, xs, lengths=LENGTHS)
    _close((ys, carry), rec.unroll(cell, params, xs, lengths=LENGTHS))
    ys_train, _ = model.apply(variables, xs, deterministic=False,
                              rngs={"dropout": jax.random.key(3)})
    assert not np.allclose(ys_train, ys)


def test_flax_cell_runs_inside_flax_rnn(xs):
    import flax.linen as nn

    cell = rec.GRU(H)
    model = nn.RNN(rec.nn.Cell(cell))
    variables = model.init(jax.random.key(0), xs)
    params = variables["params"]["cell"]["cell"]
    _close(model.apply(variables, xs), rec.unroll(cell, params, xs)[0])
