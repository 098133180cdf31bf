"""The scenario: one validated, immutable description of a collapse experiment.

Format (CONTRACT.md): four TOML tables, ``[spectrum]``, ``[teacher]``, ``[generators]``,
``[downstream]``. Every key is checked; a missing, unknown, ill-typed or out-of-range key raises
:class:`~modelcollapse.numerics.errors.ScenarioError` naming the key and the accepted values.

Each table is one class (:data:`SECTIONS`): ``[spectrum]`` and ``[teacher]`` are families chosen
by ``kind`` (:mod:`modelcollapse.numerics.spectra`, :mod:`modelcollapse.numerics.teachers`);
``[generators]`` and ``[downstream]`` are :class:`Section` s whose keys are declared by the axes
(:data:`~modelcollapse.numerics.axes.AXES`, each key a :class:`~modelcollapse.numerics.axes.keys.Key` in its
axis' module, checked in AXES order). A new key is one ``Key`` in its axis; this module names none of them.

Additive to the contract: the keys of the axes (CONTRACT.md lists them) — per-generation schedules of
``T0``/``sigma0``, data schemes, real fractions, ridge generators, the reused design. Defaults are
omitted from ``to_dict``.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import tomli_w

from modelcollapse.numerics import axes
from modelcollapse.numerics.axes.keys import TABLES, registry
from modelcollapse.numerics.datasets import is_data_path
from modelcollapse.numerics.spectra import Spectrum
from modelcollapse.numerics.teachers import Teacher
from modelcollapse.theory.errors import ScenarioError, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Generators", "Downstream", "Section", "Scenario", "parse_toml", "SECTIONS", "section_keys",
           "set_keys", "UnknownKeyError"]

class Section:
    """A ``[generators]`` or ``[downstream]`` table: the keys its axes declare (:mod:`~.axes.keys`), in AXES order.

    ``Generators(n=2, T0=100, sigma0=1.0)`` checks every key (a key's check sees the keys before it), stores the
    checked values as attributes and is immutable; equal tables compare equal. An axis' views
    (``generators.has_ridge``) are attributes too. :meth:`replace` is a checked copy with some keys changed.
    """

    TABLE: ClassVar[str] = ""

    def __init__(self, **raw):
        keys = _registry().keys[self.TABLE]
        names = [key.name for key in keys]
        for name in raw:
            if name not in names:
                raise ScenarioError(f"{self.TABLE}.{name}",
                                    f"unknown key{did_you_mean(name, names)}; expected one of {', '.join(names)}")
        for key in keys:
            if key.required and key.name not in raw:
                raise ScenarioError(key.dotted, key.missing)
        checked = SimpleNamespace()  # what a key's check sees: the keys checked before it
        for key in keys:
            setattr(checked, key.name, key.check(key.dotted, raw.get(key.name, key.default), checked))
        self.__dict__.update(vars(checked))

    @classmethod
    def from_table(cls, table: dict):
        return cls(**table)

    def __getattr__(self, name: str):  # only for names that are not keys: an axis' view
        view = _registry().views[self.TABLE].get(name) if not name.startswith("__") else None
        if view is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        _install_view(type(self), name, view)
        return functools.partial(view.get, self) if view.method else view.get(self)

    def __setattr__(self, name, value):
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((self.TABLE, tuple(self.__dict__.items())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"

    def __dir__(self):
        return [*super().__dir__(), *_registry().views[self.TABLE]]

    def replace(self, **changes):
        """A copy with some keys changed (raw values, checked like a file: scalar settings stay scalar)."""
        return type(self)(**{**self.to_dict(), **changes})

    def to_dict(self) -> dict:
        """The table as TOML values; a key whose value is its checked default is left out."""
        out: dict = {}
        earlier = SimpleNamespace()
        for key in _registry().keys[self.TABLE]:
            value = self.__dict__[key.name]
            if not key.required:
                try:
                    default = key.check(key.dotted, key.default, earlier)
                except ScenarioError:  # no valid default here (T0 with n >= 1): always written
                    default = _NO_DEFAULT
                omit = default is not _NO_DEFAULT and value == default
            else:
                omit = False
            if not omit:
                out[key.name] = key.file_value(value)
            setattr(earlier, key.name, value)
        return out


_NO_DEFAULT = object()


def _install_view(cls, name: str, view) -> None:
    """A property for ``view`` on ``cls``: later reads find it at once (a failed lookup before ``__getattr__``
    costs about a microsecond, paid on every prediction). It asks the registry again if ``AXES`` has changed."""
    installed_for = axes.AXES

    def get(self):
        if axes.AXES is not installed_for and _registry().views[cls.TABLE].get(name) is not view:  # AXES changed
            return self.__dict__[name] if name in self.__dict__ else Section.__getattr__(self, name)
        return functools.partial(view.get, self) if view.method else view.get(self)

    setattr(cls, name, property(get, doc=view.doc))


class Generators(Section):
    """The synthetic-data chain: ``n`` generations of ``T0`` samples with label noise ``sigma0``, and what the axes add.

    ``T0`` and ``sigma0`` are stored per generation (tuples of length ``n``); a scalar in the
    scenario file means the same value for every generation. With ``n = 0`` they are irrelevant
    and may be absent.
    """

    TABLE = "generators"


class Downstream(Section):
    """The final model: ridge ``λ`` on ``T`` samples with label noise ``sigma``, and what the axes add."""

    TABLE = "downstream"


def _registry():
    """The keys and views of the registered axes (read at each call, so an axis added to ``AXES`` is seen)."""
    return registry(axes.AXES)


@dataclass(frozen=True, kw_only=True, repr=False)
class Scenario:
    """A complete, validated scenario (CONTRACT.md).

    Build it from a file (:meth:`from_toml`), a mapping (:meth:`from_dict`), its tables as keywords
    (each a section object or a mapping of its keys), or a built-in name (``modelcollapse.load(name)``);
    derive variants with :meth:`replace` (``scenario.replace(ridge=0.1, n=3)``, or dotted keys
    ``scenario.replace(**{"spectrum.beta": 1.5})``). Equal scenarios compare equal.

    Examples
    --------
    >>> from modelcollapse import Scenario
    >>> s = Scenario(spectrum={"kind": "isotropic", "d": 50}, teacher={"kind": "isotropic"},
    ...              generators={"n": 2, "T0": 100, "sigma0": 1.0}, downstream={"T": 80, "sigma": 0.5, "ridge": 0.0})
    >>> s.replace(**{"downstream.ridge": 0.01}).ridge
    0.01
    >>> s.replace(**{"downstream.rigde": 0.01})
    Traceback (most recent call last):
    ...
    modelcollapse.theory.errors.ScenarioError: downstream.rigde: unknown key (did you mean 'downstream.ridge'?); \
[downstream] accepts T, sigma, real_fraction, ridge...
    """

    spectrum: Spectrum
    teacher: Teacher
    generators: Generators
    downstream: Downstream

    def __post_init__(self):
        for table in SECTIONS:  # keywords: Scenario(spectrum={"kind": "isotropic", "d": 100}, teacher={...}, ...)
            body = getattr(self, table)
            if not isinstance(body, SECTIONS[table]):
                object.__setattr__(self, table, _section(table, body))
        check_design = getattr(self.spectrum, "check_design", None)  # [spectrum] design / df (issue 14)
        if check_design is not None:
            check_design()
        self.teacher.check_against(self.spectrum)
        for axis in axes.AXES:  # an axis's checks across tables (e.g. generators.keep_top <= spectrum.d)
            check = getattr(axis, "check_scenario", None)
            if check is not None:
                check(self)

    def __repr__(self) -> str:
        """One line: the scenario's keys by table (``str`` is its TOML)."""
        def value(v):
            return f"[{v[0]!r}, ...x{len(v)}]" if isinstance(v, list) and len(v) > 3 and len(set(map(repr, v))) == 1 \
                else repr(v)
        tables = "; ".join(f"{table}: " + ", ".join(f"{k}={value(v)}" for k, v in body.items())
                           for table, body in self.to_dict().items())
        return f"Scenario({tables})"

    def __str__(self) -> str:
        return self.to_toml()

    # -- convenient views ---------------------------------------------------------------------
    @property
    def d(self):
        return self.spectrum.d

    @property
    def n(self) -> int:
        return self.generators.n

    @property
    def T(self) -> int:
        return self.downstream.T

    @property
    def ridge(self) -> float:
        return self.downstream.ridge

    @property
    def sigma(self) -> float:
        return self.downstream.sigma

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        """Validate a mapping of the four tables (as read from TOML)."""
        if not isinstance(data, dict):
            raise ScenarioError("scenario", "expected a table with [spectrum], [teacher], [generators], [downstream]")
        for table in data:
            if table not in SECTIONS:
                raise ScenarioError(str(table), f"unknown table{did_you_mean(table, SECTIONS)}; expected "
                                                 f"{', '.join('[' + t + ']' for t in SECTIONS)}")
        parts = {}
        for table in SECTIONS:
            if table not in data:
                raise ScenarioError(table, f"missing table [{table}]")
            parts[table] = _section(table, data[table])
        return cls(**parts)

    @classmethod
    def from_toml(cls, path: str | Path) -> "Scenario":
        """Read and validate a scenario file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")  # one leading byte-order mark is allowed
        except OSError as exc:
            raise ScenarioError("scenario", f"cannot read {str(path)!r}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                "scenario", f"{str(path)!r} is not UTF-8 text (TOML): {exc.reason} at byte {exc.start}"
            ) from None
        return cls.from_dict(_relative_to(parse_toml(text, str(path)), path.parent))

    def to_dict(self) -> dict:
        """The four tables as plain values (defaults omitted): ``Scenario.from_dict(s.to_dict()) == s``."""
        return {
            "spectrum": {**self.spectrum.to_dict(), **getattr(self.spectrum, "design_dict", dict)()},
            "teacher": self.teacher.to_dict(),
            "generators": self.generators.to_dict(),
            "downstream": self.downstream.to_dict(),
        }

    def to_toml(self) -> str:
        """The scenario as TOML text; ``Scenario.from_dict(tomllib.loads(s.to_toml())) == s``."""
        return tomli_w.dumps(self.to_dict())

    def write(self, path: str | Path) -> None:
        """Write :meth:`to_toml` to ``path``."""
        Path(path).write_text(self.to_toml(), encoding="utf-8")

    def replace(self, **changes) -> "Scenario":
        """A copy with some keys changed: a key of ``[generators]`` or ``[downstream]`` (``n, T0, sigma0, T, sigma,
        ridge``)
        or any dotted key of the file, as ``sweep --vary`` names it (``**{"spectrum.beta": 1.5, "downstream.ridge":
        0.01}``).

        An unknown key raises :class:`~modelcollapse.theory.errors.ScenarioError` naming it (also a ``TypeError``);
        the new scenario is validated like a file (a dotted key of an unknown table or key names it).

        Changing ``n`` with scalar generator settings keeps them scalar; a schedule must be
        replaced as a whole (``T0=[...]`` of the new length). ``real_fraction`` is the generators'
        key; the downstream's is ``downstream_real_fraction``. ``ridge`` is the downstream ridge; the
        generators' is ``ridge0``.
        """
        dotted = {k: changes.pop(k) for k in list(changes) if "." in k}
        if dotted:  # the keys of the file, as `sweep --vary` names them: downstream.ridge, spectrum.beta ...
            return Scenario.from_dict(set_keys(self.to_dict(), dotted)).replace(**changes)
        # a bare name is the key's of that name; a name in both tables is spelled apart in one (Key.alias)
        keywords = _registry().keywords
        tables: dict = {table: {} for table in TABLES}
        for word in list(changes):
            if word in keywords:
                tables[keywords[word].table][keywords[word].name] = changes.pop(word)
        if changes:
            key = sorted(changes)[0]
            known = [*section_keys("generators"), *section_keys("downstream"),
                     *(word for word, k in keywords.items() if word != k.name)]
            raise UnknownKeyError(key, f"replace() got an unknown key{did_you_mean(key, known)}; use a key of "
                                       "[generators] or [downstream], or a dotted key such as spectrum.beta")
        parts = {table: getattr(self, table).replace(**tables[table]) if tables[table] else getattr(self, table)
                 for table in TABLES}
        return Scenario(spectrum=self.spectrum, teacher=self.teacher, **parts)


class UnknownKeyError(ScenarioError, TypeError):
    """``Scenario.replace`` with a key that is not a scenario key (a ``TypeError``, as for any unknown keyword)."""


def set_keys(data: dict, changes: dict) -> dict:
    """A copy of ``data`` (a scenario's tables) with each dotted key of ``changes`` set (``{"downstream.ridge": 0.1}``).

    An integer-valued float given for an integer key becomes that integer (``generators.n = 5.0`` is 5), as in sweeps.
    A key of a sub-table the scenario has (``[generators.verifier]``) is ``generators.verifier.window``.
    """
    data = {table: dict(body) if isinstance(body, dict) else body for table, body in data.items()}
    for key, value in changes.items():
        table, _, leaf = key.partition(".")
        head, _, sub = leaf.partition(".")
        subtable = table in TABLES and isinstance(data.get(table), dict) and isinstance(data[table].get(head), dict)
        if table not in SECTIONS or not leaf or (sub and not subtable) or "." in sub:
            raise ScenarioError(key, f"unknown key{did_you_mean(key, _dotted_keys())}; expected a dotted key "
                                     f"[table].[key] with table one of {', '.join(SECTIONS)}")
        if head not in section_keys(table):
            raise ScenarioError(key, f"unknown key{did_you_mean(key, _dotted_keys())}; [{table}] accepts "
                                     f"{', '.join(section_keys(table))}")
        body = data[table]
        if sub:
            data[table][head] = body = dict(body[head])
        old = body.get(sub or leaf)
        if (isinstance(old, int) and not isinstance(old, bool) and isinstance(value, float) and value.is_integer()):
            value = int(value)
        body[sub or leaf] = value
    return data


def _dotted_keys() -> list[str]:
    return [f"{table}.{key}" for table in SECTIONS for key in section_keys(table)]


def _relative_to(data: dict, folder: Path) -> dict:
    """A scenario file's relative data paths (``[spectrum] dataset``, ``labels``) resolved against its folder."""
    spectrum = data.get("spectrum") if isinstance(data, dict) else None
    if not isinstance(spectrum, dict):
        return data
    resolved = dict(spectrum)
    for key in ("dataset", "labels"):
        value = spectrum.get(key)
        if is_data_path(value) and not Path(value).expanduser().is_absolute():
            resolved[key] = str(folder / value)
    return {**data, "spectrum": resolved}


# the scenario's tables, in file order: table name -> the class that validates it
SECTIONS = {"spectrum": Spectrum, "teacher": Teacher, "generators": Generators, "downstream": Downstream}


def _section(table: str, body) -> object:
    """The validated ``[table]`` of a mapping of its keys (every key checked, unknown keys named)."""
    if not isinstance(body, dict):
        raise ScenarioError(table, f"expected a table [{table}], got {body!r}")
    keys = section_keys(table)
    for key in body:
        if key not in keys:
            raise ScenarioError(f"{table}.{key}",
                                f"unknown key{did_you_mean(key, keys)}; expected one of {', '.join(keys)}")
    return SECTIONS[table].from_table(dict(body))


def section_keys(table: str) -> tuple[str, ...]:
    """The keys a ``[table]`` accepts (for a family: the union over its kinds, in registration order; for
    ``[generators]`` and ``[downstream]``: the keys of the axes, in AXES order)."""
    if table in TABLES:
        return _registry().names(table)
    section = SECTIONS[table]
    classes = section.family().values() if hasattr(section, "family") else (section,)
    keys: list[str] = []
    for c in classes:
        keys += [f.name for f in dataclasses.fields(c) if f.name not in keys]
    return tuple(keys)


def parse_toml(text: str, origin: str) -> dict:
    """The TOML document ``text`` (read from ``origin``) as a dict, or a :class:`ScenarioError` naming ``origin``.

    Besides syntax errors, a document nested too deeply for the parser (``x = [[[…]]]`` a
    thousand levels down) is refused here rather than escaping as a ``RecursionError``.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("scenario", f"{origin} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError("scenario", f"{origin} is not valid TOML here: arrays or tables nested too deeply"
                                        f"{_deepest_key(text)}") from None


def _deepest_key(text: str, limit: int = 100) -> str:
    """`` (line N, key table.key)`` where brackets first nest deeper than ``limit`` (for the message)."""
    table, depth = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        header = line.strip()
        if depth == 0 and header.startswith("[") and header.endswith("]") and "=" not in header:
            table = header.strip("[]").strip()
            continue
        for ch in line:
            depth += (ch in "[{") - (ch in "]}")
            if depth > limit:
                key = line.split("=", 1)[0].strip() if "=" in line else ""
                dotted = f"{table}.{key}" if table and key else key or table
                return f" (line {number}" + (f", key {dotted})" if dotted else ")")
    return ""
