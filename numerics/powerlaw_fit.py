"""Capacity and source exponents ``(β, r)`` of a spectrum and teacher, fitted (THEORY.md §3.12).

The paper's real-data experiment (Dohmatob, Feng & Kempe 2024, Appendix D.2) sets its ridge from the
``(β, r)`` of the data. This module measures them from any finite spectrum ``λ_1 ≥ … ≥ λ_d`` and
teacher energies ``w_j = λ_j c_j²``:

* **β**: least-squares line of ``log λ_j`` against ``log j`` over an index window ``[lo, hi]``, the
  indices taken on a geometric grid (every decade weighs the same), ``λ_j ≈ A j^(−β)``.
* **r**: the tail energy ``S(k) = Σ_{k<j≤hi} w_j ≍ k^(−2βr)``. Inside a finite window the tail of
  ``w_j = C j^(−1−s)`` is exactly ``C (ζ(1+s, k+1) − ζ(1+s, hi+1))`` (Hurwitz ζ): that model, with
  ``C`` fitted in closed form and ``s`` by a bounded one-dimensional least squares in ``log S``, is
  exact for the source teacher (no truncation bias at the window's end); then ``r = s/(2β)``.

Default window (stated in the result): ``lo = max(2, ⌈d^{1/4}⌉)`` skips the head (the top modes of a
kernel are not on the law), ``hi`` is the largest ``j ≤ d/2`` with ``λ_j ≥ 10⁻¹⁰ λ_1`` (the numerical
floor and the finite-``N`` fall-off of an empirical spectrum's last half stay out).

Uncertainty and goodness of fit (both reported, neither hidden):

* ``*_stderr``: the least-squares standard error from the residuals (assumes independent residuals,
  so it understates the error of a smoothly curved spectrum);
* ``*_spread``: the difference between the exponents fitted on the window's lower and upper halves
  (in ``log j``): the systematic part, zero for an exact power law;
* ``*_rms``: root-mean-square residual of the fit in natural-log units; ``beta_r2`` its ``R²``.
* ``uncertainty = hypot(stderr, spread/2)``.

Verdict: ``good`` when ``beta_rms ≤ 0.15`` and ``beta_spread ≤ 0.25 β`` (and the same for ``s``, with
``r_rms ≤ 0.25``); otherwise ``poor`` with the reason. **No power-law range** (refused,
``NotCoveredError``): fewer than :data:`MIN_POINTS` indices in the window, ``β ≤ 0.05`` (a flat
spectrum), ``beta_rms > 0.5`` or ``beta_spread > β`` (no straight range at all); for ``r``, a
teacher with no energy in the window's tail.

Measured: exact power laws (``d = 2000``, β ∈ [1.1, 4], r ∈ [0.1, 2]) recover β and r to 1e-6;
the digits (``tests/test_powerlaw_fit.py``) give finite values with ``poor``/``good`` stated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelcollapse.theory.errors import NotCoveredError, ScenarioError

__all__ = ["PowerLawFit", "powerlaw_fit", "fit_scenario", "default_window", "MIN_POINTS", "FLOOR"]

MIN_POINTS = 10  # fewer distinct indices in the window: no fit
FLOOR = 1e-10  # eigenvalues below FLOOR·λ_1 are the numerical floor
_GRID = 200  # geometric grid of indices in the window (fewer when the window is short)
_GOOD_RMS, _GOOD_SPREAD, _GOOD_R_RMS = 0.15, 0.25, 0.25
_NONE_RMS = 0.5
_S_BOUNDS = (1e-3, 40.0)


@dataclass(frozen=True, kw_only=True)
class PowerLawFit:
    """``λ_j ≈ amplitude · j^(−β)`` and ``Σ_{j>k} λ_j c_j² ≍ k^(−2βr)`` over ``window`` (module docstring).

    ``r`` and its measures are ``None`` when no teacher was given. ``window`` is 1-based and
    inclusive; ``points`` the number of distinct indices fitted.
    """

    beta: float
    beta_stderr: float
    beta_spread: float
    beta_rms: float
    beta_r2: float
    amplitude: float
    r: float | None
    r_stderr: float | None
    r_spread: float | None
    r_rms: float | None
    window: tuple[int, int]
    points: int
    d: int
    verdict: str
    reasons: tuple[str, ...] = ()

    @property
    def beta_uncertainty(self) -> float:
        return math.hypot(self.beta_stderr, self.beta_spread / 2)

    @property
    def r_uncertainty(self) -> float | None:
        return None if self.r is None else math.hypot(self.r_stderr, self.r_spread / 2)

    @property
    def good(self) -> bool:
        return self.verdict == "good"

    def ell_crit(self) -> float:
        """``ℓ_crit = β/(1 + 2β min(r, 1))`` of the fitted exponents (needs a teacher)."""
        if self.r is None:
            raise NotCoveredError("ell_crit needs r: fit with the teacher's energies")
        if self.beta <= 1:
            raise NotCoveredError(f"ell_crit: the fitted beta = {self.beta:.3g} <= 1 is outside the scaling laws' "
                                  "domain (beta > 1)")
        return self.beta / (1 + 2 * self.beta * min(self.r, 1.0))

    def to_dict(self) -> dict:
        out = {"beta": self.beta, "beta_stderr": self.beta_stderr, "beta_spread": self.beta_spread,
               "beta_uncertainty": self.beta_uncertainty, "beta_rms": self.beta_rms, "beta_r2": self.beta_r2,
               "amplitude": self.amplitude, "r": self.r, "r_stderr": self.r_stderr, "r_spread": self.r_spread,
               "r_uncertainty": self.r_uncertainty, "r_rms": self.r_rms, "window": list(self.window),
               "points": self.points, "d": self.d, "verdict": self.verdict, "reasons": list(self.reasons)}
        if self.r is not None and self.beta > 1:
            out["ell_crit"] = self.ell_crit()
        return out


def default_window(eigenvalues) -> tuple[int, int]:
    """``(lo, hi)``: ``lo = max(2, ⌈d^{1/4}⌉)``, ``hi`` the last ``j ≤ d/2`` above ``FLOOR·λ_1`` (1-based)."""
    lam = np.asarray(eigenvalues, dtype=float)
    d = len(lam)
    lo = max(2, math.ceil(d ** 0.25))
    above = np.nonzero(lam[: d // 2] >= FLOOR * lam[0])[0]
    hi = int(above[-1]) + 1 if len(above) else 0
    return lo, hi


def _grid(lo: int, hi: int) -> np.ndarray:
    return np.unique(np.round(np.geomspace(lo, hi, _GRID)).astype(int))


def _line(x: np.ndarray, y: np.ndarray):
    """Slope, intercept, slope standard error and residuals of the least-squares line ``y ≈ a + b x``."""
    xc = x - x.mean()
    sxx = float(xc @ xc)
    b = float(xc @ (y - y.mean())) / sxx
    a = float(y.mean() - b * x.mean())
    res = y - a - b * x
    dof = max(len(x) - 2, 1)
    return b, a, math.sqrt(float(res @ res) / dof / sxx), res


def _halves(idx: np.ndarray, fit) -> float:
    """``|fit(lower half) − fit(upper half)|`` of the window, split at its middle in ``log j``."""
    mid = math.sqrt(idx[0] * idx[-1])
    low, high = idx[idx <= mid], idx[idx >= mid]
    if len(low) < 4 or len(high) < 4:
        return 0.0
    return abs(fit(low) - fit(high))


def _tail_model(s: float, k: np.ndarray, hi: int) -> np.ndarray:
    """``ζ(1+s, k+1) − ζ(1+s, hi+1) = Σ_{k<j≤hi} j^(−1−s)`` (exact)."""
    from scipy.special import zeta

    return zeta(1 + s, k + 1.0) - zeta(1 + s, hi + 1.0)


def _fit_tail(k: np.ndarray, log_tail: np.ndarray, hi: int):
    """``s`` minimising the residual of ``log S(k) = log C + log(tail model)``; ``(s, stderr, residuals)``."""
    from scipy.optimize import minimize_scalar

    def residuals(s):
        m = np.log(_tail_model(s, k, hi))
        diff = log_tail - m
        return diff - diff.mean()

    best = minimize_scalar(lambda s: float(residuals(s) @ residuals(s)), bounds=_S_BOUNDS, method="bounded",
                           options={"xatol": 1e-10})
    s = float(best.x)
    res = residuals(s)
    h = 1e-6 * max(s, 1e-3)
    jac = (np.log(_tail_model(s + h, k, hi)) - np.log(_tail_model(s - h, k, hi))) / (2 * h)
    jac = jac - jac.mean()
    dof = max(len(k) - 2, 1)
    stderr = math.sqrt(float(res @ res) / dof / max(float(jac @ jac), 1e-300))
    return s, stderr, res


def powerlaw_fit(eigenvalues, weights=None, *, window: tuple[int, int] | None = None) -> PowerLawFit:
    """Fit ``λ_j ≈ A j^(−β)`` and, given the teacher's energies ``w_j = λ_j c_j²``, ``Σ_{j>k} w_j ≍ k^(−2βr)``.

    Parameters
    ----------
    eigenvalues : array_like
        ``λ_j > 0`` (any order; sorted descending here, the weights with them).
    weights : array_like, optional
        ``w_j = λ_j c_j² >= 0`` in the same order as ``eigenvalues``; without them ``r`` is ``None``.
    window : (int, int), optional
        1-based inclusive index window ``(lo, hi)``; default :func:`default_window`.

    Returns
    -------
    PowerLawFit

    Raises
    ------
    ScenarioError
        Non-finite or non-positive eigenvalues, weights of the wrong length or negative, a window
        outside ``1..d`` (key ``spectrum`` / ``teacher`` / ``window``).
    NotCoveredError
        Too few eigenvalues in the window, or no power-law range (module docstring), saying which.

    Examples
    --------
    >>> j = np.arange(1, 2001.0)
    >>> fit = powerlaw_fit(j ** -1.5, j ** (-1 - 2 * 1.5 * 0.4))
    >>> round(fit.beta, 6), round(fit.r, 6), fit.verdict
    (1.5, 0.4, 'good')
    """
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    if lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ScenarioError("spectrum", "powerlaw-fit needs finite positive eigenvalues")
    order = np.argsort(-lam, kind="stable")
    lam = lam[order]
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != lam.shape or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ScenarioError("teacher",
                                f"expected {lam.size} finite energies lambda_j c_j^2 >= 0, one per eigenvalue")
        w = w[order]
    d = lam.size
    lo, hi = default_window(lam) if window is None else window
    if window is not None and not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo < hi <= d):
        raise ScenarioError("window", f"expected integers 1 <= lo < hi <= d = {d}, got {window!r}")
    idx = _grid(lo, hi) if hi >= lo else np.arange(0)
    if len(idx) < MIN_POINTS:
        where = (f"the default window [{lo}, {hi}] of d = {d} (it skips the head, j >= max(2, d^(1/4)), and keeps "
                 f"j <= d/2 above {FLOOR:g} lambda_1)" if window is None else f"the window [{lo}, {hi}] given")
        raise NotCoveredError(f"spectrum: too few eigenvalues for a power-law fit: {len(idx)} distinct "
                              f"{'index' if len(idx) == 1 else 'indices'} in {where}; at least {MIN_POINTS} needed")
    x, y = np.log(idx), np.log(lam[idx - 1])

    def slope(ii):
        return -_line(np.log(ii), np.log(lam[ii - 1]))[0]

    b, a, b_se, res = _line(x, y)
    beta = -b + 0.0  # no "-0"
    rms = math.sqrt(float(res @ res) / len(res))
    total = float(((y - y.mean()) @ (y - y.mean())))
    r2 = 1.0 - float(res @ res) / total if total > 0 else 0.0
    spread = _halves(idx, slope)
    if beta <= 0.05:
        raise NotCoveredError(f"spectrum: no power-law decay in the window [{lo}, {hi}]: fitted beta = {beta:.3g} "
                              f"(a flat or increasing spectrum has no capacity exponent)")
    if rms > _NONE_RMS or spread > beta:
        raise NotCoveredError(f"spectrum: no power-law range in the window [{lo}, {hi}]: log-residual rms {rms:.3g} "
                              f"(limit {_NONE_RMS}), slopes of the two halves differ by {spread:.3g} "
                              f"(beta = {beta:.3g})")
    reasons = []
    if rms > _GOOD_RMS:
        reasons.append(f"beta: log-residual rms {rms:.3g} > {_GOOD_RMS}")
    if spread > _GOOD_SPREAD * beta:
        reasons.append(f"beta: the halves' slopes differ by {spread:.3g} > {_GOOD_SPREAD} x beta")
    if beta <= 1:
        reasons.append(f"beta = {beta:.3g} <= 1: outside the scaling laws' domain (beta > 1), no ell_crit")
    r = r_se = r_spread = r_rms = None
    if w is not None:
        tail = np.cumsum(w[:hi][::-1])[::-1]  # tail[k] = Σ_{k<j≤hi} w_j (0-based: tail[k] sums w_{k+1..hi})
        tail = np.append(tail, 0.0)[1:]  # tail[k-1] = Σ_{j>k, j≤hi} w_j for k = 1..hi
        k = idx[idx < hi]
        S = tail[k - 1]
        if len(k) < MIN_POINTS or np.any(S <= 0):
            raise NotCoveredError(f"teacher: no energy tail to fit in the window [{lo}, {hi}] "
                                  "(the energies lambda_j c_j^2 beyond index "
                                  f"{int(k[np.argmax(S <= 0)]) if np.any(S <= 0) else lo} vanish)")
        s, s_se, s_res = _fit_tail(k, np.log(S), hi)
        r = s / (2 * beta)
        r_se = r * math.hypot(s_se / s, b_se / beta)
        s_spread = _halves(k, lambda kk: _fit_tail(kk, np.log(tail[kk - 1]), hi)[0])
        r_spread = r * math.hypot(s_spread / s, spread / beta)
        r_rms = math.sqrt(float(s_res @ s_res) / len(s_res))
        if s >= _S_BOUNDS[1] * 0.999 or s <= _S_BOUNDS[0] * 1.001:
            reasons.append(f"r: the tail exponent 2 beta r = {s:.3g} is at the edge of the fitted range {_S_BOUNDS}")
        if r_rms > _GOOD_R_RMS:
            reasons.append(f"r: log-residual rms of the tail {r_rms:.3g} > {_GOOD_R_RMS}")
        if s_spread > _GOOD_SPREAD * s:
            reasons.append(f"r: the halves' tail exponents differ by {s_spread:.3g} > {_GOOD_SPREAD} x (2 beta r = "
                           f"{s:.3g})")
    return PowerLawFit(beta=beta, beta_stderr=b_se, beta_spread=spread, beta_rms=rms, beta_r2=r2,
                       amplitude=math.exp(a), r=r, r_stderr=r_se, r_spread=r_spread, r_rms=r_rms,
                       window=(int(lo), int(hi)), points=int(len(idx)), d=d,
                       verdict="good" if not reasons else "poor", reasons=tuple(reasons))


def fit_scenario(scenario, *, window: tuple[int, int] | None = None) -> PowerLawFit:
    """:func:`powerlaw_fit` of a scenario's spectrum and teacher (``d`` finite).

    Raises
    ------
    ScenarioError
        ``spectrum.d = inf`` (no list of eigenvalues to fit; its exponents are the scenario's own).
    """
    spectrum = scenario.spectrum
    if not spectrum.is_finite:
        raise ScenarioError("spectrum.d", "powerlaw-fit needs a finite list of eigenvalues (d = 'inf' is an exact "
                                          f"power law with beta = {spectrum.beta})")
    underflow = getattr(spectrum, "underflow_index", lambda: None)()
    if underflow is not None:  # λ_j = j^(−β) stored as 0 (or subnormal) from there: no logarithm to fit
        raise ScenarioError("spectrum.beta", f"powerlaw-fit needs every eigenvalue in float64's range: lambda_j = "
                                             f"j^(-{spectrum.beta:g}) is below 2.2e-308 from j = {underflow} on "
                                             f"(d = {spectrum.d}; its exponent is the scenario's own beta)")
    lam = np.asarray(spectrum.eigenvalues(), dtype=float)
    weights = np.asarray(scenario.teacher.weights(spectrum), dtype=float)
    return powerlaw_fit(lam, weights, window=window)
