"""Report section: the paper's Figure 4 (Appendix D.2) on the digits — derivations/figure4.py.

Theory lines and real-chain points of both kernels and both ridge rules. The points are measurements
shown with error bars, not checks (the report's checks of the real chain are in the kernel section).
"""

from __future__ import annotations

from modelcollapse.derivations import figure4
from modelcollapse.derivations.report.model import Budget, SectionPlan

__all__ = ["plan"]


def plan(budget: Budget) -> SectionPlan:
    """Both kernels, both rules; quick: three ``T`` and 10 trials per point, else five and 20."""
    setting = figure4.Figure4Setting(sim_T=budget.pick((10, 100, 1000), (10, 32, 100, 316, 1000)),
                                     trials=10 if budget.quick else 20)
    data = figure4.compute(setting)
    return SectionPlan(key="paper_figure4", caption=figure4.caption(data), panels=figure4.panels(data),
                       data={"figure4": data})
