"""rec.analysis against slow references: per-step gradients, explicit Jacobians, closed forms."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import recurrent as rec
from recurrent import analysis

B, T, I, H = 2, 7, 3, 4
CELLS = {"rnn": rec.RNN(H), "lstm": rec.LSTM(H), "gru": rec.GRU(H),
         "rnn_relu": rec.RNN(H, activation="relu", recurrent_init="identity")}


@pytest.fixture(scope="module")
def xs():
    return jax.random.normal(jax.random.key(1), (B, T, I))


def _loss(ys):
    # Depends on several steps, so the gradient at t has a direct and a recurrent part.
    return jnp.sum(jnp.sin(ys[:, -1]) * 1.3) + jnp.sum(ys[:, 2] ** 2) + jnp.sum(ys[:, 4])


def _slow_state_grad(cell, params, xs, t):
    """dL/d carry_t by cutting the sequence at t and differentiating the rest.

    A Python loop of single steps, run eagerly: each operation compiles once, where a
    scan over every prefix and suffix length would compile once per t.
    """
    px = [cell.project_inputs(params, xs[:, s]) for s in range(T)]
    carry = cell.initial_carry(B)
    ys_prefix = []
    for s in range(t + 1):
        carry = cell.transition(params, carry, px[s])
        ys_prefix.append(cell.readout(params, carry, px[s]))
    carry_t = carry

    def loss_of(c):
        ys = ys_prefix[:t] + [cell.readout(params, c, px[t])]
        for s in range(t + 1, T):
            c = cell.transition(params, c, px[s])
            ys.append(cell.readout(params, c, px[s]))
        return _loss(jnp.stack(ys, 1))

    return jax.grad(loss_of)(carry_t)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_state_grads_equal_per_step_gradients(name, xs):
    cell = CELLS[name]
    params = cell.init(jax.random.key(0), I)
    grads = analysis.state_grads(cell, params, xs, _loss)
    assert jax.tree_util.tree_structure(grads) == jax.tree_util.tree_structure(
        cell.initial_carry(B))
    for t in range(T):
        slow = _slow_state_grad(cell, params, xs, t)
        jax.tree_util.tree_map(
            lambda g, s, t=t: np.testing.assert_allclose(g[:, t], s, rtol=1e-5, atol=1e-7),
            grads, slow)


def test_state_grads_with_lengths_match_each_sequence_alone(xs):
    cell = rec.LSTM(H)
    params = cell.init(jax.random.key(0), I)
    lengths = jnp.array([7, 4])

    def loss(ys):  # The output at each sequence's last valid step.
        return jnp.sum(ys[jnp.arange(B), lengths - 1] ** 2)

    grads = analysis.state_grads(cell, params, xs, loss, lengths=lengths)
    for b, n in enumerate(lengths.tolist()):
        alone = analysis.state_grads(cell, params, xs[b:b + 1, :n],
                                     lambda ys: jnp.sum(ys[:, -1] ** 2))
        for g, a in zip(grads, alone, strict=True):
            np.testing.assert_allclose(g[b, :n], a[0], rtol=1e-5, atol=1e-7)
            np.testing.assert_array_equal(g[b, n:], 0.0)


def test_state_grads_of_a_stack_and_bidirectional_layer(xs):
    cell = rec.LSTM(H)
    params = cell.init(jax.random.key(0), I)
    stacked = analysis.state_grads(rec.Stack([cell]), {"layer_0": params}, xs, _loss)
    jax.tree_util.tree_map(np.testing.assert_allclose, stacked[0],
                           analysis.state_grads(cell, params, xs, _loss))
    layer = rec.Bidirectional(rec.GRU(H), rec.GRU(H))
    both = analysis.state_grads(layer, layer.init(jax.random.key(0), I), xs,
                                lambda ys: jnp.sum(ys[:, -1]))
    # The loss reads position T-1 only. The forward half reaches it from every step; the
    # backward half produces it at its first step, so only that step's carry matters, and
    # directly (d sum(h) / dh = 1).
    assert both.forward.h.shape == both.backward.h.shape == (B, T, H)
    assert np.all(np.abs(np.asarray(both.forward.h)).sum(-1) > 0)
    np.testing.assert_array_equal(both.backward.h[:, -1], 1.0)
    np.testing.assert_array_equal(both.backward.h[:, :-1], 0.0)


def _explicit_norms(jacobians_TxSxS, length):
    """Norms of prod_{k=t+1}^{L-1} J_k for t = 0..L-1, built explicitly."""
    size = jacobians_TxSxS.shape[-1]
    product, spectral, frobenius = np.eye(size), [], []
    for t in range(length - 1, -1, -1):
        spectral.append(np.linalg.norm(product, 2))
        frobenius.append(np.linalg.norm(product))
        product = product @ np.asarray(jacobians_TxSxS[t], np.float64)
    return np.array(spectral[::-1]), np.array(frobenius[::-1])


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_jacobian_norms_equal_explicit_products(name, xs):
    cell = CELLS[name]
    params = cell.init(jax.random.key(0), I)
    lengths = jnp.array([7, 5])
    norms = analysis.jacobian_norms(cell, params, xs, lengths=lengths, num_iterations=30)
    jacobians = analysis.step_jacobians(cell, params, xs)
    for b, n in enumerate(lengths.tolist()):
        spectral, frobenius = _explicit_norms(jacobians[b], n)
        np.testing.assert_allclose(norms.spectral[b, :n], spectral, rtol=1e-4)
        np.testing.assert_allclose(norms.frobenius[b, :n], frobenius, rtol=1e-4)
        np.testing.assert_array_equal(norms.spectral[b, n:], 0.0)


def test_frobenius_probes_estimate_the_exact_norm(xs):
    cell = CELLS["lstm"]
    params = cell.init(jax.random.key(0), I)
    exact = analysis.jacobian_norms(cell, params, xs, num_iterations=1).frobenius
    estimate = analysis.jacobian_norms(cell, params, xs, num_iterations=1, num_probes=4000,
                                       key=jax.random.key(5)).frobenius
    np.testing.assert_allclose(estimate, exact, rtol=0.1)


@pytest.mark.parametrize("scale", [0.8, 1.0, 1.15])
def test_linear_rnn_gradients_decay_exactly_as_a_to_the_k(scale):
    cell = rec.RNN(8, activation="linear")
    params = dict(cell.init(jax.random.key(0), 2))
    params["w_hh"] = scale * params["w_hh"]  # a * orthogonal.
    xs = jax.random.normal(jax.random.key(1), (1, 30, 2))
    v = jax.random.normal(jax.random.key(2), (8,))
    grads = analysis.state_grads(cell, params, xs, lambda ys: ys[0, -1] @ v)
    norms = analysis.by_lag(analysis.carry_norms(grads), jnp.array([29]))[0]
    np.testing.assert_allclose(norms, np.linalg.norm(v) * scale ** np.arange(30), rtol=2e-5)


@pytest.mark.parametrize("recurrent", ["orthogonal_0.95", "gaussian"])
def test_tanh_rnn_gradients_never_exceed_the_norm_bound(recurrent):
    cell = rec.RNN(16)
    params = dict(cell.init(jax.random.key(0), 3))
    if recurrent == "gaussian":
        params["w_hh"] = 1.5 * jax.random.normal(jax.random.key(3), (16, 16)) / 4.0
    else:
        params["w_hh"] = 0.95 * params["w_hh"]
    xs = jax.random.normal(jax.random.key(1), (4, 40, 3))
    grads = analysis.state_grads(cell, params, xs, lambda ys: jnp.sum(ys[:, -1] ** 2))
    norms = np.asarray(analysis.by_lag(analysis.carry_norms(grads), jnp.full((4,), 39)))
    sigma = np.linalg.norm(np.asarray(params["w_hh"]), 2)  # max|tanh'| = 1.
    bound = norms[:, :1] * sigma ** np.arange(40)
    assert np.all(norms <= bound * (1 + 1e-5))


def test_gradient_horizon_and_decay_rate_of_a_geometric_decay():
    norms = 3.0 * 0.5 ** np.arange(20)
    assert analysis.gradient_horizon(norms) == 6  # 0.5**6 = 0.0156 >= 0.01 > 0.5**7.
    assert analysis.gradient_horizon(norms, threshold=0.2) == 2
    assert analysis.gradient_horizon(np.ones(9)) == 8  # Never falls: the whole window.
    assert analysis.gradient_horizon(np.array([1.0, 0.5, 1e-4, 0.9])) == 1  # "Stays above".
    np.testing.assert_allclose(analysis.decay_rate(norms), np.log10(0.5))
    with_nan = np.where(np.arange(20) < 15, norms, np.nan)
    np.testing.assert_allclose(analysis.decay_rate(with_nan), np.log10(0.5))


def test_by_lag_aligns_on_the_reference_step():
    values = np.arange(12.0).reshape(2, 6)
    aligned = analysis.by_lag(values, np.array([5, 2]), max_lag=4)
    np.testing.assert_array_equal(aligned[0], [5, 4, 3, 2, 1])
    np.testing.assert_array_equal(aligned[1, :3], [8, 7, 6])
    assert np.isnan(aligned[1, 3:]).all()


def test_recurrent_spectrum():
    irnn = rec.RNN(5, recurrent_init="identity", recurrent_scale=0.9)
    spectrum = analysis.recurrent_spectrum(irnn, irnn.init(jax.random.key(0), 2))
    np.testing.assert_allclose(spectrum["h"].singular_values, 0.9, rtol=1e-6)
    np.testing.assert_allclose(spectrum["h"].eigenvalues, 0.9, rtol=1e-6)
    lstm = rec.LSTM(5)
    params = lstm.init(jax.random.key(0), 2)
    spectra = analysis.recurrent_spectrum(lstm, params)
    assert list(spectra) == ["i", "f", "g", "o"]
    np.testing.assert_allclose(spectra["f"].singular_values, 1.0, rtol=1e-5)  # Orthogonal.
    np.testing.assert_allclose(np.abs(spectra["f"].eigenvalues), 1.0, rtol=1e-5)
    w_f = np.asarray(params["w_hh"])[:, 5:10].T
    np.testing.assert_allclose(np.sort(spectra["f"].eigenvalues.real),
                               np.sort(np.linalg.eigvals(w_f).real), atol=1e-6)


def test_chrono_gate_timescales_at_zero_input():
    cell = rec.LSTM(6, chrono_t_max=50)
    params = dict(cell.init(jax.random.key(0), 2))
    params["w_hh"] = jnp.zeros_like(params["w_hh"])
    xs = jnp.zeros((3, 10, 2))
    timescales = analysis.gate_timescales(cell, params, xs)
    b_forget = np.asarray(params["b_ih"])[6:12]
    np.testing.assert_allclose(timescales.timescale, 1.0 + np.exp(b_forget), rtol=1e-5)
    assert np.all((timescales.timescale >= 2.0) & (timescales.timescale <= 50.0))
    gru = rec.GRU(4)
    assert analysis.gate_timescales(gru, gru.init(jax.random.key(0), 2), xs).timescale.shape == (4,)
    with pytest.raises(ValueError, match="RNN has no retention gate"):
        analysis.gate_timescales(rec.RNN(4), rec.RNN(4).init(jax.random.key(0), 2), xs)
