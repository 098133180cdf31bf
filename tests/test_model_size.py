"""Model size (issue 23 item 1, THEORY.md §3.13): keys, theory, numerics, regime, command line (fast tests).

Expected values are written out here from the closed forms or computed independently (numerical
quadrature, the registered mixing results); the statistical checks against simulation are in
tests/test_model_size_simulation.py (slow).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.special
import sympy as sp
from conftest import scenario_dict, write_toml

from modelcollapse.derivations import cli
from modelcollapse.numerics.axes.model_size import MAX_FEATURE_FLOATS
from modelcollapse.numerics.backend import FLOAT64
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.model_size import feature_model, features_error
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.regimes import fast_paths_for, regime_for
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory import DERIVATIONS, get_result
from modelcollapse.theory import model_size as M
from modelcollapse.theory.errors import NotCoveredError, ScenarioError
from modelcollapse.theory.schemes import chain_error, m_syn
from modelcollapse.theory.symbols import T, d, kappa, sigma, w0_norm


def _scenario(*, d_=60, n=1, T0=130, T_=90, ridge=0.0, real=0.8, features=40, feature_map="projection",
              spectrum=None, teacher=None, **down):
    data = {"spectrum": spectrum or {"kind": "isotropic", "d": d_}, "teacher": teacher or {"kind": "isotropic"},
            "generators": {"n": n, "T0": T0, "sigma0": 1.0},
            "downstream": {"T": T_, "sigma": 0.5, "ridge": ridge, "real_fraction": real, "features": features,
                           "feature_map": feature_map, **down}}
    return Scenario.from_dict(data)


# -- keys and bad input ---------------------------------------------------------------------------------

def test_default_is_the_plain_model_and_keys_round_trip():
    plain = Scenario.from_dict(scenario_dict())
    assert plain.downstream.features is None and plain.downstream.feature_map == "projection"
    assert "features" not in plain.to_dict()["downstream"] and regime_for(plain).name != "model_size"
    s = _scenario(features=40, feature_map="relu")
    again = Scenario.from_dict(s.to_dict())
    assert (again.downstream.features, again.downstream.feature_map) == (40, "relu")
    assert Scenario.from_dict(scenario_dict()).replace(**{"downstream.features": 7}).downstream.features == 7


@pytest.mark.parametrize("key, value", [
    ("features", 0), ("features", -3), ("features", 2.5), ("features", "many"), ("features", True),
    ("features", MAX_FEATURE_FLOATS),  # features * T above the memory limit
    ("feature_map", "tanh"), ("feature_map", "reLU"), ("feature_map", 3),
])
def test_bad_values_exit_2_naming_the_key(key, value, tmp_path, capsys):
    data = scenario_dict()
    data["downstream"]["features"] = 10
    data["downstream"][key] = value
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    assert info.value.key == f"downstream.{key}"
    rc = cli.main(["predict", str(write_toml(tmp_path / "bad.toml", data))])
    err = capsys.readouterr().err
    assert rc == 2 and f"downstream.{key}" in err and len(err.splitlines()) == 1


def test_feature_map_without_features_and_memory_limit_against_d(tmp_path, capsys):
    data = scenario_dict()
    data["downstream"]["feature_map"] = "erf"
    with pytest.raises(ScenarioError, match="needs downstream.features"):
        Scenario.from_dict(data)
    data = scenario_dict(spectrum={"kind": "isotropic", "d": 20_000}, teacher={"kind": "isotropic"})
    data["downstream"]["features"] = 2_000  # 2000 * 20000 = 4e7 floats > 2e7
    data["downstream"]["T"] = 100
    rc = cli.main(["predict", str(write_toml(tmp_path / "big.toml", data))])
    err = capsys.readouterr().err
    assert rc == 2 and "downstream.features" in err and "memory" in err and len(err.splitlines()) == 1


def test_unknown_feature_map_suggests_the_name():
    data = scenario_dict()
    data["downstream"].update(features=10, feature_map="rlu")
    with pytest.raises(ScenarioError, match="did you mean 'relu'"):
        Scenario.from_dict(data)


# -- theory ---------------------------------------------------------------------------------------------

def test_results_registered_with_provenance_latex_and_derivation():
    for name in ("projection_ols_given_s", "projection_isotropic_ols", "features_equivalent",
                 "projection_isotropic_ridgeless", "projection_isotropic_ridgeless_under", "relu_coefficients",
                 "erf_coefficients", "projection_nu_equation", "projection_kappa_equation"):
        result = get_result(name)
        assert result.provenance.kind is not None and result.latex()
    assert get_result("projection_isotropic_ols").provenance.is_exact
    assert not get_result("features_equivalent").provenance.is_exact
    steps = DERIVATIONS["derivation_model_size"]().steps
    assert [s.name for s in steps][-1] == "clean_closed_form"


def test_isotropic_ridgeless_clean_closed_form():
    # ‖w0‖²(1 − T/d) m/(m − T) + σ²[T/(m − T) + T/(d − T)], written out by hand
    m = M.features
    expected = w0_norm**2 * (1 - T / d) * m / (m - T) + sigma**2 * (T / (m - T) + T / (d - T))
    got = M._isotropic_over().subs(chain_error, 0)  # the equivalent at Σ = I, λ = 0, T < min(m, d)
    assert sp.simplify(got - expected) == 0
    assert sp.simplify(M.projection_isotropic_ridgeless_clean() - expected) == 0
    assert sp.simplify(M.projection_isotropic_ridgeless() - M._isotropic_over()) == 0


def test_ols_given_s_reduces_to_plain_mixing_when_the_features_span_x():
    # r = d (m >= d): a_0 = 0 and the fit is OLS on x: the exact mixing result
    got = M.projection_ols_given_s().subs({M.residual: 0, M.rank_sym: d})
    expected = get_result("mixing_ols_test_error").expr().subs(m_syn, M.synthetic_rows)
    assert sp.simplify(got - expected) == 0


def test_projection_collapse_is_the_mixing_equivalent_in_dimension_r():
    # with Cov δ ∝ Σ_S⁻¹ the collapse part of the equivalent is mixing_ridge_collapse in dimension r (e_n -> e_n r/d),
    # plus the synthetic rows' own residual (e_n/d)(d − r) as label noise
    r = M.rank_sym
    subs = {M.B_a: d - r, M.B_c: M.P_c, M.dB_c: M.dP_c, M.input_dim: d, M.rho_sym: 1, M.spike: 0}
    full = M.features_equivalent().subs(subs)
    extra = (M.synthetic_rows / T * chain_error / d * (d - r)) * _delta_ratio(subs)
    collapse = full - full.subs(chain_error, 0) - extra
    assert sp.simplify(collapse - _in_rank(r, d - M.P_c, d - M.P_c - kappa * M.dP_c)) == 0


def _delta_ratio(subs):
    delta = M._df2z().subs(subs) / T
    return delta / (1 - delta)


def _in_rank(r, df1_, df2_):
    """``mixing_ridge_collapse`` in dimension ``r`` with chain error ``e_n r/d``, written out (THEORY.md §3.7)."""
    e_r = chain_error * r / d
    ns = M.synthetic_rows
    tau = df2_ * (T + r - 2 * df1_) / (T - df2_)
    return e_r / r * (ns * (ns - 1) / (T * (T - 1)) * tau + ns * (T - ns) / (T - 1) * r * df2_ / (T * (T - df2_)))


@pytest.mark.parametrize("kind, activation, derivative", [
    ("relu", lambda h: np.maximum(h, 0.0), lambda h: (h > 0).astype(float)),
    ("erf", scipy.special.erf, lambda h: 2 / np.sqrt(np.pi) * np.exp(-h * h)),
])
@pytest.mark.parametrize("t2", [0.3, 1.0, 2.7])
def test_gaussian_equivalence_coefficients_by_quadrature(kind, activation, derivative, t2):
    t = math.sqrt(t2)
    dens = lambda h: math.exp(-h * h / (2 * t2)) / math.sqrt(2 * math.pi * t2)  # noqa: E731
    quad = lambda f: scipy.integrate.quad(lambda h: f(np.array(h)) * dens(h), -40 * t, 40 * t,  # noqa: E731
                                          points=[0.0], limit=200, epsabs=1e-13, epsrel=1e-13)[0]
    mu0 = quad(activation)
    mu1 = quad(derivative)  # Stein: E[hσ(h)]/τ² = E σ'(h)
    star = quad(lambda h: activation(h) ** 2) - mu0**2 - mu1**2 * t2
    got = np.asarray(formula(f"{kind}_coefficients")(t2), dtype=float).reshape(-1)
    assert np.allclose(got, [mu0, mu1, star], rtol=1e-10, atol=1e-12)


# -- numerics -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("m, T_, d_, ns", [(150, 80, 100, 16), (90, 60, 400, 30), (700, 300, 500, 0)])
def test_equivalent_equals_the_isotropic_closed_form(m, T_, d_, ns):
    e = 0.7
    lam, w = np.ones(d_), np.full(d_, 1.3 / d_)  # ‖w0‖² = 1.3
    sol = features_error(eigenvalues=lam, weights=w, model=feature_model("projection", m, 1.0, FLOAT64), ridge=0.0,
                         T=T_, sigma=0.4, synthetic_rows=ns, chain_error=e, b=FLOAT64)
    closed = formula("projection_isotropic_ridgeless")(math.sqrt(1.3), 0.4, T_, ns, m, d_, e)
    assert float(sol.test_error) == pytest.approx(float(closed), rel=1e-12)
    under = features_error(eigenvalues=lam, weights=w, model=feature_model("projection", T_ // 2, 1.0, FLOAT64),
                           ridge=0.0, T=T_, sigma=0.4, synthetic_rows=ns, chain_error=e, b=FLOAT64)
    closed = formula("projection_isotropic_ridgeless_under")(math.sqrt(1.3), 0.4, T_, ns, T_ // 2, d_, e)
    assert float(under.test_error) == pytest.approx(float(closed), rel=1e-12)


def test_large_m_tends_to_the_plain_ridge_equivalent():
    # m -> infinity: SᵀS -> (m/d) I, so ridge λ on S x is ridge λ d/m on x
    s = _scenario(d_=80, T_=60, ridge=0.05, features=200_000, real=1.0, n=0, T0=130)
    plain = predict(s.replace(**{"downstream.features": None, "downstream.ridge": 0.05 * 80 / 200_000}),
                    monte_carlo=False)
    got = predict(s, monte_carlo=False)  # first order: the plain model's 1/d correction is not in the equivalent
    assert got.test_error == pytest.approx(plain.first_order["test_error"], rel=1e-3)


def test_mpmath_agrees_with_float64_on_an_anisotropic_spectrum():
    for fmap, ridge, d_ in (("projection", 0.02, 120), ("relu", 0.0, 30), ("erf", 0.1, 120)):
        s = _scenario(spectrum={"kind": "power_law", "d": d_, "beta": 1.5}, teacher={"kind": "source", "r": 0.5},
                      d_=d_, T0=2 * d_ + 10, T_=150, ridge=ridge, features=260, feature_map=fmap)
        lo, hi = predict(s, monte_carlo=False), predict(s, precision=30, monte_carlo=False)
        assert hi.test_error == pytest.approx(lo.test_error, rel=1e-12)
        assert hi.residual < 1e-25 and lo.residual < 1e-12


def test_relu_quadratic_coefficient_by_quadrature():
    for t2 in (0.4, 1.0, 3.0):
        t = math.sqrt(t2)
        integrand = lambda h: h * (h * h / t2 - 1) * math.exp(-h * h / (2 * t2)) / math.sqrt(2 * math.pi * t2)  # noqa: E731
        c2 = scipy.integrate.quad(integrand, 0, 40 * t, epsabs=1e-14, epsrel=1e-13)[0] / math.sqrt(2)
        assert float(formula("relu_quadratic_coefficient")(t2)) == pytest.approx(c2**2, rel=1e-10)
        mu_star2 = float(np.asarray(formula("relu_coefficients")(t2), dtype=float).reshape(-1)[2])
        assert 0 < c2**2 < mu_star2  # the degree-2 part is most, not all, of ReLU's nonlinear variance


def test_exact_when_exact_and_equivalent_otherwise():
    exact = predict(_scenario(features=40, T_=90), monte_carlo=False)  # isotropic OLS on 40 < d projections
    assert exact.exact and exact.regime == "model_size"
    # by hand: a0 = (1 − 40/60), r = 40, g(T, n_s, r)
    a0, r, T_, ns, e = 1 - 40 / 60, 40, 90, 18, 60 / (130 - 61)
    g = (ns * (ns - 1) / (T_ * (T_ - 1))
         + ns * (T_ - ns) * (T_ - 2) * (r + 2) / (T_ * (T_ - 1) * (T_ + 2) * (T_ - r - 1)))
    by_hand = a0 + (0.25 + a0 + ns / T_ * e / 60 * (60 - r)) * r / (T_ - r - 1) + g * e * r / 60
    assert exact.test_error == pytest.approx(by_hand, rel=1e-13)
    assert not predict(_scenario(features=40, ridge=0.1), monte_carlo=False).exact


def test_threshold_refused_and_only_model_size_claims_features():
    s = _scenario(d_=120, T0=250, features=90, T_=90)  # rank min(m, d) = 90 = T
    with pytest.raises(NotCoveredError, match="downstream.features"):
        predict(s, monte_carlo=False)
    assert [r.name for r in fast_paths_for(_scenario(features=30, ridge=0.1))] == ["model_size"]


def test_refused_combinations_name_the_key():
    data = _scenario().to_dict()
    data["generators"]["ridge"] = 0.1
    with pytest.raises(NotCoveredError, match="downstream.features"):
        predict(Scenario.from_dict(data), monte_carlo=False)
    data = _scenario().to_dict()
    data["generators"]["T0"] = 40  # over-parameterised generators: the chain is not centred
    with pytest.raises(NotCoveredError, match="downstream.features"):
        predict(Scenario.from_dict(data), monte_carlo=False)


def test_predict_json_on_the_command_line(tmp_path, capsys):
    path = write_toml(tmp_path / "rf.toml", _scenario(features=120, feature_map="relu", ridge=0.01).to_dict())
    assert cli.main(["predict", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"regime": "model_size"' in out and "Gaussian equivalence" in out

