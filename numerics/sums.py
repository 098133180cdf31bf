"""Spectral sums that every deterministic equivalent is made of (THEORY.md §3.3).

``df_m(κ) = Σ_j λ_j^m / (λ_j + κ)^m`` (the degrees of freedom) and the teacher-weighted
``bias_sum(κ) = Σ_j λ_j c_j² / (λ_j + κ)²``, for a scalar ``κ`` or an array of them, at the
precision of a :class:`~modelcollapse.numerics.backend.Backend`.

For finite ``d`` the sums are taken term by term (broadcast over ``κ``, chunked to bound
memory). Infinite power-law spectra are handled by :mod:`modelcollapse.numerics.infinite`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.theory.errors import ScenarioError

__all__ = ["SpectralSums", "spectral_sums"]

LARGE_POWER_LAW_D = 20_000  # power laws above this d use numerics.infinite (same sums, no O(d) arrays)
# float64 broadcast block: 125 kB, under glibc's 128 KiB mmap threshold. Larger temporaries are
# mmapped and page-faulted afresh on every call: 32 MB blocks made κ grids ~6x slower at d = 1e4.
_CHUNK_ELEMENTS = 16_000


def _power(x, m: int):
    """``x ** m``; numpy has no fast path for ``** 1`` (a full pow costs as much as the sum)."""
    return x if m == 1 else x * x if m == 2 else x**m


@dataclass(frozen=True)
class SpectralSums:
    """Finite-``d`` spectral sums of one spectrum (and optionally one teacher) at one precision."""

    eigenvalues: np.ndarray
    weights: np.ndarray | None  # λ_j c_j², or None without a teacher
    backend: Backend = FLOAT64
    trace: object = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "trace", self.backend.fsum(self.eigenvalues))

    @property
    def d(self) -> int:
        return len(self.eigenvalues)

    @property
    def min_eigenvalue(self):
        return np.min(self.eigenvalues)  # builtin min() costs ~1 ms at d = 1e4, as much as a whole κ solve

    def _reduce(self, kappa, term):
        """``Σ_j term(λ_j, w_j, κ)`` for scalar or 1-d array ``κ`` (``w_j = λ_j c_j²``)."""
        b = self.backend
        kap = np.asarray(kappa, dtype=b.dtype)
        lam = self.eigenvalues
        w = self.weights if self.weights is not None else lam
        if kap.ndim == 0:
            return b.fsum(term(lam, w, kap[()]))
        out = np.empty(kap.shape, dtype=kap.dtype)
        flat, res = kap.reshape(-1), out.reshape(-1)
        step = max(1, _CHUNK_ELEMENTS // max(1, len(lam)))
        for start in range(0, len(flat), step):
            k = flat[start:start + step, None]
            res[start:start + step] = b.fsum(term(lam[None, :], w[None, :], k), axis=-1)
        return out

    def df(self, kappa, m: int):
        """``df_m(κ) = Σ_j (λ_j/(λ_j+κ))^m``."""
        return self._reduce(kappa, lambda lam, w, k: _power(lam / (lam + k), m))

    def bias_sum(self, kappa):
        """``Σ_j λ_j c_j² / (λ_j + κ)²`` (needs a teacher)."""
        if self.weights is None:
            raise ScenarioError("teacher", "bias_sum needs a teacher")
        return self._reduce(kappa, lambda lam, w, k: w / (lam + k) ** 2)

    def teacher_sum(self, kappa, m: int):
        """``Σ_j λ_j^(m−1) c_j² / (λ_j + κ)^m`` (``m = 2`` is :meth:`bias_sum`; the 1/d correction needs 3, 4)."""
        if self.weights is None:
            raise ScenarioError("teacher", "teacher_sum needs a teacher")
        # as w (λ/(λ+κ))^(m−2)/(λ+κ)²: no λ^m that overflows for huge eigenvalues
        return self._reduce(kappa, lambda lam, w, k: w * _power(lam / (lam + k), m - 2) / (lam + k) ** 2 if m > 2
                            else w / (lam + k) ** 2)

    def scaled_bias_sum(self, kappa):
        """``κ² bias_sum(κ) = Σ_j λ_j c_j² (κ/(λ_j + κ))²``: bounded by ``‖w0‖²_Σ``, no overflow at a huge ``κ``."""
        if self.weights is None:
            raise ScenarioError("teacher", "bias_sum needs a teacher")
        return self._reduce(kappa, lambda lam, w, k: w * _power(k / (lam + k), 2))

    def scaled_teacher_sum(self, kappa, m: int):
        """``κ² teacher_sum(κ, m) = Σ_j λ_j c_j² (λ_j/(λ_j+κ))^(m−2) (κ/(λ_j+κ))²`` (bounded by ``‖w0‖²_Σ``)."""
        if self.weights is None:
            raise ScenarioError("teacher", "teacher_sum needs a teacher")
        return self._reduce(kappa, lambda lam, w, k: w * _power(lam / (lam + k), m - 2) * _power(k / (lam + k), 2))

    def teacher_norm(self):
        """``‖w0‖²_Σ = Σ_j λ_j c_j²`` (needs a teacher)."""
        if self.weights is None:
            raise ScenarioError("teacher", "teacher_norm needs a teacher")
        return self.backend.fsum(self.weights)


def spectral_sums(spectrum, teacher=None, backend: Backend = FLOAT64):
    """The spectral sums of a spectrum (and teacher) at the backend's precision.

    The spectrum's kind decides how (:meth:`modelcollapse.numerics.spectra.Spectrum.spectral_sums`):
    finite spectra give a :class:`SpectralSums`; power laws with ``d = inf`` or
    ``d > LARGE_POWER_LAW_D`` (family teachers) the Euler–Maclaurin sums of
    :mod:`modelcollapse.numerics.infinite`.
    """
    return spectrum.spectral_sums(teacher, backend)
