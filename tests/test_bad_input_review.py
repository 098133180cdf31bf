"""A new user's bad input, command by command: exit 2 and one line naming the key (or option) and what is
accepted; never an internal error (exit 3)."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from conftest import write_toml

from modelcollapse.derivations import cli

LINE = re.compile(r"^modelcollapse: error: (argument )?(?P<key>--[a-z-]+|[a-z_]+(\.[a-zA-Z_0-9\[\]]+)?)[: ]")

GOOD = {"spectrum": {"kind": "power_law", "d": 30, "beta": 2.0}, "teacher": {"kind": "source", "r": 0.5},
        "generators": {"n": 1, "T0": 60, "sigma0": 1.0}, "downstream": {"T": 40, "sigma": 0.5, "ridge": 0.01}}
SUBNORMAL = {"spectrum": {"kind": "eigenvalues", "values": [1e-310, 1e-312, 1e-313]}, "teacher": {"kind": "isotropic"},
             "generators": {"n": 0, "T0": 10, "sigma0": 1.0}, "downstream": {"T": 1, "sigma": 0.5, "ridge": 0.0}}


def _run(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = cli.main(argv)
    return rc, err.getvalue()


@pytest.mark.parametrize("command", ["predict", "verify"])
def test_subnormal_eigenvalues_are_refused_naming_the_values(tmp_path, command):
    """The Monte Carlo fallback's non-finite simulated error was an internal error (exit 3) in predict and verify."""
    extra = ["--trials", "10"] if command == "verify" else []
    rc, err = _run([command, str(write_toml(tmp_path / "s.toml", SUBNORMAL)), *extra])
    assert rc == 2 and err.count("\n") == 1, err
    assert LINE.match(err).group("key") == "spectrum.values" and "subnormal below 2.2e-308" in err


def _with(section, key, value):
    data = {k: dict(v) for k, v in GOOD.items()}
    data[section][key] = value
    return data


@pytest.mark.parametrize(("data", "extra", "key"), [
    (_with("downstream", "Tx", 40), [], "downstream.Tx"),
    (_with("downstream", "T", -3), [], "downstream.T"),
    (_with("downstream", "sigma", -0.5), [], "downstream.sigma"),
    ({**_with("generators", "T0", [60, -1]), "generators": {"n": 2, "T0": [60, -1], "sigma0": 1.0}}, [],
     "generators.T0[1]"),
    (GOOD, ["--trials", "1"], "--trials"),
    (GOOD, ["--seed", "-1"], "--seed"),
])
@pytest.mark.parametrize("command", ["simulate", "verify"])
def test_simulation_commands_name_the_key(tmp_path, command, data, extra, key):
    rc, err = _run([command, str(write_toml(tmp_path / "s.toml", data)), *extra])
    assert rc == 2 and err.count("\n") == 1 and LINE.match(err).group("key") == key, err


@pytest.mark.parametrize(("extra", "key"), [(["--precision", "0"], "--precision"), (["--mc-rse", "0"], "--mc-rse"),
                                            (["--order", "3"], "--order")])
def test_predict_options_name_the_option_and_range(tmp_path, extra, key):
    rc, err = _run(["predict", str(write_toml(tmp_path / "s.toml", GOOD)), *extra])
    assert rc == 2 and err.count("\n") == 1 and LINE.match(err).group("key") == key, err
    assert re.search(r"\[|choose from", err)  # the accepted values


def test_a_missing_file_names_the_scenario_and_the_built_in_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in ("predict", "simulate", "verify", "optimal-ridge", "powerlaw-fit"):
        rc, err = _run([command, str(tmp_path / "missing.toml")])
        assert rc == 2 and err.count("\n") == 1 and err.startswith("modelcollapse: error: scenario: cannot read ")
        assert "missing.toml': No such file or directory" in err
        rc, err = _run([command, "missing.toml"])  # a bare name: a file here or a built-in scenario
        assert rc == 2 and err.count("\n") == 1 and "no scenario file or built-in scenario 'missing.toml'" in err
