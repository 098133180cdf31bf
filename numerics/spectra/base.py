"""The covariance spectrum: what every kind provides (THEORY.md §1–§2).

Work is in the eigenbasis of ``Σ``: a spectrum is the list of eigenvalues ``λ_j``. Each kind is a
small immutable keyword-only dataclass in its own module that validates its fields, and knows its
eigenvalues, trace, spectral sums (term by term, or Euler–Maclaurin where the kind has a closed
form) and whether ``Σ ∝ I`` — decided here, once, for every caller.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.kinds import Family
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.numerics.validate import integer
from modelcollapse.theory.errors import NotCoveredError, ScenarioError

__all__ = ["Spectrum", "finite_dimension"]


def finite_dimension(value, *, inf_allowed_for: str = "") -> int:
    """``spectrum.d`` as a positive int (the message names the kind that also accepts ``'inf'``)."""
    if value == math.inf:
        raise ScenarioError("spectrum.d", f"d = 'inf' is allowed only for kind = {inf_allowed_for or 'power_law'!r}")
    try:
        return integer("spectrum.d", value, minimum=1)
    except ScenarioError:
        raise ScenarioError(
            "spectrum.d", f"expected a positive integer (or 'inf' for power_law), got {value!r}"
        ) from None


class Spectrum(Family):
    """Eigenvalues ``λ_1, …, λ_d > 0`` of the feature covariance ``Σ``; ``Spectrum(kind=..., ...)``.

    Kinds (registration table: :data:`modelcollapse.numerics.spectra.SPECTRUM_KINDS`):
    ``isotropic`` (``λ_j = 1``), ``power_law`` (``λ_j = j^(−β)``, ``d`` may be ``inf``),
    ``eigenvalues`` (the given ``values``).

    Attributes every kind has: ``kind``, ``d`` (int, or ``math.inf``), ``beta`` and ``values``
    (``None`` where the kind has none).
    """

    TABLE: ClassVar[str] = "spectrum"
    beta = None
    values = None

    # -- construction from a scenario table ----------------------------------------------------
    @classmethod
    def from_table(cls, table: dict) -> "Spectrum":
        """Validate a ``[spectrum]`` table (as read from TOML)."""
        kind = table.get("kind")
        if "kind" not in table:
            raise Spectrum.missing_kind()
        sub = Spectrum._family.get(kind) if isinstance(kind, str) else None
        if sub is None:
            return Spectrum(**table)  # raises the unknown-kind error
        return Spectrum(**sub.prepare(dict(table)))

    @classmethod
    def prepare(cls, table: dict) -> dict:
        """The table's TOML spellings turned into constructor values (a kind may override)."""
        if "d" not in table:
            raise ScenarioError("spectrum.d", "missing; expected a positive integer")
        if isinstance(table["d"], float):  # as for every integer key: 10.0 and a bare TOML inf alike
            raise ScenarioError("spectrum.d",
                                f"expected a positive integer or the string 'inf', got the float {table['d']!r}")
        if table["d"] == "inf":
            table["d"] = math.inf
        elif isinstance(table["d"], str):
            raise ScenarioError("spectrum.d", f"expected a positive integer or 'inf', got {table['d']!r}")
        for key, value in table.items():
            if isinstance(value, list):
                table[key] = tuple(value)
        return table

    # -- what every kind answers --------------------------------------------------------------
    @property
    def is_finite(self) -> bool:
        return self.d != math.inf

    @property
    def is_isotropic(self) -> bool:
        """``Σ ∝ I`` (all eigenvalues equal): the exact closed forms of THEORY.md §3.4–§3.5 apply."""
        raise NotImplementedError

    @property
    def scale(self) -> float:
        """``c`` with ``Σ = cI`` (only where :attr:`is_isotropic`)."""
        if not self.is_isotropic:
            raise NotCoveredError(f"spectrum.kind: {self.kind!r} with these values is not a multiple of the identity")
        return float(self.eigenvalues(FLOAT64)[0])

    def eigenvalues(self, backend: Backend = FLOAT64) -> np.ndarray:
        """The ``d`` eigenvalues as an array of ``backend`` numbers (finite ``d`` only)."""
        raise NotImplementedError

    def _require_finite(self) -> None:
        if not self.is_finite:
            raise NotCoveredError("spectrum.d: an infinite spectrum has no eigenvalue array; use "
                                  "modelcollapse.numerics.sums")

    def trace(self, backend: Backend = FLOAT64):
        """``tr Σ``."""
        return backend.fsum(self.eigenvalues(backend))

    def spectral_sums(self, teacher=None, backend: Backend = FLOAT64):
        """``df_m(κ)`` and ``S_B(κ)`` of this spectrum (and ``teacher``): term by term over the ``d`` eigenvalues."""
        lam = self.eigenvalues(backend)
        weights = teacher.weights(self, backend) if teacher is not None else None
        return SpectralSums(lam, weights, backend)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "d": self.d}
