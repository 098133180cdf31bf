"""Over-parameterised generators (``T0 < d``) and per-generation schedules (THEORY.md §3.5).

The chain's moments for the regime :mod:`modelcollapse.numerics.regimes.overparam_generators`
(some generation has ``T0_k < d + 2``). It runs one recursion over the generations on the
per-eigendirection mean shrinkage ``π_j`` and energy ``t_j = λ_j E(ŵ_k)_j²`` (formulas of
:mod:`modelcollapse.theory.overparam`, evaluated through :func:`~modelcollapse.numerics.formulas.formula`),
then puts the downstream ridge on top:
``E_test = B + V + Σ_j [ΔB_j + ΔV_j]`` (clean bias and variance, bias increase, variance increase).

Each generation is one of three kinds (the covered region):

* ``T0_k <= d − 2`` — minimum-norm interpolation, a projection step (any ``σ0_k``);
  ``T0_k = d − 1`` is covered only with ``σ0_k = 0`` (a projection step without noise);
* ``T0_k >= d + 2`` — OLS: ``P = I``, exact noise ``σ0_k² Σ⁻¹/(T0_k − d − 1)``;
  ``T0_k ∈ {d, d + 1}`` is covered only with ``σ0_k = 0``: ``X_k`` has full column rank, so
  ``ŵ_k = ŵ_{k−1}``;
* ``d − 1 <= T0_k <= d + 1`` with ``σ0_k > 0``: the generator error is infinite
  (``E tr(XXᵀ)⁻¹`` or ``E tr(XᵀX)⁻¹`` diverges) — :class:`NotCoveredError`.

Exactness: for ``Σ ∝ I`` the chain is exact (uniform random projections, inverse-Wishart noise).
Otherwise each projection step is a deterministic equivalent with leave-one-out finite-size
corrections (ridgeless ``κ̂``, see :func:`modelcollapse.theory.overparam.finite_size_derivation`;
they keep ``tr P = T0`` and ``P² = P`` exact) and the generator noise a plain equivalent at ``κ0``
with a heuristic finite-size correction (exact for ``Σ ∝ I``). Measured against simulation at
``d = 100–200`` (power laws ``β = 1.5–3``, source ``r <= 0.5``): chain errors within about 1.5%,
noise term within 1.2%; smooth teachers (``r = 1``, errors of ``1e-4`` and below) 2–10% low at
small ``T0``. Where ``D = df_1 − df_2`` is too small for the ``O(1/D)`` terms (``T0 <= 2`` with very
steep spectra) or ``T0 = d − 1``, the plain equivalent is used and a note says so. The
downstream smoother's ``a_j``, ``γ_j`` are exact for OLS (``λ = 0``, ``T >= d + 2``) and ridgeless
``Σ = I``; deterministic equivalents otherwise, at the same ``κ`` as the clean error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.errors import DivergentError, FixedPointError, NotCoveredError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.roots import RootResult, illinois
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.theory.provenance import EXACT, Provenance, heuristic

__all__ = ["ChainMoments", "generation_kinds", "chain_moments", "solve_kappa_hat", "total"]

PROJECTION, OLS, IDENTITY = "projection", "ols", "identity"
CHAIN_FINITE = ("deterministic equivalent with finite-size corrections (ridgeless kappa_hat, leave-one-out O(1/D) "
                "terms; exact for Sigma = cI)")
NOISE_HEURISTIC = ("generator noise with heuristic finite-size correction T0 - df2 - (df2 - df3)/(T0 - df2) "
                   "(exact for Sigma = cI, measured within 1.2%)")


@dataclass(frozen=True, kw_only=True)
class ChainMoments:
    """First and second moments of the last generator ``ŵ_n``, per eigendirection.

    Attributes
    ----------
    energy : array or scalar
        ``t_j = λ_j E(ŵ_n)_j²`` (``Σ ∝ I``: the total ``E‖ŵ_n‖²_Σ``, a scalar).
    shrink : array or scalar
        ``π_j = E(ŵ_n)_j / c_j`` (``Σ ∝ I``: one number, ``Π_k T0_k/d`` over projection steps).
    weights : array or scalar
        ``w_j = λ_j c_j²`` (``Σ ∝ I``: ``‖w0‖²_Σ``).
    provenance : str
    iterations, residual :
        How the generators' ``κ`` solves converged (the worst over the schedule).
    notes : tuple of str
        The generators' ``κ0``, ``κ̂`` and where a fallback was used.
    """

    energy: object
    shrink: object
    weights: object
    provenance: Provenance
    iterations: int = 0
    residual: float = 0.0
    notes: tuple = ()

    def error(self, backend: Backend):
        """``E‖ŵ_n − w0‖²_Σ = Σ_j (t_j − 2π_j w_j + w_j)`` (the test-error summand with ``a = γ = 1``)."""
        one = backend.scalar(1)
        return total(formula("overparam_test_error_summand")(one, self.energy, one, self.shrink, self.weights), backend)


def total(x, b: Backend):
    """Sum over eigendirections (arrays), or the number itself (``Σ ∝ I`` totals)."""
    return b.fsum(x) if isinstance(x, np.ndarray) else x


def generation_kinds(scenario: Scenario) -> tuple[str, ...]:
    """The kind of every generation (projection, OLS or identity), or a clear error.

    Raises
    ------
    NotCoveredError
        Some ``d − 1 <= T0_k <= d + 1`` with ``σ0_k > 0``: the generator error is infinite.
    """
    d, gen = scenario.d, scenario.generators
    kinds = []
    for k, (t0, s0) in enumerate(zip(gen.T0[: gen.n], gen.sigma0[: gen.n]), start=1):
        if abs(t0 - d) <= 1 and s0 > 0:
            raise DivergentError(
                f"generators.T0: the generator error is infinite for d-1 <= T0 <= d+1 (T0 = {t0}, d = {d}) "
                f"at generation {k} with sigma0 = {s0:g} > 0; use T0 <= d-2, T0 >= d+2, or sigma0 = 0 there"
            )
        kinds.append(PROJECTION if t0 < d else (OLS if t0 >= d + 2 else IDENTITY))
    return tuple(kinds)


def _isotropic_chain(scenario: Scenario, kinds, W0, b: Backend) -> ChainMoments:
    """Exact chain for ``Σ = cI``: ``S_k = q_k S_{k−1} + ν_k``, ``Π_n = Π_k q_k``."""
    d = b.scalar(scenario.d)
    gen = scenario.generators
    shrink_of, noise_of, ols_of = (
        formula("overparam_iso_shrink"),
        formula("overparam_iso_noise"),
        formula("generator_factor"),
    )
    S, Pi, one = W0, b.scalar(1), b.scalar(1)
    for kind, t0, s0 in zip(kinds, gen.T0, gen.sigma0):
        T0, s0 = b.scalar(t0), b.scalar(s0)
        if kind == PROJECTION:
            q = shrink_of(T0, d)
            S, Pi = q * S, q * Pi
            if s0 > 0:  # at T0 = d − 1 only σ0 = 0 is covered (the noise term is 0·∞ there)
                S = S + noise_of(s0, T0, d)
        elif kind == OLS:
            S = S + ols_of(one, s0, T0, d) * d
    return ChainMoments(energy=S, shrink=Pi, weights=W0, provenance=EXACT)


def solve_kappa_hat(sums: SpectralSums, T0: int, kappa0, *, max_iter: int | None = None):
    """``κ̂``: root of ``df_1 − (df_2 − df_3)/(df_1 − df_2) = T0`` below the plain ``κ0`` (``T0 <= d − 2``).

    The left side tends to ``d − 1 > T0`` as ``κ → 0`` and is below ``T0`` at ``κ0``; the root is
    bracketed in ``u = log κ`` and found by the Illinois variant of regula falsi, to a relative
    residual of a few ulps of the backend.

    Returns
    -------
    RootResult
        ``root = κ̂``; the residual relative to ``T0``.

    Raises
    ------
    FixedPointError
        The bracket cannot be found or the iteration does not converge (with the residual).
    """
    b = sums.backend
    residual_of = formula("overparam_kappa_hat_residual")
    T = b.scalar(T0)

    def F(u):
        k = b.exp(u)
        return residual_of(sums.df(k, 1), sums.df(k, 2), sums.df(k, 3), T)

    u_hi = b.log(kappa0)
    f_hi = F(u_hi)
    u_lo, f_lo = u_hi - 1, F(u_hi - 1)
    for _ in range(400):
        if f_lo > 0:
            break
        u_hi, f_hi = u_lo, f_lo
        u_lo = u_lo - 2
        f_lo = F(u_lo)
    else:
        raise FixedPointError("could not bracket the corrected ridgeless κ̂ of a generator",
                              residual=float(abs(f_lo)) / T0, iterations=0)
    if not f_hi < 0:
        raise FixedPointError("could not bracket the corrected ridgeless κ̂ of a generator",
                              residual=float(abs(f_hi)) / T0, iterations=0)
    max_iter = max_iter or b.iteration_cap(200)
    found = illinois(F, u_lo, f_lo, u_hi, f_hi, backend=b, tol=64 * b.eps * T, scale=T, max_iter=max_iter,
                     what="corrected ridgeless κ̂ of a generator")
    return RootResult(root=b.exp(found.root), iterations=found.iterations, residual=found.residual, backend=b)


@dataclass(frozen=True)
class _Projection:
    """Moments of one projection ``P = X⁺X`` with ``T0`` rows, per eigendirection."""

    p_hat: object  # λ_j/(λ_j + κ̂)
    D: object  # df_1 − df_2 at κ̂
    mean: object  # E P_jj (corrected p̃_j, or the plain p_j)
    p0: object  # plain λ_j/(λ_j + κ0): the noise term, and the whole step where uncorrected
    df2: object  # plain df_2 at κ0
    df3: object  # plain df_3 at κ0
    kappa0: float
    kappa_hat: float | None  # None: the plain equivalent is used (correction not applicable)
    iterations: int
    residual: float


def _projection(sums: SpectralSums, t0: int, b: Backend, notes: list) -> _Projection:
    """Corrected moments at ``κ̂`` and the plain ``κ0`` ones (noise term; fallback), for ``T0 <= d − 1``."""
    sol = solve_kappa(sums, b.scalar(0), t0)
    lam, k0 = sums.eigenvalues, sol.kappa
    shrink_of = formula("overparam_shrink")
    p0 = shrink_of(lam, k0)
    df2, df3 = b.fsum(p0 * p0), b.fsum(p0 * p0 * p0)
    plain = dict(p0=p0, df2=df2, df3=df3, kappa0=float(k0))
    if t0 <= sums.d - 2:
        hat = solve_kappa_hat(sums, t0, k0)
        k_hat, it, res = hat.root, hat.iterations, hat.residual
        p_hat = shrink_of(lam, k_hat)
        D = b.fsum(p_hat * (1 - p_hat))
        mean = formula("overparam_mean_shrink")(p_hat, D)
        scale = formula("overparam_offdiagonal_scale")(p_hat, D)
        if np.all(np.asarray(scale > 0, dtype=bool)) and np.all(np.asarray((mean > 0) & (mean < 1), dtype=bool)):
            return _Projection(p_hat=p_hat, D=D, mean=mean, kappa_hat=float(k_hat), iterations=max(sol.iterations, it),
                               residual=max(sol.residual, res), **plain)
        notes.append(f"generators: at T0 = {t0} the finite-size correction does not apply (D = df1 - df2 = "
                     f"{float(D):.3g} "
                     "is too small for its O(1/D) terms): plain deterministic equivalent there")
    else:
        notes.append(f"generators: T0 = {t0} = d - 1 (sigma0 = 0): plain deterministic equivalent of the projection")
    return _Projection(p_hat=p0, D=b.scalar(t0) - df2, mean=p0, kappa_hat=None, iterations=sol.iterations,
                       residual=sol.residual, **plain)


def _general_chain(scenario: Scenario, kinds, lam, w, b: Backend) -> ChainMoments:
    """Per-direction recursion of ``t_j`` and ``π_j`` for general ``Σ`` (finite-size corrected equivalents)."""
    gen, d = scenario.generators, scenario.d
    sums = SpectralSums(lam, None, b)
    step, step_de, ols_of = (
        formula("overparam_energy_step_expanded"),
        formula("overparam_energy_step_de"),
        formula("generator_factor"),
    )
    dd, one, zero = b.scalar(d), b.scalar(1), b.scalar(0)
    cache, notes = {}, []
    t, pi = w.copy(), np.full(len(lam), one, dtype=lam.dtype)
    noisy_projection = plain_used = False
    for k, (kind, t0, s0) in enumerate(zip(kinds, gen.T0, gen.sigma0), start=1):
        T0, s0 = b.scalar(t0), b.scalar(s0)
        if kind == OLS:
            t = t + ols_of(one, s0, T0, dd)  # λ_j (Σ⁻¹)_jj σ0²/(T0 − d − 1), exact
            continue
        if kind == IDENTITY:
            continue
        if t0 not in cache:
            cache[t0] = _projection(sums, t0, b, notes)
        proj = cache[t0]
        if s0 > 0:
            noisy_projection = True
            denominator = T0 - proj.df2 - (proj.df2 - proj.df3) / (T0 - proj.df2)
            if not denominator > 0:
                raise NotCoveredError(
                    f"generators.T0: the generator-noise equivalent is not valid at generation {k} (T0 = {t0}, d = "
                    f"{d}): "
                    f"T0 - df2 - (df2 - df3)/(T0 - df2) = {float(denominator):.3g} <= 0, too few effective samples; "
                    "use a larger T0 or sigma0 = 0 there"
                )
        if proj.kappa_hat is None:
            plain_used = True
            R = b.fsum((one - proj.p0) ** 2 * t)
            t = step_de(t, proj.p0, R, s0, T0, proj.df2)
        else:
            R = b.fsum((one - proj.p_hat) ** 2 * t)
            # σ0 = 0: no noise term
            p0, df2, df3 = (proj.p0, proj.df2, proj.df3) if s0 > 0 else (zero * proj.p0, zero, zero)
            t = step(t, proj.p_hat, R, proj.D, s0, p0, T0, df2, df3)
        pi = pi * proj.mean
    # heuristic kind: the leave-one-out corrections are measured (within ~1.5%), not the 1/d expansion of §3.9
    provenance = heuristic(CHAIN_FINITE + ("; plain equivalent where noted" if plain_used else "")
                           + ("; " + NOISE_HEURISTIC if noisy_projection else ""))
    if PROJECTION not in kinds:  # only OLS (inverse-Wishart noise) and identity steps: π = 1, t_j exact
        provenance = EXACT
    for t0, proj in sorted(cache.items()):
        hat = f", corrected kappa_hat = {proj.kappa_hat:.6g}" if proj.kappa_hat is not None else ""
        notes.append(f"generators: ridgeless kappa0 = {proj.kappa0:.6g}{hat} at T0 = {t0}")
    return ChainMoments(energy=t, shrink=pi, weights=w, provenance=provenance,
                        iterations=max((p.iterations for p in cache.values()), default=0),
                        residual=max((p.residual for p in cache.values()), default=0.0), notes=tuple(notes))


def chain_moments(scenario: Scenario, backend: Backend) -> ChainMoments:
    """Moments of ``ŵ_n`` for any covered schedule (see the module docstring)."""
    kinds = generation_kinds(scenario)
    spectrum = scenario.spectrum
    if not spectrum.is_finite:
        raise NotCoveredError("spectrum.d: over-parameterised generators need a finite d")
    lam = spectrum.eigenvalues(backend)
    w = scenario.teacher.weights(spectrum, backend)
    if spectrum.is_isotropic:
        return _isotropic_chain(scenario, kinds, backend.fsum(w), backend)
    return _general_chain(scenario, kinds, lam, w, backend)
