"""Process settings a user of the library may opt into; nothing here runs at import.

`reuse_host_memory()`: XLA:CPU allocates a compiled program's temporary buffers as one
block per call (106 MB for an LSTM training step at B = 32, T = 256, H = 256) and frees it
on return. glibc serves a block that large with a fresh `mmap` and returns it with
`munmap`, so every call touches new pages: tens of thousands of minor page faults per step
(docs/performance.md times the steps under both policies).
Calling it tells glibc (`mallopt`) to serve every block from its heap and keep freed memory
there for the next call: all threads share the main arena, no block is `mmap`-ed, and the
heap is trimmed only once 2 GB of it are free. The price is a resident size that stays at
its peak. It changes the whole process's allocator, which is why a library does not do it
at import; `launch.py` does it by default (`--host_memory=reuse`).

It only affects threads that have not allocated yet, so call it before JAX starts its
backend (before the first computation or `jax.devices()`). The same from the environment,
before Python starts:

    MALLOC_ARENA_MAX=1 MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 python ...

Example:
  >>> import recurrent as rec
  >>> rec.utils.reuse_host_memory() in (None, "needs Linux with glibc (this is Darwin libc)")
  True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

# mallopt parameters, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -4, -8
_SETTINGS = ((_M_ARENA_MAX, 1), (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 2**31 - 1))
_ENVIRONMENT = {"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_MAX_": "0"}

_applied = False


def reuse_host_memory() -> str | None:
    """Keeps freed host memory for reuse (see the module docstring).

    Returns:
      None when applied, else why not (not Linux with glibc, or mallopt refused).
    """
    global _applied
    libc_name, _ = platform.libc_ver()
    if platform.system() != "Linux" or libc_name != "glibc":
        return (f"needs Linux with glibc (this is {platform.system()} "
                f"{libc_name or 'without glibc'})")
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    for parameter, value in _SETTINGS:
        if libc.mallopt(parameter, value) != 1:
            return f"glibc refused mallopt({parameter}, {value})"
    _applied = True
    return None


def host_memory_reused() -> str | None:
    """How this process came to reuse freed host memory ("call" or "environment"), or None."""
    if _applied:
        return "call"
    if all(os.environ.get(k) == v for k, v in _ENVIRONMENT.items()):
        return "environment"
    return None
