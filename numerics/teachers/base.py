"""The teacher ``w0``: what every kind provides (THEORY.md §1–§2).

A teacher is its coefficients ``c_j`` in the eigenbasis of ``Σ``; only ``w_j = λ_j c_j²`` enters
the test error. Each kind is a small immutable keyword-only dataclass in its own module.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.kinds import Family
from modelcollapse.numerics.validate import finite_positive
from modelcollapse.theory.errors import ScenarioError

__all__ = ["Teacher", "teacher_norm"]


def teacher_norm(value) -> float:
    """``teacher.norm``: ``‖w0‖²_Σ >= 0``, default 1."""
    return 1.0 if value is None else finite_positive("teacher.norm", value, strict=False)


class Teacher(Family):
    """The teacher ``w0``; ``Teacher(kind=..., ...)``.

    Kinds (registration table: :data:`modelcollapse.numerics.teachers.TEACHER_KINDS`): ``source``
    (``λ_j c_j² ∝ j^(−1−2βr)``, power-law spectra), ``isotropic`` (all ``c_j²`` equal),
    ``coefficients`` (the given ``values``). Every kind has ``kind``, ``r``, ``norm`` and ``values``
    (``None`` where the kind has none).
    """

    TABLE: ClassVar[str] = "teacher"
    #: whether the Euler–Maclaurin sums of large power-law spectra cover this kind
    has_closed_form_sums: ClassVar[bool] = True
    r = None
    norm = None
    values = None

    @classmethod
    def from_table(cls, table: dict) -> "Teacher":
        """Validate a ``[teacher]`` table (as read from TOML)."""
        if "kind" not in table:
            raise Teacher.missing_kind()
        table = dict(table)
        if "values" in table:
            if not isinstance(table["values"], list):
                raise ScenarioError("teacher.values", f"expected a list of numbers, got {table['values']!r}")
            table["values"] = tuple(table["values"])
        return Teacher(**table)

    def check_against(self, spectrum) -> None:
        """Raise :class:`ScenarioError` unless this teacher fits ``spectrum`` (a kind may add conditions)."""
        if not spectrum.is_finite:
            raise ScenarioError("teacher.kind", f"{self.kind!r} needs a finite spectrum.d")

    def weights(self, spectrum, backend: Backend = FLOAT64) -> np.ndarray:
        """``w_j = λ_j c_j²`` for ``j = 1..d``: the teacher's energy along each eigendirection."""
        raise NotImplementedError

    def power_law_weights(self, beta, d, num):
        """``(γ, s)`` of this teacher on ``λ_j = j^(−β)``, ``j <= d``: ``w_j = (norm/Z) j^(−s)`` with
        ``Z = Σ_{j<=d} j^(−s)``, and ``w_j/λ_j² ∝ j^(−γ)``, in the numbers ``num`` makes (the
        Euler–Maclaurin sums of :mod:`modelcollapse.numerics.infinite`). Raises where the kind has no such form."""
        raise ScenarioError("teacher.kind", f"{self.kind!r} is not a power-law family")

    def coefficients(self, spectrum) -> np.ndarray:
        """Coefficients ``c_j`` (float64, non-negative for the families)."""
        return np.sqrt(self.weights(spectrum) / spectrum.eigenvalues())

    def notes(self, spectrum) -> tuple[str, ...]:
        """What a prediction should say about this teacher on ``spectrum`` (a kind may add notes)."""
        return ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "norm": self.norm}
