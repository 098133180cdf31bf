"""The downstream on ``m`` random projections or random features (axis ``model_size``, THEORY.md §3.13).

Chain error ``e_n``: replace (exact, real rows in the blocks allowed) or accumulate
(:func:`~modelcollapse.numerics.regimes.accumulate_generators.accumulate_chain_error`) with OLS blocks
(``T0_k >= d + 2`` — a centred chain, ``Cov Δ = (e_n/d)Σ⁻¹``), or ``n = 0``. The downstream:
:mod:`modelcollapse.numerics.model_size` — exact for a projection with ``λ = 0``, ``T >= min(m, d) + 2``
and ``Σ ∝ I`` or ``m >= d``; the two-level deterministic equivalent otherwise (Gaussian equivalence for
ReLU / erf features). Everything else is refused naming the key (``predict`` then falls back to Monte Carlo).
"""

from __future__ import annotations

from modelcollapse.numerics.axes.model_size import AXIS, features_of
from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.model_size import (
    FEATURES_EQUIVALENT,
    GAUSSIAN_EQUIVALENT,
    combine,
    feature_model,
    features_error,
    projection_ols_error,
)
from modelcollapse.numerics.prediction import CleanPart, Prediction, assemble
from modelcollapse.numerics.regimes.accumulate_generators import accumulate_chain_error
from modelcollapse.numerics.regimes.domain import every_block_ols, fresh_design, has_generators, ols_generators_only
from modelcollapse.numerics.regimes.replace_mixing import replace_real_chain_error
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory.errors import DivergentError, NotCoveredError
from modelcollapse.theory.provenance import EXACT

__all__ = ["ModelSizeRegime", "REGIME", "centred_chain_error"]


def centred_chain_error(scenario: Scenario, b: Backend):
    """``(e_n, provenance)`` of a centred chain (``Cov Δ = (e_n/d)Σ⁻¹``), else :class:`NotCoveredError`."""
    gen = scenario.generators
    if not has_generators(scenario):
        return b.scalar(0), EXACT
    if not fresh_design(scenario):
        raise NotCoveredError("downstream.features: random features are predicted on a fresh design only "
                              "(generators.design_matrix = 'fresh')")
    if not ols_generators_only(scenario):
        raise NotCoveredError("downstream.features: random features are predicted on OLS generators only "
                              "(generators.ridge = 0)")
    if not every_block_ols(scenario):
        raise NotCoveredError(f"downstream.features: random features are predicted on a centred chain: every "
                              f"generators.T0 >= d + 2 = {scenario.d + 2}")
    if gen.scheme == "replace":
        return replace_real_chain_error(scenario, b), EXACT
    if gen.scheme == "accumulate":
        e, provenance, centred = accumulate_chain_error(scenario, b)
        if centred:
            return e, provenance
    raise NotCoveredError(f"downstream.features: generators.scheme = {gen.scheme!r} is not predicted with random "
                          "features (replace or accumulate)")


class ModelSizeRegime:
    """``downstream.features = m`` set (any feature map)."""

    name = "model_size"

    def applies(self, scenario: Scenario) -> bool:
        return features_of(scenario) is not None

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        b = backend
        m, kind = features_of(scenario)
        AXIS.validate(scenario)  # finite d, the memory limit (as the simulator would refuse it)
        e, chain_provenance = centred_chain_error(scenario, b)
        d, T, lam = scenario.d, scenario.T, scenario.ridge
        eigenvalues = scenario.spectrum.eigenvalues(b)
        weights = scenario.teacher.weights(scenario.spectrum, b)
        n_s = scenario.downstream.synthetic_rows if has_generators(scenario) else 0
        notes = [f"{m} {kind} features; chain error e_n = {float(e):.6g}; downstream synthetic rows {n_s} of {T}"]
        if kind == "projection" and lam == 0 and T >= min(m, d) + 2:
            total, clean, variance, downstream = projection_ols_error(
                eigenvalues=eigenvalues, weights=weights, isotropic=scenario.spectrum.is_isotropic, m=m, T=T,
                sigma=scenario.sigma, synthetic_rows=n_s, chain_error=e, b=b)
            kappa, iterations, residual = b.scalar(0), 0, 0.0
        else:
            r = min(m, d) if kind == "projection" else m
            if lam == 0 and abs(r - T) <= 1:
                raise DivergentError(f"downstream.features: with ridge = 0 the test error is infinite at the "
                                     f"interpolation threshold (rank {r} of the features within 1 of T = {T}); use "
                                     "ridge > 0 or move m away from T")
            trace_over_d = b.fsum(eigenvalues) / d
            model = feature_model(kind, m, trace_over_d, b)
            sol = features_error(eigenvalues=eigenvalues, weights=weights, model=model, ridge=lam, T=T,
                                 sigma=scenario.sigma, synthetic_rows=n_s, chain_error=e, b=b)
            total, clean, variance = sol.test_error, sol.clean_error, sol.variance
            kappa, iterations, residual = sol.kappa, sol.iterations, sol.residual
            downstream = FEATURES_EQUIVALENT if kind == "projection" else GAUSSIAN_EQUIVALENT
        clean_part = CleanPart(bias=clean - variance, variance=variance, trace=None, kappa=b.scalar(kappa),
                               provenance=downstream, iterations=iterations, residual=residual)
        return assemble(clean=clean_part, collapse=total - clean, collapse_provenance=combine(chain_provenance,
                                                                                                downstream),
                        backend=b, regime=self.name, parts={"chain_error": e}, notes=notes)


REGIME = ModelSizeRegime()
