"""Per-lane status codes returned by the compiled kernels (they never raise)."""

from __future__ import annotations

STATUS_OK = 0
STATUS_MAX_STEPS = 1
STATUS_NON_FINITE = 2
STATUS_STEP_UNDERFLOW = 3
#: Set after integration (not by the kernels): the lane ran to the end, but an output is
#: NaN or infinite (an overflow such as a threshold fold beyond the float range).
STATUS_NON_FINITE_OUTPUT = 4

#: Meaning of each code, for messages and the ``flag_meanings`` attribute of outputs.
STATUS_MEANINGS: dict[int, str] = {
    STATUS_OK: "ok",
    STATUS_MAX_STEPS: "too_many_steps",
    STATUS_NON_FINITE: "non_finite_state",
    STATUS_STEP_UNDERFLOW: "step_size_underflow",
    STATUS_NON_FINITE_OUTPUT: "non_finite_output",
}

#: Entries of the per-lane statistics vector: steps accepted, steps rejected, Jacobians formed.
STAT_STEPS, STAT_REJECTED, STAT_JACOBIANS = 0, 1, 2
N_STATS = 3
