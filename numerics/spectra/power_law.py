"""A power-law spectrum ``λ_j = j^(−β)``, ``β > 1``, ``j = 1..d`` with ``d`` finite or infinite.

Its spectral sums are term by term up to :data:`LARGE_POWER_LAW_D`; above it, and for
``d = inf``, the Euler–Maclaurin sums of :mod:`modelcollapse.numerics.infinite` (same sums, no
``O(d)`` arrays) whenever the teacher is a family with a closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.infinite import infinite_power_law_sums
from modelcollapse.numerics.limits import check_dimension
from modelcollapse.numerics.spectra.base import Spectrum, finite_dimension
from modelcollapse.numerics.spectra.design import DesignFields
from modelcollapse.numerics.sums import LARGE_POWER_LAW_D
from modelcollapse.numerics.validate import finite_positive
from modelcollapse.theory.errors import ScenarioError

__all__ = ["PowerLawSpectrum", "MAX_BETA"]

# The steepest power law computed: beyond, λ_j = j^(−β) leaves float64 within a few indices (3^(−1000)
# underflows) and the Euler–Maclaurin head (about 3β terms) overflows; λ_2/λ_1 = 2^(−100) ≈ 8e-31.
MAX_BETA = 100.0


@dataclass(frozen=True, kw_only=True)
class PowerLawSpectrum(DesignFields, Spectrum):
    """``λ_j = j^(−β)``.

    Parameters
    ----------
    d : int or math.inf
    beta : float
        ``> 1`` (so that ``tr Σ = ζ(β)`` is finite at ``d = inf``).
    """

    KIND = "power_law"
    kind: str = "power_law"
    d: int | float
    beta: float = None

    def __post_init__(self):
        self._check_kind()
        if self.d != math.inf:
            object.__setattr__(self, "d", finite_dimension(self.d))
        if self.beta is None:
            raise ScenarioError("spectrum.beta", "required for kind = 'power_law' (a number > 1)")
        beta = finite_positive("spectrum.beta", self.beta)
        if not 1 < beta <= MAX_BETA:
            raise ScenarioError("spectrum.beta", f"expected a number > 1 and <= {MAX_BETA:g}, got {beta!r}"
                                + (" (steeper spectra have λ_2/λ_1 = 2^-β below 1e-30: not computed)"
                                   if beta > MAX_BETA else ""))
        object.__setattr__(self, "beta", beta)

    @property
    def is_isotropic(self) -> bool:
        return self.d == 1

    def eigenvalues(self, backend: Backend = FLOAT64) -> np.ndarray:
        self._require_finite()
        check_dimension(self.d, mp=backend.dtype is object)  # np.arange(1, d + 1) is empty once d + 1 overflows int64
        j = backend.array(np.arange(1, self.d + 1, dtype=np.float64))
        return backend.power(j, -backend.scalar(self.beta))

    def trace(self, backend: Backend = FLOAT64):
        """``tr Σ``; for ``d = inf`` the zeta value ``ζ(β)``."""
        if self.is_finite and self.d <= LARGE_POWER_LAW_D:
            return backend.fsum(self.eigenvalues(backend))
        if self.is_finite:  # ζ(β) − ζ(β, d+1), without an array of d eigenvalues
            return infinite_power_law_sums(self, None, backend).trace
        return backend.zeta(self.beta)

    def spectral_sums(self, teacher=None, backend: Backend = FLOAT64):
        if not self.is_finite or (self.d > LARGE_POWER_LAW_D and (teacher is None or teacher.has_closed_form_sums)):
            return infinite_power_law_sums(self, teacher, backend)
        return super().spectral_sums(teacher, backend)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "d": "inf" if not self.is_finite else self.d, "beta": self.beta}
