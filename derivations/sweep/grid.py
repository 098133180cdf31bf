"""The grid of a sweep: ``--vary KEY=VALUES`` parsed into axes, and the scenario of each point.

Grammar of ``VALUES`` (one axis):

* a comma list ``0,2,5,10`` or ``0.001,0.1,1`` — integer literals stay ``int``, other numbers
  are ``float``, anything else (``isotropic``, ``inf``) is a string left to the scenario's own
  validation (so ``spectrum.d=inf`` works and ``ridge=0.1x`` fails naming ``downstream.ridge``);
* ``linspace(a,b,n)`` — ``n`` floats from ``a`` to ``b`` inclusive (``numpy.linspace``);
* ``logspace(a,b,n)`` — ``n`` floats from ``10**a`` to ``10**b`` (``numpy.logspace``);
* ``range(a,b[,step])`` — integers as Python's ``range`` (``b`` excluded).

On a key whose base value is an integer (``downstream.T``, ``generators.n``), ``linspace`` and
``logspace`` values are rounded to the nearest integer and repeats dropped
(:func:`integer_axes`): ``downstream.T=logspace(2,3,5)`` is ``100, 178, 316, 562, 1000``.

Repeated axes form a Cartesian grid in the order given: the first axis varies slowest. A key
is a dotted scenario key (``downstream.ridge``, ``generators.n``, ``spectrum.beta``); it is set
in :meth:`Scenario.to_dict` and the dict re-validated with :meth:`Scenario.from_dict`, so every
key of the contract works and a bad key or value raises
:class:`~modelcollapse.numerics.errors.ScenarioError` naming it. One coercion: a float with an
integral value (``1000.0``) given to a key whose base value is an ``int`` becomes that ``int``.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
import re
from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.errors import ScenarioError
from modelcollapse.numerics.scenario import Scenario

__all__ = ["Axis", "parse_vary", "parse_values", "make_axis", "grid_points", "apply_point", "integer_axes"]

_FUNCTION = re.compile(r"^\s*(linspace|logspace|range)\s*\((.*)\)\s*$", re.IGNORECASE)
_INT = re.compile(r"^[+-]?\d+$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
MAX_AXIS_POINTS = 100_000  # a typo such as linspace(0,1,1e9) must not allocate a billion rows


@dataclass(frozen=True, kw_only=True)
class Axis:
    """One varied key and its values, in the order given.

    Attributes
    ----------
    key : str
        Dotted scenario key, e.g. ``"downstream.ridge"`` (the column name in the table).
    values : tuple
        Python ``int``, ``float`` or ``str`` values, no repeats.
    log : bool
        Whether the axis is log-spaced (``logspace``, or positive values spanning a factor >= 100),
        which makes the plot's x-axis logarithmic.
    """

    key: str
    values: tuple
    log: bool = False
    spaced: bool = False  # from linspace/logspace: rounded on an integer key (integer_axes)


def _number(option: str, text: str):
    text = text.strip()
    if _INT.match(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(option, f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ScenarioError(option, f"expected a finite number, got {text!r}")
    return value


def _scalar(text: str):
    """A comma-list item: int literal -> int, float literal -> float, otherwise the string."""
    text = text.strip()
    if _INT.match(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text  # "inf"/"nan" stay strings: never a NaN number


def parse_values(key: str, text: str) -> tuple[tuple, bool]:
    """``VALUES`` of ``--vary KEY=VALUES`` -> ``(values, log_spaced)``; errors name ``key``."""
    match = _FUNCTION.match(text)
    if match:
        name, body = match.group(1).lower(), match.group(2)
        args = body.split(",")
        if name in ("linspace", "logspace"):
            if len(args) != 3:
                raise ScenarioError(key, f"{name}(a,b,n) takes 3 arguments, got {text.strip()!r}")
            a, b = (float(_number(key, x)) for x in args[:2])
            n = _number(key, args[2])
            if not isinstance(n, int) or not 1 <= n <= MAX_AXIS_POINTS:
                raise ScenarioError(key, f"{name}(a,b,n): n must be an integer in [1, {MAX_AXIS_POINTS}], "
                                         f"got {args[2].strip()!r}")
            values = np.logspace(a, b, n) if name == "logspace" else np.linspace(a, b, n)
            floats = tuple(float(v) for v in values)
            if not all(math.isfinite(v) for v in floats):
                raise ScenarioError(key, f"{text.strip()} overflows float64")
            return floats, name == "logspace"
        if not 2 <= len(args) <= 3:
            raise ScenarioError(key, f"range(a,b[,step]) takes 2 or 3 arguments, got {text.strip()!r}")
        ints = [_number(key, x) for x in args]
        if not all(isinstance(i, int) for i in ints):
            raise ScenarioError(key, f"range(a,b[,step]) takes integers, got {text.strip()!r}")
        if len(ints) == 3 and ints[2] == 0:
            raise ScenarioError(key, "range(a,b,step): step must not be 0")
        values = range(*ints)
        if len(values) > MAX_AXIS_POINTS:
            raise ScenarioError(key, f"{text.strip()} has {len(values)} values, more than {MAX_AXIS_POINTS}")
        return tuple(values), False
    items = text.split(",")
    if any(not item.strip() for item in items):
        raise ScenarioError(key, f"expected a comma list of values or linspace/logspace/range(...), got {text!r}")
    return tuple(_scalar(item) for item in items), False


def make_axis(key: str, values, *, log: bool | None = None) -> Axis:
    """An :class:`Axis` from a key and a ``VALUES`` string or a sequence (list, numpy array)."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise ScenarioError(str(key), "expected a dotted scenario key such as downstream.ridge or generators.n")
    if isinstance(values, str):
        parsed, is_log = parse_values(key, values)
    else:
        try:
            flat = np.asarray(values, dtype=object).ravel()
            parsed = tuple(v.item() if isinstance(v, np.generic) else v for v in flat)
        except TypeError:
            raise ScenarioError(key, f"expected a sequence of values, got {values!r}") from None
        for v in parsed:
            if isinstance(v, float) and not math.isfinite(v):
                raise ScenarioError(key, f"expected finite numbers, got {v!r}")
        is_log = False
    if not parsed:
        raise ScenarioError(key, "expected at least one value")
    if len(set(map(repr, parsed))) != len(parsed):
        raise ScenarioError(key, f"a value is repeated in {list(parsed)!r}")
    if log is None:
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in parsed)
        log = is_log or (numeric and min(parsed) > 0 and max(parsed) >= 100 * min(parsed))
    spaced = isinstance(values, str) and bool(_FUNCTION.match(values)) and _FUNCTION.match(values).group(1).lower() \
        in ("linspace", "logspace")
    return Axis(key=key, values=parsed, log=bool(log), spaced=spaced)


def _base_value(base: dict, key: str):
    node = base
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def integer_axes(axes, base: dict) -> list[Axis]:
    """``axes`` with each ``linspace``/``logspace`` axis of an integer key (its value in ``base``, a scenario's
    ``to_dict``, is an ``int``) rounded to the nearest integers, repeats dropped in order.

    >>> integer_axes([make_axis("downstream.T", "logspace(2,3,5)")], {"downstream": {"T": 200}})[0].values
    (100, 178, 316, 562, 1000)
    """
    out = []
    for axis in axes:
        old = _base_value(base, axis.key)
        if axis.spaced and isinstance(old, int) and not isinstance(old, bool):
            rounded = tuple(dict.fromkeys(int(round(v)) for v in axis.values))
            axis = Axis(key=axis.key, values=rounded, log=axis.log, spaced=True)
        out.append(axis)
    return out


def parse_vary(text: str) -> Axis:
    """One ``--vary KEY=VALUES`` option -> :class:`Axis` (ScenarioError naming the key if bad)."""
    if "=" not in text:
        raise ScenarioError("--vary", f"expected KEY=VALUES (e.g. downstream.ridge=logspace(-3,1,41)), got {text!r}")
    key, values = text.split("=", 1)
    return make_axis(key.strip(), values)


def grid_points(axes) -> list[tuple]:
    """Every point of the Cartesian grid, first axis slowest: tuples of values, one per axis."""
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        repeated = next(k for k in keys if keys.count(k) > 1)
        raise ScenarioError(repeated, "varied twice; give each key once")
    return list(itertools.product(*(a.values for a in axes)))


def _coerce(base_value, value):
    if (isinstance(base_value, int) and not isinstance(base_value, bool) and isinstance(value, float)
            and value.is_integer()):
        return int(value)
    return value


def apply_point(base: dict, keys, values) -> Scenario:
    """The validated scenario with each dotted ``key`` of ``base`` (a ``to_dict``) set to its value."""
    data = copy.deepcopy(base)
    for key, value in zip(keys, values):
        *tables, leaf = key.split(".")
        node = data
        for i, part in enumerate(tables):
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                raise ScenarioError(key, f"{'.'.join(tables[:i + 1])} is not a table")
        node[leaf] = _coerce(node.get(leaf), value)
    return Scenario.from_dict(data)
