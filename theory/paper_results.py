"""The paper's derived statements as registered results (arXiv:2402.07712; THEORY.md §3.12).

* **Worse than the null predictor.** OLS generators (``T0 >= d + 2``) and an OLS downstream
  (``T >= d + 2``): ``E_test(n) = σ²d/(T−d−1) + nσ0²d/(T0−d−1)`` exactly (``ols_exact``), against
  ``‖w0‖²_Σ`` for ``ŵ = 0``. Solving ``E_test(n) = ‖w0‖²_Σ`` for ``n`` gives the exact threshold
  ``n* = (SNR0 − σ²d/(σ0²(T−d−1)))·(T0−d−1)/d``, ``SNR0 = ‖w0‖²_Σ/σ0²``; the collapsed model is worse
  than predicting zero for every ``n > n*``. With a noiseless (or infinitely large) downstream and
  ``d, T0 → ∞`` at ``φ0 = d/T0`` it is the paper's ``SNR0·(1/φ0 − 1)``.
* **Growing generator data.** Generation ``m`` fits ``T_m`` samples, ``T_1 = T0`` and
  ``T_m = m log²m·T0`` (``m >= 2``): the chain error is exactly ``e_n = Σ_m σ0²d/(T_m − d − 1)``, and
  ``e_n/e_1 → 1 + Σ_{m=2}^n 1/(m log²m)`` as ``d/T0 → 0``: bounded in ``n`` by
  ``1 + Σ_{m≥2} 1/(m log²m) = 3.1097…`` times the error of the first (clean) model — the series
  converges (Cauchy condensation: ``Σ 1/(k² log²2)``), where ``T_m = m T0`` would give ``log n``.
* **Proposition F.6** (``T0 < d``, one minimum-norm generator, unit ``σ0``): per eigendirection,
  ``ρ_j = [λ_j⁴ + κ²λ_j² df_2(κ)/(T − df_2(κ))]/((λ_j+κ0)²(λ_j+κ)²(T0 − df_2(κ0)))``, ``κ0`` the
  generator's ridgeless ``κ`` (``df_1(κ0) = T0``), ``κ`` the downstream's. Identical to this toolkit's
  ``downstream_gain`` ``γ_j`` times the noise part of ``overparam_energy_step_de``,
  ``p_j²/(T0 − df_2)`` (derived in :func:`f6_equals_gain_times_noise`).
* **Lemma F.8** (anisotropic ``Σ``, ``n`` independent smoothers): the paper's diagonal product
  ``E(QᵀΣQ)_jj ≃ λ_j Π_m [λ_j² + κ_m² df_2(κ_m)/(T − df_2(κ_m))]/(λ_j + κ_m)²`` is ``λ_j Π_m γ_j^{(m)}``,
  the per-generation ``downstream_gain`` multiplied; the toolkit's chains (``ridge_energy_step``,
  ``overparam_energy_step_de``) keep the coupling term through ``R = Σ_i (1 − p_i)² t_i`` that the
  product drops. tests/test_paper_results.py measures both against simulation.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory import collapse, overparam
from modelcollapse.theory.provenance import asymptotic, equivalent, exact
from modelcollapse.theory.registry import named_result
from modelcollapse.theory.symbols import T0, T, d, df2, kappa, kappa0, n, phi0, sigma, sigma0

__all__ = ["snr0", "null_predictor_generations", "null_predictor_generations_limit", "growing_chain_term",
           "growing_schedule", "growing_bound", "growing_bound_constant", "f6_summand", "f6_equals_gain_times_noise",
           "f8_product_factor", "lam_j", "df2_0", "m"]

SOURCE = "Dohmatob, Feng & Kempe 2024 (arXiv:2402.07712); THEORY.md 3.12"
snr0 = sp.Symbol("SNR_0", positive=True)  # ‖w0‖²_Σ/σ0²
m = sp.Symbol("m", positive=True, integer=True)  # generation index
lam_j = overparam.lam_j
df2_0 = sp.Symbol("df_2^{(0)}", positive=True)  # df_2(κ0) of the generator


@named_result("null_predictor_generations", args=(snr0, sigma, sigma0, T, T0, d),
              title="Generations after which the collapsed OLS model is worse than predicting zero",
              lhs=r"n^{*}", provenance=exact("exact: OLS generators T0 >= d+2 and OLS downstream T >= d+2"),
              source=SOURCE)
def null_predictor_generations() -> sp.Expr:
    """``n*`` solving ``ols_exact(n) = ‖w0‖²_Σ``, with ``‖w0‖²_Σ = SNR0·σ0²`` (derived, not typed)."""
    err = collapse.ols_exact()
    (root,) = sp.solve(sp.Eq(err, snr0 * sigma0**2), n)
    return sp.factor(sp.simplify(root))


@named_result("null_predictor_generations_limit", title="Worse than the null predictor: the paper's threshold",
              lhs=r"n^{*}", relation=r"\to", source=SOURCE,
              provenance=asymptotic("limit sigma^2 d/(T-d-1) -> 0 (noiseless or infinite downstream), d, T0 -> "
                                    "infinity at phi0 = d/T0"))
def null_predictor_generations_limit() -> sp.Expr:
    """``SNR0 (1/φ0 − 1)``: :func:`null_predictor_generations` at ``σ = 0`` with ``T0 = d/φ0``, ``d → ∞``."""
    exact_n = null_predictor_generations().subs(sigma, 0).subs(T0, d / phi0)
    return sp.simplify(sp.limit(exact_n, d, sp.oo))


def growing_schedule(k) -> sp.Expr:
    """``T_k/T0``: 1 for ``k = 1``, ``k log²k`` for ``k >= 2`` (the paper's schedule)."""
    return sp.Piecewise((1, sp.Eq(k, 1)), (k * sp.log(k) ** 2, True))


@named_result("growing_chain_term", args=(sigma0, d, T0, m),
              title="Chain error added by generation m of T_m = m log^2 m T0 samples",
              lhs=r"e_m - e_{m-1}",
              provenance=exact("exact for OLS generators with T_m >= d + 2 (sum of independent noises)"),
              source=SOURCE)
def growing_chain_term() -> sp.Expr:
    """``σ0² d/(T_m − d − 1)``, ``T_m = T0·growing_schedule(m)``: ``generator_factor`` at ``n = 1``, ``T0 → T_m``."""
    return collapse.generator_factor().subs({n: 1, T0: T0 * growing_schedule(m)}) * d


@named_result("growing_bound_constant", title="The bound on growing-generator collapse: 1 + sum of 1/(m log^2 m)",
              lhs=r"1 + \sum_{m \ge 2} \frac{1}{m \log^2 m}",
              provenance=exact("a convergent series (Cauchy condensation)"),
              source=SOURCE)
def growing_bound_constant() -> sp.Expr:
    """``lim_n (1 + Σ_{m=2}^n 1/(m log²m))`` (its value, 3.1097…, is computed in the numeric layer).

    Written as the limit of the partial sums: a bare ``Sum(..., (m, 2, oo))`` is a SymPy number, and
    printing it makes SymPy try to evaluate the slowly converging series (seconds per print).
    """
    return sp.Limit(1 + sp.Sum(1 / (m * sp.log(m) ** 2), (m, 2, n)), n, sp.oo)


@named_result("growing_bound",
              title="Bounded collapse with T_m = m log^2 m T0: the chain error against the clean model's",
              lhs=r"e_\infty", relation=r"\simeq", source=SOURCE,
              provenance=asymptotic("d/T0 -> 0; exact chain: growing_chain_term summed"))
def growing_bound() -> sp.Expr:
    """``(1 + Σ_{m≥2} 1/(m log²m))·σ0² d/(T0 − d − 1)``: the first (clean) model's error times the constant."""
    return growing_bound_constant() * sigma0**2 * d / (T0 - d - 1)


def _gain(kap):
    a = lam_j / (lam_j + kap)
    return overparam.downstream_gain().subs(overparam.a_j, a)


@named_result("paper_rho_overparam", args=(lam_j, kappa0, kappa, T0, T, df2_0, df2),
              title="Proposition F.6: collapse per unit noise of an over-parameterised generator, one eigendirection",
              lhs=r"\rho_j", relation=r"\simeq", provenance=equivalent("deterministic equivalent (plain, first order)"),
              source=SOURCE + ", Proposition F.6")
def f6_summand() -> sp.Expr:
    """``[λ_j⁴ + κ² λ_j² df_2(κ)/(T − df_2(κ))]/((λ_j+κ0)²(λ_j+κ)²(T0 − df_2(κ0)))`` (as the paper writes it)."""
    return (lam_j**4 + kappa**2 * lam_j**2 * df2 / (T - df2)) / ((lam_j + kappa0) ** 2 * (lam_j + kappa) ** 2
                                                                 * (T0 - df2_0))


def f6_equals_gain_times_noise() -> bool:
    """``ρ_j = γ_j(κ) · p_j²/(T0 − df_2(κ0))``: F.6 is the toolkit's gain on the plain generator noise."""
    p = overparam.shrink()  # λ_j/(λ_j + κ0)
    noise = (
        overparam.energy_step_de()
        .subs({overparam.t_j: 0, overparam.R: 0, sigma0: 1, df2: df2_0})
        .subs(overparam.p_j, p)
    )
    return sp.simplify(_gain(kappa) * noise - f6_summand()) == 0


@named_result("paper_anisotropic_product_factor", args=(lam_j, kappa, T, df2),
              title="Lemma F.8: one factor of the anisotropic product, (Sigma + kappa)^-2 (Sigma^2 + kappa^2 df2/(T - "
                    "df2))",
              lhs=r"(A_m)_{jj}", relation=r"\simeq",
              provenance=equivalent("deterministic equivalent (diagonal product)"),
              source=SOURCE + ", Lemma F.8")
def f8_product_factor() -> sp.Expr:
    """``(λ_j² + κ² df_2/(T − df_2))/(λ_j + κ)²`` — equal to ``downstream_gain`` at ``a_j = λ_j/(λ_j+κ)``."""
    return (lam_j**2 + kappa**2 * df2 / (T - df2)) / (lam_j + kappa) ** 2

