"""Scenario files for the report: the built-in ones shipped in the package, and a user's folder.

The built-in scenarios are data, not code: TOML files in ``modelcollapse.derivations/scenarios``
(read with :mod:`importlib.resources`, so they work from a wheel as well as from a checkout).
Each starts with comment lines saying what it shows; users copy and edit them and pass their
folder to ``modelcollapse report --scenarios DIR``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from modelcollapse.numerics.errors import ModelCollapseError, ScenarioError
from modelcollapse.numerics.scenario import Scenario

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ScenarioFile", "ScenarioFileError", "builtin", "builtin_names", "load_folder"]

_PACKAGE = "modelcollapse.derivations"


class ScenarioFileError(ModelCollapseError):
    """A scenario file (or folder) that cannot be used; the message names the file and the key."""


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
        scenario = Scenario.from_dict(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFileError(f"{origin}: not valid TOML: {exc}") from None
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
        raise ScenarioFileError(f"no built-in scenario {name!r}; known: {', '.join(builtin_names())}")
    return _parse(name, "built-in", path.read_text(encoding="utf-8"))


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
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioFileError(f"{path}: cannot read: {exc}") from None
        files.append(_parse(path.stem, str(path), text))
    return files
