"""Data-parallel training over a device mesh, with JAX's own SPMD partitioner.

A run's devices form a `jax.sharding.Mesh` with axes `("data", "model")`:

* `data` (config `mesh.data`; 0 = every device the model axis leaves): each
  batch is split along its batch axis, one slice per device;
* `model` (config `mesh.model`, default 1): parameters and optimiser state
  are split along their last (hidden / output) axis where it divides evenly,
  for models too wide for one device; otherwise they are replicated.

`jax.jit` with these shardings compiles one program for all devices: XLA
inserts the gradient all-reduce. On one device the mesh is 1 x 1 and the
program is the single-device one.

Several processes (hosts) form one run with `initialize_distributed` (launch.py's
`--coordinator_address`, `--num_processes`, `--process_id`, or `--distributed` to
let JAX read them from SLURM, a TPU pod or Open MPI): the mesh then spans every
process's devices, each process builds the same global batch (a pure function of
seed and step) and feeds its own devices' slices, Orbax saves and restores the
sharded state from every process, and only process 0 writes metrics and results.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from experiments.errors import ConfigError

AXES = ("data", "model")


def initialize_distributed(coordinator_address: str | None = None,
                           num_processes: int | None = None,
                           process_id: int | None = None) -> None:
    """Joins a multi-process run (before any other JAX call); all None: auto-detect.

    On CPU the processes exchange gradients over Gloo; GPUs and TPUs use their own
    collectives.
    """
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address, num_processes, process_id)


def make_mesh(mesh_config, batch_size: int, devices=None) -> Mesh:
    """The `(data, model)` mesh a config asks for; ConfigError if it cannot be built.

    Args:
      mesh_config: the config's `mesh` group (`data`, `model`), or None for all devices.
      batch_size: the global batch size, which must divide across the data axis.
      devices: the devices to use (default `jax.devices()`, across all processes).
    """
    devices = list(jax.devices() if devices is None else devices)
    model = int(mesh_config.get("model", 1)) if mesh_config else 1
    data = int(mesh_config.get("data", 0)) if mesh_config else 0
    if model < 1 or len(devices) % model:
        raise ConfigError(f"mesh.model ({model}) must divide the {len(devices)} devices")
    data = data or len(devices) // model
    if data * model > len(devices):
        raise ConfigError(f"mesh.data x mesh.model = {data} x {model} needs {data * model} "
                          f"devices; {len(devices)} are available")
    if batch_size % data:
        raise ConfigError(f"train.batch_size ({batch_size}) must divide evenly across the "
                          f"{data} devices of the data axis; use a multiple of {data}")
    grid = np.array(devices[:data * model]).reshape(data, model)
    return Mesh(grid, AXES, axis_types=(AxisType.Auto, AxisType.Auto))


def batch_sharding(mesh: Mesh) -> NamedSharding:
    """Every array of a batch split along its leading (batch) axis."""
    return NamedSharding(mesh, P("data"))


def put_global(tree, sharding: NamedSharding):
    """Host arrays that every process holds in full -> global arrays with `sharding`.

    Each process copies only the slices of its own devices, with no communication
    between processes. (`jax.device_put` of a multi-process sharding also checks,
    by an all-gather, that the processes agree; run from the prefetching thread
    while the training step's all-reduce runs, the two collectives can start in
    different orders on different processes, and Gloo then fails.)
    """
    def leaf(x):
        x = np.asarray(x)
        return jax.make_array_from_callback(x.shape, sharding, lambda index: x[index])
    return jax.tree.map(leaf, tree)


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, P())


def state_shardings(mesh: Mesh, state):
    """A sharding per leaf of `state`: the last axis over `model` where it divides."""
    model = mesh.shape["model"]

    def leaf(x):
        shape = np.shape(x)
        if model > 1 and shape and shape[-1] % model == 0:
            return NamedSharding(mesh, P(*([None] * (len(shape) - 1)), "model"))
        return replicated(mesh)

    return jax.tree.map(leaf, state)


def eval_sharding(mesh: Mesh, size: int) -> NamedSharding:
    """Split the evaluation set over the data axis when it divides, else replicate it."""
    return batch_sharding(mesh) if size % mesh.shape["data"] == 0 else replicated(mesh)
