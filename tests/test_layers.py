"""The arrows of docs/ARCHITECTURE.md, read from the source: theory <- numerics <- derivations.

Every module of ``theory/``, ``numerics/`` and ``derivations/`` is parsed (not imported) and its
imports resolved to project modules, relative imports included; a test fails naming the module
and the import that points the wrong way. The simulator, the arbiter, imports nothing of the
project at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("theory", "numerics", "derivations")  # each may import only those before it
PACKAGE = "modelcollapse"
# The simulator, the arbiter: numerics/simulate.py and its siblings simulate_*.py (found by name, so a new
# simulator module is checked without being listed), and the process pool it runs on (workers.py, stdlib
# only); they may import each other and nothing else of the project.
SIMULATOR = (*sorted((ROOT / "numerics").glob("simulate*.py")), ROOT / "numerics" / "workers.py")
# What the simulator may read besides itself: the scenario, the chain description it simulates
# (numerics/chain.py, which runs the axes of numerics/axes/) and the shared error types. The description's
# modules run inside the arbiter (their simulator hooks), so they import nothing of the theory but its
# errors and nothing of the prediction layer: only the scenario (the input), its validators and each other.
DESCRIPTION = {"modelcollapse.numerics.chain", "modelcollapse.numerics.errors", "modelcollapse.numerics.scenario"}
DESCRIPTION_MAY_IMPORT = {"modelcollapse.numerics.chain", "modelcollapse.numerics.axes",
                          "modelcollapse.numerics.scenario", "modelcollapse.numerics.errors",
                          "modelcollapse.numerics.validate", "modelcollapse.numerics.limits",
                          "modelcollapse.theory.errors"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _imports(path: Path, module_name: str | None = None) -> list[str]:
    """Absolute names of every module ``path`` imports (``from x import y`` gives ``x`` and ``x.y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name or _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{alias.name}" for alias in node.names]
    return names


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE and parts[1] in LAYERS else None


def _modules():
    return sorted(p for layer in LAYERS for p in (ROOT / layer).rglob("*.py"))


def test_every_layer_has_modules():
    found = {p.relative_to(ROOT).parts[0] for p in _modules()}
    assert found == set(LAYERS)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_the_layers(path):
    own = LAYERS.index(path.relative_to(ROOT).parts[0])
    wrong = [name for name in _imports(path) if (layer := _layer(name)) and LAYERS.index(layer) > own]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}: {LAYERS[own]} may import only {LAYERS[:own]}"


def test_the_simulator_is_found():
    """The glob finds the simulator's entry point and every sibling it imports."""
    assert ROOT / "numerics" / "simulate.py" in SIMULATOR
    siblings = {n for n in _imports(ROOT / "numerics" / "simulate.py") if n.startswith(PACKAGE + ".numerics.simulate")}
    assert {_module_name(p) for p in SIMULATOR} >= {n for n in siblings if n.count(".") == 2}


@pytest.mark.parametrize("path", SIMULATOR, ids=lambda p: p.name)
def test_the_simulator_imports_nothing_of_the_project(path):
    own = {_module_name(p) for p in SIMULATOR} | DESCRIPTION
    # `from simulate_conditional import f` yields the module and `module.f`: both are the simulator's own.
    project = [name for name in _imports(path) if (name == PACKAGE or name.startswith(PACKAGE + "."))
               and name not in own and name.rpartition(".")[0] not in own]
    relative = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ImportFrom) and n.level]
    assert not project and not relative, project


def _description_modules():
    return [ROOT / "numerics" / "chain.py", *sorted((ROOT / "numerics" / "axes").glob("*.py"))]


@pytest.mark.parametrize("path", _description_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_description_imports_nothing_the_simulator_may_not_run(path):
    """The chain description and the axes (whose hooks the simulator runs) import no theory and no prediction code."""
    simulator = {_module_name(p) for p in SIMULATOR}
    allowed = DESCRIPTION_MAY_IMPORT | simulator

    def ok(name):
        return any(name == a or name.startswith(a + ".") for a in allowed)

    wrong = [name for name in _imports(path) if (name == PACKAGE or name.startswith(PACKAGE + ".")) and not ok(name)]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}: the description may import only {sorted(allowed)}"


def _kind_names() -> set[str]:
    from modelcollapse.numerics.spectra import Spectrum, Teacher

    return set(Spectrum.family()) | set(Teacher.family())


def _kind_comparisons(tree: ast.AST, kinds: set[str]) -> list[int]:
    """Lines comparing a ``.kind``-like attribute with a kind's name (a string, or a tuple of them)."""
    def named(node):
        return isinstance(node, ast.Attribute) and node.attr in ("kind", "teacher_kind", "KIND")

    def literal(node):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(literal(e) for e in node.elts)
        return isinstance(node, ast.Constant) and node.value in kinds

    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Compare)
            and any(named(x) for x in (node.left, *node.comparators))
            and any(literal(x) for x in (node.left, *node.comparators))]


def test_no_kind_names_are_compared_outside_the_kinds_modules():
    """Callers ask a kind (its attributes and methods); only spectra/ and teachers/ know kind names."""
    kinds = _kind_names()
    own = (ROOT / "numerics" / "spectra", ROOT / "numerics" / "teachers")
    found = {str(p.relative_to(ROOT)): lines for p in _modules() if not p.is_relative_to(own[0])
             and not p.is_relative_to(own[1]) and (lines := _kind_comparisons(ast.parse(p.read_text()), kinds))}
    assert not found, found
    probe = ast.parse('if spectrum.kind != "power_law" or t.kind in ("source", "x"):\n    pass\n')
    assert _kind_comparisons(probe, kinds) == [1, 1]  # both comparisons: the check itself can fail


def test_precision_is_asked_of_the_backend():
    """No ``.is_mp`` branches: what differs between float64 and mpmath is a ``Backend`` method."""
    found = [f"{p.relative_to(ROOT)}:{n.lineno}" for p in _modules() for n in ast.walk(ast.parse(p.read_text()))
             if isinstance(n, ast.Attribute) and n.attr == "is_mp"]
    assert not found, found


def test_the_walker_sees_a_wrong_arrow(tmp_path):
    """The check itself can fail: a theory module importing numerics is caught."""
    fake = tmp_path / "probe.py"
    fake.write_text("from modelcollapse.numerics import predict\nfrom ..derivations import cli\nimport os\n")
    names = _imports(fake, "modelcollapse.theory.probe")
    assert "modelcollapse.numerics" in names and "modelcollapse.derivations" in names
    assert {_layer(n) for n in names} == {"numerics", "derivations", None}


def test_commands_import_neither_the_cli_nor_each_other():
    """``cli`` imports the command modules; they share only ``commands.common`` (no import cycle)."""
    commands = ROOT / "derivations" / "commands"
    for path in sorted(commands.glob("*.py")):
        if path.name == "__init__.py":
            continue
        names = _imports(path)
        assert "modelcollapse.derivations.cli" not in names, path.name
        siblings = {n for n in names if n.startswith("modelcollapse.derivations.commands.")}
        assert siblings <= {"modelcollapse.derivations.commands.common"}, (path.name, siblings)


def test_every_package_is_listed_for_installation():
    """pyproject.toml lists packages explicitly: a new subpackage missing there would not be installed."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {_module_name(p) for layer in LAYERS for p in (ROOT / layer).rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)


def test_nothing_imports_the_front_door():
    """``api/`` (``import modelcollapse``: workflow, symbolic) sits above every layer: no layer imports it."""
    front = {"modelcollapse"} | {f"modelcollapse.{p.stem}" for p in (ROOT / "api").glob("*.py") if p.stem != "__init__"}
    for path in _modules():
        wrong = [name for name in _imports(path) if name in front or name.rpartition(".")[0] == "modelcollapse"
                 and name.rpartition(".")[2] not in LAYERS]
        assert not wrong, f"{path.relative_to(ROOT)} imports the front door: {wrong}"
