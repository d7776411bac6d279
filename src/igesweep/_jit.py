"""The one place where igesweep's Numba compilation options are chosen.

``error_model="numpy"`` makes a division by zero produce inf/NaN instead of
raising, so a kernel can never raise: it reports a status per lane instead.

No fast-math flag is set. Most would let the compiler assume no NaN or inf,
which the kernel's checks for non-finite values rely on; ``contract``
(fusing a multiply and an add into one FMA) made the process that compiled a
kernel get other last bits than every process loading it from the cache (a
sweep's metrics 1e-13 to 2e-13 relative apart, so a sweep's values depended on
where it ran, tests/test_kernels.py), and without it the lockstep kernel ran
as fast (BENCHMARKS.md). ``reassoc`` would also break
:mod:`igesweep.models.power`, whose rounding to an integer by adding and
subtracting a constant it would simplify away.

``cache=True`` stores compiled machine code so later processes start warm.
Numba keys a cached function by its own source file only: it does not notice
that a compiled function it calls, defined in another file, has changed, and
would go on running the old machine code. igesweep therefore keeps its cache
in :data:`igesweep._cache.CACHE_DIR`, a directory named after a hash of every
source file of the package, so any change to the sources starts a fresh
cache; if that directory cannot be created, Numba's default location is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba
from numba.core import config

from igesweep._cache import CACHE_DIR, source_hash

__all__ = ["CACHE_DIR", "jit", "jit_inline", "jit_parallel", "source_hash"]

_OPTIONS: dict[str, Any] = {
    "cache": True, "error_model": "numpy", "nogil": True,
}


def _compile(func: Callable[..., Any], **extra: Any) -> Any:
    previous = config.CACHE_DIR
    if CACHE_DIR is not None:
        config.CACHE_DIR = CACHE_DIR
    try:
        return numba.njit(**_OPTIONS, **extra)(func)
    finally:
        config.CACHE_DIR = previous


def jit(func: Callable[..., Any]) -> Any:
    """Decorator for every compiled function called from a kernel."""
    return _compile(func)


def jit_inline(func: Callable[..., Any]) -> Any:
    """Decorator for small compiled functions called many times per step.

    ``inline="always"`` puts the function's body into each compiled caller
    (Numba IR inlining), so a call costs no call sequence and no passing of
    array structures; the function remains callable on its own.
    """
    return _compile(func, inline="always")


def jit_parallel(func: Callable[..., Any]) -> Any:
    """Decorator for drivers that spread lanes over threads with ``numba.prange``."""
    return _compile(func, parallel=True)
