"""Tail-cutting generators (``[generators] keep_top``): symbolic results against numbers, exact cases, scaling.

Expected values are worked out from the definitions (THEORY.md §1, §3.13), never taken from the code under test:
the exact OLS error by hand, the truncated trace by its per-direction sum, the power-law tail by mpmath's
Hurwitz zeta, exponents by slopes of the infinite-spectrum deterministic equivalent.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.tailcut import diagonal_chain_error, powerlaw_truncated_error, predict_tailcut
from modelcollapse.theory import collapse, scaling, tailcut
from modelcollapse.theory.registry import get_result
from modelcollapse.theory.symbols import beta as B
from modelcollapse.theory.symbols import r as R

POWER = {"kind": "power_law", "beta": 1.5, "d": 60}
SOURCE = {"kind": "source", "r": 0.5}


def scenario(gen, down, spectrum=POWER, teacher=SOURCE):
    return Scenario(spectrum=spectrum, teacher=teacher, generators=gen, downstream=down)


def fitted_slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def test_truncated_trace_is_the_per_direction_sum():
    rng = np.random.default_rng(3)
    lam = np.sort(rng.uniform(0.01, 2.0, 40))[::-1]
    f = formula("tailcut_trace")
    for kappa, T, k in ((0.05, 30, 7), (0.3, 100, 40), (1e-3, 25, 1)):
        u = lam / (lam + kappa)
        df2 = np.sum(u**2)
        by_hand = sum(u[j] ** 2 + (1 - u[j]) ** 2 * df2 / (T - df2) for j in range(k))
        got = f(k, np.sum(u[:k]), np.sum(u[:k] ** 2), df2, T)
        assert got == pytest.approx(by_hand, rel=1e-12)
    # k = d is the collapse trace of THEORY.md 3.3, df_2 (T + d − 2 df_1)/(T − df_2)
    kappa, T = 0.2, 50
    u = lam / (lam + kappa)
    expected = np.sum(u**2) * (T + len(lam) - 2 * np.sum(u)) / (T - np.sum(u**2))
    assert f(len(lam), np.sum(u), np.sum(u**2), np.sum(u**2), T) == pytest.approx(expected, rel=1e-13)


def test_truncated_trace_at_d_simplifies_to_the_collapse_trace():
    assert sp.simplify(tailcut.trace_truncated_at_d() - collapse.collapse_trace()) == 0
    assert tailcut.trace_derivation()["full"].rhs == tailcut.trace_truncated_at_d()


def test_exact_ols_chain_by_hand():
    s = scenario({"n": 3, "T0": 100, "sigma0": 0.7}, {"T": 90, "sigma": 0.4, "ridge": 0.0})
    lam = s.spectrum.eigenvalues()
    w = s.teacher.weights(s.spectrum)
    for k in (1, 12, 59, 60):
        p = predict_tailcut(s, k)
        by_hand = 0.4**2 * 60 / (90 - 61) + 3 * 0.7**2 * k / (100 - 61) + float(np.sum(w[k:]))
        assert p.exact
        assert p.test_error == pytest.approx(by_hand, rel=1e-13)
        assert p.parts["tail"] == pytest.approx(float(np.sum(lam[k:] * (w[k:] / lam[k:]))), rel=1e-12)
    sym = formula("tailcut_ols_exact")(0.4, 90, 60, 3, 0.7, 100, 12, float(np.sum(w[12:])))
    assert sym == pytest.approx(predict_tailcut(s, 12).test_error, rel=1e-13)


@pytest.mark.parametrize("down", [{"T": 80, "sigma": 0.5, "ridge": 0.01}, {"T": 40, "sigma": 0.5, "ridge": 0.0},
                                  {"T": 200, "sigma": 0.2, "ridge": 0.3}])
@pytest.mark.parametrize("spectrum,teacher", [(POWER, SOURCE), ({"kind": "isotropic", "d": 60}, {"kind": "isotropic"})])
def test_keep_all_is_the_uncut_prediction(down, spectrum, teacher):
    s = scenario({"n": 2, "T0": 120, "sigma0": 0.5}, down, spectrum, teacher)
    assert predict_tailcut(s, 60).test_error == pytest.approx(predict(s).test_error, rel=1e-12)


def test_cut_isotropic_min_norm_downstream_is_exact():
    """Σ = I, T < d, λ = 0: bias (1 − T/d)‖P_k w0‖², trace k T/d (uniform random projection), all exact."""
    s = scenario({"n": 2, "T0": 100, "sigma0": 0.5}, {"T": 30, "sigma": 0.3, "ridge": 0.0},
                 {"kind": "isotropic", "d": 60}, {"kind": "isotropic"})
    k = 15
    p = predict_tailcut(s, k)
    G = 2 * 0.25 / (100 - 61)
    variance = 0.09 * 30 / (60 - 30 - 1)
    by_hand = (1 - 30 / 60) * (k / 60) + variance + (1 - k / 60) + G * k * 30 / 60
    assert p.exact and p.test_error == pytest.approx(by_hand, rel=1e-12)


def test_optimal_cut_with_ols_is_where_the_weight_drops_below_the_noise():
    s = scenario({"n": 4, "T0": 100, "sigma0": 0.5}, {"T": 100, "sigma": 0.3, "ridge": 0.0})
    w = s.teacher.weights(s.spectrum)
    G = 4 * 0.25 / (100 - 61)
    errors = [predict_tailcut(s, k).test_error for k in range(1, 61)]
    assert int(np.argmin(errors)) + 1 == int(np.sum(w > G))
    assert 1 < int(np.sum(w > G)) < 60


def test_diagonal_chain_with_ols_generators_is_the_first_order_reduction():
    s = scenario({"n": 2, "T0": 120, "sigma0": 0.5}, {"T": 80, "sigma": 0.5, "ridge": 0.05})
    lam = s.spectrum.eigenvalues()
    w = s.teacher.weights(s.spectrum)
    c = np.sqrt(w / lam)
    k = 9
    got = diagonal_chain_error(lam, w, c, [(0.0, 120, 0.5)] * 2, k, T=80, sigma=0.5, ridge=0.05)
    # by hand: first-order clean error of P_k w0 + tail + G tr_k, κ from κ − λ = κ df_1/T
    kappa = float(mpmath.findroot(lambda x: x - 0.05 - x * sum(lam / (lam + float(x))) / 80, 0.1))
    u = lam / (lam + kappa)
    df2 = np.sum(u**2)
    bias = kappa**2 * np.sum(w[:k] / (lam[:k] + kappa) ** 2) / (1 - df2 / 80)
    trace = np.sum(u[:k] ** 2 + (1 - u[:k]) ** 2 * df2 / (80 - df2))
    by_hand = bias + 0.25 * df2 / (80 - df2) + np.sum(w[k:]) + 2 * 0.25 / (120 - 61) * trace
    assert float(got) == pytest.approx(by_hand, rel=1e-9)


def test_mpmath_backend_agrees_with_float64():
    s = scenario({"n": 2, "T0": 120, "sigma0": 0.5}, {"T": 80, "sigma": 0.5, "ridge": 0.01})
    s_ridge = scenario({"n": 2, "T0": 50, "sigma0": 0.5, "ridge": 0.05}, {"T": 80, "sigma": 0.5, "ridge": 0.01})
    for sc in (s, s_ridge):
        f64 = predict_tailcut(sc, 10)
        mp = predict_tailcut(sc, 10, Backend(dps=30))
        assert mp.precision == "mpmath[30 digits]"
        assert mp.test_error == pytest.approx(f64.test_error, rel=1e-10)
        assert len(mp.digits["test_error"].replace(".", "").lstrip("0")) >= 25


def test_powerlaw_tail_exact_and_asymptotic():
    f_exact, f_asym = formula("tailcut_powerlaw_tail_exact"), formula("tailcut_powerlaw_tail")
    for beta, r in ((2.0, 0.375), (1.5, 1.2)):
        s = 1 + 2 * beta * r
        for k in (5, 50, 500):
            hurwitz = float(mpmath.zeta(s, k + 1) / mpmath.zeta(s))
            # brute force: the partial sum to N plus the integral bound of the rest (within N^(−s)); not nsum
            N = 200_000
            head = np.sum(np.arange(k + 1, N + 1, dtype=float) ** (-s))
            brute = (head + N ** (1 - s) / (s - 1)) / float(mpmath.zeta(s))
            assert f_exact(beta, r, k) == pytest.approx(hurwitz, rel=1e-12)
            assert abs(brute - hurwitz) <= N ** (-s) / float(mpmath.zeta(s)) + 1e-15
            # asymptotic: relative error ~ (2βr + ... )/(2k) (Euler–Maclaurin), below 1/k · s/2
            assert abs(f_asym(beta, r, k) / hurwitz - 1) <= s / (2 * k) + 1e-12
        assert abs(f_asym(beta, r, 5000) / float(mpmath.zeta(s, 5001) / mpmath.zeta(s)) - 1) < 1e-3


def test_tail_exponent_and_the_rate():
    assert sp.simplify(tailcut.tail_exponent() - 2 * B * R * tailcut.c_growth) == 0
    rate = tailcut.rate_best()
    values = {B: 2, R: sp.Rational(3, 8)}
    assert rate.subs({**values, tailcut.c_growth: sp.Rational(1, 5)}) == sp.Rational(3, 10)
    assert rate.subs({**values, tailcut.c_growth: 1}) == sp.Rational(3, 5)  # 2βr/(1+2βr) = 1.5/2.5
    assert tailcut.loss_of_scaling_size().subs({B: 2, R: sp.Rational(3, 8)}) == tailcut.keep ** sp.Rational(5, 2)


@pytest.mark.parametrize("beta,r", [(2.0, 0.375), (1.5, 0.3), (3.0, 1.5)])
@pytest.mark.parametrize("c", [0.1, 0.2, 0.5])
def test_rate_best_is_the_maximum_over_ell(beta, r, c):
    rate = tailcut.rate(noisy=True)
    grid = np.linspace(0.01, 1.5 * beta, 600)
    at_ell = sp.lambdify(scaling.ell, rate.subs({B: beta, R: r, tailcut.c_growth: c}), "mpmath")
    values = [float(at_ell(ell)) for ell in grid]
    best = float(tailcut.rate_best().subs({B: beta, R: r, tailcut.c_growth: c}))
    assert max(values) == pytest.approx(best, abs=2e-3)


@pytest.mark.parametrize("beta,r,c", [(2.0, 0.375, 0.2), (2.0, 0.375, 0.6), (3.0, 0.25, 0.15), (1.5, 0.5, 0.6)])
def test_slopes_of_the_infinite_spectrum_equivalent(beta, r, c):
    """E(T) with k = ceil(T^c) and λ = T^(−ℓ_crit) on d = inf: slope −min(2βrc, 2βr'/(1+2βr')) within 0.02."""
    ell = beta / (1 + 2 * beta * min(r, 1))
    Ts = np.logspace(5, 9, 9)
    E = [powerlaw_truncated_error(beta=beta, r=r, keep_top=math.ceil(T**c), T=T, ridge=T**-ell, sigma=0.5)["error"]
         for T in Ts]
    expected = float(tailcut.rate_best().subs({B: beta, R: r, tailcut.c_growth: c}))
    assert fitted_slope(Ts, E) == pytest.approx(-expected, abs=0.02)


def test_fixed_cut_loses_the_scaling_law():
    """A fixed k: the error tends to the tail ζ(1+2βr, k+1)/ζ(1+2βr) as T grows (loss of scaling)."""
    beta, r, k = 2.0, 0.375, 20
    ell = beta / (1 + 2 * beta * r)
    tail = float(mpmath.zeta(1 + 2 * beta * r, k + 1) / mpmath.zeta(1 + 2 * beta * r))
    far = powerlaw_truncated_error(beta=beta, r=r, keep_top=k, T=1e9, ridge=1e9**-ell, sigma=0.5)["error"]
    near = powerlaw_truncated_error(beta=beta, r=r, keep_top=k, T=1e3, ridge=1e3**-ell, sigma=0.5)["error"]
    assert far == pytest.approx(tail, rel=0.01)
    assert near > 2 * tail


def test_registered_results_print():
    for name in ("tailcut_tail", "tailcut_ols_exact", "tailcut_trace", "tailcut_test_error", "tailcut_optimal_k",
                 "tailcut_powerlaw_tail", "tailcut_rate", "tailcut_loss_of_scaling"):
        result = get_result(name)
        assert result.latex()
        assert result.provenance.kind.value in ("exact", "deterministic equivalent", "asymptotic")
    assert get_result("tailcut_ols_exact").provenance.is_exact
    assert "derivation_tailcut_trace" in get_result("tailcut_trace").derivations


def test_refusals_name_the_key():
    from modelcollapse.theory.errors import NotCoveredError
    s = scenario({"n": 2, "T0": 120, "sigma0": 0.5, "scheme": "accumulate"}, {"T": 80, "sigma": 0.5, "ridge": 0.01})
    with pytest.raises(NotCoveredError, match="generators.keep_top"):
        predict_tailcut(s, 10)
    s = scenario({"n": 2, "T0": 120, "sigma0": 0.5}, {"T": 80, "sigma": 0.5, "ridge": 0.01, "real_fraction": 0.3})
    with pytest.raises(NotCoveredError, match="generators.keep_top"):
        predict_tailcut(s, 10)
    s = scenario({"n": 2, "T0": 120, "sigma0": 0.5}, {"T": 80, "sigma": 0.5, "ridge": 0.01},
                 {"kind": "power_law", "beta": 1.5, "d": "inf"})
    with pytest.raises(NotCoveredError, match="spectrum.d"):
        predict_tailcut(s, 10)


# -- the axis: key, bad input, dispatch -----------------------------------------------------------------------------
def keyed(k, **gen):
    return scenario({"n": 2, "T0": 120, "sigma0": 0.5, "keep_top": k, **gen}, {"T": 80, "sigma": 0.5, "ridge": 0.01})


def test_key_round_trips_and_defaults_to_no_cut():
    s = keyed(10)
    assert s.generators.keep_top == 10
    assert s.to_dict()["generators"]["keep_top"] == 10
    assert Scenario.from_dict(s.to_dict()) == s
    plain = scenario({"n": 2, "T0": 120, "sigma0": 0.5}, {"T": 80, "sigma": 0.5, "ridge": 0.01})
    assert plain.generators.keep_top is None and "keep_top" not in plain.to_dict()["generators"]
    assert plain.replace(**{"generators.keep_top": 7}).generators.keep_top == 7


@pytest.mark.parametrize("value", [0, -3, 61, 2.5, 10.0, "10", True, [10]])
def test_bad_keep_top_names_the_key(value):
    from modelcollapse.theory.errors import ScenarioError
    with pytest.raises(ScenarioError, match=r"^generators\.keep_top: expected an integer k with 1 <= k <= spectrum\.d"):
        keyed(value)


def test_bad_keep_top_exits_2_with_one_line(tmp_path, capsys):
    from modelcollapse.derivations import cli
    path = tmp_path / "s.toml"
    keyed(10).write(path)
    path.write_text(path.read_text().replace("keep_top = 10", "keep_top = 61"))
    assert cli.main(["predict", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "generators.keep_top" in err[0] and "d = 60" in err[0]


def test_infinite_spectrum_accepts_a_cut_and_refuses_the_prediction():
    from modelcollapse.theory.errors import NotCoveredError
    s = scenario({"n": 1, "T0": 120, "sigma0": 0.5, "keep_top": 10**6}, {"T": 80, "sigma": 0.5, "ridge": 0.01},
                 {"kind": "power_law", "beta": 1.5, "d": "inf"})
    assert s.generators.keep_top == 10**6
    with pytest.raises(NotCoveredError, match="spectrum.d"):
        predict(s, monte_carlo=False)


def test_dispatch_the_cut_has_its_own_fast_path():
    from modelcollapse.numerics import regimes
    for gen in ({}, {"ridge": 0.05}, {"T0": 40}):
        s = keyed(10, **gen)
        assert regimes.regime_for(s, check=True).name == "tail_cut"
        assert predict(s).regime == "tail_cut"
    # k = d is no cut: the plain fast path, the same number
    assert regimes.regime_for(keyed(60), check=True).name == "ols_generators"
    assert predict(keyed(60)).test_error == pytest.approx(predict_tailcut(keyed(60), 60).test_error, rel=1e-12)
    # without generations the cut is irrelevant
    s = Scenario(spectrum=POWER, teacher=SOURCE, generators={"n": 0, "keep_top": 5},
                 downstream={"T": 80, "sigma": 0.5, "ridge": 0.01})
    assert regimes.regime_for(s, check=True).name == "clean_ridge"


def test_a_refused_combination_names_the_key():
    from modelcollapse.theory.errors import NotCoveredError
    s = keyed(10, scheme="accumulate")
    with pytest.raises(NotCoveredError, match="generators.keep_top.*replace"):
        predict(s, monte_carlo=False)


def test_ridge_generators_cut_is_added_to_the_uncut_prediction():
    """The cut's first-order effect on the uncut prediction: keep_top = d returns it, k < d moves by the delta."""
    gen = {"n": 3, "T0": 60, "sigma0": 0.5, "ridge": 0.05}
    s = scenario(gen, {"T": 60, "sigma": 0.5, "ridge": 0.01}, {"kind": "power_law", "beta": 1.5, "d": 50})
    uncut = predict(s, monte_carlo=False)
    assert uncut.regime == "ridge_generators"
    assert predict_tailcut(s, 50, uncut=uncut).test_error == pytest.approx(uncut.test_error, rel=1e-12)
    lam = s.spectrum.eigenvalues()
    w = s.teacher.weights(s.spectrum)
    c = np.sqrt(w / lam)
    fits = [(0.05, 60, 0.5)] * 3
    kw = {"T": 60, "sigma": 0.5, "ridge": 0.01}
    delta = float(diagonal_chain_error(lam, w, c, fits, 7, **kw) - diagonal_chain_error(lam, w, c, fits, 50, **kw))
    cut = predict(s.replace(**{"generators.keep_top": 7}), monte_carlo=False)
    assert cut.regime == "tail_cut"
    assert cut.test_error == pytest.approx(uncut.test_error + delta, rel=1e-12)


def test_cut_with_another_restricting_axis_is_refused_naming_both_keys():
    from modelcollapse.theory.errors import NotCoveredError
    s = scenario({"n": 2, "T0": 120, "sigma0": 0.5, "keep_top": 10}, {"T": 80, "sigma": 0.5, "ridge": 0.01,
                                                                       "features": 30})
    with pytest.raises(NotCoveredError, match=r"^downstream\.features: .*generators\.keep_top together"):
        predict(s, monte_carlo=False)
