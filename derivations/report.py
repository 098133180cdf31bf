"""``modelcollapse report``: every headline result derived, evaluated and checked by simulation.

Data flow (ARCHITECTURE.md): built-in scenario files (and the user's) -> sections that evaluate
theory curves and list the points to simulate -> every simulation under one progress bar ->
check rows (theory, simulation, SE, z, pass/fail) -> figures, report.md, report.tex (+ PDF when
pdflatex is installed), results.json.

Reproducible: each check's seed is a function of the root seed and the check's id only, and the
simulator's result depends on ``(seed, trials)`` only, so nothing depends on ``jobs`` or order.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from modelcollapse.derivations import report_sections as rs
from modelcollapse.derivations import report_sections_more as rsm
from modelcollapse.derivations.figures import draw_section
from modelcollapse.derivations.report_model import Budget, CheckRow, Panel, SectionPlan, SimPoint, check_seed
from modelcollapse.derivations.report_writers import report_latex, report_markdown, results_json, summary
from modelcollapse.derivations.scenario_files import ScenarioFile, builtin, builtin_names, load_folder
from modelcollapse.derivations.verify import compare, rounding_floor
from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.simulate import simulate

__all__ = ["Report", "ReportSection", "build_report", "budget_for", "QUICK_TRIALS", "FULL_TRIALS"]

QUICK_TRIALS = 100
FULL_TRIALS = 400

# (key, title, planner); order = order in the report
FIGURE_SECTIONS = (
    ("ridge", "Test error against the ridge", rs.plan_ridge),
    ("generations", "Test error against the number of generations", rs.plan_generations),
    ("scaling", "Scaling law under a power-law spectrum", rs.plan_scaling),
    ("overparam", "Exponential collapse with over-parameterised generators", rsm.plan_overparam),
    ("phase", "Scaling-law phase diagram", rsm.plan_phase),
    ("optimal_ridge", "Optimal ridge against the number of generations", rsm.plan_optimal_ridge),
)


@dataclass(frozen=True, kw_only=True)
class ReportSection:
    plan: SectionPlan
    rows: tuple = ()
    figures: tuple = ()


@dataclass(frozen=True, kw_only=True)
class Report:
    """What a report run produced (the files are in ``out``)."""

    out: Path
    settings: dict
    sections: tuple
    pdf: bool = False
    warnings: tuple = field(default_factory=tuple)
    timings: dict = field(default_factory=dict)  # seconds per phase (not in results.json: it depends on the machine)

    @property
    def rows(self) -> list[CheckRow]:
        return [r for s in self.sections for r in s.rows]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)


def budget_for(quick: bool, trials: int | None = None) -> Budget:
    return Budget(quick=quick, trials=trials or (QUICK_TRIALS if quick else FULL_TRIALS),
                  line_points=41 if quick else 81)


def _unavailable(key: str, title: str, exc: ModelCollapseError) -> SectionPlan:
    return SectionPlan(key=key, title=title, unavailable=str(exc))


def _plan_figures(budget: Budget) -> list[SectionPlan]:
    plans = []
    for key, title, planner in FIGURE_SECTIONS:
        try:
            plan = dataclasses.replace(planner(budget), title=title)
            for p in plan.points:  # every simulated point needs its theory before anything runs
                predict(p.scenario)
        except ModelCollapseError as exc:
            plan = _unavailable(key, title, exc)
        plans.append(plan)
    return plans


def _plan_scenarios(key: str, title: str, files: list[ScenarioFile], caption: str) -> SectionPlan:
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
        points.append(SimPoint(series=f.name, x=float("nan"), label=f.name, scenario=f.scenario))
    listed = [{"name": f.name, "origin": f.origin, "description": f.description} for f in files]
    panel = Panel(title=title, xlabel="", ylabel="", points=tuple(points), kind="table")
    return SectionPlan(key=key, title=title, caption=caption, panels=(panel,),
                       data={"files": listed, "skipped": skipped})


def _row(plan: SectionPlan, point: SimPoint, sim, prediction) -> CheckRow:
    x = None if point.x != point.x else point.x  # NaN -> None (scenario rows have no abscissa)
    return CheckRow(id=_point_id(plan, point), section=plan.key, series=point.series, x=x, label=point.label,
                    scenario=point.scenario.to_dict(),
                    check=compare(prediction, sim, floor=rounding_floor(point.scenario)))


def _point_id(plan: SectionPlan, point: SimPoint) -> str:
    """``section/series/x`` in plain text (it names the check and seeds its simulation)."""
    series = "".join(ch for ch in point.series if ch not in "$\\{}")
    return f"{plan.key}/{series}" + ("" if point.x != point.x else f"/{point.x:.6g}")


def _run(plans, budget: Budget, seed: int, jobs: int, progress: bool) -> list[tuple]:
    from tqdm import tqdm

    total = sum(len(p.points) for p in plans) * budget.trials
    rows_per_plan = []
    with tqdm(total=total, unit="trial", desc="simulating", file=sys.stderr, disable=not progress,
              dynamic_ncols=True, mininterval=0.5) as bar:
        for plan in plans:
            rows = []
            for point in plan.points:
                bar.set_postfix_str(plan.key, refresh=False)
                sim = simulate(point.scenario, trials=budget.trials, seed=check_seed(seed, _point_id(plan, point)),
                               jobs=jobs, progress=bar.update)
                rows.append(_row(plan, point, sim, predict(point.scenario)))
            rows_per_plan.append(tuple(rows))
    return rows_per_plan


def _compile_pdf(out: Path) -> str | None:
    """Compile report.tex to report.pdf if pdflatex is installed; return a warning on failure."""
    exe = shutil.which("pdflatex")
    if exe is None:
        return "pdflatex not found: report.tex was written but not compiled"
    with tempfile.TemporaryDirectory() as tmp:
        for f in out.iterdir():
            if f.suffix in (".tex", ".pdf") and f.is_file():
                shutil.copy(f, tmp)
        cmd = [exe, "-interaction=nonstopmode", "-halt-on-error", "report.tex"]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            tail = " | ".join(proc.stdout.strip().splitlines()[-6:])
            return f"pdflatex failed on report.tex: {tail}"
        shutil.copy(Path(tmp) / "report.pdf", out / "report.pdf")
    return None


def build_report(out: str | Path, *, quick: bool = False, trials: int | None = None, seed: int = 0, jobs: int = 1,
                 scenarios: str | Path | None = None, progress: bool = False, compile_pdf: bool = True,
                 command: str = "modelcollapse report") -> Report:
    """Run every section, simulate every check and write the report into ``out``.

    Raises
    ------
    ScenarioFileError
        A file in ``scenarios`` is invalid (before anything is computed).
    """
    user_files = load_folder(scenarios) if scenarios is not None else []
    budget = budget_for(quick, trials)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelCollapseError(f"--out: cannot create the folder {str(out)!r}: {exc.strerror or exc}") from None
    clock = [("start", time.perf_counter())]
    plans = _plan_figures(budget)
    plans.append(_plan_scenarios("builtin", "Built-in scenarios", [builtin(n) for n in builtin_names()],
                                 "Each built-in scenario file, predicted and simulated as written."))
    if user_files:
        plans.append(_plan_scenarios("user", "Your scenarios", user_files,
                                     "Every scenario file of the folder given with --scenarios, predicted and "
                                     "simulated as written."))
    clock.append(("theory", time.perf_counter()))
    rows = _run(plans, budget, seed, jobs, progress)
    clock.append(("simulation", time.perf_counter()))
    sections = []
    for plan, plan_rows in zip(plans, rows):
        figures = ()
        if not plan.unavailable and any(p.kind != "table" for p in plan.panels):
            figures = tuple(draw_section(plan, plan_rows, out))
        sections.append(ReportSection(plan=plan, rows=plan_rows, figures=figures))
    clock.append(("figures", time.perf_counter()))
    scen_dir = out / "scenarios"
    scen_dir.mkdir(exist_ok=True)
    for f in [builtin(n) for n in builtin_names()]:  # to copy and edit (the user's own files stay where they are)
        (scen_dir / f"{f.name}.toml").write_text(f.text, encoding="utf-8")
    settings = {"command": command, "version": _version(),
                "quick": quick, "trials": budget.trials, "seed": seed, "line_points": budget.line_points,
                "scenarios": [f.origin for f in user_files]}
    report = Report(out=out, settings=settings, sections=tuple(sections))
    (out / "results.json").write_text(results_json(report), encoding="utf-8")
    (out / "report.tex").write_text(report_latex(report), encoding="utf-8")
    warnings = [f"section '{s.plan.key}' not available: {s.plan.unavailable}" for s in sections if s.plan.unavailable]
    warnings += [f"scenario {item['origin'] if item['origin'] != 'built-in' else item['name']} not checked: "
                 f"{item['reason']}" for s in sections for item in s.plan.data.get("skipped", [])]
    (out / "report.pdf").unlink(missing_ok=True)  # never leave a stale PDF beside a new report.tex
    warning = _compile_pdf(out) if compile_pdf else None
    if warning:
        warnings.append(warning)
    clock.append(("files and pdf", time.perf_counter()))
    timings = {name: round(t - clock[i][1], 2) for i, (name, t) in enumerate(clock[1:])}
    report = Report(out=out, settings=settings, sections=tuple(sections), pdf=(out / "report.pdf").exists(),
                    warnings=tuple(warnings), timings=timings)
    (out / "report.md").write_text(report_markdown(report), encoding="utf-8")
    return report


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("modelcollapse")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def exit_status(report: Report) -> int:
    """0 if every check passed, 1 otherwise (like ``verify``)."""
    return 0 if summary(report.rows)["all_passed"] else 1
