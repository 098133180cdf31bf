"""Axis ``design_matrix``: ``generators.design_matrix`` (``"fresh"``, the default, or ``"reused"``).

``"fresh"``: every generation draws its own block (the ``blocks`` axis). ``"reused"`` — one design of
``T0`` rows for every generation, relabelled by the previous generator with fresh noise (THEORY.md
§3.10): the generators all fit block 0's rows (row types with one source and one noise level per fit);
real rows (one fraction) are relabelled by ``w0`` each time. The downstream keeps its own fresh block.
The ``reused_design`` fast path predicts the regions it covers; the general engine the rest.
"""

from __future__ import annotations

from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["AXIS"]


class DesignMatrix:
    name = "design_matrix"
    keys = ("generators.design_matrix",)

    def validate(self, scenario) -> None:
        gen = scenario.generators
        if getattr(gen, "design_matrix", "fresh") == "reused" and len(set(gen.real_fraction[: gen.n])) > 1:
            raise NotCoveredError("generators.real_fraction: a reused design has one set of real rows; give one "
                                  "real fraction for every generation")

    def describe(self, scenario, draft: ChainDraft) -> None:
        if getattr(scenario.generators, "design_matrix", "fresh") == "reused" and scenario.generators.n >= 1:
            draft.reused = True  # fit_rows stay T0 for every generator (replace semantics on block 0)


AXIS = DesignMatrix()
