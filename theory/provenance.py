"""Provenance of a number or a formula, as a type: what kind of statement it is, and its conditions.

A :class:`Provenance` is a ``str`` (the sentence printed and written to JSON, unchanged from the
free-text provenance it replaces) that also carries its :class:`ProvenanceKind`, so code decides
"is this exact?" from ``p.kind`` and never by searching the sentence.
"""

from __future__ import annotations

import enum

__all__ = ["ProvenanceKind", "Provenance", "exact", "equivalent", "finite_size", "asymptotic", "heuristic",
           "EXACT", "DETERMINISTIC_EQUIVALENT"]


class ProvenanceKind(enum.Enum):
    """How a result holds: exactly, as a deterministic equivalent, with a finite-size correction,
    asymptotically, or as a heuristic (measured, not derived)."""

    EXACT = "exact"
    DETERMINISTIC_EQUIVALENT = "deterministic equivalent"
    FINITE_SIZE_CORRECTED = "finite-size corrected"
    ASYMPTOTIC = "asymptotic"
    HEURISTIC = "heuristic"


class Provenance(str):
    """An immutable provenance: ``Provenance(kind=..., detail=...)``.

    Parameters
    ----------
    kind : ProvenanceKind
    detail : str, optional
        The full sentence, conditions included (e.g. ``"exact (Gaussian design, T, T0 >= d+2)"``);
        defaults to the kind's name. ``str(p)`` is this sentence.

    Notes
    -----
    Subclassing ``str`` keeps every existing consumer (JSON, tables, LaTeX escaping) byte for byte
    while the kind travels with the text. Equality and hashing are those of the sentence.
    """

    kind: ProvenanceKind

    def __new__(cls, *, kind: ProvenanceKind, detail: str = ""):
        if not isinstance(kind, ProvenanceKind):
            raise TypeError(f"kind: expected a ProvenanceKind, got {kind!r}")
        self = super().__new__(cls, detail or kind.value)
        object.__setattr__(self, "kind", kind)
        return self

    def __setattr__(self, name, value):
        raise AttributeError(f"Provenance is immutable (cannot set {name!r})")

    __delattr__ = __setattr__

    @property
    def detail(self) -> str:
        return str.__str__(self)

    @property
    def is_exact(self) -> bool:
        return self.kind is ProvenanceKind.EXACT

    def __hash__(self) -> int:
        return str.__hash__(self)

    def __eq__(self, other) -> bool:
        return str.__eq__(self, other)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Provenance(kind={self.kind.name}, detail={str.__repr__(self)})"

    def __reduce__(self):
        return (_rebuild, (self.kind, str(self)))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def to_dict(self) -> dict:
        return {"kind": self.kind.value, "detail": str(self)}


def _rebuild(kind, detail):
    return Provenance(kind=kind, detail=detail)


def exact(detail: str = "") -> Provenance:
    return Provenance(kind=ProvenanceKind.EXACT, detail=detail)


def equivalent(detail: str = "") -> Provenance:
    return Provenance(kind=ProvenanceKind.DETERMINISTIC_EQUIVALENT, detail=detail)


def finite_size(detail: str) -> Provenance:
    return Provenance(kind=ProvenanceKind.FINITE_SIZE_CORRECTED, detail=detail)


def asymptotic(detail: str = "") -> Provenance:
    return Provenance(kind=ProvenanceKind.ASYMPTOTIC, detail=detail)


def heuristic(detail: str) -> Provenance:
    return Provenance(kind=ProvenanceKind.HEURISTIC, detail=detail)


EXACT = exact()
DETERMINISTIC_EQUIVALENT = equivalent()
