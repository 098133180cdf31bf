"""The 1/d-corrected deterministic equivalents (THEORY.md §3.9): algebra, exactness, continuity, domain.

Expected values here come from SymPy (exact rational arithmetic of the registered expressions) and
from exact finite-sample results (inverse-Wishart means), never from the code under test's output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory import collapse, overparam
from modelcollapse.theory import finite_size as fs
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import ProvenanceKind
from modelcollapse.theory.registry import get_result
from modelcollapse.theory.symbols import T, bias_sum, d, df1, df2, df3, kappa, sigma


def scenario(spectrum, *, T=45, ridge=1e-3, sigma=1.0, generators=None, teacher=None):
    return Scenario.from_dict({"spectrum": spectrum, "teacher": teacher or {"kind": "isotropic"},
                               "downstream": {"T": T, "ridge": ridge, "sigma": sigma},
                               "generators": generators or {"n": 0}})


# -- algebra ---------------------------------------------------------------------------------------
def test_dropping_the_correction_gives_the_first_order_formulas():
    assert sp.simplify(fs.first_order_limit(fs._variance()) - collapse.clean_variance()) == 0
    assert sp.simplify(fs.first_order_limit(fs._bias()) - collapse.clean_bias().subs(bias_sum, fs.b2 / kappa**2)) == 0
    assert sp.simplify(fs.first_order_limit(fs._trace()) - collapse.collapse_trace()) == 0
    assert sp.simplify(fs.first_order_limit(fs._gain()) - overparam.downstream_gain().subs(overparam.a_j, fs.p)) == 0
    assert sp.simplify(fs.first_order_limit(fs._shrink()) - fs.p) == 0


def test_derivations_are_attached_and_end_in_the_results():
    for name in ("finite_size_variance", "finite_size_bias", "finite_size_trace"):
        result = get_result(name)
        assert result.provenance.kind is ProvenanceKind.FINITE_SIZE_CORRECTED
        assert str(result.provenance) == "deterministic equivalent with 1/d correction"
        (deriv,) = result.derivations
        from modelcollapse.theory.registry import DERIVATIONS
        steps = DERIVATIONS[deriv]()
        assert sp.simplify(steps.result - result.expr()) == 0
        assert "\\simeq" in result.latex()


def test_isotropic_ridgeless_expansion_and_ols_limits():
    # Σ = I ridgeless (κ = d/T − 1, p = T/d): V = T/(d−T) + T/(d−T)², Δρ = 0 (FINDINGS §2)
    Ts, ds = sp.Integer(45), sp.Integer(50)
    pv = Ts / ds
    sub = {T: Ts, d: ds, df1: ds * pv, df2: ds * pv**2, df3: ds * pv**3, fs.df4: ds * pv**4, sigma: 1}
    assert get_result("finite_size_variance").expr().subs(sub) == Ts / (ds - Ts) + Ts / (ds - Ts) ** 2
    assert get_result("finite_size_trace").expr().subs(sub) == Ts
    # OLS (p = 1): V = d/(T−d) + d/(T−d)², the Padé x₁²/(x₁ − Δx) is the exact d/(T − d − 1)
    Ts = sp.Integer(80)
    sub = {T: Ts, d: ds, df1: ds, df2: ds, df3: ds, fs.df4: ds, sigma: 1}
    v1 = collapse.clean_variance().subs(sub)
    dv = get_result("finite_size_variance_correction").expr().subs(sub)
    assert dv == ds / (Ts - ds) ** 2
    assert sp.simplify(fs.resummed().subs({fs.x1: v1, fs.dx: dv, fs.w: 1}) - ds / (Ts - ds - 1)) == 0


def test_symbolic_and_numeric_agree():
    rng = np.random.default_rng(3)
    vals = {T: 37, d: 50, df1: 21.3, df2: 14.2, df3: 10.1, fs.df4: 7.9, sigma: 0.7,
            fs.b2: 0.31, fs.b3: 0.2, fs.b4: 0.13, fs.p: 0.61}
    rat = {k: sp.Rational(str(v)) for k, v in vals.items()}
    for name in ("finite_size_variance", "finite_size_bias", "finite_size_trace", "finite_size_gain",
                 "finite_size_shrink", "finite_size_noise_numerator", "finite_size_variance_correction"):
        r = get_result(name)
        exact_value = float(r.expr().subs(rat))
        numeric = formula(name)(*(vals[a] for a in r.args))
        assert numeric == pytest.approx(exact_value, rel=1e-12, abs=1e-12), name
    x1, dx, w = 2.0, 0.3, float(rng.uniform())
    assert formula("finite_size_resummed")(x1, dx, w) == pytest.approx(x1 + dx + w * dx * dx / (x1 - dx), rel=1e-15)


# -- predictions -------------------------------------------------------------------------------------
POWER = {"kind": "power_law", "d": 50, "beta": 1.5}
SOURCE = {"kind": "source", "r": 0.5}


def test_float64_and_mpmath_agree_on_the_corrected_path():
    for sc in (scenario(POWER, teacher=SOURCE, T=40, ridge=1e-3, generators={"n": 1, "T0": 120, "sigma0": 1.0}),
               scenario(POWER, teacher=SOURCE, T=30, ridge=0.0),
               scenario({"kind": "isotropic", "d": 50}, T=45, ridge=1e-2,
                        generators={"n": 1, "T0": 30, "sigma0": 0.5})):
        p64, pmp = predict(sc), predict(sc, precision=30)
        assert pmp.provenance["clean_error"].kind is ProvenanceKind.FINITE_SIZE_CORRECTED
        for key in ("test_error", "bias", "variance", "collapse"):
            assert getattr(p64, key) == pytest.approx(getattr(pmp, key), rel=1e-11), key
        for key, value in p64.first_order.items():
            assert value == pytest.approx(pmp.first_order[key], rel=1e-11), key


def test_exact_results_stay_exact():
    # OLS T >= d+2: σ² d/(T−d−1) + σ0² d/(T0−d−1) (inverse-Wishart means)
    p = predict(scenario(POWER, teacher=SOURCE, T=60, ridge=0.0, generators={"n": 1, "T0": 70, "sigma0": 1.0}))
    assert p.exact and not p.first_order
    assert p.test_error == pytest.approx(50 / 9 + 50 / 19, rel=1e-14)
    # ridgeless Σ = I, T <= d−2: bias (1 − T/d)‖w0‖², variance T/(d−T−1)
    p = predict(scenario({"kind": "isotropic", "d": 50}, T=40, ridge=0.0))
    assert p.exact and p.test_error == pytest.approx((1 - 40 / 50) + 40 / 9, rel=1e-14)


def test_corrected_numbers_carry_their_provenance_and_first_order():
    p = predict(scenario({"kind": "isotropic", "d": 50}, T=45, ridge=1e-3,
                         generators={"n": 1, "T0": 100, "sigma0": 1.0}))
    assert {v.kind for v in p.provenance.values()} == {ProvenanceKind.FINITE_SIZE_CORRECTED}
    out = p.to_dict()
    assert set(out["first_order"]) == {"test_error", "clean_error", "collapse", "bias", "variance"}
    first = out["first_order"]
    assert first["test_error"] == pytest.approx(first["clean_error"] + first["collapse"], rel=1e-14)
    # the first order is the registered proportional-limit formula at the same κ
    k = p.kappa
    df2v = 50 * (1 / (1 + k)) ** 2
    assert first["variance"] == pytest.approx(df2v / (45 - df2v), rel=1e-12)
    assert p.variance > first["variance"]  # the correction raises the variance near the threshold


@pytest.mark.parametrize("spectrum,teacher,T", [(POWER, SOURCE, 30), (POWER, SOURCE, 80),
                                                ({"kind": "isotropic", "d": 50}, None, 70)])
def test_continuous_at_zero_ridge(spectrum, teacher, T):
    gen = {"n": 1, "T0": 30, "sigma0": 0.5}
    at0 = predict(scenario(spectrum, teacher=teacher, T=T, ridge=0.0, generators=gen))
    near = predict(scenario(spectrum, teacher=teacher, T=T, ridge=1e-12, generators=gen))
    if at0.exact:  # T >= d+2 exact OLS: the corrected equivalent reaches it continuously (Padé exact there)
        assert near.test_error == pytest.approx(at0.test_error, rel=1e-6)
    else:
        assert near.test_error == pytest.approx(at0.test_error, rel=1e-8)


def test_refusals_name_the_key():
    with pytest.raises(NotCoveredError, match=r"downstream.T: too few samples for the 1/d expansion"):
        predict(scenario({"kind": "power_law", "d": 20, "beta": 5.09}, teacher=SOURCE, T=1, ridge=0.0),
                monte_carlo=False)
    with pytest.raises(NotCoveredError, match=r"downstream.ridge: a small ridge at the hard edge"):
        predict(scenario({"kind": "isotropic", "d": 50}, T=50, ridge=1e-3), monte_carlo=False)


def _values(p):
    return (p.test_error, p.bias, p.variance, *p.first_order.values())


def test_steep_spectra_and_tiny_samples_are_finite_non_negative_or_refused():
    refused = accepted = 0
    for dim in (3, 5, 10, 20, 50, "inf"):
        for beta in (1.2, 2.0, 3.0, 4.5, 6.0):
            for samples in (1, 2, 3, 4, 5):
                for ridge in (0.0, 1e-6, 1e-3):
                    for n in (0, 1):
                        if n and dim == "inf":
                            continue
                        gen = {"n": 1, "T0": max(2, (dim if dim != "inf" else 0) // 2), "sigma0": 0.5} if n else None
                        try:
                            spectrum = {"kind": "power_law", "d": dim, "beta": beta}
                            p = predict(scenario(spectrum, teacher=SOURCE, T=samples, ridge=ridge, generators=gen),
                                        monte_carlo=False)
                        except NotCoveredError:
                            refused += 1
                            continue
                        accepted += 1
                        vals = _values(p)
                        assert all(math.isfinite(v) and v >= 0 for v in vals), (dim, beta, samples, ridge, n, vals)
    assert refused > 0 and accepted > 0


def test_stable_forms_equal_the_derived_ones_and_survive_a_huge_ridge():
    """γ_j, a_j and Δρ are registered in cancellation-free forms, symbolically equal to the derived ones;
    at a ridge of 1e8 the trace is O(df_2) ~ 1e-15 and the cancelling form would have lost every digit."""
    import sympy as sp

    from modelcollapse.numerics.predict import predict
    from modelcollapse.numerics.scenario import Scenario
    from modelcollapse.theory import collapse
    from modelcollapse.theory.finite_size import _gain, _shrink, eps, gain, shrink, trace, trace_correction

    assert sp.simplify(gain() - _gain().subs(eps, 1)) == 0
    assert sp.simplify(shrink() - _shrink().subs(eps, 1)) == 0
    assert sp.simplify(trace_correction() - (trace() - collapse.collapse_trace())) == 0
    base = {"spectrum": {"kind": "eigenvalues", "values": [1.0, 0.5, 0.25, 0.125] * 10},
            "teacher": {"kind": "isotropic"}, "generators": {"n": 2, "T0": 80, "sigma0": 1.0},
            "downstream": {"T": 60, "sigma": 0.5, "ridge": 1e8}}
    p = predict(Scenario.from_dict(base))
    # collapse = Σ_k σ0²/(T0 − d − 1) · ρ with ρ ≈ Σ_j (λ_j/κ)²(1 + d/T) at κ ≈ λ: a positive O(1e-16) number
    lam = [1.0, 0.5, 0.25, 0.125] * 10
    rho_leading = sum((x / 1e8) ** 2 for x in lam) * (1 + 40 / 60)
    assert p.collapse == pytest.approx(2 / (80 - 40 - 1) * rho_leading, rel=0.05)
