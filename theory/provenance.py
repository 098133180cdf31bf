"""Provenance of a number or a formula, as a type: what kind of statement it is, and its conditions.

A :class:`Provenance` is a ``str`` (the sentence printed and written to JSON, unchanged from the
free-text provenance it replaces) that also carries its :class:`ProvenanceKind`, so code decides
"is this exact?" from ``p.kind`` and never by searching the sentence, and its ``allowance``: the
measured relative accuracy of the statement, which every check (``verify``, the report, sweeps)
applies on top of the Monte Carlo error. A provenance that states no measurement of its own gets
the default of its kind (:data:`DEFAULT_ALLOWANCE`).
"""

from __future__ import annotations

import enum

__all__ = ["ProvenanceKind", "Provenance", "exact", "equivalent", "finite_size", "asymptotic", "heuristic",
           "monte_carlo", "EXACT", "DETERMINISTIC_EQUIVALENT", "DEFAULT_ALLOWANCE"]


class ProvenanceKind(enum.Enum):
    """How a result holds: exactly, as a deterministic equivalent, with a finite-size correction,
    asymptotically, as a heuristic (measured, not derived), or as a Monte Carlo estimate (no formula
    holds: the definition simulated, with its standard error)."""

    EXACT = "exact"
    DETERMINISTIC_EQUIVALENT = "deterministic equivalent"
    FINITE_SIZE_CORRECTED = "finite-size corrected"
    ASYMPTOTIC = "asymptotic"
    HEURISTIC = "heuristic"
    MONTE_CARLO = "Monte Carlo"


#: The relative allowance of a kind whose provenance states no measured accuracy of its own: 0 for
#: exact results and Monte Carlo estimates (only their standard errors separate them from a
#: simulation), 1% for deterministic equivalents with their 1/d correction (59 scenarios, d = 40–200,
#: worst +0.74%; THEORY.md §3.9), 3% for first-order equivalents, asymptotic and heuristic results.
DEFAULT_ALLOWANCE = {
    ProvenanceKind.EXACT: 0.0,
    ProvenanceKind.FINITE_SIZE_CORRECTED: 0.01,
    ProvenanceKind.DETERMINISTIC_EQUIVALENT: 0.03,
    ProvenanceKind.ASYMPTOTIC: 0.03,
    ProvenanceKind.HEURISTIC: 0.03,
    ProvenanceKind.MONTE_CARLO: 0.0,
}


class Provenance(str):
    """An immutable provenance: ``Provenance(kind=..., detail=...)``.

    Parameters
    ----------
    kind : ProvenanceKind
    detail : str, optional
        The full sentence, conditions included (e.g. ``"exact (Gaussian design, T, T0 >= d+2)"``);
        defaults to the kind's name. ``str(p)`` is this sentence.
    allowance : float, optional
        The measured relative accuracy of the statement (``0.025`` = within 2.5% of simulation on the
        held-out scenarios of benchmarks/bench_accuracy.py); default :data:`DEFAULT_ALLOWANCE` of the kind.

    Notes
    -----
    Subclassing ``str`` keeps every existing consumer (JSON, tables, LaTeX escaping) byte for byte
    while the kind travels with the text. Equality and hashing are those of the sentence.
    """

    kind: ProvenanceKind
    allowance: float

    def __new__(cls, *, kind: ProvenanceKind, detail: str = "", allowance: float | None = None):
        if not isinstance(kind, ProvenanceKind):
            raise TypeError(f"kind: expected a ProvenanceKind, got {kind!r}")
        if allowance is None:
            allowance = DEFAULT_ALLOWANCE[kind]
        if isinstance(allowance, bool) or not isinstance(allowance, (int, float)) or not 0 <= allowance < 1:
            raise ValueError(f"allowance: expected a relative accuracy in [0, 1), got {allowance!r}")
        self = super().__new__(cls, detail or kind.value)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "allowance", float(allowance))
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
        return f"Provenance(kind={self.kind.name}, detail={str.__repr__(self)}, allowance={self.allowance!r})"

    def __reduce__(self):
        return (_rebuild, (self.kind, str(self), self.allowance))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def to_dict(self) -> dict:
        return {"kind": self.kind.value, "detail": str(self), "allowance": self.allowance}


def _rebuild(kind, detail, allowance=None):
    return Provenance(kind=kind, detail=detail, allowance=allowance)


def exact(detail: str = "") -> Provenance:
    return Provenance(kind=ProvenanceKind.EXACT, detail=detail)


def equivalent(detail: str = "", *, allowance: float | None = None) -> Provenance:
    return Provenance(kind=ProvenanceKind.DETERMINISTIC_EQUIVALENT, detail=detail, allowance=allowance)


def finite_size(detail: str, *, allowance: float | None = None) -> Provenance:
    return Provenance(kind=ProvenanceKind.FINITE_SIZE_CORRECTED, detail=detail, allowance=allowance)


def asymptotic(detail: str = "", *, allowance: float | None = None) -> Provenance:
    return Provenance(kind=ProvenanceKind.ASYMPTOTIC, detail=detail, allowance=allowance)


def heuristic(detail: str, *, allowance: float | None = None) -> Provenance:
    return Provenance(kind=ProvenanceKind.HEURISTIC, detail=detail, allowance=allowance)


def monte_carlo(detail: str = "") -> Provenance:
    """A Monte Carlo estimate of the definition (allowance 0: its standard error travels with the number)."""
    return Provenance(kind=ProvenanceKind.MONTE_CARLO, detail=detail)


EXACT = exact()
DETERMINISTIC_EQUIVALENT = equivalent()
