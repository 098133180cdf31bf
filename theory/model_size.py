"""Model size: a downstream on ``m`` random projections or random features of ``x`` (THEORY.md §3.13).

The downstream sees ``z = S x`` (``S ∈ ℝ^{m×d}``, i.i.d. ``N(0, 1/d)``), or random features
``z = σ(F x/√d)`` (``F`` i.i.d. ``N(0, 1)``), and fits ridge ``λ`` on ``T`` rows of which ``n_s``
carry synthetic labels ``xᵀŵ_n + σε`` and ``T − n_s`` real labels ``xᵀw0 + σε``; the chain is
centred with ``Cov Δ = (e_n/d) Σ⁻¹`` (``Δ = ŵ_n − w0``: every OLS-generator scheme). The test error
is ``E(aᵀz − xᵀw0)²`` on fresh real inputs. Sources: Dohmatob, Feng, Subramonian & Kempe,
*Strong Model Collapse* (arXiv:2410.04840) §2.2 and App. D.3; Bach 2023 (arXiv:2303.01372) for the
two-level deterministic equivalent; Mei & Montanari (arXiv:1908.05355) for Gaussian equivalence.

**Exact given ``S``.** Whitened, ``u = Σ^{1/2}w``, ``A = SΣ^{1/2}``. The best linear predictor of
``xᵀw`` from ``z`` is ``zᵀθ``, ``θ = Σ_S⁺SΣw`` (``Σ_S = SΣSᵀ``), and the residual ``xᵀw − zᵀθ`` is
Gaussian, independent of ``z``, with variance ``‖w‖²_Σ − ‖θ‖²_{Σ_S} = ‖(I − P)u‖²`` (``P`` the
projection on the row space of ``A``, rank ``r = min(m, d)``). So the downstream is an
``r``-dimensional regression with teacher ``θ_0``, a shift ``δ = θ_n − θ_0`` on the synthetic rows
(``Cov δ = (e_n/d) Σ_S⁺``: again proportional to the inverse covariance) and extra label noise
``a_0 = ‖(I − P)u_0‖²`` on every row plus ``(e_n/d)(d − r)`` on the synthetic ones; the test error
adds ``a_0``. With exchangeable rows the noise enters only through its mean, so the exact mixing
result (:func:`~modelcollapse.theory.schemes.mixing_factor`) applies conditionally on ``S``
(:func:`projection_ols_given_s`, OLS with ``T >= r + 2``). Isotropic ``Σ``: ``P`` is a uniform
rank-``m`` projection and ``E a_0 = (1 − m/d)‖w0‖²`` — exact (:func:`projection_isotropic_ols`).

**Deterministic equivalent over ``S`` and ``X`` (general Σ, ridge, any ``m``, ``T``).** Conditionally
on ``S`` the ridge equivalent of the projected problem needs only the spectral functionals of
``K = AᵀA = Σ^{1/2}SᵀSΣ^{1/2}``, and ``K = (m/d) Σ̂_m`` is ``m/d`` times a sample covariance of ``m``
draws of ``N(0, Σ)``. Its first-order equivalent ``z(K + z)⁻¹ ≃ ν(Σ + ν)⁻¹``, with

    ν − z d/m = ν df_1(ν)/m                                   (the projection's level)

gives the two primitives ``P(z) = z tr(K+z)⁻¹ ≃ d − df_1(ν)`` and ``Q(z) = z uᵀ(K+z)⁻¹u ≃
ν Σ_j λ_j c_j²/(λ_j + ν)``, their derivatives through ``ν'(z) = d/(m − df_2(ν))``, and the downstream's
effective ridge ``κ`` solves ``κ − λ = κ df_1^z(κ)/T`` (the data's level): a two-level fixed point.
Random features enter by Gaussian equivalence: ``σ(h) ≃ μ_0 + μ_1 h + μ_* η`` (``h = Fx/√d``,
``η ~ N(0, I_m)`` independent), i.e. the covariance ``μ_1²AAᵀ + μ_*²`` — the projection with the
primitives taken at ``z/μ_1²`` and ``c = μ_*² + κ`` (:func:`features_equivalent`; ``μ_* = 0``,
``μ_1 = 1`` is the projection). The clean part becomes ``[Q(c) − κQ'(c) + σ²δ]/(1 − δ)``
(``δ = df_2^z/T``: the projection residual ``a_0`` cancels), the collapse term the mixing split of
:func:`~modelcollapse.theory.schemes.mixing_ridge_collapse` with a general ``Cov δ``.

**Isotropic ridgeless closed forms** (derived from the equivalent by SymPy,
:func:`model_size_derivation`): ``T < min(m, d)``:
``‖w0‖²(1 − T/d) m/(m − T) + σ²[T/(m − T) + T/(d − T)]`` (symmetric in ``m`` and ``d`` in its
variance), plus the collapse term; ``m < min(T, d)``: the proportional limit of the exact result.

ReLU's degree-2 part (``c_2² = τ²/(4π)``, 88% of ``μ_*²``) is a function of ``x``'s quadratic features, not
white noise, once ``m`` is comparable to ``d²``: the equivalent keeps it as a second projected block (input
dimension ``D = d + d(d+1)/2``; :func:`relu_quadratic_coefficient`, numerics/model_size.py).

Measured accuracy (docs/THEORY.md §3.15, tests/test_model_size_simulation.py): exact results within Monte
Carlo error; with ridge the equivalent within 0.8% (projection, ReLU at m = 200–2000 with d = 100); on
power-law spectra within 2% (erf) and +4.5% (ReLU, m = 20d); ridgeless, ``O(1/|m − T|)`` near the threshold
(−6% at ``d = 100, T = 80, m = 150``; −1.4% at ``d = 300`` with the same ratios).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory.derivation import EQUAL, EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import equivalent, exact
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.schemes import chain_error, m_syn, mixing_factor, mixing_ridge_collapse
from modelcollapse.theory.symbols import T, d, df1, kappa, lam, sigma, w0_norm

__all__ = [
    "features", "synthetic_rows", "residual", "rank_sym", "nu", "z_arg", "P_c", "Q_c", "dP_c", "dQ_c", "B_c", "B_a",
    "dB_c", "input_dim",
    "rho_sym", "spike", "mu1", "mu_star2", "tau2",
    "projection_ols_given_s", "projection_isotropic_ols", "projection_nu_equation", "projection_kappa_equation",
    "features_equivalent", "projection_isotropic_ridgeless", "projection_isotropic_ridgeless_clean",
    "projection_isotropic_ridgeless_under",
    "relu_coefficients", "relu_quadratic_coefficient", "erf_coefficients", "isotropic_primitives",
    "model_size_derivation",
]

features = sp.Symbol("m", positive=True, integer=True)  # number of random features / projections
synthetic_rows = sp.Symbol("n_s", nonnegative=True, integer=True)  # downstream rows with synthetic labels
residual = sp.Symbol("a_0", nonnegative=True)  # ‖(I − P)Σ^{1/2}w0‖²: what the features cannot express
rank_sym = sp.Symbol("r", positive=True, integer=True)  # rank of the projection, min(m, d)
nu = sp.Symbol("nu", positive=True)  # the projection level's effective regularisation
z_arg = sp.Symbol("z", nonnegative=True)
# the primitives at c = μ_*² + κ and at a = μ_*² (projection: a = 0, c = κ), as the numeric layer substitutes them
P_c, dP_c = sp.Symbol("P_c", nonnegative=True), sp.Symbol("P'_c", nonnegative=True)
Q_c, dQ_c = sp.Symbol("Q_c", nonnegative=True), sp.Symbol("Q'_c", nonnegative=True)
# the same primitive restricted to x's own d directions (where the chain's error lives), at c and at a
B_c, B_a, dB_c = sp.Symbol("B_c", nonnegative=True), sp.Symbol("B_a", nonnegative=True), sp.Symbol("B'_c")
input_dim = sp.Symbol("D", positive=True)  # dimension of the features' Gaussian input (d, or d + d(d+1)/2)
rho_sym = sp.Symbol("varrho", nonnegative=True)  # κ/c ∈ [0, 1] (1 for the projection)
spike = sp.Symbol("varsigma", nonnegative=True)  # s/(s + κ) of the mean feature's spike s = μ_0² m (0: none)
mu1 = sp.Symbol("mu_1", positive=True)
mu_star2 = sp.Symbol("mu_*^2", nonnegative=True)
tau2 = sp.Symbol("tau^2", positive=True)  # variance of a pre-activation, tr Σ/d

_SOURCE = "THEORY.md 3.15; Dohmatob, Feng, Subramonian & Kempe 2024 (arXiv:2410.04840) §2.2; Bach 2023"
_RF_SOURCE = "Mei & Montanari 2019 (arXiv:1908.05355); Strong Model Collapse App. D.3 (arXiv:2410.04840)"


@named_result("projection_ols_given_s", title="Random projection, OLS downstream: exact test error given S",
              lhs=r"E[E_{\mathrm{test}} \mid S]", args=(residual, sigma, T, synthetic_rows, rank_sym, d, chain_error),
              provenance=exact("exact given S (Gaussian design, ridge = 0, T >= r + 2, r = min(m, d); centred chain "
                               "with Cov Δ = (e_n/d)Σ⁻¹)"),
              source=_SOURCE)
def projection_ols_given_s() -> sp.Expr:
    """``a_0 + (σ² + a_0 + (n_s/T)(e_n/d)(d − r)) r/(T − r − 1) + g(T, n_s, r) e_n r/d``.

    The projected problem has dimension ``r``, noise ``σ² + a_0`` (+ the synthetic rows' own residual,
    ``(e_n/d)(d − r)`` in expectation), and a synthetic shift with ``E‖δ‖²_{Σ_S} = e_n r/d``: the exact
    OLS variance ``r/(T − r − 1)`` and mixing factor ``g`` (rotation invariance) apply given ``S``.
    """
    extra = synthetic_rows / T * chain_error / d * (d - rank_sym)
    g = mixing_factor().subs({m_syn: synthetic_rows, d: rank_sym})
    return residual + (sigma**2 + residual + extra) * rank_sym / (T - rank_sym - 1) + g * chain_error * rank_sym / d


@named_result("projection_isotropic_ols", title="Random projection, isotropic, OLS downstream (m < T - 1, m <= d)",
              lhs=r"E_{\mathrm{test}}", args=(w0_norm, sigma, T, synthetic_rows, features, d, chain_error),
              provenance=exact("exact (Σ = I, Gaussian design and S, ridge = 0, m <= d, T >= m + 2; centred chain)"),
              source=_SOURCE)
def projection_isotropic_ols() -> sp.Expr:
    """:func:`projection_ols_given_s` with ``E a_0 = (1 − m/d)‖w0‖²`` (a uniform rank-``m`` projection)."""
    return projection_ols_given_s().subs({residual: (1 - features / d) * w0_norm**2, rank_sym: features})


@named_result("projection_nu_equation", title="Random projection: the projection level's fixed point",
              lhs=r"\nu - z d/m", relation=r"\simeq", args=(nu, z_arg, features, d, df1),
              provenance=equivalent("deterministic equivalent z(K+z)^-1 ≃ ν(Σ+ν)^-1, K = Σ^1/2 SᵀS Σ^1/2"),
              source=_SOURCE)
def projection_nu_equation() -> sp.Expr:
    """``ν df_1(ν)/m``: ``K = (m/d) Σ̂_m`` is a scaled sample covariance of ``m`` draws (ridge ``z d/m``)."""
    return nu * df1 / features


@named_result("projection_kappa_equation", title="Random features: the downstream's effective ridge",
              lhs=r"\kappa - \lambda", relation=r"\simeq",
              args=(kappa, lam, T, features, input_dim, P_c, rho_sym, spike),
              provenance=equivalent("deterministic equivalent (first order, conditionally on S; its trace by the "
                                    "projection level)"),
              source=_SOURCE)
def projection_kappa_equation() -> sp.Expr:
    """``κ df_1^z/T`` with ``df_1^z = m − ϱ(P(c) + m − d) + ς``, ``ϱ = κ/c``; ``ς = s/(s + κ)`` is the mean
    feature's spike (``s = μ_0² m``, one direction the labels do not use; 0 for the projection and erf)."""
    return kappa * _df1z() / T


def _df1z() -> sp.Expr:
    return features - rho_sym * (P_c + features - input_dim) + spike


def _df2z() -> sp.Expr:
    # m − 2κ tr(Σ_z+κ)⁻¹ + κ² tr(Σ_z+κ)⁻², tr(Σ_z+κ)⁻¹ = (P(c) + m − D)/c, tr(Σ_z+κ)⁻² = (P(c)+m−D)/c² − P'(c)/c
    s = P_c + features - input_dim
    return features - 2 * rho_sym * s + rho_sym**2 * s - rho_sym * kappa * dP_c + spike**2


@named_result("features_equivalent", title="Random projection / features downstream with a synthetic share",
              lhs=r"E_{\mathrm{test}}", relation=r"\simeq",
              args=(P_c, dP_c, B_c, B_a, dB_c, Q_c, dQ_c, kappa, rho_sym, spike, T, sigma, synthetic_rows, features,
                    input_dim, d, chain_error),
              provenance=equivalent("deterministic equivalent over S and X (two-level fixed point; Gaussian "
                                    "equivalence for nonlinear features); centred chain Cov Δ = (e_n/d)Σ⁻¹",
                                    allowance=0.03),
              source=_SOURCE)
def features_equivalent() -> sp.Expr:
    """``[Q(c) − κQ'(c) + (σ² + (n_s/T)(e_n/d)B(a))δ]/(1 − δ) + C``, ``δ = df_2^z/T``.

    ``C = n_s(n_s−1)/(T(T−1)) F + n_s(T−n_s)/(T−1) D``: the mixing split with
    ``F = (e_n/d)[(d − B(a)) − 2(B(c) − B(a)) + (B(c) − B(a) − κB'(c))/(1 − δ)]`` (the full synthetic
    fit of the shift ``δ``, ``Cov δ = (e_n/d)μ_1²Σ_z⁻¹AΠAᵀΣ_z⁻¹``) and the leave-one-out diagonal
    ``D = (e_n/d)(d − B(a)) df_2^z/(T(T − df_2^z))``. ``P`` is the primitive over the whole input of the
    features (dimension ``D``), ``B`` the same restricted to ``x``'s own ``d`` directions (``Π``, where the chain's
    error lives): ``B = P`` and ``D = d`` for the projection and for purely linear Gaussian equivalence; ReLU's
    quadratic block (:func:`relu_quadratic_coefficient`) makes them differ. With ``Cov δ ∝ Σ_S⁻¹`` (projection)
    ``F`` is the registered ``mixing_ridge_collapse``'s ``τ`` in dimension ``r`` (tests).
    """
    delta = _df2z() / T
    e_over_d = chain_error / d
    clean = (Q_c - kappa * dQ_c + (sigma**2 + synthetic_rows / T * e_over_d * B_a) * delta) / (1 - delta)
    full = e_over_d * ((d - B_a) - 2 * (B_c - B_a) + (B_c - B_a - kappa * dB_c) / (1 - delta))
    diag = e_over_d * (d - B_a) * _df2z() / (T * (T - _df2z()))
    ns = synthetic_rows
    return clean + ns * (ns - 1) / (T * (T - 1)) * full + ns * (T - ns) / (T - 1) * diag


def isotropic_primitives(nu_: sp.Expr, m_: sp.Expr = features) -> dict:
    """``P, Q, P', Q'`` at ``Σ = I`` (``df_1 = d/(1+ν)``, ``ν' = d/(m − d/(1+ν)²)``), projection (``μ_1 = 1``)."""
    dnu = d / (m_ - d / (1 + nu_) ** 2)
    P, dP = d * nu_ / (1 + nu_), d / (1 + nu_) ** 2 * dnu
    return {P_c: P, B_c: P, dP_c: dP, dB_c: dP, input_dim: d,
            Q_c: w0_norm**2 * nu_ / (1 + nu_), dQ_c: w0_norm**2 / (1 + nu_) ** 2 * dnu}


@lru_cache(maxsize=None)
def _isotropic_over() -> sp.Expr:
    """Σ = I, λ = 0, T < min(m, d): ``df_1(ν) = T``, ``ν = d/T − 1``, ``κ = ν(m − T)/d`` in the equivalent."""
    nu_T = d / T - 1
    subs = isotropic_primitives(nu_T)
    subs.update({B_a: d - sp.Min(features, d), kappa: nu_T * (features - T) / d, rho_sym: 1, spike: 0})
    return features_equivalent().subs(subs)


@named_result("projection_isotropic_ridgeless", title="Random projection, isotropic, ridgeless, T < min(m, d)",
              lhs=r"E_{\mathrm{test}}", relation=r"\simeq",
              args=(w0_norm, sigma, T, synthetic_rows, features, d, chain_error),
              provenance=equivalent("deterministic equivalent (proportional limit; Σ = I, ridge = 0, T < min(m, d)); "
                                    "O(1/|m − T|) from Monte Carlo near the threshold", allowance=0.03),
              source=_SOURCE)
def projection_isotropic_ridgeless() -> sp.Expr:
    """Clean part :func:`projection_isotropic_ridgeless_clean` plus the collapse term (linear in ``e_n``).

    Derived by SymPy from :func:`features_equivalent` (:func:`model_size_derivation`); the synthetic
    rows' residual ``P(0) = d − min(m, d)`` enters through ``Min``.
    """
    full = _isotropic_over()
    collapse = sp.factor(sp.simplify(full - full.subs(chain_error, 0)))
    return projection_isotropic_ridgeless_clean() + collapse


@named_result("projection_isotropic_ridgeless_clean",
              title="Random projection, isotropic, ridgeless, T < min(m, d): the clean error (double descent)",
              lhs=r"E_{\mathrm{clean}}", relation=r"\simeq", args=(w0_norm, sigma, T, features, d),
              provenance=equivalent("deterministic equivalent (proportional limit; Σ = I, ridge = 0, T < min(m, d))",
                                    allowance=0.03),
              source=_SOURCE)
def projection_isotropic_ridgeless_clean() -> sp.Expr:
    """``‖w0‖²(1 − T/d) m/(m − T) + σ²(T/(m − T) + T/(d − T))``: the peak at ``m = T``, min-norm on ``x`` as ``m → ∞``.

    Written in this form and checked against the equivalent by SymPy (tests/test_model_size.py).
    """
    m = features
    return w0_norm**2 * (1 - T / d) * m / (m - T) + sigma**2 * (T / (m - T) + T / (d - T))


@named_result("projection_isotropic_ridgeless_under",
              title="Random projection, isotropic, ridgeless, m < min(T, d): proportional limit",
              lhs=r"E_{\mathrm{test}}", relation=r"\simeq",
              args=(w0_norm, sigma, T, synthetic_rows, features, d, chain_error),
              provenance=equivalent("deterministic equivalent (proportional limit of projection_isotropic_ols)"),
              source=_SOURCE)
def projection_isotropic_ridgeless_under() -> sp.Expr:
    """``κ = 0``, ``ν = d/m − 1``: ``(1−γ)‖w0‖² + (σ² + (1−γ)‖w0‖² + p(1−γ)e_n) m/(T−m) + γ e_n (p² + p(1−p)m/(T−m))``
    in the proportional limit (``γ = m/d``, ``p = n_s/T``, ``n_s(n_s−1)/(T(T−1)) → p²``) — THEORY.md's sketch."""
    nu_m = d / features - 1
    subs = isotropic_primitives(nu_m)
    subs.update({B_a: d - features, kappa: 0, rho_sym: 1, spike: 0})
    return sp.simplify(features_equivalent().subs(subs))


@named_result("relu_coefficients", title="Gaussian-equivalence coefficients of ReLU at pre-activation variance tau^2",
              lhs=r"(\mu_0, \mu_1, \mu_*^2)", args=(tau2,),
              provenance=exact("exact Gaussian integrals (h ~ N(0, tau^2); mu_1 = E[h σ(h)]/tau^2)"), source=_RF_SOURCE)
def relu_coefficients() -> sp.Expr:
    """``(τ/√(2π), 1/2, τ²(1/4 − 1/(2π)))``, computed by SymPy's integrals."""
    h = sp.Symbol("h", real=True)
    return sp.Matrix(_coefficients(h, 0))


@named_result("relu_quadratic_coefficient",
              title="ReLU: squared Hermite-2 coefficient c_2^2 at pre-activation variance tau^2",
              lhs=r"c_2^2", args=(tau2,),
              provenance=exact("exact Gaussian integral (c_2 = E[σ(h) He_2(h/τ)]/√2, h ~ N(0, tau^2))"),
              source=_RF_SOURCE)
def relu_quadratic_coefficient() -> sp.Expr:
    """``τ²/(4π)``: the degree-2 part of ReLU, 88% of ``μ_*²``. It is a function of ``x``'s quadratic features (a
    ``d(d+1)/2``-dimensional block), not white noise, once ``m`` is comparable to ``d²``; the equivalent keeps it as
    a second projected block (numerics/model_size.py)."""
    h = sp.Symbol("h", real=True)
    density = sp.exp(-h**2 / (2 * tau2)) / sp.sqrt(2 * sp.pi * tau2)
    c2 = sp.integrate(h * (h**2 / tau2 - 1) * density, (h, 0, sp.oo)) / sp.sqrt(2)
    return sp.simplify(c2**2)


@named_result("erf_coefficients", title="Gaussian-equivalence coefficients of erf at pre-activation variance tau^2",
              lhs=r"(\mu_0, \mu_1, \mu_*^2)", args=(tau2,),
              provenance=exact("exact Gaussian integrals (h ~ N(0, tau^2))"), source=_RF_SOURCE)
def erf_coefficients() -> sp.Expr:
    """``(0, 2/√(π(1+2τ²)), (2/π) arcsin(2τ²/(1+2τ²)) − 4τ²/(π(1+2τ²)))`` (``E erf(h)²``: Williams 1997's
    arcsine kernel; ``μ_1 = E erf'(h)`` by Stein's lemma)."""
    mu1_ = 2 / sp.sqrt(sp.pi * (1 + 2 * tau2))
    second = 2 / sp.pi * sp.asin(2 * tau2 / (1 + 2 * tau2))
    return sp.Matrix([0, mu1_, second - mu1_**2 * tau2])


def _coefficients(fn: sp.Expr, lower) -> list:
    """``(E σ(h), E[hσ(h)]/τ², E σ(h)² − μ_0² − μ_1²τ²)``, ``h ~ N(0, τ²)``, ``σ(h) = fn`` on ``(lower, ∞)``, else 0."""
    h = sp.Symbol("h", real=True)
    density = sp.exp(-h**2 / (2 * tau2)) / sp.sqrt(2 * sp.pi * tau2)
    mu0 = sp.simplify(sp.integrate(fn * density, (h, lower, sp.oo)))
    m1 = sp.simplify(sp.integrate(h * fn * density, (h, lower, sp.oo)) / tau2)
    second = sp.simplify(sp.integrate(fn**2 * density, (h, lower, sp.oo)))
    return [mu0, m1, sp.simplify(second - mu0**2 - m1**2 * tau2)]


@register_derivation("derivation_model_size", derives="projection_isotropic_ridgeless")
@lru_cache(maxsize=None)
def model_size_derivation() -> Derivation:
    """From the projected problem to the isotropic ridgeless closed form."""
    nu_T = d / T - 1
    clean_over = (_isotropic_over().subs({chain_error: 0}))
    steps = (
        Step(name="given_S", statement="given S: an r-dim regression, teacher θ = Σ_S⁺SΣw, residual noise a_0 "
             "= ‖(I−P)Σ^1/2 w0‖² (exact mixing result conditionally on S)", lhs=sp.Symbol("E_S"),
             rhs=projection_ols_given_s()),
        Step(name="isotropic_exact", statement="Σ = I: E a_0 = (1 − m/d)‖w0‖² (uniform rank-m projection)",
             lhs=sp.Symbol("E_test"), rhs=projection_isotropic_ols()),
        Step(name="projection_level", statement="K = (m/d)Σ̂_m: z(K+z)⁻¹ ≃ ν(Σ+ν)⁻¹", lhs=nu - z_arg * d / features,
             rhs=projection_nu_equation(), relation=EQUIVALENT),
        Step(name="data_level", statement="the downstream's κ on the covariance Σ_z", lhs=kappa - lam,
             rhs=projection_kappa_equation(), relation=EQUIVALENT),
        Step(name="equivalent", statement="clean part [Q − κQ' + σ²δ]/(1 − δ) and the mixing split",
             lhs=sp.Symbol("E_test"), rhs=features_equivalent(), relation=EQUIVALENT),
        Step(name="ridgeless_nu", statement="λ = 0, T < min(m, d): df_1(ν) = T, ν = d/T − 1, κ = ν(m − T)/d "
             "(Σ = I)", lhs=nu, rhs=nu_T, relation=EQUAL),
        Step(name="clean_closed_form", statement="substitute and simplify (e_n = 0)", lhs=sp.Symbol("E_clean"),
             rhs=sp.factor(sp.simplify(clean_over)), relation=EQUIVALENT),
    )
    return Derivation(title="Random projections: the interpolation peak at m = T", steps=steps, source=_SOURCE)


# mixing_ridge_collapse is imported so that the tests and the docs can compare the projection's F with it
_ = mixing_ridge_collapse
