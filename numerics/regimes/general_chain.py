"""The general chain engine as a regime: every scenario no fast path covers (THEORY.md §3.13).

The scenario is compiled to its chain of fits (:func:`~modelcollapse.numerics.chain.compile_chain`)
and solved by :func:`~modelcollapse.numerics.chain_engine.solve_chain`. The clean part is the shared
:func:`~modelcollapse.numerics.clean.clean_prediction` (with its finite-size corrections); the
collapse is the engine's downstream error minus the engine's error of the same downstream on clean
data, so the engine's own finite-size error in the clean part cancels.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.chain import compile_chain
from modelcollapse.numerics.chain_engine import CHAIN_ENGINE, solve_chain
from modelcollapse.numerics.clean import clean_prediction
from modelcollapse.numerics.prediction import Prediction, assemble
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import spectral_sums
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import EXACT

__all__ = ["GeneralChain", "REGIME"]


class GeneralChain:
    """The fallback: any chain the axes describe (finite ``d``), when no fast path applies."""

    name = "general_chain"

    def applies(self, scenario: Scenario) -> bool:  # the fallback: chosen by regime_for, never by this test
        return scenario.generators.n >= 1

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        if backend != FLOAT64:  # the engine is written in float64 numpy
            raise NotCoveredError("--precision: the general chain engine (no closed form covers this scenario) "
                                  "is evaluated in float64 only; omit --precision")
        chain = compile_chain(scenario)
        sums = spectral_sums(scenario.spectrum, scenario.teacher, backend)
        lam = np.asarray(sums.eigenvalues, dtype=float)
        weights = np.asarray(sums.weights, dtype=float)
        solution = solve_chain(chain, lam, weights)
        alone = solve_chain(chain.without_generators(), lam, weights)
        clean = clean_prediction(scenario, backend)
        collapse = backend.scalar(float(solution.errors[-1] - alone.errors[0]))
        chain_error = backend.scalar(float(solution.errors[-2]))
        notes = [f"general chain engine: {chain.n_fits} fits, {len(chain.types)} row types; chain error "
                 f"e_n = {float(chain_error):.6g}; residual {solution.residual:.2g}"]
        exact = chain.engine_is_exact(scenario.spectrum.is_isotropic) and clean.provenance.is_exact
        provenance = EXACT if exact else CHAIN_ENGINE
        return assemble(clean=clean, collapse=collapse, collapse_provenance=provenance, backend=backend,
                        regime=self.name, parts={"chain_error": chain_error}, notes=notes,
                        iterations=max(clean.iterations, solution.iterations),
                        residual=max(clean.residual, solution.residual))


REGIME = GeneralChain()
