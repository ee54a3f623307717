"""launch.py --host_memory=reuse: freed host memory is reused without page faults."""

import os
import platform
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Allocates, touches and frees a 64 MB block twice (as XLA:CPU does with a step's temporary
# buffer) and prints the minor page faults of the second round.
_PROGRAM = """
import ctypes, ctypes.util, resource, sys
from experiments import host_memory
if sys.argv[1] == "reuse":
    assert host_memory.keep_freed_memory() is None
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
size = 64 << 20
faults = []
for _ in range(2):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    libc.free(block)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(faults[1], host_memory.describe())
"""


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's")
def test_reuse_keeps_freed_pages_for_the_next_allocation():
    def second_round(policy):
        out = subprocess.run([sys.executable, "-c", _PROGRAM, policy], cwd=ROOT, check=True,
                             capture_output=True, text=True, timeout=60).stdout.split(" ", 1)
        return int(out[0]), out[1].strip()

    (reused, described), (system, default) = second_round("reuse"), second_round("system")
    pages = (64 << 20) // os.sysconf("SC_PAGE_SIZE")
    assert system > pages // 2  # A fresh mapping: every page faults again.
    assert reused < pages // 100, reused
    assert described.startswith("freed memory kept for reuse")
    assert default.startswith("system malloc defaults")


def test_the_library_offers_the_same_opt_in_and_reports_it():
    import recurrent as rec

    program = ("import recurrent as rec\n"
               "print(rec.utils.host_memory_reused(), rec.utils.reuse_host_memory(), "
               "rec.utils.host_memory_reused())")
    out = subprocess.run([sys.executable, "-c", program], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=60).stdout.split()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert out == ["None", "None", "call"]
    environment = {**os.environ, "MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_MAX_": "0"}
    out = subprocess.run([sys.executable, "-c", "import recurrent as rec; "
                          "print(rec.utils.host_memory_reused())"], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=60, env=environment)
    assert out.stdout.strip() == "environment"
    assert "utils" in rec.__all__
