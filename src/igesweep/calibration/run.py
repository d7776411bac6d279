"""Run every calibration in order and compare the fits with the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from igesweep.calibration.apheresis import fit_immunoadsorption, immunoadsorption_residual
from igesweep.calibration.production import (
    DUPILUMAB_DAY,
    DUPILUMAB_KEY,
    QUILIZUMAB_DAY,
    QUILIZUMAB_KEY,
    fit_dupilumab,
    fit_quilizumab,
    production_residual,
)
from igesweep.calibration.receptors import (
    crosslink_residuals,
    fceri_loss_residuals,
    fit_crosslink_exponent,
    fit_fceri_loss,
)
from igesweep.calibration.result import CalibrationResult, Residual
from igesweep.catalogue import Catalogue


def run_calibrations(catalogue: Catalogue) -> list[CalibrationResult]:
    """Fit every calibrated value, in dependency order.

    The cross-link exponent is fitted after, and with, the FcεRI loss rates;
    the IgE-production and apheresis fits do not involve receptors.

    Parameters
    ----------
    catalogue : Catalogue
        Starting values and everything not fitted.

    Returns
    -------
    list of CalibrationResult
    """
    patient = catalogue.patient_values()
    receptors = fit_fceri_loss(patient)
    patient.update({f.name: f.value for f in receptors.fitted})
    return [receptors, fit_crosslink_exponent(patient), fit_quilizumab(catalogue),
            fit_dupilumab(catalogue), fit_immunoadsorption(catalogue)]


def calibration_residuals(catalogue: Catalogue) -> list[Residual]:
    """Every calibration observation next to the model with the catalogue's values as they are.

    Unlike the residuals of :func:`run_calibrations`, which use the fresh fits,
    these show what the catalogue (possibly not yet updated) reproduces.
    """
    patient = catalogue.patient_values()
    return [*fceri_loss_residuals(patient), *crosslink_residuals(patient),
            production_residual(catalogue, "quilizumab", QUILIZUMAB_DAY, QUILIZUMAB_KEY),
            production_residual(catalogue, "dupilumab", DUPILUMAB_DAY, DUPILUMAB_KEY),
            immunoadsorption_residual(catalogue)]


@dataclass(frozen=True)
class Drift:
    """A fitted value next to the catalogue's.

    Attributes
    ----------
    block, name : str
        Where the value lives in the catalogue.
    catalogue_value, fitted_value : float
        The two values.
    evidence : str
        The catalogue entry's evidence level.
    """

    block: str
    name: str
    catalogue_value: float
    fitted_value: float
    evidence: str

    @property
    def relative(self) -> float:
        """Catalogue / fitted - 1."""
        return self.catalogue_value / self.fitted_value - 1.0


def catalogue_drift(catalogue: Catalogue, results: list[CalibrationResult]) -> list[Drift]:
    """Each fitted value next to the value and evidence level the catalogue holds."""
    drift = []
    for result in results:
        for f in result.fitted:
            block = (catalogue.patient.parameters if f.block == "patient"
                     else catalogue.therapies[f.block].parameters)
            entry = block[f.name]
            drift.append(Drift(f.block, f.name, entry.value, f.value, entry.evidence))
    return drift
