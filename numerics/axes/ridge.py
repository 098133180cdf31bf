"""Axis ``ridge``: ``generators.ridge`` (``λ0_k``) and ``downstream.ridge`` (``λ``): each fit's estimator.

``λ_k > 0`` is ridge regression ``(XᵀX/T_k + λ_k I)⁻¹XᵀY/T_k``; ``λ_k = 0`` is OLS with ``T_k >= d``
rows and the minimum-norm interpolator with fewer.
"""

from __future__ import annotations

from modelcollapse.numerics.axes.keys import REQUIRED, Key, View, per_generation, per_generation_file
from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.numerics.validate import nonnegative

__all__ = ["AXIS"]


class Ridge:
    name = "ridge"
    keys = (
        # absent: 0 for every generation (OLS / minimum-norm interpolation, the generators before issue 14)
        Key(table="generators", name="ridge", default=0.0, alias="ridge0", to_file=per_generation_file,
            check=lambda key, v, gen: per_generation(key, 0.0 if v is None else v, gen.n, nonnegative),
            doc="each generator's ridge, a number >= 0 or a list of n (0: OLS / minimum norm)"),
        Key(table="downstream", name="ridge", default=REQUIRED, check=lambda key, v, _: nonnegative(key, v),
            doc="the downstream ridge, a number >= 0 (0: OLS / minimum norm)"),
    )
    views = (
        View(table="generators", name="has_ridge", get=lambda gen: any(r > 0 for r in gen.ridge[: gen.n]),
             doc="some generation fits ridge regression (ridge_k > 0; THEORY.md §3.8)"),
    )

    def validate(self, scenario) -> None:  # ridges >= 0 are checked by the scenario; all are described
        return None

    def describe(self, scenario, draft: ChainDraft) -> None:
        gen = scenario.generators
        draft.ridges.extend(float(r) for r in gen.ridge[: gen.n])
        draft.ridges.append(float(scenario.ridge))


AXIS = Ridge()
