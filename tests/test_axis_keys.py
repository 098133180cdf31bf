"""Scenario keys are declared by the axes (issue 19): a new axis adds keys without editing numerics/scenario.py.

A throw-away axis registered at runtime (``AXES`` patched) gets its scalar key and its sub-table
(``[generators.screen]``) accepted, checked, defaulted, round-tripped through TOML text and varied by
``replace``; scenario.py is checked to name no key of any axis.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import pickle
import sys
from pathlib import Path

import pytest
from conftest import scenario_dict

from modelcollapse.numerics import axes
from modelcollapse.numerics.axes.keys import REQUIRED, Key, View, choice, fraction, registry, subtable
from modelcollapse.numerics.chain import compile_chain
from modelcollapse.numerics.scenario import Downstream, Generators, Scenario, section_keys
from modelcollapse.numerics.validate import nonnegative
from modelcollapse.theory.errors import ScenarioError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NUMERICS = Path(__file__).resolve().parents[1] / "numerics"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Verifier:
    center: float
    window: float


def _verifier(key, value, gen):
    """None (no verifier) or a table of ``center`` (any number >= 0) and ``window`` (> 0, default 1)."""
    if value is None:
        return None
    entries = subtable(key, value, {"center": nonnegative, "window": nonnegative}, required=("center",))
    if entries.get("window", 1.0) == 0:
        raise ScenarioError(f"{key}.window", "expected a number > 0, got 0.0")
    if gen.n == 0:
        raise ScenarioError(key, "a verifier filters generated rows: it needs generators.n >= 1")
    return Verifier(center=entries["center"], window=entries.get("window", 1.0))


class ExampleAxis:
    """A throw-away axis: one scalar key per table, one sub-table, one view; it describes nothing."""

    name = "example"
    keys = (
        Key(table="generators", name="example_key", default="plain",
            check=lambda key, v, gen: choice(key, v, ("plain", "fancy"), "example"), doc="plain or fancy"),
        Key(table="generators", name="screen", default=None, check=_verifier,
            to_file=lambda v: dataclasses.asdict(v), doc="a [generators.screen] table: center, window"),
        Key(table="downstream", name="example_share", default=0.0, alias="downstream_example_share",
            check=lambda key, v, _: fraction(key, v)),
    )
    views = (View(table="generators", name="is_fancy", get=lambda gen: gen.example_key == "fancy"),)
    calls: list = []

    def validate(self, scenario) -> None:
        return None

    def describe(self, scenario, draft) -> None:
        self.calls.append(scenario.generators.example_key)


@pytest.fixture
def example_axis(monkeypatch):
    axis = ExampleAxis()
    monkeypatch.setattr(axes, "AXES", (*axes.AXES, axis))
    return axis


def _base(**generators) -> dict:
    return scenario_dict(spectrum={"kind": "isotropic", "d": 20}, teacher={"kind": "isotropic"},
                         generators={"n": 2, "T0": 30, "sigma0": 1.0, **generators},
                         downstream={"T": 40, "sigma": 0.5, "ridge": 0.0})


def test_a_runtime_axis_adds_its_keys_to_the_tables(example_axis):
    assert section_keys("generators")[-2:] == ("example_key", "screen")
    assert section_keys("downstream")[-1] == "example_share"
    plain = Scenario.from_dict(_base())
    assert plain.generators.example_key == "plain" and plain.generators.screen is None
    assert plain.downstream.example_share == 0.0 and not plain.generators.is_fancy
    assert "example_key" not in plain.to_dict()["generators"]  # defaults stay out of the file
    assert "example_share" not in plain.to_dict()["downstream"]
    fancy = Scenario.from_dict(_base(example_key="fancy"))
    assert fancy.generators.example_key == "fancy" and fancy.generators.is_fancy and fancy != plain
    assert fancy.to_dict()["generators"]["example_key"] == "fancy"
    assert Scenario.from_dict(tomllib.loads(fancy.to_toml())) == fancy
    compile_chain(fancy)
    assert example_axis.calls[-1] == "fancy"  # compile_chain runs the new axis too


def test_a_runtime_key_is_checked_and_named(example_axis):
    with pytest.raises(ScenarioError, match=r"^generators\.example_key: unknown example 'fansy' \(did you mean "
                                            r"'fancy'\?\); expected one of plain, fancy$"):
        Scenario.from_dict(_base(example_key="fansy"))
    with pytest.raises(ScenarioError, match=r"^downstream\.example_sahre: unknown key \(did you mean "
                                            r"'example_share'\?\)"):
        Scenario.from_dict({**_base(), "downstream": {"T": 40, "sigma": 0.5, "ridge": 0.0, "example_sahre": 0.5}})
    with pytest.raises(ScenarioError, match=r"^downstream\.example_share: expected a fraction in \[0, 1\], got 2$"):
        Scenario.from_dict(_base()).replace(downstream_example_share=2)


def test_a_runtime_key_is_varied_by_replace_and_dotted_keys(example_axis):
    s = Scenario.from_dict(_base())
    assert s.replace(example_key="fancy").generators.example_key == "fancy"
    assert s.replace(**{"generators.example_key": "fancy"}) == s.replace(example_key="fancy")
    assert s.replace(downstream_example_share=0.25).downstream.example_share == 0.25
    assert s.replace(**{"downstream.example_share": 0.25}).downstream.example_share == 0.25
    with pytest.raises(TypeError, match="unknown key .did you mean 'downstream_example_share'"):
        s.replace(downstream_example_shar=0.25)


def test_a_sub_table_key_round_trips_through_toml(example_axis):
    s = Scenario.from_dict(_base(screen={"center": 0.0, "window": 0.5}))
    assert s.generators.screen == Verifier(center=0.0, window=0.5)
    text = s.to_toml()
    assert "[generators.screen]\ncenter = 0.0\nwindow = 0.5\n" in text
    assert tomllib.loads(text)["generators"]["screen"] == {"center": 0.0, "window": 0.5}
    assert Scenario.from_dict(tomllib.loads(text)) == s
    assert hash(s.generators) == hash(Scenario.from_dict(tomllib.loads(text)).generators)
    assert pickle.loads(pickle.dumps(s)) == s
    # the entry default comes in: window absent is 1
    assert Scenario.from_dict(_base(screen={"center": 2})).generators.screen == Verifier(center=2.0, window=1.0)
    # a sub-table's keys are dotted keys (sweep --vary generators.screen.window)
    wider = s.replace(**{"generators.screen.window": 2.0})
    assert wider.generators.screen == Verifier(center=0.0, window=2.0) and s.generators.screen.window == 0.5
    assert s.replace(n=3).generators.screen == s.generators.screen  # kept when another key changes
    assert s.replace(screen=None).generators.screen is None


def test_a_sub_table_is_checked_entry_by_entry(example_axis):
    with pytest.raises(ScenarioError, match=r"^generators\.screen\.widow: unknown key \(did you mean 'window'\?\); "
                                            r"expected one of center, window$"):
        Scenario.from_dict(_base(screen={"center": 0.0, "widow": 0.5}))
    with pytest.raises(ScenarioError, match=r"^generators\.screen\.center: missing$"):
        Scenario.from_dict(_base(screen={"window": 0.5}))
    with pytest.raises(ScenarioError, match=r"^generators\.screen\.window: expected a finite number >= 0, got -1"):
        Scenario.from_dict(_base(screen={"center": 0.0, "window": -1}))
    with pytest.raises(ScenarioError, match=r"^generators\.screen: expected a table \[generators\.screen\]"):
        Scenario.from_dict(_base(screen=0.5))
    with pytest.raises(ScenarioError, match=r"^generators\.screen: a verifier filters generated rows"):
        Scenario.from_dict({**_base(screen={"center": 0.0}), "generators": {"n": 0, "screen": {"center": 0.0}}})
    s = Scenario.from_dict(_base())
    with pytest.raises(ScenarioError, match=r"^generators\.screen\.window: unknown key"):
        s.replace(**{"generators.screen.window": 2.0})  # no [generators.screen] to set a key of


def test_without_the_axis_its_keys_are_unknown():
    assert "example_key" not in section_keys("generators")
    with pytest.raises(ScenarioError, match=r"^generators\.example_key: unknown key"):
        Scenario.from_dict(_base(example_key="fancy"))


def test_clashing_declarations_are_refused():
    twice = type("Twice", (), {"keys": (Key(table="generators", name="scheme", default="x", check=choice),)})()
    with pytest.raises(ValueError, match="generators.scheme is declared by two axes"):
        registry((*axes.AXES, twice))
    bare = type("Bare", (), {"keys": (Key(table="generators", name="T", default=0, check=lambda k, v, _: v),)})()
    with pytest.raises(ValueError, match=r"downstream.T and generators.T are both Scenario.replace\(T=...\)"):
        registry((*axes.AXES, bare))
    with pytest.raises(ValueError, match="table must be one of generators, downstream"):
        Key(table="spectrum", name="x", default=0, check=lambda k, v, _: v)
    with pytest.raises(TypeError, match="keys must be Key objects"):
        registry((type("Old", (), {"keys": ("generators.x",)})(),))


def test_the_tables_are_immutable_values_built_by_keyword():
    gen = Generators(n=2, T0=[10, 20], sigma0=1.0)
    assert gen.T0 == (10, 20) and gen.sigma0 == (1.0, 1.0) and gen.ridge == (0.0, 0.0) and gen.scheme == "replace"
    assert gen == Generators(n=2, T0=(10, 20), sigma0=[1.0, 1.0]) and {gen: 1}[Generators(**gen.to_dict())] == 1
    assert gen.replace(sigma0=0.5).sigma0 == (0.5, 0.5) and gen.sigma0 == (1.0, 1.0)
    assert copy.deepcopy(gen) == gen and pickle.loads(pickle.dumps(gen)).T0 == (10, 20)
    with pytest.raises(dataclasses.FrozenInstanceError):
        gen.n = 3
    with pytest.raises(ScenarioError, match=r"^generators\.n: missing; expected an integer >= 0$"):
        Generators(T0=10)
    with pytest.raises(ScenarioError, match=r"^downstream\.ridge: missing$"):
        Downstream(T=10, sigma=0.5)
    with pytest.raises(AttributeError, match="no attribute 'has_rigde'"):
        gen.has_rigde  # noqa: B018
    assert Downstream(T=10, sigma=0.5, ridge=0.0, real_fraction=0.25).synthetic_rows == 7  # 2.5 rounds half up


def test_every_key_is_declared_by_its_axis():
    """Each axis' keys are checked by code of its own module (or the shared checks of axes/keys.py)."""
    for axis in axes.AXES:
        module = type(axis).__module__
        assert axis.keys, axis.name
        for key in axis.keys:
            assert isinstance(key, Key) and key.doc, key.dotted
            assert key.check.__module__ in (module, "modelcollapse.numerics.axes.keys"), key.dotted
    assert REQUIRED is not None and set(registry(axes.AXES).keywords) >= {"ridge", "ridge0", "real_fraction",
                                                                          "downstream_real_fraction"}


def _code_strings(source: str) -> set[str]:
    """The string constants of a module's code (docstrings and the text of f-string messages left out)."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                                            ast.Constant):
            skip.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in skip}


def _class_fields(source: str) -> set[str]:
    """Names annotated in class bodies (dataclass fields)."""
    tree = ast.parse(source)
    out = set()
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                out.add(stmt.target.id)
    return out


def test_scenario_py_names_no_key_of_an_axis():
    """Adding an axis needs no edit of scenario.py: it defines no key field and spells no key name or alias."""
    reg = registry(axes.AXES)
    names = {k.name for t in reg.keys.values() for k in t} | set(reg.keywords)
    names |= {k.dotted for t in reg.keys.values() for k in t} | {v for t in reg.views.values() for v in t}
    assert {"T0", "scheme", "real_fraction", "design_matrix", "ridge0", "has_ridge"} <= names  # the check can fail
    old_style = ('class Generators:\n    """A table."""\n    VALIDATORS = {"scheme": _scheme}\n    scheme: str = "x"\n'
                 'def replace(**changes):\n    """Docstring naming ridge0."""\n    return changes.pop("ridge0")\n')
    assert _code_strings(old_style) & names == {"scheme", "ridge0"} and _class_fields(old_style) == {"scheme"}
    source = (NUMERICS / "scenario.py").read_text(encoding="utf-8")
    assert not _code_strings(source) & names
    assert not _class_fields(source) & names
    for axis in axes.AXES:  # scenario.py reads the axes through AXES only
        assert f"axes.{type(axis).__module__.rsplit('.', 1)[-1]} import" not in source
        assert f"axes import {type(axis).__module__.rsplit('.', 1)[-1]}" not in source


def test_the_simulator_defines_no_key_field():
    """The simulator's value objects take no scenario key as a field (it reads plain arguments)."""
    reg = registry(axes.AXES)
    names = {k.name for t in reg.keys.values() for k in t} - {"n", "T", "T0", "sigma", "sigma0", "ridge"}
    assert "design_matrix" in names
    for path in sorted(NUMERICS.glob("simulate*.py")):
        assert not _class_fields(path.read_text(encoding="utf-8")) & names, path.name
