"""Generic solver for the effective regularisation ``κ`` (THEORY.md §3.3, §5).

``κ`` solves ``κ − λ = κ df_1(κ)/T``. Written as

    h(κ) = 1 − df_1(κ)/T − λ/κ = 0,

``h`` is strictly increasing in ``κ`` (``df_1`` decreases, ``λ/κ`` decreases) and ``h`` is the
relative residual of the fixed-point equation. The root is unique in
``[max(λ, κ_ridgeless), λ + tr Σ/T]``. At ``λ = 0``: ``T < d`` gives the ridgeless ``κ`` with
``df_1(κ) = T``; ``T >= d`` gives ``κ = 0``.

The solver is a safeguarded Halley iteration in ``u = log κ`` (relative tolerances hold down to
``κ ~ 1e-300``): it uses ``dh/du`` and ``d²h/du²``, which need ``df_1, df_2, df_3``
(``d df_m/du = −m (df_m − df_{m+1})``), kept inside a bracket that shrinks with the sign of
``h``, falling back to a Newton step when the Halley correction is large and to bisection in
``u`` whenever the step leaves the bracket. Once the predicted error is tiny the next pass only
needs a Newton step (``df_1, df_2``). An element stops when ``|h| <= 4 eps (1 + df_1/T + λ/κ)``
(rounding level of the terms that cancel in ``h``) or when its step is below the ulp of ``u``.
If it stops on the residual with a step still above the ulp of ``u`` (ill-conditioned ``h``),
that step is taken too and the residual of the returned ``κ`` is evaluated (one ``df_1`` pass;
if it is worse than at the previous point, that point is returned instead).

Speed (finite spectra): the sums come from one pass over the eigenvalues per iteration, in
cache-sized blocks for all grid points at once, and the iteration starts from the root of a
sketch of the spectrum (every ``d/256``-th eigenvalue, from the middle of each stride, weighted
to total ``d``; about 3e-3 from the root in ``u`` on power laws), solved in float64; from there
it takes two Halley/Newton passes and the residual pass. With mpmath the float64 solution of
the full spectrum is the start, so two or three mpmath passes suffice. Converged elements leave
the iteration and every element takes the step of its own order, so an element follows the same
arithmetic alone or in a grid. Scalar float64 calls run the iteration on Python floats; a float64
grid on a finite spectrum (:func:`solve_kappa_each`) runs that scalar path element by element —
its bracket and sketch start by ``math.log`` (numpy's ``log`` differs from it in the last bit for
~0.3% of arguments), ``|step|³`` by scalar ``pow`` (numpy's array power: ~5%) — so grid and scalar
``κ``, iterations and residuals are bit-identical (tests/test_sweep_vectorised.py and
test_solver.py; checked once on 48 000 random (spectrum, λ, T) with d = 1 … 10⁴). The sweep uses this to solve all
ridges of a spectrum at once (:mod:`modelcollapse.numerics.kappa_table`).
Measured (benchmarks/bench_montecarlo.py, d = 10⁴, 100 ridges): about 1.5e4 solves/s on a
grid, scalar calls faster than a ``brentq`` loop, 2e-15 from it. Accuracy is the conditioning
of ``h`` in float64, ``eps·scale/(dh/du)``: near ``T = d`` at ``λ = 0`` that is ~1e-12
relative (measured 3.5e-13 against 40 digits at ``d = 3000, T = 2999``); use mpmath there.

Float64 and mpmath run through the same code (a :class:`Backend`); infinite spectra
(:mod:`modelcollapse.numerics.infinite`) through their ``df(κ, m)``, from the midpoint of the
bracket.
"""

from __future__ import annotations

import math
from contextvars import ContextVar

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.errors import FixedPointError
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.roots import RootResult

__all__ = ["solve_kappa", "solve_kappa_each", "scalar_path_applies", "kappa_equation", "PRESOLVED",
           "SMALLEST_NORMAL"]

#: The table that answers scalar float64 solves, set only inside
#: :func:`modelcollapse.numerics.kappa_table.presolved` (a context variable: nothing outlives the block).
PRESOLVED: ContextVar = ContextVar("modelcollapse_presolved_kappa", default=None)


def kappa_equation(df1, df2, df3, ridge, T, kappa):
    """The ``κ`` equation in ``u = log κ``: ``(h, dh/du, d²h/du², scale)``.

    ``h = 1 − df_1/T − λ/κ``, ``dh/du`` and ``d²h/du²`` are the registered results
    ``kappa_residual``, ``kappa_residual_log_slope`` and ``kappa_residual_log_curvature``
    (derived in :mod:`modelcollapse.theory.collapse`, lambdified once). ``scale = 1 + df_1/T + λ/κ``
    is the size of the terms that cancel in ``h`` (its rounding level; the solver's own business).
    ``df2``/``df3`` may be ``None`` (then so are the derivatives that need them). Works
    elementwise on float64 arrays, numpy object arrays of mpf, and scalars.
    """
    h = _RESIDUAL(kappa, ridge, df1, T)
    dh = None if df2 is None else _SLOPE(kappa, ridge, df1, df2, T)
    d2h = None if df3 is None else _CURVATURE(kappa, ridge, df1, df2, df3, T)
    return h, dh, d2h, 1 + df1 / T + ridge / kappa


_RESIDUAL = formula("kappa_residual")
_SLOPE = formula("kappa_residual_log_slope")
_CURVATURE = formula("kappa_residual_log_curvature")


_SKETCH_SIZE = 256  # eigenvalues in the start-up sketch
_SKETCH_TOL_U = 1e-2  # a last step below this puts u within ~1e-6 of the sketch root, itself ~3e-3 from the root


def _spectrum_moments(lam: np.ndarray, weight, b: Backend):
    """``(κ, order) ↦ (df_1, df_2, df_3)`` of ``weight · Σ_j (λ_j/(λ_j+κ))^m`` for ``m <= order``
    (``None`` above), one pass over the spectrum per block of ``κ`` (:meth:`Backend.ratio_power_sums`)."""
    def moments(kappa, order):
        return b.ratio_power_sums(lam, kappa, order, weight)
    return moments


def _sums_moments(sums):
    def moments(kappa, order):
        return tuple(sums.df(kappa, m + 1) if m < order else None for m in range(3))
    return moments


def _next_order(b: Backend, predicted):
    """Sums the next evaluation needs, from the predicted error ``p`` (in ``u``) of the new point:
    ``p <= sqrt(1e-4 eps)``: a Newton step (``df_1, df_2``) takes it to rounding level, otherwise
    a Halley step (``df_1 … df_3``)."""
    t2 = b.sqrt(b.eps * b.scalar("1e-4"))
    if isinstance(predicted, np.ndarray):
        return np.where(np.asarray(predicted <= t2, dtype=bool), 2, 3)
    return 2 if predicted <= t2 else 3


def _halley(moments, b: Backend, ridge, T, u, u_lo, u_hi, *, max_iter: int, tol_u):
    """Safeguarded Halley in ``u = log κ`` for every element (module docstring).

    ``tol_u`` is the absolute step tolerance in ``u`` of a loose stage (``None``: converge to the
    ulp of ``u`` and the rounding-level residual). Each evaluation computes only the sums its
    step needs (:func:`_next_order`); each element takes the step of its own order (a Newton
    element in a pass that computes ``df_3`` for others still takes its Newton step), so an
    element's arithmetic does not depend on the other elements of the grid. Returns
    ``(u, h, iterations, converged)`` with ``h`` evaluated at the returned ``u`` (converged
    elements keep their evaluated point) and ``iterations`` per element.
    """
    u, u_lo, u_hi = u.copy(), u_lo.copy(), u_hi.copy()
    n = len(u)
    h_at = np.empty(n, dtype=u.dtype)
    h_at[:] = b.inf
    order = np.full(n, 3)
    u_prev = u.copy()
    polish = np.zeros(n, dtype=bool)
    converged = np.zeros(n, dtype=bool)
    iterations = np.zeros(n, dtype=np.int64)
    idx = np.arange(n)
    eps = b.eps
    it = 0
    while idx.size and it < max_iter:
        it += 1
        iterations[idx] = it
        ui, lo, hi = u[idx], u_lo[idx], u_hi[idx]
        oi = order[idx]
        o = int(oi.max())
        k = b.exp(ui)
        h, dh, d2h, scale = kappa_equation(*moments(k, o), ridge[idx], T[idx], k)
        h_at[idx] = h
        pos = np.asarray(h > 0, dtype=bool)
        u_hi[idx] = hi = b.where(pos, ui, hi)
        u_lo[idx] = lo = b.where(pos, lo, ui)
        small = np.asarray(abs(h) <= 4 * eps * scale, dtype=bool)
        step = h / dh
        predicted = step * step
        if o == 3:
            corr = h * d2h / (2 * dh * dh)
            halley_ok = (oi == 3) & np.asarray(abs(corr) <= 0.5, dtype=bool)
            step = b.where(halley_ok, step / b.where(halley_ok, 1 - corr, 1), step)
            predicted = b.where(halley_ok, b.ipow(abs(step), 3), step * step)
        un = ui - step
        outside = np.asarray(un < lo, dtype=bool) | np.asarray(un > hi, dtype=bool)
        un = b.where(outside, (lo + hi) / 2, un)
        order[idx] = np.where(outside, 3, _next_order(b, predicted))
        if tol_u is None:
            tol = 4 * eps * np.maximum(1, abs(ui))  # elementwise on float64 and on mpf objects alike
            tiny = ~outside & np.asarray(abs(un - ui) <= tol, dtype=bool)
            stop = small | tiny | np.asarray(hi - lo <= tol, dtype=bool)
            # converged with a step above the ulp of u (ill-conditioned h): take that step too
            step_on = stop & ~outside & ~tiny
            polish[idx] = step_on
            u[idx] = b.where(stop & ~step_on, ui, un)
            u_prev[idx] = ui
        else:
            stop = ~outside & np.asarray(abs(un - ui) <= tol_u, dtype=bool)
            u[idx] = un  # loose stage: take the last step, no residual needed
        converged[idx[stop]] = True
        idx = idx[~stop]
    if tol_u is None and (converged & polish).any():  # residual of a stepped point; the previous one if better
        c = np.flatnonzero(converged & polish)  # (the unconverged report the residual of their last evaluation)
        k = b.exp(u[c])
        h_new = kappa_equation(moments(k, 1)[0], None, None, ridge[c], T[c], k)[0]
        worse = np.asarray(abs(h_new) > abs(h_at[c]), dtype=bool)
        u[c] = b.where(worse, u_prev[c], u[c])
        h_at[c] = b.where(worse, h_at[c], h_new)
    return u, h_at, iterations, converged


def _sketch_of(lam64: np.ndarray):
    """``(sketch, weight)``: every ``stride``-th eigenvalue from the middle of each stride (a
    midpoint-rule sample), weighted so that the weights total ``d``; ``None`` for ``d < 32``,
    where the full sums cost no more than the sketch."""
    d = len(lam64)
    if d < 32:
        return None
    stride = max(2, d // _SKETCH_SIZE)
    sketch = np.ascontiguousarray(lam64[stride // 2::stride])
    return sketch, d / len(sketch)


def _sketch_start(lam64: np.ndarray, ridge64: np.ndarray, T64: np.ndarray, u_mid):
    """Float64 root of the equation on the sketch of the spectrum (start of the solve)."""
    d = len(lam64)
    sk = _sketch_of(lam64)
    if sk is None:
        return u_mid
    sketch, weight = sk
    moments = _spectrum_moments(sketch, weight, FLOAT64)
    hi = np.log(ridge64 + weight * sketch.sum() / T64)
    lo_ridgeless = sketch.min() * np.maximum(d - T64, 1) / T64 / 2
    lo = np.log(np.where(ridge64 > 0, ridge64, lo_ridgeless))
    u0 = (lo + hi) / 2
    u, _, _, _ = _halley(moments, FLOAT64, ridge64, T64, u0, lo, hi, max_iter=100, tol_u=_SKETCH_TOL_U)
    return u


def solve_kappa(sums, ridge, T, *, max_iter: int | None = None) -> RootResult:
    """Solve ``κ − λ = κ df_1(κ)/T`` for every pair of (broadcast) ``ridge`` and ``T``.

    Parameters
    ----------
    sums : SpectralSums or InfiniteSums
        Provides ``df(κ, m)``, ``d``, ``trace``, ``min_eigenvalue`` and ``backend`` (and, for
        finite spectra, ``eigenvalues``, which the fast path sums directly).
    ridge : float or array_like
        ``λ >= 0``.
    T : int or array_like
        Downstream sample size(s), ``T >= 1``.
    max_iter : int, optional
        Iteration cap at the working precision (default 400 for float64, ``200 + 10·dps`` for
        mpmath).

    Returns
    -------
    RootResult
        ``root`` is ``κ`` (same shape as the broadcast of ``ridge`` and ``T``; scalar in, scalar
        out; also as ``.kappa``). ``iterations``: the maximum over the grid at the working
        precision, the start-up iterations on the sketch (and, for mpmath, in float64) not
        counted. ``residual``: the largest relative residual ``|κ − λ − κ df_1(κ)/T| / κ`` (0
        where ``κ = 0`` exactly). For a grid (array in), ``iterations_each`` and ``residual_each``
        give each element's own (0 and 0.0 where ``κ = 0`` exactly).

    Raises
    ------
    FixedPointError
        If an element has not converged within ``max_iter`` iterations, or the bracket cannot be
        established (carries the residual).
    """
    b: Backend = sums.backend
    scalar_in = np.ndim(ridge) == 0 and np.ndim(T) == 0
    lam = getattr(sums, "eigenvalues", None)
    float64_finite = lam is not None and isinstance(lam, np.ndarray) and lam.dtype == b.dtype == np.float64
    if scalar_in and float64_finite:
        table = PRESOLVED.get()
        if table is not None:  # inside numerics.kappa_table.presolved(): answered from (or kept in) its table
            return table.solve(sums, float(ridge), float(T), max_iter)
        return _solve_scalar64(sums, float(ridge), float(T), max_iter)
    lam_r, T_arr = np.broadcast_arrays(np.asarray(ridge, dtype=object), np.asarray(T, dtype=object))
    lam_r = b.array(lam_r).reshape(-1)
    T_arr = b.array(T_arr).reshape(-1)
    shape = np.broadcast(np.asarray(ridge), np.asarray(T)).shape
    if np.asarray(lam_r < 0, dtype=bool).any() or np.asarray(T_arr < 1, dtype=bool).any():
        raise ValueError("solve_kappa: need ridge >= 0 and T >= 1")
    if float64_finite and scalar_path_applies(sums):
        return _grid_solution(sums, lam_r, T_arr, shape, max_iter)
    d = sums.d
    zero = b.scalar(0)
    if max_iter is None:
        max_iter = b.iteration_cap(400, 200)

    # κ = 0 exactly: ridgeless and under-parameterised.
    exact_zero = np.asarray(lam_r == 0, dtype=bool) & np.asarray(T_arr >= d, dtype=bool)
    kappa = np.full(lam_r.shape, zero, dtype=lam_r.dtype)
    active = ~exact_zero
    its_each, res_each = np.zeros(lam_r.shape, dtype=np.int64), np.zeros(lam_r.shape)
    if not active.any():
        if scalar_in:
            return RootResult(root=kappa.reshape(shape)[()], iterations=0, residual=0.0, backend=b)
        return RootResult(root=kappa.reshape(shape), iterations=0, residual=0.0, backend=b,
                          iterations_each=its_each.reshape(shape), residual_each=res_each.reshape(shape))
    lr, Ta = lam_r[active], T_arr[active]

    # Bracket [lo, hi] with h(lo) < 0 <= h(hi): h(λ + trΣ/T) >= 0 since df_1(κ) <= trΣ/κ.
    hi = lr + sums.trace / Ta
    lmin = sums.min_eigenvalue
    finite = np.isfinite(float(d))
    # λ = 0, T < d: df_1(lo) >= d λ_min/(λ_min + lo) > T at lo = λ_min (d − T)/(2T), so h(lo) < 0.
    ridgeless_lo = (lmin * (d - Ta) / Ta) / 2 if finite and float(lmin) > 0 else hi * b.scalar(1e-3)
    lo = b.array(np.where(np.asarray(lr > 0, dtype=bool), lr, ridgeless_lo))
    if not (finite and float(lmin) > 0):  # infinite spectra: widen downwards until h(lo) < 0
        h_lo = kappa_equation(sums.df(lo, 1), None, None, lr, Ta, lo)[0]
        for _ in range(2000):
            bad = np.asarray(h_lo >= 0, dtype=bool)
            if not bad.any():
                break
            lo = b.where(bad, lo / 16, lo)
            h_lo = kappa_equation(sums.df(lo, 1), None, None, lr, Ta, lo)[0]
        else:
            raise FixedPointError("could not bracket the effective ridge κ from below",
                                  residual=float(np.max(np.abs(b.to_float(h_lo)))), iterations=0)
    u_lo, u_hi = b.log(lo), b.log(hi)
    u = (u_lo + u_hi) / 2

    if lam is not None and finite:
        moments = _spectrum_moments(lam, 1, b)
        u = _start(lam, lr, Ta, u, u_lo, u_hi, b)
    else:
        moments = _sums_moments(sums)

    u, h, its, converged = _halley(moments, b, lr, Ta, u, u_lo, u_hi, max_iter=max_iter, tol_u=None)
    it = int(its.max())
    residual = float(np.max(np.abs(np.asarray(b.to_float(h), dtype=float))))
    if not converged.all():
        raise FixedPointError("effective ridge κ did not converge", residual=residual, iterations=it)
    kappa[active] = b.exp(u)
    if not math.isfinite(residual) or not np.all(np.isfinite(np.asarray(b.to_float(kappa), dtype=float))):
        raise FixedPointError("effective ridge κ is not finite", residual=residual, iterations=it)
    out = kappa.reshape(shape)
    if scalar_in:
        return RootResult(root=out[()], iterations=it, residual=residual, backend=b)
    its_each[active] = its
    res_each[active] = np.abs(np.asarray(b.to_float(h), dtype=float))
    return RootResult(root=out, iterations=it, residual=residual, backend=b, iterations_each=its_each.reshape(shape),
                      residual_each=res_each.reshape(shape))


def _start(lam, lr, Ta, u_mid, u_lo, u_hi, b: Backend):
    """Starting ``u``: the sketch root (float64), refined on the full spectrum in float64 for mpmath.

    Falls back to the bracket midpoint wherever the float64 start is not strictly inside the
    working-precision bracket (float64 cannot represent the spectrum, or the sketch is poor).
    """
    with np.errstate(all="ignore"):
        lam64 = np.asarray(b.to_float(lam), dtype=float)
        r64 = np.asarray(b.to_float(lr), dtype=float)
        T64 = np.asarray(b.to_float(Ta), dtype=float)
        if not (np.all(np.isfinite(lam64)) and np.all(lam64 > 0)):
            return u_mid
        u64 = _sketch_start(lam64, r64, T64, np.asarray(b.to_float(u_mid), dtype=float))
        if b != FLOAT64:  # float64 solve of the full spectrum: the mpmath iteration then starts at ~1e-16
            lo64 = np.asarray(b.to_float(u_lo), dtype=float)
            hi64 = np.asarray(b.to_float(u_hi), dtype=float)
            inside = (u64 > lo64) & (u64 < hi64)
            u64 = np.where(inside, u64, (lo64 + hi64) / 2)
            u64, _, _, _ = _halley(_spectrum_moments(lam64, 1, FLOAT64), FLOAT64, r64, T64, u64, lo64, hi64,
                                   max_iter=100, tol_u=None)
    start = b.array(u64)
    inside = np.isfinite(u64) & np.asarray(start > u_lo, dtype=bool) & np.asarray(start < u_hi, dtype=bool)
    return b.where(inside, start, u_mid)


# -- float64 scalar calls: the same iteration on Python floats (numpy's per-call overhead on
# one-element arrays would cost more than the pass over the spectrum) -------------------------

def _scalar_moments(lam: np.ndarray, weight: float):
    """Same sums, in the same order, as one row of :func:`_spectrum_moments` (bit-identical)."""
    def moments(k: float, order: int):
        a = lam / (lam + k)
        s1 = a.sum()
        s2 = s3 = None
        if order >= 2:
            a2 = a * a
            s2 = a2.sum()
            if order >= 3:
                s3 = (a2 * a).sum()
        if weight != 1:
            s1, s2, s3 = s1 * weight, None if s2 is None else s2 * weight, None if s3 is None else s3 * weight
        return s1, s2, s3
    return moments


def _halley_scalar(moments, ridge: float, T: float, u: float, lo: float, hi: float, *, max_iter: int, tol_u):
    """:func:`_halley` for one element, on Python floats: ``(u, h, iterations, converged)``."""
    eps = FLOAT64.eps
    h = math.inf
    order = 3
    for it in range(1, max_iter + 1):
        k = float(np.exp(u))
        h, dh, d2h, scale = kappa_equation(*moments(k, order), ridge, T, k)
        if h > 0:
            hi = u
        else:
            lo = u
        small = abs(h) <= 4 * eps * scale
        # A residual flat to rounding (dh == 0, e.g. at a subnormal ridge) gives no Newton step:
        # an infinite one, which the bracket turns into bisection (no 0/0, no warning).
        flat = dh == 0
        step = math.inf if flat else h / dh
        predicted = step * step
        if order == 3 and not flat:
            corr = h * d2h / (2 * dh * dh)
            if abs(corr) <= 0.5:
                step = step / (1 - corr)
                predicted = abs(step) ** 3
        un = u - step
        outside = un < lo or un > hi
        if outside:
            un = (lo + hi) / 2
        order = 3 if outside else _next_order(FLOAT64, predicted)
        if tol_u is None:
            tol = 4 * eps * max(1.0, abs(u))
            tiny = not outside and abs(un - u) <= tol
            if small or tiny or hi - lo <= tol:
                if outside or tiny:
                    return u, float(h), it, True
                k = float(np.exp(un))  # the last step too, with the residual of the returned point
                h_new = kappa_equation(moments(k, 1)[0], None, None, ridge, T, k)[0]
                return (un, float(h_new), it, True) if abs(h_new) <= abs(h) else (u, float(h), it, True)
        elif not outside and abs(un - u) <= tol_u:
            return un, float(h), it, True
        u = un
    return u, float(h), max_iter, False


def _solve_scalar64(sums, ridge: float, T: float, max_iter: int | None) -> RootResult:
    if not (ridge >= 0 and T >= 1):
        raise ValueError("solve_kappa: need ridge >= 0 and T >= 1")
    lam = sums.eigenvalues
    d = len(lam)
    if max_iter is None:
        max_iter = 400
    if ridge == 0 and T >= d:
        return RootResult(root=np.float64(0.0), iterations=0, residual=0.0)
    if 0 < ridge < SMALLEST_NORMAL:  # few significant bits: solved on the spectrum scaled by a power of two
        scaled = _solve_scaled_subnormal(sums, ridge, T, max_iter)
        if scaled is not None:
            return scaled
    lmin = float(sums.min_eigenvalue)
    # an eigenvalue below float64's range (a steep power law at large d) is 0 here: bracket from the smallest float
    u_lo = math.log(ridge if ridge > 0 else max(lmin * (d - T) / T / 2, 5e-324))
    u_hi = math.log(ridge + float(sums.trace) / T)
    u = (u_lo + u_hi) / 2
    sk = _sketch_of(lam) if lmin > 0 and math.isfinite(float(sums.trace)) else None
    if sk is not None:
        sketch, weight = sk
        s_hi = math.log(ridge + weight * float(sketch.sum()) / T)
        s_lo = math.log(ridge if ridge > 0 else float(sketch.min()) * max(d - T, 1) / T / 2)
        us, _, _, ok = _halley_scalar(_scalar_moments(sketch, weight), ridge, T, (s_lo + s_hi) / 2, s_lo, s_hi,
                                      max_iter=100, tol_u=_SKETCH_TOL_U)
        if ok and u_lo < us < u_hi:
            u = us
    u, h, it, ok = _halley_scalar(_scalar_moments(lam, 1), ridge, T, u, u_lo, u_hi, max_iter=max_iter, tol_u=None)
    residual = abs(h)
    if not ok:
        raise FixedPointError("effective ridge κ did not converge", residual=residual, iterations=it)
    kappa = np.exp(np.float64(u))
    if not (math.isfinite(residual) and math.isfinite(kappa)):
        raise FixedPointError("effective ridge κ is not finite", residual=residual, iterations=it)
    return RootResult(root=kappa, iterations=it, residual=residual)


SMALLEST_NORMAL = 2.2250738585072014e-308  # below it a ridge is subnormal (fewer significant bits)


def _solve_scaled_subnormal(sums, ridge: float, T: float, max_iter: int) -> RootResult | None:
    """The solve of a subnormal ``λ`` on the spectrum scaled by a power of two (``None`` if it cannot be).

    A subnormal ``κ`` has few significant bits (``5e-324`` has one), so ``λ/κ`` in the residual is
    quantised and the iteration cannot converge (``d = 2, T = 10⁶, λ = 5e-324``: residual 2e-6 after
    400 iterations). The equation ``1 − df_1(κ)/T − λ/κ = 0`` is invariant under ``(λ_j, λ, κ) → c(λ_j, λ, κ)``;
    with ``c = 2^k`` the scaling is exact, so the scaled problem is solved in normal numbers and ``κ/c``
    returned (rounded to the subnormal grid; the residual is the scaled solve's, the relative residual
    of the equation itself). Scalar float64 calls only: a grid (:func:`solve_kappa_each`) solves a subnormal
    ridge unscaled (``λ = 3e-320``: residual 2e-6), so the sweep's table keeps none and asks the scalar path.
    """
    lam = sums.eigenvalues
    k = math.ceil(-math.log2(ridge)) - 500  # c·λ ≈ 2^-500: far from both ends of the float64 range
    if not math.isfinite(float(np.max(lam))) or math.log2(float(np.max(lam))) + k >= 1000:
        return None  # the largest eigenvalue would overflow
    scaled = type(sums)(np.ldexp(lam, k), None, FLOAT64)
    solution = _solve_scalar64(scaled, math.ldexp(ridge, k), T, max_iter)
    return RootResult(root=np.float64(math.ldexp(float(solution.root), -k)), iterations=solution.iterations,
                      residual=solution.residual)


# -- float64 grids on finite spectra: the scalar path, element by element, vectorised -------------

def scalar_path_applies(sums) -> bool:
    """Whether :func:`solve_kappa_each` reproduces the scalar float64 path on ``sums``: float64
    eigenvalues, all ``> 0``, with a finite trace (the scalar path's sketch start and bracket)."""
    lam = getattr(sums, "eigenvalues", None)
    return (isinstance(lam, np.ndarray) and lam.dtype == sums.backend.dtype == np.float64 and len(lam) > 0
            and float(sums.min_eigenvalue) > 0 and math.isfinite(float(sums.trace)))


def solve_kappa_each(sums, ridge: np.ndarray, T: np.ndarray, *, max_iter: int | None = None):
    """Every element of a float64 grid solved as a scalar :func:`solve_kappa` call would solve it.

    The same bracket and sketch start (``math.log`` of the same Python floats), the same Halley
    steps per element (:func:`_halley` takes each element's own order; ``|step|³`` by scalar
    ``pow``), the same sums (one blocked pass, a row of which is summed as the scalar pass sums
    it): so each ``κ``, iteration count and residual is bit for bit the scalar call's, and one
    pass over the spectrum serves the whole grid. Needs :func:`scalar_path_applies`.

    Parameters
    ----------
    ridge, T : 1-d float64 arrays of the same length (``λ >= 0``, ``T >= 1``, not checked here)

    Returns
    -------
    RootResult
        Elementwise (raises nothing): ``root`` the 1-d array of ``κ``, ``iterations_each``,
        ``residual_each`` (``|h|`` at the returned ``κ``) and ``converged_each`` per element;
        ``iterations``, ``residual``, ``converged`` their maximum / maximum / all. The scalar call
        raises :class:`FixedPointError` where an element did not converge (iterations ``max_iter``)
        or its ``κ``/residual is not finite.
    """
    lam = sums.eigenvalues
    d, n = len(lam), len(ridge)
    max_iter = 400 if max_iter is None else max_iter
    kappa, residual = np.zeros(n), np.zeros(n)
    iterations, converged = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
    active = np.flatnonzero(~((ridge == 0) & (T >= d)))  # κ = 0 exactly: ridgeless and under-parameterised
    if not active.size:
        return _each(kappa, iterations, residual, converged)
    lmin, trace = float(sums.min_eigenvalue), float(sums.trace)
    pairs = list(zip(ridge[active].tolist(), T[active].tolist()))  # Python floats, as the scalar path has them
    r, t = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    u_lo = np.array([math.log(x if x > 0 else lmin * (d - tt) / tt / 2) for x, tt in pairs])
    u_hi = np.array([math.log(x + trace / tt) for x, tt in pairs])
    u = (u_lo + u_hi) / 2
    sk = _sketch_of(lam)
    if sk is not None:
        sketch, weight = sk
        s_sum, s_min = float(sketch.sum()), float(sketch.min())
        s_hi = np.array([math.log(x + weight * s_sum / tt) for x, tt in pairs])
        s_lo = np.array([math.log(x if x > 0 else s_min * max(d - tt, 1) / tt / 2) for x, tt in pairs])
        us, _, _, done = _halley(_spectrum_moments(sketch, weight, FLOAT64), FLOAT64, r, t, (s_lo + s_hi) / 2,
                                 s_lo, s_hi, max_iter=100, tol_u=_SKETCH_TOL_U)
        u = np.where(done & (u_lo < us) & (us < u_hi), us, u)
    u, h, its, done = _halley(_spectrum_moments(lam, 1, FLOAT64), FLOAT64, r, t, u, u_lo, u_hi,
                              max_iter=max_iter, tol_u=None)
    with np.errstate(over="ignore", invalid="ignore"):
        kappa[active] = np.exp(u)
    residual[active] = np.abs(h)
    iterations[active] = its  # an element that did not converge ran to max_iter, as the scalar call reports
    converged[active] = done
    return _each(kappa, iterations, residual, converged)


def _each(kappa, iterations, residual, converged) -> RootResult:
    """The elementwise result of :func:`solve_kappa_each` (aggregates: the worst element)."""
    return RootResult(root=kappa, iterations=int(iterations.max(initial=0)),
                      residual=float(np.max(residual, initial=0.0)),
                      converged=bool(converged.all()), iterations_each=iterations, residual_each=residual,
                      converged_each=converged)


def _grid_solution(sums, ridge, T, shape, max_iter) -> RootResult:
    """:func:`solve_kappa` of a float64 grid on a finite spectrum (raises as before: the worst residual)."""
    each = solve_kappa_each(sums, ridge, T, max_iter=max_iter)
    kappa, its, res = each.root, each.iterations_each, each.residual_each
    residual, it = float(np.max(res)), int(its.max())
    if not each.converged:
        raise FixedPointError("effective ridge κ did not converge", residual=residual, iterations=it)
    if not (math.isfinite(residual) and np.all(np.isfinite(kappa))):
        raise FixedPointError("effective ridge κ is not finite", residual=residual, iterations=it)
    return RootResult(root=kappa.reshape(shape), iterations=it, residual=residual, iterations_each=its.reshape(shape),
                      residual_each=res.reshape(shape))

