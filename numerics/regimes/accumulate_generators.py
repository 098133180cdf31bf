"""Accumulate: generation ``k`` fits the pool of blocks ``1..k`` (THEORY.md §3.7).

Chain error ``e_n = E‖ŵ_n − w0‖²_Σ``:

* OLS pool (``T0_1 >= d + 2``), no real rows: ``Σ_k σ0_k² d T0_k/(N_k(N_k − d − 1))`` — exact
  (registered ``accumulate_chain_term``); the chain is centred with ``Cov Δ = (e_n/d)Σ⁻¹``.
* OLS pool with real rows: the recursion ``accumulate_real_step`` — the pooled-chain equivalent in closed form, measured
  within Monte Carlo error (|rel| <= 0.6 %, d = 10–100; THEORY.md §3.7). Still centred, ``∝ Σ⁻¹``.
* first block ``T0_1 < d`` (min-norm on the pool), no real rows: ``E‖(I − P_1)w0‖²_Σ +
  Σ_k σ0_k² (T0_k/N_k) v(N_k)`` — an exact identity whose parts are the clean part's ridgeless bias
  (``T = T0_1``) and variance per unit noise (``T = N_k``): exact for ``Σ ∝ I`` and ``N >= d + 2``,
  deterministic equivalents otherwise. Not centred: OLS downstream only.

The downstream (with its synthetic share) is :func:`~modelcollapse.numerics.mixing.predict_on_chain`.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.mixing import predict_on_chain, require_ols_chain
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.regimes.domain import (
    fresh_design,
    has_generators,
    ols_downstream,
    ols_generators_only,
    real_rows_in_generators,
    scheme_is,
)
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory import get_result
from modelcollapse.theory.errors import DivergentError, NotCoveredError
from modelcollapse.theory.provenance import EXACT, equivalent

__all__ = ["AccumulateGenerators", "REGIME", "accumulate_chain_error"]

OVERPARAM_POOL = equivalent("deterministic equivalent (first-block ridgeless bias, ridgeless pool variance; "
                            "exact identity)")


def _ols_pool(scenario: Scenario, b: Backend):
    gen, d = scenario.generators, scenario.d
    step = formula("accumulate_real_step")
    e, N = b.scalar(0), 0
    for t0, s0, r in zip(gen.T0, gen.sigma0, gen.real_counts()):
        N += t0
        e = step(e, r, N, t0, d, b.scalar(s0))
    provenance = get_result("accumulate_real_step").provenance if gen.has_real_data else EXACT
    return e, provenance


def _overparam_pool(scenario: Scenario, b: Backend):
    gen, d = scenario.generators, scenario.d
    if gen.has_real_data:
        raise NotCoveredError("generators.real_fraction: accumulate with a first block T0 < d and real rows is not "
                              "covered yet (use real_fraction = 0, or T0_1 >= d + 2)")
    if abs(gen.T0[0] - d) <= 1:
        raise NotCoveredError(f"generators.T0: a first block T0_1 = {gen.T0[0]} within 1 of d = {d} is not covered "
                              "(use T0_1 <= d - 2 or T0_1 >= d + 2)")
    first = clean_prediction(scenario.replace(T=gen.T0[0], ridge=0.0, sigma=0.0, downstream_real_fraction=0.0), b)
    term = formula("accumulate_overparam_term")
    e, N, exact = first.bias, 0, first.provenance.is_exact
    for t0, s0 in zip(gen.T0, gen.sigma0):
        N += t0
        if s0 == 0:
            continue
        if abs(N - d) <= 1:
            raise DivergentError(f"generators.T0: the pool reaches N = {N} within 1 of d = {d} with sigma0 > 0 "
                                  "(infinite error)")
        pool = clean_prediction(scenario.replace(T=N, ridge=0.0, sigma=1.0, downstream_real_fraction=0.0), b)
        exact = exact and pool.provenance.is_exact
        e = e + term(b.scalar(s0), t0, N, pool.variance)
    return e, (EXACT if exact else OVERPARAM_POOL)


def accumulate_chain_error(scenario: Scenario, b: Backend):
    """``(e_n, provenance, centred)`` of the accumulate chain (module docstring)."""
    if scenario.generators.T0[0] >= scenario.d + 2:
        return (*_ols_pool(scenario, b), True)
    return (*_overparam_pool(scenario, b), False)


class AccumulateGenerators:
    """``generators.scheme = "accumulate"``, ``n >= 1``, finite ``d``."""

    name = "accumulate_generators"

    def applies(self, scenario: Scenario) -> bool:
        s, gen = scenario, scenario.generators
        if not (has_generators(s) and fresh_design(s) and scheme_is(s, "accumulate") and ols_generators_only(s)
                and s.spectrum.is_finite):
            return False
        # an OLS first block is centred (any downstream); T0_1 < d only without real rows and with an OLS downstream
        return gen.T0[0] >= s.d + 2 or (not real_rows_in_generators(s) and ols_downstream(s))

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        require_ols_chain(scenario, "generators.scheme = 'accumulate'")
        e, provenance, centred = accumulate_chain_error(scenario, backend)
        return predict_on_chain(scenario, backend, chain_error=e, chain_provenance=provenance, centred=centred,
                                regime=self.name)


REGIME = AccumulateGenerators()
