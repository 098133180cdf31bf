"""Numbers of weighted real and synthetic data (THEORY.md §3.13; :mod:`modelcollapse.theory.weighting`).

Generation ``k`` fits ``r_k`` real and ``s_k`` synthetic rows with total weight ``w_k`` on the real part.
The chain error obeys ``e_k = α_k e_{k−1} + σ0_k² β_k`` exactly (rotation invariance); ``α_k, β_k``
are the leave-one-out equivalents at ``q = tr M⁻¹`` (registered ``weighted_q_residual``, solved here
by the Illinois method in the backend's numbers), except where the block's fit is one exact OLS fit
(``w = 0`` or ``1``: the equivalents are then exact) or the pooled fit (``w = r_k/T0_k``: the exact
``replace_real_step``). Everything is independent of ``Σ`` and of the teacher.

Examples
--------
>>> from modelcollapse.numerics.backend import FLOAT64
>>> round(golden_weight(1.0), 12), round(pooling_weight(1.0), 12)
(0.61803398875, 0.5)
>>> e = stationary_error(0.618, 100, 100, 50, 1.0, FLOAT64)
>>> round(float(e), 4)  # Monte Carlo of the definition (n = 8, near stationary): 0.4665 ± 0.0008
0.4667
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import scipy.optimize

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.roots import RootResult, illinois
from modelcollapse.theory import get_result
from modelcollapse.theory.errors import FixedPointError, NotCoveredError
from modelcollapse.theory.provenance import EXACT, Provenance

__all__ = ["golden_weight", "pooling_weight", "solve_q", "block_coefficients", "WeightedChain", "weighted_chain",
           "stationary_error", "optimal_weight", "exact_block"]


def golden_weight(k: float) -> float:
    """The paper's optimal real weight ``w* = (√(k² + 4k) − k)/2``, ``k = n_r/n_s`` (``weighted_optimal_weight``)."""
    return float(formula("weighted_optimal_weight")(float(k)))


def pooling_weight(k: float) -> float:
    """The real weight of the unweighted (pooled) fit, ``k/(1 + k)``."""
    return float(formula("weighted_pooling_weight")(float(k)))


def exact_block(w: float, r: int, s: int) -> str | None:
    """Which exact case a block's weight is: ``"pooled"`` (``w = r/T0``), ``"one part"`` (``w = 0, 1``), or ``None``."""
    if w in (0.0, 1.0):
        return "one part"
    if math.isclose(w, r / (r + s), rel_tol=0, abs_tol=1e-15):
        return "pooled"
    return None


def solve_q(w, r: int, s: int, d: int, backend: Backend = FLOAT64) -> RootResult:
    """``q = tr M⁻¹``: the root of ``weighted_q_residual`` (increasing in ``q``), bracketed from ``q = d + 1``.

    Raises
    ------
    NotCoveredError
        The weighted rows are not more than ``d + 1`` (the ridgeless weighted fit is not an OLS fit).
    FixedPointError
        Not converged (its residual).
    """
    b = backend
    active = (r if w > 0 else 0) + (s if w < 1 else 0)
    if active <= d + 1:
        raise NotCoveredError(f"generators.T0: a weighted least-squares block needs more than d + 1 = {d + 1} rows "
                              f"with positive weight, got {active}")
    F = formula("weighted_q_residual")
    wq = b.scalar(w)

    def f(q):
        return F(wq, r, s, d, q)

    lo = b.scalar(d + 1)  # F(q) <= q − (d + 1): negative at q = d + 1
    f_lo = f(lo)
    hi = lo * 2
    f_hi = f(hi)
    for _ in range(2000):
        if f_hi > 0:
            break
        lo, f_lo, hi = hi, f_hi, hi * 2
        f_hi = f(hi)
    else:
        raise FixedPointError("weighted q equation: no bracket found", residual=float(abs(f_hi)), iterations=2000)
    if f_lo >= 0:  # exactly at the root
        return RootResult(root=lo, iterations=0, residual=0.0, backend=b)
    return illinois(f, lo, f_lo, hi, f_hi, backend=b, tol=b.eps * (d + 1) * 4, scale=d + 1,
                    max_iter=b.iteration_cap(200, 2000), what="weighted q equation")


def block_coefficients(w, r: int, s: int, d: int, backend: Backend = FLOAT64):
    """``(α, β, exact, root)`` of one block: ``e_k = α e_{k−1} + σ0² β``; ``root``: the ``q`` solve (or ``None``)."""
    b = backend
    kind = exact_block(float(w), r, s)
    if kind == "pooled":  # the exact pooled chain: replace_real_step at e = 0 gives β, its slope α
        step = formula("replace_real_step")
        beta = step(b.scalar(0), r + s, s, d, b.scalar(1))
        alpha = step(b.scalar(1), r + s, s, d, b.scalar(0))
        return alpha, beta, True, None
    root = solve_q(w, r, s, d, b)
    q = root.root
    alpha = formula("weighted_alpha")(b.scalar(w), r, s, d, q)
    beta = formula("weighted_beta")(b.scalar(w), r, s, d, q)
    return alpha, beta, kind is not None, root


@dataclass(frozen=True, kw_only=True)
class WeightedChain:
    """The chain error ``e_n`` of weighted generators, its provenance, the weights used and the solver's effort."""

    error: object
    provenance: Provenance
    weights: tuple[float, ...]
    alphas: tuple[float, ...]
    iterations: int
    residual: float = 0.0  # the largest relative residual of the q solves


def weighted_chain(weights, reals, synthetics, sigma0s, d: int, backend: Backend = FLOAT64) -> WeightedChain:
    """``e_n`` of the replace chain with block weights ``weights`` (module docstring), ``e_0 = 0``."""
    b = backend
    e = b.scalar(0)
    exact_all, iterations, residual, alphas = True, 0, 0.0, []
    for w, r, s, s0 in zip(weights, reals, synthetics, sigma0s):
        alpha, beta, exact, root = block_coefficients(w, r, s, d, b)
        e = alpha * e + b.scalar(s0) ** 2 * beta
        exact_all = exact_all and exact
        if root is not None:
            iterations += root.iterations
            residual = max(residual, float(root.residual))
        alphas.append(float(alpha))
    provenance = EXACT if exact_all else get_result("weighted_step").provenance
    return WeightedChain(error=e, provenance=provenance, weights=tuple(float(w) for w in weights),
                         alphas=tuple(alphas), iterations=iterations, residual=residual)


def stationary_error(w, r: int, s: int, d: int, sigma0: float, backend: Backend = FLOAT64):
    """``e_∞ = σ0² β/(1 − α)`` for equal blocks (``w > 0``)."""
    if not w > 0:
        raise NotCoveredError("generators.real_weight: w = 0 has no stationary error (the chain grows linearly)")
    alpha, beta, _, _ = block_coefficients(w, r, s, d, backend)
    return backend.scalar(sigma0) ** 2 * beta / (1 - alpha)


def optimal_weight(r: int, s: int, d: int, *, generations: int | None = None) -> RootResult:
    """The real weight minimising the regression chain error (stationary, or after ``generations`` equal blocks).

    Bounded minimisation in float64 (``scipy.optimize.minimize_scalar``, ``xatol = 1e-10``) of the equivalent;
    ``residual`` is the relative central-difference slope at the minimiser. At ``d/T0 → 0`` it tends to
    :func:`golden_weight`; at proportional ``d/T0`` it lies above it (THEORY.md §3.13).

    Raises
    ------
    FixedPointError
        The minimiser did not converge.
    """
    def error(w):
        if generations is None:
            return float(stationary_error(w, r, s, d, 1.0))
        return float(weighted_chain((w,) * generations, (r,) * generations, (s,) * generations,
                                    (1.0,) * generations, d).error)

    res = scipy.optimize.minimize_scalar(error, bounds=(1e-6, 1 - 1e-9), method="bounded",
                                         options={"xatol": 1e-10, "maxiter": 500})
    if not res.success:
        raise FixedPointError(f"optimal real weight: the minimiser did not converge ({res.message})",
                              residual=float("inf"), iterations=int(res.nfev))
    h = 1e-5
    slope = (error(min(res.x + h, 1 - 1e-12)) - error(max(res.x - h, 1e-12))) / (2 * h)
    return RootResult(root=float(res.x), iterations=int(res.nfev), residual=abs(slope) / max(res.fun, 1e-300))
