"""Over-parameterised generators (``T0 < d``): placeholder until THEORY.md §3.5 is implemented."""

from __future__ import annotations

from modelcollapse.numerics.errors import NotCoveredError


def predict_overparameterised(scenario, backend):
    d = scenario.d
    for t0 in scenario.generators.T0:
        if abs(t0 - d) <= 1:
            raise NotCoveredError(
                f"generators.T0: the generator error is infinite for d-1 <= T0 <= d+1 (T0 = {t0}, d = {d})"
            )
    raise NotCoveredError("generators.T0: T0 < d + 2 (over-parameterised generators) is not covered yet; use T0 >= d + 2")
