"""The paper's Figure 4 on the digits (derivations/figure4.py, `modelcollapse paper-figure4`)."""

from __future__ import annotations

import json
import math

import pytest

from modelcollapse.derivations import cli, figure4

SMALL = figure4.Figure4Setting(points=200, line_T=(10, 100, 1000), sim_T=(10, 1000), trials=4)


@pytest.fixture(scope="module")
def data():
    return figure4.compute(SMALL)


def test_fits_rules_and_numbers(data):
    assert [e["name"] for e in data["kernels"]] == ["rbf", "polynomial, degree 5"]
    for e in data["kernels"]:
        fit = e["fit"]
        assert 1 < fit["beta"] < 3 and 0 < fit["r"] < 1 and fit["window"][1] <= e["d"] // 2
        beta, r = fit["beta"], fit["r"]
        assert e["ell_crit"] == pytest.approx(beta / (1 + 2 * beta * min(r, 1)))
        A, lc = e["amplitude"], e["ell_crit"]
        for p in e["points"]["adaptive"]:  # T^(-b ell_crit), b = log T0/log T, is T0^(-ell_crit)
            assert p["ridge"] == pytest.approx(A * SMALL.T0 ** -lc, rel=1e-12)
        for p in e["points"]["ell_crit"]:
            assert p["ridge"] == pytest.approx(A * p["T"] ** -lc, rel=1e-12)
        for rule in ("ell_crit", "adaptive"):
            assert all(y > 0 and math.isfinite(y) for _, y in e["lines"][rule])
            assert all(p["mean"] > 0 and p["stderr"] > 0 for p in e["points"][rule])
        # the real chain against the theory: a measurement (20 trials: within 10% at N = 300)
        assert abs(e["largest_gap"]) < 0.25
        at_T0 = [y for rule in ("ell_crit", "adaptive") for T, y in e["lines"][rule] if T == SMALL.T0]
        assert at_T0[0] == pytest.approx(at_T0[1], rel=1e-12)  # b = 1 at T = T0: the rules coincide
    text = figure4.caption(data)
    assert "Reproduce" in text and "beta" in text


def test_command_writes_the_figure_and_refuses_bad_output(tmp_path, capsys):
    out = tmp_path / "fig4.png"
    code = cli.main(["paper-figure4", "--out", str(out), "--points", "100", "--trials", "2"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert out.read_bytes().startswith(b"\x89PNG") and out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    assert "rbf: beta =" in captured.out and "adaptive" in captured.out
    code = cli.main(["paper-figure4", "--out", str(tmp_path / "fig4.txt")])
    captured = capsys.readouterr()
    assert code == 2 and "--out" in captured.err and captured.err.count("\n") == 1


def test_command_json(capsys):
    code = cli.main(["paper-figure4", "--points", "100", "--trials", "2", "--json"])
    captured = capsys.readouterr()
    assert code == 0
    data = json.loads(captured.out)
    assert {"setting", "kernels"} <= set(data) and len(data["kernels"]) == 2
