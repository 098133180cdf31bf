"""Steep power laws (any ``β > 1``): answered where the answer is representable, refused naming ``spectrum.beta``
only where the exponent is at fault (eigenvalues a computation needs below float64's range; a simulation of a
spread ``d^β`` beyond the simulator's 1e14).

Expected numbers come from another path: a flatter ``β`` whose every eigenvalue is a normal float64 (for
``β >= 120`` the terms ``j >= 2`` change the answer by less than ``2^(−120)`` relative), or arrays at
``d = 200`` against the Euler–Maclaurin/steep sums at ``d = inf`` and ``d = 50 000``.
"""

from __future__ import annotations

import contextlib
import io
import math
import re

import pytest
from conftest import write_toml

from modelcollapse.derivations import cli
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

ERROR = re.compile(r"^modelcollapse: error: ([a-z_]+\.[a-zA-Z_0-9\[\]]+): ")


def power_law(d, beta, *, T=300, ridge=1e-3, n=2, T0=400, teacher="source"):
    t = {"kind": "source", "r": 0.5} if teacher == "source" else {"kind": teacher}
    return {"spectrum": {"kind": "power_law", "d": d, "beta": beta}, "teacher": t,
            "generators": {"n": n, "T0": T0, "sigma0": 1.0}, "downstream": {"T": T, "sigma": 0.5, "ridge": ridge}}


def run(tmp_path, command, data, *extra):
    """``(exit status, stderr)`` of ``modelcollapse COMMAND``; asserts at most one line on stderr."""
    path = write_toml(tmp_path / "s.toml", data)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = cli.main([command, str(path), *extra])
    text = err.getvalue()
    assert text.count("\n") <= 1, text
    return rc, text


@pytest.mark.parametrize("beta", [1000.0, 1e6])
def test_beta_1000_on_d_200_with_a_ridge_is_answered(beta):
    """The case that worked before the cap ``beta <= 100``: eigenvalues j >= 3 underflow to 0, harmlessly."""
    steep = predict(Scenario.from_dict(power_law(200, beta)), monte_carlo=False)
    flat = predict(Scenario.from_dict(power_law(200, 120.0)), monte_carlo=False)  # every λ_j a normal float64
    assert steep.regime == flat.regime == "ols_generators"
    for name in ("test_error", "clean_error", "collapse", "bias", "variance", "kappa"):
        assert math.isclose(getattr(steep, name), getattr(flat, name), rel_tol=1e-12), name
    assert steep.test_error == pytest.approx(0.017566036239220723, rel=1e-12)
    digits = predict(Scenario.from_dict(power_law(200, beta)), precision=30, monte_carlo=False)
    assert math.isclose(digits.test_error, steep.test_error, rel_tol=1e-13)


@pytest.mark.parametrize(("d", "beta", "teacher"), [("inf", 1000.0, "source"), ("inf", 1e300, "source"),
                                                    (50_000, 1000.0, "source"), (50_000, 1e300, "isotropic")])
def test_infinite_and_large_d_steep_sums_are_their_first_terms(d, beta, teacher):
    """d = inf and d > 20 000 use the Euler–Maclaurin sums, whose head N^β overflows for β ln N > 600: the sums are
    then their first terms with a bounded tail (and ζ(β, d+1) term by term), equal to the arrays at d = 200."""
    arrays = predict(Scenario.from_dict(power_law(200, 1000.0, n=0, teacher=teacher)), monte_carlo=False)
    steep = predict(Scenario.from_dict(power_law(d, beta, n=0, teacher=teacher)), monte_carlo=False)
    assert math.isclose(steep.test_error, arrays.test_error, rel_tol=1e-12)
    assert math.isclose(steep.kappa, arrays.kappa, rel_tol=1e-12)
    # one direction: κ = λ/(1 − df₁/T) with df₁ = 1/(1 + κ), to the digits of the fixed point itself
    k = arrays.kappa
    assert math.isclose(k, 1e-3 / (1 - 1 / (1 + k) / 300), rel_tol=1e-13)


@pytest.mark.parametrize(("d", "extra"), [(200, []), (200, ["--precision", "30"]), ("inf", [])])
def test_a_ridgeless_kappa_below_float64_is_refused_naming_beta(tmp_path, d, extra):
    """κ ≈ λ_T = 100^(−1000) = 1e-2000 (ridge 0, T < d) is not a float64: exit 2 naming spectrum.beta and why
    (before: an internal error, exit 3, or a message naming downstream.T)."""
    rc, err = run(tmp_path, "predict", power_law(d, 1000.0, T=100, ridge=0.0, n=0), *extra)
    assert rc == 2 and ERROR.match(err).group(1) == "spectrum.beta", err
    assert "float64" in err and ("2.2e-308" in err or "N^beta" in err)


def test_overparameterised_generators_on_a_steep_law_are_refused_naming_beta(tmp_path):
    rc, err = run(tmp_path, "predict", power_law(200, 1000.0, T0=100))  # κ̂ of T0 = 100 < d near λ_100
    assert rc == 2 and ERROR.match(err).group(1) == "spectrum.beta", err
    assert "from j = 3 on" in err and "beta <= 133.7" in err  # λ_200 = 200^(-β) normal for β <= 708.4/ln 200


@pytest.mark.parametrize(("beta", "spread"), [(1000.0, "10^2301"), (50.0, "10^115")])
def test_simulating_a_spread_beyond_1e14_names_beta(tmp_path, beta, spread):
    """The simulator's stated refusal (λ_1/λ_d > 1e14), named spectrum.beta with the largest simulable β."""
    for command in ("simulate", "verify"):
        rc, err = run(tmp_path, command, power_law(200, beta), "--trials", "4")
        assert rc == 2 and ERROR.match(err).group(1) == "spectrum.beta", err
        assert spread in err and "beta <= 6.084" in err  # 14/log10(200)


def test_a_monte_carlo_fallback_on_a_steep_law_says_why_naming_beta(tmp_path):
    """No formula (T = 100 ridgeless, outside the 1/d domain) and no simulation (spread 10^115): spectrum.beta."""
    rc, err = run(tmp_path, "predict", power_law(200, 50.0, T=100, ridge=0.0, n=0))
    assert rc == 2 and ERROR.match(err).group(1) == "spectrum.beta", err
    assert "1/d expansion" in err and "10^115" in err


def test_beta_at_or_below_one_is_still_refused():
    with pytest.raises(ValueError, match=r"spectrum\.beta: expected a number > 1"):
        Scenario.from_dict(power_law(200, 1.0))


def test_a_sweep_simulation_and_powerlaw_fit_of_a_steep_law_name_beta(tmp_path):
    """The sweep's simulation row says why, naming spectrum.beta (before: the simulator's ValueError without a key);
    powerlaw-fit refuses eigenvalues stored as 0 naming spectrum.beta (before: 'spectrum')."""
    from modelcollapse.derivations.sweep import sweep
    df = sweep(Scenario.from_dict(power_law(200, 2.0)), grids={"spectrum.beta": [2.0, 1000.0]}, simulate=True,
               trials=4)
    assert df["error"].isna().tolist() == [True, False]
    assert df["error"].iloc[1].startswith("simulation: spectrum.beta: cannot simulate beta = 1000 on d = 200")
    assert df["test_error"].iloc[1] == pytest.approx(0.017566036239220723, rel=1e-12)  # the theory is answered
    rc, err = run(tmp_path, "powerlaw-fit", power_law(200, 1000.0))
    assert rc == 2 and ERROR.match(err).group(1) == "spectrum.beta" and "from j = 3 on" in err, err
