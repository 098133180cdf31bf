"""The report's provenance labels come from the typed kind, the weakest part deciding."""

from __future__ import annotations

from types import SimpleNamespace

from modelcollapse.derivations.provenance import provenance_text, short_provenance
from modelcollapse.theory.provenance import EXACT, Provenance, ProvenanceKind, equivalent


def _prediction(**parts):
    return SimpleNamespace(provenance=parts)


def test_all_exact_is_exact():
    ols = Provenance(kind=ProvenanceKind.EXACT, detail="exact (OLS)")
    p = provenance_text(_prediction(clean_error=EXACT, collapse=ols))
    assert (str(p), p.kind, short_provenance(p)) == ("exact", ProvenanceKind.EXACT, "exact")


def test_weakest_part_decides_and_sentences_are_kept():
    heuristic = Provenance(kind=ProvenanceKind.HEURISTIC, detail="heuristic (measured)")
    p = provenance_text(_prediction(clean_error=EXACT, collapse=equivalent(), variance=heuristic))
    assert p.kind is ProvenanceKind.HEURISTIC and short_provenance(p) == "heuristic"
    assert str(p) == "; ".join(sorted({"exact", str(equivalent()), "heuristic (measured)"}))


def test_a_sentence_mentioning_another_kind_does_not_fool_the_label():
    # The old substring search read "asymptotic" in this sentence; the kind says deterministic equivalent.
    p = provenance_text(_prediction(clean_error=Provenance(kind=ProvenanceKind.DETERMINISTIC_EQUIVALENT,
                                                           detail="deterministic equivalent (not asymptotic)")))
    assert short_provenance(p) == "det. equiv."
