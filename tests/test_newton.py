"""mode="newton": DEER / quasi-DEER unrolls against the sequential scan (values, gradients,
the fallback, damping, a chaotic RNN, a Stack, T = 1024, state_grads, the warm start, no
recompiles). Tiny shapes; the solver is cell-agnostic."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import recurrent as rec

B, T, I, H = 2, 16, 3, 4
LENGTHS = jnp.array([16, 9])
XS = jax.random.normal(jax.random.key(1), (B, T, I))
MARK = {j: rec.Newton(jacobian=j, fallback="mark") for j in ("full", "diagonal")}
CHAOTIC_SCALE = 8.0  # w_hh scaled far from contracting: orbits of the tanh RNN diverge.


def assert_trees_close(got, expected):
    for a, e in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(expected),
                    strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", "indrnn"])
def test_newton_trajectories_equal_the_sequential_scan(name):
    cell = rec.make_cell(name, hidden_size=H)
    params = cell.init(jax.random.key(0), I)
    carry = jax.tree_util.tree_map(lambda c: c + 0.3, cell.initial_carry((B,)))
    for reverse in (False, True) if name == "lstm" else (False,):  # One compile less each.
        expected = rec.unroll(cell, params, XS, carry, lengths=LENGTHS, reverse=reverse)
        for mode in MARK.values():  # "mark": an unconverged solve would be NaN, and fail here.
            assert_trees_close(rec.unroll(cell, params, XS, carry, lengths=LENGTHS,
                                          reverse=reverse, mode=mode), expected)


def test_newton_gradients_equal_autodiff_of_the_scan():
    cell = rec.LSTM(H)
    params = cell.init(jax.random.key(0), I)
    weights = jax.random.normal(jax.random.key(2), (B, T, H))

    def loss(params, xs, **options):
        ys, final = rec.unroll(cell, params, xs, lengths=LENGTHS, **options)
        return jnp.sum(weights * ys) + jnp.sum(jnp.sin(final.c))

    expected = jax.grad(loss, argnums=(0, 1))(params, XS, gradient="autodiff")
    got = jax.grad(lambda p, x: loss(p, x, mode=MARK["diagonal"]), argnums=(0, 1))(params, XS)
    assert_trees_close(got, expected)


def test_an_unconverged_solve_falls_back_to_the_exact_scan_or_is_marked():
    cell = rec.RNN(H)
    params = cell.init(jax.random.key(0), I)
    params = {**params, "w_hh": CHAOTIC_SCALE * params["w_hh"]}
    expected = rec.unroll(cell, params, XS, gradient="autodiff")[0]  # The plain scan.
    few = dict(jacobian="diagonal", max_iterations=2)
    info = rec.analysis.newton_info(cell, params, XS, mode=rec.Newton(**few))
    assert not bool(info.converged) and int(info.iterations) == 2
    fallback = rec.unroll(cell, params, XS, mode=rec.Newton(**few))[0]
    np.testing.assert_array_equal(fallback, expected)  # The sequential scan itself.
    marked = rec.unroll(cell, params, XS, mode=rec.Newton(**few, fallback="mark"))[0]
    assert bool(jnp.all(jnp.isnan(marked)))


def test_state_grads_in_newton_mode_equal_the_sequential_ones():
    cell = rec.GRU(H)
    params = cell.init(jax.random.key(0), I)

    def loss(ys):
        return jnp.sum(ys[:, -1] ** 2)

    expected = rec.analysis.state_grads(cell, params, XS, loss)
    got = rec.analysis.state_grads(cell, params, XS, loss, mode=MARK["full"])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("field, value, message", [
    ("jacobian", "dense", "Newton jacobian must be one of"),
    ("max_iterations", 0, "Newton max_iterations must be None or a positive integer"),
    ("fallback", "raise", "Newton fallback must be one of"),
])
def test_bad_newton_options_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        rec.Newton(**{field: value})


TRACES = []  # One entry per trace of `lstm_solve`.
LSTM = rec.LSTM(H)


@functools.partial(jax.jit, static_argnames="mode")
def lstm_solve(params, xs, guess, mode):
    """The LSTM's Newton unroll from `guess` and its info: one program for the cold and the
    warm start (the cold guess is the carry repeated), and for equal `rec.Newton`s."""
    TRACES.append(None)
    ys, _ = rec.unroll(LSTM, params, xs, lengths=LENGTHS, mode=mode, initial_guess=guess)
    info = rec.analysis.newton_info(LSTM, params, xs, lengths=LENGTHS, mode=mode,
                                    initial_guess=guess)
    return ys, info


def cold_guess():
    return jax.tree_util.tree_map(lambda c: jnp.zeros((B, T) + c.shape[1:]),
                                  LSTM.initial_carry((B,)))


def test_a_warm_start_from_the_converged_trajectory_converges_at_once():
    params = LSTM.init(jax.random.key(0), I)
    expected = rec.unroll(LSTM, params, XS, lengths=LENGTHS)[0]
    ys_cold, cold = lstm_solve(params, XS, cold_guess(), rec.Newton(fallback="mark"))
    ys_warm, warm = lstm_solve(params, XS, cold.states, rec.Newton(fallback="mark"))
    assert int(cold.iterations) > 2 and bool(cold.converged)
    assert int(warm.iterations) <= 2 and bool(warm.converged)  # One, and one to confirm.
    assert_trees_close(ys_warm, expected)
    assert_trees_close(warm.states, cold.states)


def test_a_second_call_with_the_same_shapes_does_not_recompile():
    params = LSTM.init(jax.random.key(0), I)
    lstm_solve(params, XS, cold_guess(), rec.Newton(fallback="mark"))
    traced = len(TRACES)
    other = LSTM.init(jax.random.key(5), I)  # New values, and a new but equal rec.Newton.
    _, info = lstm_solve(other, 2 * XS, cold_guess(), rec.Newton(fallback="mark"))
    assert len(TRACES) == traced
    assert bool(info.converged)


def test_a_bad_initial_guess_is_refused():
    params = LSTM.init(jax.random.key(0), I)
    short = jax.tree_util.tree_map(lambda s: s[:, 1:], cold_guess())
    with pytest.raises(ValueError, match=r"initial_guess must hold the carry at every step, "
                       r"\[B, T, ...\]: expected a leaf of shape \(2, 16, 4\), got \(2, 15, 4\)"):
        rec.unroll(LSTM, params, XS, mode="newton", initial_guess=short)
    with pytest.raises(ValueError, match="initial_guess is only used in Newton mode"):
        rec.unroll(LSTM, params, XS, mode="sequential", initial_guess=cold_guess())


def test_damped_newton_converges_to_the_scan():
    cell = rec.GRU(H)
    params = cell.init(jax.random.key(0), I)
    # Where the Jacobians are small a damped iteration removes only 1 / (1 + damping) of
    # the error: more than T iterations (with T it stopped unconverged).
    damped = rec.Newton(damping=0.5, max_iterations=4 * T, fallback="mark")
    assert_trees_close(rec.unroll(cell, params, XS, mode=damped),
                       rec.unroll(cell, params, XS))


def test_a_chaotic_rnn_converges_within_t_iterations_or_falls_back_exactly():
    cell = rec.RNN(H)
    params = cell.init(jax.random.key(0), I)
    params = {**params, "w_hh": CHAOTIC_SCALE * params["w_hh"]}
    expected = rec.unroll(cell, params, XS, gradient="autodiff")[0]  # The plain scan.
    outcomes = []
    for mode in (rec.Newton(jacobian="diagonal"), rec.Newton(damping=1.0)):
        info = rec.analysis.newton_info(cell, params, XS, mode=mode)
        got = rec.unroll(cell, params, XS, mode=mode)[0]
        assert int(info.iterations) <= T
        if bool(info.converged):
            assert_trees_close(got, expected)
        else:  # The documented fallback: the sequential scan itself.
            np.testing.assert_array_equal(got, expected)
        outcomes.append(bool(info.converged))
    # As measured: quasi-DEER converges (in about T iterations, one step made exact per
    # iteration), the damped full method does not within T and falls back.
    assert outcomes == [True, False]


def test_a_stack_unrolls_by_newton_layer_by_layer():
    stack = rec.Stack([rec.RNN(H), rec.GRU(H)])
    params = stack.init(jax.random.key(0), I)
    expected = rec.unroll(stack, params, XS, lengths=LENGTHS)
    assert_trees_close(rec.unroll(stack, params, XS, lengths=LENGTHS, mode=MARK["diagonal"]),
                       expected)


def test_a_long_sequence_of_1024_steps_with_lengths_and_reverse():
    cell = rec.RNN(2)  # Tiny H and B: T = 1024 is the point.
    params = cell.init(jax.random.key(0), 1)
    xs = jax.random.normal(jax.random.key(3), (2, 1024, 1))
    lengths = jnp.array([1024, 700])
    expected = rec.unroll(cell, params, xs, lengths=lengths, reverse=True)
    for mode in MARK.values():
        assert_trees_close(rec.unroll(cell, params, xs, lengths=lengths, reverse=True,
                                      mode=mode), expected)


def test_auto_stays_sequential_for_nonlinear_cells():
    cell = rec.GRU(H)
    params = cell.init(jax.random.key(0), I)

    def program(mode):
        return str(jax.make_jaxpr(lambda p, x: rec.unroll(cell, p, x, mode=mode))(params, XS))

    assert program("auto") == program("sequential") != program("newton")
