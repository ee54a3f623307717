"""rec.analysis.lyapunov_spectrum and parameter_sensitivity against closed forms and NumPy
float64 references."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import recurrent as rec
from recurrent import analysis
from recurrent.base import HiddenCarry, LinearCell, UnitSlice

H, I = 4, 2
TRACES = []  # One entry per trace of DiagonalLinear.coefficients.


@dataclasses.dataclass(frozen=True)
class DiagonalLinear(LinearCell):
    """h_t = lam * h_{t-1} + x_t, one real lam per unit (inputs have H features)."""

    hidden_size: int

    def init(self, key, input_size):
        del key
        assert input_size == self.hidden_size
        return {"lam": jnp.full((self.hidden_size,), 0.5, jnp.float32)}

    def input_size(self, params):
        return params["lam"].shape[0]

    def initial_carry(self, batch_shape, dtype=jnp.float32):
        return HiddenCarry(h=jnp.zeros(tuple(np.atleast_1d(batch_shape)) + (self.hidden_size,),
                                       dtype))

    def project_inputs(self, params, xs):
        return xs

    def coefficients(self, params, projected_x):
        TRACES.append(None)
        return (HiddenCarry(h=jnp.broadcast_to(params["lam"], projected_x.shape)),
                HiddenCarry(h=projected_x))

    def retention(self, params, carry, projected_x):
        return jnp.broadcast_to(jnp.abs(params["lam"]), projected_x.shape)

    def recurrent_parameters(self):
        return {"lam": UnitSlice("lam", 0, 0, self.hidden_size)}


def _orthogonal(seed, n):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q


def _linear_rnn(matrix):
    """A linear Elman RNN whose Jacobian ds_t/ds_{t-1} is `matrix` (math convention)."""
    cell = rec.RNN(H, activation="linear")
    params = cell.init(jax.random.key(0), I)
    params["w_hh"] = jnp.asarray(np.asarray(matrix).T, jnp.float32)
    return cell, params


XS_LINEAR = jax.random.normal(jax.random.key(1), (2, 120, I))


def test_normal_linear_rnn_exponents_are_log_abs_eigenvalues():
    d = np.array([0.9, -0.6, 0.35, -0.15])
    q = _orthogonal(0, H)
    cell, params = _linear_rnn(q @ np.diag(d) @ q.T)
    exponents = analysis.lyapunov_spectrum(cell, params, XS_LINEAR, warmup=80)
    expected = np.sort(np.log(np.abs(d)))[::-1]
    np.testing.assert_allclose(exponents, np.broadcast_to(expected, (2, H)), atol=1e-4)


@pytest.mark.parametrize("scale", [0.7, 1.1])
def test_scaled_orthogonal_gives_equal_exponents(scale):
    cell, params = _linear_rnn(scale * _orthogonal(1, H))
    exponents = analysis.lyapunov_spectrum(cell, params, XS_LINEAR, warmup=80)
    np.testing.assert_allclose(exponents, np.log(scale), atol=1e-4)


def test_complex_lru_exponents_are_log_abs_lambda_twice():
    cell = rec.LRU(hidden_size=3, state_size=3)
    params = cell.init(jax.random.key(0), I)
    modulus = np.array([0.5, 0.95, 0.8])  # Unsorted, so the sort is the method's.
    params["nu_log"] = jnp.asarray(np.log(-np.log(modulus)), jnp.float32)
    exponents = analysis.lyapunov_spectrum(cell, params, XS_LINEAR, warmup=80)
    assert exponents.shape == (2, 6)  # S = 2N: real and imaginary parts.
    expected = np.repeat(np.sort(np.log(modulus))[::-1], 2)
    np.testing.assert_allclose(exponents, np.broadcast_to(expected, (2, 6)), atol=1e-4)


@pytest.fixture(scope="module")
def tanh_rnn():
    """A tanh RNN (gain 2, near the edge of chaos), its exponents, and a float64 NumPy
    trajectory with its explicit Jacobians."""
    cell = rec.RNN(H, recurrent_scale=2.0)
    params = cell.init(jax.random.key(2), I)
    xs = 0.3 * jax.random.normal(jax.random.key(3), (1, 400, I))
    exponents, local = analysis.lyapunov_spectrum(cell, params, xs, warmup=100,
                                                  return_local=True)
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    h, jacobians = np.zeros(H), []
    for x in np.asarray(xs[0], np.float64):
        h = np.tanh(x @ p["w_ih"] + p["b_ih"] + p["b_hh"] + h @ p["w_hh"])
        jacobians.append((1.0 - h ** 2)[:, None] * p["w_hh"].T)  # dh_t/dh_{t-1}
    return np.asarray(exponents[0]), np.asarray(local[0]), jacobians


def test_tanh_rnn_exponents_match_explicit_jacobians_and_numpy_qr(tanh_rnn):
    exponents, local, jacobians = tanh_rnn
    frame, logs = np.eye(H), []  # Another initial frame than the library's random one.
    for jacobian in jacobians:
        frame, r = np.linalg.qr(jacobian @ frame)
        logs.append(np.log(np.abs(np.diag(r))))
    reference = np.mean(logs[100:], 0)
    np.testing.assert_allclose(exponents, reference, atol=1e-4)
    np.testing.assert_allclose(local[100:].mean(0), exponents, atol=1e-6)


def test_tanh_rnn_largest_exponent_is_the_growth_rate_of_a_tangent_vector(tanh_rnn):
    exponents, _, jacobians = tanh_rnn
    v = np.random.default_rng(4).normal(size=H)
    growth = 0.0
    for t, jacobian in enumerate(jacobians):
        v = jacobian @ v
        norm = np.linalg.norm(v)
        v /= norm
        growth += np.log(norm) if t >= 100 else 0.0
    np.testing.assert_allclose(exponents[0], growth / 300, atol=1e-4)


def test_lengths_are_honoured():
    cell = rec.LSTM(3)
    params = cell.init(jax.random.key(0), I)
    xs = jax.random.normal(jax.random.key(5), (2, 30, I))
    exponents, local = analysis.lyapunov_spectrum(cell, params, xs, num_exponents=4, warmup=5,
                                                  lengths=jnp.array([30, 17]), return_local=True)
    alone = analysis.lyapunov_spectrum(cell, params, xs[1:, :17], num_exponents=4, warmup=5)
    np.testing.assert_allclose(exponents[1], alone[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(local[1, 17:], 0.0)
    assert not np.allclose(exponents[0], exponents[1], atol=1e-3)  # Example 0 is different.
    with pytest.raises(ValueError, match="num_exponents must be at most S = 6"):
        analysis.lyapunov_spectrum(cell, params, xs, num_exponents=7)


def test_second_call_does_not_recompile():
    cell = DiagonalLinear(H)
    params = cell.init(None, H)
    xs = jax.random.normal(jax.random.key(6), (2, 10, H))
    analysis.lyapunov_spectrum(cell, params, xs)
    traced = len(TRACES)
    params = {"lam": jnp.array([0.3, -0.6, 0.9, 0.1])}
    exponents = analysis.lyapunov_spectrum(cell, params, 2 * xs)
    assert len(TRACES) == traced
    # Ten steps from a random frame have not converged; the sum of all S exponents has:
    # it is the mean log |det J| = sum log |lam|, whatever the frame.
    np.testing.assert_allclose(np.sum(exponents, -1), np.sum(np.log([0.3, 0.6, 0.9, 0.1])),
                               rtol=1e-5)


def test_sensitivity_follows_the_curse_of_memory_closed_form():
    # h_t = lam h_{t-1} + x_t, x white with unit variance: dh_t/dlam = sum_k k lam^{k-1} x_{t-k},
    # so E[(dh_t/dlam)^2] = sum_k k^2 lam^{2(k-1)} = (1 + lam^2) / (1 - lam^2)^3 as t -> infinity.
    cell = DiagonalLinear(H)
    lam = np.array([-0.7, 0.5, 0.8, 0.9])
    xs = jax.random.normal(jax.random.key(7), (8192, 120, H))
    result = analysis.parameter_sensitivity(cell, {"lam": jnp.asarray(lam, jnp.float32)}, xs)
    closed_form = np.sqrt((1 + lam ** 2) / (1 - lam ** 2) ** 3)
    np.testing.assert_allclose(result.sensitivity, closed_form, rtol=3e-2)
    np.testing.assert_allclose(result.by_parameter["lam"], result.sensitivity, rtol=1e-6)
    np.testing.assert_allclose(result.timescale, 1 / (1 - np.abs(lam)), rtol=2e-2)  # f32 mean


EXPECTED_LABELS = {
    "gru": {"w_hh.z"}, "indrnn": {"w_hh"}, "lru": {"nu_log", "theta_log"}, "lstm": {"w_hh.f"},
    "mingru": {"w_ih.z", "b_ih.z"}, "minlstm": {"w_ih.f", "b_ih.f", "w_ih.i", "b_ih.i"},
    "rnn": {"w_hh.h"},
}


def test_every_registered_cell_declares_its_recurrent_parameters():
    assert set(EXPECTED_LABELS) == set(rec.cell_names())
    xs = jax.random.normal(jax.random.key(8), (2, 6, I))
    for name in rec.cell_names():
        hyper = {"state_size": 2} if name == "lru" else {}
        cell = rec.make_cell(name, hidden_size=3, **hyper)
        units = 2 if name == "lru" else 3
        params = cell.init(jax.random.key(0), I)
        result = analysis.parameter_sensitivity(cell, params, xs)
        assert set(result.by_parameter) == EXPECTED_LABELS[name], name
        for value in (result.sensitivity, result.timescale, *result.by_parameter.values()):
            assert value.shape == (units,), name
            assert np.all(np.isfinite(value)), name
        assert np.all(result.sensitivity >= 0) and np.any(result.sensitivity > 0), name


@pytest.mark.parametrize("name", ["lstm"])
def test_sensitivity_equals_the_full_jacobian_sliced_by_hand(name):
    cell = rec.make_cell(name, hidden_size=3)
    params = cell.init(jax.random.key(0), I)
    xs = jax.random.normal(jax.random.key(9), (2, 6, I))
    result = analysis.parameter_sensitivity(cell, params, xs)

    def final_state(w_hh, x):
        _, carry = rec.unroll(cell, {**params, "w_hh": w_hh}, x[None], gradient="autodiff")
        return jnp.concatenate(jax.tree_util.tree_leaves(carry), -1)[0]

    jac = np.stack([jax.jacrev(final_state)(params["w_hh"], x) for x in xs])  # [B, S, H, G*H]
    start = 3 if name == "lstm" else 0  # The forget gate is the LSTM's second block.
    block = jac[..., start:start + 3]
    expected = np.sqrt(np.mean(np.sum(block ** 2, axis=(1, 2)), 0))
    np.testing.assert_allclose(result.sensitivity, expected, rtol=1e-5)


def test_rnn_timescale_is_the_self_coupling():
    cell = rec.IndRNN(3, activation="tanh")
    params = cell.init(jax.random.key(0), I)
    params["w_hh"] = jnp.array([0.5, -0.9, 0.99])
    xs = jnp.zeros((1, 5, I))  # h stays 0, so tanh' = 1 and dh_t/dh_{t-1} = u.
    result = analysis.parameter_sensitivity(cell, params, xs)
    np.testing.assert_allclose(result.timescale, 1 / (1 - np.array([0.5, 0.9, 0.99])), rtol=1e-5)


def test_random_probes_estimate_the_exact_sensitivity():
    """Hutchinson's estimator: E[(v . g)^2] = ||g||^2 for v ~ N(0, I), so 400 probes come
    within a few percent of the exact norm (relative sd of the square about sqrt(2/400))."""
    cell = rec.make_cell("lstm", hidden_size=3)
    params = cell.init(jax.random.key(0), I)
    xs = jax.random.normal(jax.random.key(9), (2, 6, I))
    exact = analysis.parameter_sensitivity(cell, params, xs).sensitivity
    estimates = [analysis.parameter_sensitivity(cell, params, xs, num_probes=400,
                                                key=jax.random.key(seed)).sensitivity
                 for seed in (1, 2)]
    for estimate in estimates:
        np.testing.assert_allclose(estimate, exact, rtol=0.15)
    assert not np.allclose(*estimates, rtol=1e-4)  # Two keys: two different estimates.
