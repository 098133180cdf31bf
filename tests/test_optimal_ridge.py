"""The optimal ridge (numerics/optimize.py): grid search, precision, asymptotic law, strategies, CLI, simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_cli, scenario_dict, write_toml

from modelcollapse.numerics.errors import NotCoveredError
from modelcollapse.numerics.optimize import brent_minimize, optimal_ridge, ridge_strategies
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

COLLAPSE = scenario_dict(spectrum={"kind": "power_law", "d": 100, "beta": 2.0}, teacher={"kind": "source", "r": 0.5},
                         generators={"n": 2, "T0": 300, "sigma0": 1.0},
                         downstream={"T": 150, "sigma": 0.5, "ridge": 0.1})
INFINITE = scenario_dict(spectrum={"kind": "power_law", "d": "inf", "beta": 1.5}, teacher={"kind": "source", "r": 0.3},
                         generators={"n": 0}, downstream={"T": 1000, "sigma": 0.5, "ridge": 0.1})


def test_brent_on_a_parabola():
    x, fx, _ = brent_minimize(lambda u: (u - 0.3) ** 2 + 1, -2.0, 0.0, 3.0, 1.09, tol=1e-10)
    assert x == pytest.approx(0.3, abs=1e-9) and fx == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("data", [COLLAPSE, INFINITE, scenario_dict()], ids=["collapse", "d=inf", "base"])
def test_agrees_with_a_fine_grid_search(data):
    s = Scenario.from_dict(data)
    best = optimal_ridge(s)
    grid = np.geomspace(best.ridge / 2, best.ridge * 2, 601)  # steps of 0.23% in λ
    errors = np.array([predict(s.replace(ridge=lam)).test_error for lam in grid])
    i = int(np.argmin(errors))
    assert 0 < i < len(grid) - 1
    assert abs(np.log(grid[i] / best.ridge)) <= np.log(grid[1] / grid[0])
    assert best.test_error <= errors[i] * (1 + 1e-14)
    assert best.test_error == pytest.approx(predict(s.replace(ridge=best.ridge)).test_error, rel=1e-15)


def test_mpmath_refinement():
    """At 40 digits the error is computed with all digits: λ* is pinned to ~1e-14 instead of ~1e-8."""
    s = Scenario.from_dict(COLLAPSE)
    f, m = optimal_ridge(s), optimal_ridge(s, 40)
    assert m.precision == "mpmath[40 digits]" and set(m.digits) == {"ridge", "test_error"}
    assert m.ridge == pytest.approx(f.ridge, rel=1e-6)
    assert m.test_error == pytest.approx(f.test_error, rel=1e-14)
    from modelcollapse.numerics.backend import Backend

    b = Backend(dps=40)
    e_star = b.scalar(m.digits["test_error"])
    for factor in (1 - 1e-6, 1 + 1e-6):  # the minimum is a minimum at full precision
        assert b.scalar(predict(s.replace(ridge=m.ridge * factor), 40).digits["test_error"]) > e_star


def test_ridgeless_and_null_predictor_ends():
    # noiseless clean OLS (T >= d + 2) is exact: the error is 0 at λ = 0
    s = Scenario.from_dict(scenario_dict(generators={"n": 0}, downstream={"T": 100, "sigma": 0.0, "ridge": 0.1}))
    best = optimal_ridge(s)
    assert best.ridge == 0.0 and best.test_error == 0.0 and "ridgeless" in best.provenance
    # huge noise, 5 samples: the error falls all the way to the null predictor
    loud = Scenario.from_dict(scenario_dict(generators={"n": 0}, downstream={"T": 5, "sigma": 100.0, "ridge": 0.1}))
    with pytest.raises(NotCoveredError, match="null predictor"):
        optimal_ridge(loud)


def test_asymptotic_law_converges():
    """λ*/λ*_asymptotic → 1: 2.5e-2 off at T = 1e2, 6e-5 at T = 1e6 (d = inf, β = 2, r = 1/2)."""
    ratios = []
    for T in (100, 10_000, 1_000_000):
        s = Scenario.from_dict({**INFINITE, "spectrum": {"kind": "power_law", "d": "inf", "beta": 2.0},
                                "teacher": {"kind": "source", "r": 0.5},
                                "downstream": {"T": T, "sigma": 1.0, "ridge": 0.1}})
        best = optimal_ridge(s)
        ratios.append(abs(best.ridge / best.asymptotic_ridge - 1))
    assert ratios[0] < 0.05 and ratios[2] < 1e-4 and ratios[0] > ratios[1] > ratios[2]


def test_ridge_strategies():
    """Error vs n: the optimum is best, the adaptive rule is within 1% of it, λ → 0 is worst."""
    s = Scenario.from_dict(COLLAPSE)
    cmp_ = ridge_strategies(s, range(0, 6))
    e = cmp_.error
    for key in ("clean_tuned", "ridgeless", "adaptive"):
        assert np.all(e["optimal"] <= e[key] * (1 + 1e-12)), key
    assert np.all(e["adaptive"] <= e["optimal"] * 1.01)
    assert np.all(e["ridgeless"][1:] > e["clean_tuned"][1:])
    # the optimal ridge grows with n; the clean-tuned error grows linearly in n (collapse term ∝ n)
    assert np.all(np.diff(cmp_.ridge["optimal"]) > 0)
    steps = np.diff(e["clean_tuned"])
    np.testing.assert_allclose(steps, steps[0], rtol=1e-12)
    assert cmp_.ell_crit == pytest.approx(2 / 3)
    assert "ell_crit" in cmp_.rule
    assert set(cmp_.to_dict()) == {"n", "ridge", "error", "rule", "ell_crit"}


# -- command line -------------------------------------------------------------------------------------------

def test_cli_optimal_ridge(tmp_path, capsys):
    from modelcollapse.derivations.cli import main

    path = write_toml(tmp_path / "s.toml", COLLAPSE)
    out = run_cli("optimal-ridge", path, "--json")  # one real subprocess
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    best = optimal_ridge(Scenario.from_dict(COLLAPSE))
    assert data["ridge"] == pytest.approx(best.ridge, rel=1e-12) and data["test_error"] == pytest.approx(
        best.test_error, rel=1e-14
    )
    assert main(["optimal-ridge", str(path), "--precision", "30"]) == 0
    text = capsys.readouterr().out
    assert "ridge" in text and "mpmath[30 digits]" in text
    assert main(["optimal-ridge", str(path), "--precision", "5"]) == 2
    assert "--precision" in capsys.readouterr().err
    assert main(["optimal-ridge", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml" in capsys.readouterr().err


def test_cli_scaling(capsys):
    from modelcollapse.derivations.cli import main

    out = run_cli("scaling", "--beta", "2", "--r", "0.5", "--a", "0.5", "--json")  # one real subprocess
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"ell_crit", "ell_opt", "rate_clean", "rate_collapse", "regime"} <= set(data)
    assert data["ell_crit"] == pytest.approx(2 / 3) and data["ell_opt"] == pytest.approx(1 / 3)
    assert data["rate_clean"] == pytest.approx(2 / 3) and data["rate_collapse"] == pytest.approx(1 / 3)
    assert data["regime"] == "bias=collapse"
    assert main(["scaling", "--beta", "2", "--r", "1.5", "--noiseless", "--json"]) == 0
    noiseless = json.loads(capsys.readouterr().out)
    assert noiseless["rate_clean"] == pytest.approx(4.0) and noiseless["rate_collapse"] == pytest.approx(0.8)
    assert main(["scaling", "--beta", "2", "--r", "0.5"]) == 0
    assert "ell_crit" in capsys.readouterr().out
    assert main(["scaling", "--beta", "2", "--r", "0.5", "--latex"]) == 0
    tex = capsys.readouterr().out
    assert r"\ell_{\mathrm{crit}}" in tex and r"\min" in tex
    for args, option in ((("--beta", "1", "--r", "0.5"), "--beta"), (("--beta", "2", "--r", "0"), "--r"),
                         (("--beta", "2", "--r", "0.5", "--a", "-1"), "--a"), (("--beta", "x", "--r", "1"), "--beta"),
                         (("--beta", "nan", "--r", "1"), "--beta"), (("--r", "1"), "--beta")):
        assert main(["scaling", *args]) == 2, args
        err = capsys.readouterr().err
        assert option in err and len(err.strip().splitlines()) == 1, (args, err)


# -- simulation --------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_optimal_ridge_agrees_with_simulation():
    """d = 100 with two synthetic generations: the predicted optimum is where simulation is lowest.

    At λ*/4, λ*, 4λ* the predicted errors are 0.104, 0.0736, 0.122; the simulated error at λ* matches
    the prediction (4 SE + 3% deterministic-equivalent allowance) and is below both neighbours.
    """
    from modelcollapse.numerics.simulate import simulate

    s = Scenario.from_dict(COLLAPSE)
    best = optimal_ridge(s)
    sims = {f: simulate(s.replace(ridge=best.ridge * f), trials=200, seed=11) for f in (0.25, 1.0, 4.0)}
    mid = sims[1.0]
    assert abs(mid.mean - best.test_error) <= 4 * mid.stderr + 0.03 * best.test_error, (
        mid.mean,
        mid.stderr,
        best.test_error,
    )
    for f in (0.25, 4.0):
        gap = sims[f].mean - mid.mean
        assert gap > 4 * np.hypot(sims[f].stderr, mid.stderr), (f, gap)
