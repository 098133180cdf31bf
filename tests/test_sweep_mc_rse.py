"""``sweep --mc-rse`` (as ``predict``/``verify`` have it) and the allowance column of the report's check tables."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from conftest import write_toml

from modelcollapse.derivations import cli
from modelcollapse.derivations.report.model import CheckRow
from modelcollapse.derivations.report.writers import _md_table, _tex_table
from modelcollapse.derivations.sweep import sweep
from modelcollapse.derivations.sweep.points import theory_task
from modelcollapse.derivations.verify import Check
from modelcollapse.numerics.errors import ScenarioError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.provenance import EXACT, equivalent

# ridgeless T = 5, 6 < d = 20: outside the 1/d domain, answered by the Monte Carlo fallback
MC = {"spectrum": {"kind": "power_law", "d": 20, "beta": 5.0}, "teacher": {"kind": "source", "r": 0.5},
      "generators": {"n": 0, "T0": 100, "sigma0": 1.0}, "downstream": {"T": 5, "sigma": 0.5, "ridge": 0.0}}


def _run(tmp_path, *argv):
    path = write_toml(tmp_path / "s.toml", MC)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(["sweep", str(path), "--vary", "downstream.T=5,6", "--store", str(tmp_path / "st.sqlite"),
                       "--json", "--quiet", *argv])
    return rc, out.getvalue(), err.getvalue()


def test_sweep_takes_mc_rse_and_its_rows_equal_predict(tmp_path):
    rc, out, _ = _run(tmp_path, "--mc-rse", "0.05")
    assert rc == 0
    table = json.loads(out)
    rows = [dict(zip(table["columns"], row)) for row in table["rows"]] if isinstance(table["rows"][0], list) \
        else table["rows"]
    assert [r["downstream.T"] for r in rows] == [5, 6]
    for r in rows:
        expected = predict(Scenario.from_dict(MC).replace(**{"downstream.T": r["downstream.T"]}), mc_rse=0.05)
        assert r["monte_carlo.rse_target"] == 0.05 and r["regime"] == "monte_carlo"
        assert r["test_error"] == expected.test_error and r["monte_carlo.trials"] == expected.monte_carlo["trials"]
        assert r["monte_carlo.stderr.test_error"] <= 0.05 * r["test_error"]


def test_a_bad_mc_rse_is_one_line_naming_it(tmp_path):
    rc, out, err = _run(tmp_path, "--mc-rse", "0.9")
    assert rc == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("modelcollapse: error: argument --mc-rse: expected a relative standard error in [1e-05, 0.5]")
    with pytest.raises(ScenarioError, match=r"^mc_rse: expected a relative standard error in \[1e-05, 0.5\]"):
        sweep(Scenario.from_dict(MC), grids={"downstream.T": [5]}, mc_rse=0.9)


def test_the_default_mc_rse_keeps_the_stored_records():
    default, standard, other = theory_task(MC, None), theory_task(MC, None, 0.002), theory_task(MC, None, 0.05)
    assert default.key == standard.key != other.key and "mc_rse" not in default.what
    assert other.what["mc_rse"] == 0.05


def _row(label, theory, mean, stderr, allowance, provenance):
    check = Check(theory=theory, mean=mean, stderr=stderr, trials=100, seed=1, allowance=allowance,
                  provenance=provenance)
    return CheckRow(id=label, section="s", series="a", x=1.0, label=label, scenario={}, check=check)


def test_the_check_tables_show_each_checks_allowance():
    rows = [_row("exact", 2.0, 2.01, 0.01, 0.0, EXACT),
            _row("equiv", 1.0, 1.02, 0.01, 0.025, equivalent("deterministic equivalent", allowance=0.025))]
    lines = _md_table(rows).splitlines()
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    assert head[5:7] == ["allowance", "tolerance"]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert [c[5] for c in cells] == ["0", "0.025"]
    assert [float(c[6]) for c in cells] == [pytest.approx(0.04), pytest.approx(0.04 + 0.025)]  # 4·SE + a·|theory|
    tex = _tex_table(rows)
    assert r"\begin{tabular}{lrrrrrrll}" in tex and "$a$ & tol." in tex
    assert " & 0.025 & 0.065 & pass & " in tex
