"""Source condition: ``λ_j c_j² ∝ j^(−1−2βr)`` on a power-law spectrum, normalised to ``norm``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.teachers.base import Teacher, teacher_norm
from modelcollapse.numerics.validate import finite_positive
from modelcollapse.theory.errors import ScenarioError

__all__ = ["SourceTeacher"]


@dataclass(frozen=True, kw_only=True)
class SourceTeacher(Teacher):
    """``λ_j c_j² = norm · j^(−1−2βr)/Σ_i i^(−1−2βr)``.

    Parameters
    ----------
    r : float
        Source exponent, ``> 0``.
    norm : float, optional
        ``‖w0‖²_Σ`` (default 1).
    """

    KIND = "source"
    kind: str = "source"
    r: float = None
    norm: float = None

    def __post_init__(self):
        self._check_kind()
        if self.r is None:
            raise ScenarioError("teacher.r", "required for kind = 'source' (a number > 0)")
        object.__setattr__(self, "r", finite_positive("teacher.r", self.r))
        object.__setattr__(self, "norm", teacher_norm(self.norm))

    def check_against(self, spectrum) -> None:
        if spectrum.beta is None:  # the kinds without a power-law exponent
            raise ScenarioError("teacher.kind", f"'source' needs spectrum.kind = 'power_law', got {spectrum.kind!r}")

    def power_law_weights(self, beta, d, num):
        s = num(1) + 2 * num(beta) * num(self.r)  # exact in mpmath: γ and ζ(s) must match
        return s - 2 * num(beta), s

    def weights(self, spectrum, backend: Backend = FLOAT64) -> np.ndarray:
        self.check_against(spectrum)
        spectrum.eigenvalues(backend)  # raises for d = inf, as every finite-d sum does
        j = backend.array(np.arange(1, spectrum.d + 1, dtype=np.float64))
        w = backend.power(j, -(1 + 2 * backend.scalar(spectrum.beta) * backend.scalar(self.r)))
        return w * (backend.scalar(self.norm) / backend.fsum(w))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "r": self.r, "norm": self.norm}
