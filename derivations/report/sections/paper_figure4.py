"""Report section: the paper's Figure 4 (Appendix D.2) on the digits — derivations/figure4.py.

Theory lines and real-chain points of both kernels and both ridge rules; the same on MNIST when it
is already cached (never downloaded by the report). The points are measurements shown with error
bars, not checks (the report's checks of the real chain are in the kernel section).
"""

from __future__ import annotations

import dataclasses

from modelcollapse.derivations import figure4
from modelcollapse.derivations.report.model import Budget, SectionPlan
from modelcollapse.numerics.datasets import cache_dir

__all__ = ["plan"]


def plan(budget: Budget) -> SectionPlan:
    """Both kernels, both rules; quick: three ``T`` and 10 trials per point, else five and 20."""
    setting = figure4.Figure4Setting(sim_T=budget.pick((10, 100, 1000), (10, 32, 100, 316, 1000)),
                                     trials=10 if budget.quick else 20)
    data = figure4.compute(setting)
    panels, caption, extra = figure4.panels(data), figure4.caption(data), {"figure4": data}
    if (cache_dir() / "mnist_784.npz").is_file():  # MNIST only when cached: the report stays offline
        mnist = figure4.compute(dataclasses.replace(setting, dataset="mnist"))
        panels += figure4.panels(mnist)
        caption += " Right-hand panels, MNIST (cached): " + figure4.caption(mnist)
        extra["figure4_mnist"] = mnist
    return SectionPlan(key="paper_figure4", caption=caption, panels=panels, data=extra)
