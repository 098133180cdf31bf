"""The map of the paper (derivations/paper_map.py, docs/PAPER.md): complete and pointing at real things."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelcollapse.derivations.commands import COMMANDS
from modelcollapse.derivations.paper_map import CHECKS, PAPER_MAP, STATUSES
from modelcollapse.derivations.report.sections import SECTIONS
from modelcollapse.theory import DERIVATIONS, RESULTS

ROOT = Path(__file__).resolve().parents[1]


def exists(ref: str) -> bool:
    kind, _, name = ref.partition(":")
    if kind == "result":
        return name in RESULTS
    if kind == "derivation":
        return name in DERIVATIONS
    if kind == "section":
        return name in {s.key for s in SECTIONS}
    if kind == "command":
        return name in COMMANDS
    if kind == "issue":
        return name.isdigit()
    if kind == "test":
        path, _, test = name.partition("::")
        file = ROOT / path
        if not file.is_file():
            return False
        return not test or re.search(rf"^def {re.escape(test)}\(", file.read_text(), re.M) is not None
    return False


@pytest.mark.parametrize("row", PAPER_MAP, ids=lambda r: r.item)
def test_every_reference_exists(row):
    missing = [ref for ref in row.refs if not exists(ref)]
    assert not missing, f"{row.item}: {missing}"
    assert row.status in STATUSES and set(row.check) <= set(CHECKS)
    if row.status in ("reproduced", "reproduced in kind", "measured"):
        assert any(ref.startswith(("test:", "section:")) for ref in row.refs), row.item


def test_every_numbered_result_of_the_camera_ready_has_a_row():
    """The numbered statements and figures of the NeurIPS camera-ready (read in full, see docs/PAPER.md)."""
    items = {row.item for row in PAPER_MAP}
    numbered = ["Figure 1(a)", "Figure 1(b)", "Figure 2", "Figure 3", "Figure 4 (Appendix D.2)",
                "Figure 5 (Appendix D.3)", "Figure 6 (Appendix D.3)", "Theorem 4.1", "Proposition 4.2", "Theorem 4.3",
                "Corollary 4.4", "Theorem 4.5", "Theorem 4.6", "Theorem 5.1", "Corollary 5.2", "Theorem F.1",
                "Remark F.2 and Proposition F.5", "Lemma F.3", "Lemma F.4", "Proposition F.6", "Lemma F.7", "Lemma F.8",
                "Appendix G (noisy regime)", "Lemma I.1", "Lemma I.2"]
    assert not [x for x in numbered if x not in items]
    assert not [row.item for row in PAPER_MAP if "unconfirmed" in row.item]
    by_item = {row.item: row for row in PAPER_MAP}
    assert by_item["Figure 5 (Appendix D.3)"].refs == ("issue:23",)
    assert by_item["Figure 6 (Appendix D.3)"].status == "not in scope"
    assert len(items) == len(PAPER_MAP)


def test_paper_md_lists_every_row_and_nothing_else():
    text = (ROOT / "docs" / "PAPER.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| paper |")]
    assert len(rows) == len(PAPER_MAP)
    for line, row in zip(rows, PAPER_MAP):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert cells[0] == row.item and cells[4] == row.status
        assert all(f"`{ref}`" in cells[2] for ref in row.refs)


def test_paper_section_caption_is_valid_latex_text():
    """No bare ``%`` (a LaTeX comment would swallow the rest of the caption) and balanced braces."""
    from modelcollapse.derivations.report.build import budget_for
    from modelcollapse.derivations.report.sections import paper

    plan = paper.plan(budget_for(True))
    assert not re.search(r"(?<!\\)%", plan.caption), plan.caption
    depth = 0
    for ch in re.sub(r"\\[{}]", "", plan.caption):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    table = next(p for p in plan.panels if p.kind == "table")
    assert [pt.series for pt in table.points] == ["F.6 as printed", "F.6 toolkit", "F.8 as printed", "F.8 toolkit"]
    assert [pt.prediction.allowance for pt in table.points[::2]] == [0.035, 0.04]
