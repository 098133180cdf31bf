"""Scaling laws under power-law spectra (THEORY.md §3.6; Dohmatob, Feng & Kempe 2024, §5).

Setting: ``λ_j = j^(−β)`` (``β > 1``), source teacher ``λ_j c_j² ∝ j^(−1−2βr)`` (``r > 0``), ridge
``λ = T^(−ℓ)``; synthetic data from ``n`` OLS generations of ``T0`` samples with noise ``σ0``.

**Small-κ constants** (``d = ∞``, exact asymptotic expansions, Mellin transform of
``Σ_j g(κ j^β)``: the pole of ``ζ(βs)`` gives the leading power, the poles of ``Γ(s)`` at
``s = 0, −1, …`` the constant ``g(0)ζ(0) = −1/2`` and the ``O(κ)`` terms):

    df_m(κ) = C_m κ^(−1/β) + ζ(0) − m ζ(−β) κ + O(κ²),   C_m = ∫_0^∞ dx/(1+x^β)^m,
    κ² S_B(κ) = C_B κ^(2r) + κ² ζ(1+2βr−2β)/ζ(1+2βr) + O(κ³)       (0 < r < 1),

``C_1 = (π/β)/sin(π/β)``, ``C_2 = (π/β)(1−1/β)/sin(π/β)``, ``C_B = Γ(2−2r)Γ(2r)/(β ζ(1+2βr))``;
SymPy computes the integrals.

**Exponents.** Every term is ``≍ T^(−c)``; with ``ℓ_eff = min(ℓ, β)`` (for ``ℓ > β`` the ridge is
below the ridgeless ``κ ≍ T^(−β)`` and no longer matters) and ``r' = min(r, 1)`` (saturation):

* bias ``c_B = 2 ℓ_eff r'``; variance ``c_V = 1 − ℓ_eff/β`` (times ``σ²``);
* collapse term ``n σ0² ρ`` with ``ρ ≈ (df_2/T)(T/T0 + φ0)/(1 − φ0)``: ``c_C = min(a, 1) − ℓ_eff/β``.

**Assumption for the collapse term** (stated because it cannot be avoided): the exact reduction
needs OLS generators, ``T0 >= d + 2``, so ``d = ∞`` is impossible. We let the dimension grow with
the generators, ``d = φ0 T0`` with a fixed aspect ratio ``φ0 ∈ (0, 1)``, ``T0 = τ T^a`` (``a >= 0``;
``a = 0`` is a fixed ``T0``), and assume ``d ≫ κ^(−1/β)`` (the spectrum's cut-off at ``d`` is
invisible to ``df_m``; true at the optimum when ``a > ℓ/β``). The finite-``d`` formula of
:mod:`modelcollapse.theory.collapse`, ``ρ = df_2 (T + d − 2 df_1)/((T − df_2)(T0 − d − 1))``, then
reduces to ``(df_2/T)(T/T0 + φ0)/(1 − φ0)`` to leading order (``df_m ≪ T``, ``T0 → ∞``):
synthetic data act like extra label noise ``σ_eff² = σ² + n σ0² (T/T0 + φ0)/(1 − φ0)``, of size
``T^(max(1−a, 0))``.

**Results.** (numbers from these expressions: :mod:`modelcollapse.numerics.scaling`) ``ℓ_crit = β/(1 + 2βr')`` balances
bias and variance; clean data: rate
``2βr'/(1+2βr')`` (noisy) or ``2βr'`` (noiseless, ``ℓ >= β``); synthetic data: ``ℓ* = min(a,1) ℓ_crit``
and rate ``min(a,1)·2βr'/(1+2βr')`` whatever ``σ`` (the fast-to-slow crossover); fixed ``T0``: a
plateau ``(nσ0²/T0)^(2βr'/(1+2βr'))``.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory import collapse
from modelcollapse.theory.provenance import asymptotic
from modelcollapse.theory.registry import named_result
from modelcollapse.theory.symbols import T0, T, beta, d, df2, kappa, n, phi0, r, sigma, sigma0, w0_norm

__all__ = [
    "ell", "a", "df_constant", "df_small_kappa", "bias_constant", "bias_small_kappa",
    "bias_exponent", "variance_exponent", "collapse_exponent",
    "rate", "ell_crit", "ell_opt", "ell_opt_clean", "rate_clean", "rate_collapse", "plateau",
    "collapse_rho_powerlaw", "collapse_rho_leading", "effective_noise", "optimal_kappa", "optimal_kappa_law",
    "SIGMA_EFF2",
    "plateau_exponent", "phase_table", "ELL_EFF", "R_EFF", "A_EFF",
]

ell = sp.Symbol("ell", nonnegative=True)  # λ = T^(−ℓ)
a = sp.Symbol("a", nonnegative=True)  # T0 ∝ T^a
_x = sp.Symbol("x", positive=True)
_s = sp.Symbol("s", positive=True)  # parametrises β = 1 + s, r = 1/(1+s) when picking branches

R_EFF = sp.Min(r, 1)  # saturation of the source condition at r = 1
ELL_EFF = sp.Min(ell, beta)  # the ridge stops mattering below the ridgeless κ ≍ T^(−β)
A_EFF = sp.Min(a, 1)  # T0 ≫ T: the φ0 term of ρ takes over from T/T0
PROVENANCE = "asymptotic (T → ∞, d = ∞ or d = φ0 T0 ≫ κ^(−1/β))"
SOURCE = "Dohmatob, Feng & Kempe 2024, Sec. 5; THEORY.md 3.6"


def _branch(expr: sp.Basic, condition_subs: dict) -> sp.Expr:
    """The branch of a ``Piecewise`` (from ``integrate``) whose condition holds under ``condition_subs``."""
    if not isinstance(expr, sp.Piecewise):
        return expr
    for value, cond in expr.args:
        if cond is sp.true or sp.simplify(cond.subs(condition_subs)) is sp.true:
            return value
    raise ValueError(f"no branch of {expr} holds for {condition_subs}")


# -- small-κ constants ------------------------------------------------------------------------------

def df_constant(m: int) -> sp.Expr:
    """``C_m = ∫_0^∞ dx/(1+x^β)^m`` for ``β > 1`` (SymPy ``integrate``), so ``df_m ≈ C_m κ^(−1/β)``."""
    integral = sp.integrate(1 / (1 + _x**beta) ** m, (_x, 0, sp.oo))
    return sp.simplify(_branch(integral, {beta: 1 + _s}))


def df_small_kappa(m: int) -> sp.Expr:
    """``df_m(κ) = C_m κ^(−1/β) + ζ(0) − m ζ(−β) κ + O(κ²)`` (``d = ∞``).

    Mellin transform: ``Σ_j g(κj^β) = (1/2πi)∫ M[g](s) κ^(−s) ζ(βs) ds`` with
    ``g(t) = (1+t)^(−m)``, ``M[g](s) = Γ(s)Γ(m−s)/Γ(m)``; residues at ``s = 1/β`` (giving
    ``C_m = M[g](1/β)/β``), ``s = 0`` (``g(0)ζ(0)``) and ``s = −1`` (``−m ζ(−β) κ``).
    """
    return df_constant(m) * kappa ** (-1 / beta) + sp.zeta(0) - m * sp.zeta(-beta) * kappa


@named_result("scaling_df1", title="df_1 of a power-law spectrum as kappa -> 0 (d = inf)",
              lhs=r"\operatorname{df}_1(\kappa)",
              provenance=asymptotic("asymptotic, kappa -> 0, error O(kappa^2)"), source=SOURCE, relation=r"\sim")
def _df1_small_kappa() -> sp.Expr:
    return df_small_kappa(1)


@named_result("scaling_df2", title="df_2 of a power-law spectrum as kappa -> 0 (d = inf)",
              lhs=r"\operatorname{df}_2(\kappa)",
              provenance=asymptotic("asymptotic, kappa -> 0, error O(kappa^2)"), source=SOURCE, relation=r"\sim")
def _df2_small_kappa() -> sp.Expr:
    return df_small_kappa(2)


def bias_constant() -> sp.Expr:
    """``C_B = ∫_0^∞ x^(2β−1−2βr)/(1+x^β)² dx / ζ(1+2βr)`` for ``0 < r < 1`` (unit ``‖w0‖²_Σ``).

    ``κ² S_B(κ) ≈ C_B κ^(2r)``: substitute ``x → x κ^(−1/β)`` in ``κ² Σ_j λ_j c_j²/(λ_j+κ)²``.
    """
    integral = sp.simplify(_branch(sp.integrate(_x ** (2 * beta - 1 - 2 * beta * r) / (1 + _x**beta) ** 2,
                                                (_x, 0, sp.oo)),
                                   {beta: 1 + _s, r: 1 / (1 + _s)}))
    # SymPy returns π(1−2r)/(β sin 2πr), 0/0 at r = 1/2; the equal Beta-function form has no such point.
    beta_form = sp.gamma(2 - 2 * r) * sp.gamma(2 * r) / beta
    if sp.simplify(sp.gammasimp(beta_form) - integral) != 0:
        raise AssertionError(f"bias constant: {integral} != {beta_form}")
    return beta_form / sp.zeta(1 + 2 * beta * r)


@named_result("scaling_bias_sum", title="Clean bias numerator kappa^2 S_B as kappa -> 0 (source teacher, r < 1)",
              lhs=r"\kappa^2 S_{w_0}(\kappa)",
              provenance=asymptotic("asymptotic, kappa -> 0, 0 < r < 1, error O(kappa^3)"), source=SOURCE,
              relation=r"\sim")
def bias_small_kappa() -> sp.Expr:
    """``κ² S_B = C_B κ^(2r) + κ² ζ(1+2βr−2β)/ζ(1+2βr) + O(κ³)`` (``0 < r < 1``; Mellin, as for ``df_m``).

    For ``r > 1`` the two powers swap: ``κ² ζ(1+2βr−2β)/ζ(1+2βr)`` leads (saturation); at ``r = 1``
    the poles merge into ``κ² log(1/κ)``.
    """
    return bias_constant() * kappa ** (2 * r) + kappa**2 * sp.zeta(1 + 2 * beta * r - 2 * beta) / sp.zeta(
        1 + 2 * beta * r
    )


# -- the collapse term with growing generators ------------------------------------------------------

def collapse_rho_powerlaw() -> sp.Expr:
    """``ρ`` of :mod:`modelcollapse.theory.collapse` with ``d = φ0 T0`` (the model used for scaling).

    ``df_1, df_2`` are then those of the infinite spectrum (``d ≫ κ^(−1/β)``).
    """
    return collapse.collapse_rho().subs(d, phi0 * T0)


@named_result("scaling_collapse_rho", title="Collapse per generation, d = phi0 T0, leading order", lhs=r"\rho",
              provenance=asymptotic("asymptotic: df_m << T, T0 -> infinity at fixed phi0 = d/T0 < 1"), source=SOURCE,
              relation=r"\sim")
def collapse_rho_leading() -> sp.Expr:
    """``ρ ≈ (df_2/T)(T/T0 + φ0)/(1 − φ0)``: the leading order of :func:`collapse_rho_powerlaw`.

    Derived, not typed: drop ``df_1, df_2`` against ``T`` and ``1`` against ``T0`` (scale
    ``T → T/ε``, ``T0 → T0/ε`` with ``ε → 0`` and keep the leading power of ``ε``).
    """
    eps = sp.Symbol("epsilon", positive=True)
    full = collapse_rho_powerlaw()
    # df_m = O(1), T, T0 = O(1/ε): ρ = O(ε); its ε-coefficient, with ε = 1 put back, is the
    # leading-order formula (it is homogeneous of degree −1 in (T, T0)).
    scaled = full.subs({T: T / eps, T0: T0 / eps}, simultaneous=True)
    leading = sp.limit(scaled / eps, eps, 0)
    return sp.factor(sp.simplify(leading))


@named_result("scaling_effective_noise", args=(sigma, n, sigma0, T, T0, phi0),
              title="Synthetic data as extra label noise", lhs=r"\sigma_{\mathrm{eff}}^2",
              provenance=asymptotic("asymptotic, as scaling_collapse_rho"), source=SOURCE)
def effective_noise() -> sp.Expr:
    """``σ_eff² = σ² + n σ0² (T/T0 + φ0)/(1 − φ0)``: variance plus collapse ``= σ_eff² df_2/T``."""
    return sp.simplify(sigma**2 + n * sigma0**2 * collapse_rho_leading() * T / df2)


# -- exponents -----------------------------------------------------------------------------------------

@named_result("scaling_bias_exponent", title="Exponent of the clean bias, lambda = T^-ell", lhs=r"c_B",
              provenance=asymptotic(PROVENANCE), source=SOURCE)
def bias_exponent() -> sp.Expr:
    """``B ≍ T^(−c_B)``, ``c_B = 2 min(ℓ, β) min(r, 1)`` (``κ ≍ T^(−min(ℓ,β))``, ``B ≍ κ^(2 min(r,1))``).

    At exactly ``r = 1`` a factor ``log T`` multiplies the power.
    """
    return 2 * ELL_EFF * R_EFF


@named_result("scaling_variance_exponent", title="Exponent of the variance (over sigma^2)", lhs=r"c_V",
              provenance=asymptotic(PROVENANCE), source=SOURCE)
def variance_exponent() -> sp.Expr:
    """``V/σ² = df_2/(T − df_2) ≍ T^(−c_V)``, ``c_V = 1 − min(ℓ, β)/β``."""
    return 1 - ELL_EFF / beta


@named_result("scaling_collapse_exponent", title="Exponent of the collapse term, T0 proportional to T^a, d = phi0 T0",
              lhs=r"c_C", provenance=asymptotic(PROVENANCE), source=SOURCE)
def collapse_exponent() -> sp.Expr:
    """``n σ0² ρ ≍ T^(−c_C)``, ``c_C = min(a, 1) − min(ℓ, β)/β``: ``(df_2/T)·max(T/T0, φ0)``."""
    return A_EFF - ELL_EFF / beta


def rate(*, noisy: bool = True, synthetic: bool = False) -> sp.Expr:
    """Exponent of the total error at a given ``ℓ``: the smallest exponent of the terms present."""
    terms = [bias_exponent()]
    if noisy:
        terms.append(variance_exponent())
    if synthetic:
        terms.append(collapse_exponent())
    return sp.Min(*terms)


def _balance(rising: sp.Expr, falling: sp.Expr) -> sp.Expr:
    """The ``ℓ <= β`` where an increasing and a decreasing exponent cross (the max of their min).

    Solved on the branch ``min(ℓ,β) = ℓ`` with ``min(r,1)``, ``min(a,1)`` as opaque symbols.
    """
    rho, A = sp.Symbol("rho_", positive=True), sp.Symbol("A_", positive=True)
    branch = {ELL_EFF: ell, R_EFF: rho, A_EFF: A}
    (root,) = sp.solve(sp.Eq(rising.subs(branch), falling.subs(branch)), ell)
    return sp.simplify(root).subs({rho: R_EFF, A: A_EFF})


@named_result("scaling_ell_crit", title="Critical ridge exponent: bias = variance", lhs=r"\ell_{\mathrm{crit}}",
              provenance=asymptotic(PROVENANCE), source=SOURCE)
def ell_crit() -> sp.Expr:
    """``ℓ_crit = β/(1 + 2β min(r,1))``: the ``ℓ`` with ``c_B = c_V`` (the noisy clean optimum)."""
    return _balance(bias_exponent(), variance_exponent())


@named_result("scaling_ell_opt", title="Optimal ridge exponent with synthetic data (T0 ~ T^a)", lhs=r"\ell^{*}",
              provenance=asymptotic(PROVENANCE), source=SOURCE)
def ell_opt() -> sp.Expr:
    """``ℓ* = min(a,1) β/(1 + 2β min(r,1))``: ``c_B = c_C`` (the collapse term dominates ``c_V``)."""
    return _balance(bias_exponent(), collapse_exponent())


def ell_opt_clean(*, noisy: bool = True) -> sp.Expr:
    """Optimal ``ℓ`` on clean data: ``ℓ_crit`` (noisy) or ``β`` (noiseless: any ``ℓ >= β``, ``λ → 0``)."""
    return ell_crit() if noisy else beta


@named_result("scaling_rate_clean", title="Best error exponent on clean noisy data", lhs=r"c_{\mathrm{clean}}",
              provenance=asymptotic(PROVENANCE), source=SOURCE)
def rate_clean(*, noisy: bool = True) -> sp.Expr:
    """``2βr'/(1+2βr')`` with label noise, ``2βr'`` without (``r' = min(r,1)``)."""
    return sp.simplify(bias_exponent().subs(ELL_EFF, ell).subs(ell, ell_opt_clean(noisy=noisy)))  # ℓ_crit <= β


@named_result("scaling_rate_clean_noiseless", title="Best error exponent on clean noiseless data",
              lhs=r"c_{\mathrm{clean}}^{\sigma=0}",
              provenance=asymptotic(PROVENANCE), source=SOURCE)
def _rate_clean_noiseless() -> sp.Expr:
    return rate_clean(noisy=False)


@named_result("scaling_rate_collapse", title="Best error exponent with synthetic data (T0 ~ T^a)",
              lhs=r"c_{\mathrm{collapse}}",
              provenance=asymptotic(PROVENANCE), source=SOURCE)
def rate_collapse() -> sp.Expr:
    """``min(a,1)·2βr'/(1+2βr')``, noisy or not: the fast-to-slow crossover."""
    return sp.simplify(bias_exponent().subs(ELL_EFF, ell).subs(ell, ell_opt()))  # ℓ* <= β


@named_result("scaling_plateau", title="Error plateau with a fixed generator size T0", lhs=r"E_{\mathrm{test}}",
              provenance=asymptotic("asymptotic, T >> T0, order of magnitude (constants dropped)"), source=SOURCE,
              relation=r"\asymp")
def plateau() -> sp.Expr:
    """``(n σ0²/T0)^(2βr'/(1+2βr'))``: the minimum over ``κ`` of ``κ^(2r') + X κ^(−1/β)``, ``X = nσ0²/T0``.

    With ``T ≫ T0`` the collapse term is ``≈ X df_2(κ)/(1 − φ0) ≍ X κ^(−1/β)`` whatever ``T``; the
    error therefore stops improving with ``T`` (constants dropped: an order of magnitude).
    """
    rho, k, X = (sp.Symbol(name, positive=True) for name in ("rho_", "k", "X"))
    err = k ** (2 * rho) + X * k ** (-1 / beta)
    (k_star,) = sp.solve(sp.diff(err, k), k)
    k_exponent = sp.simplify(X * sp.diff(sp.expand_log(sp.log(k_star), force=True), X))  # κ* ∝ X^(β/(1+2βr'))
    return (n * sigma0**2 / T0) ** sp.factor(2 * rho * k_exponent).subs(rho, R_EFF)


@named_result("scaling_plateau_exponent", title="Exponent of n sigma0^2/T0 in the fixed-T0 plateau",
              lhs=r"c_{\mathrm{plateau}}",
              provenance=asymptotic("asymptotic, T >> T0 (exponent of the order of magnitude)"), source=SOURCE)
def plateau_exponent() -> sp.Expr:
    """``2βr'/(1+2βr')``: the power of ``nσ0²/T0`` in :func:`plateau` (read off the derived expression)."""
    base, exponent = plateau().as_base_exp()
    if sp.simplify(base - n * sigma0**2 / T0) != 0:  # pragma: no cover
        raise AssertionError(f"plateau base {base}")
    return exponent


SIGMA_EFF2 = sp.Symbol("sigma_eff2", positive=True)  # σ_eff², see effective_noise()


@named_result("scaling_optimal_kappa_law",
              title="Asymptotically optimal effective ridge in terms of the effective noise",
              lhs=r"\kappa^{*}", args=(beta, r, T, SIGMA_EFF2, w0_norm), relation=r"\sim",
              provenance=asymptotic("asymptotic, T -> infinity, 0 < r < 1"), source=SOURCE)
def optimal_kappa_law() -> sp.Expr:
    """``κ* = (σ_eff² C_2/(2rβ ‖w0‖² C_B T))^(β/(1+2βr))`` in terms of the symbol ``σ_eff²`` (``0 < r < 1``).

    Minimiser of ``‖w0‖² C_B κ^(2r) + σ_eff² C_2 κ^(−1/β)/T`` (bias plus variance-and-collapse at
    leading order): its derivative vanishes where ``κ^(2r+1/β) = σ_eff² C_2/(2rβ ‖w0‖² C_B T)``.
    """
    return (SIGMA_EFF2 * df_constant(2) / (2 * r * beta * w0_norm**2 * bias_constant() * T)) ** (
        beta / (1 + 2 * beta * r)
    )


@named_result("scaling_optimal_kappa", title="Asymptotically optimal effective ridge (0 < r < 1)", lhs=r"\kappa^{*}",
              provenance=asymptotic("asymptotic, T -> infinity, 0 < r < 1; lambda* = kappa* (1 + o(1))"), source=SOURCE,
              relation=r"\sim")
def optimal_kappa() -> sp.Expr:
    """:func:`optimal_kappa_law` with ``σ_eff² = σ² + nσ0²(T/T0 + φ0)/(1−φ0)`` (:func:`effective_noise`).

    ``λ* = κ*(1 − df_1(κ*)/T) = κ*(1 + o(1))``.
    """
    return optimal_kappa_law().subs(SIGMA_EFF2, effective_noise())


def _optimal_kappa_objective():
    """``(κ ↦ C_B κ^(2r) + σ_eff² C_2 κ^(−1/β)/T, κ symbol)``: what :func:`optimal_kappa` minimises."""
    k = sp.Symbol("k", positive=True)
    return w0_norm**2 * bias_constant() * k ** (2 * r) + SIGMA_EFF2 * df_constant(2) * k ** (-1 / beta) / T, k


def phase_table(*, noisy: bool = True, synthetic: bool = True) -> list[tuple[str, sp.Basic, sp.Expr]]:
    """The phases over ``ℓ`` as ``(dominant term, condition on ℓ, exponent of the error)``.

    Symbolic in ``β, r, a``; ``ℓ_b`` is the balance point (``ℓ*`` with synthetic data,
    ``ℓ_crit`` on clean noisy data, ``β`` on clean noiseless data).
    """
    if not noisy and not synthetic:
        return [("bias", sp.Le(ell, beta), bias_exponent().subs(ELL_EFF, ell)),
                ("bias (ridgeless)", sp.Gt(ell, beta), bias_exponent().subs(ELL_EFF, beta))]
    other = "collapse" if synthetic else "variance"
    if synthetic and noisy:
        other = "collapse (= variance when a >= 1)"
    border = ell_opt() if synthetic else ell_crit()
    falling = (collapse_exponent() if synthetic else variance_exponent())
    return [
        ("bias", sp.Lt(ell, border), bias_exponent().subs(ELL_EFF, ell)),
        (other, sp.And(sp.Gt(ell, border), sp.Le(ell, beta)), falling.subs(ELL_EFF, ell)),
        (other + ", ridgeless", sp.Gt(ell, beta), falling.subs(ELL_EFF, beta)),
    ]
