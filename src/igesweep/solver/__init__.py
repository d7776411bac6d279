"""Compiled stiff integrators: Rodas5P per lane or in lockstep groups, drivers, status codes."""

from igesweep.solver.batch import BatchResult, LaneBatch, solve_batch
from igesweep.solver.status import STATUS_MEANINGS, STATUS_OK

__all__ = ["STATUS_MEANINGS", "STATUS_OK", "BatchResult", "LaneBatch", "solve_batch"]
