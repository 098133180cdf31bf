"""κ solved once for a whole grid, and answered from there to every scalar solve of the grid.

A sweep predicts many scenarios that share a spectrum: the downstream ``κ`` of every ridge (and
``T``) of one spectrum can be solved in one vectorised pass (:func:`~.fixed_point.solve_kappa_each`),
and the chains' generator-side ``κ`` (the same ``(λ0, T0)`` at every downstream ridge) need solving
only once. Inside :func:`presolved`, every scalar float64 :func:`~.fixed_point.solve_kappa` call on
a finite spectrum is answered from a :class:`KappaTable`:

* a pair presolved with :meth:`KappaTable.presolve` is returned as it was solved in the grid —
  the same ``κ``, iterations and residual as the scalar call, bit for bit (the grid runs the
  scalar path element by element; :func:`~.fixed_point.solve_kappa_each`);
* any other pair is solved by the scalar path and kept, so the next call with the same
  eigenvalues, ``λ``, ``T`` and ``max_iter`` gets the same solution without solving again;
* a pair whose solve fails is not kept: every call raises the scalar path's own
  :class:`~.errors.FixedPointError`.

``predict`` stays the only code that assembles a prediction; the table only saves solves. It
lives in a context variable for the ``with`` block alone (nothing outlives it, threads and other
contexts do not see it). mpmath (``precision=``) and infinite spectra are not affected: their
solves never reach the table.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from modelcollapse.numerics import fixed_point
from modelcollapse.numerics.roots import RootResult

__all__ = ["KappaTable", "presolved"]


class KappaTable:
    """Solutions of ``κ`` by eigenvalues (compared by value), ``(λ, T, max_iter)``.

    Attributes
    ----------
    grid_solves : int
        Vectorised solves run by :meth:`presolve` (one per call that had pairs to solve).
    scalar_solves : int
        Scalar solves run for pairs that were not in the table.
    hits : int
        Calls answered from the table.
    """

    def __init__(self):
        self._groups: list[tuple[np.ndarray, float, dict]] = []  # few spectra per sweep: a linear scan
        self.grid_solves = self.scalar_solves = self.hits = 0

    def _solutions(self, sums) -> dict:
        """The solutions of ``sums``' spectrum: what the scalar path reads of it (eigenvalues, trace)."""
        eigenvalues, trace = sums.eigenvalues, float(sums.trace)
        for reference, reference_trace, solutions in self._groups:
            if (reference.shape == eigenvalues.shape and reference_trace == trace
                    and np.array_equal(reference, eigenvalues)):
                return solutions
        solutions = {}
        self._groups.append((eigenvalues.copy(), trace, solutions))  # a copy: a caller's array may change later
        return solutions

    def presolve(self, sums, ridges, T) -> int:
        """Solve every pair of (broadcast) ``ridges`` and ``T`` on ``sums`` in one vectorised pass.

        Pairs already in the table are skipped; pairs that do not converge are not kept (their
        scalar call raises as without the table). Does nothing (returns 0) where the grid cannot
        reproduce the scalar path (:func:`~.fixed_point.scalar_path_applies`: mpmath, no
        eigenvalue array, a zero eigenvalue, an infinite trace).

        Returns
        -------
        int
            The number of pairs solved.
        """
        if not fixed_point.scalar_path_applies(sums):
            return 0
        r, t = np.broadcast_arrays(np.asarray(ridges, dtype=np.float64), np.asarray(T, dtype=np.float64))
        solutions = self._solutions(sums)
        todo = {}
        for pair in zip(r.reshape(-1).tolist(), t.reshape(-1).tolist()):
            if (*pair, None) not in solutions and pair[0] >= 0 and pair[1] >= 1:
                todo.setdefault(pair, None)
        if not todo:
            return 0
        pairs = list(todo)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a subnormal ridge's quantised steps
            each = fixed_point.solve_kappa_each(sums, np.array([p[0] for p in pairs]),
                                                np.array([p[1] for p in pairs]))
        self.grid_solves += 1
        for i, (ridge, T_i) in enumerate(pairs):
            k, res = each.root[i], float(each.residual_each[i])
            subnormal = 0 < ridge < fixed_point.SMALLEST_NORMAL  # the scalar path may rescale these: solved there
            if each.converged_each[i] and np.isfinite(k) and np.isfinite(res) and not subnormal:
                solutions[(ridge, T_i, None)] = RootResult(root=np.float64(k), iterations=int(each.iterations_each[i]),
                                                           residual=res)
        return len(pairs)

    def solve(self, sums, ridge: float, T: float, max_iter: int | None) -> RootResult:
        """The scalar float64 solve of ``(ridge, T)``: from the table, or solved and kept."""
        solutions = self._solutions(sums)
        key = (ridge, T, max_iter)
        found = solutions.get(key)
        if found is not None:
            self.hits += 1
            return found
        solution = fixed_point._solve_scalar64(sums, ridge, T, max_iter)  # raises: nothing kept
        self.scalar_solves += 1
        solutions[key] = solution
        return solution


@contextmanager
def presolved(table: KappaTable | None = None):
    """Answer the scalar float64 ``κ`` solves inside the block from ``table`` (a new one if None).

    >>> with presolved() as table:                                   # doctest: +SKIP
    ...     table.presolve(sums, ridges, T)
    ...     predictions = [predict(s) for s in scenarios]            # bit-identical to no table
    """
    table = KappaTable() if table is None else table
    token = fixed_point.PRESOLVED.set(table)
    try:
        yield table
    finally:
        fixed_point.PRESOLVED.reset(token)
