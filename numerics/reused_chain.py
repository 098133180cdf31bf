"""Chain moments of a reused design matrix with ridge generators or real rows (THEORY.md §3.10).

Used by :mod:`modelcollapse.numerics.regimes.reused_design`; formulas of :mod:`modelcollapse.theory.reused_design`,
evaluated by name.

* **Ridge generators, Σ = cI** (:func:`ridge_chain_moments`): the chain is a spectral function of the one
  ``Σ̂``; its mean shrink ``m_Φ = E tr Φ(Σ̂)/d`` and energy ``m_{Φ²}‖w0‖²_Σ + c Σ_k σ0_k² E tr ψ_k(Σ̂)/T0`` are
  linear spectral statistics of a white Wishart matrix, the Marchenko–Pastur integral plus its real-Gaussian
  ``1/d`` mean correction (:func:`linear_statistic`). Measured against 3000 Wishart draws (d = 40–100,
  ``T0 = d/2 … 2d``, ``λ0 = 0.01–0.1``, ``n <= 5``): within 0.07% (Marchenko–Pastur alone: 0.15–0.75% off).
* **Ridge generators, general Σ** (:func:`ridge_chain_moments`): per direction, ``π_j = E Φ(Σ̂)_jj`` and
  ``t_j = λ_j E[ΦCΦ]_jj + λ_j Σ_k σ0_k² E ψ_k(Σ̂)_jj/T0`` by contour integrals of the first-order
  (``reused_resolvent_equivalent``) and two-point (``reused_two_point_equivalent``) equivalents of the
  resolvent at complex ridge; ``κ(−z)`` by Newton, continued along the contour (``reused_contour_map``).
  float64 (complex) only; an mpmath request is evaluated in float64 and says so in a note.
* **Real rows in OLS generators** (:func:`real_chain_error`): ``e_n = d/(T0 − d − 1) Σ_k σ0_k² m_{2(n−k)}`` with
  the moments of ``B = U_sᵀU_s`` (:func:`projection_moment`: exact for ``q <= 2``, the free law beyond).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend, backend_for
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.overparam import ChainMoments
from modelcollapse.numerics.roots import RootResult
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import FixedPointError, NotCoveredError
from modelcollapse.theory.provenance import equivalent, finite_size

__all__ = ["linear_statistic", "projection_moment", "real_chain_error", "ridge_chain_moments", "contour_moments"]

RIDGE_CHAIN = finite_size("deterministic equivalent with its 1/d term (Marchenko–Pastur integrals plus the "
                          "real-Gaussian "
                          "mean correction of linear spectral statistics; reused design, ridge generators, Sigma = cI)")
_MAX_NODES = 2**14


@lru_cache(maxsize=16)
def _nodes(count: int):
    """Gauss–Legendre nodes and weights on ``[0, 1]`` (float64), as ``(cos πu, sin² πu, weights)``; read-only,
    cached."""
    u, w = np.polynomial.legendre.leggauss(count)
    u, w = (u + 1) / 2, w / 2
    out = (np.cos(np.pi * u), np.sin(np.pi * u) ** 2, w)
    for a in out:
        a.flags.writeable = False
    return out


def linear_statistic(f, d: int, T0: int, b: Backend):
    """``E tr f(ZᵀZ/T0)`` for a white ``T0 × d`` Gaussian ``Z``, ``f(0) = 0``: registered ``reused_linear_statistic``.

    ``f`` takes backend numbers (or float64 arrays) and must be analytic on the Marchenko–Pastur support.
    ``d > T0`` goes through the companion ``ZZᵀ/T0 = y·ZZᵀ/d`` (dimension ``T0``, ratio ``T0/d``; the
    ``d − T0`` zero eigenvalues contribute ``f(0) = 0``). float64: Gauss–Legendre in ``θ``, doubled until two
    rules agree to ``1e-13`` relative; mpmath: ``quad`` at the backend's precision.

    Raises
    ------
    NotCoveredError
        ``T0 = d`` (the support touches 0, where the ridgeless functions are singular).
    FixedPointError
        The quadrature did not converge (with the last relative difference).
    """
    if T0 == d:
        raise NotCoveredError("generators.T0: the reused-design spectral statistics need T0 != d (the spectrum of "
                              "X^T X/T0 reaches 0 at T0 = d)")
    dim, y, scale = (d, b.scalar(d) / T0, b.scalar(1)) if d < T0 else (T0, b.scalar(T0) / d, b.scalar(d) / T0)
    abscissa, weight, edge = (formula("reused_mp_abscissa"), formula("reused_linear_statistic_weight"),
                              formula("reused_edge_weight"))
    g = lambda c, s2: f(scale * abscissa(y, c)) * weight(dim, y, c, s2)  # noqa: E731
    edges = edge(y) * (f(scale * abscissa(y, b.scalar(1))) + f(scale * abscissa(y, b.scalar(-1))))
    return (
        _quadrature(g, b, "reused-design spectral statistic (a ridge too small next to the spectrum's edge?)") + edges
    )


def _quadrature(g, b: Backend, what: str):
    """``∫_0^1 g(cos πu, sin² πu) du``: Gauss–Legendre doubled to ``1e-13`` (float64), ``quad`` (mpmath)."""
    if b != FLOAT64:  # mpmath: its own adaptive quadrature at the working precision
        ctx = b.ctx
        return ctx.quad(lambda u: g(ctx.cos(ctx.pi * u), ctx.sin(ctx.pi * u) ** 2), [0, 1])
    previous, count = None, 64
    while count <= _MAX_NODES:
        c, s2, w = _nodes(count)
        value = float(np.dot(w, g(c, s2)))
        if previous is not None and abs(value - previous) <= 1e-13 * max(abs(value), 1e-300):
            return value
        previous, count = value, 2 * count
    raise FixedPointError(f"{what}: the quadrature did not converge",
                          residual=abs(value - previous) / max(abs(value), 1e-300), iterations=count // 2)


def projection_moment(q: int, m: int, T0: int, d: int, b: Backend):
    """``m_q = E tr B^q/d``, ``B = U_sᵀU_s`` (``m`` rows of a Haar ``T0 × d`` frame): exact for ``q <= 2``, else the
    free law of ``PQP`` (traces ``α = d/T0``, ``β = m/T0``): ``(T0/d)(max(α+β−1, 0) + ∫x^q ρ)``."""
    if q == 0:
        return b.scalar(1)
    if m == 0:
        return b.scalar(0)
    if q == 1:
        return b.scalar(m) / T0  # E B = (m/T0) I
    if q == 2:
        return formula("reused_haar_second_moment")(m, T0, d)
    alpha, beta = b.scalar(d) / T0, b.scalar(m) / T0
    upper, lower = formula("reused_free_edges")(alpha, beta)
    centre, half = (upper + lower) / 2, (upper - lower) / 2
    weight = formula("reused_free_moment_weight")
    atom = alpha + beta - 1 if alpha + beta > 1 else b.scalar(0)
    g = lambda c, s2: weight(centre + half * c, half, s2) * (centre + half * c) ** q  # noqa: E731
    return (atom + _quadrature(g, b, "reused-design free projection moment")) * T0 / d


def real_chain_error(scenario: Scenario, b: Backend):
    """``e_n = d/(T0 − d − 1) Σ_k σ0_k² m_{2(n−k)}`` and whether it is exact (every moment used has ``q <= 2``)."""
    gen, d = scenario.generators, scenario.d
    T0, n = gen.T0[0], gen.n
    m = T0 - gen.real_counts()[0]
    term = formula("reused_real_chain_term")
    e, exact_chain = b.scalar(0), True
    for k, s0 in enumerate(gen.sigma0[:n], start=1):
        if s0 > 0:
            q = 2 * (n - k)
            e = e + term(b.scalar(s0), projection_moment(q, m, T0, d, b), T0, d)
            exact_chain = exact_chain and (q <= 2 or m == 0)
    return e, exact_chain


def _isotropic_ridge_chain(scenario: Scenario, b: Backend) -> ChainMoments:
    """Moments of ``ŵ_n`` for ridge generators on one reused design, ``Σ = cI`` (module docstring)."""
    gen, spectrum, d = scenario.generators, scenario.spectrum, scenario.d
    T0 = gen.T0[0]
    c = spectrum.eigenvalues(b)[0]
    W0 = b.fsum(scenario.teacher.weights(spectrum, b))
    ridges = [b.scalar(r) / c for r in gen.ridge[: gen.n]]  # Σ̂ = c·ZᵀZ/T0: ridge λ0 on Σ̂ is λ0/c on ZᵀZ/T0

    def shrink(x, first=0):
        out = 1
        for lam0 in ridges[first:]:
            out = out * (x / (x + lam0))
        return out

    m_phi = linear_statistic(shrink, d, T0, b) / d
    m_phi2 = linear_statistic(lambda x: shrink(x) ** 2, d, T0, b) / d
    noise = b.scalar(0)
    for k, (lam0, s0) in enumerate(zip(ridges, gen.sigma0[: gen.n])):
        if s0 > 0:  # ψ_k(x) = x/(x + λ_k)² Π_{i>k} (x/(x + λ_i))² on Ŵ = Σ̂/c: the energy c·tr ψ_k(Σ̂) = tr ψ_k(Ŵ)
            psi = linear_statistic(lambda x, lam0=lam0, k=k: x / (x + lam0) ** 2 * shrink(x, k + 1) ** 2, d, T0, b)
            noise = noise + b.scalar(s0) ** 2 * psi / T0
    energy = formula("reused_ridge_isotropic_energy")(m_phi2, b.sqrt(W0), noise)
    notes = (f"reused design, ridge generators: spectral shrink m_Phi = {float(m_phi):.6g}, m_Phi2 = "
             f"{float(m_phi2):.6g}",)
    return ChainMoments(energy=energy, shrink=m_phi, weights=W0, provenance=RIDGE_CHAIN, notes=notes)


CONTOUR_CHAIN = equivalent("deterministic equivalent, first order: contour integrals of the resolvent's first-order "
                           "and two-point equivalents at complex ridge (reused design, ridge generators, general "
                           "Sigma); "
                           "measured 0.2-0.5% high against simulation at d = 60-100")
_MAX_CONTOUR_NODES = 512


def _kappa_along(lam: np.ndarray, T0: int, ridges: np.ndarray, *, max_iter: int = 100) -> RootResult:
    """``κ`` solving ``kappa_residual`` (``h(κ) = 1 − df_1/T0 − λ/κ = 0``) at each complex ridge ``λ`` of a path, by
    Newton from the previous point (the path starts on the real axis beyond the spectrum, where ``κ`` is real).

    Returns
    -------
    RootResult
        ``root``: the complex ``κ`` of every ridge (an array like ``ridges``); ``residual``: the largest ``|h(κ)|``
        at the roots returned (``h`` is dimensionless), ``iterations`` the most Newton steps any node took, with
        each node's own in ``iterations_each`` and ``residual_each``.

    Raises
    ------
    FixedPointError
        A node whose Newton step does not fall below ``1e-14·|κ|`` within ``max_iter`` steps, or whose ``κ`` or
        residual is not finite; with that node's ``|h(κ)|`` as the residual.
    """
    residual = formula("kappa_residual")
    out = np.empty(len(ridges), dtype=complex)
    its = np.zeros(len(ridges), dtype=int)
    res = np.zeros(len(ridges))
    k = ridges[0] - lam.sum() / T0 + 0j
    for i, r in enumerate(ridges):
        converged = False
        for it in range(1, max_iter + 1):
            p = lam / (lam + k)
            df1, df2 = p.sum(), (p * p).sum()
            F = residual(k, r, df1, T0)  # at the iterate the step leaves: reported if the next one is not finite
            step = F / ((df1 - df2) / (k * T0) + r / (k * k))
            if not np.isfinite(k - step):
                break
            k = k - step
            if abs(step) <= 1e-14 * abs(k):
                converged = True
                break
        if converged:
            F = residual(k, r, (lam / (lam + k)).sum(), T0)  # the residual at the root returned
        if not converged or not np.isfinite(F):
            raise FixedPointError(f"reused design: the complex kappa of contour node {i} (ridge {complex(r):.6g}) "
                                  f"did not converge", residual=float(abs(F)), iterations=it)
        out[i], its[i], res[i] = k, it, abs(F)
    return RootResult(root=out, iterations=int(its.max(initial=0)), residual=float(res.max(initial=0.0)),
                      iterations_each=its, residual_each=res, converged_each=np.ones(len(ridges), dtype=bool))


def contour_moments(lam, c2, T0: int, ridges, sigma0s, nodes: int):
    """``(π_j, E[ΦCΦ]_jj, Σ_k σ0_k² E ψ_k(Σ̂)_jj)`` from ``nodes`` points on the upper half of the contour (float64).

    ``Φ``, ``ψ_k`` as in :mod:`modelcollapse.theory.reused_design`; ``C = diag(c²)``. The lower half is the
    complex conjugate (real integrands).
    """
    d = len(lam)
    lmin = min(ridges)
    top = lam.max() * ((1 + np.sqrt(d / T0)) ** 2 * 1.3 + 1)  # beyond the equivalent's spectrum
    # left tip at z = −λ_min(1 − e^{−1/2}) ≈ −0.39λ_min: |x/(x + λ0_k)| <= 0.65 there, so high powers Φ = Π x/(x+λ0_k)
    # stay small on the contour (no cancellation); the atom at 0 (T0 < d) is removable (Φ(0) = ψ_k(0) = 0)
    a, b = np.log(lmin) - 0.5, np.log(top + lmin)
    theta = np.pi * (np.arange(nodes) + 0.5) / nodes
    centre, rx, ry = (a + b) / 2, (b - a) / 2, 1.4
    zeta = centre + rx * np.cos(theta) + 1j * ry * np.sin(theta)
    z_of = formula("reused_contour_map")
    z = z_of(zeta, lmin)
    dz = (z + lmin) * (-rx * np.sin(theta) + 1j * ry * np.cos(theta)) * (np.pi / nodes)
    kappa = _kappa_along(lam, T0, np.concatenate([[-z_of(b + 0j, lmin)], -z])).root[1:]
    # the whole contour: upper half and its conjugate, traversed the other way
    Z, DZ, K = np.concatenate([z, z.conj()]), np.concatenate([dz, -dz.conj()]), np.concatenate([kappa, kappa.conj()])

    def shrink(x, first=0):
        out = np.ones_like(x)
        for r in ridges[first:]:
            out = out * (x / (x + r))
        return out

    resolvent = formula("reused_resolvent_equivalent")(lam[None, :], K[:, None], Z[:, None])  # M × d
    weight = DZ / (2j * np.pi)
    mean = (weight * shrink(Z)) @ resolvent
    noise = np.zeros(d, dtype=complex)
    for k, (r, s0) in enumerate(zip(ridges, sigma0s)):
        if s0 > 0:
            psi = Z / (Z + r) ** 2 * shrink(Z, k + 1) ** 2
            noise = noise + s0 * s0 * ((weight * psi) @ resolvent) / T0
    V = 1 / (lam[None, :] + K[:, None])
    w = weight * shrink(Z) * K / Z
    S = (V * (c2 * lam)[None, :]) @ V.T
    U = (V * (lam * lam)[None, :]) @ V.T
    A = np.outer(w, w) * formula("reused_two_point_factor")(S, U, T0)
    sandwich = c2 * (w @ V) ** 2 + lam * np.sum(V * (A @ V), axis=0)  # Σ_pq V_pj A_pq V_qj
    return mean.real, sandwich.real, noise.real


def _general_ridge_chain(scenario: Scenario, b: Backend) -> ChainMoments:
    """Per-direction moments for ridge generators on one reused design, any ``Σ`` (module docstring)."""
    gen, spectrum = scenario.generators, scenario.spectrum
    f64 = backend_for(None)
    lam = np.asarray(spectrum.eigenvalues(f64), dtype=float)
    w = np.asarray(scenario.teacher.weights(spectrum, f64), dtype=float)
    c2 = w / lam
    ridges, sigma0s = list(gen.ridge[: gen.n]), list(gen.sigma0[: gen.n])
    previous, nodes = None, 64
    while nodes <= _MAX_CONTOUR_NODES:
        current = contour_moments(lam, c2, gen.T0[0], ridges, sigma0s, nodes)
        if previous is not None:
            change = max(float(np.max(np.abs(x - y)) / max(np.max(np.abs(x)), 1e-300)) for x,
                         y in zip(current, previous))
            if change <= 1e-10:
                break
        previous, nodes = current, 2 * nodes
    else:
        raise FixedPointError("reused design: the contour integrals did not converge", residual=change,
                              iterations=nodes // 2)
    mean, sandwich, noise = current
    if not (np.all(np.isfinite(mean)) and np.all(sandwich >= 0) and np.all(noise >= 0)):
        raise NotCoveredError("generators.ridge: the reused-design contour equivalent left its domain (a negative "
                              "energy); use a larger ridge or T0")
    energy = b.array(lam * sandwich + lam * noise)
    notes = [f"reused design, ridge generators, general Sigma: contour equivalent on {nodes} nodes (upper half), "
             "evaluated in float64 complex arithmetic whatever the precision (its own error is O(1/d))"]
    return ChainMoments(energy=energy, shrink=b.array(mean), weights=b.array(w), provenance=CONTOUR_CHAIN,
                        notes=tuple(notes))


def ridge_chain_moments(scenario: Scenario, b: Backend) -> ChainMoments:
    """Moments of ``ŵ_n`` for ridge generators (every ``ridge_k > 0``) on one reused design (module docstring).

    Raises
    ------
    NotCoveredError
        ``T0 = d`` with ``Σ = cI`` (the spectrum reaches 0), or the general equivalent outside its domain.
    FixedPointError
        A quadrature, contour or complex ``κ`` did not converge (with its residual).
    """
    if scenario.spectrum.is_isotropic:
        return _isotropic_ridge_chain(scenario, b)
    return _general_ridge_chain(scenario, b)
