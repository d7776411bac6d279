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
from igesweep.models import DEFAULT_MODEL, IGESWEEP_MODELS


def run_calibrations(catalogue: Catalogue, model: str = DEFAULT_MODEL
                     ) -> list[CalibrationResult]:
    """Fit every calibrated value of ``model``, in dependency order.

    The cross-link exponent is fitted after, and with, the FcεRI loss rates.
    Both are fitted to receptor and threshold data conditioned on the measured
    free IgE (:mod:`~igesweep.calibration.receptors`), which involves only the
    receptor module that every igesweep model shares: they hold for every
    model and live in the shared patient block. The IgE-production and
    apheresis fits run the model itself (its drug PK and IgE turnover), so a
    model other than the catalogue's own gets its own values.

    Parameters
    ----------
    catalogue : Catalogue
        Starting values and everything not fitted.
    model : str
        One of :data:`igesweep.models.IGESWEEP_MODELS`.

    Returns
    -------
    list of CalibrationResult
    """
    if model not in IGESWEEP_MODELS:
        raise ValueError(f"model {model!r} has no calibrated values; allowed: "
                         f"{', '.join(IGESWEEP_MODELS)}")
    patient = catalogue.patient_values(model)
    receptors = fit_fceri_loss(patient, model)
    patient.update({f.name: f.value for f in receptors.fitted})
    return [receptors, fit_crosslink_exponent(patient, model), fit_quilizumab(model, catalogue),
            fit_dupilumab(model, catalogue), fit_immunoadsorption(model, catalogue)]


def calibration_residuals(catalogue: Catalogue, model: str = DEFAULT_MODEL) -> list[Residual]:
    """Every calibration observation next to ``model`` with the catalogue's values as they are.

    Unlike the residuals of :func:`run_calibrations`, which use the fresh fits,
    these show what the catalogue (possibly not yet updated) reproduces.
    """
    patient = catalogue.patient_values(model)
    return [*fceri_loss_residuals(patient, model), *crosslink_residuals(patient, model),
            production_residual(model, catalogue, "quilizumab", QUILIZUMAB_DAY, QUILIZUMAB_KEY),
            production_residual(model, catalogue, "dupilumab", DUPILUMAB_DAY, DUPILUMAB_KEY),
            immunoadsorption_residual(model, catalogue)]


@dataclass(frozen=True)
class Drift:
    """A fitted value next to the catalogue's.

    Attributes
    ----------
    label : str
        Where the value lives in the catalogue (:attr:`Fitted.label`).
    catalogue_value, fitted_value : float
        The two values.
    evidence : str
        The catalogue entry's evidence level.
    """

    label: str
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
            entry = (catalogue.patient_entries(f.model) if f.block == "patient"
                     else catalogue.therapy_block(f.block, f.model).parameters)[f.name]
            drift.append(Drift(f.label, entry.value, f.value, entry.evidence))
    return drift
