"""`rec.nnx`: parity with Flax NNX's own cells and with `rec.unroll`, and the NNX workflow
(jit, grad, Optimizer, split / merge, Orbax, dropout streams).

Shapes are tiny and shared: JAX compilation dominates the time of these tests.
"""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp
import pytest
from flax import nnx
from module_systems import LENGTHS, B, H, I, T, assert_close, random_like, random_params

import recurrent as rec


def random_carry(layer, seed=2):
    return random_like(jax.eval_shape(lambda: layer.initial_carry(B)), seed)


def load(module, params):
    """Copies a functional params pytree into a `rec.nnx` module (also one built by
    `nnx.eval_shape`, which skips the initialisation the copy overwrites)."""
    nnx.update(module, {"params": params})
    return module


@pytest.fixture(scope="module")
def xs():
    return jnp.asarray(np.random.default_rng(7).standard_normal((B, T, I)), jnp.float32)


def weighted_loss(ys, carry, mask):
    """A loss that reads every output and carry entry with a different weight."""
    leaves = jax.tree_util.tree_leaves(carry)
    w_ys = jnp.sin(jnp.arange(ys.size).reshape(ys.shape))
    total = jnp.sum(ys * w_ys * mask[..., None])
    for k, leaf in enumerate(leaves):
        total += jnp.sum(leaf * jnp.cos(k + jnp.arange(leaf.size).reshape(leaf.shape)))
    return total


# --- Flax NNX's own cells under nnx.RNN, with our parameters copied across. -------------------

def _sum_bias(p):
    return p["b_ih"] + p["b_hh"]  # NNX has one bias where ours are simply summed.


def _gru_bias(p):
    # NNX's GRUCell has no b_hn (flax#5594): b_hh's r and z blocks fold into the input
    # bias; the n block cannot, because r multiplies it. The GRU case sets b_hn = 0.
    return p["b_ih"] + p["b_hh"].at[2 * H:].set(0.0)


NNX_CASES = {
    "rnn": (rec.RNN(H), nnx.SimpleCell,
            lambda p: {"dense_i": {"kernel": p["w_ih"], "bias": _sum_bias(p)},
                       "dense_h": {"kernel": p["w_hh"]}},
            lambda carry: carry.h),
    "lstm": (rec.LSTM(H), nnx.OptimizedLSTMCell,
             lambda p: {"dense_i": {"kernel": p["w_ih"]},
                        "dense_h": {"kernel": p["w_hh"], "bias": _sum_bias(p)}},
             lambda carry: (carry.c, carry.h)),  # NNX's LSTM carry is (c, h).
    "gru": (rec.GRU(H), nnx.GRUCell,
            lambda p: {"dense_i": {"kernel": p["w_ih"], "bias": _gru_bias(p)},
                       "dense_h": {"kernel": p["w_hh"]}},
            lambda carry: carry.h),
}


@pytest.mark.parametrize("name", list(NNX_CASES))
def test_matches_nnx_cells_under_nnx_rnn(name, xs):
    """Outputs, final carries and parameter gradients of `rec.nnx.Recurrent` and of
    `nnx.RNN(rec.nnx.Cell(...))` equal those of NNX's own cell under `nnx.RNN`."""
    cell, nnx_cell_class, to_nnx, to_nnx_carry = NNX_CASES[name]
    params = random_params(cell)
    if name == "gru":  # NNX's GRU has no b_hn: compare with ours set to zero.
        params["b_hh"] = params["b_hh"].at[2 * H:].set(0.0)
    carry0 = random_carry(cell)
    mask = (jnp.arange(T)[None] < LENGTHS[:, None]).astype(xs.dtype)

    # Built abstractly (nnx.eval_shape): the copies below replace every value.
    theirs = nnx.eval_shape(lambda: nnx.RNN(nnx_cell_class(I, H, rngs=nnx.Rngs(0)),
                                            return_carry=True, rngs=False))
    # The copied tree must be exactly the one NNX builds (same names and shapes).
    assert jax.tree_util.tree_map(np.shape, to_nnx(params)) == jax.tree_util.tree_map(
        np.shape, nnx.to_pure_dict(nnx.state(theirs.cell, nnx.Param)))
    nnx.update(theirs.cell, to_nnx(params))
    ours = load(nnx.eval_shape(lambda: rec.nnx.Recurrent(cell, I, rngs=nnx.Rngs(0),
                                                         return_carry=True)), params)
    ours_in_rnn = nnx.eval_shape(lambda: nnx.RNN(rec.nnx.Cell(cell, I, rngs=nnx.Rngs(0)),
                                                 return_carry=True, rngs=False))
    load(ours_in_rnn.cell, params)

    def their_loss(rnn):
        final, ys = rnn(xs, initial_carry=to_nnx_carry(carry0), seq_lengths=LENGTHS)
        return weighted_loss(ys, final, mask), (ys, final)

    def our_loss(model):
        ys, final = model(xs, carry0, lengths=LENGTHS)
        return weighted_loss(ys, to_nnx_carry(final), mask), (ys, to_nnx_carry(final))

    def our_cell_loss(rnn):
        final, ys = rnn(xs, initial_carry=carry0, seq_lengths=LENGTHS)
        return weighted_loss(ys, to_nnx_carry(final), mask), (ys, to_nnx_carry(final))

    @nnx.jit  # One program for the three models: compilation dominates here.
    def run_all(theirs, ours, ours_in_rnn):
        return [nnx.value_and_grad(loss, has_aux=True)(model) for model, loss in (
            (theirs, their_loss), (ours, our_loss), (ours_in_rnn, our_cell_loss))]

    (_, (ys_theirs, final_theirs)), g_theirs, *our_results = (
        lambda results: (results[0][0], results[0][1], *results[1:]))(
            run_all(theirs, ours, ours_in_rnn))
    g_theirs = nnx.to_pure_dict(nnx.state(g_theirs, nnx.Param))["cell"]
    # Our gradient, pulled back from NNX's layout through the copy (b = b_ih + b_hh gives
    # both biases the same gradient).
    expected = jax.vjp(to_nnx, params)[1](g_theirs)[0]
    for (_, (ys, final)), grads in our_results:
        grads = nnx.to_pure_dict(nnx.state(grads, nnx.Param))
        grads = grads["params"] if "params" in grads else grads["cell"]["params"]
        if name == "gru":  # b_hn is zero and absent from NNX: its gradient has no peer.
            grads["b_hh"] = grads["b_hh"].at[2 * H:].set(0.0)
        assert_close(ys * mask[..., None], ys_theirs * mask[..., None])
        assert_close(final, final_theirs)
        assert_close(grads, expected)


def test_cells_inside_nnx_bidirectional(xs):
    """`nnx.Bidirectional` of two `nnx.RNN(rec.nnx.Cell(...))` equals `rec.Bidirectional`,
    padding included: the backward direction starts at each sequence's last valid step."""
    forward, backward = rec.LSTM(H), rec.GRU(H)
    layer = rec.Bidirectional(forward, backward)
    params = random_params(layer)
    bidirectional = nnx.eval_shape(lambda: nnx.Bidirectional(
        nnx.RNN(rec.nnx.Cell(forward, I, rngs=nnx.Rngs(0)), rngs=False),
        nnx.RNN(rec.nnx.Cell(backward, I, rngs=nnx.Rngs(1)), rngs=False),
        return_carry=True, rngs=False))
    load(bidirectional.forward_rnn.cell, params["forward"])
    load(bidirectional.backward_rnn.cell, params["backward"])
    (carry_fwd, carry_bwd), ys = nnx.jit(lambda m: m(xs, seq_lengths=LENGTHS))(bidirectional)
    expected_ys, expected_carry = jax.jit(
        lambda p: rec.unroll(layer, p, xs, lengths=LENGTHS))(params)
    mask = (jnp.arange(T)[None] < LENGTHS[:, None])[..., None]
    assert_close(ys * mask, expected_ys)
    assert_close((carry_fwd, carry_bwd), tuple(expected_carry))


def test_initialize_carry():
    cell = nnx.eval_shape(lambda: rec.nnx.Cell(rec.LSTM(H), I, rngs=nnx.Rngs(0)))
    carry = cell.initialize_carry((B, I))
    assert isinstance(carry, rec.LSTMCarry) and carry.h.shape == (B, H)
    assert not np.any(carry.c)
    ones = cell.initialize_carry((B, I), nnx.Rngs(0), nnx.initializers.ones)
    assert isinstance(ones, rec.LSTMCarry) and np.all(ones.h == 1) and np.all(ones.c == 1)
    assert cell.num_feature_axes == 1


# --- Our own functional API: the module is exactly rec.unroll. -----------------------------------

def test_params_are_cell_init_as_nnx_params():
    # MinGRUs initialise without orthogonal blocks, whose eager compilation is slow.
    layer = rec.Stack([rec.Bidirectional(rec.MinGRU(H), rec.MinGRU(H)), rec.MinGRU(H)])
    model = rec.nnx.Recurrent(layer, I, rngs=nnx.Rngs(params=3))
    state = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    assert list(state) == ["params"]
    expected = layer.init(nnx.Rngs(params=3).params(), I)
    assert jax.tree_util.tree_structure(state["params"]) == jax.tree_util.tree_structure(
        expected)
    for leaf, want in zip(jax.tree_util.tree_leaves(state["params"]),
                          jax.tree_util.tree_leaves(expected), strict=True):
        np.testing.assert_array_equal(leaf, want)
    assert all(isinstance(v, nnx.Param) for v in jax.tree_util.tree_leaves(
        model.params, is_leaf=lambda v: isinstance(v, nnx.Variable)))
    # No dropout, no RNG state: the whole state is the params.
    assert nnx.to_pure_dict(nnx.state(model, nnx.RngState)) == {}


def test_call_forwards_every_unroll_option():
    unroll_options = {name: p.default for name, p in inspect.signature(rec.unroll).parameters
                      .items() if p.kind is p.KEYWORD_ONLY and name != "rng"}
    call = inspect.signature(rec.nnx.Recurrent.__call__).parameters
    for name, default in unroll_options.items():
        assert name in call and call[name].default == default, name


def test_call_forwards_unroll_options_to_its_checks(xs):
    model = load(nnx.eval_shape(lambda: rec.nnx.Recurrent(rec.MinGRU(H), I, rngs=nnx.Rngs(0))),
                 random_params(rec.MinGRU(H)))
    for option, value in (("mode", "bogus"), ("gradient", "bogus"), ("layout", "bogus"),
                          ("unroll", 0)):
        with pytest.raises(ValueError, match=option):
            model(xs, **{option: value})
    with pytest.raises(ValueError, match="parallel"):  # rec.unroll refuses it for an LSTM.
        load(nnx.eval_shape(lambda: rec.nnx.Recurrent(rec.LSTM(H), I, rngs=nnx.Rngs(0))),
             random_params(rec.LSTM(H)))(xs, mode="parallel")


UNROLL_CASES = {
    # On CPU the LSTM's fused loop is feature-major by default: this runs the other one.
    "lstm-lengths-reverse-remat-batch-major": (
        rec.LSTM(H), dict(lengths=LENGTHS, reverse=True, remat=True, layout="batch_major")),
    "stack-of-bidirectional": (
        rec.Stack([rec.Bidirectional(rec.RNN(H), rec.GRU(H))]),
        dict(lengths=LENGTHS, time_major=True, unroll=2, mode="sequential")),
}


@pytest.mark.parametrize("name", list(UNROLL_CASES))
def test_matches_rec_unroll(name, xs):
    """Values and gradients of the module equal `rec.unroll`'s, the options forwarded."""
    layer, options = UNROLL_CASES[name]
    if options.get("time_major"):
        xs = jnp.swapaxes(xs, 0, 1)
    params = random_params(layer)
    model = load(nnx.eval_shape(lambda: rec.nnx.Recurrent(layer, I, rngs=nnx.Rngs(0),
                                                          return_carry=True)), params)
    carry0 = random_carry(layer)

    def loss(outputs):
        ys, carry = outputs
        return jnp.sum(jnp.sin(ys)) + sum(jnp.sum(c ** 2) for c in jax.tree_util.tree_leaves(
            carry)), outputs

    @nnx.jit  # One program for both: compilation dominates here.
    def both(model, params):
        return (nnx.value_and_grad(lambda m: loss(m(xs, carry0, **options)), has_aux=True)(
                    model),
                jax.value_and_grad(lambda p: loss(rec.unroll(layer, p, xs, carry0, **options)),
                                   has_aux=True)(params))

    ((_, got), grads), ((_, expected), expected_grads) = both(model, params)
    assert_close(got, expected)
    assert_close(nnx.to_pure_dict(nnx.state(grads, nnx.Param))["params"], expected_grads)


def test_jit_and_split_merge(xs):
    model = load(nnx.eval_shape(lambda: rec.nnx.Recurrent(rec.GRU(H), I, rngs=nnx.Rngs(0))),
                 random_params(rec.GRU(H)))
    eager = model(xs, lengths=LENGTHS)
    assert_close(nnx.jit(lambda m, x: m(x, lengths=LENGTHS))(model, xs), eager)
    graphdef, state = nnx.split(model)
    assert_close(nnx.merge(graphdef, state)(xs, lengths=LENGTHS), eager)
    # The state carries the values: merging other values changes the output.
    moved = jax.tree_util.tree_map(lambda a: a + 0.1, state)
    assert not np.allclose(nnx.merge(graphdef, moved)(xs, lengths=LENGTHS), eager)


def test_dropout_stack_draws_from_the_rngs_stream(xs):
    layer = rec.Stack([rec.MinGRU(H), rec.MinGRU(H)], dropout=0.5)
    # Layer.has_dropout decides whether the module keeps a stream; layers answer for parts.
    assert layer.has_dropout and rec.Bidirectional(rec.LSTM(H), layer).has_dropout
    assert not rec.Stack([rec.LSTM(H), rec.Bidirectional(rec.GRU(H), rec.GRU(H))]).has_dropout
    model = rec.nnx.Recurrent(layer, I, rngs=nnx.Rngs(params=0, dropout=1))
    assert nnx.to_pure_dict(nnx.state(model, nnx.RngState))["rngs"]
    key = jax.random.key(5)

    @nnx.jit  # One program for every call below: compilation dominates here.
    def calls(model, key):
        first, second = model(xs), model(xs)
        params = model.functional_params()
        return (first, second, model(xs, rngs=key), nnx.view(model, deterministic=True)(xs),
                rec.unroll(layer, params, xs, rng=key)[0], rec.unroll(layer, params, xs)[0])

    first, second, keyed, viewed, expected_keyed, plain = calls(model, key)
    assert not np.allclose(first, plain)
    assert not np.allclose(first, second)  # The stream advances between calls.
    assert_close(keyed, expected_keyed)
    assert_close(viewed, plain)
    assert not np.allclose(calls(model, key)[0], first)  # And between jitted calls.
    model.eval()  # NNX's switch sets the same attribute that nnx.view does.
    assert model.deterministic
    model.train()
    assert not model.deterministic


# --- Training and checkpoints. ----------------------------------------------------------------

class Regressor(nnx.Module):
    """Recalls the first input's first feature at the last step."""

    def __init__(self, layer, *, rngs):
        self.rnn = rec.nnx.Recurrent(layer, I, rngs=rngs)
        self.head = nnx.Linear(layer.output_size, 1, rngs=rngs)

    def __call__(self, xs):
        return self.head(self.rnn(xs)[:, -1])[:, 0]


def test_training_with_nnx_optimizer_lowers_the_loss(xs):
    # Random values in an abstract model: eager initialisation would compile more than this
    # test's training step does.
    model = nnx.eval_shape(lambda: Regressor(rec.LSTM(H), rngs=nnx.Rngs(0)))
    nnx.update(model, random_like(nnx.state(model, nnx.Param)))
    optimizer = nnx.Optimizer(model, optax.adam(0.05), wrt=nnx.Param)
    targets = xs[:, 0, 0]
    initial_rnn = model.rnn.functional_params()

    @nnx.jit
    def train_step(model, optimizer):
        loss, grads = nnx.value_and_grad(lambda m: jnp.mean((m(xs) - targets) ** 2))(model)
        optimizer.update(model, grads)
        return loss

    losses = [float(train_step(model, optimizer)) for _ in range(30)]
    assert losses[-1] < 0.1 * losses[0]
    # The recurrent params were trained too, not just the head.
    moved = jax.tree_util.tree_map(lambda a, b: float(jnp.max(jnp.abs(a - b))),
                                   model.rnn.functional_params(), initial_rnn)
    assert min(jax.tree_util.tree_leaves(moved)) > 1e-3


def test_orbax_round_trip_restores_bit_for_bit(tmp_path):
    layer = rec.Stack([rec.MinGRU(H), rec.MinGRU(H)], dropout=0.25)  # Cheap to initialise.
    model = Regressor(layer, rngs=nnx.Rngs(0))
    load(model.rnn, random_like(model.rnn.functional_params()))
    model.rnn.rngs()  # Advances the dropout stream: its state is not the initial one either.
    checkpointer = ocp.Checkpointer(ocp.StandardCheckpointHandler())
    checkpointer.save(tmp_path / "state", args=ocp.args.StandardSave(nnx.state(model)))

    abstract = nnx.eval_shape(lambda: Regressor(layer, rngs=nnx.Rngs(1)))
    graphdef, abstract_state = nnx.split(abstract)
    restored_state = checkpointer.restore(tmp_path / "state",
                                          args=ocp.args.StandardRestore(abstract_state))
    restored = nnx.merge(graphdef, restored_state)

    def arrays(m):
        return [jax.random.key_data(a) if jnp.issubdtype(a.dtype, jax.dtypes.prng_key) else a
                for a in jax.tree_util.tree_leaves(nnx.state(m))]

    for got, want in zip(arrays(restored), arrays(model), strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert nnx.graphdef(restored) == nnx.graphdef(model)
