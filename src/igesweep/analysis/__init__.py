"""Analyses on top of sweep results: the omalizumab label dosing table and sensitivity analysis.

:mod:`igesweep.analysis.dosing_table`
    The US omalizumab dosing table, virtual patients drawn inside its cells,
    and the share of each cell's patients whose steady-state trough free IgE
    stays below target.
:mod:`igesweep.analysis.sensitivity`
    Global (Sobol', Morris; through SALib) and local (elasticity) sensitivity
    of the summary metrics to the model parameters.
"""
