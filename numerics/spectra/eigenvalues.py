"""An explicit spectrum: the given eigenvalues, any positive numbers in any order."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.spectra.base import Spectrum
from modelcollapse.numerics.spectra.design import DesignFields
from modelcollapse.numerics.validate import finite_positive, number_list
from modelcollapse.theory.errors import ScenarioError

__all__ = ["EigenvalueSpectrum"]


@dataclass(frozen=True, kw_only=True)
class EigenvalueSpectrum(DesignFields, Spectrum):
    """``Σ = diag(values)``.

    Parameters
    ----------
    values : tuple of float
        The eigenvalues, each finite and ``> 0``.
    d : int, optional
        Must equal ``len(values)`` (the scenario file may omit it).
    """

    KIND = "eigenvalues"
    kind: str = "eigenvalues"
    values: tuple = None
    d: int = None

    def __post_init__(self):
        self._check_kind()
        if self.values is None or len(self.values) == 0:
            raise ScenarioError("spectrum.values", "expected a non-empty list of positive numbers")
        vals = tuple(finite_positive(f"spectrum.values[{i}]", v) for i,
                     v in enumerate(number_list("spectrum.values", self.values)))
        object.__setattr__(self, "values", vals)
        if not math.isfinite(float(np.sum(vals))):  # (math.fsum raises on overflow)
            raise ScenarioError("spectrum.values", f"the eigenvalues sum to more than float64 holds (largest "
                                f"{max(vals):.3g}); expected tr Σ < 1.8e308: scale them down")
        d = len(vals) if self.d is None else self.d
        if d != len(vals):
            raise ScenarioError("spectrum.d", f"must equal the number of spectrum.values ({len(vals)}), got {self.d!r}")
        object.__setattr__(self, "d", len(vals))

    @classmethod
    def prepare(cls, table: dict) -> dict:
        if not isinstance(table.get("values"), list):
            raise ScenarioError("spectrum.values", "required for kind = 'eigenvalues' (a list of positive numbers)")
        table.setdefault("d", len(table["values"]))
        return super().prepare(table)

    @property
    def is_isotropic(self) -> bool:
        return len(set(self.values)) == 1

    def eigenvalues(self, backend: Backend = FLOAT64) -> np.ndarray:
        return backend.array(self.values)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "values": list(self.values)}
