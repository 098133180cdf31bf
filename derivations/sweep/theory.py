"""The theory points of a sweep: one κ solve per spectrum, then ``predict`` point by point.

The downstream ``κ`` depends on the spectrum's eigenvalues, the ridge and ``T`` only (not on the
teacher, the noise or the generators). So the pending points are grouped by spectrum and every
``(ridge, T)`` of a group is solved in one vectorised pass
(:meth:`~modelcollapse.numerics.kappa_table.KappaTable.presolve`); then each point is the public
``predict`` call it always was, its scalar ``κ`` solves answered from that table inside
:func:`~modelcollapse.numerics.kappa_table.presolved` — the downstream ``κ`` from the grid, the
chains' generator-side ``κ`` (the same ``(λ0, T0)`` at every ridge) solved once and reused.
Every number of a row is bit-identical to ``predict`` without the table (the grid runs the scalar
path element by element; tests/test_sweep_vectorised.py checks every field).

Not grouped (each point solves its own ``κ``, exactly as before): ``precision=`` (mpmath), power
laws that ``predict`` sums by Euler–Maclaurin (``d = inf``, or ``d > 20000`` with a family
teacher), spectra with a zero eigenvalue. Points whose regime needs no downstream ``κ`` (OLS,
ridgeless ``Σ ∝ I``) or that cannot be predicted simply leave their presolved pair unused;
errors are each point's own.
"""

from __future__ import annotations

from modelcollapse.derivations.sweep.points import Task, run_task
from modelcollapse.derivations.sweep.store import canonical_json
from modelcollapse.numerics.backend import FLOAT64
from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.numerics.kappa_table import KappaTable, presolved
from modelcollapse.numerics.scenario import Scenario

__all__ = ["run_theory", "presolve_downstream"]


def presolve_downstream(table: KappaTable, tasks) -> int:
    """Solve the downstream ``κ`` of every float64 theory task, one vectorised call per spectrum.

    Returns the number of vectorised solves. A spectrum whose sums cannot be built here is left
    to its points (they report the reason as their ``error``).
    """
    # by spectrum and teacher: the sums are built as predict builds them (the teacher decides whether a
    # large power law is summed term by term); pairs already solved for equal eigenvalues are skipped
    groups: dict[str, list[Task]] = {}
    for task in tasks:
        groups.setdefault(canonical_json([task.scenario["spectrum"], task.scenario["teacher"]]), []).append(task)
    solves = 0
    for members in groups.values():
        try:
            scenario = Scenario.from_dict(members[0].scenario)
            sums = scenario.spectrum.spectral_sums(scenario.teacher, FLOAT64)
        except ModelCollapseError:
            continue
        ridges = [t.scenario["downstream"]["ridge"] for t in members]
        Ts = [t.scenario["downstream"]["T"] for t in members]
        before = table.grid_solves
        table.presolve(sums, ridges, Ts)
        solves += table.grid_solves - before
    return solves


def run_theory(tasks, *, precision: int | None, done, run=run_task) -> None:
    """Predict every theory task in this process, calling ``done(task, run(task))`` as each finishes.

    ``run`` computes one task's payload (:func:`~.points.run_task`; the engine passes its own).
    """
    tasks = list(tasks)
    if precision is not None or not tasks:  # mpmath: the per-point path (the float64 grid is not its solve)
        for task in tasks:
            done(task, run(task))
        return
    with presolved() as table:
        presolve_downstream(table, tasks)
        for task in tasks:
            done(task, run(task))
