"""The scenario keys an axis declares: :class:`Key` (one key of ``[generators]`` or ``[downstream]``), :class:`View`
(a derived attribute of a table, e.g. ``generators.has_ridge``) and the checks the axes share.

Each axis lists its keys in ``keys`` (and its views in ``views``); :mod:`modelcollapse.numerics.scenario` builds
the two tables from the keys of :data:`~modelcollapse.numerics.axes.AXES`, in that order (:func:`registry`),
so a new key is one :class:`Key` in its axis' module and nothing else. A key's ``check(dotted_key, raw, section)``
sees, as attributes of ``section``, the keys checked before it (earlier axes, earlier keys of the same axis).

Examples
--------
>>> key = Key(table="generators", name="example", default=0.0, check=lambda key, v, gen: fraction(key, v),
...           doc="a fraction in [0, 1]")
>>> key.dotted, key.check(key.dotted, 0.25, None)
('generators.example', 0.25)
>>> key.check(key.dotted, 2, None)
Traceback (most recent call last):
...
modelcollapse.theory.errors.ScenarioError: generators.example: expected a fraction in [0, 1], got 2
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Callable

from modelcollapse.theory.errors import ScenarioError, did_you_mean

__all__ = ["Key", "View", "REQUIRED", "TABLES", "Registry", "registry", "per_generation", "per_generation_file",
           "fraction", "choice", "subtable", "as_table"]

TABLES = ("generators", "downstream")  # the tables whose keys the axes declare ([spectrum], [teacher]: kinds)


class _Required:
    """The default of a key that must be given (``generators.n``, ``downstream.T`` …)."""

    def __repr__(self) -> str:
        return "REQUIRED"

    def __reduce__(self):
        return "REQUIRED"


REQUIRED = _Required()


@dataclass(frozen=True, kw_only=True)
class Key:
    """One key of ``[generators]`` or ``[downstream]``, as its axis declares it (docs/AXIS_API, §1).

    ``default`` is the raw value when the key is absent (it goes through ``check`` like a given value;
    :data:`REQUIRED`: the key must be given, else ``missing`` is the message). ``check(dotted_key, raw, section)``
    returns the stored value or raises :class:`ScenarioError` naming the key and the accepted range; ``to_file``
    turns a stored value into its TOML value (``None``: as is); a value equal to the checked default is left out
    of ``Scenario.to_dict()``. A sub-table (``[generators.verifier]``) is a key whose raw value is a mapping
    (:func:`subtable`, :func:`as_table`). ``alias`` is the keyword ``Scenario.replace`` takes for the key when its
    bare name belongs to the other table (``ridge0`` for ``generators.ridge``).
    """

    table: str
    name: str
    default: object
    check: Callable
    to_file: Callable | None = None
    doc: str = ""
    missing: str = "missing"
    alias: str | None = None

    def __post_init__(self):
        if self.table not in TABLES:
            raise ValueError(f"Key {self.name!r}: table must be one of {', '.join(TABLES)}, got {self.table!r}")
        for what, name in (("name", self.name), ("alias", self.alias)):
            if name is not None and (not isinstance(name, str) or not name.isidentifier()):
                raise ValueError(f"Key {self.table}.{self.name}: {what} must be an identifier, got {name!r}")
        if not callable(self.check) or (self.to_file is not None and not callable(self.to_file)):
            raise TypeError(f"Key {self.dotted}: check (and to_file) must be callable")

    @property
    def dotted(self) -> str:
        return f"{self.table}.{self.name}"

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def file_value(self, value):
        """The TOML value of a stored value."""
        return value if self.to_file is None else self.to_file(value)


@dataclass(frozen=True, kw_only=True)
class View:
    """A derived attribute of a table (``generators.has_ridge``): ``get(section)``; ``method``: ``gen.name()``."""

    table: str
    name: str
    get: Callable
    method: bool = False
    doc: str = ""

    def __post_init__(self):
        if self.table not in TABLES or not self.name.isidentifier() or not callable(self.get):
            raise ValueError(f"View {self.table}.{self.name}: a table of {', '.join(TABLES)}, an identifier, "
                             "a callable get")


@dataclass(frozen=True)
class Registry:
    """The keys and views of a tuple of axes, by table, checked for clashes (built once per ``AXES``)."""

    keys: dict  # table -> tuple[Key, ...] in AXES order
    views: dict  # table -> {name: View}
    keywords: dict  # Scenario.replace keyword -> Key

    def names(self, table: str) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys[table])


_CACHE: list = [None, None]  # [the AXES tuple, its Registry]: one slot, so a patched AXES is seen at once


def registry(axes) -> Registry:
    """The :class:`Registry` of ``axes`` (in order); raises ``ValueError`` when two keys or views clash."""
    if _CACHE[0] is axes:
        return _CACHE[1]
    keys: dict = {t: [] for t in TABLES}
    views: dict = {t: {} for t in TABLES}
    for axis in axes:
        for key in getattr(axis, "keys", ()):
            if not isinstance(key, Key):
                raise TypeError(f"axis {getattr(axis, 'name', axis)!r}: keys must be Key objects, got {key!r}")
            if key.name in {k.name for k in keys[key.table]}:
                raise ValueError(f"{key.dotted} is declared by two axes")
            keys[key.table].append(key)
        for view in getattr(axis, "views", ()):
            if view.name in views[view.table]:
                raise ValueError(f"view {view.table}.{view.name} is declared by two axes")
            views[view.table][view.name] = view
    keywords: dict = {}
    for table in TABLES:
        for key in keys[table]:
            word = key.alias or key.name
            if word in keywords:
                raise ValueError(f"{key.dotted} and {keywords[word].dotted} are both Scenario.replace({word}=...); "
                                 f"give one an alias")
            keywords[word] = key
        clash = {k.name for k in keys[table]} & set(views[table])
        if clash:
            raise ValueError(f"[{table}] has a key and a view named {sorted(clash)[0]!r}")
    out = Registry(keys={t: tuple(v) for t, v in keys.items()}, views=views, keywords=keywords)
    _CACHE[:] = [axes, out]
    return out


# -- checks the axes share ---------------------------------------------------------------------------------------

def fraction(key: str, value) -> float:
    """A number in ``[0, 1]``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise ScenarioError(key, f"expected a fraction in [0, 1], got {value!r}")
    return float(value)


def choice(key: str, value, choices, what: str):
    """One of ``choices`` (strings), else ``unknown <what> 'x' (did you mean …?); expected one of …``."""
    if not isinstance(value, str) or value not in choices:
        raise ScenarioError(key, f"unknown {what} {value!r}{did_you_mean(value, choices)}; "
                                 f"expected one of {', '.join(choices)}")
    return value


def per_generation(key: str, value, n: int, check: Callable) -> tuple:
    """A scalar (the same for every generation) or a list of ``n`` values, as a tuple (``check(key, v)`` each)."""
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
        if n >= 1:
            raise ScenarioError(key, f"required when generators.n >= 1 (a value, or a list of {n})")
        return ()
    if isinstance(value, tuple) and n == 0 and len(value) == 1:  # the stored form of a scalar (re-validation)
        return (check(key, value[0]),)
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ScenarioError(key, f"a list must have one entry per generation ({n}), got {len(value)}")
        return tuple(check(f"{key}[{i}]", v) for i, v in enumerate(value))
    v = check(key, value)
    return (v,) * max(n, 1) if n >= 1 else (v,)


def per_generation_file(values: tuple):
    """The TOML value of a per-generation tuple: one number when every generation has it, else the list."""
    return values[0] if len(set(values)) == 1 else list(values)


def subtable(key: str, value, entries: dict, *, required: tuple = ()) -> dict:
    """The checked entries of a sub-table key (``[generators.verifier]``): ``{name: entries[name](dotted, v)}``.

    ``value`` is a mapping (as TOML reads it) or the frozen dataclass the key stores (re-validation);
    an unknown entry is refused with did-you-mean, a ``required`` one must be present.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if not isinstance(value, dict):
        raise ScenarioError(key, f"expected a table [{key}] with keys {', '.join(entries)}, got {value!r}")
    for name in value:
        if name not in entries:
            raise ScenarioError(f"{key}.{name}", f"unknown key{did_you_mean(name, entries)}; "
                                                 f"expected one of {', '.join(entries)}")
    for name in required:
        if name not in value:
            raise ScenarioError(f"{key}.{name}", "missing")
    return {name: entries[name](f"{key}.{name}", v) for name, v in value.items()}


def as_table(obj) -> dict:
    """The TOML table of a sub-table's frozen dataclass (fields that are ``None`` left out: TOML has no null)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if getattr(obj, f.name) is not None}
