"""Explicit teacher coefficients ``c_j``, paired with the spectrum's eigenvalues in the order given."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.teachers.base import Teacher
from modelcollapse.numerics.validate import finite_number
from modelcollapse.theory.errors import ScenarioError

__all__ = ["CoefficientTeacher"]


@dataclass(frozen=True, kw_only=True)
class CoefficientTeacher(Teacher):
    """``w0 = Σ_j c_j e_j`` in the eigenbasis of ``Σ``; the values fix the norm.

    Parameters
    ----------
    values : tuple of float
        One finite coefficient per eigenvalue.
    """

    KIND = "coefficients"
    has_closed_form_sums = False
    kind: str = "coefficients"
    values: tuple = None

    def __post_init__(self):
        self._check_kind()
        if self.values is None or len(self.values) == 0:
            raise ScenarioError("teacher.values", "expected a non-empty list of numbers")
        object.__setattr__(self, "values",
                           tuple(finite_number(f"teacher.values[{i}]", v) for i, v in enumerate(self.values)))

    def check_against(self, spectrum) -> None:
        if not spectrum.is_finite:
            raise ScenarioError("teacher.values", "explicit coefficients need a finite spectrum.d")
        if len(self.values) != spectrum.d:
            raise ScenarioError("teacher.values",
                                f"expected {spectrum.d} coefficients (one per eigenvalue), got {len(self.values)}")

    def weights(self, spectrum, backend: Backend = FLOAT64) -> np.ndarray:
        self.check_against(spectrum)
        lam = spectrum.eigenvalues(backend)
        c = backend.array(self.values)
        return lam * c * c

    def coefficients(self, spectrum) -> np.ndarray:
        self.check_against(spectrum)
        return np.asarray(self.values, dtype=np.float64)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "values": list(self.values)}
