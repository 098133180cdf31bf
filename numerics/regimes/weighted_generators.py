"""Weighted real and synthetic rows in every generator (``generators.real_weight``; THEORY.md §3.13).

Chain error ``e_n`` (:mod:`modelcollapse.numerics.weighting`): ``e_k = α_k e_{k−1} + σ0_k² β_k``, exact as a
recursion (the chain is centred with ``Cov Δ = (e_n/d)Σ⁻¹`` for any Σ), with ``α_k, β_k`` the leave-one-out
equivalents (exact at ``w = 0, 1`` and at the pooling weight ``w = r_k/T0_k``). The downstream (its ridge, its
real share) is :func:`~modelcollapse.numerics.mixing.predict_on_chain`, exact for an OLS downstream.

Covered: ``scheme = "replace"``, fresh designs, OLS generators (every ``T0_k >= d + 2``; at ``w = 0`` or ``1``
the weighted part alone must have ``>= d + 2`` rows). Refused, naming the key: ridge generators
(``generators.ridge``: the weighted ridge depends on Σ; no equivalent derived), blocks with ``T0_k < d + 2``
(``generators.T0``), an infinite ``d``.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.mixing import predict_on_chain
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes.domain import has_generators, weighted_generators
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.weighting import golden_weight, optimal_weight, pooling_weight, weighted_chain
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["WeightedGenerators", "REGIME", "weighted_chain_of"]


def weighted_chain_of(scenario: Scenario, backend: Backend):
    """The :class:`~modelcollapse.numerics.weighting.WeightedChain` of ``scenario`` (module docstring), or a refusal."""
    gen, d = scenario.generators, scenario.d
    if not scenario.spectrum.is_finite:
        raise NotCoveredError("spectrum.d: generators.real_weight is predicted for a finite d (the weighted fit on "
                              "d + 2 or more rows)")
    if gen.has_ridge:
        raise NotCoveredError("generators.ridge: weighted real/synthetic generators are derived for OLS generators "
                              "only (ridge = 0); the weighted ridge is simulated (modelcollapse simulate), not "
                              "predicted")
    weights = gen.real_weights()
    reals = gen.real_counts()
    for k, (t0, w, r) in enumerate(zip(gen.T0, weights, reals)):
        active = t0 if 0 < w < 1 else (r if w == 1 else t0 - r)
        if active < d + 2:
            part = "" if 0 < w < 1 else (" (w = 1: the real rows alone)" if w == 1 else " (w = 0: the synthetic rows "
                                                                                          "alone)")
            key = "generators.T0" if 0 < w < 1 else "generators.real_weight"
            raise NotCoveredError(f"{key}: generation {k + 1} fits {active} weighted rows{part}, fewer than "
                                  f"d + 2 = {d + 2}; weighted least squares is predicted for OLS blocks only")
    synthetic = tuple(t0 - r for t0, r in zip(gen.T0, reals))
    return weighted_chain(weights, reals, synthetic, gen.sigma0, d, backend)


class WeightedGenerators:
    """``generators.real_weight`` set (a number or ``"optimal"``), ``n >= 1``: this regime answers or refuses."""

    name = "weighted_generators"

    def applies(self, scenario: Scenario) -> bool:
        return has_generators(scenario) and weighted_generators(scenario)

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        chain = weighted_chain_of(scenario, backend)
        gen, d = scenario.generators, scenario.d
        r, t0 = gen.real_counts()[-1], gen.T0[-1]
        k = r / (t0 - r)
        w_reg = optimal_weight(r, t0 - r, d).root
        notes = [f"real weight used: w = {', '.join(f'{w:.6g}' for w in sorted(set(chain.weights)))}"
                 + (" (\"optimal\": the paper's w* per block)" if gen.real_weight == "optimal" else ""),
                 f"last block k = n_r/n_s = {k:.6g}: golden-ratio weight w* = {golden_weight(k):.6g}, pooling weight "
                 f"k/(1+k) = {pooling_weight(k):.6g}, regression optimum of the stationary error "
                 f"{w_reg:.6g}"]
        parts = {"real_weight": chain.weights[-1], "golden_weight": golden_weight(k), "pooling_weight":
                 pooling_weight(k), "optimal_real_weight": w_reg}
        return predict_on_chain(scenario, backend, chain_error=chain.error, chain_provenance=chain.provenance,
                                centred=True, regime=self.name, notes=notes, parts=parts,
                                iterations=chain.iterations, residual=chain.residual)


REGIME = WeightedGenerators()
