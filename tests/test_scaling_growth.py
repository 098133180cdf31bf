"""Growing synthetic noise (Corollary 5.2, Appendix G; theory/scaling_growth.py) against exact curves.

The curves are the deterministic equivalent of theory/scaling.py's model on the infinite spectrum
``λ_j = j^(−β)`` (``d = ∞`` sums): ``T0 = τ T^a`` OLS generators, ``d = φ0 T0``, one generation with
``σ0² = T^(a_σ)`` (so ``n σ0² ≍ T^(a_σ)``), downstream noise ``σ = 1``; slopes fitted between
``T = 10⁶`` and ``10⁹``. Expected exponents are written out by hand from the formulas (``B = min(a,1)``,
``r' = min(r,1)``, ``ℓ_crit = β/(1+2βr')``, ``c = 2βr'/(1+2βr')``), never taken from the code.

Where the slopes are checked at a given ``ℓ``: ``ℓ/β < a`` (the model's ``d ≫ κ^(−1/β)``; for
``ℓ/β >= a`` the spectrum's cut at ``d`` is felt and ``d = φ0 T0`` may fall below ``T``), and at least
0.2 between the two smallest term exponents: near a crossing the sum of two powers with close
exponents bends slowly (measured on these cases: at most 0.035 off at gaps 0.1–0.2, at most 0.024 at
gaps below 0.1, at most 0.029 beyond 0.2), which is the approach to the asymptote, not a wrong exponent.
The optimum (``ℓ*``, rate) and ``ℓ_crit`` slopes are checked without any such choice.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import sympy as sp

from modelcollapse.derivations import cli
from modelcollapse.numerics import scaling as nscaling
from modelcollapse.numerics.optimize import scaling_curves
from modelcollapse.theory import scaling, scaling_growth
from modelcollapse.theory.registry import get_result
from modelcollapse.theory.symbols import beta as B
from modelcollapse.theory.symbols import r as R

T_GRID = np.logspace(6, 9, 7)
# (β, r, a, a_σ, τ, φ0): a < 1, a = 1, a > 1, r > 1, near the plateau
CASES = [(2.0, 0.5, 1.0, 0.3, 2.0, 0.5), (1.5, 0.3, 0.8, 0.2, 5.0, 0.2), (3.0, 0.25, 0.6, 0.1, 10.0, 0.1),
         (2.5, 2.0, 1.0, 0.5, 2.0, 0.5), (2.0, 0.5, 1.5, 0.4, 2.0, 0.5), (2.0, 0.7, 0.5, 0.45, 10.0, 0.1)]


def hand(beta, r, a, a_sigma):
    rp, b = min(r, 1.0), min(a, 1.0)
    ell_crit = beta / (1 + 2 * beta * rp)
    c = 2 * beta * rp / (1 + 2 * beta * rp)
    return dict(ell_crit=ell_crit, c=c, ell_opt=min((b - a_sigma) * ell_crit, beta), rate=(b - a_sigma) * c,
                at_crit=c + b - a_sigma - 1, threshold=a_sigma + 1 / (1 + 2 * beta * rp),
                terms=lambda ell: (2 * np.minimum(ell, beta) * rp, 1 - np.minimum(ell, beta) / beta,
                                   b - a_sigma - np.minimum(ell, beta) / beta))


def total_error(beta, r, T, ridge, a, a_sigma, tau, phi0):
    c = scaling_curves(beta, r, T, ridge=ridge, n=1, sigma0=np.asarray(T, dtype=float) ** (a_sigma / 2), a=a,
                       tau=tau, phi0=phi0, sigma=1.0)
    return c.bias + c.variance + c.collapse


def slope(x, y) -> float:
    y = np.asarray(y)
    assert np.all(y > 0)
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def best_over_ridge(beta, r, a, a_sigma, tau, phi0, guess_ell):
    """λ*(T) and E*(T): the minimum over a log grid of λ around T^(−guess), refined by a parabola in log λ."""
    lams, errs = [], []
    for T in T_GRID:
        grid = T ** -guess_ell * np.logspace(-3, 3, 241)
        E = total_error(beta, r, np.full(grid.shape, T), grid, a, a_sigma, tau, phi0)
        i = min(max(int(np.argmin(E)), 1), len(grid) - 2)
        coef = np.polyfit(np.log(grid[i - 1:i + 2]), np.log(E[i - 1:i + 2]), 2)
        x = -coef[1] / (2 * coef[0])
        lams.append(np.exp(x))
        errs.append(np.exp(np.polyval(coef, x)))
    return np.array(lams), np.array(errs)


# -- symbolic -------------------------------------------------------------------------------------------

def test_fixed_noise_recovers_the_plain_laws():
    """a_σ = 0: ℓ* and the rate are theory/scaling.py's min(a,1) ℓ_crit and min(a,1) c."""
    zero = {scaling_growth.a_sigma: 0}
    assert sp.simplify(scaling_growth.rate_collapse_growth().subs(zero) - scaling.rate_collapse()) == 0
    inner = scaling_growth.ell_opt_growth().subs(zero)
    assert sp.simplify(inner.subs({B: 2, R: sp.Rational(1, 2), scaling.a: sp.Rational(4, 5)})
                       - scaling.ell_opt().subs({B: 2, R: sp.Rational(1, 2), scaling.a: sp.Rational(4, 5)})) == 0


def test_laws_print_with_min_and_piecewise():
    assert r"\min" in get_result("scaling_growth_ell_opt").latex()
    assert "cases" in get_result("scaling_growth_error_exponent").latex()
    assert scaling_growth.ell_opt_growth().has(sp.Min)
    assert scaling_growth.error_exponent().has(sp.Piecewise)


@pytest.mark.parametrize("beta, r, a, a_sigma", [(1.3, 0.2, 1.0, 0.1), (2.0, 0.5, 0.8, 0.3), (4.0, 1.5, 2.0, 0.9),
                                                 (2.5, 0.1, 0.4, 0.0), (1.8, 1.0, 1.0, 1.0)])
def test_values_against_hand_formulas(beta, r, a, a_sigma):
    out = nscaling.scaling_exponents(beta, r, a, collapse_growth=a_sigma)
    h = hand(beta, r, a, a_sigma)
    assert out["ell_opt"] == pytest.approx(h["ell_opt"], abs=1e-14)
    assert out["rate_collapse"] == pytest.approx(h["rate"], abs=1e-14)
    assert out["rate_at_ell_crit"] == pytest.approx(h["at_crit"], abs=1e-14)
    assert out["vanishing_threshold"] == pytest.approx(h["threshold"], abs=1e-14)
    assert out["diverges_at_ell_crit"] == (h["at_crit"] < 0)
    assert out["ell_opt"] >= 0 and out["rate_collapse"] >= 0  # never a negative exponent in the domain


@pytest.mark.parametrize("beta, r, a, a_sigma", [(1.3, 0.2, 1.0, 0.1), (2.0, 0.5, 0.8, 0.3), (4.0, 1.5, 2.0, 0.9)])
def test_ell_opt_maximises_min_of_the_terms(beta, r, a, a_sigma):
    """Brute force: max over a fine ℓ grid of min(c_B, c_V, c_C) is at ℓ* with value rate_collapse."""
    ells = np.linspace(0, 1.5 * beta, 300_001)
    h = hand(beta, r, a, a_sigma)
    low = np.minimum.reduce(h["terms"](ells))
    i = int(np.argmax(low))
    out = nscaling.scaling_exponents(beta, r, a, collapse_growth=a_sigma)
    assert out["ell_opt"] == pytest.approx(ells[i], abs=1e-4)
    assert out["rate_collapse"] == pytest.approx(low[i], abs=1e-4)


def test_appendix_g_regimes_are_the_min_of_the_terms():
    """The Piecewise of Appendix G equals min(c_B, c_V, c_C) on a grid of (β, r, a, a_σ, ℓ) in the domain."""
    expr = get_result("scaling_growth_error_exponent").expr()
    for beta, r, a, frac in itertools.product((1.2, 2.0, 3.5), (0.2, 0.6, 1.4), (0.5, 1.0, 1.6), (0.0, 0.5, 1.0)):
        a_sigma = frac * min(a, 1)
        for ell in np.linspace(0.05, 1.4 * beta, 9):
            got = nscaling.exponent_value(expr, beta, r, a, float(ell), a_sigma)
            assert got == pytest.approx(float(min(hand(beta, r, a, a_sigma)["terms"](float(ell)))), abs=1e-12)


def test_outside_the_domain_is_refused():
    with pytest.raises(ValueError, match=r"^collapse_growth: .*outgrows the generators"):
        nscaling.scaling_exponents(2.0, 0.5, 0.8, collapse_growth=0.9)
    with pytest.raises(ValueError, match=r"^collapse_growth: .*outgrows the downstream's T samples") as exc:
        nscaling.scaling_exponents(2.0, 0.5, 2.0, collapse_growth=1.2)  # min(a, 1) = 1 caps it, not T0 ~ T^2
    assert "outgrows the generators" not in str(exc.value) and "T^0.2 at best" in str(exc.value)
    with pytest.raises(ValueError, match=r"^collapse_growth:"):
        nscaling.scaling_exponents(2.0, 0.5, 1.0, collapse_growth=-0.1)
    edge = nscaling.scaling_exponents(2.0, 0.5, 0.8, collapse_growth=0.8)  # a plateau, stated
    assert edge["rate_collapse"] == 0 and edge["ell_opt"] == 0 and edge["regime"].startswith("plateau")


def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_and_refusal(capsys):
    code, out, err = run_cli(capsys, "scaling", "--beta", "2", "--r", "0.5", "--a", "0.8", "--collapse-growth", "0.3",
                             "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["ell_opt"] == pytest.approx(0.5 * 2 / 3) and data["rate_collapse"] == pytest.approx(0.5 * 2 / 3)
    assert data["collapse_growth"] == 0.3 and data["rate_at_ell_crit"] == pytest.approx(2 / 3 - 0.5)
    code, out, err = run_cli(capsys, "scaling", "--beta", "2", "--r", "0.5", "--a", "0.8", "--collapse-growth", "0.9")
    assert code == 2 and err.count("\n") == 1 and "--collapse-growth" in err and "outgrows" in err


# -- slopes of the deterministic equivalent, T in [1e6, 1e9] --------------------------------------------

@pytest.mark.parametrize("case", CASES)
def test_ell_opt_and_rate_are_the_slopes_of_the_optimum(case):
    beta, r, a, a_sigma, tau, phi0 = case
    h = hand(beta, r, a, a_sigma)
    out = nscaling.scaling_exponents(beta, r, a, collapse_growth=a_sigma)
    lams, errs = best_over_ridge(beta, r, a, a_sigma, tau, phi0, out["ell_opt"])
    assert -slope(T_GRID, lams) == pytest.approx(h["ell_opt"], abs=0.03)
    assert -slope(T_GRID, errs) == pytest.approx(h["rate"], abs=0.03)


@pytest.mark.parametrize("case", CASES)
def test_keeping_ell_crit_diverges_or_vanishes_as_derived(case):
    beta, r, a, a_sigma, tau, phi0 = case
    h = hand(beta, r, a, a_sigma)
    E = total_error(beta, r, T_GRID, T_GRID ** -h["ell_crit"], a, a_sigma, tau, phi0)
    assert -slope(T_GRID, E) == pytest.approx(h["at_crit"], abs=0.03)
    if h["at_crit"] < -0.1:  # diverging: the error grows over the decades
        assert E[-1] > E[0]


@pytest.mark.parametrize("case", CASES)
def test_appendix_g_exponent_at_fixed_ell(case):
    beta, r, a, a_sigma, tau, phi0 = case
    h = hand(beta, r, a, a_sigma)
    expr = get_result("scaling_growth_error_exponent").expr()
    checked = 0
    for ell in np.linspace(0.05, 1.3 * beta, 27):
        terms = sorted(float(t) for t in h["terms"](float(ell)))
        if ell / beta >= a - 0.1 or terms[1] - terms[0] < 0.2:
            continue
        E = total_error(beta, r, T_GRID, T_GRID ** -float(ell), a, a_sigma, tau, phi0)
        law = nscaling.exponent_value(expr, beta, r, a, float(ell), a_sigma)
        assert law == pytest.approx(terms[0], abs=1e-12)
        assert -slope(T_GRID, E) == pytest.approx(law, abs=0.03), ell
        checked += 1
    assert checked >= 5
