"""MinGRU, MinLSTM and IndRNN: NumPy references, parallel = sequential, closed-form Jacobians."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import recurrent as rec
from recurrent import analysis

B, T, I, H = 2, 9, 3, 4
LENGTHS = jnp.array([9, 5])
LINEAR = {"mingru": rec.MinGRU(H), "minlstm": rec.MinLSTM(H)}
CELLS = {**LINEAR, "indrnn": rec.IndRNN(H, t_max=3)}


def _params(cell, seed=0):
    params = dict(cell.init(jax.random.key(seed), I))
    params["b_ih"] = params["b_ih"] + 0.3 * jax.random.normal(jax.random.key(seed + 7),
                                                             params["b_ih"].shape)
    if "w_hh" in params:  # IndRNN: some |u| beyond the bound 2 ** (1/3) = 1.26.
        params["w_hh"] = jnp.array([0.5, -0.9, 1.7, -2.0])
    return params


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _numpy_unroll(name, params, xs, h0):
    """The docstring equations, in float64."""
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    h, ys = np.asarray(h0, np.float64), []
    for t in range(xs.shape[1]):
        z = np.asarray(xs[:, t], np.float64) @ p["w_ih"] + p["b_ih"]
        if name == "mingru":
            gate, candidate = _sigmoid(z[:, :H]), z[:, H:]
            h = (1 - gate) * h + gate * candidate
        elif name == "minlstm":
            f, i, candidate = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H]), z[:, 2 * H:]
            h = f / (f + i) * h + i / (f + i) * candidate
        else:
            u = np.clip(p["w_hh"], -2 ** (1 / 3), 2 ** (1 / 3))
            h = np.maximum(z + u * h, 0.0)
        ys.append(h)
    return np.stack(ys, 1), h


@pytest.fixture(scope="module")
def xs():
    return jax.random.normal(jax.random.key(1), (B, T, I))


@pytest.mark.parametrize("name", sorted(CELLS))
def test_matches_numpy_reference(name, xs):
    cell, params = CELLS[name], _params(CELLS[name])
    h0 = jax.random.normal(jax.random.key(2), (B, H))
    ys_ref, h_ref = _numpy_unroll(name, params, xs, h0)
    modes = ["sequential", "parallel"] if name in LINEAR else ["sequential"]
    for mode in modes:
        ys, carry = rec.unroll(cell, params, xs, rec.HiddenCarry(h0), mode=mode)
        np.testing.assert_allclose(ys, ys_ref, rtol=1e-5, atol=1e-6, err_msg=mode)
        np.testing.assert_allclose(carry.h, h_ref, rtol=1e-5, atol=1e-6, err_msg=mode)


@pytest.mark.parametrize("name", sorted(LINEAR))
@pytest.mark.parametrize("reverse", [False, True])
def test_parallel_equals_sequential_with_lengths_and_reverse(name, reverse, xs):
    cell, params = LINEAR[name], _params(LINEAR[name])
    h0 = rec.HiddenCarry(jax.random.normal(jax.random.key(3), (B, H)))

    def run(params, xs, mode):
        return rec.unroll(cell, params, xs, h0, lengths=LENGTHS, reverse=reverse, mode=mode)

    sequential, parallel = run(params, xs, "sequential"), run(params, xs, "parallel")
    jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6),
                           sequential, parallel)

    def loss(params, xs, mode):
        ys, carry = run(params, xs, mode)
        return jnp.sum(jnp.sin(ys)) + jnp.sum(carry.h ** 2)

    grads = [jax.grad(loss, (0, 1))(params, xs, mode) for mode in ("sequential", "parallel")]
    jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6),
                           *grads)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_check_grads(name):
    with jax.enable_x64(True):
        cell = type(CELLS[name])(**{**CELLS[name].__dict__, "param_dtype": jnp.float64})
        params = jax.tree_util.tree_map(lambda p: p.astype(jnp.float64), _params(cell))
        xs = jax.random.normal(jax.random.key(1), (B, 5, I), jnp.float64)
        # (mode, gradient, directions): the fused custom VJP is reverse mode only.
        cases = ([("sequential", "fused", ("fwd", "rev")), ("parallel", "fused", ("fwd", "rev"))]
                 if name in LINEAR else
                 [("sequential", "fused", ("rev",)), ("sequential", "autodiff", ("fwd", "rev"))])
        for mode, gradient, directions in cases:
            def f(params, xs, mode=mode, gradient=gradient):
                ys = rec.unroll(cell, params, xs, mode=mode, gradient=gradient)[0]
                return jnp.sum(jnp.tanh(ys))
            check_grads(jax.jit(f), (params, xs), order=1, modes=directions)


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_state_grads_agree_across_modes(name, xs):
    cell, params = LINEAR[name], _params(LINEAR[name])

    def loss(ys):
        return jnp.sum(ys[:, -1] ** 2) + jnp.sum(ys[:, 3])

    sequential = analysis.state_grads(cell, params, xs, loss, lengths=LENGTHS, mode="sequential")
    parallel = analysis.state_grads(cell, params, xs, loss, lengths=LENGTHS, mode="parallel")
    np.testing.assert_allclose(parallel.h, sequential.h, rtol=1e-5, atol=1e-7)
    assert np.abs(np.asarray(parallel.h[0, :-1])).sum() > 0  # Reaches back through time.


@pytest.mark.parametrize("name", sorted(LINEAR))
@pytest.mark.parametrize("mode", ["sequential", "parallel"])
def test_closed_form_jacobians_equal_autodiff(name, mode, xs):
    cell, params = LINEAR[name], _params(LINEAR[name])
    diagonal = analysis.diagonal_jacobian_products(cell, params, xs, lengths=LENGTHS).h
    norms = analysis.jacobian_norms(cell, params, xs, lengths=LENGTHS, mode=mode,
                                    num_iterations=30)
    np.testing.assert_allclose(norms.spectral, np.abs(diagonal).max(-1), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(norms.frobenius, np.sqrt((diagonal ** 2).sum(-1)), rtol=1e-4,
                               atol=1e-7)
    # And against the explicit product of one-step Jacobians for the full-length example.
    steps = analysis.step_jacobians(cell, params, xs)[0]
    product = np.eye(H)
    for t in range(T - 1, -1, -1):
        np.testing.assert_allclose(np.diag(product), diagonal[0, t], rtol=1e-5, atol=1e-7)
        product = product @ np.asarray(steps[t], np.float64)


def test_indrnn_constraint_bounds_gradient_growth():
    cell = rec.IndRNN(1, t_max=10)
    params = {"w_ih": jnp.ones((1, 1)), "b_ih": jnp.ones(1), "w_hh": jnp.array([3.0])}
    xs = jnp.ones((1, 10, 1))
    grads = analysis.state_grads(cell, params, xs, lambda ys: ys[0, -1, 0])
    norms = np.asarray(analysis.carry_norms(grads))[0]
    # relu is active throughout, so dL/dh_{T-k} = u_eff ** k with u_eff = 2 ** (1/10).
    np.testing.assert_allclose(norms[::-1], 2 ** (np.arange(10) / 10), rtol=1e-5)
    spectrum = analysis.recurrent_spectrum(cell, params)["h"]
    np.testing.assert_allclose(spectrum.singular_values, [2 ** 0.1], rtol=1e-6)
    free = analysis.state_grads(rec.IndRNN(1), params, xs, lambda ys: ys[0, -1, 0])
    assert float(free.h[0, 0, 0]) == pytest.approx(3.0 ** 9, rel=1e-5)


def test_gate_timescales_of_input_gated_cells(xs):
    cell = rec.MinGRU(H)
    params = _params(cell)
    timescales = analysis.gate_timescales(cell, params, xs)
    z = _sigmoid(np.asarray(xs, np.float64) @ np.asarray(params["w_ih"])[:, :H]
                 + np.asarray(params["b_ih"])[:H])
    np.testing.assert_allclose(timescales.timescale, 1 / z.mean((0, 1)), rtol=1e-5)


def test_parallel_mode_needs_a_linear_cell(xs):
    with pytest.raises(ValueError, match="mode='parallel' needs a recurrence linear in the "
                       "carry; IndRNN has none"):
        rec.unroll(CELLS["indrnn"], _params(CELLS["indrnn"]), xs, mode="parallel")
    with pytest.raises(ValueError, match=r"mode must be one of \['auto', 'newton', "
                       r"'parallel', 'sequential'\] or a rec.Newton, got 'fast'"):
        rec.unroll(LINEAR["mingru"], _params(LINEAR["mingru"]), xs, mode="fast")
    with pytest.raises(TypeError, match="GRU is not a LinearCell"):
        analysis.diagonal_jacobian_products(rec.GRU(H), rec.GRU(H).init(jax.random.key(0), I),
                                            xs)


LRU = rec.LRU(H, state_size=5)


def test_lru_matches_numpy_reference(xs):
    params = LRU.init(jax.random.key(0), I)
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))
    b, c = p["b_re"] + 1j * p["b_im"], p["c_re"] + 1j * p["c_im"]
    h = 0.3 * np.ones((B, 5)) + 0.2j
    h0 = rec.HiddenCarry(jnp.asarray(h, jnp.complex64))
    ys_ref = []
    for t in range(T):
        x = np.asarray(xs[:, t], np.float64)
        h = lam * h + np.exp(p["gamma_log"]) * (x @ b)
        ys_ref.append((h @ c).real + x @ p["d"])
    for mode in ("sequential", "parallel"):
        ys, carry = rec.unroll(LRU, params, xs, h0, mode=mode)
        np.testing.assert_allclose(ys, np.stack(ys_ref, 1), rtol=1e-5, atol=1e-5, err_msg=mode)
        np.testing.assert_allclose(carry.h, h, rtol=1e-5, atol=1e-5, err_msg=mode)


def test_lru_ring_initialisation():
    cell = rec.LRU(8, state_size=2000, r_min=0.4, r_max=0.9, max_phase=1.0)
    lam = np.asarray(cell.eigenvalues(cell.init(jax.random.key(0), 3)))
    assert np.all((np.abs(lam) >= 0.4 - 1e-6) & (np.abs(lam) <= 0.9 + 1e-6))
    assert np.all((np.angle(lam) >= 0) & (np.angle(lam) <= 1.0 + 1e-6))
    # Uniform on the ring's area: |lambda|^2 is uniform in [r_min^2, r_max^2].
    np.testing.assert_allclose(np.mean(np.abs(lam) ** 2), (0.16 + 0.81) / 2, atol=0.01)
    gamma = np.exp(np.asarray(cell.init(jax.random.key(0), 3)["gamma_log"]))
    np.testing.assert_allclose(gamma, np.sqrt(1 - np.abs(lam) ** 2), rtol=1e-4)


@pytest.mark.parametrize("reverse", [False, True])
def test_lru_parallel_equals_sequential(reverse, xs):
    params = LRU.init(jax.random.key(0), I)

    def loss(params, mode):
        ys, carry = rec.unroll(LRU, params, xs, lengths=LENGTHS, reverse=reverse, mode=mode)
        return jnp.sum(jnp.sin(ys)) + jnp.sum(jnp.abs(carry.h) ** 2)

    values = [jax.value_and_grad(loss)(params, mode) for mode in ("sequential", "parallel")]
    jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6),
                           *values)


@pytest.mark.parametrize("mode", ["sequential", "parallel"])
def test_lru_closed_form_jacobians_and_gradients(mode, xs):
    params = LRU.init(jax.random.key(0), I)
    diagonal = np.asarray(analysis.diagonal_jacobian_products(LRU, params, xs).h)
    lam = np.asarray(LRU.eigenvalues(params))
    np.testing.assert_allclose(diagonal[0], lam[None] ** np.arange(T - 1, -1, -1)[:, None],
                               rtol=1e-5)
    norms = analysis.jacobian_norms(LRU, params, xs, mode=mode, num_iterations=60)
    np.testing.assert_allclose(norms.spectral, np.abs(diagonal).max(-1), rtol=1e-3)
    np.testing.assert_allclose(norms.frobenius, np.sqrt((np.abs(diagonal) ** 2).sum(-1)),
                               rtol=1e-5)
    with jax.enable_x64(True):
        params64 = jax.tree_util.tree_map(lambda p: p.astype(jnp.float64), params)
        xs64 = jnp.asarray(xs[:, :4], jnp.float64)
        check_grads(jax.jit(lambda p, x: jnp.sum(jnp.tanh(rec.unroll(LRU, p, x, mode=mode)[0]))),
                    (params64, xs64), order=1, modes=("fwd", "rev"))


@pytest.mark.parametrize("make", [rec.MinGRU, rec.MinLSTM])
def test_log_space_form(make, xs):
    cell = make(H, log_space=True)
    params = cell.init(jax.random.key(0), I)
    # The candidate g(v) is positive, so from a zero carry every state stays positive.
    sequential, _ = rec.unroll(cell, params, xs, lengths=LENGTHS, mode="sequential")
    parallel, _ = rec.unroll(cell, params, xs, lengths=LENGTHS, mode="parallel")
    np.testing.assert_allclose(parallel, sequential, rtol=1e-5, atol=1e-6)
    assert np.all(np.asarray(sequential)[0] > 0)
    # Differs from the plain form only through g.
    plain = make(H).init(jax.random.key(0), I)
    assert not np.allclose(rec.unroll(make(H), plain, xs)[0], sequential)
    # Long sequences: log-cumulative sums keep the range (float32 rounding grows with T).
    long_xs = jax.random.normal(jax.random.key(4), (1, 2000, I))
    np.testing.assert_allclose(rec.unroll(cell, params, long_xs, mode="parallel")[0],
                               rec.unroll(cell, params, long_xs, mode="sequential")[0],
                               rtol=1e-3, atol=1e-3)
