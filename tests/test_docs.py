"""The documentation site's sources (docs/): notebooks committed without outputs, every one in the site.

The site itself is built by CI (``.ci/run``: ``sphinx -W``, every notebook executed); these checks
keep the sources honest without building it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
NOTEBOOKS = sorted(p for p in DOCS.rglob("*.ipynb") if "_build" not in p.parts)


def test_there_are_five_tutorials_and_a_formula_page():
    names = {p.relative_to(DOCS).with_suffix("").as_posix() for p in NOTEBOOKS}
    assert {"formulas", "tutorials/predict_and_verify", "tutorials/scaling_laws_and_latex",
            "tutorials/sweeps_pandas_plots", "tutorials/kernel_ridge_own_data",
            "tutorials/data_schemes_and_mixing"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    """Outputs are made by the build (executed every time), never committed."""
    book = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in book["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)


def test_every_page_is_in_a_toctree():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([\w/]+)$", index, flags=re.M))
    pages = {p.relative_to(DOCS).with_suffix("").as_posix() for p in [*NOTEBOOKS, *DOCS.glob("*.md")]}
    assert pages - {"index"} <= listed, sorted(pages - {"index"} - listed)
