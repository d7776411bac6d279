"""What a calibration returns: fitted values, the data and the residuals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from igesweep.literature import Observation
from igesweep.models import CATALOGUE_MODEL


@dataclass(frozen=True)
class Fitted:
    """One fitted catalogue value.

    Attributes
    ----------
    block : str
        ``"patient"`` or a therapy key of the catalogue.
    name : str
        Parameter name (model.md §3).
    value : float
        Fitted value, in the parameter's unit.
    unit : str
        The parameter's unit.
    model : str
        The model the value was fitted in. A therapy's value fitted in a model
        other than :data:`~igesweep.models.CATALOGUE_MODEL` lives in the
        catalogue's ``models.<model>.therapies.<therapy>`` block, a patient
        value in ``models.<model>.patient``.
    """

    block: str
    name: str
    value: float
    unit: str
    model: str = CATALOGUE_MODEL

    @property
    def yaml_path(self) -> tuple[str, ...]:
        """Keys from the catalogue's top level to the block holding the value."""
        if self.model == CATALOGUE_MODEL:
            return ("patient",) if self.block == "patient" else ("therapies", self.block)
        if self.block == "patient":
            return ("models", self.model, "patient")
        return ("models", self.model, "therapies", self.block)

    @property
    def label(self) -> str:
        """Catalogue path, e.g. ``models.igesweep-2.therapies.quilizumab.bcell_kill_max``."""
        return ".".join((*self.yaml_path, self.name))


@dataclass(frozen=True)
class Residual:
    """A published observation next to the calibrated model's value.

    Attributes
    ----------
    observation : Observation
        The published number and its band.
    simulated : float
        The calibrated model's value, in the observation's unit.
    condition : str
        The simulated condition when one observation is compared several times
        (e.g. a study day); empty otherwise.
    """

    observation: Observation
    simulated: float
    condition: str = ""

    @property
    def relative(self) -> float:
        """Simulated / published - 1."""
        return self.simulated / self.observation.value - 1.0

    @property
    def agrees(self) -> bool:
        """Whether the simulated value is inside the observation's band."""
        return self.observation.agrees(self.simulated)


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of one calibration.

    Attributes
    ----------
    name : str
        Short identifier (e.g. ``"fceri_loss"``).
    objective : str
        What was minimised or solved, in words.
    method : str
        The numerical method.
    fitted : tuple of Fitted
        Values to write to the catalogue.
    residuals : tuple of Residual
        Each observation used, with the calibrated model's value.
    weakness : str
        What the fit cannot tell, stated plainly.
    details : dict
        Further numbers worth reporting (e.g. a profile).
    prior_sources : tuple of str
        Sources of prior information used besides the observations.
    """

    name: str
    objective: str
    method: str
    fitted: tuple[Fitted, ...]
    residuals: tuple[Residual, ...]
    weakness: str
    details: dict[str, Any] = field(default_factory=dict)
    prior_sources: tuple[str, ...] = ()

    def sources(self) -> list[str]:
        """Every source the fit used: the observations', then the priors'."""
        return list(dict.fromkeys([*(r.observation.source for r in self.residuals),
                                   *self.prior_sources]))

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form for JSON."""
        return {
            "name": self.name,
            "objective": self.objective,
            "method": self.method,
            "weakness": self.weakness,
            "fitted": [{**vars(f), "label": f.label} for f in self.fitted],
            "residuals": [
                {"key": r.observation.key, "claim": r.observation.claim,
                 "condition": r.condition, "published": r.observation.value,
                 "low": r.observation.low, "high": r.observation.high,
                 "unit": r.observation.unit, "simulated": r.simulated,
                 "relative": r.relative, "agrees": r.agrees,
                 "source": r.observation.source, "provenance": r.observation.provenance}
                for r in self.residuals
            ],
            "details": self.details,
            "sources": self.sources(),
        }
