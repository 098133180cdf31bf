"""The figure of a sweep: theory lines against the first varied key, one line per value of the rest.

The second varied key sets the colour and a third (and further) the line style, so a 2-key grid
reads as families of lines; the legend names the table's columns (``generators.real_fraction=0.2``).

Simulated points (where the table has them) are drawn with error bars of two standard errors in
the colour of their line, as in the report's figures. The x-axis is logarithmic when the first
axis is log-spaced; the y-axis when the plotted values are positive and span a factor >= 10.
matplotlib's object API with the Agg canvas: no global pyplot state, safe in any process.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from modelcollapse.derivations.atomic import write_bytes
from modelcollapse.derivations.sweep.table import vary_columns

__all__ = ["plot_sweep", "ERRORBAR_SE", "PLOT_FORMATS"]

ERRORBAR_SE = 2
PLOT_FORMATS = (".png", ".pdf", ".svg")
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")


def _is_log(df: pd.DataFrame, column: str) -> bool:
    if column in df.attrs.get("log", ()):
        return True
    values = pd.to_numeric(df[column], errors="coerce").dropna().to_numpy(dtype=float)
    return bool(len(values)) and values.min() > 0 and values.max() >= 100 * values.min()


_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 2)))


def _label(hue, values) -> str:
    """``generators.real_fraction=0.2, …``: the table's column names, as the user wrote them."""
    def one(key, value):
        return f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"

    return ", ".join(one(key, value) for key, value in zip(hue, values))


def _styles(hue, groups):
    """Colour by the first ``hue`` key, line style by the rest: ``{group index: (colour, style)}`` and the
    legend's entries (one per colour, one per style)."""
    colour_of, style_of = {}, {}
    for values, _ in groups:
        values = values if isinstance(values, tuple) else (values,)
        colour_of.setdefault(values[:1], len(colour_of))
        style_of.setdefault(values[1:], len(style_of))
    looks = []
    for values, _ in groups:
        values = values if isinstance(values, tuple) else (values,)
        looks.append((_COLORS[colour_of[values[:1]] % len(_COLORS)], _STYLES[style_of[values[1:]] % len(_STYLES)]))
    legend = [(Line2D([], [], color=_COLORS[i % len(_COLORS)], lw=1.6), _label(hue[:1], key))
              for key, i in colour_of.items()]
    if len(hue) > 1:
        legend += [(Line2D([], [], color="gray", ls=_STYLES[i % len(_STYLES)], lw=1.6), _label(hue[1:], key))
                   for key, i in style_of.items()]
    return looks, legend


def plot_sweep(df: pd.DataFrame, *, x: str | None = None, hue=None, y: str = "test_error", out=None,
               logx: bool | None = None, logy: bool | None = None, title: str | None = None) -> Figure:
    """Draw a sweep table (theory lines, simulation points with ±2 SE bars).

    Parameters
    ----------
    df : DataFrame
        A table from :func:`~.engine.sweep` or :func:`~.table.read_table`.
    x : str, optional
        The x column (default: the first varied key).
    hue : str or list of str, optional
        Columns whose values make separate lines (default: the other varied keys): the first sets
        the colour, the others the line style; the legend names them as the table does.
    y : str
        The theory column to draw (default ``test_error``); simulation points are drawn only for
        ``test_error`` (the quantity the simulator measures).
    out : path, optional
        Write the figure (``.png``, ``.pdf`` or ``.svg``, atomically).
    logx, logy : bool, optional
        Force the axis scales (default: automatic, see the module docstring).
    """
    keys = vary_columns(df)
    x = x or (keys[0] if keys else None)
    if x not in df.columns:
        raise ValueError(f"x: no column {x!r} in the table (columns: {', '.join(map(str, df.columns))})")
    if y not in df.columns:
        raise ValueError(f"y: no column {y!r} in the table")
    if not pd.api.types.is_numeric_dtype(df[x]):
        raise ValueError(f"x: the column {x!r} is not numeric; plot a numeric key on the x-axis (x=...)")
    hue = [h for h in keys if h != x] if hue is None else ([hue] if isinstance(hue, str) else list(hue))
    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    groups = [((), df)] if not hue else list(df.groupby(hue, sort=False, dropna=False))
    simulated = "mean" in df.columns and y == "test_error"
    looks, legend = _styles(hue, groups) if hue else ([(_COLORS[0], "-")], [])
    for (values, part), (color, style) in zip(groups, looks):
        part = part.sort_values(x)
        theory = part[[x, y]].dropna()
        ax.plot(theory[x].to_numpy(dtype=float), theory[y].to_numpy(dtype=float), color=color, ls=style, lw=1.6,
                label=y)
        if simulated:
            sim = part[[x, "mean", "stderr"]].dropna()
            if len(sim):
                ax.errorbar(sim[x].to_numpy(dtype=float), sim["mean"].to_numpy(dtype=float),
                            yerr=ERRORBAR_SE * sim["stderr"].to_numpy(dtype=float), fmt="o", color=color, ms=5,
                            mec="black", mew=0.5, capsize=3, elinewidth=1.2, zorder=5)
    handles, labels = ([h for h, _ in legend], [t for _, t in legend]) if hue else ax.get_legend_handles_labels()
    if simulated and df["mean"].notna().any():
        handles.append(Line2D([], [], marker="o", color="gray", mec="black", mew=0.5, ls="none"))
        labels.append(rf"simulation ($\pm{ERRORBAR_SE}$ SE)")
    if len(handles) > 1 or hue:
        ax.legend(handles, labels, fontsize=8, loc="best", framealpha=0.9)
    ax.set_xscale("log" if (_is_log(df, x) if logx is None else logx) else "linear")
    ys = pd.to_numeric(df[y], errors="coerce").dropna().to_numpy(dtype=float)
    auto_logy = bool(len(ys)) and ys.min() > 0 and ys.max() >= 10 * ys.min()
    ax.set_yscale("log" if (auto_logy if logy is None else logy) else "linear")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    if out is not None:
        out = Path(out)
        suffix = out.suffix.lower()
        if suffix not in PLOT_FORMATS:
            raise ValueError(f"--plot: unknown format {suffix!r}; expected one of {', '.join(PLOT_FORMATS)}")
        buffer = io.BytesIO()
        fig.savefig(buffer, format=suffix[1:], dpi=150)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(out, buffer.getvalue())
    return fig


@pd.api.extensions.register_dataframe_accessor("sweep")
class SweepAccessor:
    """``df.sweep.plot(...)``: :func:`plot_sweep` on a sweep table."""

    def __init__(self, df: pd.DataFrame):
        self._df = df

    def plot(self, **kwargs) -> Figure:
        return plot_sweep(self._df, **kwargs)

    @property
    def vary(self) -> list[str]:
        return vary_columns(self._df)
