"""Power-law fit of a spectrum and teacher (numerics/powerlaw_fit.py, `modelcollapse powerlaw-fit`).

Expected values are the exponents the test builds its spectra from, never numbers from the fit.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import scenario_dict, write_toml

from modelcollapse.derivations import cli
from modelcollapse.numerics.powerlaw_fit import MIN_POINTS, fit_scenario, powerlaw_fit
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import NotCoveredError, ScenarioError


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def power_law_scenario(beta, r, d):
    return scenario_dict(spectrum={"kind": "power_law", "d": d, "beta": beta}, teacher={"kind": "source", "r": r})


@pytest.mark.parametrize("beta, r, d", [(1.1, 0.1, 2000), (1.5, 0.4, 2000), (2.0, 2.0, 2000), (4.0, 0.1, 2000),
                                        (1.2, 0.15, 5000), (1.65, 0.097, 3000), (3.0, 1.0, 2000)])
def test_exact_power_laws_are_recovered(beta, r, d):
    fit = fit_scenario(Scenario.from_dict(power_law_scenario(beta, r, d)))
    assert fit.beta == pytest.approx(beta, abs=1e-6)
    assert fit.r == pytest.approx(r, abs=1e-6)  # the issue asks 0.05; the tail model is exact
    assert fit.verdict == "good" and fit.reasons == ()
    assert fit.beta_rms < 1e-8 and fit.r_rms < 1e-6 and fit.beta_r2 > 1 - 1e-12
    lo, hi = fit.window
    assert lo == max(2, math.ceil(d ** 0.25)) and hi <= d // 2
    assert fit.ell_crit() == pytest.approx(beta / (1 + 2 * beta * min(r, 1)), abs=1e-5)


def test_any_window_and_order():
    j = np.arange(1, 3001.0)
    lam, w = 2.5 * j ** -1.8, j ** (-1 - 2 * 1.8 * 0.3)
    perm = np.random.default_rng(1).permutation(len(j))
    fit = powerlaw_fit(lam[perm], w[perm], window=(20, 800))
    assert fit.window == (20, 800)
    assert (fit.beta, fit.r, fit.amplitude) == pytest.approx((1.8, 0.3, 2.5), abs=1e-7)


def test_noisy_power_law_has_honest_uncertainty():
    """Log-normal noise of 5% on a power law: β within 4 uncertainties and 0.05; verdict good."""
    rng = np.random.default_rng(7)
    j = np.arange(1, 4001.0)
    beta, r = 1.6, 0.35
    lam = j ** -beta * np.exp(0.05 * rng.standard_normal(j.size))
    w = j ** (-1 - 2 * beta * r) * np.exp(0.3 * rng.standard_normal(j.size))
    fit = powerlaw_fit(lam, w)
    assert abs(fit.beta - beta) < min(0.05, 4 * fit.beta_uncertainty + 1e-3)
    assert abs(fit.r - r) < 0.05
    assert 0.02 < fit.beta_rms < 0.1 and fit.beta_stderr > 0
    assert fit.verdict == "good"


def test_a_bent_spectrum_is_called_poor():
    """Two power laws joined at j = 100 (β = 1.2 then 2.5): a fit, marked poor, with the reason."""
    j = np.arange(1, 2001.0)
    lam = np.where(j <= 100, j ** -1.2, 100.0 ** 1.3 * j ** -2.5)
    fit = powerlaw_fit(lam, j ** -2.0)
    assert fit.verdict == "poor" and any("halves" in reason for reason in fit.reasons)
    assert fit.beta_spread > 0.8


@pytest.mark.parametrize("lam, why", [(np.exp(-np.arange(400) / 15.0), "no power-law range"),
                                      (np.ones(400), "no power-law decay"),
                                      (np.arange(1, 16.0) ** -2.0, "too few eigenvalues")])
def test_no_power_law_is_refused(lam, why):
    with pytest.raises(NotCoveredError, match=why):
        powerlaw_fit(lam)


def test_bad_arrays_are_refused():
    with pytest.raises(ScenarioError, match="^spectrum:"):
        powerlaw_fit([1.0, -2.0, 3.0])
    with pytest.raises(ScenarioError, match="^teacher:"):
        powerlaw_fit(np.arange(1, 100.0) ** -2, np.ones(5))
    with pytest.raises(ScenarioError, match="^window:"):
        powerlaw_fit(np.arange(1, 100.0) ** -2, window=(5, 500))
    with pytest.raises(NotCoveredError, match="^teacher: no energy tail"):
        powerlaw_fit(np.arange(1, 500.0) ** -2, np.r_[1.0, np.zeros(498)])
    assert MIN_POINTS >= 10


def test_cli_json_and_table(tmp_path, capsys):
    path = write_toml(tmp_path / "pl.toml", power_law_scenario(1.7, 0.3, 2000))
    code, out, err = run(capsys, "powerlaw-fit", path, "--json")
    assert code == 0, err
    data = json.loads(out)
    for key in ("beta", "r", "window", "beta_stderr", "beta_rms", "r_stderr", "r_rms", "beta_uncertainty",
                "r_uncertainty", "verdict", "ell_crit"):
        assert key in data
    assert data["beta"] == pytest.approx(1.7, abs=1e-9) and data["r"] == pytest.approx(0.3, abs=1e-8)
    code, out, err = run(capsys, "powerlaw-fit", path, "--window", "10:400")
    assert code == 0 and "10..400" in out and "good" in out


def test_cli_bad_input_exits_2_naming_why(tmp_path, capsys):
    small = write_toml(tmp_path / "small.toml", power_law_scenario(2.0, 0.5, 12))
    code, out, err = run(capsys, "powerlaw-fit", small)
    assert code == 2 and err.count("\n") == 1 and "too few eigenvalues" in err
    flat = write_toml(tmp_path / "flat.toml", scenario_dict(spectrum={"kind": "isotropic", "d": 300},
                                                            teacher={"kind": "isotropic"}))
    code, out, err = run(capsys, "powerlaw-fit", flat)
    assert code == 2 and "no power-law decay" in err
    inf = write_toml(tmp_path / "inf.toml", power_law_scenario(2.0, 0.5, "inf"))
    code, out, err = run(capsys, "powerlaw-fit", inf)
    assert code == 2 and "spectrum.d" in err
    code, out, err = run(capsys, "powerlaw-fit", small, "--window", "9:3")
    assert code == 2 and "--window" in err


def test_five_eigenvalues_exit_2_naming_the_count_and_the_window(tmp_path, capsys):
    """d = 5: one index in the default window (its rule stated), five in a window given (no default named)."""
    five = write_toml(tmp_path / "five.toml", power_law_scenario(2.0, 0.5, 5))
    code, out, err = run(capsys, "powerlaw-fit", five)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "1 distinct index in the default window [2, 2] of d = 5" in err and "at least 10 needed" in err
    code, out, err = run(capsys, "powerlaw-fit", five, "--window", "1:5", "--json")
    assert code == 2 and out == "" and "5 distinct indices in the window [1, 5] given" in err and "default" not in err


def digits(kernel: dict, target: str = "mod2", points: int = 500) -> Scenario:
    spectrum = {"kind": "kernel", "dataset": "digits", "points": points, **kernel}
    return Scenario.from_dict(scenario_dict(spectrum=spectrum, teacher={"kind": "labels", "target": target},
                                            generators={"n": 0}))


@pytest.mark.parametrize("kernel", [{"kernel": "rbf", "gamma": 1e-4},
                                    {"kernel": "polynomial", "gamma": 1e-3, "degree": 5}])
def test_digits_give_finite_sensible_exponents(kernel):
    """The digits' kernels: β in (1, 3), r in (0.05, 1), the window and errors stated, finite."""
    fit = fit_scenario(digits(kernel))
    data = fit.to_dict()
    assert all(math.isfinite(v) for v in data.values() if isinstance(v, float))
    assert 1.0 < fit.beta < 3.0 and 0.05 < fit.r < 1.0
    assert 0 < fit.beta_uncertainty < 0.3 and 0 < fit.r_uncertainty < 0.3
    assert fit.window[0] >= 2 and fit.window[1] <= fit.d // 2 and fit.verdict in ("good", "poor")


def test_mod2_target_is_label_mod_2():
    """mod2 = (1 − parity)/2 on the same points: its projections follow (THEORY.md §3.8 convention)."""
    kernel = {"kernel": "rbf", "gamma": 1e-3}
    m, p = digits(kernel, "mod2", 300), digits(kernel, "parity", 300)
    labels = m.spectrum.decomposition().labels
    y = m.teacher.target_values(m.spectrum)
    assert set(np.unique(y)) <= {0.0, 1.0} and np.array_equal(y, labels % 2)
    U = m.spectrum.decomposition().vectors
    ones = U.T @ np.ones(len(y))
    expected = ((ones - U.T @ p.teacher.target_values(p.spectrum)) / 2) ** 2 / m.spectrum.points
    np.testing.assert_allclose(m.teacher.weights(m.spectrum), expected, rtol=1e-10, atol=1e-15)
    with pytest.raises(ScenarioError, match="mod2"):
        digits(kernel, "mod3", 300)
