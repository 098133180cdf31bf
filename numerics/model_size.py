"""Model size: the downstream on ``m`` random projections or random features (THEORY.md §3.13).

Evaluates the registered results of :mod:`modelcollapse.theory.model_size` in any backend:

* projection, ``λ = 0``, ``T >= r + 2`` (``r = min(m, d)``): ``projection_ols_given_s`` with
  ``E a_0`` — exact for ``Σ ∝ I`` (``(1 − m/d)‖w0‖²``) and for ``m >= d`` (``a_0 = 0``: the fit is OLS
  on ``x``); otherwise ``E a_0`` by the ridgeless equivalent ``Q(0)`` (a deterministic equivalent);
* everything else (ridge, ``T < r``, random features through Gaussian equivalence):
  ``features_equivalent``, the two-level fixed point: ``ν(z)`` of the projection level inside the
  downstream's ``κ`` equation, each solved by the Illinois method in ``log`` of the unknown
  (relative tolerances: ``κ`` and ``ν`` can be tiny). The features' Gaussian input is
  :func:`feature_spectrum`: ``x``'s ``d`` directions, plus for ReLU the ``d(d+1)/2`` directions of its
  quadratic block (arrays of that length; folded into white noise above :data:`MAX_QUADRATIC_BLOCK`).

The chain error ``e_n`` (centred chain, ``Cov Δ = (e_n/d)Σ⁻¹``) is the caller's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import sympy as sp

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.roots import RootResult, illinois
from modelcollapse.theory import get_result
from modelcollapse.theory.errors import DivergentError, NotCoveredError
from modelcollapse.theory.model_size import tau2
from modelcollapse.theory.provenance import EXACT, Provenance, equivalent

__all__ = ["FEATURE_MAPS", "FeatureModel", "feature_model", "solve_nu", "primitives", "solve_features_kappa",
           "FeaturesSolution", "features_error", "projection_ols_error"]

FEATURE_MAPS = ("projection", "relu", "erf")

# Measured (tests/test_model_size_simulation.py, THEORY.md 3.13): with ridge within 0.3% at d = 100;
# ridgeless O(1/|m − T|) near the threshold. Gaussian equivalence for ReLU / erf features: see the tests.
FEATURES_EQUIVALENT = equivalent("deterministic equivalent over S and X (two-level fixed point)", allowance=0.03)
GAUSSIAN_EQUIVALENT = equivalent("deterministic equivalent with Gaussian equivalence of the random features "
                                 "(ReLU: its quadratic block kept; the mean feature one spike direction)",
                                 allowance=0.03)
RESIDUAL_EQUIVALENT = equivalent("exact given S; E a_0 by the ridgeless deterministic equivalent")


@dataclass(frozen=True, kw_only=True)
class FeatureModel:
    """The downstream's features as a linear Gaussian model: covariance ``μ_1²SΣSᵀ + μ_*² I_m``."""

    kind: str
    m: int
    mu1: object
    mu_star2: object
    mu0: object
    quad: object = 0  # c_2²: ReLU's degree-2 part, kept as a projected block of x's quadratic features
    tau2: object = 1  # pre-activation variance tr Σ/d


def _evaluate(name: str, t2, b: Backend) -> list:
    """The registered result ``name`` at ``τ² = t2`` in the backend's numbers (mpmath: SymPy at its digits)."""
    if b.dps is None:
        return [b.scalar(c) for c in np.asarray(formula(name)(t2), dtype=float).reshape(-1)]
    expr = get_result(name).expr()
    expr = list(expr) if hasattr(expr, "shape") else [expr]
    t = sp.Float(b.digits(t2), b.dps + 10)
    return [b.scalar(str(sp.N(c.subs(tau2, t), b.dps + 10))) for c in expr]


def feature_model(kind: str, m: int, trace_over_d, b: Backend) -> FeatureModel:
    """``μ_0, μ_1, μ_*²`` (and ReLU's ``c_2²``) at pre-activation variance ``τ² = tr Σ/d`` (registered results)."""
    if kind == "projection":
        return FeatureModel(kind=kind, m=m, mu1=b.scalar(1), mu_star2=b.scalar(0), mu0=b.scalar(0))
    if kind not in FEATURE_MAPS:
        raise NotCoveredError(f"downstream.feature_map: expected one of {', '.join(FEATURE_MAPS)}, got {kind!r}")
    mu0, mu1, mu_star2 = _evaluate(f"{kind}_coefficients", trace_over_d, b)
    quad = _evaluate("relu_quadratic_coefficient", trace_over_d, b)[0] if kind == "relu" else b.scalar(0)
    return FeatureModel(kind=kind, m=m, mu1=mu1, mu_star2=mu_star2, mu0=mu0, quad=quad, tau2=trace_over_d)


# ReLU's quadratic block has d(d+1)/2 directions; above this many it is folded into the white part (m << d² then)
MAX_QUADRATIC_BLOCK = 2_000_000


def feature_spectrum(eigenvalues, weights, model: FeatureModel, b: Backend):
    """The Gaussian input of the features and the linear model on it: ``(spectrum, white noise μ_w²)``.

    ``z = S̃ Σ̃^{1/2} g̃ + μ_w η`` with ``S̃`` i.i.d. ``N(0, 1/D)``: the linear block ``Σ̃ = μ_1²Λ D/d`` (``x``'s own
    ``d`` directions, the chain block) and, for ReLU, the quadratic block of ``x``'s Hermite-2 features, one
    direction per pair ``a <= b`` with variance ``2c_2²λ_aλ_b/(d²τ⁴)`` per feature (times ``D``), ``D = d + d(d+1)/2``;
    ``μ_w² = μ_*²`` minus what that block carries. The teacher lives on the linear block.
    """
    lam = b.array(eigenvalues)
    d = len(lam)
    if not model.quad > 0 or d * (d + 1) // 2 > MAX_QUADRATIC_BLOCK:
        return _Spectrum(lam * model.mu1**2, weights, b), model.mu_star2
    i, j = np.triu_indices(d)
    v = 2 * model.quad * lam[i] * lam[j] / (d * d * model.tau2**2)
    D = d + len(v)
    white = model.mu_star2 - b.fsum(v)
    if not white >= 0:  # pragma: no cover - c_2² < μ_*² for ReLU, and Σ v = c_2²(1 + tr Σ²/(tr Σ)²)
        white = 0 * white
    ext = np.concatenate([lam * model.mu1**2 * D / d, v * D])
    w = np.concatenate([b.array(weights), b.zeros(len(v))])
    return _Spectrum(ext, w, b, block=d), white


class _Spectrum:
    """The sums of the input's eigenvalues (and the teacher's weights ``w_j = λ_j c_j²``) that ``ν`` needs; ``block``:
    the first ``block`` directions are ``x``'s own (where the chain's error lives; all of them by default)."""

    def __init__(self, lam, weights, b: Backend, block: int | None = None):
        self.b, self.lam, self.w, self.d = b, b.array(lam), b.array(weights), len(lam)
        self.block = self.d if block is None else block

    def block_df1(self, v):
        lam = self.lam[: self.block]
        return self.b.fsum(lam / (lam + v))

    def block_s1(self, v):
        lam = self.lam[: self.block]
        return self.b.fsum(lam / (lam + v) ** 2)

    def df1(self, v):
        return self.b.fsum(self.lam / (self.lam + v))

    def df2(self, v):
        r = self.lam / (self.lam + v)
        return self.b.fsum(r * r)

    def s1(self, v):  # −d df_1/dν
        return self.b.fsum(self.lam / (self.lam + v) ** 2)

    def q0(self, v):  # Σ w/(λ+ν)
        return self.b.fsum(self.w / (self.lam + v))

    def q1(self, v):  # dQ/dν = Σ wλ/(λ+ν)²
        return self.b.fsum(self.w * self.lam / (self.lam + v) ** 2)


def _log_root(F, u0, step, b: Backend, *, what: str, scale=1, max_iter=400) -> RootResult:
    """A root in ``u`` of ``F`` (increasing in ``u``), from ``u0`` expanding the bracket by ``step``."""
    f0 = F(u0)
    if f0 == 0:
        return RootResult(root=u0, iterations=0, residual=0.0, backend=b)
    u1 = u0 + step if f0 < 0 else u0 - step
    f1 = F(u1)
    grow = step
    for _ in range(200):
        if (f1 < 0) != (f0 < 0):
            break
        u0, f0 = u1, f1
        grow *= 2
        u1 = u0 + grow if f0 < 0 else u0 - grow
        f1 = F(u1)
    else:  # pragma: no cover - the equations change sign by construction
        raise NotCoveredError(f"{what}: no sign change found")
    lo, flo, hi, fhi = (u0, f0, u1, f1) if u0 < u1 else (u1, f1, u0, f0)
    tol = 64 * b.eps * (abs(scale) + 1)
    return illinois(F, lo, flo, hi, fhi, backend=b, tol=tol, scale=scale, max_iter=b.iteration_cap(max_iter),
                    what=what)


def _nu_zero(spec: _Spectrum, m: int, b: Backend):
    """``ν(0)``: ``df_1(ν_0) = m`` when ``m < d``, else ``0``."""
    if m >= spec.d:
        return b.scalar(0)
    root = _log_root(lambda u: m - spec.df1(b.exp_scalar(u)), b.scalar(0), b.scalar(1), b,
                     what="projection level nu(0): df_1(nu) = m", scale=m)
    return b.exp_scalar(root.root)


def solve_nu(spec: _Spectrum, m: int, zp, b: Backend, nu0=None):
    """``ν`` with ``ν − z'd/m = ν df_1(ν)/m`` (the unique root above ``ν(0)``), ``z' >= 0``."""
    nu0 = _nu_zero(spec, m, b) if nu0 is None else nu0
    if zp == 0:
        return nu0
    target = zp * spec.d / m

    def F(u):
        v = b.exp_scalar(u)
        return v * (1 - spec.df1(v) / m) / target - 1

    start = b.log(target + nu0) if nu0 > 0 else b.log(target)
    return b.exp_scalar(_log_root(F, start, b.scalar(1), b, what="projection level: nu - z d/m = nu df_1(nu)/m").root)


def primitives(spec: _Spectrum, model: FeatureModel, z, b: Backend, nu0):
    """``P(z), Q(z), P'(z), Q'(z), B(z), B'(z)`` (module docstring of :mod:`modelcollapse.theory.model_size`).

    ``spec`` is the features' input (:func:`feature_spectrum`, ``μ_1`` already in its eigenvalues)."""
    v = solve_nu(spec, model.m, z, b, nu0)
    dnu = spec.d / (model.m - spec.df2(v))
    P = spec.d - spec.df1(v)
    Q = v * spec.q0(v)
    return P, Q, spec.s1(v) * dnu, spec.q1(v) * dnu, spec.block - spec.block_df1(v), spec.block_s1(v) * dnu


def _spike(model, kappa):
    """``s/(s + κ)`` of the mean feature ``μ_0 1_m`` (variance ``s = μ_0² m`` in its direction; 0 without μ_0)."""
    s = model.mu0**2 * model.m
    return s / (s + kappa) if s > 0 else 0 * s


def _df1z(spec, model, kappa, b, nu0):
    c = model.mu_star2 + kappa  # model: the white part as mu_star2 (features_error's effective model)
    if c == 0:  # the projection at κ = 0: the rank of Σ_S
        return spec.df1(nu0)
    P = spec.d - spec.df1(solve_nu(spec, model.m, c, b, nu0))
    return model.m - kappa / c * (P + model.m - spec.d) + _spike(model, kappa)


def solve_features_kappa(spec: _Spectrum, model: FeatureModel, ridge, T: int, b: Backend, nu0) -> RootResult:
    """``κ`` with ``κ − λ = κ df_1^z(κ)/T`` (``κ = 0`` when ``λ = 0`` and ``df_1^z(0) < T``)."""
    lam = b.scalar(ridge)
    if ridge == 0:
        top = _df1z(spec, model, b.scalar(0), b, nu0)  # rank of the features' covariance
        if top < T:
            return RootResult(root=b.scalar(0), iterations=0, residual=0.0, backend=b)
        found = _log_root(lambda u: 1 - _df1z(spec, model, b.exp_scalar(u), b, nu0) / T, b.scalar(0),
                          b.scalar(1), b, what="downstream kappa (ridgeless features): df_1^z(kappa) = T")
    else:
        found = _log_root(lambda u: (lambda k: (k - lam - k * _df1z(spec, model, k, b, nu0) / T) / lam)(
            b.exp_scalar(u)), b.log(lam), b.scalar(1), b, what="downstream kappa: kappa - lambda = kappa df_1^z/T")
    return RootResult(root=b.exp_scalar(found.root), iterations=found.iterations, residual=found.residual, backend=b)


@dataclass(frozen=True, kw_only=True)
class FeaturesSolution:
    """The equivalent's test error with its clean bias and variance, and how ``κ`` was found."""

    test_error: object
    clean_error: object
    bias: object
    variance: object
    kappa: object
    iterations: int
    residual: float


def features_error(*, eigenvalues, weights, model: FeatureModel, ridge, T: int, sigma, synthetic_rows: int,
                   chain_error, b: Backend) -> FeaturesSolution:
    """``features_equivalent`` at the solved ``κ`` and ``ν`` (test error, and the clean part at ``e_n = 0``)."""
    spec, white = feature_spectrum(eigenvalues, weights, model, b)
    model = dataclasses.replace(model, mu1=b.scalar(1), mu_star2=white)  # μ_1 is in the spectrum now
    D, d, m = spec.d, spec.block, model.m
    nu0 = _nu_zero(spec, m, b)
    root = solve_features_kappa(spec, model, ridge, T, b, nu0)
    kappa = root.root
    c = model.mu_star2 + kappa
    Pc, Qc, dPc, dQc, Bc, dBc = primitives(spec, model, c, b, nu0)
    Ba = d - spec.block_df1(solve_nu(spec, m, model.mu_star2, b, nu0))  # B(a): no derivative needed
    rho = b.scalar(1) if c == 0 else kappa / c
    f = formula("features_equivalent")
    sig = b.scalar(sigma)
    sk = _spike(model, kappa)
    zero = b.scalar(0)

    def at(Q, dQ, rows, e):
        return f(Pc, dPc, Bc, Ba, dBc, Q, dQ, kappa, rho, sk, T, sig, rows, m, D, d, e)

    total = at(Qc, dQc, synthetic_rows, b.scalar(chain_error))
    clean = at(Qc, dQc, 0, zero)
    variance = at(zero, zero, 0, zero)  # no teacher: the noise's part
    values = (total, clean, variance)
    if not all(np.isfinite(float(v)) and v >= 0 for v in values):
        raise NotCoveredError(f"downstream.features: the equivalent is not finite and non-negative here (m = {m}, "
                              f"T = {T}); the interpolation threshold m = T needs ridge > 0")
    return FeaturesSolution(test_error=total, clean_error=clean, bias=clean - variance, variance=variance,
                            kappa=kappa, iterations=root.iterations, residual=root.residual)


def projection_ols_error(*, eigenvalues, weights, isotropic: bool, m: int, T: int, sigma, synthetic_rows: int,
                         chain_error, b: Backend) -> tuple:
    """``projection_ols_given_s`` with ``E a_0``: ``(test_error, clean_error, variance, provenance)``.

    Needs ``λ = 0`` and ``T >= min(m, d) + 2``. ``E a_0`` is exact for ``Σ ∝ I`` and for ``m >= d``.
    """
    d = len(eigenvalues)
    r = min(m, d)
    if T < r + 2:
        raise DivergentError(f"downstream.T: the OLS fit on {r} features needs T >= {r + 2}")
    spec = _Spectrum(eigenvalues, weights, b)
    norm = b.fsum(b.array(weights))
    if m >= d:
        a0, prov = b.scalar(0), EXACT
    elif isotropic:
        a0, prov = (1 - b.scalar(m) / d) * norm, EXACT
    else:
        nu0 = _nu_zero(spec, m, b)
        a0, prov = nu0 * spec.q0(nu0), RESIDUAL_EQUIVALENT
    f = formula("projection_ols_given_s")
    sig = b.scalar(sigma)
    total = f(a0, sig, T, synthetic_rows, r, d, b.scalar(chain_error))
    clean = f(a0, sig, T, 0, r, d, b.scalar(0))
    variance = f(b.scalar(0), sig, T, 0, r, d, b.scalar(0))
    return total, clean, variance, prov


def combine(chain: Provenance, downstream: Provenance) -> Provenance:
    """The weaker provenance of the chain's error and the downstream's formula (larger allowance)."""
    if chain.is_exact:
        return downstream
    if downstream.is_exact or downstream.allowance <= chain.allowance:
        return chain
    return Provenance(kind=chain.kind, detail=chain.detail, allowance=downstream.allowance)
