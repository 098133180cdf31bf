"""Axis ``design_matrix``: ``generators.design_matrix`` (``"fresh"``, the default, or ``"reused"``).

``"fresh"``: every generation draws its own block (the ``blocks`` axis). ``"reused"`` — one design for
every generation, fresh label noise each time (THEORY.md §3.10) — is predicted by its own fast path
(:mod:`modelcollapse.numerics.regimes.reused_design`); the chain description has no rows shared by
several fits with different labellers yet, so this axis refuses to describe it rather than describe
it wrongly. The hook: a ``RowType`` selected by every generator, labelled by fit ``k − 1`` for fit ``k``,
with fresh noise per fit (``P_m = I − S_m`` with one source per fit, a diagonal noise covariance in
:mod:`modelcollapse.numerics.chain_engine`).
"""

from __future__ import annotations

from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.theory.errors import NotCoveredError

__all__ = ["AXIS"]


class DesignMatrix:
    name = "design_matrix"
    keys = ("generators.design_matrix",)

    def validate(self, scenario) -> None:
        if getattr(scenario.generators, "design_matrix", "fresh") != "fresh" and scenario.generators.n >= 1:
            raise NotCoveredError("generators.design_matrix: the general chain engine describes fresh designs only; "
                                  "a reused design is predicted by its own regime (reused_design)")

    def describe(self, scenario, draft: ChainDraft) -> None:  # fresh blocks: the blocks axis already drew them
        return None


AXIS = DesignMatrix()
