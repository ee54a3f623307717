"""The fused unroll: a custom VJP for cells whose step is a recurrent product
followed by element-wise gating.

A cell that splits its transition as

    px_t = project_inputs(params, x_t)                 # x_t @ w_ih + b
    r_t = project_carry(params, s_{t-1})               # h_{t-1} @ w_hh: the recurrent product
    s_t = pointwise_transition(s_{t-1}, px_t, r_t)     # the gates: element-wise, no weights

is unrolled here with a hand-written backward pass, the way cuDNN trains RNNs:

* the forward scan keeps, per step, the residuals of the gating's derivative
  (`Cell.pointwise_vjp`: by default whatever `jax.vjp` keeps; the LSTM keeps its
  four gate activations, c_{t-1} and tanh c_t) and the states. A residual that is
  itself a stored state (the RNN's h_t, the GRU's h_{t-1}, the LSTM's c_{t-1}
  batch-major) is kept once, as the state (`_shared`);
* the backward scan carries only the error dL/ds_t: per step it applies the
  gating's pullback (element-wise) and one product with the transposed recurrent
  kernel, dL/ds_{t-1} += dL/dr_t w_hh^T;
* the weight gradients are then one large matrix product each over all T*B rows,
  dL/dw_hh = S_prev^T dL/dR and dL/dw_ih = X^T dL/dPX, instead of T small products
  accumulated inside the loop (what `jax.grad` of a plain `lax.scan` does).

The input projection runs inside the forward loop (one small product per step)
rather than before it: on XLA:CPU a [T, B, G*H] buffer of projected inputs costs
more in memory traffic than the per-step product, and reading gate blocks of a
step of it compiles to slow code (docs/performance.md has the measurements).

Two layouts of the loop give the same values and gradients (`LAYOUTS`):
batch-major, carries [B, H] and products `h @ w_hh`, for every cell; and
feature-major, carries [H, B] and products `w_hh^T @ h^T`, for `KernelCell`s with
`feature_major` (the RNN, LSTM and GRU). XLA:CPU often runs the per-step products of
the second faster (the benchmark's floor times both), but which layout makes the
faster step depends on the cell and the shape, so `default_layout` reads a measured
table (`rec.tuning`). Feature-major, a cell whose gating reads the two products only
through their sum (the LSTM's, the RNN's) runs one product per step,
`[w_ih; b; w_hh]^T [x_t; 1; h_{t-1}]`.

Each layout also comes `_split` (KernelCells only): every per-step product with a
kernel, forward and backward, runs as `PRODUCT_BLOCKS` independent products over
blocks of the kernel's output columns, joined after. The results are the same
numbers; what changes is that XLA:CPU, which runs one small product on one core,
may run the blocks on different cores at once. It pays at small batch, where a
step's product is too small for XLA's own threading (on a 2-core Xeon the LSTM's
training step at B, T, I, H = 8, 64, 64, 256 took 12.96 ms split against 16.84 ms
batch-major, docs/performance.md), and costs a join elsewhere, so it is one more
choice of `rec.tuning`'s table.

Values and gradients equal the plain scan's (`gradient="autodiff"` in
`rec.unroll`) to float32 rounding; the tests check this for every cell, with and
without `lengths`. A custom VJP supports reverse-mode differentiation only:
forward mode (`jax.jvp`, `jax.jacfwd`, `jax.hessian`) needs `gradient="autodiff"`.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from recurrent import tuning

_map = jax.tree_util.tree_map


#: Layouts of the loop: batch first (`[B, H]` carries), or batch last; a `_split` layout
#: cuts each per-step product with a kernel into `PRODUCT_BLOCKS` independent products over
#: blocks of the kernel's output columns, which XLA:CPU may run on different cores at once.
LAYOUTS = ("auto", "batch_major", "feature_major", "batch_major_split", "feature_major_split")
#: How many blocks a `_split` layout cuts a per-step product into.
PRODUCT_BLOCKS = 2


def default_layout(cell, backend: str | None = None, *, batch: int | None = None,
                   steps: int | None = None) -> str:
    """The layout `scan_fused` uses for `cell` with `layout="auto"` (`rec.fused_layout`).

    Chosen per backend, cell and shape (B = `batch`, T = `steps`, H) by `rec.tuning`
    from the benchmark's measurements; batch-major for every cell without a
    feature-major form (`cell.feature_major`; a cell class works too). `backend` is a
    JAX backend name ("cpu", "gpu", "tpu"); None means `jax.default_backend()`.

    Example:
      >>> import recurrent as rec
      >>> rec.fused_layout(rec.LSTM(8), backend="tpu"), rec.fused_layout(rec.MinGRU(8))
      ('batch_major', 'batch_major')
    """
    return tuning.layout(cell, backend, batch=batch, steps=steps)


def scan_fused(cell, params, xs_TxBxI, carry, lengths_B, *, reverse=False, unroll=1,
               remat=False, perturbation=None, layout="auto"):
    """Same contract and results as `recurrent.base.scan_cell`, with the fused backward.

    The readout runs on all steps at once after the loop (it depends on the
    step's carry and projected input only), so the loop holds nothing but the
    recurrence. `layout` picks the loop's layout (see `LAYOUTS` and
    `default_layout`); every layout gives the same values and gradients.
    """
    steps, batch = xs_TxBxI.shape[:2]
    if layout == "auto":
        layout = default_layout(cell, batch=batch, steps=steps)
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if layout.startswith("feature_major") and not getattr(cell, "feature_major", False):
        raise ValueError(f"{type(cell).__name__} has no feature-major form "
                         f"(layout={layout!r} needs a KernelCell with feature_major = True)")
    blocks = PRODUCT_BLOCKS if layout.endswith("_split") else 1
    if blocks > 1 and not _kernel_product(cell):
        raise ValueError(f"layout={layout!r} splits the product with a KernelCell's w_hh; "
                         f"{type(cell).__name__} computes its own project_carry")
    valid_TxB = None
    if lengths_B is not None:
        valid_TxB = jnp.arange(steps)[:, None] < lengths_B[None, :]
    if layout.startswith("feature_major"):
        ys, final = _feature_major(cell, bool(reverse), int(unroll), bool(remat), blocks,
                                   params, xs_TxBxI, carry, valid_TxB, perturbation)
        if valid_TxB is not None:
            ys = jnp.where(valid_TxB[..., None], ys, jnp.zeros_like(ys))
        return ys, final
    states = _recurrence(cell, bool(reverse), int(unroll), bool(remat), blocks, params, xs_TxBxI,
                         carry, valid_TxB, perturbation)
    # (The projection is dead code for readouts that do not read it.)
    ys = cell.readout(params, states, cell.project_inputs(params, xs_TxBxI))
    if valid_TxB is not None:
        ys = jnp.where(valid_TxB[..., None], ys, jnp.zeros_like(ys))
    last = 0 if reverse else steps - 1
    return ys, _map(lambda s: s[last], states)


def _expand(valid_B, like):
    return valid_B.reshape(valid_B.shape + (1,) * (like.ndim - valid_B.ndim))


def _kernel_product(cell):
    """Whether `cell`'s carry product is `KernelCell`'s own, `h @ w_hh` (+ `b_hh`)."""
    from recurrent.base import KernelCell
    kind = type(cell)
    return (isinstance(cell, KernelCell) and kind.project_carry is KernelCell.project_carry
            and kind.project_carry_transpose is KernelCell.project_carry_transpose)


def _blocks(w, blocks, axis):
    """`w` cut into `blocks` nearly equal blocks along `axis` (once, outside the loops)."""
    return jnp.array_split(w, blocks, axis=axis) if blocks > 1 else [w]


def _block_products(kernels, x, dtype, kernel_first):
    """The product of `x` with the kernel cut into `kernels` (`_blocks`): one independent
    product per block, `kernel @ x` (feature-major, blocks of rows) or `x @ kernel`
    (batch-major, blocks of columns), joined."""
    parts = [_products(w, x, dtype) if kernel_first else _products(x, w, dtype)
             for w in kernels]
    return parts[0] if len(parts) == 1 else jnp.concatenate(parts, axis=0 if kernel_first
                                                            else -1)


def _carry_product(cell, params, blocks):
    """`cell.project_carry(params, .)`, its product in `blocks` blocks."""
    if blocks == 1:
        return functools.partial(cell.project_carry, params)
    kernels = _blocks(params["w_hh"], blocks, 1)

    def product(state):
        out = _block_products(kernels, state.h, cell.matmul_dtype, False)
        return out + params["b_hh"] if cell.recurrent_bias else out
    return product


def _carry_product_transpose(cell, params, carry, blocks):
    """`cell.project_carry_transpose(params, carry)`, its product in `blocks` blocks."""
    if blocks == 1:
        return cell.project_carry_transpose(params, carry)
    kernels = _blocks(jnp.transpose(params["w_hh"]), blocks, 1)

    def pullback(recurrent_bar):
        h_bar = _block_products(kernels, recurrent_bar, cell.matmul_dtype, False)
        return type(carry)(**{name: h_bar if name == "h" else jnp.zeros_like(h_bar)
                              for name in carry._fields})
    return pullback


def _gating(cell, state, projected_t, recurrent_t, perturbation_t, valid_B):
    """The carry after one step, and the pullback (VJP) of its gating."""
    new, pullback = cell.pointwise_vjp(state, projected_t, recurrent_t)
    if perturbation_t is not None:
        new = _map(jnp.add, new, perturbation_t)
    if valid_B is not None:
        new = _map(lambda n, o: jnp.where(_expand(valid_B, n), n, o), new, state)
    return new, pullback


@jax.tree_util.register_pytree_node_class
class _Stored:
    """In a step's stacked residuals, a leaf of the pullback that the loop stores anyway:
    the `index`-th leaf of the step's new state (`source` "new") or of the state it started
    from ("previous"). It has no leaves, so nothing of it is stored twice; the backward
    loop puts the stored state's leaf back in its place (`_restored`)."""

    def __init__(self, source, index):
        self.source, self.index = source, index

    def tree_flatten(self):
        return (), (self.source, self.index)

    @classmethod
    def tree_unflatten(cls, aux, children):
        del children
        return cls(*aux)


def _shared(pullback, previous, new):
    """`pullback` with every residual that is (the same array as) a leaf of the stored
    `previous` or `new` state replaced by a `_Stored` naming it: the RNN's pullback keeps
    h_t, the GRU's h_{t-1}, the LSTM's c_{t-1}, all of which the loop stores as states."""
    sources = ([("new", i, leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(new))]
               + [("previous", i, leaf)
                  for i, leaf in enumerate(jax.tree_util.tree_leaves(previous))])

    def swap(leaf):
        return next((_Stored(source, i) for source, i, stored in sources if leaf is stored),
                    leaf)
    return _map(swap, pullback)


def _stores(pullbacks, source):
    """Whether the stacked `pullbacks` name a leaf of the `source` state (`_shared`)."""
    return any(isinstance(leaf, _Stored) and leaf.source == source for leaf in
               jax.tree_util.tree_leaves(pullbacks, is_leaf=lambda x: isinstance(x, _Stored)))


def _restored(pullback, previous, new):
    """`pullback` with the stored states' leaves back in place of its `_Stored` ones."""
    leaves = {"new": jax.tree_util.tree_leaves(new),
              "previous": jax.tree_util.tree_leaves(previous)}
    return _map(lambda leaf: (leaves[leaf.source][leaf.index] if isinstance(leaf, _Stored)
                              else leaf), pullback, is_leaf=lambda x: isinstance(x, _Stored))


def _forward(cell, reverse, unroll, remat, blocks, params, xs, carry, valid_TxB, perturbation):
    carry_product = _carry_product(cell, params, blocks)

    def body(state, inputs):
        x_t, perturbation_t, valid_B = inputs
        new, pullback = _gating(cell, state, cell.project_inputs(params, x_t),
                                carry_product(state), perturbation_t, valid_B)
        return new, (new, None if remat else _shared(pullback, state, new))

    _, (states, pullbacks) = jax.lax.scan(body, carry, (xs, perturbation, valid_TxB),
                                          reverse=reverse, unroll=unroll)
    return states, pullbacks


def _previous(states, carry, reverse):
    """s_{t-1} for every step t, in processing order (the initial carry first)."""
    if reverse:
        return _map(lambda s, c: jnp.concatenate([s[1:], c[None]], 0), states, carry)
    return _map(lambda s, c: jnp.concatenate([c[None], s[:-1]], 0), states, carry)


def _flat(tree, steps_and_batch):
    """[T, B, ...] -> [T*B, ...] for every leaf (large 2-D products, no transposes)."""
    return _map(lambda a: a.reshape((-1,) + a.shape[len(steps_and_batch):]), tree)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2, 3, 4))
def _recurrence(cell, reverse, unroll, remat, blocks, params, xs, carry, valid_TxB,
                perturbation):
    return _forward(cell, reverse, unroll, remat, blocks, params, xs, carry, valid_TxB,
                    perturbation)[0]


def _recurrence_fwd(cell, reverse, unroll, remat, blocks, params, xs, carry, valid_TxB,
                    perturbation):
    states, pullbacks = _forward(cell, reverse, unroll, remat, blocks, params, xs, carry,
                                 valid_TxB, perturbation)
    return states, (params, xs, carry, valid_TxB, perturbation, states, pullbacks)


def _recurrence_bwd(cell, reverse, unroll, remat, blocks, residuals, states_bar):
    params, xs, carry, valid_TxB, perturbation, states, pullbacks = residuals
    previous = _previous(states, carry, reverse)
    carry_product = _carry_product(cell, params, blocks)
    through_kernel = _carry_product_transpose(cell, params, carry, blocks)

    # The states the pullbacks share residuals with (`_shared`), where they do.
    new_states = states if _stores(pullbacks, "new") else None
    previous_states = previous if remat or _stores(pullbacks, "previous") else None

    def body(state_bar, inputs):
        previous_t, new_t, x_t, pullback, output_bar_t, valid_B = inputs
        state_bar = _map(jnp.add, state_bar, output_bar_t)
        held_bar = None
        if valid_B is not None:  # Past the end the carry is copied: its error passes back.
            held_bar = _map(lambda g: jnp.where(_expand(valid_B, g), 0, g), state_bar)
            state_bar = _map(lambda g: jnp.where(_expand(valid_B, g), g, 0), state_bar)
        if pullback is None:  # remat: recompute the step instead of storing it.
            _, pullback = cell.pointwise_vjp(previous_t, cell.project_inputs(params, x_t),
                                             carry_product(previous_t))
        else:
            pullback = _restored(pullback, previous_t, new_t)
        previous_bar, projected_bar, recurrent_bar = pullback(state_bar)
        previous_bar = _map(jnp.add, previous_bar, through_kernel(recurrent_bar))
        if held_bar is not None:
            previous_bar = _map(jnp.add, previous_bar, held_bar)
        same = projected_bar is recurrent_bar  # e.g. z = px + r: store the error once.
        return previous_bar, (None if same else projected_bar, recurrent_bar,
                              None if perturbation is None else state_bar)

    zeros = _map(jnp.zeros_like, carry)
    carry_bar, (projected_bar, recurrent_bar, perturbation_bar) = jax.lax.scan(
        body, zeros, (previous_states, new_states, xs if remat else None, pullbacks,
                      states_bar, valid_TxB),
        reverse=not reverse, unroll=unroll)
    if projected_bar is None:
        projected_bar = recurrent_bar
    # The weight gradients: one large matrix product over all steps each.
    steps_and_batch = xs.shape[:2]
    params_bar, xs_bar = jax.vjp(cell.project_inputs, params, _flat(xs, steps_and_batch))[1](
        _flat(projected_bar, steps_and_batch))
    (carry_params_bar,) = jax.vjp(
        lambda p: cell.project_carry(p, _flat(previous, steps_and_batch)), params)[1](
        _flat(recurrent_bar, steps_and_batch))
    params_bar = _map(jnp.add, params_bar, carry_params_bar)
    return params_bar, xs_bar.reshape(xs.shape), carry_bar, None, perturbation_bar


_recurrence.defvjp(_recurrence_fwd, _recurrence_bwd)


# The feature-major loop (KernelCells): carries [H, B], inputs [I, T, B], per-step
# products w^T @ columns. In full precision the inputs get a row of ones and the
# input kernel the bias as its last column, so the bias rides in the product and its
# gradient in the weight gradient's (with a matmul_dtype the bias stays out of the
# low-precision products). When the gating reads the products only through their sum
# (`_sums_products`), a step stacks [x_t; 1; h_{t-1}] and runs one product with both
# kernels side by side: the LSTM's forward pass became about 1.2x faster, its training
# step no faster (docs/performance.md). The backward loop writes the gate errors into
# [G*H, T, B] buffers it carries, so that after the loop the weight gradients are
# products of free reshapes to [., T*B] (writing a transposed block into a
# [T, B, G*H] buffer inside the loop, or transposing the whole buffer after it,
# costs XLA:CPU more). The loop returns the hidden states and the final carry only:
# these cells read out h.

def _feature_major(cell, reverse, unroll, remat, blocks, params, xs_TxBxI, carry, valid_TxB,
                   perturbation):
    """The loop feature-major: `(hs [T, B, H], final carry)`."""
    steps, batch = xs_TxBxI.shape[:2]
    xs = jnp.transpose(xs_TxBxI, (2, 0, 1))
    if _bias_in_product(cell):
        xs = jnp.concatenate([xs, jnp.ones((1, steps, batch), xs.dtype)], axis=0)
    if perturbation is not None:
        perturbation = _map(lambda p: jnp.swapaxes(p, 1, 2), perturbation)
    hs, final = _columns(cell, reverse, unroll, remat, blocks, params, xs,
                         _map(jnp.transpose, carry), valid_TxB, perturbation)
    return jnp.swapaxes(hs, 1, 2), _map(jnp.transpose, final)


def _products(a, b, dtype, contract_b=0):
    """a @ b (contract_b=0) or a @ b^T (contract_b=1), with the cells' matmul_dtype."""
    dimensions = (((1,), (contract_b,)), ((), ()))
    result = jnp.result_type(a, b)
    operands = result if dtype is None else dtype
    return jax.lax.dot_general(a.astype(operands), b.astype(operands), dimensions,
                               preferred_element_type=result)


def _bias_in_product(cell):
    return cell.matmul_dtype is None


def _sums_products(cell, carry):
    """Whether the cell's gating reads the two products only through their sum.

    Told by the gating's pullback, traced abstractly: it returns one error for both
    products (the LSTM's does; a GRU's reset gate multiplies the carry's product).
    """
    answer = []

    def probe(carry):
        gates = jnp.zeros((len(cell.gate_names) * carry.h.shape[0],) + carry.h.shape[1:],
                          carry.h.dtype)
        _, pullback = cell.pointwise_vjp(carry, gates, gates, axis=0)
        _, projected_bar, recurrent_bar = pullback(_map(jnp.zeros_like, carry))
        answer.append(projected_bar is recurrent_bar)

    jax.eval_shape(probe, carry)
    return answer[0]


def _column_kernels(cell, params, merged, blocks):
    """The kernels as `(w, bias, w_hh^T, recurrent_bias)` for `_column_step`.

    `w` is w_ih^T ([w_ih; b]^T with the bias in the product); `merged` (for cells
    that read the sum of the products) appends w_hh^T to it, so that a step is one
    product `w [x_t; h]`, and leaves the third entry None. `w` and w_hh^T come as
    lists of `blocks` blocks of rows (`_blocks`).
    """
    bias = cell.input_bias(params)
    recurrent_bias = params["b_hh"][:, None] if cell.recurrent_bias else None
    if _bias_in_product(cell):
        w_ih_t = jnp.transpose(jnp.concatenate([params["w_ih"], bias[None]], axis=0))
        bias = None
    else:
        w_ih_t, bias = jnp.transpose(params["w_ih"]), bias[:, None]
    w_hh_t = jnp.transpose(params["w_hh"])
    if merged:
        return (_blocks(jnp.concatenate([w_ih_t, w_hh_t], axis=1), blocks, 0), bias, None,
                recurrent_bias)
    return _blocks(w_ih_t, blocks, 0), bias, _blocks(w_hh_t, blocks, 0), recurrent_bias


def _column_step(cell, kernels, state, xs, t):
    """Step t feature-major: `(new_state, pullback)` of the gating."""
    w_ih_t, bias, w_hh_t, recurrent_bias = kernels
    x_t = jax.lax.dynamic_index_in_dim(xs, t, axis=1, keepdims=False)
    if w_hh_t is None:  # Merged: one product, all of it passed as the input's part.
        projected = _block_products(w_ih_t, jnp.concatenate([x_t, state.h], axis=0),
                                    cell.matmul_dtype, True)
        recurrent = jnp.zeros_like(projected)
    else:
        projected = _block_products(w_ih_t, x_t, cell.matmul_dtype, True)
        recurrent = _block_products(w_hh_t, state.h, cell.matmul_dtype, True)
    if bias is not None:
        projected = projected + bias
    if recurrent_bias is not None:
        recurrent = recurrent + recurrent_bias
    return cell.pointwise_vjp(state, projected, recurrent, axis=0)


def _columns_forward(cell, reverse, unroll, remat, blocks, params, xs, carry, valid_TxB,
                     perturbation):
    kernels = _column_kernels(cell, params, _sums_products(cell, carry), blocks)

    def body(state, inputs):
        t, perturbation_t, valid_B = inputs
        new, pullback = _column_step(cell, kernels, state, xs, t)
        if perturbation_t is not None:
            new = _map(jnp.add, new, perturbation_t)
        if valid_B is not None:  # [B] broadcasts over the leading feature axis.
            new = _map(lambda n, o: jnp.where(valid_B, n, o), new, state)
        # remat keeps every state (to recompute steps from), otherwise h (for w_hh's gradient).
        if remat:
            return new, (new, None)
        return new, (new.h, _shared(pullback, state.h, new.h))

    final, (states, pullbacks) = jax.lax.scan(
        body, carry, (jnp.arange(xs.shape[1]), perturbation, valid_TxB), reverse=reverse,
        unroll=unroll)
    return states, pullbacks, final


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2, 3, 4))
def _columns(cell, reverse, unroll, remat, blocks, params, xs, carry, valid_TxB, perturbation):
    states, _, final = _columns_forward(cell, reverse, unroll, remat, blocks, params, xs, carry,
                                        valid_TxB, perturbation)
    return (states.h if remat else states), final


def _columns_fwd(cell, reverse, unroll, remat, blocks, params, xs, carry, valid_TxB,
                 perturbation):
    states, pullbacks, final = _columns_forward(cell, reverse, unroll, remat, blocks, params,
                                                xs, carry, valid_TxB, perturbation)
    outputs = ((states.h if remat else states), final)
    return outputs, (params, xs, carry, valid_TxB, perturbation, states, pullbacks)


def _columns_bwd(cell, reverse, unroll, remat, blocks, residuals, outputs_bar):
    params, xs, carry, valid_TxB, perturbation, states, pullbacks = residuals
    hs_bar, final_bar = outputs_bar
    inputs, steps, batch = xs.shape
    width = params["w_hh"].shape[1]
    shared = _sums_products(cell, carry)  # One error for both products.
    kernels = _column_kernels(cell, params, shared, blocks)
    w_hh = _blocks(params["w_hh"], blocks, 0)  # The transpose's product: blocks of rows.
    # s_{t-1} for every step: whole states under remat (to recompute from), else h.
    previous = _previous(states, carry if remat else carry.h, reverse)

    # The stored h the pullbacks share residuals with (`_shared`), where they do.
    new_states = states if not remat and _stores(pullbacks, "new") else None
    previous_states = previous if remat or _stores(pullbacks, "previous") else None

    def body(loop, inputs):
        state_bar, recurrent_buffer, projected_buffer = loop
        t, previous_t, new_t, pullback, h_bar_t, valid_B = inputs
        state_bar = state_bar._replace(h=state_bar.h + h_bar_t)
        held_bar = None
        if valid_B is not None:  # Past the end the carry is copied: its error passes back.
            held_bar = _map(lambda g: jnp.where(valid_B, 0, g), state_bar)
            state_bar = _map(lambda g: jnp.where(valid_B, g, 0), state_bar)
        if pullback is None:  # remat: recompute the step instead of storing it.
            pullback = _column_step(cell, kernels, previous_t, xs, t)[1]
        else:
            pullback = _restored(pullback, previous_t, new_t)
        previous_bar, projected_bar, recurrent_bar = pullback(state_bar)
        recurrent_buffer = jax.lax.dynamic_update_index_in_dim(
            recurrent_buffer, recurrent_bar, t, axis=1)
        previous_bar = previous_bar._replace(h=previous_bar.h + _block_products(
            w_hh, recurrent_bar, cell.matmul_dtype, True))
        if held_bar is not None:
            previous_bar = _map(jnp.add, previous_bar, held_bar)
        if not shared:
            projected_buffer = jax.lax.dynamic_update_index_in_dim(
                projected_buffer, projected_bar, t, axis=1)
        return ((previous_bar, recurrent_buffer, projected_buffer),
                None if perturbation is None else state_bar)

    buffer = jnp.zeros((width, steps, batch), hs_bar.dtype)
    loop = (final_bar, buffer, None if shared else buffer)
    # One step per iteration whatever `unroll` says: unrolled, XLA:CPU recomputes the gate
    # errors inside each step's strided store (the LSTM's training step took 1.4x as long
    # at unroll=2, 2.2x at unroll=4), while the forward loop gains a little from unrolling.
    (carry_bar, recurrent_bar, projected_bar), perturbation_bar = jax.lax.scan(
        body, loop, (jnp.arange(steps), previous_states, new_states,
                     None if remat else pullbacks, hs_bar, valid_TxB),
        reverse=not reverse)
    if shared:
        projected_bar = recurrent_bar
    # The weight gradients: one large product over all T*B columns each.
    columns = steps * batch
    recurrent_bar = recurrent_bar.reshape(width, columns)
    projected_bar = projected_bar.reshape(width, columns)
    previous_h = jnp.transpose(previous.h if remat else previous, (1, 0, 2)).reshape(-1, columns)
    inputs_2d = xs.reshape(inputs, columns)
    if shared:  # Both weight gradients in one product: [dL/dw_ih; dL/dw_hh]^T = dZ [X; H]^T.
        both = _products(recurrent_bar, jnp.concatenate([inputs_2d, previous_h], axis=0),
                         cell.matmul_dtype, 1).T
        grads = {"w_ih": both[:inputs], "w_hh": both[inputs:]}
    else:
        grads = {"w_ih": _products(inputs_2d, projected_bar, cell.matmul_dtype, 1),
                 "w_hh": _products(previous_h, recurrent_bar, cell.matmul_dtype, 1)}
    xs_bar = _products(params["w_ih"], projected_bar, cell.matmul_dtype)
    if _bias_in_product(cell):  # The row of ones: the bias's gradient, no input's.
        grads["w_ih"], grads["b_ih"] = grads["w_ih"][:-1], grads["w_ih"][-1]
        xs_bar = jnp.concatenate([xs_bar, jnp.zeros((1, columns), xs_bar.dtype)], axis=0)
    else:
        grads["b_ih"] = jnp.sum(projected_bar, axis=1)
    grads["b_hh"] = jnp.sum(recurrent_bar, axis=1) if cell.recurrent_bias else grads["b_ih"]
    params_bar = {name: grads[name].astype(value.dtype) for name, value in params.items()}
    return params_bar, xs_bar.reshape(xs.shape).astype(xs.dtype), carry_bar, None, \
        perturbation_bar


_columns.defvjp(_columns_fwd, _columns_bwd)
