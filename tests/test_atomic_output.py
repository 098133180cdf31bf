"""Outputs appear complete or not at all: the report folder and ``derive --out``.

A report rerun into an existing ``--out`` is killed (SIGKILL) at random moments; after each kill
the folder must be the previous complete report or the new complete one: ``results.json`` and
``report.md`` state the same seed, and every file they link exists.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CHILD_ENV

from modelcollapse.derivations import atomic

# A report with one tiny section and one built-in scenario: a few seconds per run.
_TINY_REPORT = r"""
import sys
from modelcollapse.derivations.cli import main
from modelcollapse.derivations.report import build
from modelcollapse.derivations.report.model import Panel, SectionPlan
from modelcollapse.derivations.report.sections import Section, scenarios
from modelcollapse.derivations.report.sections.common import sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin

def tiny(budget):
    base = builtin("isotropic_ols").scenario.replace(n=1)
    make = lambda lam: base.replace(ridge=float(lam))
    panel = Panel(title="tiny", xlabel="x", ylabel="y", curves=(theory_curve("s", (0.1, 1.0), make),),
                  points=sim_points("s", (0.1, 1.0), make, lambda lam: f"$\\lambda={lam}$"))
    return SectionPlan(key="tiny", caption="A tiny section.", panels=(panel,))

build.SECTIONS = (Section(key="tiny", title="Tiny", plan=tiny),
                  Section(key="builtin", title="Built-in", plan=scenarios.plan_builtin))
scenarios.builtin_names = lambda: ["isotropic_ols"]
sys.exit(main(["report", "--trials", "8", "--jobs", "1", "--seed", sys.argv[2], "--out", sys.argv[1]]))
"""


def _start(out: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _TINY_REPORT, str(out), str(seed)], env=CHILD_ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _complete_seed(out: Path) -> int:
    """The seed of the complete report in ``out``; fails if the folder mixes two runs or misses a file."""
    results = json.loads((out / "results.json").read_text())
    markdown = (out / "report.md").read_text()
    tex = (out / "report.tex").read_text()
    seed = results["settings"]["seed"]
    assert f"root seed {seed})" in markdown and f"root seed {seed})" in tex
    assert {c["seed"] for c in results["checks"]} and results["summary"]["checks"] == len(results["checks"])
    linked = re.findall(r"\]\(([^)]+)\)", markdown) + re.findall(r"\\includegraphics\[[^]]*\]\{([^}]+)\}", tex)
    linked += [f for sec in results["sections"] for f in sec["figures"]]
    if "`report.pdf`" in markdown:
        linked.append("report.pdf")
    assert linked
    for name in linked:
        assert (out / name).is_file(), name
    assert (out / "scenarios" / "isotropic_ols.toml").is_file()
    return seed


@pytest.mark.slow
def test_a_killed_report_rerun_leaves_the_old_or_the_new_report(tmp_path):
    out = tmp_path / "report"
    start = time.perf_counter()
    first = _start(out, 1)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    duration = time.perf_counter() - start
    on_disk = _complete_seed(out)
    assert on_disk == 1
    rng = random.Random(20261201)
    killed = 0
    for seed in range(10, 15):
        proc = _start(out, seed)
        time.sleep(rng.uniform(0.2, 1.0) * duration)  # planning, simulating, drawing, writing or swapping
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(timeout=60) == -signal.SIGKILL
        found = _complete_seed(out)
        assert found in (on_disk, seed)
        on_disk = found
    assert killed >= 3  # most runs were really interrupted
    last = _start(out, 99)
    assert last.wait(timeout=300) == 0, last.stderr.read()
    assert _complete_seed(out) == 99
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "report"]
    assert leftovers == []  # the killed runs' staging folders were cleaned up by the next run


def test_an_existing_folder_that_is_not_a_report_is_not_replaced(tmp_path, capsys):
    from modelcollapse.derivations.cli import main

    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    assert main(["report", "--quick", "--trials", "2", "--out", str(precious)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "not a previous report" in err and len(err.splitlines()) == 1
    assert (precious / "thesis.tex").read_text() == "do not delete"


def test_write_text_is_all_or_nothing(tmp_path, monkeypatch):
    target = tmp_path / "f.tex"
    target.write_text("old")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic.write_text(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.tex"]


def test_a_half_done_swap_is_repaired(tmp_path):
    """Killed between the two renames of the fallback swap: the next run puts the old report back first."""
    target = tmp_path / "out"
    old = tmp_path / ".out.old-999999999"
    old.mkdir()
    (old / "results.json").write_text("{}")
    partial = tmp_path / ".out.partial-999999999"
    partial.mkdir()
    with atomic.staged_folder(target) as stage:
        assert target.is_dir() and (target / "results.json").is_file() and not partial.exists()
        (stage / "results.json").write_text('{"new": 1}')
    assert json.loads((target / "results.json").read_text()) == {"new": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_derive_out_is_written_atomically(tmp_path, capsys):
    from modelcollapse.derivations.cli import main

    path = tmp_path / "results.tex"
    assert main(["derive", "rho", "--out", str(path)]) == 0
    assert path.read_text().rstrip().endswith(r"\end{document}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.tex"]
    assert main(["derive", "rho", "--out", str(tmp_path / "missing" / "x.tex")]) == 2
    assert "--out" in capsys.readouterr().err
