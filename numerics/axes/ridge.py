"""Axis ``ridge``: ``generators.ridge`` (``λ0_k``) and ``downstream.ridge`` (``λ``): each fit's estimator.

``λ_k > 0`` is ridge regression ``(XᵀX/T_k + λ_k I)⁻¹XᵀY/T_k``; ``λ_k = 0`` is OLS with ``T_k >= d``
rows and the minimum-norm interpolator with fewer.
"""

from __future__ import annotations

from modelcollapse.numerics.chain import ChainDraft

__all__ = ["AXIS"]


class Ridge:
    name = "ridge"
    keys = ("generators.ridge", "downstream.ridge")

    def validate(self, scenario) -> None:  # ridges >= 0 are checked by the scenario; all are described
        return None

    def describe(self, scenario, draft: ChainDraft) -> None:
        gen = scenario.generators
        draft.ridges.extend(float(r) for r in gen.ridge[: gen.n])
        draft.ridges.append(float(scenario.ridge))


AXIS = Ridge()
