"""Report sections of scenario files: the built-in ones, and the user's (``--scenarios DIR``).

Each file is predicted and simulated as written; a file whose theory cannot be computed, or
with ``d = inf`` (which cannot be simulated), is listed as skipped with the reason.
"""

from __future__ import annotations

from modelcollapse.derivations.report.model import Budget, Panel, SectionPlan, SimPoint
from modelcollapse.derivations.scenario_files import ScenarioFile, builtin, builtin_names
from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.predict import predict

__all__ = ["plan_builtin", "plan_files", "plan_user"]

_BUILTIN_CAPTION = "Each built-in scenario file, predicted and simulated as written."
_USER_CAPTION = "Every scenario file of the folder given with --scenarios, predicted and simulated as written."


def plan_files(key: str, title: str, files: list[ScenarioFile], caption: str) -> SectionPlan:
    """A table section checking every file of ``files``."""
    points, skipped = [], []
    for f in files:
        try:
            prediction = predict(f.scenario)
        except ModelCollapseError as exc:
            skipped.append({"name": f.name, "origin": f.origin, "reason": f"theory not available: {exc}"})
            continue
        if not f.scenario.spectrum.is_finite:
            skipped.append({"name": f.name, "origin": f.origin, "theory": prediction.test_error,
                            "reason": f"d = inf cannot be simulated (theory: {prediction.test_error:.6g})"})
            continue
        points.append(SimPoint(series=f.name, x=float("nan"), label=f.name, scenario=f.scenario,
                               prediction=prediction))
    listed = [{"name": f.name, "origin": f.origin, "description": f.description} for f in files]
    panel = Panel(title=title, xlabel="", ylabel="", points=tuple(points), kind="table")
    return SectionPlan(key=key, title=title, caption=caption, panels=(panel,),
                       data={"files": listed, "skipped": skipped})


def plan_builtin(budget: Budget) -> SectionPlan:
    """Every built-in scenario file (the budget does not change them)."""
    return plan_files("builtin", "Built-in scenarios", [builtin(n) for n in builtin_names()], _BUILTIN_CAPTION)


def plan_user(files: list[ScenarioFile]) -> SectionPlan:
    """The user's scenario files."""
    return plan_files("user", "Your scenarios", files, _USER_CAPTION)
