"""Isotropic teacher: all ``c_j²`` equal, normalised to ``‖w0‖²_Σ = norm`` (finite ``d``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.teachers.base import Teacher, teacher_norm
from modelcollapse.theory.errors import ScenarioError

__all__ = ["IsotropicTeacher"]


@dataclass(frozen=True, kw_only=True)
class IsotropicTeacher(Teacher):
    """``c_j² = norm/tr Σ`` for every ``j``, so ``w_j = λ_j · norm/tr Σ``.

    Parameters
    ----------
    norm : float, optional
        ``‖w0‖²_Σ`` (default 1).
    """

    KIND = "isotropic"
    kind: str = "isotropic"
    norm: float = None

    def __post_init__(self):
        self._check_kind()
        object.__setattr__(self, "norm", teacher_norm(self.norm))

    def check_against(self, spectrum) -> None:
        if not spectrum.is_finite:
            raise ScenarioError("teacher.kind",
                                "'isotropic' needs a finite spectrum.d (all c_j² equal is not normalisable)")

    def power_law_weights(self, beta, d, num):
        if d == math.inf:
            raise ScenarioError("teacher.kind", "'isotropic' needs a finite spectrum.d")
        return -beta, num(beta)

    def weights(self, spectrum, backend: Backend = FLOAT64) -> np.ndarray:
        self.check_against(spectrum)
        lam = spectrum.eigenvalues(backend)
        return lam * (backend.scalar(self.norm) / backend.fsum(lam))
