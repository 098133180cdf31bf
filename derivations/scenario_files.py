"""Scenario files for the report: the built-in ones shipped in the package, and a user's folder.

The built-in scenarios are data, not code: TOML files in ``modelcollapse.derivations/scenarios``
(read with :mod:`importlib.resources`, so they work from a wheel as well as from a checkout).
Each starts with comment lines saying what it shows; users copy and edit them and pass their
folder to ``modelcollapse report --scenarios DIR``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from modelcollapse.numerics.errors import ModelCollapseError, ScenarioError
from modelcollapse.numerics.scenario import Scenario, parse_toml
from modelcollapse.theory.errors import did_you_mean

__all__ = ["ScenarioFile", "ScenarioFileError", "UnknownScenarioError", "builtin", "builtin_names",
           "builtin_scenarios", "load", "load_folder"]

_PACKAGE = "modelcollapse.derivations"


class ScenarioFileError(ModelCollapseError):
    """A scenario file (or folder) that cannot be used; the message names the file and the key."""


class UnknownScenarioError(ScenarioFileError, ScenarioError):
    """Neither a scenario file nor a built-in name: the message lists the built-in names and the closest one."""

    def __init__(self, name: str):
        names = builtin_names()
        ScenarioError.__init__(self, "scenario", f"no scenario file or built-in scenario {name!r}"
                               f"{did_you_mean(name, names)}; built-in: {', '.join(names)}")


@dataclass(frozen=True, kw_only=True)
class ScenarioFile:
    """A validated scenario with where it came from and what it is meant to show."""

    name: str  # file stem, e.g. "isotropic_ols"
    origin: str  # "built-in" or the file's path
    description: str  # the leading comment lines, joined
    text: str  # the file as written (copied into the report folder)
    scenario: Scenario


def _description(text: str) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(line for line in lines if line)


def _parse(name: str, origin: str, text: str) -> ScenarioFile:
    try:
        scenario = Scenario.from_dict(parse_toml(text, origin))
    except ScenarioError as exc:
        raise ScenarioFileError(f"{origin}: {exc}") from None
    return ScenarioFile(name=name, origin=origin, description=_description(text), text=text, scenario=scenario)


def builtin_names() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    folder = resources.files(_PACKAGE).joinpath("scenarios")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin(name: str) -> ScenarioFile:
    """The built-in scenario ``name`` (file stem; ``sections/<stem>`` for the files a report section checks
    with a budget of its own, which :func:`builtin_names` does not list)."""
    path = resources.files(_PACKAGE).joinpath("scenarios", f"{name}.toml")
    if not path.is_file():
        raise UnknownScenarioError(name)
    return _parse(name, "built-in", path.read_text(encoding="utf-8-sig"))


def builtin_scenarios() -> dict[str, str]:
    """The built-in scenarios: ``{name: what it shows}`` (the file's leading comment), sorted by name.

    >>> from modelcollapse.derivations.scenario_files import builtin_scenarios
    >>> "powerlaw_ridge" in builtin_scenarios()
    True
    """
    folder = resources.files(_PACKAGE).joinpath("scenarios")
    return {name: _description(folder.joinpath(f"{name}.toml").read_text(encoding="utf-8-sig"))
            for name in builtin_names()}


def load(source) -> Scenario:
    """A validated :class:`~modelcollapse.numerics.scenario.Scenario` from a path, a built-in name or a mapping.

    ``source`` is a :class:`Scenario` (returned as is), a mapping of the four tables, a path to a
    TOML file, or the name of a built-in scenario (``"powerlaw_ridge"``, also ``"powerlaw_ridge.toml"``
    when no such file exists here): an existing file wins over a built-in of the same name. This is
    what the command line does with its ``SCENARIO`` argument.

    Raises
    ------
    UnknownScenarioError
        Neither a file nor a built-in name (the message lists the built-in names and the closest).
    ScenarioError
        The file cannot be read or a key is bad (the message names the key).

    Examples
    --------
    >>> from modelcollapse.derivations.scenario_files import ScenarioError, load
    >>> load("isotropic_ols").d
    100
    >>> try:
    ...     load("isotropic_olz")
    ... except ScenarioError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    scenario: no scenario file or built-in scenario 'isotropic_olz' (did you mean 'isotropic_ols'?); built-in: ...
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        return Scenario.from_dict(source)
    if not isinstance(source, (str, Path)):
        raise ScenarioError("scenario", f"expected a path, a built-in name or a mapping, got {type(source).__name__}")
    path = Path(source)
    if path.is_file():
        return Scenario.from_toml(path)
    name = str(source)
    if len(path.parts) == 1 and path.suffix in ("", ".toml"):  # a bare name: a built-in scenario
        stem = path.stem if path.suffix else name
        if stem in builtin_names():
            return builtin(stem).scenario
        raise UnknownScenarioError(name)
    return Scenario.from_toml(path)  # a path that does not exist: "cannot read" naming it


def load_folder(folder: str | Path) -> list[ScenarioFile]:
    """Every ``*.toml`` in ``folder`` (sorted by name), validated before anything runs.

    Raises
    ------
    ScenarioFileError
        The folder is missing or holds no ``*.toml``, or a file is unreadable, not TOML, or has
        a bad key (the message names the file and the key).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioFileError(f"--scenarios: {str(folder)!r} is not a folder")
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise ScenarioFileError(f"--scenarios: no *.toml scenario files in {str(folder)!r}")
    files = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioFileError(f"{path}: cannot read: {exc}") from None
        files.append(_parse(path.stem, str(path), text))
    return files
