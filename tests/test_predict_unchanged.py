"""``predict`` on the built-in scenarios and 192 axis variants is unchanged by the chain engine (issue 19).

The expected numbers, ``tests/fixtures/predict_before.json``, were generated ONCE from main at
commit 95a5092 (before the chain engine and the exclusive dispatch) by calling ``predict(s).to_dict()``
on every built-in scenario and on a grid over scheme × T0 (25 < d, 60 > d) × generator ridge × real
fraction × downstream ridge × downstream real fraction (isotropic and power-law spectra, d = 40); a
scenario refused then is stored with its message. Now every prediction must be the same (1e-12
relative on every number, same regime and provenance) and a refusal may only become a prediction —
which must then come from the general chain engine.
"""

import json
import math
from pathlib import Path

import pytest

from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

BEFORE = json.loads((Path(__file__).parent / "fixtures" / "predict_before.json").read_text())


def _numbers(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _numbers(v, prefix + k + ".")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield prefix + k, v


def _compare(before, scenario):
    if "refused" in before:
        try:
            now = predict(scenario, monte_carlo=False)  # the formulas' dispatch (no Monte Carlo answer, issue 22)
        except ModelCollapseError:
            return "refused"
        assert now.regime == "general_chain", f"a refusal became a prediction of {now.regime}"
        assert math.isfinite(now.test_error) and now.test_error >= 0
        return "predicted"
    old = before["prediction"]
    now = predict(scenario, monte_carlo=False).to_dict()
    assert now["regime"] == old["regime"]
    assert now["provenance"] == old["provenance"]
    assert now["notes"] == old["notes"]
    new_numbers = dict(_numbers(now))
    for key, value in _numbers(old):
        assert new_numbers[key] == pytest.approx(value, rel=1e-12, abs=1e-300), key
    return "same"


@pytest.mark.parametrize("name", sorted(BEFORE["builtin"]))
def test_builtin_scenarios_predict_as_before(name):
    assert _compare(BEFORE["builtin"][name], builtin(name).scenario) == "same"


def test_axis_variants_predict_as_before_or_are_now_predicted():
    outcomes = {}
    for key, entry in BEFORE["variants"].items():
        outcomes[key] = _compare(entry, Scenario.from_dict(entry["scenario"]))
    assert sum(o == "same" for o in outcomes.values()) == 66
    refused_now = [k for k, o in outcomes.items() if o == "refused"]
    assert refused_now == [], refused_now[:5]
