"""The ``[generators.verifier]`` axis: keys, bad input (exit 2 naming the key), regime, composition and refusals."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

import modelcollapse as mc
from modelcollapse.derivations import cli
from modelcollapse.numerics.axes.verifier import Verifier
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.regimes import regime_for
from modelcollapse.theory.errors import NotCoveredError, ScenarioError
from modelcollapse.theory.provenance import ProvenanceKind

BASE = {
    "spectrum": {"kind": "power_law", "d": 30, "beta": 1.5},
    "teacher": {"kind": "source", "r": 0.5},
    "generators": {"n": 2, "T0": 150, "sigma0": 1.0, "verifier": {"window": [-1.0, 1.0]}},
    "downstream": {"T": 100, "sigma": 0.5, "ridge": 0.0},
}


def _scenario(**verifier):
    data = {k: dict(v) for k, v in BASE.items()}
    data["generators"]["verifier"] = {"window": [-1.0, 1.0], **verifier}
    return mc.Scenario.from_dict(data)


def test_keys_are_checked_and_round_trip():
    s = _scenario(center_noise=0.3, seed=4, size="kept", units="absolute")
    v = s.generators.verifier
    assert isinstance(v, Verifier) and v.window == (-1.0, 1.0) and v.refill and v.units == "absolute"
    import tomllib

    assert mc.Scenario.from_dict(tomllib.loads(s.to_toml())) == s
    assert mc.Scenario.from_dict(s.to_dict()) == s
    assert s.replace(**{"generators.verifier": {"window": [-2, 2]}}).generators.verifier.window == (-2.0, 2.0)
    assert "verifier" not in s.replace(**{"generators.verifier": None}).to_dict()["generators"]


@pytest.mark.parametrize("verifier, key", [
    ({"window": [1.0, -1.0]}, "generators.verifier.window"),
    ({"window": [0.5, 0.5]}, "generators.verifier.window"),
    ({"window": [0.0]}, "generators.verifier.window"),
    ({"window": ["a", 1]}, "generators.verifier.window"),
    ({"window": [-1, 1], "windw": 2}, "generators.verifier.windw"),
    ({"window": [-1, 1], "size": "fixed"}, "generators.verifier.size"),
    ({"window": [-1, 1], "units": "sd"}, "generators.verifier.units"),
    ({"window": [-1, 1], "center_noise": -0.1}, "generators.verifier.center_noise"),
    ({"window": [-1, 1], "center": "oracle"}, "generators.verifier.center"),
    ({"center": "teacher"}, "generators.verifier.window"),
])
def test_bad_tables_name_the_key(verifier, key):
    data = {k: dict(v) for k, v in BASE.items()}
    data["generators"]["verifier"] = verifier
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        mc.Scenario.from_dict(data)


def test_centre_of_the_wrong_length_is_refused_naming_the_key():
    s = _scenario(center=[0.1] * 29)
    with pytest.raises(ScenarioError, match=r"generators\.verifier\.center.*d = 30"):
        mc.predict(s)
    with pytest.raises(ScenarioError, match=r"generators\.verifier\.center"):
        mc.simulate(s, trials=2)


@pytest.mark.parametrize("command", ["predict", "simulate", "verify"])
def test_cli_exit_2_one_line(tmp_path, capsys, command):
    s = _scenario(center=[0.1] * 29)
    path = tmp_path / "bad.toml"
    path.write_text(s.to_toml())
    assert cli.main([command, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "generators.verifier.center" in err


def test_console_script_reversed_window(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(_scenario().to_toml().replace("-1.0,\n    1.0,", "1.0,\n    -1.0,"))
    exe = shutil.which("modelcollapse") or pytest.skip("console script not installed")
    out = subprocess.run([exe, "predict", str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "generators.verifier.window" in out.stderr


def test_regime_and_exact_case():
    s = _scenario(size="kept").replace(n=1)
    assert regime_for(s, check=True).name == "verified_generators"
    p = mc.predict(s)
    assert p.regime == "verified_generators"
    assert p.provenance["collapse"].kind is ProvenanceKind.EXACT and p.exact


def test_composes_with_a_downstream_real_share_and_per_generation_sizes():
    s = _scenario(center_noise=0.4).replace(**{"generators.T0": [150, 200], "downstream.real_fraction": 0.5})
    p = mc.predict(s)
    plain = mc.predict(s.replace(**{"downstream.real_fraction": 0.0}))
    assert p.regime == "verified_generators"
    assert 0 < p.collapse < plain.collapse  # half the downstream rows are real: a smaller synthetic share


@pytest.mark.parametrize("change, key", [
    ({"downstream.ridge": 0.01}, "downstream.ridge"),
    ({"downstream.T": 20}, "downstream.ridge"),
    ({"generators.scheme": "accumulate"}, "generators.scheme"),
    ({"generators.real_fraction": 0.2}, "generators.real_fraction"),
    ({"generators.ridge": 0.1}, "generators.ridge"),
])
def test_refusals_name_the_key_and_simulation_still_runs(change, key):
    s = _scenario().replace(**change)
    with pytest.raises(NotCoveredError, match=key.replace(".", r"\.")):
        predict(s, monte_carlo=False)
    r = mc.simulate(s, trials=3, seed=1)
    assert np.isfinite(r.mean) and r.mean > 0 and r.estimator == "plain"


def test_reused_design_is_refused_as_input():
    with pytest.raises(ScenarioError, match=r"generators\.design_matrix"):
        mc.predict(_scenario().replace(**{"generators.design_matrix": "reused"}))


def test_window_in_sigma0_units_needs_noise():
    with pytest.raises(ScenarioError, match=r"generators\.verifier\.units"):
        mc.predict(_scenario().replace(**{"generators.sigma0": 0.0}))


def test_too_narrow_window_is_refused_naming_the_window():
    with pytest.raises(NotCoveredError, match=r"generators\.verifier\.window"):
        predict(_scenario(window=[-0.05, 0.05]), monte_carlo=False)


def test_another_axis_key_with_a_verifier_is_refused_by_name():
    s = _scenario().replace(**{"generators.real_fraction": 0.3, "generators.real_weight": 0.6})
    with pytest.raises(NotCoveredError, match=r"generators\.real_weight"):
        predict(s, monte_carlo=False)
    with pytest.raises(NotCoveredError, match=r"generators\.real_weight.*generators\.verifier"):
        regime_for(s, check=True)  # each axis admits only its own regime: no regime is left
