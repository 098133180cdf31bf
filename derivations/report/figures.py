"""Figures of the report (matplotlib, object API with the Agg canvas: no global pyplot state).

Theory is drawn as lines, simulation as points with error bars of two standard errors; a
simulated point that failed its check is drawn as a red cross so that no disagreement is hidden.
Every figure is written as PNG (for report.md) and PDF (for report.tex).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from modelcollapse.derivations.report.model import Panel, ReportSection

__all__ = ["draw_section", "ERRORBAR_SE"]

ERRORBAR_SE = 2  # error bars span ±2 standard errors
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")


def _series_colors(panel: Panel) -> dict:
    names = []
    for item in (*panel.curves, *panel.points):
        fixed = getattr(item, "color", None) is not None or getattr(item, "color_of", None) is not None
        if item.series not in names and not fixed:
            names.append(item.series)
    colors = {name: _COLORS[i % len(_COLORS)] for i, name in enumerate(names)}
    colors.update({c.series: c.color for c in panel.curves if c.color})
    colors.update({c.series: colors[c.color_of] for c in panel.curves if c.color_of in colors})
    return colors


def _draw_lines(ax, panel: Panel, rows) -> None:
    colors = _series_colors(panel)
    for c in panel.curves:
        if c.yerr is not None:  # simulated, not checked: open squares, so they never pass for checked points
            ax.errorbar(c.x, c.y, yerr=c.yerr, fmt="s", color=c.color or colors[c.series], mfc="white", ms=5,
                        capsize=3, elinewidth=1.2, zorder=5, label=c.series)
            continue
        ax.plot(c.x, c.y, c.style, color=c.color or colors[c.series], lw=1.6, label=c.series)
        if c.mark_minimum:
            i = int(np.argmin(c.y))
            ax.plot([c.x[i]], [c.y[i]], "D", color=colors[c.series], ms=7, mec="black", mew=0.6, zorder=4)
    any_failed = False
    for p, row in zip(panel.points, rows):
        check = row.check
        color = colors[p.series]
        if check.passed:
            ax.errorbar([p.x], [check.mean], yerr=[ERRORBAR_SE * check.stderr], fmt="o", color=color, ms=5,
                        mec="black", mew=0.5, capsize=3, elinewidth=1.2, zorder=5)
        else:
            any_failed = True
            ax.errorbar([p.x], [check.mean], yerr=[ERRORBAR_SE * check.stderr], fmt="x", color="red", ms=9,
                        mew=2, capsize=3, zorder=6)
    handles, labels = ax.get_legend_handles_labels()
    if panel.points:
        handles.append(Line2D([], [], marker="o", color="gray", mec="black", mew=0.5, ls="none"))
        labels.append(rf"simulation ($\pm{ERRORBAR_SE}$ SE)")
    if any(c.mark_minimum for c in panel.curves):
        handles.append(Line2D([], [], marker="D", color="gray", mec="black", mew=0.6, ls="none"))
        labels.append("minimum of theory")
    if any_failed:
        handles.append(Line2D([], [], marker="x", color="red", mew=2, ls="none"))
        labels.append("check FAILED")
    ax.set_xscale(panel.xscale)
    ax.set_yscale(panel.yscale)
    if len(handles) < 2:  # a single line needs no legend: the axis label names it
        return
    if panel.legend == "inside":
        ax.legend(handles, labels, fontsize=8, loc="best", framealpha=0.9)
    else:
        ax.legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)


def _draw_phase(ax, panel: Panel, norm):
    """Exponent of the error as colour (with labelled contours), optimal ``ℓ`` and ridgeless line, phase names."""
    img = panel.image
    x, y = np.asarray(img["x"]), np.asarray(img["y"])
    values = np.asarray(img["values"], dtype=float)
    cmap = matplotlib.colormaps["viridis"].with_extremes(under="#8b1a1a")  # c < 0: the error grows with T
    mesh = ax.pcolormesh(x, y, values, shading="nearest", cmap=cmap, norm=norm, rasterized=True)
    levels = [c for c in (0.0, 0.25, 0.5, 1.0, 2.0, 3.0) if values.min() < c < values.max()]
    if levels:
        cs = ax.contour(x, y, values, levels=levels, colors="black", linewidths=0.6, alpha=0.7)
        ax.clabel(cs, fontsize=7, fmt="%g")
    ax.plot(img["boundary"], y, color="white", lw=2.0)
    ax.axvline(img["beta"], color="white", ls=":", lw=1.2)
    regime = np.asarray(img["regime"])
    # (region, name, height in the region as a percentile of its rows); ties live on the border only
    boxes = [(regime == i, name, 85) for i, name in enumerate(img["labels"]) if "=" not in name]
    if values.min() < 0:
        boxes.append((values < 0, "error grows", 30))
    for mask, name, height in boxes:
        if mask.sum() < 0.05 * mask.size:
            continue
        row = int(np.percentile(np.nonzero(mask)[0], height))
        cols = np.nonzero(mask[row])[0]
        ax.text(x[int(np.median(cols))], y[row], name, color="white", fontsize=8, ha="center", va="center",
                bbox={"facecolor": "black", "alpha": 0.5, "pad": 2, "lw": 0})
    return mesh


def draw_section(report_section: ReportSection, out_dir: Path) -> list[str]:
    """Draw a section with its check rows; return the file names written in ``out_dir``."""
    section = report_section.plan
    panels = [p for p in section.panels if p.kind != "table"]  # a checks-only panel has no axes
    n = len(panels)
    outside = any(p.kind == "lines" and p.legend == "outside" for p in panels)
    phases = [p for p in panels if p.kind == "phase"]
    if phases:  # phase diagrams stacked, so that each stays legible at the width of a page
        fig = Figure(figsize=(7.5, 2.7 * n + 0.6), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    else:
        fig = Figure(figsize=(5.2 * n + (2.2 if outside else 0.0), 4.0), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, n, squeeze=False)[0]
    # one colour scale for every phase diagram of the figure, so that rates compare at a glance;
    # square-root scale so that the slow rates (< 1) stay distinguishable next to the fast ones
    norm = PowerNorm(0.5, 0.0, max(np.max(p.image["values"]) for p in phases)) if phases else None
    extend = "min" if phases and min(np.min(p.image["values"]) for p in phases) < 0 else "neither"
    mesh = None
    for ax, panel in zip(axes, panels):
        if panel.kind == "phase":
            mesh = _draw_phase(ax, panel, norm)
        else:
            _draw_lines(ax, panel, report_section.rows_of(panel))
        ax.set_title(panel.title, fontsize=10)
        ax.set_xlabel(panel.xlabel)
        ax.set_ylabel(panel.ylabel)
        if panel.kind == "lines":  # a grid over a colour map only adds noise
            ax.grid(True, which="major", alpha=0.3)
    if mesh is not None:
        fig.colorbar(mesh, ax=list(axes), label=r"exponent $c$ of $E_{\mathrm{test}}\asymp T^{-c}$", shrink=0.9,
                     extend=extend)
    fig.suptitle(section.title, fontsize=12)
    names = []
    for ext in ("png", "pdf"):
        name = f"fig_{section.key}.{ext}"
        fig.savefig(out_dir / name, dpi=150)
        names.append(name)
    return names
