"""Default tolerances of the compiled integrator.

``DEFAULT_RTOL`` is relative; ``DEFAULT_ATOL`` is absolute in units of each
state's natural scale (largest dose, baseline IgE, receptor baseline, 1 for
the cell pools). With these, every example scenario and every catalogue
therapy under both bindings stays within 1e-4 of the reference (model.md §8;
``tests/test_accuracy.py``), the worst case at 8.1e-6.
"""

from __future__ import annotations

DEFAULT_RTOL = 3e-6
DEFAULT_ATOL = 1e-12
