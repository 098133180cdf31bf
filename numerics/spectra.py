"""Data models: the covariance spectrum and the teacher (THEORY.md §1–§2).

Both are small immutable value objects with keyword-only constructors that validate at the
boundary. Work is in the eigenbasis of ``Σ``: a spectrum is the list of eigenvalues ``λ_j`` and
a teacher is the list of coefficients ``c_j`` in that basis. Only ``c_j²`` enters the test error.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.errors import ScenarioError

__all__ = ["Spectrum", "Teacher"]

SPECTRUM_KINDS = ("isotropic", "power_law", "eigenvalues")
TEACHER_KINDS = ("source", "isotropic", "coefficients")


def _finite_positive(key: str, x, *, strict: bool = True) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):  # Real: numpy scalars too
        raise ScenarioError(key, f"expected a number, got {x!r}")
    x = float(x)
    if not math.isfinite(x) or (x <= 0 if strict else x < 0):
        raise ScenarioError(key, f"expected a finite number {'> 0' if strict else '>= 0'}, got {x!r}")
    return x


@dataclass(frozen=True, kw_only=True)
class Spectrum:
    """Eigenvalues ``λ_1 ≥ … ≥ λ_d > 0`` of the feature covariance ``Σ``.

    Parameters
    ----------
    kind : {"isotropic", "power_law", "eigenvalues"}
        ``isotropic``: ``λ_j = 1``. ``power_law``: ``λ_j = j^(-beta)``, ``j = 1..d``.
        ``eigenvalues``: the given ``values``, any positive numbers in any order.
    d : int or float("inf")
        Dimension. ``inf`` is allowed for ``power_law`` only (where a result exists).
    beta : float, optional
        Power-law exponent, ``beta > 1`` (required for ``power_law``).
    values : tuple of float, optional
        The eigenvalues (required for ``eigenvalues``; ``d`` is then their number).
    """

    kind: Literal["isotropic", "power_law", "eigenvalues"]
    d: int | float
    beta: float | None = None
    values: tuple[float, ...] | None = None

    def __post_init__(self):
        if self.kind not in SPECTRUM_KINDS:
            raise ScenarioError("spectrum.kind", f"expected one of {', '.join(map(repr, SPECTRUM_KINDS))}, got {self.kind!r}")
        if self.kind == "eigenvalues":
            if self.values is None or len(self.values) == 0:
                raise ScenarioError("spectrum.values", "expected a non-empty list of positive numbers")
            vals = tuple(_finite_positive(f"spectrum.values[{i}]", v) for i, v in enumerate(self.values))
            object.__setattr__(self, "values", vals)
            if self.d != len(vals):
                raise ScenarioError("spectrum.d", f"must equal the number of spectrum.values ({len(vals)}), got {self.d!r}")
        elif self.values is not None:
            raise ScenarioError("spectrum.values", f"only allowed with kind = 'eigenvalues', not {self.kind!r}")
        if self.d == math.inf:
            if self.kind != "power_law":
                raise ScenarioError("spectrum.d", "d = 'inf' is allowed only for kind = 'power_law'")
        elif isinstance(self.d, bool) or not isinstance(self.d, numbers.Integral) or self.d < 1:
            raise ScenarioError("spectrum.d", f"expected a positive integer (or 'inf' for power_law), got {self.d!r}")
        else:
            object.__setattr__(self, "d", int(self.d))
        if self.kind == "power_law":
            if self.beta is None:
                raise ScenarioError("spectrum.beta", "required for kind = 'power_law' (a number > 1)")
            beta = _finite_positive("spectrum.beta", self.beta)
            if beta <= 1:
                raise ScenarioError("spectrum.beta", f"expected a number > 1, got {beta!r}")
            object.__setattr__(self, "beta", beta)
        elif self.beta is not None:
            raise ScenarioError("spectrum.beta", f"only allowed with kind = 'power_law', not {self.kind!r}")

    @property
    def is_finite(self) -> bool:
        return self.d != math.inf

    def eigenvalues(self, backend: Backend = FLOAT64) -> np.ndarray:
        """The ``d`` eigenvalues as an array of ``backend`` numbers (finite ``d`` only)."""
        if not self.is_finite:
            raise ValueError("an infinite spectrum has no eigenvalue array; use modelcollapse.numerics.sums")
        if self.kind == "isotropic":
            return backend.array(np.ones(self.d))
        if self.kind == "eigenvalues":
            return backend.array(self.values)
        j = backend.array(np.arange(1, self.d + 1, dtype=np.float64))
        return backend.power(j, -backend.scalar(self.beta))

    def trace(self, backend: Backend = FLOAT64):
        """``tr Σ`` (for ``d = inf`` the zeta value ``ζ(β)``)."""
        if not self.is_finite:
            if backend.is_mp:
                return backend.ctx.zeta(backend.scalar(self.beta))
            import scipy.special

            return float(scipy.special.zeta(self.beta))
        return backend.fsum(self.eigenvalues(backend))

    def to_dict(self) -> dict:
        out: dict = {"kind": self.kind}
        if self.kind != "eigenvalues":
            out["d"] = "inf" if not self.is_finite else self.d
        if self.beta is not None:
            out["beta"] = self.beta
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True, kw_only=True)
class Teacher:
    """The teacher ``w0``, through its coefficients ``c_j`` in the eigenbasis of ``Σ``.

    Parameters
    ----------
    kind : {"source", "isotropic", "coefficients"}
        ``source``: ``λ_j c_j² ∝ j^(-1-2·beta·r)`` (needs a power-law spectrum);
        ``isotropic``: all ``c_j²`` equal; ``coefficients``: the given ``values``.
    r : float, optional
        Source exponent, ``r > 0`` (required for ``source``).
    norm : float
        ``‖w0‖²_Σ = Σ_j λ_j c_j²`` for ``source`` and ``isotropic`` (default 1).
    values : tuple of float, optional
        The coefficients ``c_j``, paired with the spectrum's eigenvalues in the order given.
    """

    kind: Literal["source", "isotropic", "coefficients"]
    r: float | None = None
    norm: float | None = None
    values: tuple[float, ...] | None = None

    def __post_init__(self):
        if self.kind not in TEACHER_KINDS:
            raise ScenarioError("teacher.kind", f"expected one of {', '.join(map(repr, TEACHER_KINDS))}, got {self.kind!r}")
        if self.kind == "source":
            if self.r is None:
                raise ScenarioError("teacher.r", "required for kind = 'source' (a number > 0)")
            object.__setattr__(self, "r", _finite_positive("teacher.r", self.r))
        elif self.r is not None:
            raise ScenarioError("teacher.r", f"only allowed with kind = 'source', not {self.kind!r}")
        if self.kind == "coefficients":
            if self.norm is not None:
                raise ScenarioError("teacher.norm", "not allowed with kind = 'coefficients' (the values fix the norm)")
            if self.values is None or len(self.values) == 0:
                raise ScenarioError("teacher.values", "expected a non-empty list of numbers")
            vals = []
            for i, v in enumerate(self.values):
                if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                    raise ScenarioError(f"teacher.values[{i}]", f"expected a finite number, got {v!r}")
                vals.append(float(v))
            object.__setattr__(self, "values", tuple(vals))
        else:
            if self.values is not None:
                raise ScenarioError("teacher.values", f"only allowed with kind = 'coefficients', not {self.kind!r}")
            object.__setattr__(self, "norm", 1.0 if self.norm is None else _finite_positive("teacher.norm", self.norm, strict=False))

    def check_against(self, spectrum: Spectrum) -> None:
        """Raise :class:`ScenarioError` unless this teacher fits ``spectrum``."""
        if self.kind == "source" and spectrum.kind != "power_law":
            raise ScenarioError("teacher.kind", f"'source' needs spectrum.kind = 'power_law', got {spectrum.kind!r}")
        if self.kind == "coefficients":
            if not spectrum.is_finite:
                raise ScenarioError("teacher.values", "explicit coefficients need a finite spectrum.d")
            if len(self.values) != spectrum.d:
                raise ScenarioError("teacher.values", f"expected {spectrum.d} coefficients (one per eigenvalue), got {len(self.values)}")
        if self.kind == "isotropic" and not spectrum.is_finite:
            raise ScenarioError("teacher.kind", "'isotropic' needs a finite spectrum.d (all c_j² equal is not normalisable)")

    def weights(self, spectrum: Spectrum, backend: Backend = FLOAT64) -> np.ndarray:
        """``λ_j c_j²`` for ``j = 1..d``: the teacher's energy along each eigendirection."""
        self.check_against(spectrum)
        lam = spectrum.eigenvalues(backend)
        if self.kind == "coefficients":
            c = backend.array(self.values)
            return lam * c * c
        if self.kind == "isotropic":
            return lam * (backend.scalar(self.norm) / backend.fsum(lam))
        j = backend.array(np.arange(1, spectrum.d + 1, dtype=np.float64))
        w = backend.power(j, -(1 + 2 * backend.scalar(spectrum.beta) * backend.scalar(self.r)))
        return w * (backend.scalar(self.norm) / backend.fsum(w))

    def coefficients(self, spectrum: Spectrum) -> np.ndarray:
        """Coefficients ``c_j`` (float64; non-negative for the families, as given otherwise)."""
        if self.kind == "coefficients":
            self.check_against(spectrum)
            return np.asarray(self.values, dtype=np.float64)
        return np.sqrt(self.weights(spectrum) / spectrum.eigenvalues())

    def to_dict(self) -> dict:
        out: dict = {"kind": self.kind}
        if self.r is not None:
            out["r"] = self.r
        if self.norm is not None:
            out["norm"] = self.norm
        if self.values is not None:
            out["values"] = list(self.values)
        return out
