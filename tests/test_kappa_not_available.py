"""A κ that is not available is reported as not available (``None``; ``null`` in ``--json``, ``n/a`` in text),
never as a stand-in 0.0 (a real value: OLS's κ). Monte Carlo answers report the first-order κ where it can be
solved, and nothing where it cannot."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from conftest import write_toml

from modelcollapse.derivations import cli
from modelcollapse.numerics import fixed_point
from modelcollapse.numerics.errors import FixedPointError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.monte_carlo import monte_carlo_prediction
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import spectral_sums

# the doctest's Monte Carlo scenario: ridgeless T = 5 < d = 20 is outside the 1/d domain (no formula holds)
MC = {"spectrum": {"kind": "power_law", "d": 20, "beta": 5.0}, "teacher": {"kind": "source", "r": 0.5},
      "generators": {"n": 0, "T0": 100, "sigma0": 1.0}, "downstream": {"T": 5, "sigma": 0.5, "ridge": 0.0}}


@pytest.fixture
def unsolvable_kappa(monkeypatch):
    """The first-order κ solve of the Monte Carlo fallback fails, as it does where the equivalent cannot be solved
    (the formulas hold their own reference to the solver and are not affected)."""
    def fail(*args, **kwargs):
        raise FixedPointError("effective ridge κ did not converge", residual=0.5, iterations=400)
    monkeypatch.setattr(fixed_point, "solve_kappa", fail)


def _cli(tmp_path, *argv):
    path = write_toml(tmp_path / "s.toml", MC)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = cli.main([argv[0], str(path), *argv[1:]])
    return rc, out.getvalue()


def test_a_monte_carlo_prediction_without_a_kappa_says_so():
    p = monte_carlo_prediction(Scenario.from_dict(MC), rse=0.05)
    assert p.kappa is None and p.to_dict()["kappa"] is None
    assert json.loads(json.dumps(p.to_dict()))["kappa"] is None
    assert any(line.split()[:2] == ["kappa", "n/a"] for line in str(p).splitlines())
    assert r"\kappa &= \text{n/a}" in p._repr_latex_()


def test_the_fallback_reports_the_first_order_kappa_where_it_is_solved():
    p = predict(Scenario.from_dict(MC), mc_rse=0.05)
    assert p.regime == "monte_carlo"
    s = Scenario.from_dict(MC)
    expected = float(solve_kappa(spectral_sums(s.spectrum, s.teacher), 0.0, 5).kappa)
    assert expected > 0 and p.kappa == expected


def test_an_unsolvable_kappa_is_none_not_zero(unsolvable_kappa):
    p = predict(Scenario.from_dict(MC), mc_rse=0.05)
    assert p.regime == "monte_carlo" and p.test_error > 0
    assert p.kappa is None  # before: 0.0
    assert p.to_frame()["kappa"].isna().all()


def test_the_command_line_prints_null_and_n_a(tmp_path, unsolvable_kappa):
    rc, out = _cli(tmp_path, "predict", "--json", "--mc-rse", "0.05")
    assert rc == 0 and "kappa" in json.loads(out) and json.loads(out)["kappa"] is None
    rc, out = _cli(tmp_path, "predict", "--mc-rse", "0.05")
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["kappa"])
    assert rc == 0 and row[1] == "n/a" and "cannot be solved" in " ".join(row)
