"""The general deterministic equivalent of a chain of ridge / OLS / minimum-norm fits (THEORY.md §3.13).

Reads only a :class:`~modelcollapse.numerics.chain.Chain` (fits, row types) and the spectrum
``Σ = diag(λ_j)`` with the teacher's weights ``w_j = λ_j c_j²``. In the eigenbasis, fit ``k`` solves
(row ``k`` of one linear system for all errors ``Δ_k = ŵ_k − w0``, multiplied by ``T_k``)

    Σ_m s_mk x_m (x_mᵀΔ_k − x_mᵀΔ_src(m) − ε_m) + T_k λ_k Δ_k = −T_k λ_k w0,

the pooled-chain operator equations of THEORY.md §3.11 with ``λ_k T_k I`` on the diagonal blocks.
With every fit's rows rescaled by ``1 + χ_kk`` (so that minimum-norm fits, ``χ_kk → ∞``, stay
finite) the first-order equation is, per eigendirection ``j``,

    Ĝ_j = (K + λ_j M̂)⁻¹,  K = diag(T_k κ_k),  χ̂ = Σ_j λ_j Ĝ_j,  M̂ = Σ_m N_m E_s[Ŷ_m],

``κ_k`` the effective ridge of fit ``k`` alone (``κ_k(1 − df_1(κ_k)/T_k) = λ_k``; minimum norm:
``df_1(κ_k) = T_k``), ``M̂_kk = T_k``, and ``Ŷ_m`` the causal recursion ``ŷ_k = s_k (c_k − Σ_{l<k}
(χ̂_kl − χ̂_{src,l}) ŷ_l)`` on ``c = P_m e_i`` (``P_m = I − 1 e_srcᵀ``; ``I`` for real rows). Row ``k``
of ``χ̂`` is one linear solve given the rows before it. The second-order equation for the
Σ-weighted Gram matrix of the errors ``Z_kl = E Δ_kᵀΣΔ_l`` is linear,

    Z = Σ_j w_j μ_j μ_jᵀ + Σ_j λ_j² Ĝ_j 𝒯(Z) Ĝ_jᵀ,  μ_j = −Ĝ_j K 1,
    𝒯(Z) = Σ_m N_m E_s[ŷ ŷᵀ]  for  E[c cᵀ] = σ_m² 1 1ᵀ + P_m Z P_mᵀ,

solved directly (``n_fits² `` unknowns); ``e_k = Z_kk`` and the downstream's error is the last.

Finite size: a fit's own feedback term carries ``d' = d + 1`` in place of ``d`` for OLS fits
(``E tr W⁻¹ = d/(T − d − 1)``, exact for one fit) — the proportional-limit equations otherwise
(first order in ``1/d``). Provenance :data:`CHAIN_ENGINE`; measured accuracy there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, gmres

from modelcollapse.numerics.chain import WO, Chain
from modelcollapse.theory.errors import FixedPointError, NotCoveredError
from modelcollapse.theory.provenance import equivalent

__all__ = ["ChainSolution", "solve_chain", "effective_ridge", "CHAIN_ENGINE", "ENGINE_HOOKS"]

# the simulator hooks (numerics/chain.py FIT_HOOKS, ROW_HOOKS) the engine's equations account for; a chain
# setting any other is refused. An axis that teaches the engine its hook adds the hook's name here.
ENGINE_HOOKS: tuple[str, ...] = ()

CHAIN_ENGINE = equivalent("deterministic equivalent (general chain engine: operator-valued pooled-chain equations "
                          "with ridge blocks, first order in 1/d except d' = d + 1 for OLS fits)")


@dataclass(frozen=True, kw_only=True)
class ChainSolution:
    """Errors ``e_k = E‖ŵ_k − w0‖²_Σ`` of every fit (the downstream last), and how they were solved."""

    errors: np.ndarray
    gram: np.ndarray  # Z_kl = E Δ_kᵀ Σ Δ_l
    kappas: np.ndarray  # effective ridge of each fit alone
    iterations: int
    residual: float


def effective_ridge(lam: np.ndarray, ridge: float, rows: int, *,
                    key: str = "generators.T0") -> tuple[float, float, int]:
    """``(κ, ρ, iterations)`` of one fit: ``κ(1 − df_1(κ)/T) = λ``, ``ρ = 1 − df_1(κ)/T`` (``= λ/κ``).

    Minimum norm (``λ = 0``, ``T < d``): ``df_1(κ) = T``, ``ρ = 0``; OLS (``λ = 0``, ``T > d``): ``κ = 0``,
    ``ρ = 1 − d/T``. Solved by bisection in ``log κ`` to 1e-15 relative (monotone residual).

    Raises
    ------
    NotCoveredError
        ``λ = 0`` with ``T = d`` (the error is infinite with noise, undetermined without).
    """
    d = len(lam)
    if ridge == 0:
        if rows > d:
            return 0.0, 1.0 - d / rows, 0
        if rows == d:
            raise NotCoveredError(f"{key}: a ridgeless fit on T = d = {d} rows is not covered (infinite error)")

        def f(k):
            return float(np.sum(lam / (lam + k))) - rows  # decreasing in κ; root where df_1 = T
    else:
        def f(k):
            return k * (1 - float(np.sum(lam / (lam + k))) / rows) - ridge  # increasing in κ

    sign = -1.0 if ridge == 0 else 1.0
    lo = np.log(max(ridge, 1e-300) if ridge else float(np.min(lam)) * 1e-12)
    hi = np.log(float(np.sum(lam)) / rows + ridge + float(np.max(lam)))
    for _ in range(200):
        if sign * f(np.exp(lo)) < 0:
            break
        lo -= 5.0
    for _ in range(200):
        if sign * f(np.exp(hi)) > 0:
            break
        hi += 5.0
    it = 0
    while hi - lo > 1e-15 * max(1.0, abs(hi)) and it < 400:
        mid = (lo + hi) / 2
        if sign * f(np.exp(mid)) > 0:
            hi = mid
        else:
            lo = mid
        it += 1
    kappa = float(np.exp((lo + hi) / 2))
    rho = 0.0 if ridge == 0 else ridge / kappa
    return kappa, rho, it


class _Types:
    """Arrays over the chain's row types."""

    def __init__(self, chain: Chain):
        K = chain.n_fits
        self.K = K
        self.count = np.array([t.count for t in chain.types], dtype=float)
        self.q = np.array([[t.probability(k) for k in range(K)] for t in chain.types], dtype=float)
        self.src = np.array([t.source for t in chain.types])
        m_types = len(chain.types)
        S = np.zeros((m_types, K, K))  # S_m[k, src] = 1: fit k's label source for the row (none: w0)
        C = np.zeros((m_types, K, K))  # covariance of the row's label noise across the fits
        for m, t in enumerate(chain.types):
            for k in range(K):
                if t.source_of(k) != WO:
                    S[m, k, t.source_of(k)] = 1.0
            C[m] = t.noise**2 if t.fit_noises is None else np.diag(np.asarray(t.fit_noises, dtype=float) ** 2)
        self.S = S
        self.P = np.eye(K)[None] - S  # P_m = I − S_m (one source: I − 1 e_srcᵀ)
        self.noise_cov = C


def _first_order(chain: Chain, lam: np.ndarray, types: _Types, kappa: np.ndarray):
    """``Ĝ_j`` (d, K, K), ``χ̂`` (K, K) and ``M̂`` row by row (module docstring)."""
    K, d = types.K, len(lam)
    T = np.array([f.rows for f in chain.fits], dtype=float)
    G = np.zeros((d, K, K))
    chi = np.zeros((K, K))
    M = np.zeros((K, K))
    F = np.zeros((len(types.src), K, K))  # F_m = E_s[Ŷ_m], rows filled in order
    for k in range(K):
        g_kk = 1.0 / (T[k] * (kappa[k] + lam))  # (Ĝ_j)_kk
        G[:, k, k] = g_kk
        chi[k, k] = float(np.sum(lam * g_kk))
        M[k, k] = T[k]
        weight = types.count * types.q[:, k]  # N_m q_mk
        if k:
            src_rows = types.S[:, k, :] @ chi[:, :k]  # χ̂[src_k(m), :k]
            Fk = F[:, :k, :k]  # E ŷ_l for columns i < k, l < k
            a = np.einsum("m,mi->i", weight, types.P[:, k, :k] + np.einsum("ml,mli->mi", src_rows, Fk))
            H = np.einsum("m,mli->li", weight, Fk)
            Gk = G[:, :k, :k]
            W = np.einsum("j,jab->ab", lam**2 * g_kk, Gk)
            A = np.eye(k) - H @ W
            x = np.linalg.solve(A.T, -(a @ W))
            chi[k, :k] = x
            M[k, :k] = a - x @ H
            G[:, k, :k] = -(g_kk * lam)[:, None] * np.einsum("b,jba->ja", M[k, :k], Gk)
        # E ŷ_k for every column: q_mk (P_m[k, :] − Σ_{l<k} χ̌_m[k, l] F_m[l, :])
        coupling = chi[k, :k][None, :] - (types.S[:, k, :] @ chi[:, :k])
        F[:, k, :] = types.q[:, k][:, None] * (types.P[:, k, :] - np.einsum("ml,mli->mi", coupling, F[:, :k, :]))
    return G, chi, M


def _second_moments(Ecc: np.ndarray, chi: np.ndarray, types: _Types) -> np.ndarray:
    """``Σ_m N_m E_s[ŷ ŷᵀ]`` for label-error covariances ``Ecc`` (batch, types, K, K)."""
    K = types.K
    coupling = np.tril(chi, -1)[None, :, :] - types.S @ chi  # χ̌_m[k, l], used for l < k
    shape = Ecc.shape
    S = np.zeros(shape)
    Cy = np.zeros(shape)  # Cy[..., i, l] = E[c_i ŷ_l]
    for k in range(K):
        ch = coupling[:, k, :k]  # (types, k)
        q = types.q[:, k]
        # E[c_i ŷ_k] = q_k (E c_i c_k − Σ_l χ̌_kl E c_i ŷ_l)
        Cy[..., :, k] = q[:, None] * (Ecc[..., :, k] - (Cy[..., :, :k] @ ch[:, :, None])[..., 0])
        if k:
            S_ch = (S[..., :k, :k] @ ch[:, :, None])[..., 0]  # Σ_l S_al χ̌_kl
            row = q[:, None] * (Cy[..., k, :k] - S_ch)
            S[..., k, :k] = row
            S[..., :k, k] = row
            quad = Ecc[..., k, k] - 2 * (Cy[..., k, :k] * ch).sum(axis=-1) + (S_ch * ch).sum(axis=-1)
        else:
            quad = Ecc[..., k, k]
        S[..., k, k] = q * quad
    return np.tensordot(S, types.count, axes=([-3], [0]))


def _kron_sum(U: np.ndarray) -> np.ndarray:
    """``Σ_j U_j ⊗ U_j`` (row-major ``vec``: ``vec(U X Uᵀ) = (U ⊗ U) vec X``) as one matrix product."""
    d, K, _ = U.shape
    V = U.reshape(d, K * K)
    return (V.T @ V).reshape(K, K, K, K).transpose(0, 2, 1, 3).reshape(K * K, K * K)


def _responses(chi: np.ndarray, types: _Types) -> np.ndarray:
    """``R_m = (I + diag(s_m) χ̌_m)⁻¹ diag(s_m)`` for fixed memberships ``s_m ∈ {0, 1}`` (``ŷ = R_m c``)."""
    K = types.K
    coupling = np.tril(chi, -1)[None, :, :] - types.S @ chi
    coupling = np.tril(coupling, -1)
    S = types.q[:, :, None] * np.eye(K)[None]
    return np.linalg.solve(np.eye(K)[None] + S @ coupling, S)


def _solve_linear(apply, rhs: np.ndarray, size: int):
    """``apply(z) = rhs`` by GMRES (restarted, relative residual 1e-13) with residual correction; raises if not
    solved."""
    scale = float(np.max(np.abs(rhs))) or 1.0
    op = LinearOperator((size, size), matvec=apply, dtype=float)
    z = np.zeros(size)
    count = 0
    residual = float("inf")
    for _ in range(6):
        r = rhs - apply(z)
        residual = float(np.max(np.abs(r))) / max(float(np.max(np.abs(z))), scale)
        if residual <= 1e-12:
            return z, count, residual
        step, _ = gmres(op, r, rtol=1e-13, atol=0.0, restart=min(size, 60), maxiter=20)
        z = z + step
        count += 1
    raise FixedPointError("chain engine: the second-order system (a subsample) did not converge", residual=residual,
                          iterations=count)


def _noise_gain(fit, d: int) -> float:
    """The exact one-fit noise over its first-order value: ``|T − d|/(|T − d| − 1)`` for OLS / min-norm, else 1.

    ``E tr W⁻¹ = d/(T − d − 1)`` (OLS, ``T >= d + 2``) and ``T/(d − T − 1)`` (minimum norm, ``T <= d − 2``)
    where the first-order equations give ``d/(T − d)`` and ``T/(d − T)``.
    """
    gap = abs(fit.rows - d)
    return gap / (gap - 1) if fit.ridge == 0 and gap >= 2 else 1.0


def solve_chain(chain: Chain, lam: np.ndarray, weights: np.ndarray) -> ChainSolution:
    """Errors of every fit of ``chain`` by the general deterministic equivalent (module docstring).

    Parameters
    ----------
    chain : Chain
    lam : array (d,)
        Eigenvalues of ``Σ``.
    weights : array (d,)
        ``λ_j c_j²`` of the teacher.

    Raises
    ------
    NotCoveredError
        A ridgeless fit on exactly ``d`` rows.
    FixedPointError
        The linear second-order system is singular (its residual).
    """
    lam = np.asarray(lam, dtype=float)
    weights = np.asarray(weights, dtype=float)
    d = len(lam)
    if d != chain.d:
        raise ValueError(f"chain: d = {chain.d} but {d} eigenvalues")
    unread = [h for h in chain.simulation_hooks() if h not in ENGINE_HOOKS]
    if unread:  # a hook changes what a fit does: no silent number that ignores it
        raise NotCoveredError(f"scenario: the general chain engine does not model the simulator hook(s) "
                              f"{', '.join(unread)} of this chain (only the simulator does)")
    types = _Types(chain)
    K = types.K
    for k, f in enumerate(chain.fits):
        if f.ridge == 0 and abs(f.rows - d) <= 1:
            key = "downstream.T" if k == K - 1 else "generators.T0"
            raise NotCoveredError(f"{key}: {f.name} is a ridgeless fit on {f.rows} rows, within 1 of d = {d}: its "
                                  "error is infinite with any label error (use a ridge, or rows at least 2 away "
                                  "from d)")
    solved = [effective_ridge(lam, f.ridge, f.rows, key="downstream.T" if k == K - 1 else "generators.T0")
              for k, f in enumerate(chain.fits)]
    kappa = np.array([s[0] for s in solved])
    iterations = sum(s[2] for s in solved)
    G, chi, M = _first_order(chain, lam, types, kappa)
    T = np.array([f.rows for f in chain.fits], dtype=float)
    mu = -np.einsum("jab,b->ja", G, T * kappa)  # μ_j = −Ĝ_j K 1 (per unit c_j)
    source = (weights[:, None] * mu).T @ mu
    # finite size (module docstring): a chain of OLS fits only, d' = d + 1 in the feedback (exact for replace and
    # accumulate); otherwise each block's noise with the exact one-fit factor of the fit that first sees it
    all_ols = all(f.ridge == 0 and f.rows > d for f in chain.fits)
    feedback_scale = (d + 1) / d if all_ols else 1.0
    noise_gain = np.array([1.0 if all_ols else _noise_gain(chain.fits[t.block], d) for t in chain.types])
    # the linear map Z -> Σ_j λ_j² Ĝ_j 𝒯(Z) Ĝ_jᵀ on the K² entries: outer ∘ response
    outer = _kron_sum(lam[:, None, None] * G)  # X -> Σ_j λ_j² Ĝ_j X Ĝ_jᵀ
    if np.all((types.q == 0) | (types.q == 1)):  # fixed memberships (replace, accumulate): 𝒯 = Σ_m N_m R_m C R_mᵀ
        R = _responses(chi, types)
        response = _kron_sum(np.sqrt(types.count)[:, None, None] * (R @ types.P))
        Tn = np.tensordot(types.count * noise_gain, R @ types.noise_cov @ R.transpose(0, 2, 1), axes=1)
        rhs = (source + (outer @ Tn.reshape(-1)).reshape(K, K)).reshape(-1)
        system = np.eye(K * K) - feedback_scale * (outer @ response)
        try:
            z = np.linalg.solve(system, rhs)
        except np.linalg.LinAlgError:
            raise FixedPointError("chain engine: the second-order system is singular", residual=float("inf"),
                                  iterations=iterations) from None
        residual = float(np.max(np.abs(system @ z - rhs)) / max(float(np.max(np.abs(z))), 1e-300))
    else:  # random memberships (a subsample): the causal recursion, matrix-free GMRES on the K² entries
        noise_cov = noise_gain[:, None, None] * types.noise_cov
        Tn = _second_moments(noise_cov[None], chi, types)[0]
        rhs = (source + (outer @ Tn.reshape(-1)).reshape(K, K)).reshape(-1)

        def apply(v):
            Ecc = types.P @ v.reshape(K, K)[None] @ types.P.transpose(0, 2, 1)
            return v - feedback_scale * (outer @ _second_moments(Ecc[None], chi, types)[0].reshape(-1))

        try:
            z, its, residual = _solve_linear(apply, rhs, K * K)
            iterations += its
        except FixedPointError:  # GMRES stalled: the dense system on a basis of Z (slower, direct)
            Ecc = np.einsum("max,mdy->xymad", types.P, types.P).reshape(K * K, len(types.src), K, K)
            system = np.eye(K * K) - feedback_scale * (outer @ _second_moments(Ecc, chi, types).reshape(K * K, K * K).T)
            z = np.linalg.solve(system, rhs)
            residual = float(np.max(np.abs(system @ z - rhs)) / max(float(np.max(np.abs(z))), 1e-300))
    Z = z.reshape(K, K)
    errors = np.diagonal(Z).copy()
    # an exactly vanishing error (a noiseless OLS chain) comes out as ±1e-17 rounding: 0, not a negative error
    floor = 1e-13 * max(float(np.max(np.abs(rhs))), float(np.max(np.abs(z))))
    errors[(errors < 0) & (errors > -floor)] = 0.0
    if not (np.all(np.isfinite(errors)) and np.all(errors >= 0)) or residual > 1e-8:
        raise FixedPointError("chain engine: the second-order system gave a negative or non-finite error "
                              "(outside its domain)", residual=residual, iterations=iterations)
    return ChainSolution(errors=errors, gram=Z, kappas=kappa, iterations=iterations, residual=residual)
