"""Keeping freed host memory for reuse, so that XLA:CPU steps do not page-fault.

XLA:CPU allocates a compiled program's temporary buffers as one block per call
(106 MB for an LSTM training step at B = 32, T = 256, H = 256) and frees it on
return. glibc serves a block that large with a fresh `mmap` and returns it with
`munmap`, so every call touches new pages: about 27,000 minor page faults per
step, a fifth of the step's time on the machine behind docs/performance.md
(293 -> 227 ms). PyTorch's CPU allocator goes through the same `malloc` and
loses even more (its LSTM step: 299 -> 187 ms).

`keep_freed_memory()` (the library's `rec.utils.reuse_host_memory()`) tells glibc
(`mallopt`) to serve every block from its heap and to keep freed memory there:
all threads share the main arena (whose heap, unlike a thread arena's 64 MB heaps,
grows without bound), no block is
`mmap`-ed, and the heap is trimmed only once 2 GB of it are free. The next
call then reuses the same pages. The price is a resident size that stays at
its peak instead of shrinking after it.

It only affects threads that have not yet allocated, so it must run before
JAX starts its backend (its thread pool); launch.py calls it first thing
(`--host_memory=reuse`, the default). Programs that import `recurrent`
directly get the same effect by calling `rec.utils.reuse_host_memory()` before their first
computation, or from the environment, before Python starts:

    MALLOC_ARENA_MAX=1 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 python ...
"""

from __future__ import annotations

from recurrent import utils

POLICIES = ("reuse", "system")


def keep_freed_memory() -> str | None:
    """launch.py's `--host_memory=reuse`: `rec.utils.reuse_host_memory()`.

    Returns:
      None if applied, else why not (not Linux with glibc, or mallopt refused).
    """
    return utils.reuse_host_memory()


def describe() -> str:
    """One line for reports: which host-memory policy this process runs under."""
    how = utils.host_memory_reused()
    if how == "call":
        return "freed memory kept for reuse (launch.py --host_memory=reuse)"
    if how == "environment":
        return "freed memory kept for reuse (MALLOC_* environment variables)"
    return "system malloc defaults (launch.py --host_memory=system)"
