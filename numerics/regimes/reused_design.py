"""A reused design matrix: ``generators.design_matrix = "reused"`` (THEORY.md §3.10; the paper's Theorem 4.5).

Ridgeless generators (every ``ridge_k = 0``): the chain equals in law **one fresh generation** on the
same ``T0`` rows with the pooled noise ``σ̃0² = Σ_k σ0_k²`` (:mod:`modelcollapse.theory.reused_design`,
``derivation_reused_design``; an exact identity for any ``Σ``, ``w0`` and design law). The prediction
is that of the reduced scenario (``n = 1``, ``sigma0 = σ̃0``, a fresh design; the downstream unchanged)
by whichever regime covers it, with its provenance: exact for OLS generators (``T0 >= d + 2``) and for
``Σ ∝ I``, the over-parameterised chain's equivalents otherwise; every downstream (ridge, ``T < d``,
a real share) composes through it.

Ridge generators (every ``ridge_k > 0``) and real rows in OLS generators: the chain moments of
:mod:`modelcollapse.numerics.reused_chain`, with the over-parameterised regime's downstream smoother
(ridge) or :func:`~modelcollapse.numerics.mixing.predict_on_chain` (real rows: the chain is centred) on top.
"""

from __future__ import annotations

import dataclasses

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.mixing import predict_on_chain
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes.overparam_generators import predict_overparameterised
from modelcollapse.numerics.reused_chain import real_chain_error, ridge_chain_moments
from modelcollapse.numerics.scenario import Generators, Scenario
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import EXACT, equivalent

__all__ = ["ReusedDesign", "REGIME", "reduced_scenario"]

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
    return Scenario(spectrum=scenario.spectrum, teacher=scenario.teacher, generators=one,
                    downstream=scenario.downstream)


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
                    and scenario.downstream.synthetic_rows == scenario.T)
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
            if not scenario.spectrum.is_finite:
                raise NotCoveredError("spectrum.d: ridge generators with a reused design matrix need a finite d")
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
            raise NotCoveredError("generators.real_fraction: real rows in the generators with a reused design matrix "
                                  "are "
                                  "covered for OLS generators (ridge = 0, T0 >= d + 2) with one real fraction for "
                                  "every "
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
