"""Calibrations: catalogue values fitted to published observations.

``run_calibrations`` fits the FcεRI loss rates and the cross-link exponent
(:mod:`~igesweep.calibration.receptors`), quilizumab's and dupilumab's B-cell
suppression (:mod:`~igesweep.calibration.production`) and the immunoadsorption
removal per session (:mod:`~igesweep.calibration.apheresis`);
:func:`~igesweep.calibration.writer.write_back` writes the fits into the
catalogue with ``evidence: calibrated``. ``igesweep calibrate`` runs both.
"""

from igesweep.calibration.result import CalibrationResult, Fitted, Residual
from igesweep.calibration.run import (
    Drift,
    calibration_residuals,
    catalogue_drift,
    run_calibrations,
)
from igesweep.calibration.writer import write_back

__all__ = ["CalibrationResult", "Drift", "Fitted", "Residual", "calibration_residuals",
           "catalogue_drift", "run_calibrations", "write_back"]
