"""Chains of OLS fits on pools of blocks: the operator-valued deterministic equivalent (THEORY.md §3.7).

The derivation and the equations are :mod:`modelcollapse.theory.pool_chain`. In the whitened
problem every row ``m`` of the pool is a *type* — its block ``b``, its label source ``s`` (the
generator that labelled it; none for real rows and the first block) and its independent Bernoulli
memberships of the fits ``k >= b`` (probability ``q_k``: 1 for accumulate, ``T0_k/N_k`` for
accumulate-subsample, ``[k = b]`` for replace). With ``D = (I + Eχ)⁻¹E`` and ``r = (I + Eχ)⁻¹s``
(``E = diag(s)(I − 1 e_sᵀ)``, ``n × n``):

    χ Σ_m E[D_m] = d' I                                      (first order; closed-form forward substitution)
    Z = Ψ A Ψᵀ + Ψ 𝒯(Z) Ψᵀ,  Ψ = χ/d',  A = Σ_m σ_m² E[r_m r_mᵀ],  𝒯(Z) = Σ_m E[D_m C_m(Z) D_mᵀ]
    C_m(Z) = d'Z − W2∘(Z e_s 1ᵀ + 1 e_sᵀ Z) + W1 Z_ss   (real rows: d'Z)
    e_k = d Z_kk,   d' = d + 1,

with the finite-size source weights ``W1[k, l] = d' + (√(w_k w_l) − d')√((1 − o_ks)(1 − o_ls))``,
``W2 = (d' + W1)/2``, ``w_k`` the exact one-fit weight ``pool_source_weight(T_k, N_k, d)`` and
``o_kj`` the share of fit ``j``'s rows that fit ``k`` re-uses (0 replace, 1 accumulate,
``T0_k/N_k`` accumulate-subsample). The expectations over the memberships are causal recursions
(``pool_row_gain``): row ``k`` of ``D c`` is ``y_k = s_k (c_k − Σ_{j<k} χ_kj y_j)/(1 + χ_kk)``, and
``s_k`` is independent of ``y_{<k}``, so first and second moments follow exactly in ``O(n³)`` per type.

Solving: ``χ`` row by row (each row a triangular solve, no iteration); ``Z`` from the linear
equation by GMRES in float64 (matrix-free), refined in the backend's precision by residual
correction (each round gains about 14 digits), so ``precision=`` digits are honoured.

Exactness, measured: the equations reproduce the exact replace (also with real rows: the exact
mixing factor) and accumulate chain errors and the accumulate-with-real-rows recursion to 1e-11
relative (tests/test_pool_chain.py) — which is how they are checked; they are used for
accumulate-subsample, where no exact result is known. Cost: ``n = 64`` generations in 0.7 s in
float64, 108 s at 30 digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, gmres

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.theory.errors import FixedPointError, NotCoveredError

__all__ = ["PoolTypes", "pool_types", "PoolChainSolution", "solve_pool_chain", "MAX_GENERATIONS"]

# Cost grows as n^4 per application of 𝒯 (n generations, 2n row types): n = 64 takes 0.6 s in float64
# and about 2 minutes at 30 digits on one core (benchmarks/bench_pool_chain.py); beyond it: refused.
MAX_GENERATIONS = 64
_MAX_REFINEMENTS = 40


@dataclass(frozen=True, kw_only=True)
class PoolTypes:
    """The row types of a pooled chain (arrays over types; generation indices from 0)."""

    d: int
    counts: tuple[int, ...]  # rows of the type
    block: tuple[int, ...]  # first fit that can select it
    source: tuple[int, ...]  # generator that labelled it, -1 for w0 (real rows, first block)
    noise: tuple[float, ...]  # σ0 of its block
    selected: tuple[tuple[int, ...], ...]  # q_k = selected_k / pool_k: rows fit k draws ...
    pool: tuple[tuple[int, ...], ...]  # ... from the rows it can draw from (exact rationals)
    fit_rows: tuple[int, ...]  # T_k: rows fit k uses
    draw_rows: tuple[int, ...]  # N_k: rows it draws them from (replace: its block; accumulate: the pool, all drawn)
    overlap: tuple[tuple[float, ...], ...]  # o[k][j]: share of fit j's rows that fit k re-uses (j < k)

    @property
    def n(self) -> int:
        return len(self.pool[0])


def pool_types(*, scheme: str, d: int, T0, sigma0, real_counts) -> PoolTypes:
    """Row types of ``scheme`` for blocks ``T0`` (first block labelled by ``w0``), noises and real rows."""
    n = len(T0)
    pools = np.cumsum(T0)
    counts, block, source, noise, selected, pool = [], [], [], [], [], []
    for b in range(n):
        if scheme == "replace":
            num = tuple(int(k == b) for k in range(n))
        elif scheme == "accumulate":
            num = tuple(int(k >= b) for k in range(n))
        elif scheme == "accumulate-subsample":
            num = tuple(int(T0[k]) if k >= b else 0 for k in range(n))
        else:
            raise ValueError(f"scheme: expected replace, accumulate or accumulate-subsample, got {scheme!r}")
        den = tuple(int(pools[k]) if scheme == "accumulate-subsample" else 1 for k in range(n))
        real = T0[b] if b == 0 else real_counts[b]
        for rows, src in ((real, -1), (T0[b] - real, b - 1)):
            if rows:
                counts.append(int(rows))
                block.append(b)
                source.append(src)
                noise.append(sigma0[b])
                selected.append(num)
                pool.append(den)
    if scheme == "replace":
        fit_rows, draw_rows = tuple(T0), tuple(T0)
        overlap = tuple(tuple(0.0 for _ in range(n)) for _ in range(n))
    elif scheme == "accumulate":
        fit_rows = draw_rows = tuple(int(p) for p in pools)
        overlap = tuple(tuple(1.0 if j < k else 0.0 for j in range(n)) for k in range(n))
    else:
        fit_rows, draw_rows = tuple(T0), tuple(int(p) for p in pools)
        overlap = tuple(tuple(T0[k] / int(pools[k]) if j < k else 0.0 for j in range(n)) for k in range(n))
    return PoolTypes(d=d, counts=tuple(counts), block=tuple(block), source=tuple(source), noise=tuple(noise),
                     selected=tuple(selected), pool=tuple(pool), fit_rows=fit_rows, draw_rows=draw_rows,
                     overlap=overlap)


@dataclass(frozen=True, kw_only=True)
class PoolChainSolution:
    """Chain errors ``e_k`` of every generation, and how the linear equation for ``Z`` was solved."""

    errors: np.ndarray  # e_1 .. e_n, backend numbers
    iterations: int  # GMRES iterations plus refinement rounds
    residual: float  # max |B + 𝒦(Z) − Z| / max |Z| at the returned Z


class _Equations:
    """The two equations of the module docstring for one set of row types, in one backend."""

    def __init__(self, types: PoolTypes, b: Backend):
        self.b = b
        n, self.n = types.n, types.n
        self.d = types.d
        self.dp = b.scalar(types.d + 1)
        self.counts = b.array(types.counts)
        noise = b.array(types.noise) ** 2
        # e_k is homogeneous of degree 2 in the noises: solve at unit scale (1e-200 or 1e150 stay finite)
        self.noise_scale = max(noise)
        self.noise = noise / self.noise_scale if self.noise_scale > 0 else noise
        self.q = b.array(types.selected) / b.array(types.pool)  # (types, n)
        self.fit_rows = types.fit_rows
        self.src = np.asarray(types.source)
        self.real = self.src < 0
        self.onehot = b.array(np.zeros((len(self.src), n)))
        self.onehot[~self.real, self.src[~self.real]] = b.scalar(1)
        self.chi = self._first_order()
        self.psi = self.chi / self.dp
        self.w1, self.w2 = self._source_weights(types)

    def _source_weights(self, types: PoolTypes):
        """``W1``, ``W2`` of each synthetic row type's label-error covariance (module docstring, ``C_m``)."""
        b, n = self.b, self.n
        w = formula("pool_source_weight")(b.array(types.fit_rows), b.array(types.draw_rows), self.d)
        root = b.sqrt(np.outer(w, w))
        keep = b.sqrt(1 - b.array(types.overlap))  # keep[k, j] = sqrt(1 − o_kj)
        w1 = np.full((len(self.src), n, n), b.scalar(0), dtype=self.q.dtype)
        for t, src in enumerate(self.src):
            if src >= 0:
                a = keep[:, src]
                w1[t] = self.dp + (root - self.dp) * np.outer(a, a)
        w2 = np.where(self.real[:, None, None], b.scalar(0), (self.dp + w1) / 2)
        return w1, w2

    def _first_order(self) -> np.ndarray:
        """``χ`` with ``χ Σ_m E[D_m] = d' I``, row by row (module docstring)."""
        b, n = self.b, self.n
        zero = b.scalar(0)
        gain = formula("pool_row_gain")
        self_response = formula("pool_self_response")
        chi = np.full((n, n), zero, dtype=self.q.dtype)
        mean = np.full((len(self.src), n, n), zero, dtype=self.q.dtype)  # E[D] per type
        for k in range(n):
            q_k = self.q[:, k]
            rows = self.fit_rows[k]  # = Σ_m q_k over the pool, exactly
            if rows < self.d + 2:
                raise NotCoveredError(f"generators.T0: fit {k + 1} uses {rows} rows; the pooled-chain equivalent "
                                      f"needs at least d + 2 = {self.d + 2}")
            chi[k, k] = self_response(b.scalar(rows), self.d)
            beta = chi[k, k] / (1 + chi[k, k])
            pattern = -self.onehot.copy()
            pattern[:, k] += 1  # rows of c = (I − 1 e_srcᵀ) e_j, row k
            Q = (self.counts * q_k) @ pattern
            if k:
                M_prev = np.tensordot(self.counts, mean[:, :k, :], axes=1)  # Σ_m E[D_m], rows < k
                H = np.tensordot(self.counts * q_k, mean[:, :k, :], axes=1)
                L = M_prev[:, :k] - beta * H[:, :k]  # x L = −β Q[:k], L lower triangular
                x = np.full(k, zero, dtype=self.q.dtype)
                for j in range(k - 1, -1, -1):
                    x[j] = (-beta * Q[j] - x[j + 1:] @ L[j + 1:, j]) / L[j, j]
                chi[k, :k] = x
                mean[:, k, :] = gain(q_k, chi[k, k])[:, None] * (pattern
                                                                 - np.tensordot(mean[:, :k, :], x, axes=([1], [0])))
            else:
                mean[:, k, :] = gain(q_k, chi[k, k])[:, None] * pattern
        return chi

    def second_moments(self, Ecc, *, weights) -> np.ndarray:
        """``Σ_m weight_m E[D_m C_m D_mᵀ]`` for the label-error covariances ``Ecc[m] = C_m`` (types × n × n)."""
        b, n, chi = self.b, self.n, self.chi
        zero = b.scalar(0)
        types = len(self.src)
        gain = formula("pool_row_gain")
        S = np.full((types, n, n), zero, dtype=self.q.dtype)
        Cy = np.full((types, n, n), zero, dtype=self.q.dtype)  # Cy[t, i, l] = E[c_i y_l]
        for k in range(n):
            ch = chi[k, :k]
            g = gain(self.q[:, k], chi[k, k])
            Cy[:, :, k] = g[:, None] * (Ecc[:, :, k] - Cy[:, :, :k] @ ch)
            if k:
                S_ch = S[:, :k, :k] @ ch
                row = g[:, None] * (Cy[:, k, :k] - S_ch)
                S[:, k, :k] = row
                S[:, :k, k] = row
                quad = Ecc[:, k, k] - 2 * (Cy[:, k, :k] @ ch) + S_ch @ ch
            else:
                quad = Ecc[:, k, k]
            S[:, k, k] = g / (1 + chi[k, k]) * quad
        return np.tensordot(weights, S, axes=1)

    def label_covariances(self, Z) -> np.ndarray:
        """``C_m(Z) = d'Z − W2∘(Z e_s 1ᵀ + 1 e_sᵀ Z) + W1 Z_ss`` per row type (``d'Z`` for real rows)."""
        zs = self.onehot @ Z  # Z[src, :] per type (0 for real rows)
        zss = (zs * self.onehot).sum(axis=1)
        return self.dp * Z[None, :, :] - self.w2 * (zs[:, None, :] + zs[:, :, None]) + self.w1 * zss[:, None, None]

    def kernel(self, Z) -> np.ndarray:
        """``𝒦(Z) = Ψ 𝒯(Z) Ψᵀ``, ``𝒯(Z) = Σ_m E[D_m C_m(Z) D_mᵀ]``."""
        return self.psi @ self.second_moments(self.label_covariances(Z), weights=self.counts) @ self.psi.T

    def source_term(self) -> np.ndarray:
        ones = np.full((len(self.src), self.n, self.n), self.b.scalar(1), dtype=self.q.dtype)
        return self.psi @ self.second_moments(ones, weights=self.counts * self.noise) @ self.psi.T


def _gmres(eq64: _Equations, rhs: np.ndarray) -> tuple[np.ndarray, int]:
    """Solve ``Y − 𝒦(Y) = rhs`` in float64 (matrix-free GMRES on the n² entries)."""
    n = eq64.n
    scale = float(np.max(np.abs(rhs))) or 1.0
    op = LinearOperator((n * n, n * n), matvec=lambda v: v - eq64.kernel(v.reshape(n, n)).reshape(-1), dtype=float)
    count = [0]
    solution, info = gmres(op, (rhs / scale).reshape(-1), rtol=1e-14, atol=0.0, restart=min(n * n, 200),
                           maxiter=50, callback=lambda _: count.__setitem__(0, count[0] + 1), callback_type="pr_norm")
    if info < 0:  # pragma: no cover - illegal input to GMRES
        raise FixedPointError("pooled chain: GMRES failed", residual=float("inf"), iterations=count[0])
    return solution.reshape(n, n) * scale, count[0]


def solve_pool_chain(types: PoolTypes, backend: Backend = FLOAT64) -> PoolChainSolution:
    """Chain errors of the pooled chain by the operator-valued deterministic equivalent.

    Raises
    ------
    NotCoveredError
        A fit with fewer than ``d + 2`` rows, or more than :data:`MAX_GENERATIONS` generations.
    FixedPointError
        The linear equation for ``Z`` was not solved to the backend's precision (carries the residual).
    """
    b = backend
    if types.n > MAX_GENERATIONS:
        raise NotCoveredError(f"generators.n: the pooled-chain equivalent is computed for n <= {MAX_GENERATIONS} "
                              f"(its cost grows as n^4), got n = {types.n}")
    eq = _Equations(types, b)
    if not eq.noise_scale > 0:  # noiseless chain: every generator is w0 exactly
        return PoolChainSolution(errors=b.array(np.zeros(types.n)), iterations=0, residual=0.0)
    eq64 = eq if b == FLOAT64 else _Equations(types, FLOAT64)
    source = eq.source_term()
    Z = b.zeros(source.shape)
    iterations, tol = 0, 64 * float(b.eps) * types.n
    residual = float("inf")
    for _ in range(_MAX_REFINEMENTS):
        R = source + eq.kernel(Z) - Z
        size = max(abs(z) for z in np.asarray(Z).reshape(-1)) if iterations else max(abs(s) for s in source.reshape(-1))
        residual = float(max(abs(r) for r in R.reshape(-1)) / size)
        if residual <= tol:
            break
        step, its = _gmres(eq64, np.asarray(R, dtype=float))
        iterations += its + 1
        Z = Z + b.array(step)
    else:
        raise FixedPointError("pooled chain: the second-order equation did not converge", residual=residual,
                              iterations=iterations)
    errors = b.scalar(types.d) * eq.noise_scale * np.diagonal(Z).copy()
    if not all(e >= 0 and np.isfinite(float(e)) for e in errors):  # pragma: no cover - guarded by the domain
        raise FixedPointError("pooled chain: a chain error is negative or not finite", residual=residual,
                              iterations=iterations)
    return PoolChainSolution(errors=errors, iterations=iterations, residual=residual)
