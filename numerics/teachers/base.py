"""The teacher ``w0``: what every kind provides (THEORY.md §1–§2).

A teacher is its coefficients ``c_j`` in the eigenbasis of ``Σ``; only ``w_j = λ_j c_j²`` enters
the test error. Each kind is a small immutable keyword-only dataclass in its own module.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.kinds import ByKind
from modelcollapse.numerics.validate import finite_positive
from modelcollapse.theory.errors import ScenarioError

__all__ = ["Teacher", "teacher_norm"]


def teacher_norm(value) -> float:
    """``teacher.norm``: ``‖w0‖²_Σ >= 0``, default 1."""
    return 1.0 if value is None else finite_positive("teacher.norm", value, strict=False)


class Teacher(metaclass=ByKind):
    """The teacher ``w0``; ``Teacher(kind=..., ...)``.

    Kinds (registration table: :data:`modelcollapse.numerics.teachers.TEACHER_KINDS`): ``source``
    (``λ_j c_j² ∝ j^(−1−2βr)``, power-law spectra), ``isotropic`` (all ``c_j²`` equal),
    ``coefficients`` (the given ``values``). Every kind has ``kind``, ``r``, ``norm`` and ``values``
    (``None`` where the kind has none).
    """

    _family: ClassVar[dict] = {}
    TABLE: ClassVar[str] = "teacher"
    KIND: ClassVar[str] = ""
    #: whether the Euler–Maclaurin sums of large power-law spectra cover this kind
    has_closed_form_sums: ClassVar[bool] = True
    r = None
    norm = None
    values = None

    @classmethod
    def family(cls) -> dict:
        return Teacher._family

    @classmethod
    def register_kind(cls, kind_class) -> None:
        if kind_class.KIND in Teacher._family:
            raise ValueError(f"teacher kind {kind_class.KIND!r} registered twice")
        Teacher._family[kind_class.KIND] = kind_class

    def _check_kind(self) -> None:
        if self.kind != self.KIND:
            raise ScenarioError("teacher.kind", f"expected {self.KIND!r} for {type(self).__name__}, got {self.kind!r}")

    @classmethod
    def from_table(cls, table: dict) -> "Teacher":
        """Validate a ``[teacher]`` table (as read from TOML)."""
        if "kind" not in table:
            names = [repr(n) for n in Teacher._family]
            raise ScenarioError("teacher.kind", f"missing; expected {', '.join(names[:-1])} or {names[-1]}")
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

    def coefficients(self, spectrum) -> np.ndarray:
        """Coefficients ``c_j`` (float64, non-negative for the families)."""
        return np.sqrt(self.weights(spectrum) / spectrum.eigenvalues())

    def notes(self, spectrum) -> tuple[str, ...]:
        """What a prediction should say about this teacher on ``spectrum`` (a kind may add notes)."""
        return ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "norm": self.norm}
