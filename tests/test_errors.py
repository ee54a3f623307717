"""Bad input: a clear error naming the argument, at trace time, never a silent broadcast."""

import jax
import jax.numpy as jnp
import pytest

import recurrent as rec


@pytest.mark.parametrize("make", [rec.RNN, rec.LSTM, rec.GRU])
@pytest.mark.parametrize("hidden_size", [0, -3, 2.5, True, "8", None])
def test_hidden_size_must_be_a_positive_int(make, hidden_size):
    message = f"hidden_size must be a positive integer, got {hidden_size!r}"
    with pytest.raises(ValueError, match=message):
        make(hidden_size)


def test_unknown_options():
    with pytest.raises(ValueError, match=r"activation must be one of \['linear', 'relu', "
                       r"'tanh'\], got 'sigmoid'"):
        rec.RNN(4, activation="sigmoid")
    with pytest.raises(ValueError, match="recurrent_init must be one of"):
        rec.RNN(4, recurrent_init="zeros")
    with pytest.raises(ValueError, match="chrono_t_max must be None or a number >= 2, got 1"):
        rec.LSTM(4, chrono_t_max=1)
    with pytest.raises(ValueError, match="dropout must be a probability in \\[0, 1\\), got 1.0"):
        rec.Stack([rec.RNN(4)], dropout=1.0)
    with pytest.raises(ValueError, match=r"residual=True needs layers\[1\]"):
        rec.Stack([rec.RNN(4), rec.RNN(5)], residual=True)
    with pytest.raises(TypeError, match=r"layers\[1\] must be a recurrent cell"):
        rec.Stack([rec.RNN(4), "lstm"])
    with pytest.raises(ValueError, match="input_size must be a positive integer, got 0"):
        rec.LSTM(4).init(jax.random.key(0), 0)


@pytest.fixture(scope="module")
def lstm():
    cell = rec.LSTM(4)
    return cell, cell.init(jax.random.key(0), 3)


def test_wrong_input_size(lstm):
    cell, params = lstm
    with pytest.raises(ValueError, match=r"xs has shape \(2, 5, 7\).*input_size=3"):
        rec.unroll(cell, params, jnp.ones((2, 5, 7)))
    with pytest.raises(ValueError, match=r"x has shape \(2, 7\).*input_size=3"):
        cell(params, cell.initial_carry(2), jnp.ones((2, 7)))


def test_xs_must_have_three_axes(lstm):
    cell, params = lstm
    with pytest.raises(ValueError, match=r"xs must have 3 axes \[B, T, I\], got shape \(5, 3\)"):
        rec.unroll(cell, params, jnp.ones((5, 3)))


def test_carry_shape_and_structure(lstm):
    cell, params = lstm
    xs = jnp.ones((2, 5, 3))
    with pytest.raises(ValueError, match=r"carry has a leaf of shape \(3, 4\), expected \(2, 4\)"):
        rec.unroll(cell, params, xs, cell.initial_carry(3))
    with pytest.raises(TypeError, match="carry must have the structure"):
        rec.unroll(cell, params, xs, rec.GRU(4).initial_carry(2))
    with pytest.raises(ValueError, match="carry has a leaf of shape"):
        cell(params, cell.initial_carry(1), jnp.ones((2, 3)))


def test_params_of_another_cell(lstm):
    cell, params = lstm
    with pytest.raises(ValueError, match=r"params\['\w+'\] has shape \((4, )?16,?\), "
                       r"expected \((5, )?20,?\) for LSTM"):
        rec.unroll(rec.LSTM(5), params, jnp.ones((2, 5, 3)))
    with pytest.raises(ValueError, match=r"params\['\w+'\] has shape \((4, )?16,?\), "
                       r"expected \((4, )?12,?\) for GRU"):
        rec.unroll(rec.GRU(4), params, jnp.ones((2, 5, 3)))


@pytest.mark.parametrize("lengths, message", [
    ([5, 6], r"lengths must lie in \[0, T\] = \[0, 5\], got a length of 6"),
    ([-1, 2], r"lengths must lie in \[0, T\] = \[0, 5\], got a length of -1"),
    ([1, 2, 3], r"lengths must have shape \(batch,\) = \(2,\), got \(3,\)"),
    ([[1, 2]], r"lengths must have shape \(batch,\) = \(2,\), got \(1, 2\)"),
])
def test_bad_lengths(lstm, lengths, message):
    cell, params = lstm
    with pytest.raises(ValueError, match=message):
        rec.unroll(cell, params, jnp.ones((2, 5, 3)), lengths=jnp.array(lengths))


def test_float_lengths(lstm):
    cell, params = lstm
    with pytest.raises(TypeError, match="lengths must be integers, got dtype float32"):
        rec.unroll(cell, params, jnp.ones((2, 5, 3)), lengths=jnp.array([1.0, 2.0]))


def test_errors_are_raised_at_trace_time_under_jit(lstm):
    cell, params = lstm

    @jax.jit
    def forward(xs, lengths):
        return rec.unroll(cell, params, xs, lengths=lengths)

    with pytest.raises(ValueError, match="input_size=3"):
        forward(jnp.ones((2, 5, 4)), jnp.array([1, 2]))
    with pytest.raises(ValueError, match="lengths must have shape"):
        forward(jnp.ones((2, 5, 3)), jnp.array([1, 2, 3]))


def test_not_a_cell():
    with pytest.raises(TypeError, match="cell must be a recurrent cell or layer"):
        rec.unroll("lstm", {}, jnp.ones((2, 5, 3)))


def test_bad_batch_shape():
    with pytest.raises(ValueError, match="batch_shape must hold non-negative ints"):
        rec.GRU(4).initial_carry((2, -1))


@pytest.mark.parametrize("make, kwargs, message", [
    (rec.LSTM, dict(forget_bias="abc"), "forget_bias must be a finite number, got 'abc'"),
    (rec.LSTM, dict(forget_bias=float("nan")), "forget_bias must be a finite number, got nan"),
    (rec.LSTM, dict(chrono_t_max="64"), "chrono_t_max must be a finite number or None"),
    (rec.RNN, dict(recurrent_scale=True), "recurrent_scale must be a finite number, got True"),
    (rec.RNN, dict(activation=3), "activation must be a string, got 3"),
    (rec.GRU, dict(param_dtype="int32"), "param_dtype must be a floating-point dtype"),
    (rec.GRU, dict(param_dtype=None), "param_dtype must be a floating-point dtype"),
    (rec.MinGRU, dict(log_space=1), "log_space must be True or False, got 1"),
    (rec.IndRNN, dict(t_max="x"), "t_max must be a finite number or None, got 'x'"),
])
def test_cell_options_are_checked_against_their_declared_types(make, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(4, **kwargs)


def test_values_of_the_declared_types_are_accepted():
    assert rec.LSTM(4, chrono_t_max=64).chrono_t_max == 64  # An int where a float is declared.
    assert rec.IndRNN(4, t_max=1.5).t_max == 1.5
    assert rec.GRU(4, param_dtype=jnp.bfloat16, matmul_dtype="bfloat16").param_dtype == (
        jnp.bfloat16)
