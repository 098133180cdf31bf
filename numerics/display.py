"""How result objects show themselves: a text table, an HTML table in Jupyter, a one-row DataFrame.

A result class mixes in :class:`Tabular` and says what its rows are (``_rows()``: label, value,
note) and what it is (``_title()``); ``to_dict()`` it has already. Then ``str(obj)`` is the same
table the command line prints, ``_repr_html_`` the table for Jupyter, ``to_frame()`` one row of
``to_dict()`` flattened like a sweep's columns (nested keys joined with a dot, lists with
``"; "``). pandas is imported by ``to_frame`` only, so importing a result class stays light.
"""

from __future__ import annotations

import html
import math

__all__ = ["Tabular", "flatten", "format_value"]


def format_value(value) -> str:
    """A number as the command line prints it (6 significant digits); other values as text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return "%.6g" % value if math.isfinite(value) else str(value)
    return str(value)


def flatten(data: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}, "c": [x, y]}`` -> ``{"a.b": 1, "c": "x; y"}`` (a sweep's column convention)."""
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            out[name] = "; ".join(map(str, value))
        else:
            out[name] = value
    return out


class Tabular:
    """Mixin: ``__str__`` (text table), ``_repr_html_`` (HTML table), ``to_frame()`` (one-row DataFrame)."""

    def _title(self) -> str:  # pragma: no cover - every subclass says what it is
        raise NotImplementedError

    def _rows(self) -> list[tuple]:  # pragma: no cover
        raise NotImplementedError

    def _summary(self) -> str:
        """``Name(label=value, ...)`` of the first rows: the one-line ``repr``."""
        shown = ", ".join(f"{label}={format_value(value)}" for label, value, *_ in self._rows()[:4])
        return f"{type(self).__name__}({shown})"

    def __repr__(self) -> str:
        return self._summary()

    def __str__(self) -> str:
        rows = [[label, format_value(value), *(str(n) for n in notes)] for label, value, *notes in self._rows()]
        widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
        lines = [self._title()]
        lines += ["  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            "<tr><th style='text-align:left'>{}</th><td style='text-align:right'>{}</td><td style='text-align:left'>"
            "{}</td></tr>".format(html.escape(str(label)), html.escape(format_value(value)),
                                  html.escape(" ".join(str(n) for n in notes)))
            for label, value, *notes in self._rows())
        return f"<table><caption style='text-align:left'>{html.escape(self._title())}</caption>{body}</table>"

    def to_frame(self):
        """One row: ``to_dict()`` flattened (nested keys joined with a dot), as a ``pandas.DataFrame``."""
        import pandas as pd  # heavy: only when asked for

        return pd.DataFrame([flatten(self.to_dict())])
