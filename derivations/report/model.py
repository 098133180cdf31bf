"""Value objects of the report: what a section plans, what a check found.

A section is planned first (theory curves evaluated, simulation points listed with their
predictions), then every simulation of every section runs under one progress bar, then figures
and tables are written.
Labels are strings with inline ``$...$`` math, valid at once in Markdown, LaTeX and matplotlib.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from modelcollapse.derivations.verify import Check
from modelcollapse.numerics.predict import Prediction
from modelcollapse.numerics.scenario import Scenario

__all__ = ["Budget", "Curve", "SimPoint", "Panel", "SectionPlan", "CheckRow", "ReportSection", "Report", "check_seed"]


@dataclass(frozen=True, kw_only=True)
class Budget:
    """How much work a report does: Monte Carlo trials per point and theory points per curve."""

    quick: bool
    trials: int
    line_points: int

    def pick(self, quick_values, full_values):
        """The quick or the full choice of simulated abscissae."""
        return tuple(quick_values if self.quick else full_values)


@dataclass(frozen=True, kw_only=True)
class Curve:
    """A theory line: ``y(x)`` predicted on a grid (provenance says exact, DE, ...)."""

    series: str
    x: tuple
    y: tuple
    provenance: str
    style: str = "-"  # matplotlib line style; dashed for reference lines
    mark_minimum: bool = False
    color: str | None = None  # fixed colour (reference lines); default: one colour per series
    color_of: str | None = None  # draw in the colour of this series (its limit, its asymptote)
    yerr: tuple | None = None  # simulation-only points (no verified theory to check): ±yerr bars, no line

    def to_dict(self) -> dict:
        out = {"series": self.series, "x": list(self.x), "y": list(self.y), "provenance": self.provenance}
        if self.yerr is not None:
            out["yerr"] = list(self.yerr)
        return out


@dataclass(frozen=True, kw_only=True, eq=False)
class SimPoint:
    """A scenario to simulate, drawn at ``x`` in the panel of series ``series``, with its prediction.

    The prediction is made once, when the section is planned (a section whose theory cannot be
    computed is unavailable before anything is simulated). Points compare by identity: a check
    row is paired with the very point it simulated.
    """

    series: str
    x: float
    label: str  # parameters that vary, e.g. "$n=5,\ \lambda=0.3$"
    scenario: Scenario
    prediction: Prediction
    trials: int | None = None  # own Monte Carlo trials, for a point far costlier than the rest (default: budget)


@dataclass(frozen=True, kw_only=True)
class Panel:
    """One set of axes: theory curves, simulated points, labels and scales."""

    title: str
    xlabel: str
    ylabel: str
    curves: tuple = ()
    points: tuple = ()
    xscale: str = "linear"
    yscale: str = "linear"
    kind: str = "lines"  # "lines", "phase", or "table" (checks only, no axes)
    legend: str = "outside"  # "outside" (right of the axes, never over data) or "inside" (matplotlib's best)
    image: dict = field(default_factory=dict)  # "phase": x, y, values, labels


@dataclass(frozen=True, kw_only=True)
class SectionPlan:
    """A report section before its simulations ran (or with ``unavailable`` saying why not)."""

    key: str
    title: str = ""  # filled in by the report from its registry of sections
    caption: str = ""
    panels: tuple = ()
    unavailable: str | None = None
    data: dict = field(default_factory=dict)  # extra numbers for results.json

    def __post_init__(self):
        # the caption goes into report.tex as is: a bare % would comment out the rest of \caption{...} and the PDF
        # would not build (it happened twice); refuse it here, naming the section, whoever writes the next one
        if re.search(r"(?<!\\)%", self.caption):
            raise ValueError(f"report section {self.key!r}: its caption has a bare '%' (LaTeX comment); write \\%")

    @property
    def points(self) -> tuple:
        return tuple(p for panel in self.panels for p in panel.points)


def check_seed(root: int, check_id: str) -> int:
    """Seed of one check: a function of the root seed and the check's id only (not of order or jobs)."""
    state = np.random.SeedSequence([root, zlib.crc32(check_id.encode())]).generate_state(1)
    return int(state[0])


@dataclass(frozen=True, kw_only=True)
class CheckRow:
    """One theory-versus-simulation check as reported (a row of the table), and the point it checked."""

    id: str
    section: str
    series: str
    x: float | None
    label: str
    scenario: dict
    check: Check
    point: SimPoint | None = field(default=None, compare=False, repr=False)

    @property
    def passed(self) -> bool:
        return self.check.passed

    @property
    def z(self) -> float:
        return self.check.z

    def to_dict(self) -> dict:
        out = {"id": self.id, "section": self.section, "series": self.series, "x": self.x, "label": self.label}
        out.update(self.check.to_dict())
        out["scenario"] = self.scenario
        return out


@dataclass(frozen=True, kw_only=True)
class ReportSection:
    """A section after its simulations: the plan, its check rows (in the order of its points), its figures."""

    plan: SectionPlan
    rows: tuple = ()
    figures: tuple = ()

    def rows_of(self, panel: Panel) -> tuple:
        """The check rows of ``panel``'s points, paired by identity (not by position)."""
        by_point = {id(r.point): r for r in self.rows}
        return tuple(by_point[id(p)] for p in panel.points)


@dataclass(frozen=True, kw_only=True)
class Report:
    """What a report run produced (the files are in ``out``)."""

    out: Path
    settings: dict
    sections: tuple
    pdf: bool = False
    warnings: tuple = ()
    timings: dict = field(default_factory=dict)  # seconds per phase (not in results.json: it depends on the machine)

    @property
    def rows(self) -> list[CheckRow]:
        return [r for s in self.sections for r in s.rows]
