"""Run every calibration in order and compare the fits with the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from igesweep.calibration.apheresis import fit_immunoadsorption
from igesweep.calibration.production import fit_dupilumab, fit_quilizumab
from igesweep.calibration.receptors import fit_crosslink_exponent, fit_fceri_loss
from igesweep.calibration.result import CalibrationResult
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
