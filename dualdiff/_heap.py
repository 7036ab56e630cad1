"""Freed array memory kept for reuse (glibc's malloc on Linux).

Gradient code allocates and frees arrays of the same few sizes on every step: the
gradients a transform returns, the ``p -= lr * g`` temporaries of a functional
update, a layer's activations. glibc serves blocks above its *mmap threshold* with a
fresh mapping and gives the top of its heap back to the system once more than its
*trim threshold* is free there; both thresholds start small (128 kB) and only adapt
to the sizes a process happens to free. Memory given back is faulted in again, one
page (4 kB) at a time, on the next step. On a 784-256-10 MLP step that was about
1,100 page faults per step, a third of the step's time, in the functional style,
and none in the module style, whose optimizer writes into buffers it keeps.

At import, dualdiff raises both thresholds once, so blocks up to 32 MB come from
the heap and up to 128 MB of freed memory stays there for the next step. It leaves
them alone where the environment sets them already (``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_``), where ``DUALDIFF_KEEP_FREED_MEMORY=0``,
and off glibc.
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters, from <malloc.h>
_MMAP_THRESHOLD = 32 << 20  # glibc's largest on 64-bit systems
_TRIM_THRESHOLD = 128 << 20
_SET_BY_ENVIRONMENT = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module's docstring); whether it did."""
    if not sys.platform.startswith("linux") or os.environ.get("DUALDIFF_KEEP_FREED_MEMORY") == "0":
        return False
    if any(name in os.environ for name in _SET_BY_ENVIRONMENT):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 -- glibc's own symbol: other C libraries differ
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
