"""Tests of the cells against NumPy float64 loops, Flax's cells and hand-computed values.

Also the PyTorch state-dict interop and the cell registry. Shapes are tiny (B batch, T time,
I input, H hidden) because compile time dominates.
"""

import math
import re

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import recurrent as rec

B, T, I, H = 2, 5, 3, 4  # The project's shape letters.
RTOL, ATOL = 1e-5, 1e-6  # float32 against float64.
LN2, LN3 = math.log(2.0), math.log(3.0)

CELLS = {
    "rnn_tanh": lambda **kw: rec.RNN(H, activation="tanh", **kw),
    "rnn_relu_identity": lambda **kw: rec.RNN(
        H, activation="relu", recurrent_init="identity", **kw),
    "rnn_linear": lambda **kw: rec.RNN(H, activation="linear", **kw),
    "lstm": lambda **kw: rec.LSTM(H, **kw),
    "lstm_chrono": lambda **kw: rec.LSTM(H, chrono_t_max=10, **kw),
    "gru": lambda **kw: rec.GRU(H, **kw),
}


def _perturbed_params(cell, seed):
    """`cell.init` params with random nonzero biases added, so every bias is exercised."""
    params = dict(cell.init(jax.random.key(seed), I))
    rng = np.random.default_rng(seed)
    for name in ("b_ih", "b_hh"):
        noise = 0.5 * rng.standard_normal(params[name].shape)
        params[name] = params[name] + jnp.asarray(noise, params[name].dtype)
    return params


def _random_carry(cell, rng, dtype=np.float32):
    """A nonzero carry with the structure of `cell.initial_carry((B,))`."""
    zeros = cell.initial_carry((B,))
    return type(zeros)(*(jnp.asarray(0.5 * rng.standard_normal(z.shape), dtype) for z in zeros))


def _f64(tree):
    return jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64), tree)


# --- NumPy float64 reference, written from the docstring equations. ---------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


_NP_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}


def numpy_step(cell, p, carry, x):
    """One step in NumPy; `carry` is a dict of the carry's fields; returns `(carry, y)`."""
    h = carry["h"]
    if isinstance(cell, rec.RNN):
        # h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        h = _NP_ACTIVATIONS[cell.activation](x @ p["w_ih"] + p["b_ih"] + h @ p["w_hh"] + p["b_hh"])
        return {"h": h}, h
    if isinstance(cell, rec.LSTM):
        z = x @ p["w_ih"] + p["b_ih"] + h @ p["w_hh"] + p["b_hh"]
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
        c = _sigmoid(z_f) * carry["c"] + _sigmoid(z_i) * np.tanh(z_g)
        h = _sigmoid(z_o) * np.tanh(c)
        return {"h": h, "c": c}, h
    if isinstance(cell, rec.GRU):
        x_r, x_z, x_n = np.split(x @ p["w_ih"] + p["b_ih"], 3, axis=-1)
        h_r, h_z, h_n = np.split(h @ p["w_hh"] + p["b_hh"], 3, axis=-1)
        r = _sigmoid(x_r + h_r)
        z = _sigmoid(x_z + h_z)
        n = np.tanh(x_n + r * h_n)
        h = (1.0 - z) * n + z * h
        return {"h": h}, h
    raise TypeError(f"no NumPy reference for {cell}")


def numpy_unroll(cell, p, xs_BxTxI, carry):
    """Python loop of `numpy_step` over the time axis; returns `(ys_BxTxH, carry)`."""
    ys = []
    for t in range(xs_BxTxI.shape[1]):
        carry, y = numpy_step(cell, p, carry, xs_BxTxI[:, t])
        ys.append(y)
    return np.stack(ys, axis=1), carry


def _assert_carry_close(carry, expected, **tol):
    assert set(carry._fields) == set(expected)
    for field in carry._fields:
        np.testing.assert_allclose(getattr(carry, field), expected[field], err_msg=field, **tol)


@pytest.fixture(scope="module", params=list(CELLS))
def case(request):
    """A float32 cell with perturbed params, inputs and a nonzero carry, shared per cell."""
    cell = CELLS[request.param]()
    rng = np.random.default_rng(42)
    return {
        "cell": cell,
        "params": _perturbed_params(cell, seed=1),
        "xs": rng.standard_normal((B, T, I)).astype(np.float32),
        "carry": _random_carry(cell, rng),
    }


@pytest.mark.parametrize("start", ["zeros", "random"])
def test_unroll_matches_numpy(case, start):
    cell, params, xs = case["cell"], case["params"], case["xs"]
    carry = None if start == "zeros" else case["carry"]
    ys, final = rec.unroll(cell, params, xs, carry)
    start_carry = cell.initial_carry((B,), jnp.float32) if carry is None else carry
    ys_ref, final_ref = numpy_unroll(cell, _f64(params), _f64(xs), _f64(start_carry._asdict()))
    assert ys.shape == (B, T, H) and ys.dtype == jnp.float32
    assert type(final) is type(cell.initial_carry((B,)))
    np.testing.assert_allclose(ys, ys_ref, rtol=RTOL, atol=ATOL)
    _assert_carry_close(final, final_ref, rtol=RTOL, atol=ATOL)


def test_step_matches_numpy(case):
    cell, params, carry = case["cell"], case["params"], case["carry"]
    x = case["xs"][:, 0]
    new_carry, y = cell(params, carry, x)
    expected_carry, expected_y = numpy_step(cell, _f64(params), _f64(carry._asdict()), _f64(x))
    np.testing.assert_allclose(y, expected_y, rtol=RTOL, atol=ATOL)
    _assert_carry_close(new_carry, expected_carry, rtol=RTOL, atol=ATOL)


def test_reference_sees_nonzero_biases(case):
    """Guards the other tests: the perturbation makes every bias nonzero."""
    for name in ("b_ih", "b_hh"):
        assert np.all(np.asarray(case["params"][name]) != 0), name


# --- Flax's own cells, with the parameters copied across. ------------------------------------

_FLAX_ACTIVATIONS = {"tanh": jnp.tanh, "relu": jax.nn.relu, "linear": lambda z: z}


def flax_cell_and_params(cell, params):
    """The equivalent Flax cell and its params, from our fused `[I, G*H]` layout."""
    p = {k: np.asarray(v) for k, v in params.items()}
    b = p["b_ih"] + p["b_hh"]  # Flax has one bias where the two are simply summed.
    if isinstance(cell, rec.RNN):
        flax_cell = nn.SimpleCell(H, activation_fn=_FLAX_ACTIVATIONS[cell.activation])
        return flax_cell, {"i": {"kernel": p["w_ih"], "bias": b}, "h": {"kernel": p["w_hh"]}}
    gate = lambda k: slice(k * H, (k + 1) * H)  # noqa: E731
    if isinstance(cell, rec.LSTM):
        flax_params = {}
        for k, name in enumerate("ifgo"):
            flax_params[f"i{name}"] = {"kernel": p["w_ih"][:, gate(k)]}
            flax_params[f"h{name}"] = {"kernel": p["w_hh"][:, gate(k)], "bias": b[gate(k)]}
        return nn.LSTMCell(H), flax_params
    if isinstance(cell, rec.GRU):
        r, z, n = gate(0), gate(1), gate(2)
        return nn.GRUCell(H), {
            "ir": {"kernel": p["w_ih"][:, r], "bias": b[r]},
            "iz": {"kernel": p["w_ih"][:, z], "bias": b[z]},
            "in": {"kernel": p["w_ih"][:, n], "bias": p["b_ih"][n]},
            "hr": {"kernel": p["w_hh"][:, r]},
            "hz": {"kernel": p["w_hh"][:, z]},
            "hn": {"kernel": p["w_hh"][:, n], "bias": p["b_hh"][n]},
        }
    raise TypeError(f"no Flax counterpart for {cell}")


def test_unroll_matches_flax(case):
    cell, params, xs, carry = case["cell"], case["params"], case["xs"], case["carry"]
    flax_cell, flax_params = flax_cell_and_params(cell, params)
    flax_rnn = nn.RNN(flax_cell, return_carry=True)
    own_init = flax_rnn.init(jax.random.key(0), xs)["params"]["cell"]
    # The copied tree must be exactly the one Flax builds (same names and shapes).
    assert jax.tree_util.tree_map(np.shape, flax_params) == jax.tree_util.tree_map(
        np.shape, own_init)
    # Flax's LSTM carry is (c, h); ours is LSTMCarry(h, c).
    flax_carry = (carry.c, carry.h) if isinstance(cell, rec.LSTM) else carry.h
    flax_final, flax_ys = flax_rnn.apply(
        {"params": {"cell": flax_params}}, xs, initial_carry=flax_carry)
    ys, final = rec.unroll(cell, params, xs, carry)
    np.testing.assert_allclose(ys, flax_ys, rtol=RTOL, atol=ATOL)
    if isinstance(cell, rec.LSTM):
        np.testing.assert_allclose(final.c, flax_final[0], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(final.h, flax_final[1], rtol=RTOL, atol=ATOL)
    else:
        np.testing.assert_allclose(final.h, flax_final, rtol=RTOL, atol=ATOL)


# --- Gradients, in float64. -------------------------------------------------------------------

@pytest.mark.parametrize("gradient", ["fused", "autodiff"])
@pytest.mark.parametrize("name", list(CELLS))
def test_gradients_match_finite_differences(name, gradient):
    # The fused unroll's custom VJP is reverse mode only; autodiff also checks forward mode.
    modes = ("rev",) if gradient == "fused" else ("fwd", "rev")
    with jax.enable_x64(True):
        cell = CELLS[name](param_dtype=jnp.float64)
        params = _perturbed_params(cell, seed=3)
        rng = np.random.default_rng(4)
        xs = jnp.asarray(rng.standard_normal((B, T, I)), jnp.float64)
        weights = jnp.asarray(rng.standard_normal((B, T, H)), jnp.float64)

        @jax.jit
        def loss(params, xs):
            ys, carry = rec.unroll(cell, params, xs, gradient=gradient)
            # A random weighting, so that no output's gradient is hidden by a symmetric sum.
            carry_term = sum(jnp.sum(jnp.sin(leaf)) for leaf in jax.tree_util.tree_leaves(carry))
            return jnp.sum(weights * ys) + carry_term

        assert all(leaf.dtype == jnp.float64 for leaf in jax.tree_util.tree_leaves(params))
        assert jax.eval_shape(loss, params, xs).dtype == jnp.float64
        check_grads(loss, (params, xs), order=1, modes=modes)


# --- PyTorch state-dict interop. ---------------------------------------------------------------

# name: (layer, gates, {torch suffix: (input size, path of that cell in our params)}).
INTEROP_CASES = {
    "rnn": (rec.RNN(H), 1, {"l0": (I, ())}),
    "lstm": (rec.LSTM(H), 4, {"l0": (I, ())}),
    "gru": (rec.GRU(H), 3, {"l0": (I, ())}),
    "bidirectional_lstm": (
        rec.Bidirectional(rec.LSTM(H), rec.LSTM(H)), 4,
        {"l0": (I, ("forward",)), "l0_reverse": (I, ("backward",))}),
    "stack_lstm": (
        rec.Stack([rec.LSTM(H), rec.LSTM(H)]), 4,
        {"l0": (I, ("layer_0",)), "l1": (H, ("layer_1",))}),
    "stack_bidirectional_gru": (
        rec.Stack([rec.Bidirectional(rec.GRU(H), rec.GRU(H)),
                   rec.Bidirectional(rec.GRU(H), rec.GRU(H))]), 3,
        {"l0": (I, ("layer_0", "forward")), "l0_reverse": (I, ("layer_0", "backward")),
         "l1": (2 * H, ("layer_1", "forward")), "l1_reverse": (2 * H, ("layer_1", "backward"))}),
}


def _state_dict(name, seed=0, bias=True):
    """A random float32 state dict keyed like PyTorch's module for case `name`."""
    _, gates, layout = INTEROP_CASES[name]
    rng = np.random.default_rng(seed)
    draw = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
    sd = {}
    for suffix, (in_size, _) in layout.items():
        sd[f"weight_ih_{suffix}"] = draw(gates * H, in_size)
        sd[f"weight_hh_{suffix}"] = draw(gates * H, H)
        if bias:
            sd[f"bias_ih_{suffix}"] = draw(gates * H)
            sd[f"bias_hh_{suffix}"] = draw(gates * H)
    return sd


def _at(params, path):
    for key in path:
        params = params[key]
    return params


@pytest.mark.parametrize("name", list(INTEROP_CASES))
def test_torch_round_trip_is_exact(name):
    layer = INTEROP_CASES[name][0]
    sd = _state_dict(name)
    back = rec.interop.to_torch(layer, rec.interop.from_torch(layer, sd))
    assert sorted(back) == sorted(sd)
    for key, value in sd.items():
        assert back[key].dtype == value.dtype, key
        assert np.array_equal(back[key], value), key


@pytest.mark.parametrize("name", list(INTEROP_CASES))
def test_from_torch_puts_each_tensor_in_place(name):
    layer, _, layout = INTEROP_CASES[name]
    sd = _state_dict(name)
    params = rec.interop.from_torch(layer, sd)
    expected = jax.eval_shape(lambda k: layer.init(k, I), jax.random.key(0))
    assert jax.tree_util.tree_structure(params) == jax.tree_util.tree_structure(expected)
    for suffix, (_, path) in layout.items():
        cell_params = _at(params, path)
        # Our kernels are the transposes of PyTorch's: x @ w_ih.
        np.testing.assert_array_equal(cell_params["w_ih"], sd[f"weight_ih_{suffix}"].T)
        np.testing.assert_array_equal(cell_params["w_hh"], sd[f"weight_hh_{suffix}"].T)
        np.testing.assert_array_equal(cell_params["b_ih"], sd[f"bias_ih_{suffix}"])
        np.testing.assert_array_equal(cell_params["b_hh"], sd[f"bias_hh_{suffix}"])
        assert all(v.dtype == jnp.float32 for v in cell_params.values())


@pytest.mark.parametrize("name", list(INTEROP_CASES))
def test_from_torch_without_biases_gives_zero_biases(name):
    layer, gates, layout = INTEROP_CASES[name]
    sd = _state_dict(name, bias=False)
    params = rec.interop.from_torch(layer, sd)
    for suffix, (_, path) in layout.items():
        cell_params = _at(params, path)
        np.testing.assert_array_equal(cell_params["w_ih"], sd[f"weight_ih_{suffix}"].T)
        for bias in ("b_ih", "b_hh"):
            assert cell_params[bias].shape == (gates * H,)
            assert cell_params[bias].dtype == jnp.float32
            assert not np.any(np.asarray(cell_params[bias]))


def _with(sd, key, value):
    sd = dict(sd)
    sd[key] = value
    return sd


def _without(sd, key):
    return {k: v for k, v in sd.items() if k != key}


_LSTM_SD = _state_dict("lstm")
_STACK_SD = _state_dict("stack_bidirectional_gru")
_BAD_STATE_DICTS = {
    "wrong_shape_weight_hh": (
        "lstm", _with(_LSTM_SD, "weight_hh_l0", np.zeros((4 * H, H + 1), np.float32)),
        "weight_hh_l0"),
    "transposed_weight_ih": (
        "lstm", _with(_LSTM_SD, "weight_ih_l0", np.zeros((I, 4 * H), np.float32)),
        "weight_ih_l0"),
    "wrong_shape_bias": (
        "lstm", _with(_LSTM_SD, "bias_ih_l0", np.zeros((4 * H + 1,), np.float32)),
        "bias_ih_l0"),
    "wrong_shape_second_layer_input": (
        "stack_bidirectional_gru",
        _with(_STACK_SD, "weight_ih_l1_reverse", np.zeros((3 * H, H), np.float32)),
        "weight_ih_l1_reverse"),
    "missing_weight_ih": ("lstm", _without(_LSTM_SD, "weight_ih_l0"), "weight_ih_l0"),
    "missing_weight_hh": ("lstm", _without(_LSTM_SD, "weight_hh_l0"), "weight_hh_l0"),
    "missing_reverse_weight": (
        "stack_bidirectional_gru", _without(_STACK_SD, "weight_hh_l1_reverse"),
        "weight_hh_l1_reverse"),
    "extra_layer": (
        "lstm", _with(_LSTM_SD, "weight_ih_l1", np.zeros((4 * H, H), np.float32)),
        "weight_ih_l1"),
    "extra_reverse": (
        "lstm", _with(_LSTM_SD, "bias_hh_l0_reverse", np.zeros((4 * H,), np.float32)),
        "bias_hh_l0_reverse"),
    "extra_unrelated": ("gru", _with(_state_dict("gru"), "foo", np.zeros(3, np.float32)), "foo"),
    "empty_input_axis": (
        "lstm", _with(_LSTM_SD, "weight_ih_l0", np.zeros((4 * H, 0), np.float32)),
        "weight_ih_l0"),
    "scalar_weight_ih": ("lstm", _with(_LSTM_SD, "weight_ih_l0", np.float32(1.0)), "weight_ih_l0"),
}


@pytest.mark.parametrize("bad", list(_BAD_STATE_DICTS))
def test_from_torch_rejects_bad_state_dict_naming_the_key(bad):
    name, sd, key = _BAD_STATE_DICTS[bad]
    # The key in quotes, so that e.g. 'weight_ih_l1' does not match 'weight_ih_l1_reverse'.
    with pytest.raises(ValueError, match=re.escape(repr(key))):
        rec.interop.from_torch(INTEROP_CASES[name][0], sd)


# --- Hand-computed values, through from_torch (PyTorch layout [G*H, I]). -----------------------

def _load(cell, weight_ih, weight_hh, bias_ih, bias_hh):
    sd = {"weight_ih_l0": weight_ih, "weight_hh_l0": weight_hh,
          "bias_ih_l0": bias_ih, "bias_hh_l0": bias_hh}
    return rec.interop.from_torch(cell, {k: np.asarray(v, np.float32) for k, v in sd.items()})


def test_hand_computed_relu_rnn():
    # H=2, I=1. In PyTorch's layout h_j = relu(sum_k W_hh[j, k] h_k + W_ih[j] x + b_j), with
    # b = b_ih + b_hh = [1, 1]. W_hh is not symmetric, so a transposed kernel gives other values.
    cell = rec.RNN(2, activation="relu")
    params = _load(cell, weight_ih=[[1], [-1]], weight_hh=[[1, 0], [2, -1]],
                   bias_ih=[0, 1], bias_hh=[1, 0])
    xs = np.array([[[1], [2], [-7]], [[0], [0], [0]]], np.float32)
    ys, carry = rec.unroll(cell, params, xs)
    expected = [
        # x=1:  [1+1, -1+1] = [2, 0]
        # x=2:  [2+1 + (2), -2+1 + (2*2 - 0)] = [5, 3]
        # x=-7: [-7+1 + (5), 7+1 + (2*5 - 3)] = relu([-1, 15]) = [0, 15]
        [[2, 0], [5, 3], [0, 15]],
        # x=0:  [1, 1];  then [1 + 1, 1 + (2 - 1)] = [2, 2];  then [1 + 2, 1 + (4 - 2)] = [3, 3]
        [[1, 1], [2, 2], [3, 3]],
    ]
    np.testing.assert_allclose(ys, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(carry.h, [[0, 15], [3, 3]], rtol=RTOL, atol=ATOL)


def test_hand_computed_tanh_rnn():
    # H=I=1: h_t = tanh(ln2 x_t + (1 - 1) + (5/3) ln2 h_{t-1}), and tanh(ln 2) = 3/5.
    cell = rec.RNN(1, activation="tanh")
    params = _load(cell, weight_ih=[[LN2]], weight_hh=[[5 / 3 * LN2]], bias_ih=[1], bias_hh=[-1])
    xs = np.array([[[1], [-2], [1], [1]]], np.float32)
    ys, carry = rec.unroll(cell, params, xs)
    # x=1:  tanh(ln2) = 3/5
    # x=-2: tanh(-2 ln2 + (5/3) ln2 (3/5)) = tanh(-ln2) = -3/5
    # x=1:  tanh(ln2 + (5/3) ln2 (-3/5)) = tanh(0) = 0
    # x=1:  tanh(ln2 + 0) = 3/5
    np.testing.assert_allclose(ys[0, :, 0], [3 / 5, -3 / 5, 0, 3 / 5], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(carry.h, [[3 / 5]], rtol=RTOL, atol=ATOL)


def test_hand_computed_lstm():
    # H=I=1, gates in the order i, f, g, o; z = W_ih x + b_ih + b_hh + W_hh h_{t-1}.
    # Total biases b = [3 ln3, -31, 2 ln2, ln3 - 31], split unevenly between b_ih and b_hh.
    cell = rec.LSTM(1)
    params = _load(cell,
                   weight_ih=[[-2 * LN3], [11], [-LN2], [11]],
                   weight_hh=[[0], [20], [0], [20]],
                   bias_ih=[LN3, -30, LN2, -31],
                   bias_hh=[2 * LN3, -1, LN2, LN3])
    # Start from h0 = 1 and c0 = 2 ln2 - 9/10 (chosen so that c1 = ln 2).
    carry = rec.LSTMCarry(h=jnp.array([[1.0]]), c=jnp.array([[2 * LN2 - 0.9]]))
    xs = np.array([[[1], [2]]], np.float32)
    ys, final = rec.unroll(cell, params, xs, carry)
    # t=1, x=1, h0=1:
    #   z_i = -2 ln3 + 3 ln3 + 0 = ln3        -> i = 3/4
    #   z_f = 11 - 31 + 20 = 0                -> f = 1/2
    #   z_g = -ln2 + 2 ln2 + 0 = ln2          -> g = tanh(ln2) = 3/5
    #   z_o = 11 + ln3 - 31 + 20 = ln3        -> o = 3/4
    #   c1 = (1/2)(2 ln2 - 9/10) + (3/4)(3/5) = ln2;  h1 = (3/4) tanh(ln2) = 9/20
    # t=2, x=2, h1=9/20:
    #   z_i = -4 ln3 + 3 ln3 + 0 = -ln3       -> i = 1/4
    #   z_f = 22 - 31 + 20 (9/20) = 0         -> f = 1/2
    #   z_g = -2 ln2 + 2 ln2 + 0 = 0          -> g = 0
    #   z_o = 22 + ln3 - 31 + 9 = ln3         -> o = 3/4
    #   c2 = (1/2) ln2 + (1/4) 0 = ln(sqrt 2);  h2 = (3/4) tanh(ln sqrt2) = (3/4)(1/3) = 1/4
    np.testing.assert_allclose(ys[0, :, 0], [9 / 20, 1 / 4], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(final.h, [[1 / 4]], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(final.c, [[LN2 / 2]], rtol=RTOL, atol=ATOL)


def test_hand_computed_gru():
    # H=I=1, gates r, z, n, reset-after: n = tanh(W_in x + b_in + r (W_hn h + b_hn)).
    # b_hn = 4 sits inside the reset product, so a reset-before GRU gives other values.
    cell = rec.GRU(1)
    params = _load(cell,
                   weight_ih=[[-3 - LN3], [3 + LN3], [LN3 - LN2 - 0.5]],
                   weight_hh=[[10], [-10], [10]],
                   bias_ih=[2 * LN3, -LN3, 2 * LN2 - LN3 - 2.5],
                   bias_hh=[3, -3, 4])
    xs = np.array([[[1], [2]]], np.float32)
    ys, final = rec.unroll(cell, params, xs)
    # t=1, x=1, h0=0:
    #   r = sigmoid(-3 - ln3 + 2 ln3 + 3) = sigmoid(ln3) = 3/4
    #   z = sigmoid(3 + ln3 - ln3 - 3) = sigmoid(0) = 1/2
    #   n = tanh(ln3 - ln2 - 1/2 + 2 ln2 - ln3 - 5/2 + (3/4)(0 + 4)) = tanh(ln2) = 3/5
    #   h1 = (1/2)(3/5) + (1/2) 0 = 3/10
    # t=2, x=2, h1=3/10:
    #   r = sigmoid(-6 - 2 ln3 + 2 ln3 + 3 + 10 (3/10)) = sigmoid(0) = 1/2
    #   z = sigmoid(6 + 2 ln3 - ln3 - 3 - 10 (3/10)) = sigmoid(ln3) = 3/4
    #   n = tanh(2 ln3 - 2 ln2 - 1 + 2 ln2 - ln3 - 5/2 + (1/2)(3 + 4)) = tanh(ln3) = 4/5
    #   h2 = (1/4)(4/5) + (3/4)(3/10) = 1/5 + 9/40 = 17/40
    np.testing.assert_allclose(ys[0, :, 0], [3 / 10, 17 / 40], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(final.h, [[17 / 40]], rtol=RTOL, atol=ATOL)


# --- Registry. ----------------------------------------------------------------------------------

_LIBRARY_CELLS = {"rnn": rec.RNN, "lstm": rec.LSTM, "gru": rec.GRU, "mingru": rec.MinGRU,
                  "minlstm": rec.MinLSTM, "indrnn": rec.IndRNN}


def test_cell_names_lists_library_cells_sorted():
    names = rec.cell_names()
    assert set(_LIBRARY_CELLS) <= set(names)
    assert list(names) == sorted(names)


@pytest.mark.parametrize("name", rec.cell_names())
def test_make_cell_builds_registered_class(name):
    cell = rec.make_cell(name, hidden_size=3)
    assert type(cell) is rec.get_cell_class(name)
    if name in _LIBRARY_CELLS:
        assert type(cell) is _LIBRARY_CELLS[name]
    assert cell.hidden_size == 3


def test_make_cell_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="nope") as error:
        rec.make_cell("nope", hidden_size=3)
    for name in rec.cell_names():
        assert name in str(error.value)
