"""Provenance of a prediction as the report and ``verify`` show it.

A prediction carries a typed :class:`~modelcollapse.theory.provenance.Provenance` per quantity
(``Prediction.provenance``). A check needs one provenance for the whole number: its sentence joins
the distinct parts, and its kind is the weakest of them (an exact clean error plus a deterministic
collapse term is a deterministic equivalent). Labels come from the kind, never from the sentence.
"""

from __future__ import annotations

from modelcollapse.theory.provenance import Provenance, ProvenanceKind

__all__ = ["provenance_text", "short_provenance", "weakest_kind"]

# From the strongest statement to the weakest.
_ORDER = (ProvenanceKind.EXACT, ProvenanceKind.FINITE_SIZE_CORRECTED, ProvenanceKind.DETERMINISTIC_EQUIVALENT,
          ProvenanceKind.ASYMPTOTIC, ProvenanceKind.HEURISTIC, ProvenanceKind.MONTE_CARLO)
_SHORT = {
    ProvenanceKind.EXACT: "exact",
    ProvenanceKind.FINITE_SIZE_CORRECTED: "det. equiv. + 1/d",
    ProvenanceKind.DETERMINISTIC_EQUIVALENT: "det. equiv.",
    ProvenanceKind.ASYMPTOTIC: "asymptotic",
    ProvenanceKind.HEURISTIC: "heuristic",
    ProvenanceKind.MONTE_CARLO: "Monte Carlo",
}


def weakest_kind(provenances) -> ProvenanceKind:
    """The weakest kind among ``provenances`` (typed :class:`Provenance` values)."""
    return max((p.kind for p in provenances), key=_ORDER.index)


def provenance_text(prediction) -> Provenance:
    """One provenance for the whole prediction: ``"exact"`` when every part is exact, else the distinct
    sentences joined by ``"; "`` (one that another only elaborates left out, so nothing is said
    twice), of the weakest kind among the parts; its allowance is the largest of the parts' (the
    measured accuracy of the least accurate part)."""
    parts = prediction.provenance.values()
    kind = weakest_kind(parts)
    allowance = max(p.allowance for p in parts)
    if kind is ProvenanceKind.EXACT:
        return Provenance(kind=kind, detail="exact", allowance=allowance)
    sentences = sorted(set(map(str, parts)))
    # a sentence that another one only elaborates ("X" beside "X (exact T0-d-1 prefactor)") is said once
    kept = [s for s in sentences if not any(o != s and o.startswith(s) for o in sentences)]
    return Provenance(kind=kind, detail="; ".join(kept), allowance=allowance)


def short_provenance(provenance: Provenance) -> str:
    """The short label of the kind: ``exact``, ``det. equiv. + 1/d``, ``det. equiv.``, ..., ``Monte Carlo``."""
    return _SHORT[provenance.kind]
