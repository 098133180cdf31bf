"""What every report section uses: number labels, theory curves, simulated points, registry formulas.

A section module has one function ``plan(budget) -> SectionPlan``: it evaluates every theory curve
(cheap) and lists the scenarios to simulate, each with its prediction (the simulations, the
expensive part, run later under one progress bar). Base scenarios are the built-in TOML files;
only the swept parameter changes. Formulas in captions come from the theory registry
(:func:`formula`), never typed here.
"""

from __future__ import annotations

from modelcollapse.derivations.provenance import provenance_text
from modelcollapse.derivations.report.model import Curve, SimPoint
from modelcollapse.numerics.predict import predict
from modelcollapse.theory import get_result

__all__ = ["fmt", "formula", "theory_curve", "sim_points"]


def fmt(x: float) -> str:
    """A short number for labels: 3 significant digits, no trailing zeros."""
    return f"{x:.3g}"


def formula(name: str) -> str:
    """LaTeX of the registered result ``name`` (``lhs = expression``), for inline ``$...$`` in a caption."""
    return get_result(name).latex()


def theory_curve(series: str, xs, make, *, style: str = "-", mark_minimum: bool = False,
                 value=lambda p: p.test_error) -> Curve:
    """Predict ``make(x)`` for every ``x`` and return the line (``value`` picks the number)."""
    preds = [predict(make(x), monte_carlo=False) for x in xs]
    provs = sorted({provenance_text(p) for p in preds})
    return Curve(series=series, x=tuple(float(x) for x in xs), y=tuple(float(value(p)) for p in preds),
                 provenance="; ".join(provs), style=style, mark_minimum=mark_minimum)


def sim_points(series: str, xs, make, label) -> tuple:
    """Points to simulate at ``xs``, each predicted once here (``label(x)`` names the varying parameters)."""
    points = []
    for x in xs:
        scenario = make(x)
        points.append(SimPoint(series=series, x=float(x), label=label(x), scenario=scenario,
                               prediction=predict(scenario, monte_carlo=False)))
    return tuple(points)
