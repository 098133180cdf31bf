"""A reused design matrix: ``generators.design_matrix = "reused"`` (THEORY.md §3.10; the paper's Theorem 4.5).

Ridgeless generators (every ``ridge_k = 0``): the chain equals in law **one fresh generation** on the
same ``T0`` rows with the pooled noise ``σ̃0² = Σ_k σ0_k²`` (:mod:`modelcollapse.theory.reused_design`,
``derivation_reused_design``; an exact identity for any ``Σ``, ``w0`` and design law). The prediction
is that of the reduced scenario (``n = 1``, ``sigma0 = σ̃0``, a fresh design; the downstream unchanged)
by whichever regime covers it, with its provenance: exact for OLS generators (``T0 >= d + 2``) and for
``Σ ∝ I``, the over-parameterised chain's equivalents otherwise; every downstream (ridge, ``T < d``,
a real share) composes through it.

Ridge generators (every ``ridge_k > 0``), ``Σ = cI``: the chain is a spectral function of the one ``Σ̂``
(:mod:`modelcollapse.theory.reused_design`): its mean shrink ``m_Φ = E tr Φ(Σ̂)/d`` and energy
``m_{Φ²}‖w0‖²_Σ + c Σ_k σ0_k² E tr ψ_k(Σ̂)/T0`` are linear spectral statistics of a white Wishart matrix,
evaluated as the Marchenko–Pastur integral plus its real-Gaussian ``1/d`` mean correction
(:func:`linear_statistic`), then the over-parameterised regime's downstream smoother on top. Measured against
simulated statistics (3000 Wishart draws, d = 40–100, T0 = d/2 … 2d, λ0 = 0.01–0.1, n <= 5): within 0.07%
(the Marchenko–Pastur integral alone: 0.15–0.75% off).

Real rows in OLS generators (``T0 >= d + 2``, one fraction): the exact ``e_n = d/(T0 − d − 1) Σ_k σ0_k² m_{2(n−k)}``
with the moments ``m_q`` of ``B = U_sᵀU_s`` (exact for ``q <= 2``, free law beyond: :func:`projection_moment`);
the chain is centred, so the downstream is :func:`~modelcollapse.numerics.mixing.predict_on_chain`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.mixing import predict_on_chain
from modelcollapse.numerics.overparam import ChainMoments
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes.overparam_generators import predict_overparameterised
from modelcollapse.numerics.scenario import Generators, Scenario
from modelcollapse.theory.errors import FixedPointError, NotCoveredError
from modelcollapse.theory.provenance import EXACT, equivalent, finite_size

__all__ = ["ReusedDesign", "REGIME", "reduced_scenario", "linear_statistic", "ridge_chain_moments",
           "projection_moment", "real_chain_error"]

RIDGE_CHAIN = finite_size("deterministic equivalent with its 1/d term (Marchenko–Pastur integrals plus the real-Gaussian "
                          "mean correction of linear spectral statistics; reused design, ridge generators, Sigma = cI)")
_MAX_NODES = 2**14


def _nodes(b: Backend, count: int):
    """Gauss–Legendre nodes and weights on ``[0, 1]`` (float64), as ``(cos πu, sin² πu, weights)``."""
    u, w = np.polynomial.legendre.leggauss(count)
    u, w = (u + 1) / 2, w / 2
    return np.cos(np.pi * u), np.sin(np.pi * u) ** 2, w


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
    return _quadrature(g, b, "reused-design spectral statistic (a ridge too small next to the spectrum's edge?)") + edges


def _quadrature(g, b: Backend, what: str):
    """``∫_0^1 g(cos πu, sin² πu) du``: Gauss–Legendre doubled to ``1e-13`` (float64), ``quad`` (mpmath)."""
    if b != FLOAT64:  # mpmath: its own adaptive quadrature at the working precision
        ctx = b.ctx
        return ctx.quad(lambda u: g(ctx.cos(ctx.pi * u), ctx.sin(ctx.pi * u) ** 2), [0, 1])
    previous, count = None, 64
    while count <= _MAX_NODES:
        c, s2, w = _nodes(b, count)
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


def ridge_chain_moments(scenario: Scenario, b: Backend) -> ChainMoments:
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
    notes = (f"reused design, ridge generators: spectral shrink m_Phi = {float(m_phi):.6g}, m_Phi2 = {float(m_phi2):.6g}",)
    return ChainMoments(energy=energy, shrink=m_phi, weights=W0, provenance=RIDGE_CHAIN, notes=notes)


def reduced_scenario(scenario: Scenario, backend: Backend) -> Scenario:
    """The one-generation fresh scenario a reused ridgeless chain equals in law (``σ̃0² = Σ_k σ0_k²``).

    ``σ̃0`` is stored as a float (the scenario's type), so an mpmath evaluation carries the float64
    rounding of ``√σ̃0²`` (one ulp).
    """
    gen, b = scenario.generators, backend
    step = formula("reused_pooled_noise_step")
    pooled = b.scalar(0)
    for s0 in gen.sigma0[: gen.n]:
        pooled = step(pooled, b.scalar(s0))
    one = Generators(n=1, T0=gen.T0[0], sigma0=float(b.sqrt(pooled)))
    return Scenario(spectrum=scenario.spectrum, teacher=scenario.teacher, generators=one, downstream=scenario.downstream)


class ReusedDesign:
    """``n >= 1`` with ``generators.design_matrix = "reused"`` (one ``T0``, scheme ``replace``)."""

    name = "reused_design"

    def applies(self, scenario: Scenario) -> bool:
        gen = scenario.generators
        if not (gen.n >= 1 and getattr(gen, "design_matrix", "fresh") == "reused"):
            return False
        # its closed forms' region (issue 19: the rest of the reused chains go to the general chain engine)
        if gen.has_real_data:
            return not gen.has_ridge and gen.T0[0] >= scenario.d + 2 and len(set(gen.real_fraction[: gen.n])) == 1
        if gen.has_ridge:
            return (all(r > 0 for r in gen.ridge[: gen.n]) and scenario.spectrum.is_finite
                    and scenario.spectrum.is_isotropic and scenario.downstream.synthetic_rows == scenario.T)
        return True

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        from modelcollapse.numerics.regimes import regime_for  # the table imports this module

        gen = scenario.generators
        if gen.has_real_data:
            return self._predict_real_rows(scenario, backend)
        if gen.has_ridge:
            if not all(r > 0 for r in gen.ridge[: gen.n]):
                raise NotCoveredError("generators.ridge: with a reused design matrix either every generation has "
                                      "ridge > 0 or none (a mixed schedule is not covered)")
            if not (scenario.spectrum.is_finite and scenario.spectrum.is_isotropic):
                raise NotCoveredError("generators.ridge: ridge generators with a reused design matrix are covered for "
                                      "Sigma = cI (spectrum kind 'isotropic', finite d) only; use ridge = 0 otherwise")
            if scenario.downstream.synthetic_rows < scenario.T:
                raise NotCoveredError("downstream.real_fraction: a real share in the downstream is not covered with "
                                      "ridge generators on a reused design; use downstream.real_fraction = 0")
            chain = ridge_chain_moments(scenario, backend)
            return predict_overparameterised(scenario, backend, chain=chain, regime=self.name)
        reduced = reduced_scenario(scenario, backend)
        prediction = regime_for(reduced).predict(reduced, backend)
        note = (f"reused design: exactly one fresh generation on T0 = {gen.T0[0]} rows with pooled noise "
                f"sigma0_eff = {reduced.generators.sigma0[0]:.6g} (regime {prediction.regime})")
        return dataclasses.replace(prediction, regime=self.name, notes=(*prediction.notes, note))

    def _predict_real_rows(self, scenario: Scenario, backend: Backend) -> Prediction:
        gen, d = scenario.generators, scenario.d
        if gen.has_ridge or gen.T0[0] < d + 2 or len(set(gen.real_fraction[: gen.n])) > 1:
            raise NotCoveredError("generators.real_fraction: real rows in the generators with a reused design matrix are "
                                  "covered for OLS generators (ridge = 0, T0 >= d + 2) with one real fraction for every "
                                  "generation only")
        e, exact_chain = real_chain_error(scenario, backend)
        provenance = EXACT if exact_chain else equivalent(
            "deterministic equivalent: free (Wachter) moments of B = U_s^T U_s for q >= 4 (exact m_0, m_1, m_2); "
            "measured 0.3-0.7% low per moment at d = 40-100")
        m = gen.T0[0] - gen.real_counts()[0]
        return predict_on_chain(scenario, backend, chain_error=e, chain_provenance=provenance, centred=True,
                                regime=self.name, notes=(f"reused design with {gen.T0[0] - m} real rows of T0 = "
                                                         f"{gen.T0[0]}: e_n = d/(T0-d-1) sum_k sigma0_k^2 m_2(n-k)",))


REGIME = ReusedDesign()
