"""Replace with real data mixed in: real rows in the generators' blocks and/or the downstream (THEORY.md §3.7).

Chain error ``e_n``:

* OLS generators (every ``T0_k >= d + 2``): ``e_k = g(T0_k, m_k, d) e_{k−1} + σ0_k² d/(T0_k − d − 1)``
  — exact (registered ``replace_real_step``); centred with ``Cov Δ ∝ Σ⁻¹``.
* some ``T0_k < d + 2`` and no real rows in the generators: the over-parameterised chain of
  :mod:`modelcollapse.numerics.overparam` (not centred: OLS downstream only).

The downstream with its synthetic share: :func:`~modelcollapse.numerics.mixing.predict_on_chain`.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.mixing import predict_on_chain, require_ols_chain
from modelcollapse.numerics.overparam import chain_moments
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes.domain import (
    every_block_ols,
    fresh_design,
    has_generators,
    ols_downstream,
    ols_generators_only,
    real_rows_downstream,
    real_rows_in_generators,
    scheme_is,
)
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import EXACT

__all__ = ["ReplaceMixing", "REGIME", "replace_real_chain_error"]


def replace_real_chain_error(scenario: Scenario, b: Backend):
    """``e_n`` of replace with real rows ``r_k`` per block (exact, OLS generators)."""
    gen, d = scenario.generators, scenario.d
    step = formula("replace_real_step")
    e = b.scalar(0)
    for t0, s0, r in zip(gen.T0, gen.sigma0, gen.real_counts()):
        e = step(e, t0, t0 - r, d, b.scalar(s0))
    return e


class ReplaceMixing:
    """``scheme = "replace"``, ``n >= 1``, with ``generators.real_fraction`` or ``downstream.real_fraction`` set."""

    name = "replace_mixing"

    def applies(self, scenario: Scenario) -> bool:
        s = scenario
        if not (has_generators(s) and fresh_design(s) and scheme_is(s, "replace") and ols_generators_only(s)
                and s.spectrum.is_finite and (real_rows_in_generators(s) or real_rows_downstream(s))):
            return False
        # OLS blocks are centred (any downstream); some T0_k < d + 2 only without real generator rows, OLS downstream
        return every_block_ols(s) or (not real_rows_in_generators(s) and ols_downstream(s))

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        require_ols_chain(scenario, "real_fraction with generators.n >= 1")
        gen, d = scenario.generators, scenario.d
        if all(t0 >= d + 2 for t0 in gen.T0):
            e = replace_real_chain_error(scenario, backend)
            return predict_on_chain(scenario, backend, chain_error=e, chain_provenance=EXACT, centred=True,
                                    regime=self.name)
        if gen.has_real_data:
            raise NotCoveredError("generators.real_fraction: real rows in over-parameterised generators "
                                  "(T0 < d + 2) are not covered yet; use T0 >= d + 2")
        chain = chain_moments(scenario, backend)
        return predict_on_chain(scenario, backend, chain_error=chain.error(backend), chain_provenance=chain.provenance,
                                centred=False, regime=self.name, notes=chain.notes)


REGIME = ReplaceMixing()
