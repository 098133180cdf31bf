"""The scenario: one validated, immutable description of a collapse experiment.

Format (CONTRACT.md): four TOML tables, ``[spectrum]``, ``[teacher]``, ``[generators]``,
``[downstream]``. Every key is checked; a missing, unknown, ill-typed or out-of-range key raises
:class:`~modelcollapse.numerics.errors.ScenarioError` naming the key and the accepted values.

Each table is one class (:data:`SECTIONS`): ``[spectrum]`` and ``[teacher]`` are families chosen
by ``kind`` (:mod:`modelcollapse.numerics.spectra`, :mod:`modelcollapse.numerics.teachers`);
``[generators]`` and ``[downstream]`` are dataclasses whose fields are their keys, each with one
validator in the class's ``VALIDATORS`` table. A new key is one field plus one validator.

Additive to the contract: ``generators.T0`` and ``generators.sigma0`` may be lists of length
``n`` (one value per generation, generation 1 first). Data schemes (issue 13, THEORY.md §3.7):
``generators.scheme`` (``"replace"``, the default, ``"accumulate"``, ``"accumulate-subsample"``),
``generators.real_fraction`` (scalar or per generation, in ``[0, 1]``, default 0) and
``downstream.real_fraction`` (in ``[0, 1]``, default 0); a fraction of a size is rounded half up,
``floor(f·size + 1/2)`` (:func:`real_rows`). Defaults are omitted from ``to_dict``.
Ridge generators (issue 14): ``generators.ridge`` (scalar or per generation, ``>= 0``, default 0:
OLS / minimum-norm generators). Reused design (issue 19, THEORY.md §3.10):
``generators.design_matrix`` (``"fresh"``, the default, or ``"reused"``: one design for every
generation, so ``T0`` must be one number; :data:`DESIGN_MATRICES`).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import tomli_w

from modelcollapse.numerics.datasets import is_data_path
from modelcollapse.numerics.limits import MAX_GENERATIONS
from modelcollapse.numerics.spectra import Spectrum
from modelcollapse.numerics.teachers import Teacher
from modelcollapse.numerics.validate import integer, nonnegative
from modelcollapse.theory.errors import ScenarioError, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Generators", "Downstream", "Scenario", "parse_toml", "SECTIONS", "section_keys",
           "SCHEMES", "DESIGN_MATRICES", "real_rows", "set_keys", "UnknownKeyError"]

# generators.scheme: what generation k fits (THEORY.md §3.7). "replace" is the paper's chain.
SCHEMES = ("replace", "accumulate", "accumulate-subsample")
# generators.design_matrix: a fresh design per generation (the paper's chain) or one design reused by all (§3.10)
DESIGN_MATRICES = ("fresh", "reused")


def real_rows(fraction: float, size: int) -> int:
    """Real rows of a block of ``size`` rows with real fraction ``fraction``: ``floor(f·size + 1/2)`` (halves up)."""
    return int(math.floor(fraction * size + 0.5))


def _fraction(key, value) -> float:
    """A number in ``[0, 1]``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise ScenarioError(key, f"expected a fraction in [0, 1], got {value!r}")
    return float(value)


def _scheme(key, value) -> str:
    if value not in SCHEMES:
        raise ScenarioError(key, f"unknown scheme {value!r}{did_you_mean(value, SCHEMES)}; "
                                 f"expected one of {', '.join(SCHEMES)}")
    return value


def _design_matrix(key, value, gen) -> str:
    """``fresh`` or ``reused``; ``reused`` needs one ``T0`` for every generation (one design serves them all)."""
    if value not in DESIGN_MATRICES:
        raise ScenarioError(key, f"unknown design matrix {value!r}{did_you_mean(value, DESIGN_MATRICES)}; "
                                 f"expected one of {', '.join(DESIGN_MATRICES)}")
    if value == "reused" and gen.scheme != "replace":
        raise ScenarioError(key, f"'reused' is defined for generators.scheme = 'replace' (each generation relabels the "
                                 f"one design); got scheme = {gen.scheme!r}")
    if value == "reused" and len(set(gen.T0)) > 1:
        raise ScenarioError(key, f"'reused' draws one design for every generation, so generators.T0 must be one number "
                                 f"(got the list {list(gen.T0)})")
    return value


def _real_fractions(key, value, gen):
    """``generators.real_fraction``: default 0 for every generation, else like ``T0`` (scalar or a list of ``n``)."""
    if value is None or (isinstance(value, (tuple, list)) and len(value) == 0):
        return (0.0,) * gen.n
    if gen.n == 0:  # irrelevant without generations, but still checked
        for i, v in enumerate(value if isinstance(value, (tuple, list)) else (value,)):
            _fraction(f"{key}[{i}]" if isinstance(value, (tuple, list)) else key, v)
        return ()
    return _per_generation(key, value, gen.n, _fraction)


def _per_generation(key, value, n, check):
    """A scalar (the same for every generation) or a list of ``n`` values, as a tuple."""
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


class _Section:
    """A table whose keys are the dataclass fields, each checked by ``VALIDATORS[key](dotted_key, value, table)``."""

    TABLE: ClassVar[str] = ""
    VALIDATORS: ClassVar[dict] = {}
    REQUIRED: ClassVar[tuple] = ()

    def __post_init__(self):
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name,
                               self.VALIDATORS[f.name](f"{self.TABLE}.{f.name}", getattr(self, f.name), self))

    @classmethod
    def from_table(cls, table: dict):
        for key in cls.REQUIRED:
            if key not in table:
                raise ScenarioError(f"{cls.TABLE}.{key}", cls.MISSING.get(key, "missing"))
        return cls(**table)

@dataclass(frozen=True, kw_only=True)
class Generators(_Section):
    """The synthetic-data chain: ``n`` generations of ``T0`` samples with label noise ``sigma0``.

    ``T0`` and ``sigma0`` are stored per generation (tuples of length ``n``); a scalar in the
    scenario file means the same value for every generation. With ``n = 0`` they are irrelevant
    and may be absent.
    """

    TABLE = "generators"
    VALIDATORS = {
        "n": lambda key, v, _: integer(key, v, minimum=0, maximum=MAX_GENERATIONS),
        "T0": lambda key, v, gen: _per_generation(key, v, gen.n, lambda k, x: integer(k, x, minimum=1)),
        "sigma0": lambda key, v, gen: _per_generation(key, v, gen.n, nonnegative),
        "scheme": lambda key, v, _: _scheme(key, v),
        "real_fraction": _real_fractions,
        # absent: 0 for every generation (OLS / minimum-norm interpolation, the generators before issue 14)
        "ridge": lambda key, v, gen: _per_generation(key, 0.0 if v is None else v, gen.n, nonnegative),
        "design_matrix": _design_matrix,
    }
    REQUIRED = ("n",)
    MISSING = {"n": "missing; expected an integer >= 0"}

    n: int
    T0: tuple[int, ...] = ()
    sigma0: tuple[float, ...] = ()
    scheme: str = "replace"
    real_fraction: tuple[float, ...] = ()
    ridge: tuple[float, ...] = None
    design_matrix: str = "fresh"

    @property
    def has_ridge(self) -> bool:
        """Some generation fits ridge regression (``ridge_k > 0``; THEORY.md §3.8)."""
        return any(r > 0 for r in self.ridge[: self.n])

    @property
    def is_constant(self) -> bool:
        return len(set(self.T0)) <= 1 and len(set(self.sigma0)) <= 1

    @property
    def has_real_data(self) -> bool:
        """Whether some generation has real rows (``round(f_k T0_k) >= 1``)."""
        return any(real_rows(f, t0) >= 1 for f, t0 in zip(self.real_fraction, self.T0))

    def real_counts(self) -> tuple[int, ...]:
        """Real rows ``r_k = floor(f_k T0_k + 1/2)`` of each generation's block."""
        return tuple(real_rows(f, t0) for f, t0 in zip(self.real_fraction, self.T0))

    def to_dict(self) -> dict:
        out: dict = {"n": self.n}
        for key, values in (("T0", self.T0), ("sigma0", self.sigma0)):
            if values:  # with n = 0 either may be absent
                out[key] = values[0] if len(set(values)) == 1 else list(values)
        if self.scheme != "replace":
            out["scheme"] = self.scheme
        if any(self.real_fraction):
            values = self.real_fraction
            out["real_fraction"] = values[0] if len(set(values)) == 1 else list(values)
        if self.has_ridge:  # ridge = 0 is the default and stays out of the file
            out["ridge"] = self.ridge[0] if len(set(self.ridge)) == 1 else list(self.ridge)
        if self.design_matrix != "fresh":
            out["design_matrix"] = self.design_matrix
        return out


@dataclass(frozen=True, kw_only=True)
class Downstream(_Section):
    """The final model: ridge ``λ`` on ``T`` samples with label noise ``sigma``."""

    TABLE = "downstream"
    VALIDATORS = {
        "T": lambda key, v, _: integer(key, v, minimum=1),
        "sigma": lambda key, v, _: nonnegative(key, v),
        "ridge": lambda key, v, _: nonnegative(key, v),
        "real_fraction": lambda key, v, _: _fraction(key, v),
    }
    REQUIRED = ("T", "sigma", "ridge")
    MISSING = {}

    T: int
    sigma: float
    ridge: float
    real_fraction: float = 0.0

    @property
    def synthetic_rows(self) -> int:
        """``m = T − floor(f T + 1/2)``: the rows labelled by the last generator (share ``p = m/T``)."""
        return self.T - real_rows(self.real_fraction, self.T)

    def to_dict(self) -> dict:
        out = {"T": self.T, "sigma": self.sigma, "ridge": self.ridge}
        if self.real_fraction:
            out["real_fraction"] = self.real_fraction
        return out


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
[downstream] accepts T, sigma, ridge, real_fraction
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
        gen, down = self.generators, self.downstream
        # real_fraction is a key of both tables: the bare name is the generators'; ridge is the downstream's
        down_keys = (
            {"real_fraction": changes.pop("downstream_real_fraction")} if "downstream_real_fraction" in changes else {}
        )
        if "ridge" in changes:
            down_keys["ridge"] = changes.pop("ridge")
        gen_keys = {k: changes.pop(k) for k in section_keys("generators") if k in changes}
        if "ridge0" in changes:  # generators.ridge, spelled apart from the downstream ridge
            gen_keys["ridge"] = changes.pop("ridge0")
        down_keys.update({k: changes.pop(k) for k in section_keys("downstream") if k in changes})
        if changes:
            key = sorted(changes)[0]
            known = [*section_keys("generators"), *section_keys("downstream"), "ridge0", "downstream_real_fraction"]
            raise UnknownKeyError(key, f"replace() got an unknown key{did_you_mean(key, known)}; use a key of "
                                       "[generators] or [downstream], or a dotted key such as spectrum.beta")
        if gen_keys:
            table = {**gen.to_dict(), **gen_keys}
            gen = Generators(**{k: table.get(k) for k in section_keys("generators") if k in table})
        if down_keys:
            down = dataclasses.replace(down, **down_keys)
        return Scenario(spectrum=self.spectrum, teacher=self.teacher, generators=gen, downstream=down)


class UnknownKeyError(ScenarioError, TypeError):
    """``Scenario.replace`` with a key that is not a scenario key (a ``TypeError``, as for any unknown keyword)."""


def set_keys(data: dict, changes: dict) -> dict:
    """A copy of ``data`` (a scenario's tables) with each dotted key of ``changes`` set (``{"downstream.ridge": 0.1}``).

    An integer-valued float given for an integer key becomes that integer (``generators.n = 5.0`` is 5), as in sweeps.
    """
    data = {table: dict(body) if isinstance(body, dict) else body for table, body in data.items()}
    for key, value in changes.items():
        table, _, leaf = key.partition(".")
        if table not in SECTIONS or not leaf or "." in leaf:
            raise ScenarioError(key, f"unknown key{did_you_mean(key, _dotted_keys())}; expected a dotted key "
                                     f"[table].[key] with table one of {', '.join(SECTIONS)}")
        if leaf not in section_keys(table):
            raise ScenarioError(key, f"unknown key{did_you_mean(key, _dotted_keys())}; [{table}] accepts "
                                     f"{', '.join(section_keys(table))}")
        old = data[table].get(leaf)
        if (isinstance(old, int) and not isinstance(old, bool) and isinstance(value, float) and value.is_integer()):
            value = int(value)
        data[table][leaf] = value
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
    """The keys a ``[table]`` accepts (for a family: the union over its kinds, in registration order)."""
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
