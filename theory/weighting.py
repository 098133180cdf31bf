"""Weighted real and synthetic data in every generation (THEORY.md §3.13; He, Xu & Cheng, arXiv:2502.18049).

The chain (replace scheme). Block ``k`` has ``n_r`` fresh real rows (label ``xᵀw0 + σ0 ε``) and ``n_s``
synthetic rows (label ``xᵀŵ_{k−1} + σ0 ε``), ``x ~ N(0, Σ)``; the generator is the weighted least
squares with total weight ``w`` on the real part and ``1 − w`` on the synthetic part (per-row
weights ``a = w/n_r``, ``b = (1 − w)/n_s``; ``a = b = 1/T0`` is the pooled, unweighted fit at the
*pooling weight* ``w = n_r/T0 = k/(1 + k)``, ``k = n_r/n_s``).

Results (each registered with its provenance):

* **Exact reduction.** With ``M = aX_rᵀX_r + bX_sᵀX_s``, ``Δ_k = ŵ_k − w0`` obeys
  ``Δ_k = bM⁻¹X_sᵀX_s Δ_{k−1} + M⁻¹(aX_rᵀE_r + bX_sᵀE_s)``; in the whitened frame the law of the
  design is rotation invariant and ``Δ_0 = 0``, so ``Cov Δ_k = (e_k/d)Σ⁻¹`` and
  ``e_k = α e_{k−1} + σ0² β`` **exactly**, ``α = E‖bM⁻¹W_s‖_F²/d``, ``β = E tr(M⁻¹(a²W_r + b²W_s)M⁻¹)``
  (``W`` the whitened Gram matrices): Σ does not enter the chain at all.
* **α, β by leave-one-out** (proportional limit, ``T0 > d``): ``q = tr M⁻¹`` solves
  ``n_r aq/(1 + aq) + n_s bq/(1 + bq) = d'`` (a quadratic; ``d' = d + 1``, see below),
  ``τ_s = n_s bq/(d'(1 + bq))`` (the synthetic share of the fit: ``E M⁻¹B ≃ τ_s I``),
  ``S_g = q₂ n_g ω_g²/(1 + ω_g q)²`` with ``q₂ = tr M⁻² = q/Σ_g n_g ω_g/(1 + ω_g q)²``, and
  ``α = τ_s² + S_r τ_s² + S_s(1 − τ_s)²`` (the synthetic rows' target ``Δ`` through the fit: its
  mean ``τ_s Δ`` plus the misfit of each row acting as noise), ``β = (d/d')(S_r + S_s)``.
  ``d' = d + 1`` is the finite-size correction of the one-fit OLS noise (``E tr W⁻¹ = d/(T − d − 1)``):
  with it ``α`` and ``β`` are **exact** at ``w = 0`` and ``w = 1`` (one OLS fit on one part) and
  agree with the exact pooled chain (``replace_real_step``, ``g(T0, n_s, d)``) to ``O(T0⁻²)``.
  Measured against Monte Carlo of the definition (conditional estimator): within 0.2% at
  ``d = 40–50, T0 = 200`` and within 0.62% at ``d = 60, T0 = 160`` (``n_r = 40 < d``).
* **Stationary error** ``e_∞ = σ0² β/(1 − α)`` and after ``n`` equal blocks
  ``e_n = σ0² β (1 − αⁿ)/(1 − α)``; the downstream then sees a centred chain (§3.2, §3.7).
* **Mean estimation** (He, Xu & Cheng, Gaussian mean): ``V(w) = σ²[w²/n_r + (1 − w)²/n_s]/(1 − (1 − w)²)``
  **exact**, minimised at the positive root of ``w² + kw − k = 0``, ``w* = (√(k² + 4k) − k)/2``
  (``(√5 − 1)/2``, the golden-ratio conjugate, at ``k = 1``); naive pooling is ``k/(1 + k)``.
* **Regression, classical limit** ``d/T0 → 0`` at fixed ``d``: ``q → 0``, ``τ_s → 1 − w``,
  ``S_g → d ω_g² n_g``, hence ``e_∞ ~ σ0² d [w²/n_r + (1 − w)²/n_s]/(1 − (1 − w)²)`` — ``d`` times the
  mean-estimation error, with the **same** ``w*`` (asymptotic). At proportional ``d/T0`` the
  argmin of ``e_∞`` is shifted **upwards** by ``O(d/T0)`` (more weight on real data): e.g.
  ``0.648`` against ``0.618`` at ``d = 50, n_r = n_s = 100``; the numerics find it
  (``numerics/weighting.py``, ``optimal_weight``).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory.derivation import ASYMPTOTIC, EQUAL, EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import asymptotic, equivalent, exact
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.symbols import d, n, sigma, sigma0

__all__ = [
    "real_weight", "ratio_k", "n_real", "n_syn", "q_trace", "e_prev",
    "weighted_mean_stationary", "weighted_optimal_weight", "weighted_golden_weight", "weighted_pooling_weight",
    "weighted_q", "weighted_q_residual", "weighted_alpha_form", "weighted_beta_form", "weighted_share_form",
    "weighted_misfit_form", "weighted_alpha", "weighted_beta", "weighted_step", "weighted_stationary",
    "weighted_chain_equal_blocks", "weighted_classical_stationary", "weighting_derivation",
]

real_weight = sp.Symbol("w", positive=True)  # total weight on the real rows, in [0, 1]
ratio_k = sp.Symbol("k", positive=True)  # n_r / n_s
n_real = sp.Symbol("n_r", positive=True, integer=True)  # fresh real rows per block
n_syn = sp.Symbol("n_s", positive=True, integer=True)  # synthetic rows per block
q_trace = sp.Symbol("q", positive=True)  # tr M⁻¹ of the weighted Gram matrix (whitened)
e_prev = sp.Symbol("e_{k-1}", nonnegative=True)
# the printed forms' building blocks (module docstring): the fit's synthetic share and the rows' misfit terms
tau_s = sp.Symbol("tau_s", nonnegative=True)
S_r = sp.Symbol("S_r", nonnegative=True)
S_s = sp.Symbol("S_s", nonnegative=True)
S_g = sp.Symbol("S_g", nonnegative=True)
q2_trace = sp.Symbol("q_2", positive=True)  # tr M⁻²
omega_g = sp.Symbol("omega_g", positive=True)  # a group's per-row weight: a = w/n_r or b = (1 − w)/n_s
n_g = sp.Symbol("n_g", positive=True, integer=True)

_SOURCE = "He, Xu & Cheng 2025 (arXiv:2502.18049); THEORY.md 3.16 (regression equivalent: our result)"
_DE = ("deterministic equivalent (leave-one-out, d' = d + 1; exact at w = 0, 1, O(T0^-2) from exact at the pooling "
       "weight; measured within 0.62% of simulation, d = 40-300, T0 = 160-700)")
_DE_PROVENANCE = equivalent(_DE, allowance=0.01)


def _weights():
    return real_weight / n_real, (1 - real_weight) / n_syn


def _dprime():
    return d + 1


# -- mean estimation (the paper's Gaussian-mean case) ---------------------------------------------------
@named_result("weighted_mean_stationary", title="Weighted real/synthetic mean estimation: stationary variance",
              lhs=r"V(w)", args=(real_weight, n_real, n_syn, sigma),
              provenance=exact("exact (Gaussian mean estimation, fresh real and synthetic samples every round)"),
              source=_SOURCE)
def weighted_mean_stationary() -> sp.Expr:
    """``σ²[w²/n_r + (1 − w)²/n_s]/(1 − (1 − w)²)``.

    The fixed point of ``V = (1 − w)²V + σ²(w²/n_r + (1 − w)²/n_s)`` (the round's estimate is the weighted mean).
    """
    w = real_weight
    return sigma**2 * (w**2 / n_real + (1 - w) ** 2 / n_syn) / (1 - (1 - w) ** 2)


@named_result("weighted_optimal_weight", title="Optimal real weight: root of w² + k w − k = 0",
              lhs=r"w^{*}", args=(ratio_k,),
              provenance=exact("exact for mean estimation; asymptotic (d/T0 -> 0) for regression"),
              source=_SOURCE)
def weighted_optimal_weight() -> sp.Expr:
    """``(√(k² + 4k) − k)/2``, ``k = n_r/n_s``: the minimiser of :func:`weighted_mean_stationary`."""
    k = ratio_k
    return (sp.sqrt(k**2 + 4 * k) - k) / 2


@named_result("weighted_golden_weight", title="Optimal real weight at k = 1: the golden-ratio conjugate",
              lhs=r"w^{*}(1)", args=(), provenance=exact("exact (mean estimation, n_r = n_s)"), source=_SOURCE)
def weighted_golden_weight() -> sp.Expr:
    """``(√5 − 1)/2 ≈ 0.618``."""
    return sp.simplify(weighted_optimal_weight().subs(ratio_k, 1))


@named_result("weighted_pooling_weight", title="Naive pooling: the real weight of the unweighted fit",
              lhs=r"w_{\mathrm{pool}}", args=(ratio_k,), provenance=exact("exact (per-row weights 1/T0)"),
              source=_SOURCE)
def weighted_pooling_weight() -> sp.Expr:
    """``k/(1 + k) = n_r/T0``: every row weighs ``1/T0``."""
    return ratio_k / (1 + ratio_k)


# -- regression ---------------------------------------------------------------------------------------
@named_result("weighted_q", title="Weighted Gram matrix: tr M^-1 (leave-one-out, d' = d + 1)",
              lhs=r"q", relation=r"\simeq", args=(real_weight, n_real, n_syn, d),
              provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_q() -> sp.Expr:
    """The positive root of ``ab(T0 − d')q² + (1 − d'(a + b))q − d' = 0`` in cancellation-free form.

    (``n_r aq/(1 + aq) + n_s bq/(1 + bq) = d'`` cleared of denominators; ``a n_r + b n_s = 1``.)
    """
    a, b = _weights()
    dp = _dprime()
    A = a * b * (n_real + n_syn - dp)
    B = 1 - dp * (a + b)
    return 2 * dp / (B + sp.sqrt(B**2 + 4 * A * dp))


@named_result("weighted_q_residual", title="Weighted Gram matrix: the equation of q = tr M^-1",
              lhs=r"F(q)", args=(real_weight, n_real, n_syn, d, q_trace), provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_q_residual() -> sp.Expr:
    """``n_r aq/(1 + aq) + n_s bq/(1 + bq) − d'`` (increasing in ``q``; its root is :func:`weighted_q`)."""
    a, b = _weights()
    return n_real * a * q_trace / (1 + a * q_trace) + n_syn * b * q_trace / (1 + b * q_trace) - _dprime()


def _parts(q=q_trace):
    """``(τ_s, S_r, S_s)`` of the leave-one-out equivalent at ``q`` (module docstring)."""
    a, b = _weights()
    dp = _dprime()
    q2 = q / (n_real * a / (1 + a * q) ** 2 + n_syn * b / (1 + b * q) ** 2)
    tau_s = n_syn * b * q / (dp * (1 + b * q))
    S_r = q2 * n_real * a**2 / (1 + a * q) ** 2
    S_s = q2 * n_syn * b**2 / (1 + b * q) ** 2
    return tau_s, S_r, S_s


@named_result("weighted_alpha_form", title="Weighted chain: the feedback factor in its parts",
              lhs=r"\alpha", relation=r"\simeq", provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_alpha_form() -> sp.Expr:
    """``τ_s²(1 + S_r) + S_s(1 − τ_s)²`` (printed; :func:`weighted_alpha` is the evaluable expression in ``q``)."""
    return tau_s**2 * (1 + S_r) + S_s * (1 - tau_s) ** 2


@named_result("weighted_beta_form", title="Weighted chain: the noise factor in its parts",
              lhs=r"\beta", relation=r"\simeq", provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_beta_form() -> sp.Expr:
    """``(d/(d + 1))(S_r + S_s)`` (printed)."""
    return d / _dprime() * (S_r + S_s)


@named_result("weighted_share_form", title="Weighted chain: the synthetic share of the fit",
              lhs=r"\tau_s", relation=r"\simeq", provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_share_form() -> sp.Expr:
    """``n_s bq/((d + 1)(1 + bq))``, ``b = (1 − w)/n_s`` (``E M⁻¹B ≃ τ_s I``; printed)."""
    b = (1 - real_weight) / n_syn
    return n_syn * b * q_trace / (_dprime() * (1 + b * q_trace))


@named_result("weighted_misfit_form", title="Weighted chain: a group's misfit term",
              lhs=r"S_g", relation=r"\simeq", provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_misfit_form() -> sp.Expr:
    """``q₂ n_g ω_g²/(1 + ω_g q)²`` with ``q₂ = tr M⁻² ≃ q/Σ_g n_g ω_g/(1 + ω_g q)²`` (printed)."""
    return q2_trace * n_g * omega_g**2 / (1 + omega_g * q_trace) ** 2


@named_result("weighted_alpha", title="Weighted chain: the feedback factor alpha (as a function of q)",
              lhs=r"\alpha", relation=r"\simeq", args=(real_weight, n_real, n_syn, d, q_trace),
              provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_alpha() -> sp.Expr:
    """``τ_s² + S_rτ_s² + S_s(1 − τ_s)²``."""
    tau_s, S_r, S_s = _parts()
    return tau_s**2 + S_r * tau_s**2 + S_s * (1 - tau_s) ** 2


@named_result("weighted_beta", title="Weighted chain: the noise per unit sigma0^2 (as a function of q)",
              lhs=r"\beta", relation=r"\simeq", args=(real_weight, n_real, n_syn, d, q_trace),
              provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_beta() -> sp.Expr:
    """``(d/d')(S_r + S_s)``."""
    _, S_r, S_s = _parts()
    return d / _dprime() * (S_r + S_s)


@named_result("weighted_step", title="Weighted real/synthetic chain: one generation",
              lhs=r"e_k", relation=r"\simeq", args=(e_prev, real_weight, n_real, n_syn, d, sigma0, q_trace),
              provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_step() -> sp.Expr:
    """``e_k = α e_{k−1} + σ0² β`` (exact in this form; ``α, β`` equivalents at ``q = weighted_q``)."""
    return weighted_alpha() * e_prev + sigma0**2 * weighted_beta()


@named_result("weighted_stationary", title="Weighted real/synthetic chain: stationary error",
              lhs=r"e_\infty", relation=r"\simeq", args=(real_weight, n_real, n_syn, d, sigma0, q_trace),
              provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_stationary() -> sp.Expr:
    """``σ0² β/(1 − α)`` (``α < 1`` for ``w > 0``)."""
    return sigma0**2 * weighted_beta() / (1 - weighted_alpha())


@named_result("weighted_chain_equal_blocks", title="Weighted real/synthetic chain after n equal blocks",
              lhs=r"e_n", relation=r"\simeq", args=(n, real_weight, n_real, n_syn, d, sigma0, q_trace),
              provenance=_DE_PROVENANCE, source=_SOURCE)
def weighted_chain_equal_blocks() -> sp.Expr:
    """``σ0² β (1 − αⁿ)/(1 − α)``."""
    alpha = weighted_alpha()
    return sigma0**2 * weighted_beta() * (1 - alpha**n) / (1 - alpha)


@named_result("weighted_classical_stationary", title="Weighted regression chain, classical limit d/T0 -> 0",
              lhs=r"e_\infty", relation=r"\sim", args=(real_weight, n_real, n_syn, d, sigma0),
              provenance=asymptotic("asymptotic (d fixed, T0 -> infinity): d times the mean-estimation variance"),
              source=_SOURCE)
def weighted_classical_stationary() -> sp.Expr:
    """``σ0² d [w²/n_r + (1 − w)²/n_s]/(1 − (1 − w)²)``."""
    return weighted_mean_stationary().subs(sigma, sigma0) * d


@register_derivation("derivation_weighting", derives="weighted_optimal_weight")
@lru_cache(maxsize=None)
def weighting_derivation() -> Derivation:
    """The exact recursion, its equivalent, the classical limit and the optimal weight (w² + kw − k = 0)."""
    w, k = real_weight, ratio_k
    V = weighted_mean_stationary()
    dV = sp.factor(sp.together(sp.diff(V, w)))
    numer = sp.factor(sp.numer(dV).subs(n_real, k * n_syn))
    # the stationarity condition, up to the positive factors of the numerator
    quadratic = sp.expand(sp.cancel(numer / sp.Poly(sp.expand(numer), w).LC()))
    steps = (
        Step(name="recursion", statement="rotation invariance of the whitened design, Δ_0 = 0: Cov Δ_k ∝ Σ⁻¹ (exact)",
             lhs=sp.Symbol("e_k"), rhs=sp.Symbol("alpha") * e_prev + sigma0**2 * sp.Symbol("beta")),
        Step(name="share", statement="leave-one-out at q = tr M⁻¹ (d' = d + 1): E M⁻¹B ≃ τ_s I",
             lhs=tau_s, rhs=weighted_share_form(), relation=EQUIVALENT),
        Step(name="misfit", statement="each group's rows: their noise and their target's misfit through the fit",
             lhs=S_g, rhs=weighted_misfit_form(), relation=EQUIVALENT),
        Step(name="alpha", statement="the synthetic target Δ: mean τ_sΔ, misfits (1 − τ_s)Δ and τ_sΔ as noise",
             lhs=sp.Symbol("alpha"), rhs=weighted_alpha_form(), relation=EQUIVALENT),
        Step(name="beta", statement="the label noise of both groups", lhs=sp.Symbol("beta"), rhs=weighted_beta_form(),
             relation=EQUIVALENT),
        Step(name="stationary", statement="fixed point of the recursion", lhs=sp.Symbol("e_infty"),
             rhs=sigma0**2 * sp.Symbol("beta") / (1 - sp.Symbol("alpha")), relation=EQUIVALENT),
        Step(name="classical", statement="d/T0 → 0: q → 0, τ_s → 1 − w, S_g → d n_g ω_g²", lhs=sp.Symbol("e_infty"),
             rhs=weighted_classical_stationary(), relation=ASYMPTOTIC),
        Step(name="stationarity", statement="∂V/∂w = 0 with n_r = k n_s (numerator, positive factors dropped)",
             lhs=quadratic, rhs=sp.Integer(0)),
        Step(name="root", statement="the root in (0, 1)", lhs=sp.Symbol("w^*"), rhs=weighted_optimal_weight(),
             relation=EQUAL),
        Step(name="golden", statement="k = 1: the golden-ratio conjugate", lhs=sp.Symbol("w^*(1)"),
             rhs=weighted_golden_weight()),
    )
    return Derivation(title="Weighted real and synthetic data: the stationary error and the optimal weight",
                      steps=steps, source=_SOURCE)
