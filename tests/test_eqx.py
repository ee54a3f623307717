"""`rec.eqx`: parity with Equinox's own cells (scanned by hand) and with `rec.unroll`, the
Equinox workflow (filter_jit, filter_grad, filter_vmap over models, serialisation), and
`import recurrent` without Equinox.

Shapes are tiny and shared: JAX compilation dominates the time of these tests.
"""

import inspect
import os
import subprocess
import sys
import textwrap

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from module_systems import LENGTHS, B, H, I, T, assert_close, random_like, random_params

import recurrent as rec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def with_params(layer, params, module=None):
    """A `rec.eqx` module holding `params`, built without running `layer.init`."""
    module = module or rec.eqx.Recurrent
    abstract = eqx.filter_eval_shape(module, layer, I, key=jax.random.key(0))
    return eqx.tree_at(lambda m: m.params, abstract, params)


@pytest.fixture(scope="module")
def xs():
    return jnp.asarray(np.random.default_rng(7).standard_normal((B, T, I)), jnp.float32)


# --- Equinox's own cells, scanned by hand, with our parameters copied across. -----------------

def _lstm_to_eqx(template, p):
    # Equinox keeps PyTorch's layout: [G*H, I] kernels, gates i, f, g, o, one summed bias.
    return eqx.tree_at(lambda c: (c.weight_ih, c.weight_hh, c.bias), template,
                       (p["w_ih"].T, p["w_hh"].T, p["b_ih"] + p["b_hh"]))


def _gru_to_eqx(template, p):
    # Gates r, z, n. Equinox's `bias` is the input side's plus the recurrent r and z biases;
    # `bias_n` is b_hn, added inside r * (W_hn h + b_hn) as in ours.
    bias = p["b_ih"] + p["b_hh"].at[2 * H:].set(0.0)
    return eqx.tree_at(lambda c: (c.weight_ih, c.weight_hh, c.bias, c.bias_n), template,
                       (p["w_ih"].T, p["w_hh"].T, bias, p["b_hh"][2 * H:]))


EQX_CASES = {
    "lstm": (rec.LSTM(H), eqx.nn.LSTMCell, _lstm_to_eqx,
             lambda carry: (carry.h, carry.c), lambda hidden: hidden[0]),
    "gru": (rec.GRU(H), eqx.nn.GRUCell, _gru_to_eqx,
            lambda carry: carry.h, lambda hidden: hidden),
}


def scan_by_hand(step, output, hidden, xs_TxI, length):
    """One sequence through an Equinox-style `step(x, hidden) -> hidden`; past `length`
    the hidden state is frozen (outputs there are masked by the loss)."""
    def body(hidden, inputs):
        x, t = inputs
        new = step(x, hidden)
        new = jax.tree_util.tree_map(lambda n, o: jnp.where(t < length, n, o), new, hidden)
        return new, output(new)
    final, ys = jax.lax.scan(body, hidden, (xs_TxI, jnp.arange(xs_TxI.shape[0])))
    return ys, final


@pytest.mark.parametrize("name", list(EQX_CASES))
def test_matches_equinox_cells_scanned_by_hand(name, xs):
    """Outputs, final carries and gradients of `rec.eqx.Recurrent` (batched, and vmapped
    over single sequences) and of `rec.eqx.Cell` scanned by hand equal those of Equinox's
    own cell scanned by hand."""
    cell, eqx_cell_class, to_eqx, to_hidden, output = EQX_CASES[name]
    params = random_params(cell)
    carry0 = random_like(jax.eval_shape(lambda: cell.initial_carry(B)), seed=2)
    mask = (jnp.arange(T)[None] < LENGTHS[:, None]).astype(xs.dtype)
    template = eqx.filter_eval_shape(eqx_cell_class, I, H, key=jax.random.key(0))
    w_ys = jnp.sin(jnp.arange(B * T * H).reshape(B, T, H))

    def loss(ys, hidden):
        total = jnp.sum(ys * w_ys * mask[..., None])
        for k, leaf in enumerate(jax.tree_util.tree_leaves(hidden)):
            total += jnp.sum(leaf * jnp.cos(k + jnp.arange(leaf.size).reshape(leaf.shape)))
        return total, (ys, hidden)

    def their_loss(p):
        eqx_cell = to_eqx(template, p)
        run = jax.vmap(lambda x, h, n: scan_by_hand(eqx_cell, output, h, x, n))
        return loss(*run(xs, to_hidden(carry0), LENGTHS))

    def our_batched_loss(model):
        ys, final = model(xs, carry0, lengths=LENGTHS)
        return loss(ys, to_hidden(final))

    def our_vmapped_loss(model):  # Equinox's convention: the model sees one sequence.
        ys, final = jax.vmap(lambda x, c, n: model(x, c, lengths=n))(xs, carry0, LENGTHS)
        return loss(ys, to_hidden(final))

    def our_cell_loss(model):  # rec.eqx.Cell's (carry, x) -> (carry, y), scanned the same way.
        run = jax.vmap(lambda x, c, n: scan_by_hand(lambda x_t, c_t: model(c_t, x_t)[0],
                                                    lambda c_t: c_t.h, c, x, n))
        ys, final = run(xs, carry0, LENGTHS)
        return loss(ys, to_hidden(final))

    recurrent_model = eqx.tree_at(lambda m: m.params, eqx.filter_eval_shape(
        lambda: rec.eqx.Recurrent(cell, I, key=jax.random.key(0), return_carry=True)), params)
    cell_model = with_params(cell, params, rec.eqx.Cell)

    @eqx.filter_jit  # One program for all four: compilation dominates here.
    def run_all(params, recurrent_model, cell_model):
        theirs = jax.grad(their_loss, has_aux=True)(params)
        ours = [eqx.filter_grad(f, has_aux=True)(m) for f, m in (
            (our_batched_loss, recurrent_model), (our_vmapped_loss, recurrent_model),
            (our_cell_loss, cell_model))]
        return theirs, ours

    (g_theirs, (ys_theirs, final_theirs)), ours = run_all(params, recurrent_model, cell_model)
    for grads, (ys, final) in ours:
        assert_close(ys * mask[..., None], ys_theirs * mask[..., None])
        assert_close(final, final_theirs)
        assert_close(grads.params, g_theirs)


# --- Our own functional API, dropout, and the Equinox workflow. --------------------------------

def test_params_field_is_cell_init(xs):
    # MinGRUs initialise without orthogonal blocks, whose eager compilation is slow.
    layer = rec.Stack([rec.Bidirectional(rec.MinGRU(H), rec.MinGRU(H)), rec.MinGRU(H)])
    key = jax.random.key(3)
    model = rec.eqx.Recurrent(layer, I, key=key)
    expected = layer.init(key, I)
    assert jax.tree_util.tree_structure(model.params) == jax.tree_util.tree_structure(expected)
    for leaf, want in zip(jax.tree_util.tree_leaves(model.params),
                          jax.tree_util.tree_leaves(expected), strict=True):
        np.testing.assert_array_equal(leaf, want)
    # The params are the module's only arrays: what filter_grad and serialisation see.
    arrays = jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_array))
    assert len(arrays) == len(jax.tree_util.tree_leaves(expected))


def test_matches_rec_unroll_with_dropout_and_inference_mode(xs):
    """A dropout `Stack` around a `Bidirectional` layer: with a key, `rec.unroll` with that
    rng; without one, an error; in `inference_mode`, `rec.unroll` without dropout."""
    layer = rec.Stack([rec.Bidirectional(rec.MinGRU(H), rec.MinGRU(H)), rec.MinGRU(H)],
                      dropout=0.5)
    model = with_params(layer, random_params(layer))
    key = jax.random.key(5)

    @eqx.filter_jit  # One program for every call below: compilation dominates here.
    def calls(model, key):
        return (model(xs, lengths=LENGTHS, key=key),
                eqx.nn.inference_mode(model)(xs, lengths=LENGTHS),
                rec.unroll(layer, model.params, xs, lengths=LENGTHS, rng=key)[0],
                rec.unroll(layer, model.params, xs, lengths=LENGTHS)[0])

    keyed, inference, expected_keyed, plain = calls(model, key)
    assert_close(keyed, expected_keyed)
    assert not np.allclose(keyed, plain)
    assert_close(inference, plain)
    with pytest.raises(ValueError, match="key"):
        model(xs)


def test_call_forwards_unroll_options(xs):
    model = with_params(rec.MinGRU(H), random_params(rec.MinGRU(H)))
    for option, value in (("mode", "bogus"), ("gradient", "bogus"), ("layout", "bogus"),
                          ("unroll", 0)):
        with pytest.raises(ValueError, match=option):  # rec.unroll's own checks.
            model(xs, **{option: value})
    call = inspect.signature(rec.eqx.Recurrent.__call__).parameters
    for name, p in inspect.signature(rec.unroll).parameters.items():
        if p.kind is p.KEYWORD_ONLY and name != "rng":  # rng is Equinox's `key`.
            assert name in call and call[name].default == p.default, name


def test_filter_vmap_over_three_models(xs):
    """A batch of 3 models (3 seeds) built and run under filter_vmap gives the 3 results of
    the models run one at a time."""
    cell = rec.MinGRU(H)  # Initialised without orthogonal blocks: cheaper to compile.
    keys = jax.random.split(jax.random.key(0), 3)

    @eqx.filter_jit  # One program for the batch and the 3 models alone.
    def run(keys):
        models = eqx.filter_vmap(lambda key: rec.eqx.Recurrent(cell, I, key=key))(keys)
        ys = eqx.filter_vmap(lambda m: m(xs, lengths=LENGTHS))(models)
        alone = [rec.eqx.Recurrent(cell, I, key=key)(xs, lengths=LENGTHS) for key in keys]
        return models, ys, alone

    models, ys, alone = run(keys)
    assert models.params["w_ih"].shape == (3, I, 2 * H)
    assert ys.shape == (3, B, T, H)
    for k in range(3):
        assert_close(ys[k], alone[k])
    assert not np.allclose(ys[0], ys[1]) and not np.allclose(ys[1], ys[2])


class Regressor(eqx.Module):
    """Recalls the first input's first feature at the last step."""

    rnn: rec.eqx.Recurrent
    head: eqx.nn.Linear

    def __init__(self, layer, *, key):
        rnn_key, head_key = jax.random.split(key)
        self.rnn = rec.eqx.Recurrent(layer, I, key=rnn_key)
        self.head = eqx.nn.Linear(layer.output_size, 1, key=head_key)

    def __call__(self, xs_TxI):  # One sequence, as Equinox modules take; vmapped below.
        return self.head(self.rnn(xs_TxI)[-1])[0]


def test_training_under_filter_jit_lowers_the_loss(xs):
    # Random values in an abstract model: eager initialisation would compile more than this
    # test's training step does.
    abstract = eqx.filter_eval_shape(Regressor, rec.LSTM(H), key=jax.random.key(0))
    arrays = eqx.filter(abstract, lambda leaf: isinstance(leaf, jax.ShapeDtypeStruct))
    model = eqx.combine(random_like(arrays), abstract)
    optimizer = optax.adam(0.05)
    opt_state = optimizer.init(eqx.filter(model, eqx.is_array))
    targets = xs[:, 0, 0]

    @eqx.filter_jit
    def train_step(model, opt_state):
        def loss_fn(model):
            return jnp.mean((jax.vmap(model)(xs) - targets) ** 2)
        loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
        updates, opt_state = optimizer.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    initial_rnn = model.rnn.params
    losses = []
    for _ in range(30):
        model, opt_state, loss = train_step(model, opt_state)
        losses.append(float(loss))
    assert losses[-1] < 0.1 * losses[0]
    moved = jax.tree_util.tree_map(lambda a, b: float(jnp.max(jnp.abs(a - b))),
                                   model.rnn.params, initial_rnn)
    assert min(jax.tree_util.tree_leaves(moved)) > 1e-3  # The cell trained, not just the head.


def test_tree_serialise_leaves_round_trip(tmp_path):
    layer = rec.Stack([rec.LSTM(H), rec.GRU(H)])
    model = with_params(layer, random_params(layer, seed=1))
    eqx.tree_serialise_leaves(tmp_path / "model.eqx", model)
    like = with_params(layer, random_params(layer, seed=2))
    restored = eqx.tree_deserialise_leaves(tmp_path / "model.eqx", like)
    arrays = lambda m: jax.tree_util.tree_leaves(eqx.filter(m, eqx.is_array))  # noqa: E731
    assert len(arrays(model)) == 8
    for got, want, other in zip(arrays(restored), arrays(model), arrays(like), strict=True):
        np.testing.assert_array_equal(got, want)
        assert not np.array_equal(got, other)
    assert restored.cell == layer


# --- Equinox is optional. -------------------------------------------------------------------

def test_recurrent_imports_without_equinox():
    """With Equinox hidden, `import recurrent` (and a star import) works, `eqx` is not in
    `__all__`, and `rec.eqx` raises an ImportError that says how to install it."""
    script = textwrap.dedent("""
        import sys
        sys.modules["equinox"] = None  # As if it were not installed.
        import recurrent as rec
        from recurrent import *  # noqa: F403
        assert "eqx" not in rec.__all__, rec.__all__
        assert "nnx" in rec.__all__
        try:
            rec.eqx
        except ImportError as error:
            print(error)
        else:
            raise AssertionError("rec.eqx imported without equinox")
    """)
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "pip install -e '.[equinox]'" in result.stdout
    assert "eqx" in rec.__all__  # Here, where Equinox is installed, it is listed.
