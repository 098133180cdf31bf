"""Axis ``design_matrix``: ``generators.design_matrix`` (``"fresh"``, the default, or ``"reused"``).

``"fresh"``: every generation draws its own block (the ``blocks`` axis). ``"reused"`` — one design of
``T0`` rows for every generation, relabelled by the previous generator with fresh noise (THEORY.md
§3.10): the generators all fit block 0's rows (row types with one source and one noise level per fit);
real rows (one fraction) are relabelled by ``w0`` each time. The downstream keeps its own fresh block.
The ``reused_design`` fast path predicts the regions it covers; the general engine the rest.
"""

from __future__ import annotations

from modelcollapse.numerics.axes.keys import Key, choice
from modelcollapse.numerics.chain import ChainDraft
from modelcollapse.theory.errors import NotCoveredError, ScenarioError

__all__ = ["AXIS", "DESIGN_MATRICES"]

# a fresh design per generation (the paper's chain) or one design reused by all (THEORY.md §3.10)
DESIGN_MATRICES = ("fresh", "reused")


def _design_matrix(key, value, gen) -> str:
    """``fresh`` or ``reused``; ``reused`` needs one ``T0`` for every generation (one design serves them all)."""
    choice(key, value, DESIGN_MATRICES, "design matrix")
    if value == "reused" and gen.scheme != "replace":
        raise ScenarioError(key, f"'reused' is defined for generators.scheme = 'replace' (each generation relabels the "
                                 f"one design); got scheme = {gen.scheme!r}")
    if value == "reused" and len(set(gen.T0)) > 1:
        raise ScenarioError(key, f"'reused' draws one design for every generation, so generators.T0 must be one number "
                                 f"(got the list {list(gen.T0)})")
    return value


class DesignMatrix:
    name = "design_matrix"
    keys = (
        Key(table="generators", name="design_matrix", default="fresh", check=_design_matrix,
            doc="'fresh' (a design per generation) or 'reused' (one design of T0 rows for every generation)"),
    )

    def validate(self, scenario) -> None:
        gen = scenario.generators
        if getattr(gen, "design_matrix", "fresh") == "reused" and len(set(gen.real_fraction[: gen.n])) > 1:
            raise NotCoveredError("generators.real_fraction: a reused design has one set of real rows; give one "
                                  "real fraction for every generation")

    def describe(self, scenario, draft: ChainDraft) -> None:
        if getattr(scenario.generators, "design_matrix", "fresh") == "reused" and scenario.generators.n >= 1:
            draft.reused = True  # fit_rows stay T0 for every generator (replace semantics on block 0)


AXIS = DesignMatrix()
