"""Verified synthetic data: ``[generators.verifier]`` (THEORY.md §3.17; :mod:`modelcollapse.theory.verifier`).

Every scenario with a verifier and generations is this regime's (the verifier axis admits no other regime there:
``VerifierAxis.admits``). The chain error ``e_n`` comes from
:func:`~modelcollapse.numerics.verifier.verifier_chain` (exact for one generation with the teacher as centre,
a deterministic equivalent otherwise); the downstream on top of it through
:func:`~modelcollapse.numerics.mixing.predict_on_chain`, which is exact for an OLS downstream with any real
share. What is refused, and why, is listed in :mod:`modelcollapse.numerics.axes.verifier`.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.numerics.axes.verifier import AXIS as VERIFIER_AXIS
from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.mixing import predict_on_chain
from modelcollapse.numerics.prediction import Prediction
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.verifier import stationary_spread, verifier_chain
from modelcollapse.theory.errors import FixedPointError, NotCoveredError

__all__ = ["VerifiedGenerators", "REGIME", "verifier_inputs"]

# keys of [generators] / [downstream] this regime reads; any other key away from its default is refused by name
_READ = {"generators": {"n", "T0", "sigma0", "verifier", "scheme", "design_matrix", "real_fraction", "ridge"},
         "downstream": {"T", "sigma", "ridge", "real_fraction"}}


def _other_keys_set(scenario: Scenario) -> list[str]:
    """Dotted keys of other axes (issue 23's) given a value other than their default."""
    try:
        from modelcollapse.numerics import axes
        from modelcollapse.numerics.axes.keys import REQUIRED, registry
    except ImportError:  # pragma: no cover - before the key registry
        return []
    out = []
    for table, keys in registry(axes.AXES).keys.items():
        section = getattr(scenario, table)
        for key in keys:
            if key.name in _READ[table] or key.default is REQUIRED:
                continue
            try:
                default = key.check(key.dotted, key.default, section)
            except Exception:  # a default that needs context it has not got: compare with the raw default
                default = key.default
            if getattr(section, key.name) != default:
                out.append(key.dotted)
    return out


def verifier_inputs(scenario: Scenario):
    """``(h2, sigma0, lower, upper, T0, refill)`` of the verified chain (per generation tuples)."""
    gen = scenario.generators
    v = gen.verifier
    lam = np.asarray(scenario.spectrum.eigenvalues(), dtype=float)
    w0 = np.asarray(scenario.teacher.coefficients(scenario.spectrum), dtype=float)
    centre = v.centre(lam, w0)
    h2 = float(np.sum(lam * (w0 - centre) ** 2))
    bounds = [v.bounds(float(s0)) for s0 in gen.sigma0[: gen.n]]
    return (h2, tuple(float(s) for s in gen.sigma0[: gen.n]), tuple(b[0] for b in bounds), tuple(b[1] for b in bounds),
            tuple(int(t) for t in gen.T0[: gen.n]), v.refill)


def _limit_note(h2, sigma0, lower, upper, T0, d, refill, backend) -> str:
    """The chain's limit ``‖w0 − w'‖²_Σ + P*`` when every generation is the same (else why there is none)."""
    if len(set(zip(sigma0, lower, upper, T0))) != 1:
        return "verifier: no limit over generations stated (the generations differ)"
    try:
        fixed = stationary_spread(sigma0=sigma0[0], lower=lower[0], upper=upper[0], T0=T0[0], d=d, refill=refill,
                                  backend=backend)
    except (FixedPointError, NotCoveredError) as exc:
        return f"verifier: no limit over generations ({exc})"
    return (f"verifier: as n grows the chain error tends to ‖w0 − w'‖²_Σ + P* = {h2:.6g} + {float(fixed.root):.6g} "
            f"(fixed point P* = Q(P*), {fixed.iterations} iterations, residual {fixed.residual:.1g})")


class VerifiedGenerators:
    """``n >= 1`` with ``[generators.verifier]``."""

    name = "verified_generators"

    def applies(self, scenario: Scenario) -> bool:
        return scenario.generators.n >= 1 and getattr(scenario.generators, "verifier", None) is not None

    def predict(self, scenario: Scenario, backend: Backend) -> Prediction:
        VERIFIER_AXIS.validate(scenario)
        gen, d = scenario.generators, scenario.d
        others = _other_keys_set(scenario)
        if others:
            raise NotCoveredError(f"{others[0]}: not predicted together with [generators.verifier] (simulate it)")
        refusals = (
            (not scenario.spectrum.is_finite, "spectrum.d: the verified chain is predicted for a finite d"),
            (gen.scheme != "replace", "generators.scheme: the verified chain is predicted for the replace scheme "
                                      "only (simulate the others)"),
            (gen.has_ridge, "generators.ridge: the verified chain is predicted for OLS generators (ridge = 0) only"),
            (gen.has_real_data, "generators.real_fraction: the verified chain is predicted without real rows in "
                                "the generators (real_fraction = 0)"),
            (scenario.ridge != 0 or scenario.T < d + 2,
             "downstream.ridge: with a verifier only an OLS downstream (ridge = 0, T >= d + 2) is predicted (the "
             "verified chain is not centred); simulate the others"),
        )
        for refused, message in refusals:
            if refused:
                raise NotCoveredError(message)
        h2, sigma0, lower, upper, T0, refill = verifier_inputs(scenario)
        chain = verifier_chain(h2=h2, sigma0=sigma0, lower=lower, upper=upper, T0=T0, d=d, refill=refill,
                               backend=backend)
        last = chain.steps[-1]
        notes = (f"verifier: ‖w0 − w'‖²_Σ = {h2:.6g}; acceptance per generation "
                 f"{', '.join(f'{float(s.acceptance):.4g}' for s in chain.steps)}; population map g = "
                 f"{float(last.contraction):.4g} in the last generation (< 1: toward the verifier's centre)",)
        notes += (_limit_note(h2, sigma0, lower, upper, T0, d, refill, backend),)
        return predict_on_chain(scenario, backend, chain_error=last.error, chain_provenance=chain.provenance,
                                centred=False, regime=self.name, notes=notes)


REGIME = VerifiedGenerators()
