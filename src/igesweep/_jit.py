"""The one place where igesweep's Numba compilation options are chosen.

``error_model="numpy"`` makes a division by zero produce inf/NaN instead of
raising, so a kernel can never raise: it reports a status per lane instead.
``cache=True`` stores compiled machine code next to the sources (or under
``NUMBA_CACHE_DIR``), keyed by signature and CPU, so later processes start
warm.
"""

from __future__ import annotations

import numba

#: Decorator for every compiled function called from a kernel.
jit = numba.njit(cache=True, error_model="numpy", nogil=True)

#: Decorator for drivers that spread lanes over threads with ``numba.prange``.
jit_parallel = numba.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
