"""A power-law spectrum ``λ_j = j^(−β)``, ``β > 1``, ``j = 1..d`` with ``d`` finite or infinite.

Its spectral sums are term by term up to :data:`LARGE_POWER_LAW_D`; above it, and for
``d = inf``, the Euler–Maclaurin sums of :mod:`modelcollapse.numerics.infinite` (same sums, no
``O(d)`` arrays) whenever the teacher is a family with a closed form.
"""

from __future__ import annotations

import math
import sys
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

__all__ = ["PowerLawSpectrum", "FLOAT64_TINY"]

#: float64's smallest normal number: an eigenvalue ``j^(−β)`` below it is subnormal (digits lost) or 0. Any
#: ``β > 1`` is accepted; a steep power law is refused only where a computation needs eigenvalues below this
#: (:meth:`PowerLawSpectrum.underflow_index`, e.g. a ridgeless ``κ`` near ``λ_T = T^(−β)``).
FLOAT64_TINY = sys.float_info.min


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
        if beta <= 1:
            raise ScenarioError("spectrum.beta", f"expected a number > 1, got {beta!r}")
        object.__setattr__(self, "beta", beta)

    def underflow_index(self) -> int | None:
        """The first ``j <= d`` whose ``λ_j = j^(−β)`` is below :data:`FLOAT64_TINY` (2.2e-308), ``None`` if none is.

        ``j^(−β) < tiny`` exactly when ``j > tiny^(−1/β) = exp(708.40/β)``; e.g. ``β = 1000``: ``j = 3``
        (``2^(−1000) ≈ 9.3e-302`` is still normal). For ``d = inf`` there is always one.

        Examples
        --------
        >>> PowerLawSpectrum(d=200, beta=1000.0).underflow_index(), PowerLawSpectrum(d=200, beta=2.0).underflow_index()
        (3, None)
        """
        j = math.floor(math.exp(-math.log(FLOAT64_TINY) / self.beta)) + 1
        return j if j <= self.d else None

    def largest_beta_in_range(self) -> float:
        """The largest ``β`` whose ``λ_d = d^(−β)`` is a normal float64 at this ``d`` (``inf`` for ``d = 1``)."""
        return -math.log(FLOAT64_TINY) / math.log(self.d) if self.d > 1 else math.inf

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
