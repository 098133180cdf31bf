"""Tail-cutting generators: every generator passes on only its top-``k`` eigendirections (THEORY.md §3.13).

Setting (the regression analogue of Dohmatob, Feng, Yang, Charton & Kempe, *A Tale of Tails: Model
Collapse as a Change of Scaling Laws*, ICML 2024, arXiv:2402.07043, whose generators lose the tail
of a Zipf law). ``x ~ N(0, Σ)``, ``Σ = diag(λ_1 ≥ … ≥ λ_d)`` in its eigenbasis; ``P_k`` projects on
the first ``k`` coordinates, the **population** eigendirections of ``Σ`` (the basis every result of
the toolkit lives in). Generation ``m`` fits ``ŵ_m`` on ``T0_m`` fresh rows labelled by
``x·w̃_{m−1} + ε`` (``w̃_0 = w0``, noise ``σ0_m``) and passes on ``w̃_m = P_k ŵ_m``; the downstream
ridge fits ``T`` rows labelled by ``x·w̃_n + ε`` (noise ``σ``). The literature's tail cut is that of
the generator's own distribution; with ``T0 → ∞`` the empirical eigenbasis of a fit tends to the
population one, and the population cut is the tractable version carried here.

**Exact reduction** (OLS generators, ``T0_m >= d + 2``). ``ŵ_m = w̃_{m−1} + δ_m`` with
``δ_m = X_m⁺E_m``, ``E δ_m δ_mᵀ = σ0_m² Σ⁻¹/(T0_m − d − 1)`` (inverse-Wishart mean), so
``w̃_n = P_k w0 + P_k(δ_1 + … + δ_n)``: the generators pass on a truncated teacher *and truncated
noise*. With the downstream smoother ``A = (Σ̂ + λ)⁻¹Σ̂``:

    E_test = E_clean(P_k w0) + Σ_{j>k} λ_j c_j² + Σ_m σ0_m²/(T0_m − d − 1) · E tr(AᵀΣAΣ⁻¹P_k).

The cross term between the learned head ``(A − I)P_k w0`` and the missing tail ``(I − P_k)w0``
vanishes because ``E (A − I)ᵀΣ`` is diagonal (sign flips ``x_j → −x_j`` are symmetries of the
Gaussian design), and ``P_k`` and ``Σ⁻¹`` commute. OLS downstream (``A = I``):
``E_test = σ² d/(T − d − 1) + Σ_m σ0_m² k/(T0_m − d − 1) + Σ_{j>k} λ_j c_j²`` — exact.

**Deterministic equivalent of the truncated trace.** Per eigendirection,
``E(AᵀΣA)_jj/λ_j = 1 − 2 E B_jj + E(BΣB)_jj/λ_j`` with ``B = I − A``, ``B ≃ κ(Σ+κ)⁻¹`` and
``BΣB ≃ κ²Σ(Σ+κ)⁻²/(1 − df_2/T)``; summing ``j <= k``:

    E tr(AᵀΣAΣ⁻¹P_k) ≃ df_2^(k) + (k − 2 df_1^(k) + df_2^(k)) · df_2/(T − df_2),

``df_m^(k) = Σ_{j<=k} λ_j^m/(λ_j + κ)^m`` (partial sums), ``df_2`` the full one. At ``k = d`` it is
the collapse trace ``df_2(T + d − 2 df_1)/(T − df_2)`` of :mod:`modelcollapse.theory.collapse`
(checked symbolically by :func:`trace_truncated_at_d`).

**Power laws** (``λ_j = j^(−β)``, source teacher ``λ_j c_j² = j^(−1−2βr)/ζ(1+2βr)``, ``d = ∞``): the
tail is exactly ``ζ(1+2βr, k+1)/ζ(1+2βr)`` (Hurwitz), ``≍ k^(−2βr)/(2βr ζ(1+2βr))``. With
``k ≍ T^c`` the error exponent is ``min(2βr c, 2βr'/(1+2βr'))`` (noisy, ``r' = min(r, 1)``): the
generator's cut caps the clean rate, and with a fixed ``k`` the error stops improving (loss of
scaling) once ``T ≳ k^(2βr/rate)`` — the Tale-of-Tails theorem's ``T^(−c) + k^(−β')`` in the
regression model, with ``β' = 2βr``.

Measured accuracy: see :mod:`modelcollapse.numerics.tailcut` (simulation, d = 60–200).
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory import collapse, scaling
from modelcollapse.theory.derivation import EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import asymptotic, equivalent, exact
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.symbols import T0, T, beta, d, df1, df2, eigenvalue, j, kappa, n, r, sigma, sigma0

__all__ = [
    "keep", "df1_head", "df2_head", "bias_head", "tail", "generator_factor_symbol", "c_growth",
    "tail_energy", "ols_exact", "truncated_trace", "trace_truncated_at_d", "trace_derivation", "test_error",
    "optimal_keep_ols", "powerlaw_tail_exact", "powerlaw_tail", "tail_exponent", "bias_exponent_truncated",
    "rate", "rate_best", "rate_best_noiseless", "loss_of_scaling_size", "SOURCE",
]

SOURCE = "Dohmatob, Feng, Yang, Charton & Kempe 2024 (arXiv:2402.07043), regression analogue; THEORY.md 3.13"

keep = sp.Symbol("k_top", positive=True, integer=True)  # generators.keep_top = k
df1_head = sp.Symbol("df_1^(k)", nonnegative=True)  # Σ_{j<=k} λ_j/(λ_j+κ)
df2_head = sp.Symbol("df_2^(k)", nonnegative=True)  # Σ_{j<=k} λ_j²/(λ_j+κ)²
bias_head = sp.Symbol("S_B^(k)", nonnegative=True)  # Σ_{j<=k} λ_j c_j²/(λ_j+κ)²
tail = sp.Symbol("E_tail", nonnegative=True)  # Σ_{j>k} λ_j c_j²
generator_factor_symbol = sp.Symbol("G", nonnegative=True)  # Σ_m σ0_m²/(T0_m − d − 1)
c_growth = sp.Symbol("c", nonnegative=True)  # keep_top ∝ T^c
_c = sp.IndexedBase("c", real=True)


@named_result("tailcut_tail", title="Energy of the teacher's tail the generators do not pass on",
              lhs=r"E_{\mathrm{tail}}",
              provenance=exact("exact (definition; population eigenbasis of Sigma)"), source=SOURCE)
def tail_energy() -> sp.Expr:
    """``Σ_{j>k} λ_j c_j² = ‖(I − P_k)w0‖²_Σ`` (printed only: the numeric layer sums the teacher's weights)."""
    return sp.Sum(eigenvalue[j] * _c[j] ** 2, (j, keep + 1, d))


@named_result("tailcut_ols_exact", title="Test error with tail-cutting OLS generators and an OLS downstream",
              lhs=r"E_{\mathrm{test}}", args=(sigma, T, d, n, sigma0, T0, keep, tail),
              provenance=exact("exact (Gaussian design, OLS generators T0 >= d + 2, OLS downstream T >= d + 2)"),
              source=SOURCE)
def ols_exact() -> sp.Expr:
    """``σ² d/(T − d − 1) + n σ0² k/(T0 − d − 1) + Σ_{j>k} λ_j c_j²`` (equal generations; module docstring).

    The downstream sees every direction (variance ``d``), the generators' noise only ``k`` of them.
    """
    return collapse.ols_variance() + n * sigma0**2 * keep / (T0 - d - 1) + tail


@register_derivation("derivation_tailcut_trace", derives="tailcut_trace")
def trace_derivation() -> Derivation:
    """``E tr(AᵀΣAΣ⁻¹P_k)`` per eigendirection, then summed over the head ``j <= k`` (module docstring)."""
    lj = eigenvalue[j]
    b1 = kappa / (lj + kappa)  # first-order B_jj
    b2 = kappa**2 * lj / ((lj + kappa) ** 2 * (1 - df2 / T))  # second-order (BΣB)_jj
    per_direction = sp.factor(sp.together(1 - 2 * b1 + b2 / lj))
    u = lj / (lj + kappa)  # summand of df_1; κ/(λ+κ) = 1 − u
    split = u**2 + (1 - u) ** 2 * df2 / (T - df2)
    if sp.simplify(split - per_direction) != 0:  # pragma: no cover
        raise AssertionError(f"per-direction trace: {split} != {per_direction}")
    head = truncated_trace()
    lhs = sp.Symbol(r"E\,tr(A^T Sigma A Sigma^-1 P_k)")
    steps = (
        Step(name="diagonal", statement="AᵀΣA = Σ − BΣ − ΣB + BΣB; P_k and Σ⁻¹ diagonal: only (AᵀΣA)_jj/λ_j, j ≤ k",
             lhs=lhs, rhs=sp.Sum(sp.Symbol("a_j"), (j, 1, keep))),
        Step(name="per_direction", statement="B_jj ≃ κ/(λ_j + κ), (BΣB)_jj ≃ κ²λ_j/((λ_j + κ)²(1 − df₂/T))",
             lhs=sp.Symbol("a_j"), rhs=per_direction, relation=EQUIVALENT),
        Step(name="split", statement="with u_j = λ_j/(λ_j + κ): u_j² + (1 − u_j)² df₂/(T − df₂)",
             lhs=sp.Symbol("a_j"), rhs=split, relation=EQUIVALENT),
        Step(name="head_sums", statement="sum over j ≤ k; name the partial sums df_m^(k)",
             lhs=lhs, rhs=head, relation=EQUIVALENT),
        Step(name="full", statement="k = d: the collapse trace of THEORY.md 3.3",
             lhs=sp.Subs(lhs, keep, d), rhs=trace_truncated_at_d(), relation=EQUIVALENT),
    )
    return Derivation(title="Truncated collapse trace E tr(AᵀΣAΣ⁻¹P_k)", steps=steps, source=SOURCE)


@named_result("tailcut_trace", title="Collapse trace of the downstream on the kept directions",
              lhs=r"E\,\mathrm{tr}(A^\top\Sigma A\Sigma^{-1}P_k)", args=(keep, df1_head, df2_head, df2, T),
              provenance=equivalent("deterministic equivalent (first order in 1/d)"), source=SOURCE,
              relation=r"\simeq")
def truncated_trace() -> sp.Expr:
    """``df_2^(k) + (k − 2 df_1^(k) + df_2^(k)) df_2/(T − df_2)`` (derivation ``derivation_tailcut_trace``)."""
    return df2_head + (keep - 2 * df1_head + df2_head) * df2 / (T - df2)


def trace_truncated_at_d() -> sp.Expr:
    """:func:`truncated_trace` at ``k = d`` (head sums = full sums), checked equal to ``collapse_trace``."""
    full = truncated_trace().subs({keep: d, df1_head: df1, df2_head: df2})
    if sp.simplify(full - collapse.collapse_trace()) != 0:  # pragma: no cover
        raise AssertionError(f"truncated trace at k = d: {full} != {collapse.collapse_trace()}")
    return sp.factor(sp.together(full))


@named_result("tailcut_test_error", title="Test error with tail-cutting OLS generators, ridge downstream",
              lhs=r"E_{\mathrm{test}}",
              args=(kappa, bias_head, df2, T, sigma, tail, generator_factor_symbol, keep, df1_head, df2_head),
              provenance=equivalent("exact reduction; deterministic equivalents of the downstream (first order)"),
              source=SOURCE, relation=r"\simeq")
def test_error() -> sp.Expr:
    """``κ² S_B^(k)/(1 − df_2/T) + σ² df_2/(T − df_2) + E_tail + G·tr_k`` (``G = Σ_m σ0_m²/(T0_m − d − 1)``).

    The clean bias of the truncated teacher, the variance, the tail, and the truncated collapse
    trace; with ``G = 0`` this is THEORY.md §3.13's formula for a perfect tail-cutting generator.
    """
    return (collapse.clean_bias().subs(collapse.bias_sum, bias_head) + collapse.clean_variance() + tail
            + generator_factor_symbol * truncated_trace())


@named_result("tailcut_optimal_k", title="Best cut with OLS generators and downstream",
              lhs=r"k^{*}", provenance=exact("exact (OLS generators and downstream; weights decreasing in j)"),
              source=SOURCE)
def optimal_keep_ols() -> sp.Expr:
    """``k* = #{j : λ_j c_j² > G}``: direction ``j`` costs ``G = Σ_m σ0_m²/(T0_m − d − 1)`` and brings ``λ_j c_j²``.

    From :func:`ols_exact`: ``E(k) − E(k−1) = G − λ_k c_k²``, so (weights decreasing) the error
    falls while the kept direction carries more energy than the noise it lets through.
    """
    return sp.Sum(sp.Piecewise((1, eigenvalue[j] * _c[j] ** 2 > generator_factor_symbol), (0, True)), (j, 1, d))


# -- power laws -------------------------------------------------------------------------------------
_s = sp.Symbol("s", positive=True)  # 2βr
_x = sp.Symbol("x", positive=True)


@named_result("tailcut_powerlaw_tail_exact", title="Tail of the source teacher on an infinite power law",
              lhs=r"E_{\mathrm{tail}}", args=(beta, r, keep),
              provenance=exact("exact (d = inf, source teacher, unit norm)"), source=SOURCE)
def powerlaw_tail_exact() -> sp.Expr:
    """``Σ_{j>k} j^(−1−2βr)/ζ(1+2βr) = ζ(1+2βr, k+1)/ζ(1+2βr)`` (Hurwitz zeta)."""
    return sp.zeta(1 + 2 * beta * r, keep + 1) / sp.zeta(1 + 2 * beta * r)


@named_result("tailcut_powerlaw_tail", title="Tail of the source teacher as k grows", lhs=r"E_{\mathrm{tail}}",
              args=(beta, r, keep), relation=r"\sim",
              provenance=asymptotic("asymptotic, k -> infinity (relative error O(1/k))"), source=SOURCE)
def powerlaw_tail() -> sp.Expr:
    """``k^(−2βr)/(2βr ζ(1+2βr))``: the integral ``∫_k^∞ x^(−1−2βr) dx`` (SymPy) over ``ζ(1+2βr)``.

    Euler–Maclaurin: the sum over ``j > k`` is the integral minus ``k^(−1−2βr)/2 + O(k^(−2−2βr))``.
    """
    integral = sp.powsimp(sp.integrate(_x ** (-1 - _s), (_x, keep, sp.oo)))
    return (integral / sp.zeta(1 + _s)).subs(_s, 2 * beta * r)


@named_result("tailcut_tail_exponent", title="Exponent of the tail with keep_top ~ T^c", lhs=r"c_{\mathrm{tail}}",
              provenance=asymptotic(scaling.PROVENANCE), source=SOURCE)
def tail_exponent() -> sp.Expr:
    """``E_tail ≍ T^(−2βrc)`` for ``k ≍ T^c`` (the source exponent is not saturated: the tail is not learned)."""
    k_power = sp.Symbol("K", positive=True)
    expr = powerlaw_tail().subs(keep, k_power)
    slope = sp.simplify(-k_power * sp.diff(sp.log(expr), k_power))  # −d log E/d log k
    return sp.factor(slope * c_growth)


@named_result("tailcut_bias_exponent", title="Exponent of the clean bias of the truncated teacher (k ~ T^c)",
              lhs=r"c_B^{(k)}", provenance=asymptotic(scaling.PROVENANCE), source=SOURCE)
def bias_exponent_truncated() -> sp.Expr:
    """``2ℓ' − 2β max(1 − r, 0) min(c, ℓ'/β)``, ``ℓ' = min(ℓ, β)`` (equal to ``2ℓ' min(r,1)`` once ``c >= ℓ'/β``).

    ``κ² Σ_{j<=k} j^(2β(1−r)−1)`` over the learned head ``j <= min(k, κ^(−1/β))`` plus the unlearned
    kept directions: ``≍ κ² min(k, κ^(−1/β))^(2β(1−r))`` for ``r < 1``, ``≍ κ²`` for ``r > 1``.
    """
    ell_eff = scaling.ELL_EFF
    return 2 * ell_eff - 2 * beta * sp.Max(1 - r, 0) * sp.Min(c_growth, ell_eff / beta)


def rate(*, noisy: bool = True) -> sp.Expr:
    """Error exponent at ``ℓ`` and ``c``: the smallest of the bias, variance and tail exponents."""
    terms = [bias_exponent_truncated(), tail_exponent()]
    if noisy:
        terms.append(scaling.variance_exponent())
    return sp.Min(*terms)


@named_result("tailcut_rate", title="Best error exponent with tail-cut synthetic data, keep_top ~ T^c (noisy)",
              lhs=r"c_{\mathrm{cut}}", provenance=asymptotic(scaling.PROVENANCE), source=SOURCE)
def rate_best() -> sp.Expr:
    """``min(2βrc, 2βr'/(1+2βr'))``: the tail caps the clean rate; ``ℓ = ℓ_crit`` stays optimal.

    At ``ℓ_crit`` the truncated bias exponent equals the clean one when ``c >= ℓ_crit/β`` (else it is
    larger, but then the tail ``2βrc < 2βr'/(1+2βr')`` is the smallest term), so the maximum over ``ℓ``
    of :func:`rate` is this minimum (checked against a grid in ``ℓ`` by the tests).
    """
    return sp.Min(tail_exponent(), scaling.rate_clean())


@named_result("tailcut_rate_noiseless", title="Best error exponent with tail-cut data, keep_top ~ T^c (sigma = 0)",
              lhs=r"c_{\mathrm{cut}}^{\sigma=0}", provenance=asymptotic(scaling.PROVENANCE), source=SOURCE)
def rate_best_noiseless() -> sp.Expr:
    """``min(2βrc, 2β min(r, 1))`` (``ℓ >= β``: the ridge vanishes)."""
    return sp.Min(tail_exponent(), scaling.rate_clean(noisy=False))


@named_result("tailcut_loss_of_scaling", title="Sample size where a fixed cut k stops the scaling law",
              lhs=r"T_{\mathrm{plateau}}", args=(beta, r, keep), relation=r"\asymp",
              provenance=asymptotic("asymptotic, order of magnitude (noisy, clean rate 2βr'/(1+2βr'))"), source=SOURCE)
def loss_of_scaling_size() -> sp.Expr:
    """``k^(2βr/c_clean)`` (``= k^(1+2βr)`` for ``r <= 1``): where ``T^(−c_clean)`` meets the tail ``k^(−2βr)``."""
    t = sp.Symbol("T", positive=True)
    rate_clean = scaling.rate_clean()
    (root,) = sp.solve(sp.Eq(sp.log(t) * rate_clean, 2 * beta * r * sp.log(keep)), t)
    return sp.simplify(root)

