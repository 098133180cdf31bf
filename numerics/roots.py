"""Root finders and their one result type, :class:`RootResult`.

Every root finder of the toolkit returns a :class:`RootResult` (root, iterations, residual,
converged: the fields of :class:`scipy.optimize.RootResults`) and raises
:class:`~modelcollapse.theory.errors.FixedPointError`, with its residual and iteration count, when
it does not converge. The one exception is an *elementwise* solve (a grid the caller settles point
by point): it returns every element's fields in the ``*_each`` arrays and raises nothing.

The finders:

* :func:`illinois`: bracketed regula falsi (Illinois variant) in any backend's numbers, for the
  corrected ``κ̂`` equations (:mod:`.overparam`, :mod:`.ridge_chain`);
* :func:`brentq`: :func:`scipy.optimize.brentq` on float64 (the lower spectral edge, :mod:`.finite_size`);
* the effective-ridge equation's safeguarded Halley iteration, :func:`.fixed_point.solve_kappa`
  (scalar, grid, any backend) and :func:`.fixed_point.solve_kappa_each` (elementwise float64 grid),
  kept with the equation it is tuned to;
* the complex ``κ(−z)`` continued by Newton along a contour, :func:`.reused_chain._kappa_along` (the reused
  design's contour integrals): the roots of a path in one :class:`RootResult`, raising at the first node that
  does not converge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.errors import FixedPointError

__all__ = ["RootResult", "illinois", "brentq"]


@dataclass(frozen=True, kw_only=True)
class RootResult:
    """A root and how it was found.

    Attributes
    ----------
    root : backend number or ndarray
        The root (an array for a grid: the shape of the grid; scalar in, scalar out).
    iterations : int
        Iterations used (the maximum over a grid).
    residual : float
        Relative residual of the equation at ``root`` (the largest over a grid), as the finder
        defines it in its docstring.
    converged : bool
        True for every result a finder returns whole (it raises otherwise); for an elementwise
        solve, whether every element converged.
    backend : Backend
        The numbers ``root`` is made of.
    iterations_each, residual_each, converged_each : ndarray or None
        For a grid: each element's own iterations, residual and convergence, shaped like
        ``root``; ``None`` for a scalar solve.

    Examples
    --------
    >>> r = brentq(lambda x: x * x - 2.0, 0.0, 2.0, xtol=1e-15, rtol=1e-15, what="sqrt(2)")
    >>> round(r.root, 12), r.converged, r.residual < 1e-15
    (1.414213562373, True, True)
    """

    root: object
    iterations: int
    residual: float
    converged: bool = True
    backend: Backend = FLOAT64
    iterations_each: np.ndarray | None = None
    residual_each: np.ndarray | None = None
    converged_each: np.ndarray | None = None

    @property
    def kappa(self):
        """``root`` under the name the effective-ridge solver's callers use (``κ``)."""
        return self.root


def illinois(F, u_lo, f_lo, u_hi, f_hi, *, backend: Backend, tol, scale, max_iter: int, what: str) -> RootResult:
    """A root of ``F`` between ``u_lo`` and ``u_hi`` (``F`` of opposite signs there) by the Illinois
    variant of regula falsi: the secant of the bracket, halving the stale end's value when the same
    end moves twice (superlinear, never leaves the bracket).

    Stops when ``|F| <= tol`` or the bracket is a few ulps wide. Source: M. Dowell and P. Jarratt,
    BIT 11 (1971) 168–174.

    Returns
    -------
    RootResult
        ``root = u``, ``residual = |F(u)|/scale``.

    Raises
    ------
    FixedPointError
        Not converged within ``max_iter`` (``what`` names the equation; residual ``|F|/scale``).

    Examples
    --------
    >>> r = illinois(lambda u: u ** 3 - 8, 0.0, -8.0, 3.0, 19.0, backend=FLOAT64, tol=1e-14, scale=8,
    ...              max_iter=100, what="cube root")
    >>> round(float(r.root), 12), r.converged
    (2.0, True)
    """
    eps = backend.eps
    side, f = 0, f_lo
    for it in range(1, max_iter + 1):
        u = (u_lo * f_hi - u_hi * f_lo) / (f_hi - f_lo)
        f = F(u)
        if abs(f) <= tol or abs(u_hi - u_lo) <= 16 * eps * (1 + abs(u)):
            return RootResult(root=u, iterations=it, residual=float(abs(f) / scale), backend=backend)
        if (f < 0) == (f_lo < 0):  # the lower end moves
            u_lo, f_lo = u, f
            if side == 1:
                f_hi = f_hi / 2
            side = 1
        else:
            u_hi, f_hi = u, f
            if side == -1:
                f_lo = f_lo / 2
            side = -1
    raise FixedPointError(f"{what} did not converge", residual=float(abs(f) / scale), iterations=max_iter)


def brentq(f, a: float, b: float, *, xtol: float, rtol: float, scale: float = 1.0, max_iter: int = 100,
           what: str) -> RootResult:
    """:func:`scipy.optimize.brentq` of a float64 ``f`` on ``[a, b]`` (opposite signs at the ends).

    The same root as a plain ``brentq`` call with these tolerances; the residual is
    ``|f(root)|/scale`` (the value ``brentq`` evaluated there).

    Raises
    ------
    FixedPointError
        Not converged within ``max_iter`` (``what`` names the equation).
    ValueError
        ``f(a)`` and ``f(b)`` of the same sign (as ``brentq`` raises).
    """
    seen = {}

    def g(x):
        seen[x] = value = f(x)
        return value

    root, info = scipy.optimize.brentq(g, a, b, xtol=xtol, rtol=rtol, maxiter=max_iter, full_output=True, disp=False)
    value = seen[root] if root in seen else g(root)
    residual = float(abs(value) / scale)
    if not info.converged or not math.isfinite(residual):
        raise FixedPointError(f"{what} did not converge", residual=residual, iterations=info.iterations)
    return RootResult(root=root, iterations=info.iterations, residual=residual)
