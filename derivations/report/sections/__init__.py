"""The report's sections, in the order the report shows them: one module each, named after its result.

A section is a module with ``plan(budget) -> SectionPlan`` (see :mod:`.common`); adding one is a
new module in this package and one line in :data:`SECTIONS`. The user's scenario files
(``--scenarios DIR``) are appended by the report when given (:func:`.scenarios.plan_user`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from modelcollapse.derivations.report.model import Budget, SectionPlan
from modelcollapse.derivations.report.sections import (
    generations,
    kernel,
    large_dimension,
    mixing,
    model_size,
    optimal_ridge,
    overparam,
    paper,
    paper_figure4,
    phase,
    reused_design,
    ridge,
    scaling,
    scenarios,
    schemes,
    tailcut,
    verifier,
    weighting,
)

__all__ = ["Section", "SECTIONS"]


@dataclass(frozen=True, kw_only=True)
class Section:
    """A registered report section: its key (file names, check ids), its title and its planner."""

    key: str
    title: str
    plan: Callable[[Budget], SectionPlan]


SECTIONS: tuple[Section, ...] = (
    Section(key="ridge", title="Test error against the ridge", plan=ridge.plan),
    Section(key="generations", title="Test error against the number of generations", plan=generations.plan),
    Section(key="scaling", title="Scaling law under a power-law spectrum", plan=scaling.plan),
    Section(key="overparam", title="Exponential collapse with over-parameterised generators", plan=overparam.plan),
    Section(key="phase", title="Scaling-law phase diagram", plan=phase.plan),
    Section(key="optimal_ridge", title="Optimal ridge against the number of generations", plan=optimal_ridge.plan),
    Section(key="large_dimension", title="Deterministic equivalents at d = 1000", plan=large_dimension.plan),
    Section(key="schemes", title="Data schemes: replace, accumulate, accumulate-subsample", plan=schemes.plan),
    Section(key="mixing", title="Strong model collapse: a synthetic share leaves a floor", plan=mixing.plan),
    Section(key="kernel", title="Kernel ridge regression on real data", plan=kernel.plan),
    Section(key="model_size", title="Model size: random projections amplify collapse up to m = T",
            plan=model_size.plan),
    Section(key="reused_design", title="Fresh against reused design matrices (the paper's Figure 2)",
            plan=reused_design.plan),
    Section(key="tailcut", title="Tail-cutting generators: the kept eigendirections", plan=tailcut.plan),
    Section(key="weighting", title="Weighted real and synthetic data: the golden-ratio weight", plan=weighting.plan),
    Section(key="paper_figure4", title="The paper's Figure 4: adaptive regularisation on real data",
            plan=paper_figure4.plan),
    Section(key="verifier", title="Verified synthetic data: a verifier pulls the chain to its centre",
            plan=verifier.plan),
    Section(key="paper", title="The paper's derived statements and its map", plan=paper.plan),
    Section(key="builtin", title="Built-in scenarios", plan=scenarios.plan_builtin),
)
