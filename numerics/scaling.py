"""Numbers from the symbolic scaling laws of :mod:`modelcollapse.theory.scaling` (THEORY.md §3.6).

The exponents are piecewise-linear expressions in ``β, r, a, ℓ``; here they are evaluated at
given numbers (exactly, with rational arithmetic, then rounded), compared to find the dominant
terms, and tabulated over ``(ℓ, r)`` grids for the phase diagram (lambdified once per exponent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from modelcollapse.theory import scaling as law
from modelcollapse.theory import scaling_growth as growth
from modelcollapse.theory.errors import ScenarioError
from modelcollapse.theory.symbols import beta, r

__all__ = ["exponent_value", "check_exponent_inputs", "check_collapse_growth", "dominant_terms", "scaling_exponents",
           "PhaseDiagram", "phase_diagram"]

_MINMAX = [{"Min": np.minimum, "Max": np.maximum}, "numpy"]


def check_exponent_inputs(beta_v: float, r_v: float, a_v: float) -> None:
    """Raise :class:`ScenarioError` (key ``beta``, ``r`` or ``a``) unless ``β > 1``, ``r > 0``, ``a >= 0``."""
    if not (isinstance(beta_v, (int, float)) and math.isfinite(beta_v) and beta_v > 1):
        raise ScenarioError("beta", f"expected a number > 1, got {beta_v!r}")
    if not (isinstance(r_v, (int, float)) and math.isfinite(r_v) and r_v > 0):
        raise ScenarioError("r", f"expected a number > 0, got {r_v!r}")
    if not (isinstance(a_v, (int, float)) and math.isfinite(a_v) and a_v >= 0):
        raise ScenarioError("a", f"expected a number >= 0 (T0 ∝ T^a; 0 = fixed T0), got {a_v!r}")


def exponent_value(expr: sp.Expr, beta_v, r_v, a_v=1.0, ell_v=None, a_sigma_v=0.0) -> float:
    """``expr`` (in ``β, r, a, ℓ``) at the given numbers: exact rational evaluation, rounded once.

    Each float enters as its exact binary value (``sp.Rational(x)``), not ``nsimplify``'s "simple"
    guess, which snaps ``1.0000000001`` to ``1`` (outside ``β > 1``).
    """
    subs = {beta: sp.Rational(beta_v), r: sp.Rational(r_v), law.a: sp.Rational(a_v),
            growth.a_sigma: sp.Rational(a_sigma_v)}
    if ell_v is not None:
        subs[law.ell] = sp.Rational(ell_v)
    return float(expr.subs(subs))


def dominant_terms(beta_v: float, r_v: float, ell_v: float, a_v: float = 1.0, *, noisy: bool = True,
                   synthetic: bool = True, a_sigma_v: float = 0.0) -> tuple[str, ...]:
    """Names of the terms with the smallest exponent (the slowest to decay) at ``ℓ`` (``n σ0² ≍ T^(a_σ)``)."""
    exps = {"bias": exponent_value(law.bias_exponent(), beta_v, r_v, a_v, ell_v)}
    if noisy:
        exps["variance"] = exponent_value(law.variance_exponent(), beta_v, r_v, a_v, ell_v)
    if synthetic:
        exps["collapse"] = exponent_value(growth.collapse_exponent_growth(), beta_v, r_v, a_v, ell_v, a_sigma_v)
    low = min(exps.values())
    return tuple(name for name, c in exps.items() if c <= low + 1e-12)


def check_collapse_growth(a_sigma_v: float, a_v: float) -> None:
    """Raise :class:`ScenarioError` (key ``collapse_growth``) unless ``0 <= a_σ <= min(a, 1)``.

    Beyond it the synthetic noise ``n σ0² ≍ T^(a_σ)`` outgrows what the generators' ``T0 ≍ T^a``
    samples remove: the error grows with ``T`` for every ridge exponent, so no rate exists.
    """
    if not (isinstance(a_sigma_v, (int, float)) and math.isfinite(a_sigma_v) and a_sigma_v >= 0):
        raise ScenarioError("collapse_growth", f"expected a number >= 0 (n sigma0^2 ~ T^a), got {a_sigma_v!r}")
    cap = min(a_v, 1.0)
    if a_sigma_v > cap:
        # a <= 1: the generators' T0 ~ T^a samples bound it; a > 1: the collapse term's phi0 part (rho >~ nσ0²/T)
        # does, so the noise must not outgrow the downstream's own T ~ T^1 samples
        outgrows = (f"the generators (T0 ~ T^{a_v:g})" if a_v <= 1 else
                    f"the downstream's T samples (with T0 ~ T^{a_v:g} >= T the collapse term falls no faster than "
                    "n sigma0^2/T)")
        raise ScenarioError("collapse_growth",
                            f"expected a number in [0, min(a, 1)] = [0, {cap:g}], got {a_sigma_v!r}: the synthetic "
                            f"noise n sigma0^2 ~ T^{a_sigma_v:g} outgrows {outgrows}; the error then grows like "
                            f"T^{a_sigma_v - cap:.3g} at best, so there is no rate")


def scaling_exponents(beta: float, r: float, a: float = 1.0, noiseless: bool = False,
                      collapse_growth: float = 0.0) -> dict:
    """The exponents of CONTRACT.md's ``scaling`` command, as floats.

    ``a`` is the generators' size exponent (``T0 ∝ T^a``, the paper's ``b``); ``collapse_growth`` the
    exponent of the synthetic noise, ``n σ0² ∝ T^(a_σ)`` (the paper's ``a``, Corollary 5.2; 0 = fixed).

    Returns
    -------
    dict
        ``ell_crit`` = β/(1+2β min(r,1)); ``ell_opt`` (with synthetic data); ``rate_clean`` (best
        exponent on clean data, noisy unless ``noiseless``); ``rate_collapse`` (best exponent with
        synthetic data, ``T0 ∝ T^a``); ``regime`` (the terms that dominate at ``ell_opt``, joined by
        ``=``, prefixed ``plateau:`` when the rate is 0); and, beyond the contract,
        ``ell_opt_clean``, the exponents ``bias_exponent, variance_exponent, collapse_exponent`` at
        ``ell_opt``, ``plateau_exponent`` (the power of ``nσ0²/T0`` in the fixed-``T0`` plateau),
        ``saturated`` (``r >= 1``) and the inputs; with synthetic noise growing
        (theory/scaling_growth.py) ``ell_opt`` = ``min((min(a,1) − a_σ) ℓ_crit, β)`` and ``rate_collapse``
        = ``(min(a,1) − a_σ)·2βr'/(1+2βr')`` (at ``a_σ = 0`` the laws above), plus ``collapse_growth``,
        ``rate_at_ell_crit`` (the exponent keeping ``ℓ = ℓ_crit``; negative: the error diverges),
        ``diverges_at_ell_crit`` and ``vanishing_threshold`` (``a_σ + 1/(1+2βr')``: the ``min(a,1)``
        above which the error at ``ℓ_crit`` vanishes).

    Raises
    ------
    ScenarioError
        ``beta <= 1``, ``r <= 0``, ``a < 0`` or ``collapse_growth`` outside ``[0, min(a,1)]`` (the key).
    """
    beta_v, r_v, a_v, g_v = beta, r, a, collapse_growth  # numbers; the theory's symbols are not used here
    check_exponent_inputs(beta_v, r_v, a_v)
    check_collapse_growth(g_v, a_v)
    noisy = not noiseless

    def at(expr, ell_v=None):
        return exponent_value(expr, beta_v, r_v, a_v, ell_v, g_v)

    lo = at(growth.ell_opt_growth())
    rc = at(growth.rate_collapse_growth())
    regime = "=".join(dominant_terms(beta_v, r_v, lo, a_v, noisy=noisy, synthetic=True, a_sigma_v=g_v))
    if rc <= 1e-15:
        regime = "plateau: " + regime
    return {
        "beta": float(beta_v), "r": float(r_v), "a": float(a_v), "noiseless": bool(noiseless),
        "ell_crit": at(law.ell_crit()),
        "ell_opt": lo,
        "rate_clean": at(law.rate_clean(noisy=noisy)),
        "rate_collapse": rc,
        "regime": regime,
        "ell_opt_clean": at(law.ell_opt_clean(noisy=noisy)),
        "bias_exponent": at(law.bias_exponent(), lo),
        "variance_exponent": at(law.variance_exponent(), lo),
        "collapse_exponent": at(growth.collapse_exponent_growth(), lo),
        "plateau_exponent": at(law.plateau_exponent()),
        "saturated": r_v >= 1,
        "collapse_growth": float(g_v),
        "rate_at_ell_crit": at(growth.rate_at_ell_crit()),
        "diverges_at_ell_crit": at(growth.rate_at_ell_crit()) < 0,
        "vanishing_threshold": at(growth.vanishing_threshold()),
    }


@dataclass(frozen=True, kw_only=True)
class PhaseDiagram:
    """Which term dominates the error (the smallest exponent) over the ``(ℓ, r)`` plane.

    Attributes
    ----------
    ell, r : ndarray
        Grid axes.
    dominant : ndarray of int, shape ``(len(r), len(ell))``
        Index into ``labels`` of the dominating term (ties: the label lists them all).
    rate : ndarray
        Exponent of the total error, ``min`` over the terms.
    labels : tuple of str
    boundary : ndarray
        ``ℓ = min(a,1) β/(1+2β min(r,1))`` on the ``r`` axis (the optimal ``ℓ`` and the border
        between the bias and the noise/collapse phases); ``β`` is the ridgeless border.
    beta, a : float
    noisy, synthetic : bool
    """

    ell: np.ndarray
    r: np.ndarray
    dominant: np.ndarray
    rate: np.ndarray
    labels: tuple
    boundary: np.ndarray
    beta: float
    a: float
    noisy: bool
    synthetic: bool


@lru_cache(maxsize=None)
def _exponent_function(name: str):
    expr = {"bias": law.bias_exponent, "variance": law.variance_exponent, "collapse": law.collapse_exponent}[name]()
    return sp.lambdify((law.ell, r, beta, law.a), expr, modules=_MINMAX)


@lru_cache(maxsize=None)
def _border_function(synthetic: bool, noisy: bool):
    border = law.ell_opt() if synthetic else law.ell_opt_clean(noisy=noisy)  # ℓ*, ℓ_crit, or β (noiseless clean)
    return sp.lambdify((r, beta, law.a), border, modules=_MINMAX)


def phase_diagram(beta_v: float, a_v: float = 1.0, *, noisy: bool = True, synthetic: bool = True,
                  ells=None, rs=None) -> PhaseDiagram:
    """Phase diagram over ``(ℓ, r)`` at fixed ``β`` and ``a`` (data for a figure)."""
    check_exponent_inputs(beta_v, 0.5, a_v)
    ells = np.linspace(0, 1.25 * beta_v, 201) if ells is None else np.asarray(ells, dtype=float)
    rs = np.linspace(0.05, 2.0, 157) if rs is None else np.asarray(rs, dtype=float)
    names = ["bias"] + (["variance"] if noisy else []) + (["collapse"] if synthetic else [])
    L, Rg = np.meshgrid(ells, rs)
    stack = np.stack([np.broadcast_to(_exponent_function(nm)(L, Rg, beta_v, a_v), L.shape).astype(float)
                      for nm in names])
    low = stack.min(axis=0)
    ties = np.isclose(stack, low[None], atol=1e-12, rtol=0)
    label_of = {}
    dominant = np.empty(L.shape, dtype=int)
    for idx in np.ndindex(L.shape):
        key = "=".join(nm for nm, t in zip(names, ties[(slice(None),) + idx]) if t)
        dominant[idx] = label_of.setdefault(key, len(label_of))
    labels = tuple(sorted(label_of, key=label_of.get))
    boundary = np.broadcast_to(
        np.asarray(_border_function(synthetic, noisy)(rs, beta_v, a_v), dtype=float), rs.shape
    ).copy()
    return PhaseDiagram(ell=ells, r=rs, dominant=dominant, rate=low, labels=labels, boundary=boundary,
                        beta=float(beta_v), a=float(a_v), noisy=noisy, synthetic=synthetic)
