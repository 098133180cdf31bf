"""Over-parameterised generators (``T0 < d``) and per-generation schedules (THEORY.md §3.5).

Generation ``k`` fits the minimum-norm interpolator ``ŵ_k = X_k⁺Y_k = P_k ŵ_{k−1} + X_k⁺E_k``,
``P_k = X_k⁺X_k`` the projection on the row space of the ``T0_k × d`` design. All the downstream
ridge needs from the chain is, per eigendirection ``j``, the mean shrinkage
``π_j = E(ŵ_n)_j / c_j`` and the energy ``t_j = λ_j E(ŵ_n)_j²``: with a Gaussian design and
diagonal ``Σ`` the law of ``X`` is invariant under sign flips of coordinates, so ``E P`` is
diagonal, ``diag E[P M P]`` depends on ``diag M`` only, and ``E A``, ``E[AᵀΣA]`` of the
downstream smoother are diagonal.

* ``Σ ∝ I``: ``P_k`` is a uniformly random rank-``T0`` projection, ``E P = (T0/d) I`` and
  ``E tr(XXᵀ)⁻¹ = T0/(d − T0 − 1)`` (inverse Wishart): the chain is **exact**, with the
  exponential factor ``φ0^(−n) = (T0/d)^n``.
* general ``Σ``: **deterministic equivalents** at the ridgeless ``κ0`` (``df_1(κ0) = T0``):
  ``E P ≃ Σ(Σ+κ0)⁻¹`` and Bach's (2023, arXiv:2303.01372) second-order equivalent of
  ``E[(I−P) M (I−P)]``, ``I − P`` being the ``λ → 0`` limit of ``λ(Σ̂+λ)⁻¹``. The generator noise
  carries a **heuristic** finite-size correction, ``T0 − df_2 → T0 − df_2 − (df_2 − df_3)/(T0 − df_2)``,
  exact for ``Σ ∝ I`` and measured within 1.2% elsewhere (see :func:`noise_energy`). The projection
  moments carry leave-one-out finite-size corrections of order ``1/D``, ``D = df_1 − df_2``
  (:func:`finite_size_derivation`), which keep ``tr P = T0`` and ``P² = P`` exact.

The downstream ridge on the random, biased target ``ŵ_n`` then gives, exactly in terms of the
chain moments and the smoother's ``a_j = E A_jj``, ``γ_j = E(AᵀΣA)_jj/λ_j``:
``E_test = Σ_j [γ_j t_j − 2 a_j π_j w_j + w_j] + V`` (``w_j = λ_j c_j²``), i.e. the clean error
plus a bias increase (the smoother fits the shrunk mean) plus a variance increase (the chain's
fluctuations pass through the smoother).

Every function returns a SymPy object; :mod:`modelcollapse.numerics.formulas` lambdifies them.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.simplify.simplify import factor_sum

from modelcollapse.theory import collapse
from modelcollapse.theory.derivation import EQUAL, EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import equivalent, exact, finite_size
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.symbols import (
    T0,
    T,
    d,
    df1,
    df1_of,
    df2,
    df3,
    j,
    kappa,
    kappa0,
    n,
    phi0,
    sigma,
    sigma0,
    w0_norm,
)

__all__ = [
    "W0", "N", "Pi", "V", "a", "gamma", "a_j", "gamma_j", "lam_j", "p_j", "t_j", "w_j", "pi_j", "R",
    "p_hat", "kappa_hat", "D", "df3", "ptilde_j", "v_j", "s_j",
    "isotropic_shrink", "isotropic_noise", "isotropic_recursion", "isotropic_chain_noise",
    "isotropic_chain_error", "isotropic_test_error", "isotropic_ols_test_error",
    "kappa0_equation", "shrink", "energy_step", "energy_step_de", "noise_energy", "downstream_gain",
    "kappa_hat_equation", "kappa_hat_residual", "energy_step_compact", "mean_shrink", "diagonal_variance",
    "offdiagonal_scale", "finite_size_derivation",
    "test_error_summand", "bias_increase", "variance_increase",
    "energy_step_derivation", "isotropic_chain_derivation", "kappa_slope",
]

# Chain and downstream quantities (symbols of this result family).
W0 = w0_norm**2  # teacher energy ‖w0‖²_Σ = Σ_j λ_j c_j²
N = sp.Symbol("N_n", nonnegative=True)  # accumulated generator-noise energy after n generations
Pi = sp.Symbol("Pi_n", nonnegative=True)  # product of the mean shrinkage factors
V = sp.Symbol("V", nonnegative=True)  # clean downstream variance
a = sp.Symbol("a", positive=True)  # downstream E A_jj (Σ ∝ I: one number)
gamma = sp.Symbol("gamma", positive=True)  # downstream E(AᵀΣA)_jj / λ_j (Σ ∝ I)
# one eigendirection
a_j = sp.Symbol("a_j", positive=True)
gamma_j = sp.Symbol("gamma_j", positive=True)
lam_j = sp.Symbol("lambda_j", positive=True)
p_j = sp.Symbol("p_j", positive=True)  # λ_j/(λ_j + κ0)
t_j = sp.Symbol("t_j", nonnegative=True)  # λ_j E(ŵ)_j²
w_j = sp.Symbol("w_j", nonnegative=True)  # λ_j c_j²
pi_j = sp.Symbol("pi_j", nonnegative=True)  # E(ŵ_n)_j / c_j
R = sp.Symbol("R", nonnegative=True)  # Σ_i (1 − p̂_i)² t_i (or with p_i in the plain equivalent)
p_hat = sp.Symbol("phat_j", positive=True)  # λ_j/(λ_j + κ̂)
kappa_hat = sp.Symbol("kappahat", positive=True)  # finite-size corrected ridgeless κ
D = sp.Symbol("D", positive=True)  # df_1 − df_2 = Σ_i p̂_i(1 − p̂_i) at κ̂

_EXACT_ISO = "exact (Gaussian design, Σ = cI, T0 <= d − 2)"
_DE = "deterministic equivalent (ridgeless κ0, second order; Bach 2023)"
_FINITE = ("deterministic equivalent with finite-size corrections (leave-one-out, O(1/D) terms; "
           "exact identities tr P = T0 and P² = P enforced; exact in total for Σ = cI)")


# -- Σ ∝ I: exact -----------------------------------------------------------------------------------
@named_result("overparam_iso_shrink", title="Mean shrinkage of one over-parameterised generation, Σ = I",
              lhs=r"\mathbb{E}P",
              args=(T0, d), provenance=exact(_EXACT_ISO), source="THEORY.md 3.5")
def isotropic_shrink() -> sp.Expr:
    """``E P = (T0/d) I`` for a uniformly random rank-``T0`` projection (exact, ``T0 <= d``)."""
    return T0 / d


@named_result("overparam_iso_noise", title="Noise energy of one over-parameterised generation, Σ = I",
              lhs=r"\sigma_0^2\,\mathbb{E}\operatorname{tr}(XX^\top)^{-1}", args=(sigma0, T0, d),
              provenance=exact(_EXACT_ISO),
              source="THEORY.md 3.5")
def isotropic_noise() -> sp.Expr:
    """``σ0² E tr(XXᵀ)⁻¹ = σ0² T0/(d − T0 − 1)``: noise energy of one generation (``Σ = cI``).

    ``XXᵀ ~ Wishart_T0(d, cI)``, inverse mean ``I/(c(d − T0 − 1))``; exact for ``T0 <= d − 2``.
    """
    return sigma0**2 * T0 / (d - T0 - 1)


@named_result("overparam_isotropic_recursion", title="One over-parameterised generation, Σ = I: energy recursion",
              lhs="", provenance=exact(_EXACT_ISO), source="THEORY.md 3.5")
def isotropic_recursion() -> sp.Eq:
    """``S_k = (T0/d) S_{k−1} + σ0² T0/(d − T0 − 1)``, ``S_k = E‖ŵ_k‖²_Σ`` (exact, ``Σ ∝ I``).

    ``E[ŵᵀPŵ | ŵ] = (T0/d)‖ŵ‖²``; the cross term with the fresh noise has mean 0. The mean obeys
    ``E ŵ_k = (T0/d) E ŵ_{k−1}``. An OLS generation (``T0 >= d + 2``) has shrinkage 1 and noise
    ``σ0² d/(T0 − d − 1)`` instead.
    """
    k = sp.Symbol("k", positive=True, integer=True)
    s = sp.IndexedBase("S")
    return sp.Eq(s[k], isotropic_shrink() * s[k - 1] + isotropic_noise())


@named_result("overparam_isotropic_chain_noise",
              title="Accumulated generator noise, n over-parameterised generations, Σ = I",
              lhs=r"N_n", provenance=exact(_EXACT_ISO + "; φ0 = d/T0"), source="THEORY.md 3.5")
def isotropic_chain_noise() -> sp.Expr:
    """``N_n = σ0² T0/(d − T0 − 1) · (1 − φ0^(−n))/(1 − φ0^(−1))``, ``φ0 = d/T0`` (exact).

    The noise injected at generation ``k`` is shrunk by the ``n − k`` later projections:
    ``N_n = Σ_k ν φ0^(−(n−k))``.
    """
    return isotropic_noise() * (1 - phi0 ** (-n)) / (1 - 1 / phi0)


@named_result("overparam_isotropic_chain", args=(w0_norm, phi0, n, sigma0, T0, d),
              title="Error of n over-parameterised generators, Σ = I",
              lhs=r"\mathbb{E}\|\hat w_n - w_0\|_\Sigma^2", provenance=exact(_EXACT_ISO + "; φ0 = d/T0"),
              source="THEORY.md 3.5; Dohmatob, Feng & Kempe 2024")
def isotropic_chain_error() -> sp.Expr:
    """``E‖ŵ_n − w0‖² = ‖w0‖²(1 − φ0^(−n)) + N_n``, ``φ0 = d/T0 > 1`` (exact, ``Σ ∝ I``).

    From ``E‖ŵ_n‖² = φ0^(−n)‖w0‖² + N_n`` and ``E ŵ_n = φ0^(−n) w0``. Even with ``σ0 = 0`` the
    error tends to the null predictor's ``‖w0‖²`` exponentially fast, at rate ``log(T0/d)`` per
    generation. Derived in :func:`isotropic_chain_derivation`.
    """
    return W0 * (1 - phi0 ** (-n)) + isotropic_chain_noise()


@named_result("overparam_isotropic_test_error", args=(w0_norm, phi0, n, sigma0, T0, d, a, gamma, V),
              title="Downstream ridge on n over-parameterised generators, Σ = I",
              lhs=r"E_{\mathrm{test}}",
              provenance=equivalent("exact in the chain; a, γ, V exact for OLS (a = γ = 1) and ridgeless (a = γ = T/d) "
                                    "downstream, deterministic equivalents for ridge"),
              source="THEORY.md 3.5")
def isotropic_test_error() -> sp.Expr:
    """``E_test = ‖w0‖²(1 − 2aφ0^(−n) + γφ0^(−n)) + γ N_n + V`` (:func:`test_error_summand` summed).

    ``a = E A_jj``, ``γ = E(AᵀΣA)_jj/λ`` of the downstream smoother (scalars for ``Σ ∝ I`` by
    rotation invariance), ``V`` its clean variance. At ``n = 0``: the clean error ``‖w0‖²(1 − 2a + γ) + V``.
    """
    summand = test_error_summand().xreplace({a_j: a, gamma_j: gamma})
    return summand.xreplace({t_j: phi0 ** (-n) * W0 + isotropic_chain_noise(), pi_j: phi0 ** (-n), w_j: W0}) + V


@named_result("overparam_isotropic_ols", title="OLS on n over-parameterised generators, Σ = I",
              lhs=r"E_{\mathrm{test}}",
              provenance=exact("exact (Gaussian design, Σ = cI, T0 <= d − 2, λ = 0, T >= d + 2)"),
              source="THEORY.md 3.5")
def isotropic_ols_test_error() -> sp.Expr:
    """``E_test = ‖w0‖²(1 − φ0^(−n)) + N_n + σ² d/(T − d − 1)`` (downstream OLS: ``A = I``)."""
    return isotropic_chain_error() + sigma**2 * d / (T - d - 1)


# -- general Σ: deterministic equivalents with finite-size corrections -----------------------------
@named_result("overparam_kappa0", title="Ridgeless effective regularisation κ0 of a generator with T0 < d",
              lhs="", provenance=equivalent(), source="Bach 2023; THEORY.md 3.5")
def kappa0_equation() -> sp.Eq:
    """``df_1(κ0) = T0``: the ``λ → 0`` limit of ``κ − λ = κ df_1(κ)/T0`` when ``T0 < d``."""
    return sp.Eq(df1_of(kappa0), T0)


@named_result("overparam_shrink", args=(lam_j, kappa0),
              title="Mean shrinkage of one over-parameterised generation (plain equivalent)",
              lhs=r"p_j = \mathbb{E} P_{jj}", provenance=equivalent(_DE), source="Bach 2023; THEORY.md 3.5",
              relation=EQUIVALENT)
def shrink() -> sp.Expr:
    """``E P ≃ Σ(Σ + κ0)⁻¹``: ``p_j = λ_j/(λ_j + κ0)`` (first-order equivalent of ``I − P``).

    The same expression at the downstream ``κ`` is ``a_j ≃ E A_jj``; at ``κ̂`` it is ``p̂_j``.
    """
    return lam_j / (lam_j + kappa0)


@named_result("overparam_energy_step_de",
              title="Energy recursion of one over-parameterised generation, plain equivalent",
              lhs=r"t_j'", args=(t_j, p_j, R, sigma0, T0, df2), provenance=equivalent(_DE),
              source="Bach 2023; THEORY.md 3.5",
              relation=EQUIVALENT)
def energy_step_de() -> sp.Expr:
    """``t_j' ≃ p_j² (t_j + (R + σ0²)/(T0 − df_2))``: the plain deterministic equivalent.

    ``t_j = λ_j E(ŵ_{k−1})_j²`` before and ``t_j'`` after the generation; ``R = Σ_i (1 − p_i)² t_i``,
    ``df_2 = Σ_i p_i²``, at ``κ0``. Derived in :func:`energy_step_derivation`. Its diagonal
    fluctuation ``Var P_jj`` is half the true one and its means miss ``O(1/T0)`` terms, which makes
    the chain's error 2–15% low at ``T0 = 10–25`` for power laws; :func:`energy_step` corrects both.
    """
    return p_j**2 * (t_j + (R + sigma0**2) / (T0 - df2))


@named_result("overparam_kappa_hat", title="Finite-size corrected effective regularisation κ̂ of a generator (T0 < d)",
              lhs="", provenance=finite_size(_FINITE), source="THEORY.md 3.5 (this toolkit)")
def kappa_hat_equation() -> sp.Eq:
    """``df_1 − (df_2 − df_3)/(df_1 − df_2) = T0`` at ``κ̂``: the exact ``tr P = T0`` with the means
    ``E P_jj ≃ p̃_j`` of :func:`mean_shrink` summed over ``j`` (``df_m`` at ``κ̂``).

    For ``Σ = I``: ``p̂ = T0/(d − 1)`` and ``p̃ = T0/d`` (exact).
    """
    return sp.Eq(df1 - (df2 - df3) / (df1 - df2), T0)


@named_result("overparam_kappa_hat_residual", title="Residual of the corrected κ̂ equation (root: κ̂)", lhs="F",
              args=(df1, df2, df3, T0), provenance=finite_size(_FINITE), source="THEORY.md 3.5 (this toolkit)")
def kappa_hat_residual() -> sp.Expr:
    """``df_1 − (df_2 − df_3)/(df_1 − df_2) − T0``: :func:`kappa_hat_equation` as ``lhs − rhs``."""
    eq = kappa_hat_equation()
    return eq.lhs - eq.rhs


@named_result("overparam_mean_shrink", args=(p_hat, D),
              title="Mean shrinkage of one over-parameterised generation, finite-size corrected",
              lhs=r"\tilde p_j = \mathbb{E} P_{jj}", provenance=finite_size(_FINITE),
              source="THEORY.md 3.5 (this toolkit)", relation=EQUIVALENT)
def mean_shrink() -> sp.Expr:
    """``p̃_j = p̂_j − p̂_j²(1 − p̂_j)/D``, ``p̂_j = λ_j/(λ_j + κ̂)``, ``D = df_1 − df_2 = Σ_i p̂_i(1 − p̂_i)``.

    Leave-one-out: ``P_jj = q_j/(1 + q_j)`` with ``q_j = x_jᵀ K_{−j}⁻¹ x_j`` (``K = XXᵀ`` without
    column ``j``), a Gaussian quadratic form with variance ``2λ_j² tr K⁻²``, ``tr K⁻² ≃ 1/(κ̂² D)``.
    The second-order delta method (``−Var q/(1+q̄)³``) and the shift of ``tr K_{−j}⁻¹`` over
    ``tr K⁻¹`` (``+λ_j tr K⁻²/(1+q̄)``) give ``−p̂_j²(1−p̂_j)/D`` together (:func:`finite_size_derivation`).
    """
    return p_hat - p_hat**2 * (1 - p_hat) / D


def diagonal_variance() -> sp.Expr:
    """``Var P_jj ≃ 2 p̂_j²(1 − p̂_j)²/D`` (``Var q_j (dP/dq)²``; the plain equivalent has half)."""
    return 2 * p_hat**2 * (1 - p_hat) ** 2 / D


@named_result("overparam_offdiagonal_scale", title="Row scale of the off-diagonal projection moments (P² = P enforced)",
              lhs=r"s_j", args=(p_hat, D), provenance=finite_size(_FINITE), source="THEORY.md 3.5 (this toolkit)")
def offdiagonal_scale() -> sp.Expr:
    """``s_j``: rescales row ``j`` of Bach's off-diagonal ``E P_ji² ≃ p̂_j(1−p̂_j)p̂_i(1−p̂_i)/D`` so that
    ``Σ_i E P_ji² = E P_jj`` (exact, ``P² = P``) holds with the corrected diagonal."""
    pt, v = mean_shrink(), diagonal_variance()
    return (pt - pt**2 - v) / (p_hat * (1 - p_hat) - v / 2)


ptilde_j = sp.Symbol("ptilde_j", positive=True)  # corrected E P_jj
v_j = sp.Symbol("v_j", nonnegative=True)  # Var P_jj
s_j = sp.Symbol("s_j", positive=True)  # off-diagonal row scale


@named_result("overparam_energy_step", title="Energy recursion of one over-parameterised generation (general Σ)",
              lhs=r"t_j'", relation=EQUIVALENT,
              provenance=finite_size(_FINITE + "; generator noise: plain equivalent with the heuristic correction T0 − "
                                               "df2 − (df2 − df3)/(T0 − df2) (exact for Σ = cI)"),
              source="Bach 2023 (second-order equivalent); THEORY.md 3.5")
def energy_step_compact() -> sp.Expr:
    """``t_j' ≃ (p̃_j² + v_j) t_j + s_j p̂_j² (R − (1 − p̂_j)² t_j)/D + σ0² p_j²/(T0 − df_2 − e)``.

    ``p̃_j`` (:func:`mean_shrink`), ``v_j = Var P_jj`` (:func:`diagonal_variance`), ``s_j``
    (:func:`offdiagonal_scale`), ``R = Σ_i (1 − p̂_i)² t_i`` and ``D`` at ``κ̂``; the noise term at the
    plain ``κ0`` (``p_j``, ``df_2``, ``df_3``, ``e = (df_2 − df_3)/(T0 − df_2)``; :func:`noise_energy`). For ``Σ ∝ I``
    the total ``Σ_j t_j'`` is
    exactly ``(T0/d) Σ_j t_j + σ0² T0/(d − T0 − 1)``.
    """
    return (ptilde_j**2 + v_j) * t_j + s_j * p_hat**2 * (R - (1 - p_hat) ** 2 * t_j) / D + p_j**2 * noise_energy() / df2


@named_result("overparam_energy_step_expanded",
              title="Energy recursion of one over-parameterised generation, written out",
              lhs=r"t_j'", args=(t_j, p_hat, R, D, sigma0, p_j, T0, df2, df3), relation=EQUIVALENT,
              provenance=finite_size(_FINITE + "; generator noise with a heuristic finite-size correction"),
              source="Bach 2023 (second-order equivalent); THEORY.md 3.5")
def energy_step() -> sp.Expr:
    """:func:`energy_step_compact` with ``p̃_j``, ``v_j``, ``s_j`` written out in ``p̂_j`` and ``D``."""
    return energy_step_compact().xreplace({ptilde_j: mean_shrink(), v_j: diagonal_variance(), s_j: offdiagonal_scale()})


@named_result("overparam_noise", args=(sigma0, T0, df2, df3),
              title="Generator-noise energy of one over-parameterised generation",
              lhs=r"\sigma_0^2\,\mathbb{E}\operatorname{tr}\Sigma(X^\top X)^+", relation=EQUIVALENT,
              provenance=finite_size("deterministic equivalent σ0² df2/(T0 − df2) with a heuristic finite-size "
                                     "correction (exact for Σ = cI; measured within 1.2%)"),
              source="THEORY.md 3.5 (this toolkit)")
def noise_energy() -> sp.Expr:
    """``σ0² E tr(Σ(XᵀX)⁺) ≃ σ0² df_2/(T0 − df_2 − e)``, ``e = (df_2 − df_3)/(T0 − df_2)``, at ``κ0``.

    The plain deterministic equivalent is ``σ0² df_2/(T0 − df_2)`` (the ridgeless variance); it is
    low by 1–10% at ``d = 100–200`` (``Σ = I``: ``T0/(d − T0)`` for the exact ``T0/(d − T0 − 1)``).
    ``e = Σ_j p_j²(1 − p_j)/Σ_j p_j(1 − p_j)``, the ``p(1 − p)``-weighted mean of ``p_j``, is the
    leave-one-out term of :func:`kappa_hat_equation`; it equals ``T0/d`` for ``Σ = I``, where the
    corrected value is exact. Elsewhere a heuristic: measured against simulation for power laws
    (``β = 1.5–3``, ``d = 100, 200``, ``T0`` from 10 to ``0.9 d``) within 1.2% (plain: up to 10% low).
    """
    return collapse.ridgeless_variance().xreplace({sigma: sigma0, T: T0})


@named_result(
    "downstream_gain",
    args=(a_j, df2, T),
    title="Second moment of the downstream smoother, E(AᵀΣA)_jj/λ_j",
    lhs=r"\gamma_j",
    relation=EQUIVALENT,
    provenance=equivalent("deterministic equivalent; exact for OLS (a = 1) and for ridgeless Σ = I (a = T/d)"),
    source="Bach 2023; THEORY.md 3.3",
)
def downstream_gain() -> sp.Expr:
    """``γ_j ≃ a_j² + (1 − a_j)² df_2/(T − df_2)``, ``a_j = λ_j/(λ_j + κ) ≃ E A_jj``.

    ``AᵀΣA = Σ − ΣB − BΣ + BΣB``, ``B = I − A``, with ``B ≃ κ(Σ+κ)⁻¹`` and
    ``BΣB ≃ κ²Σ(Σ+κ)⁻²/(1 − df_2/T)`` (THEORY.md §3.3).
    """
    return a_j**2 + (1 - a_j) ** 2 * df2 / (T - df2)


@named_result("overparam_test_error_summand", args=(gamma_j, t_j, a_j, pi_j, w_j),
              title="Downstream test error on a random target, one eigendirection",
              lhs=r"E_{\mathrm{test}} - V = \sum_j",
              provenance=exact("exact given the chain moments and the smoother's a_j, γ_j"),
              source="THEORY.md 3.5")
def test_error_summand() -> sp.Expr:
    """``γ_j t_j − 2 a_j π_j w_j + w_j``; summed over ``j``, plus ``V``, it is ``E_test``.

    ``E‖Aŵ_n − w0‖²_Σ = E tr(AᵀΣA ŵ_nŵ_nᵀ) − 2 w0ᵀΣ E[A] E[ŵ_n] + ‖w0‖²_Σ`` (chain and downstream
    design independent) and only diagonals enter.
    """
    return gamma_j * t_j - 2 * a_j * pi_j * w_j + w_j


@named_result("overparam_bias_increase", args=(w_j, gamma_j, pi_j, a_j),
              title="Bias increase: the downstream fits the shrunk mean target",
              lhs=r"\Delta B_j", provenance=exact("exact given the chain mean and a_j, γ_j"), source="THEORY.md 3.5")
def bias_increase() -> sp.Expr:
    """``w_j [γ_j(π_j² − 1) − 2a_j(π_j − 1)]``: ``E‖A m − w0‖²_Σ − B`` per direction, ``m = E ŵ_n``."""
    return w_j * (gamma_j * (pi_j**2 - 1) - 2 * a_j * (pi_j - 1))


@named_result("overparam_variance_increase", args=(gamma_j, t_j, pi_j, w_j),
              title="Variance increase: the chain's fluctuations through the downstream",
              lhs=r"\Delta V_j", provenance=exact("exact given the chain moments and γ_j"), source="THEORY.md 3.5")
def variance_increase() -> sp.Expr:
    """``γ_j (t_j − π_j² w_j)``: ``E tr(AᵀΣA Cov ŵ_n)`` per direction."""
    return gamma_j * (t_j - pi_j**2 * w_j)


# -- derivations --------------------------------------------------------------------------------------
def kappa_slope() -> sp.Expr:
    """``dκ/dλ = T/(T − df_2)``, from ``κ − λ = κ df_1(κ)/T`` by implicit differentiation.

    Uses ``d(κ λ_i/(λ_i+κ))/dκ = λ_i²/(λ_i+κ)²``, so ``d(κ df_1(κ))/dκ = df_2``.
    """
    li = sp.Symbol("lambda_i", positive=True)
    if sp.simplify(sp.diff(kappa * li / (li + kappa), kappa) - li**2 / (li + kappa) ** 2) != 0:  # pragma: no cover
        raise AssertionError("d(κ df_1)/dκ = df_2 failed term by term")
    slope = sp.Symbol("kappa'")
    return sp.solve(sp.Eq(slope - 1, slope * df2 / T), slope)[0]


@register_derivation("derivation_overparam_energy_step", derives="overparam_energy_step")
@lru_cache(maxsize=None)
def energy_step_derivation() -> Derivation:
    """The energy recursion of one over-parameterised generation, from Bach's equivalents.

    ``I − P = lim_{λ→0} λ(Σ̂+λ)⁻¹ =: B`` (``Σ̂ = XᵀX/T0``). For diagonal ``M``:
    ``E[BMB]_jj ≃ κ0² M_j/(λ_j+κ0)² + κ0² λ_j/(λ_j+κ0)² · Σ_i M_iλ_i/(λ_i+κ0)² /(T0 − df_2)``.
    With ``M_j = t_j/λ_j`` the trace is ``R/κ0²``. The noise: ``(XᵀX)⁺ = lim (Σ̂+λ)⁻¹Σ̂(Σ̂+λ)⁻¹/T0
    = lim d[λ(Σ̂+λ)⁻¹]/dλ / T0 ≃ κ'(0) Σ(Σ+κ0)⁻²/T0``.
    """
    M_j = t_j / lam_j
    b_j = kappa0 / (lam_j + kappa0)
    trace = R / kappa0**2
    bmb = b_j**2 * M_j + kappa0**2 * lam_j / (lam_j + kappa0) ** 2 * trace / (T0 - df2)
    pmp = M_j - 2 * b_j * M_j + bmb
    slope = kappa_slope().subs(T, T0)
    pinv = slope / T0 * lam_j / (lam_j + kappa0) ** 2  # (E(XᵀX)⁺)_jj
    raw = lam_j * pmp + sigma0**2 * lam_j * pinv
    in_p = sp.factor(sp.simplify(raw.subs(lam_j, p_j * kappa0 / (1 - p_j))))
    if sp.simplify(in_p - energy_step_de()) != 0:  # pragma: no cover
        raise AssertionError(f"derived energy step {in_p} differs from energy_step_de()")
    noise_de = sp.simplify(df2 * sigma0**2 * slope / T0)
    noise_iso = (sp.simplify(noise_de.subs(df2, T0**2 / d)), isotropic_noise())
    tp, ew = sp.Symbol("t_j'"), sp.Symbol(r"\mathbb{E}[PMP]_{jj}")
    steps = (
        Step(name="chain",
             statement="ŵ_k = Pŵ_{k−1} + X⁺E, P = X⁺X; sign symmetry: only diag M = diag E ŵ_{k−1}ŵ_{k−1}ᵀ enters",
             lhs=tp, rhs=lam_j * ew + sigma0**2 * lam_j * sp.Symbol(r"\mathbb{E}(X^\top X)^+_{jj}")),
        Step(name="projection", statement="P = I − B, B = lim λ(Σ̂+λ)⁻¹; first- and second-order equivalents at κ0",
             lhs=ew, rhs=pmp, relation=EQUIVALENT),
        Step(name="kappa_slope", statement="implicit differentiation of κ − λ = κ df₁(κ)/T₀",
             lhs=sp.Symbol("kappa'"), rhs=slope),
        Step(name="pseudo_inverse", statement="(XᵀX)⁺ = lim d[λ(Σ̂+λ)⁻¹]/dλ / T₀ ≃ κ' Σ(Σ+κ₀)⁻²/T₀",
             lhs=sp.Symbol(r"\mathbb{E}(X^\top X)^+_{jj}"), rhs=pinv, relation=EQUIVALENT),
        Step(name="energy_step", statement="λⱼ = pⱼκ₀/(1 − pⱼ); R = Σᵢ(1 − pᵢ)²tᵢ; simplify",
             lhs=tp, rhs=energy_step_de(), relation=EQUIVALENT),
        Step(name="noise_isotropic",
             statement="Σ = I: the equivalent's noise energy σ₀²df₂/(T₀ − df₂) at df₂ = T₀²/d, beside the exact value",
             lhs=noise_iso[0], rhs=noise_iso[1], relation=EQUIVALENT),
        Step(name="noise_corrected",
             statement="heuristic: noise denominator T₀ − df₂ − (df₂ − df₃)/(T₀ − df₂), exact for Σ = I",
             lhs=sp.Symbol(r"\sigma_0^2\,\mathbb{E}\operatorname{tr}\Sigma(X^\top X)^+"), rhs=noise_energy(),
             relation=EQUIVALENT),
    )
    return Derivation(title="Energy recursion of an over-parameterised generator (T₀ < d), plain equivalent",
                      steps=steps,
                      source="THEORY.md 3.5; Bach 2023 (arXiv:2303.01372)")


@register_derivation("derivation_overparam_finite_size", derives="overparam_mean_shrink")
@lru_cache(maxsize=None)
def finite_size_derivation() -> Derivation:
    """Finite-size corrections of the projection moments at order ``1/D``, ``D = df_1 − df_2``.

    Leave-one-out (Sherman–Morrison): ``P_jj = q/(1 + q)``, ``q = λ_j zᵀGz``, ``G = K_{−j}⁻¹``,
    ``K = XXᵀ``, ``z ~ N(0, I_T0)`` independent of ``G``. With ``g = tr K⁻¹ ≃ 1/κ̂`` and
    ``h = tr K⁻² ≃ 1/(κ̂² D)`` (the ``λ``-derivative of ``tr(K + T0λ)⁻¹ ≃ 1/κ(λ)``):
    ``E q ≃ λ_j(g + λ_j h(1 − p̂_j))`` (``tr G − tr K⁻¹ = λ_j zᵀG²z/(1+q)``), ``Var q = 2λ_j² h``.
    Then ``E P_jj ≃ f(E q) + f''(E q) Var q/2`` and ``Var P_jj ≃ f'(E q)² Var q`` with ``f = q/(1+q)``.
    """
    lam_, kap, h = lam_j, kappa_hat, 1 / (kappa_hat**2 * D)
    q_bar0 = lam_ / kap
    f = lambda q: q / (1 + q)  # noqa: E731
    qs = sp.Symbol("q")
    f1, f2 = sp.diff(f(qs), qs), sp.diff(f(qs), qs, 2)
    p_of = lam_ / (lam_ + kap)
    shift = lam_**2 * h * (1 - p_of)  # λ_j (tr G − tr K⁻¹)
    mean = f(q_bar0) + f1.subs(qs, q_bar0) * shift + f2.subs(qs, q_bar0) * (2 * lam_**2 * h) / 2
    var = f1.subs(qs, q_bar0) ** 2 * 2 * lam_**2 * h
    to_p = {lam_: p_hat * kap / (1 - p_hat)}
    mean_p, var_p = sp.simplify(mean.subs(to_p)), sp.simplify(var.subs(to_p))
    if sp.simplify(mean_p - mean_shrink()) != 0 or sp.simplify(var_p - diagonal_variance()) != 0:  # pragma: no cover
        raise AssertionError(f"leave-one-out moments {mean_p}, {var_p} differ from the registered ones")
    # Σ_j of the corrected means, in df's: Σ p̂ = df₁, Σ p̂² = df₂, Σ p̂³ = df₃
    u = sp.IndexedBase("phat")
    times_d = sp.expand(mean_shrink().subs(p_hat, u[j]) * D)  # D p̂ − p̂² + p̂³
    summed = sp.Add(*(factor_sum(sp.Sum(term, (j, 1, d))) for term in sp.Add.make_args(times_d)))
    named = {sp.Sum(u[j], (j, 1, d)): df1, sp.Sum(u[j] ** 2, (j, 1, d)): df2, sp.Sum(u[j] ** 3, (j, 1, d)): df3}
    trace_named = summed.xreplace(named) / D
    eq = kappa_hat_equation()
    if sp.simplify(trace_named.subs(D, df1 - df2) - eq.lhs) != 0:  # pragma: no cover
        raise AssertionError(f"sum of the corrected means {trace_named} is not the κ̂ equation")
    # Σ = cI: p̂ = T0/(d − 1) makes p̃ = T0/d and the total energy step exact
    iso = {p_hat: T0 / (d - 1), D: d * T0 / (d - 1) * (1 - T0 / (d - 1))}
    prev = sp.Symbol("S_{k-1}")
    total_iso = d * energy_step().subs({p_j: T0 / d, df2: T0**2 / d, df3: T0**3 / d**2}).subs(iso).subs(
        {R: (1 - T0 / (d - 1)) ** 2 * prev, t_j: prev / d})
    recursion = isotropic_shrink() * prev + isotropic_noise()
    # pragma: no cover
    if sp.simplify(mean_shrink().subs(iso) - T0 / d) != 0 or sp.simplify(total_iso - recursion) != 0:
        raise AssertionError("the corrected step is not exact for Σ = cI")
    EP, VP, tp = sp.Symbol(r"\mathbb{E} P_{jj}"), sp.Symbol(r"\operatorname{Var} P_{jj}"), sp.Symbol("t_j'")
    steps = (
        Step(name="leave_one_out",
             statement="Sherman–Morrison: P_jj = q/(1 + q), q = x_jᵀK₋ⱼ⁻¹x_j, a Gaussian quadratic form given K₋ⱼ",
             lhs=sp.Symbol("P_{jj}"), rhs=f(qs)),
        Step(name="mean",
             statement="E q ≃ λ_j(g + λ_j h(1 − p̂_j)), Var q = 2λ_j²h, g ≃ 1/κ̂, h ≃ 1/(κ̂²D); second-order delta method",
             lhs=EP, rhs=sp.factor(sp.simplify(mean)), relation=EQUIVALENT),
        Step(name="mean_p", statement="in p̂_j = λ_j/(λ_j + κ̂)", lhs=EP, rhs=mean_shrink(), relation=EQUIVALENT),
        Step(name="variance", statement="Var P_jj ≃ f'(E q)² Var q (the plain equivalent has half of it)",
             lhs=VP, rhs=diagonal_variance(), relation=EQUIVALENT),
        Step(name="kappa_hat", statement="exact tr P = T₀: sum the corrected means over j", lhs=eq.lhs, rhs=eq.rhs),
        Step(name="sum_rule",
             statement="exact Σᵢ E P_ji² = E P_jj (P² = P): scale row j of Bach's off-diagonal part by s_j",
             lhs=sp.Symbol("s_j"), rhs=offdiagonal_scale()),
        Step(name="energy_step", statement="t_j' = λ_j Σᵢ E P_ji² t_i/λ_i plus the generator noise",
             lhs=tp, rhs=energy_step_compact(), relation=EQUIVALENT),
        Step(name="isotropic", statement="check: Σ = I gives p̂ = T₀/(d − 1), p̃ = T₀/d and the exact recursion in total",
             lhs=sp.Symbol("S_k"), rhs=recursion),
    )
    return Derivation(title="Finite-size corrected moments of a random projection (T₀ < d)", steps=steps,
                      source="THEORY.md 3.5 (this toolkit); Bach 2023 (arXiv:2303.01372)")


@register_derivation("derivation_overparam_isotropic_chain", derives="overparam_isotropic_chain")
@lru_cache(maxsize=None)
def isotropic_chain_derivation() -> Derivation:
    """Solve the exact isotropic recursion and obtain :func:`isotropic_chain_error` (``Σ ∝ I``)."""
    k = sp.Symbol("k", integer=True, nonnegative=True)
    q, nu = sp.Symbol("q", positive=True), sp.Symbol("nu", nonnegative=True)
    s = sp.Function("S")
    solved = sp.rsolve(s(k) - q * s(k - 1) - nu, s(k), {s(0): W0})
    at_n = sp.simplify(solved.subs(k, n))
    error = sp.simplify(at_n - 2 * q**n * W0 + W0)  # E‖ŵ_n‖² − 2 w0·E ŵ_n + ‖w0‖²
    final = error.subs({q: 1 / phi0, nu: isotropic_noise()})
    if sp.simplify(final - isotropic_chain_error()) != 0:  # pragma: no cover
        raise AssertionError(f"solved chain {final} differs from isotropic_chain_error()")
    err = sp.Symbol(r"\mathbb{E}\|\hat w_n - w_0\|^2")
    steps = (
        Step(name="recursion",
             statement="E‖ŵ_k‖² = q E‖ŵ_{k−1}‖² + ν with q = T₀/d, ν = σ₀²T₀/(d − T₀ − 1); S₀ = ‖w₀‖²",
             lhs=s(k), rhs=q * s(k - 1) + nu),
        Step(name="solved", statement="solve the linear recursion (rsolve)", lhs=s(n), rhs=at_n),
        Step(name="error", statement="E ŵ_n = qⁿw₀, so E‖ŵ_n − w₀‖² = S_n − 2qⁿ‖w₀‖² + ‖w₀‖²", lhs=err, rhs=error),
        Step(name="phi0", statement="q = 1/φ₀ = T₀/d", lhs=err, rhs=isotropic_chain_error(), relation=EQUAL),
    )
    return Derivation(title="Exponential collapse of over-parameterised generators, Σ = I", steps=steps,
                      source="THEORY.md 3.5")
