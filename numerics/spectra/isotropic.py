"""``Σ = I``: ``λ_j = 1`` for ``j = 1..d`` (finite ``d``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.limits import check_dimension
from modelcollapse.numerics.spectra.base import Spectrum, finite_dimension
from modelcollapse.numerics.spectra.design import DesignFields

__all__ = ["IsotropicSpectrum"]


@dataclass(frozen=True, kw_only=True)
class IsotropicSpectrum(DesignFields, Spectrum):
    """Isotropic features, ``Σ = I_d``.

    Parameters
    ----------
    d : int
        Dimension, ``>= 1``.
    """

    KIND = "isotropic"
    kind: str = "isotropic"
    d: int

    def __post_init__(self):
        self._check_kind()
        object.__setattr__(self, "d", finite_dimension(self.d))

    @property
    def is_isotropic(self) -> bool:
        return True

    @property
    def scale(self) -> float:
        return 1.0

    def eigenvalues(self, backend: Backend = FLOAT64) -> np.ndarray:
        check_dimension(self.d, mp=backend.dtype is object)
        return backend.array(np.ones(self.d))
