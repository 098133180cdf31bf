"""``modelcollapse report``: every headline result derived, evaluated and checked by simulation.

Data flow (ARCHITECTURE.md): the registered sections (:mod:`.sections`) and the user's scenario
files -> plans with theory curves and the points to simulate, each carrying its prediction ->
every simulation under one progress bar -> check rows (theory, simulation, SE, z, pass/fail) ->
figures, report.tex (+ PDF when pdflatex is installed), then the :class:`Report`, assembled once,
-> results.json and report.md. Everything is written into a hidden sibling of ``out`` that
replaces it only when complete (:func:`modelcollapse.derivations.atomic.staged_folder`).

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
from pathlib import Path

from modelcollapse.derivations.atomic import check_replaceable, staged_folder
from modelcollapse.derivations.report.figures import draw_section
from modelcollapse.derivations.report.model import (
    Budget,
    CheckRow,
    Report,
    ReportSection,
    SectionPlan,
    SimPoint,
    check_seed,
)
from modelcollapse.derivations.report.sections import SECTIONS
from modelcollapse.derivations.report.sections.scenarios import plan_user
from modelcollapse.derivations.report.writers import report_latex, report_markdown, results_json, summary
from modelcollapse.derivations.scenario_files import builtin, builtin_names, load_folder
from modelcollapse.derivations.simulation import SimulationError, check_simulable, simulation_result
from modelcollapse.derivations.verify import compare, rounding_floor
from modelcollapse.numerics.errors import ModelCollapseError

__all__ = ["build_report", "budget_for", "plan_sections", "simulate_plans", "exit_status", "QUICK_TRIALS",
           "FULL_TRIALS"]

QUICK_TRIALS = 50
FULL_TRIALS = 100


def budget_for(quick: bool, trials: int | None = None) -> Budget:
    return Budget(quick=quick, trials=trials or (QUICK_TRIALS if quick else FULL_TRIALS),
                  line_points=41 if quick else 81)


def plan_sections(budget: Budget, sections=None) -> list[SectionPlan]:
    """Plan ``sections`` (default: every registered one); one whose theory cannot be computed is
    *unavailable*, saying why."""
    plans = []
    for section in SECTIONS if sections is None else sections:
        try:
            plan = dataclasses.replace(section.plan(budget), title=section.title)
        except ModelCollapseError as exc:
            plan = SectionPlan(key=section.key, title=section.title, unavailable=str(exc))
        plans.append(plan)
    return plans


def _point_id(plan: SectionPlan, point: SimPoint) -> str:
    """``section/series/x`` in plain text (it names the check and seeds its simulation)."""
    series = "".join(ch for ch in point.series if ch not in "$\\{}")
    return f"{plan.key}/{series}" + ("" if point.x != point.x else f"/{point.x:.6g}")


def _row(plan: SectionPlan, point: SimPoint, sim) -> CheckRow:
    x = None if point.x != point.x else point.x  # NaN -> None (scenario rows have no abscissa)
    return CheckRow(id=_point_id(plan, point), section=plan.key, series=point.series, x=x, label=point.label,
                    scenario=point.scenario.to_dict(),
                    check=compare(point.prediction, sim, floor=rounding_floor(point.scenario)), point=point)


def simulate_plans(plans, budget: Budget, seed: int, jobs: int, progress: bool,
                   client=None) -> list[tuple[CheckRow, ...]]:
    """Simulate every point of every plan; one tuple of check rows per plan, in the order of its points.

    The simulations run through the sweep's engine (:func:`modelcollapse.derivations.sweep.engine.execute`):
    one task per point, on ``jobs`` local processes or a Dask cluster (``client``). Each point's seed is
    its check's (:func:`check_seed`) and each simulation is single-process, so no number depends on
    ``jobs``, ``client`` or the order in which the tasks finish.
    """
    from tqdm import tqdm

    from modelcollapse.derivations.sweep.engine import execute
    from modelcollapse.derivations.sweep.points import simulation_task

    tasks = {}
    for plan in plans:
        for point in plan.points:
            check_simulable(point.scenario)
            tasks[id(point)] = simulation_task(point.scenario.to_dict(), trials=point.trials or budget.trials,
                                               seed=check_seed(seed, _point_id(plan, point)), estimator=None)
    results = {}
    with tqdm(total=len(tasks), unit="point", desc="simulating", file=sys.stderr, disable=not progress,
              dynamic_ncols=True, mininterval=0.5) as bar:
        def done(task, payload):
            results[task.key] = payload
            bar.update(1)

        execute(list({t.key: t for t in tasks.values()}.values()), jobs=jobs, client=client, done=done)
    rows_per_plan = []
    for plan in plans:
        rows = []
        for point in plan.points:
            payload = results[tasks[id(point)].key]
            if "error" in payload:
                raise SimulationError(f"{_point_id(plan, point)}: {payload['error']}")
            rows.append(_row(plan, point, simulation_result(payload)))
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
        # pdflatex echoes T1-encoded text (e.g. "§" as byte 0x9f) in its box warnings: not UTF-8
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, errors="replace", timeout=300)
        if proc.returncode != 0:
            tail = " | ".join(proc.stdout.strip().splitlines()[-6:])
            return f"pdflatex failed on report.tex: {tail}"
        shutil.copy(Path(tmp) / "report.pdf", out / "report.pdf")
    return None


def _draw_all(sections, stage: Path, jobs: int) -> list:
    """Every section's figures (file names per section): one task per figure on ``jobs`` processes.

    The figures are independent (matplotlib ``Figure`` objects, no global state), so drawing them in
    parallel writes the same files as drawing them in turn.
    """
    todo = [i for i, s in enumerate(sections)
            if not s.plan.unavailable and any(p.kind != "table" for p in s.plan.panels)]
    names = [()] * len(sections)
    if jobs == 1 or len(todo) <= 1:
        for i in todo:
            names[i] = tuple(draw_section(sections[i], stage))
        return names
    from modelcollapse.derivations.sweep.engine import fork_context
    from modelcollapse.numerics.workers import worker_pool

    with worker_pool(min(jobs, len(todo)), fork_context()) as pool:
        for i, drawn in zip(todo, pool.map(draw_section, [sections[i] for i in todo], [stage] * len(todo))):
            names[i] = tuple(drawn)
    return names


def _write(stage: Path, plans, rows, settings: dict, clock: list, compile_pdf: bool, out: Path,
           jobs: int = 1) -> Report:
    sections = [ReportSection(plan=plan, rows=plan_rows) for plan, plan_rows in zip(plans, rows)]
    sections = [dataclasses.replace(s, figures=f) for s, f in zip(sections, _draw_all(sections, stage, jobs))]
    clock.append(("figures", time.perf_counter()))
    scen_dir = stage / "scenarios"
    scen_dir.mkdir()
    for f in [builtin(n) for n in builtin_names()]:  # to copy and edit (the user's own files stay where they are)
        (scen_dir / f"{f.name}.toml").write_text(f.text, encoding="utf-8")
    (stage / "report.tex").write_text(report_latex(settings, sections), encoding="utf-8")
    warnings = [f"section '{s.plan.key}' not available: {s.plan.unavailable}" for s in sections if s.plan.unavailable]
    warnings += [f"scenario {item['origin'] if item['origin'] != 'built-in' else item['name']} not checked: "
                 f"{item['reason']}" for s in sections for item in s.plan.data.get("skipped", [])]
    warning = _compile_pdf(stage) if compile_pdf else None
    if warning:
        warnings.append(warning)
    clock.append(("files and pdf", time.perf_counter()))
    timings = {name: round(t - clock[i][1], 2) for i, (name, t) in enumerate(clock[1:])}
    report = Report(out=out, settings=settings, sections=tuple(sections), pdf=(stage / "report.pdf").exists(),
                    warnings=tuple(warnings), timings=timings)
    (stage / "results.json").write_text(results_json(report), encoding="utf-8")
    (stage / "report.md").write_text(report_markdown(report), encoding="utf-8")
    return report


def build_report(out: str | Path, *, quick: bool = False, trials: int | None = None, seed: int = 0, jobs: int = 1,
                 client=None,
                 scenarios: str | Path | None = None, progress: bool = False, compile_pdf: bool = True,
                 command: str = "modelcollapse report") -> Report:
    """Run every section, simulate every check and write the report into ``out``.

    ``out`` is replaced only once the new report is complete: until then it holds the previous
    report (or does not exist), whatever interrupts the run.

    Raises
    ------
    ScenarioFileError
        A file in ``scenarios`` is invalid (before anything is computed).
    ModelCollapseError
        ``out`` cannot be written, or exists and is not a previous report.
    """
    user_files = load_folder(scenarios) if scenarios is not None else []
    budget = budget_for(quick, trials)
    out = Path(out)
    try:
        check_replaceable(out)  # before the long run, not after it
    except OSError as exc:
        raise ModelCollapseError(f"--out: {exc}") from None
    clock = [("start", time.perf_counter())]
    plans = plan_sections(budget)
    if user_files:
        plans.append(plan_user(user_files))
    clock.append(("theory", time.perf_counter()))
    rows = simulate_plans(plans, budget, seed, jobs, progress, client=client)
    clock.append(("simulation", time.perf_counter()))
    settings = {"command": command, "version": _version(),
                "quick": quick, "trials": budget.trials, "seed": seed, "line_points": budget.line_points,
                "scenarios": [f.origin for f in user_files]}
    try:
        with staged_folder(out) as stage:
            return _write(stage, plans, rows, settings, clock, compile_pdf, out, jobs=jobs)
    except OSError as exc:
        raise ModelCollapseError(f"--out: cannot write the report to {str(out)!r}: {exc.strerror or exc}") from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("modelcollapse")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def exit_status(report: Report) -> int:
    """0 if every check passed, 1 otherwise (like ``verify``)."""
    return 0 if summary(report.rows)["all_passed"] else 1
