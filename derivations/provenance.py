"""Provenance of a prediction as the report and ``verify`` show it.

Today a prediction's provenance is free text per quantity (``Prediction.provenance``); the two
functions here are the only places that read that text, so that they can switch to a typed
provenance kind in one place.
"""

from __future__ import annotations

__all__ = ["provenance_text", "short_provenance"]


def provenance_text(prediction) -> str:
    """``"exact"`` for an exact prediction, else its distinct provenance sentences joined by ``"; "``."""
    return "exact" if prediction.exact else "; ".join(sorted(set(prediction.provenance.values())))


def short_provenance(text: str) -> str:
    """``exact``, ``det. equiv.`` (any deterministic-equivalent part), ``asymptotic`` or the text itself."""
    parts = {p.strip() for p in text.split(";")}
    if parts == {"exact"}:
        return "exact"
    for word, short in (("heuristic", "heuristic"), ("asymptotic", "asymptotic"), ("deterministic", "det. equiv.")):
        if any(word in p for p in parts):
            return short
    return text
