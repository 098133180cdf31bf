"""Spectral sums of power-law spectra, ``λ_j = j^(−β)``, for ``d = ∞`` and large finite ``d``.

Every sum the deterministic equivalents need is a multiple of

    S_{γ,m}(κ) = Σ_{j=1}^{d} f(j),     f(x) = x^(−γ) (1 + κ x^β)^(−m),

* ``df_m(κ) = Σ (λ_j/(λ_j+κ))^m = S_{0,m}``;
* source teacher, ``λ_j c_j² = norm · j^(−1−2βr)/Z`` (``Z = ζ(1+2βr)``, or ``Σ_{j<=d} j^(−1−2βr)``
  for finite ``d``): ``Σ λ_j c_j²/(λ_j+κ)² = (norm/Z) S_{1+2βr−2β, 2}``;
* isotropic teacher (finite ``d``), ``λ_j c_j² = norm λ_j/tr Σ``: ``(norm/tr Σ) S_{−β, 2}``.

Method (THEORY.md §5: ``mpmath.nsum`` is silently wrong on these sums, and brute-force truncation
is hopeless for ``β`` near 1). The head ``j < N`` is summed term by term; the rest, ``j = N..d``, by
the Euler–Maclaurin formula

    Σ_{j=N}^{d} f(j) = ∫_N^d f + (f(N) + f(d))/2 + Σ_{k=1}^{p} B_{2k}/(2k)! (f^{(2k−1)}(d) − f^{(2k−1)}(N)) + R_p,

(``f(∞) = 0`` and its derivatives vanish). ``f`` is analytic off the negative axis and the poles
``κ x^β = −1`` at angles ``±π/β``, so every point ``x >= N`` is at least ``ρ = s·N`` from a
singularity, ``s = 1`` for ``β <= 2`` and ``sin(π/β)`` above; the ``k``-th correction is about
``(2k−1)!/(2πρ)^{2k}`` and ``N`` is chosen so that ``2πρ`` is 1.5 times ``D ln 10`` (``D`` the
working digits), uniformly in ``κ``. The derivatives come from the Taylor coefficients of
``f(N(1+q))`` (binomial series and J.C.P. Miller's recurrence for the power of a series).
The integral is exact: with ``t = κx^β``, ``a = (1−γ)/β``, ``c = m − a > 0``,

    ∫_{x1}^{x2} f dx = κ^(−a)/β ∫_{1/(1+t2)}^{1/(1+t1)} s^(c−1) (1−s)^(a−1) ds,

an incomplete beta integral (valid for any sign of ``a``, i.e. any source exponent ``r``), split at
``s = 1/2`` into two binomial series that converge at least like ``2^(−k)``; the series near
``s = 1`` uses ``expm1`` so that ``a + k ≈ 0`` (e.g. the logarithm at ``r = 1``) is exact.

The result is accurate to the backend's precision (float64: about 1e-15 relative; mpmath: all
``dps`` digits, computed with guard digits). ``κ`` may be a scalar or a 1-d array; the float64
path is vectorised over ``κ``. Sources: Euler–Maclaurin summation (DLMF 2.10.1), Bach 2023 for
the sums themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.teachers.base import Teacher
from modelcollapse.theory.errors import FixedPointError, NotCoveredError, ScenarioError

__all__ = ["PowerLawSums", "infinite_power_law_sums", "power_sum"]

_GUARD_DIGITS = 12
_FLOAT_DIGITS = 18  # target of the float64 series (a little beyond the rounding unit)
_REF = mpmath.MPContext()  # private context for the few float64 constants taken from mpmath
_REF.dps = 30


# -- arithmetic of one precision, on 1-d arrays ---------------------------------------------------

class _Float:
    """float64 arithmetic on numpy arrays."""

    digits = _FLOAT_DIGITS
    ctx = _REF  # constants (ζ, Bernoulli) taken from mpmath a few digits beyond float64
    dtype = np.float64
    plan_digits = None  # the series plan of float64 is one for all precisions

    @staticmethod
    def exact(x):
        """A series parameter as the plan takes it (rounded to float64)."""
        return float(x)

    def num(self, x):
        return float(x)

    def array(self, x):
        return np.asarray(x, dtype=np.float64)

    exp, log, expm1 = staticmethod(np.exp), staticmethod(np.log), staticmethod(np.expm1)

    @staticmethod
    def power(x, p):
        return np.power(x, p)

    @staticmethod
    def bernoulli(n):
        return float(_REF.bernoulli(n))

    @staticmethod
    def scalar_power(x, p):
        with np.errstate(over="ignore"):
            return float(np.power(np.float64(x), np.float64(p)))

    @staticmethod
    def f_value(t, x, m, gamma):
        with np.errstate(over="ignore"):
            return np.exp(-m * np.log1p(t) - float(gamma) * math.log(x))


class _Mp:
    """mpmath arithmetic (a private context with guard digits) on numpy object arrays."""

    dtype = object

    def __init__(self, dps: int):
        self.ctx = mpmath.MPContext()
        self.ctx.dps = dps
        self.digits = self.plan_digits = dps
        c = self.ctx
        self.exp = np.frompyfunc(c.exp, 1, 1)
        self.log = np.frompyfunc(c.log, 1, 1)
        self.expm1 = np.frompyfunc(c.expm1, 1, 1)
        self._pow = np.frompyfunc(c.power, 2, 1)

    def num(self, x):
        return self.ctx.mpf(x)

    @staticmethod
    def exact(x):
        """A series parameter as the plan takes it (exact: γ stays a working number)."""
        return x

    def array(self, x):
        arr = np.asarray(x, dtype=object)
        out = np.empty(arr.shape, dtype=object)
        out.reshape(-1)[:] = [self.ctx.mpf(v) for v in arr.reshape(-1)]
        return out

    def power(self, x, p):
        return self._pow(x, p)

    def bernoulli(self, n):
        return self.ctx.bernoulli(n)

    def scalar_power(self, x, p):
        return self.num(x) ** p

    def f_value(self, t, x, m, gamma):
        return (1 + t) ** (-m) * self.num(x) ** (-gamma)


def _binomials(ops, alpha, count: int) -> list:
    """``binom(α, k)`` for ``k = 0..count−1`` (``α`` real)."""
    out = [ops.num(1)]
    for k in range(1, count):
        out.append(out[-1] * (alpha - (k - 1)) / k)
    return out


def _scalar_power(ops, x, p):
    """``x^p`` of one number; float64 overflows to ``inf`` (Python's ``float ** float`` raises)."""
    return ops.scalar_power(x, p)


def _f_value(ops, t, x, m, gamma):
    """``(1 + t)^(−m) x^(−γ)`` (``t = κx^β``); float64 in logarithms, so that ``0 · inf`` never occurs
    (at ``x = 10^7`` a source teacher's ``x^(−γ)`` exceeds float64 while ``(1 + t)^(−m)`` underflows)."""
    return ops.f_value(t, x, m, gamma)


def _odds(t):
    """``t/(1 + t)``, 1 at ``t = inf`` (float64; ``inf/inf`` would be NaN)."""
    with np.errstate(invalid="ignore"):
        return (
            np.where(np.isinf(t), 1.0, t / (1 + t)) if isinstance(t, np.ndarray) and t.dtype != object else t / (1 + t)
        )


def _lt(x, y) -> np.ndarray:
    return np.asarray(x < y).astype(bool)


# -- the sum S_{γ,m}(κ) ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Plan:
    """κ-independent ingredients of ``S_{γ,m}`` at one precision."""

    beta: object
    gamma: object
    m: int
    a: object  # (1 − γ)/β
    c: object  # m − a > 0
    N: int  # head is j = 1..N−1
    p: int  # Euler–Maclaurin corrections k = 1..p
    n_int: int  # terms of each incomplete-beta series
    head_jb: np.ndarray  # j^β, j < N
    head_jg: np.ndarray  # j^(−γ), j < N
    bin_beta: list  # binom(β, k)
    bin_gamma: list  # binom(−γ, k)
    coef_u: np.ndarray  # binom(c − 1, k)(−1)^k, k < n_int
    coef_s: np.ndarray  # binom(a − 1, k)(−1)^k/(c + k)
    inv_z: np.ndarray  # 1/(a + k) (0 where |a + k| < 1: those terms use expm1)
    small_z: tuple  # the k with |a + k| < 1
    em_coef: list  # B_{2k}/(2k)
    miller: list  # miller[k][i−1] = ((1−m)i − k)/k · binom(β, i), i = 1..k


def _em_parameters(beta: float, digits: int) -> tuple[int, int]:
    """Head size ``N`` and number ``p`` of Euler–Maclaurin corrections for ``digits`` digits.

    ``ρ = s·N`` is the distance from ``[N, ∞)`` to the nearest singularity of ``f``; the ``k``-th
    correction is bounded by about ``2 (2k−1)!/(2πρ)^{2k}`` times ``2πρ·f`` (Cauchy estimate).
    """
    s = 1.0 if beta <= 2 else math.sin(math.pi / beta)
    target = digits * math.log(10)
    N = max(8, math.ceil(1.5 * target / (2 * math.pi * s)) + 2)
    x = 2 * math.pi * s * N
    for k in range(1, 4 * N):
        if math.lgamma(2 * k) - 2 * k * math.log(x) + math.log(2 * x) < -target:
            return N, k
    raise AssertionError("Euler–Maclaurin parameters not found")  # cannot happen: N makes the minimum e^(-1.5 target)


@lru_cache(maxsize=64)
def _plan(beta: float, gamma: float, m: int, dps: int | None) -> _Plan:
    ops = _Float() if dps is None else _Mp(dps)
    b, g = ops.num(beta), ops.num(gamma)
    a = (1 - g) / b
    c = m - a
    if not c > 0:
        raise NotCoveredError(f"power_sum: the sum diverges unless m − (1−γ)/β > 0, got γ={gamma}, m={m}, β={beta}")
    N, p = _em_parameters(beta, ops.digits)
    n_int = math.ceil(ops.digits * math.log2(10)) + 8
    j = ops.array(np.arange(1, N, dtype=np.float64))
    bin_beta = _binomials(ops, b, 2 * p)
    return _Plan(
        beta=b, gamma=g, m=m, a=a, c=c, N=N, p=p, n_int=n_int,
        head_jb=ops.power(j, b), head_jg=ops.power(j, -g),
        bin_beta=bin_beta, bin_gamma=ops.array(_binomials(ops, -g, 2 * p)),
        coef_u=ops.array([v * (-1) ** k for k, v in enumerate(_binomials(ops, c - 1, n_int))]),
        coef_s=ops.array([v * (-1) ** k / (c + k) for k, v in enumerate(_binomials(ops, a - 1, n_int))]),
        inv_z=ops.array([0 if abs(float(a + k)) < 1 else 1 / (a + k) for k in range(n_int)]),
        small_z=tuple(k for k in range(n_int) if abs(float(a + k)) < 1),
        em_coef=[ops.bernoulli(2 * k) / (2 * k) for k in range(1, p + 1)],
        miller=[None] + [ops.array([bin_beta[i] * ((1 - m) * i - k) / k for i in range(1, k + 1)])
                         for k in range(1, 2 * p)],
    )


def _em_correction(ops, plan: _Plan, x0, t):
    """``Σ_{k=1}^{p} B_{2k}/(2k)! f^{(2k−1)}(x0)`` for every ``t = κ x0^β``, and its last term.

    ``f(x0(1+q)) = x0^(−γ)(1+t)^(−m) (1+q)^(−γ) (1 + τ Σ_{i>=1} binom(β,i) q^i)^(−m)``, ``τ = t/(1+t)``;
    the coefficients ``F_n`` of ``q^n`` give ``f^{(n)}(x0) = n! F_n x0^(−n) · x0^(−γ)(1+t)^(−m)``.
    ``(1 + τB(q))^(−m)`` by Miller's recurrence ``P_k = τ Σ_{i=1}^{k} ((1−m)i − k)/k binom(β,i) P_{k−i}``.
    (Arrays are always the left operand: ``mpf * ndarray`` is very slow in mpmath.)
    """
    K = 2 * plan.p
    tau = _odds(t)
    P = np.empty((K,) + tau.shape, dtype=tau.dtype)
    P[0] = tau * 0 + 1
    for k in range(1, K):
        P[k] = tau * (P[k - 1::-1] * plan.miller[k][:, None]).sum(axis=0)
    x0 = ops.num(x0)
    terms = [(P[n::-1] * plan.bin_gamma[: n + 1, None]).sum(axis=0) * (plan.em_coef[k - 1] * x0 ** (1 - 2 * k))
             for k in range(1, plan.p + 1) for n in (2 * k - 1,)]
    pre = _f_value(ops, t, x0, plan.m, plan.gamma)
    return sum(terms[1:], terms[0]) * pre, terms[-1] * pre


def _powers(x: np.ndarray, count: int) -> np.ndarray:
    """Rows ``x^0, x^1, …, x^(count−1)`` (shape ``(count,) + x.shape``), for float or object arrays."""
    out = np.empty((count,) + x.shape, dtype=x.dtype)
    out[0] = x * 0 + 1
    out[1:] = x
    return np.multiply.accumulate(out, axis=0)


def _integral(ops, plan: _Plan, kappa, x1, x2) -> np.ndarray:
    """``∫_{x1}^{x2} f(x) dx`` (``x2`` an integer or ``inf``), through the incomplete beta integral.

    ``κ^(−a)/β ∫_{s2}^{s1} s^(c−1)(1−s)^(a−1) ds`` (``s = 1/(1+t)``) split at ``s = 1/2``:
    near ``s = 1`` in ``u = 1 − s = t/(1+t)``, ``Σ_k binom(c−1,k)(−1)^k κ^(−a)(uB^(a+k) − uA^(a+k))/(a+k)``
    with ``κ^(−a)u^a = (u/κ)^a`` and, for ``|a+k| < 1``, the difference written as
    ``uA^(a+k) expm1((a+k) ln(uB/uA))``; near ``s = 0``, ``Σ_k binom(a−1,k)(−1)^k κ^(−a)(sA^(c+k) − sB^(c+k))/(c+k)``.
    Both series converge at least like ``2^(−k)``; they are summed as one vectorised block.
    """
    beta, a, c = plan.beta, plan.a, plan.c
    half = ops.num(1) / 2
    one = ops.num(1)
    t1 = kappa * _scalar_power(ops, x1, beta)
    finite = x2 != math.inf
    t2 = kappa * _scalar_power(ops, x2, beta) if finite else None
    u1 = _odds(t1)
    uB = np.where(_lt(t2, one), _odds(t2), half) if finite else t1 * 0 + half
    empty_u = ~_lt(u1, uB)
    uA = np.where(empty_u, uB, u1)  # empty u-part: uA = uB gives exactly 0
    sA = np.where(_lt(t1, one), t1 * 0 + half, 1 / (1 + t1))
    sB = np.where(_lt(1 / (1 + t2), sA), 1 / (1 + t2), sA) if finite else t1 * 0
    n = plan.n_int
    # u-part
    powA, powB = _powers(uA, n), _powers(uB, n)
    A_A, A_B = ops.power(uA / kappa, a), ops.power(uB / kappa, a)
    diff = (powB * A_B - powA * A_A) * plan.inv_z[:, None]
    L = ops.log(uB / uA)
    for k in plan.small_z:  # |a + k| < 1: no cancellation
        z = a + k
        diff[k] = powA[k] * A_A * (ops.expm1(L * z) / z if z != 0 else L)
    u_part = (diff * plan.coef_u[:, None]).sum(axis=0)
    # s-part
    ka = ops.power(kappa, -a)
    SA = _powers(sA, n) * (ka * ops.power(sA, c))
    SB = _powers(sB, n) * (ka * ops.power(sB, c)) if finite else 0
    s_part = ((SA - SB) * plan.coef_s[:, None]).sum(axis=0)
    return (u_part + s_part) / beta


#: above this ``β·ln N`` (``N`` the Euler–Maclaurin head) the plan's ``N^β`` leaves float64 (``e^709``): a steep power
#: law, whose sums are their first terms (:func:`_steep_head`)
_STEEP_LOG = 600.0
_STEEP_TERMS = 64


def _is_steep(beta: float, digits: int) -> bool:
    return float(beta) * math.log(_em_parameters(float(beta), digits)[0]) > _STEEP_LOG


def _steep_head(kappa, *, beta: float, gamma, m: int, d, ops) -> int:
    """``J`` such that ``Σ_{j>=J} f(j)`` is below ``10^−(digits+2)`` of ``f(1)`` for every ``κ`` (``J <= d + 1``).

    ``f(j) = j^(−γ)(1 + κj^β)^(−m) <= κ^(−m) j^(−s)``, ``s = γ + mβ > 1``, so the tail from ``J`` is at most
    ``κ^(−m) J^(−s) (1 + J/(s − 1))`` (the first term plus the integral); ``f(1) = (1 + κ)^(−m)``. Compared
    in logarithms (``J^(−s)`` underflows at once for ``β = 1000``).

    Raises
    ------
    ScenarioError
        ``spectrum.beta``: no ``J <= 64`` bounds the tail at the smallest ``κ`` (a steep power law at a ``κ``
        so small that ``κ j^β`` stays below 1 beyond 64 terms).
    """
    s_exp = float(gamma) + m * float(beta)
    k_min = min(float(ops.ctx.log(v)) if ops.dtype is object else math.log(float(v)) for v in kappa)
    log_f1 = -m * math.log1p(math.exp(k_min)) if k_min < 700 else -m * k_min
    target = log_f1 - (ops.digits + 2) * math.log(10)
    for J in range(2, _STEEP_TERMS + 1):
        if d != math.inf and J > d:
            return int(d) + 1  # every term summed: exact
        if -m * k_min - s_exp * math.log(J) + math.log1p(J / (s_exp - 1)) <= target:
            return J
    raise ScenarioError("spectrum.beta", (
        f"beta = {beta:g}: the power-law sums at kappa = 10^{k_min / math.log(10):.5g} need more than "
        f"{_STEEP_TERMS} terms of lambda_j = j^(-beta), and Euler–Maclaurin's head N^beta leaves float64 "
        f"(beta ln N > {_STEEP_LOG:g}); use a smaller beta or a larger ridge"))


def power_sum(kappa, *, beta: float, gamma: float, m: int, d=math.inf, ops=None, check: bool = True):
    """``S_{γ,m}(κ) = Σ_{j=1}^{d} j^(−γ)(1+κ j^β)^(−m)`` for a 1-d array of ``κ > 0``.

    Parameters
    ----------
    kappa : ndarray
        1-d array (float64, or object array of ``mpf`` of ``ops.ctx``), every entry ``> 0``.
    beta, gamma, m :
        ``β > 1``, ``γ`` real, ``m >= 1`` integer with ``m − (1−γ)/β > 0`` (convergence at ``d = ∞``).
    d : int or inf
    ops : _Float or _Mp
        The arithmetic (default float64).

    Returns
    -------
    ndarray
        Same shape and number type as ``kappa``.
    """
    ops = ops or _Float()
    if _is_steep(beta, ops.digits):  # β·ln N > 600: the first terms are the sum (bounded tail), no plan of N^β
        J = _steep_head(kappa, beta=beta, gamma=gamma, m=int(m), d=d, ops=ops)
        j = np.arange(1, J, dtype=np.float64)
        t = kappa[:, None] * ops.power(ops.array(j), ops.num(beta))[None, :]
        return np.stack([_f_value(ops, t[:, i], float(x), int(m), gamma) for i, x in enumerate(j)], axis=1).sum(axis=1)
    # γ stays exact on mpmath (e.g. 1 + 2βr − 2β of the float inputs): rounding it to a float would
    # cost ~1e-16 relative in the sum
    plan = _plan(float(beta), ops.exact(gamma), int(m), ops.plan_digits)
    if d != math.inf and d < plan.N + 8:  # short sums: term by term
        j = ops.array(np.arange(1, d + 1, dtype=np.float64))
        jb, jg = ops.power(j, plan.beta), ops.power(j, -plan.gamma)
        return (jg[None, :] / (1 + kappa[:, None] * jb[None, :]) ** m).sum(axis=1)
    head = (plan.head_jg[None, :] / (1 + kappa[:, None] * plan.head_jb[None, :]) ** m).sum(axis=1)
    N = plan.N
    tN = kappa * _scalar_power(ops, N, plan.beta)
    fN = _f_value(ops, tN, N, m, plan.gamma)
    corrN, lastN = _em_correction(ops, plan, N, tN)
    total = head + _integral(ops, plan, kappa, N, d) + fN / 2 - corrN
    if d != math.inf:
        td = kappa * _scalar_power(ops, d, plan.beta)
        fd = _f_value(ops, td, d, m, plan.gamma)
        corrd, _ = _em_correction(ops, plan, d, td)
        total = total + fd / 2 + corrd
    if check:
        # The last correction used must be far below the target (the remainder is smaller still).
        # the ratio in working numbers: at a huge κ both underflow float64 (0/0 would be nan);
        # a total of exactly 0 (every term underflowed) with a last correction of 0 is exact
        last, tot = np.broadcast_arrays(np.asarray(lastN, dtype=object), np.asarray(total, dtype=object))
        ratio = np.array([0.0 if t == 0 and c == 0 else float(abs(c / t)) if t != 0 else math.inf
                          for c, t in zip(last.reshape(-1), tot.reshape(-1))])
        if not np.all(ratio <= 10.0 ** (3 - ops.digits)):
            raise NotCoveredError(f"power-law sum: Euler–Maclaurin remainder {np.max(ratio):.2g} (relative) too large "
                                  f"(β={beta}, γ={gamma})")
    return total


def _steep_hurwitz_zeta(ctx, s, a: int):
    """``ζ(s, a)`` for ``s > a + 10^4`` term by term: the tail from ``a + K`` is at most
    ``(a+K)^(−s)(1 + (a+K)/(s−1))`` and the ratio of terms ``((a+n)/(a+n+1))^s < e^(−1)``; powers by
    ``exp(−s log)`` (``mpf ** 1e300`` is slow)."""
    total = ctx.mpf(0)
    for n in range(10_000):
        x = ctx.mpf(a + n)
        term = ctx.exp(-s * ctx.log(x))
        total += term
        nxt = ctx.mpf(a + n + 1)
        if ctx.exp(-s * ctx.log(nxt)) * (1 + nxt / (s - 1)) <= ctx.eps * total:
            return total
    raise FixedPointError("Hurwitz zeta of a steep power did not converge", residual=1.0, iterations=10_000)


def _hurwitz_zeta(ctx, s, a: int):
    """``ζ(s, a) = Σ_{n>=0} (a+n)^(−s)`` for an integer ``a >= 1``, ``s != 1``, by Euler–Maclaurin.

    ``mpmath.zeta(s, a)`` is not used: for large ``s`` and ``a`` it loses many digits (e.g.
    ``ζ(30, 20001)`` at 62 digits is off by 7e-15 relative). Here
    ``ζ(s, a) = a^(1−s)/(s−1) + a^(−s)/2 + Σ_k B_{2k}/(2k)! (s)_{2k−1} a^(−s−2k+1)``, whose terms fall
    like ``((s+2k)/(2πa))^2`` per step.
    """
    # shift to A with 2πA well beyond the digits (and beyond |s|): the series then converges
    A = max(int(a), math.ceil(ctx.dps * math.log(10) / math.pi + abs(float(s))) + 2)
    if A - int(a) > 10_000:  # a steep power (s > a + 10^4): the terms fall faster than e^(−k); sum them directly
        return _steep_hurwitz_zeta(ctx, s, int(a))
    head = ctx.fsum(ctx.mpf(a + n) ** (-s) for n in range(A - int(a)))
    a = ctx.mpf(A)
    total = head + a ** (1 - s) / (s - 1) + a ** (-s) / 2
    poch = s  # (s)_{2k−1}
    for k in range(1, 10_000):
        term = ctx.bernoulli(2 * k) / ctx.factorial(2 * k) * poch * a ** (-s - 2 * k + 1)
        total += term
        if abs(term) <= ctx.eps * abs(total):
            return total
        poch *= (s + 2 * k - 1) * (s + 2 * k)
    raise FixedPointError("Hurwitz zeta series did not converge", residual=float(abs(term / total)), iterations=10_000)


# -- the SpectralSums interface --------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class PowerLawSums:
    """Spectral sums of ``λ_j = j^(−β)``, ``j = 1..d`` (``d`` finite or ``math.inf``).

    Same interface as :class:`modelcollapse.numerics.sums.SpectralSums`: ``df(κ, m)``,
    ``bias_sum(κ)``, ``teacher_norm()``, ``d``, ``trace``, ``min_eigenvalue``, ``backend``.

    Parameters
    ----------
    beta : float
        ``β > 1``.
    d : int or float
        ``math.inf`` or a positive integer.
    teacher_kind : {"source", "isotropic", None}
    r : float, optional
        Source exponent (``teacher_kind = "source"``).
    norm : float
        ``‖w0‖²_Σ``.
    backend : Backend
    """

    beta: float
    d: int | float
    teacher_kind: str | None = None
    r: float | None = None
    norm: float = 1.0
    backend: Backend = FLOAT64
    trace: object = field(init=False)
    min_eigenvalue: object = field(init=False)
    _teacher: object = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.beta > 1:
            raise ScenarioError("spectrum.beta", f"expected a number > 1, got {self.beta!r}")
        teacher = None
        if self.teacher_kind is not None:  # the kind's own class answers (no kind names here)
            kind = Teacher.family().get(self.teacher_kind)
            if kind is None or not kind.has_closed_form_sums:
                raise ScenarioError("teacher.kind", f"{self.teacher_kind!r} is not a power-law family")
            teacher = Teacher(kind=self.teacher_kind, r=self.r, norm=self.norm)
            teacher.power_law_weights(self.beta, self.d, float)  # raises where the form does not apply
        object.__setattr__(self, "_teacher", teacher)
        b = self.backend
        object.__setattr__(self, "trace", self._zeta_partial(self.beta))
        object.__setattr__(self, "min_eigenvalue",
                           b.scalar(0) if self.d == math.inf else b.power(b.scalar(self.d), -b.scalar(self.beta)))

    @property
    def _ops(self):
        return _working_ops(self.backend.guarded(_GUARD_DIGITS))

    def _zeta_partial(self, s, ops=None):
        """``Σ_{j=1}^{d} j^(−s)`` (``s > 1``): a backend number, or a working number of ``ops``."""
        b = self.backend
        if ops is None and self.d == math.inf and b == FLOAT64:
            return b.zeta(s)  # SciPy's ζ, to float64
        work = ops or self._ops
        ctx = work.ctx
        with ctx.workdps(work.digits + 5):
            z = ctx.zeta(s) - (_hurwitz_zeta(ctx, ctx.mpf(s), self.d + 1) if self.d != math.inf else 0)
        if ops is not None:
            return ops.num(z)
        return b.number(z)

    def _evaluate(self, kappa, gamma, m, scale=None):
        b = self.backend
        ops = self._ops
        kap = np.asarray(kappa, dtype=b.dtype)
        scalar = kap.ndim == 0
        work = ops.array(kap.reshape(-1))
        if any(v < 0 for v in work):
            raise NotCoveredError("kappa: power-law sums need κ >= 0")
        zero = np.array([v == 0 for v in work], dtype=bool)
        out = np.empty(work.shape, dtype=ops.dtype)
        if (~zero).any():
            out[~zero] = power_sum(work[~zero], beta=self.beta, gamma=gamma, m=m, d=self.d, ops=ops)
        if zero.any():  # κ = 0: Σ_{j<=d} j^(−γ), finite only for finite d
            if self.d == math.inf:
                raise NotCoveredError("spectrum.d: power-law sums at κ = 0 diverge for d = inf")
            ctx = ops.ctx
            with ctx.workdps(ops.digits + 5):
                h = (
                    ctx.zeta(gamma) - _hurwitz_zeta(ctx, ctx.mpf(gamma), self.d + 1)
                    if gamma != 1
                    else ctx.harmonic(self.d)
                )
            out[zero] = ops.num(h)
        if scale is not None:
            out = out * scale
        res = b.array(out)
        res = res.reshape(kap.shape)
        return res[()] if scalar else res

    def df(self, kappa, m: int):
        """``df_m(κ) = Σ_j (1 + κ j^β)^(−m)``."""
        return self._evaluate(kappa, 0.0, m)

    def _teacher_gamma_scale(self):
        """``(γ, norm/Z)`` of the teacher's sum, ``Z`` its normalisation (working precision)."""
        beta = self.beta
        ops = self._ops
        if self._teacher is None:
            raise ScenarioError("teacher", "bias_sum needs a teacher")
        gamma, s = self._teacher.power_law_weights(beta, self.d, ops.num)
        return gamma, ops.num(self.norm) / self._zeta_partial(s, ops)

    def bias_sum(self, kappa):
        """``Σ_j λ_j c_j²/(λ_j+κ)²`` for the source or isotropic teacher."""
        gamma, scale = self._teacher_gamma_scale()
        return self._evaluate(kappa, gamma, 2, scale)

    def teacher_sum(self, kappa, m: int):
        """``Σ_j λ_j^(m−1) c_j²/(λ_j+κ)^m`` (``m = 2`` is :meth:`bias_sum`): the same ``γ``, power ``m``."""
        gamma, scale = self._teacher_gamma_scale()
        return self._evaluate(kappa, gamma, m, scale)

    def scaled_bias_sum(self, kappa):
        """``κ² bias_sum(κ) = Σ_j λ_j c_j² (κ/(λ_j+κ))²`` (bounded by ``norm``).

        Where ``κ`` is so large that ``λ_1/κ = 1/κ`` is below the working precision it is ``norm``
        to that precision (the first correction is ``−2 Σ_j w_j λ_j/κ``, at most ``2 norm/κ``);
        evaluating ``κ² · bias_sum`` there would be ``inf · 0``.
        """
        b = self.backend
        kap = np.asarray(kappa, dtype=b.dtype)
        digits = b.significant_digits
        huge = np.array([float(v) * 10.0 ** -(digits + 1) > 1 for v in kap.reshape(-1)], dtype=bool).reshape(kap.shape)
        if huge.all():
            norm = self.teacher_norm()
            return norm if kap.ndim == 0 else np.full(kap.shape, norm, dtype=kap.dtype)
        safe = np.where(huge, 1, kap) if kap.ndim else kap
        out = safe * safe * self.bias_sum(safe)
        if kap.ndim and huge.any():
            out[huge] = self.teacher_norm()
        return out

    def scaled_teacher_sum(self, kappa, m: int):
        """``κ² teacher_sum(κ, m)`` (``m = 2``: :meth:`scaled_bias_sum`). Where ``1/κ`` is below the working
        precision it is 0 to that precision for ``m > 2`` (each term is at most ``w_j (λ_j/κ)^(m−2)``)."""
        if m == 2:
            return self.scaled_bias_sum(kappa)
        b = self.backend
        kap = np.asarray(kappa, dtype=b.dtype)
        digits = b.significant_digits
        huge = np.array([float(v) * 10.0 ** -(digits + 1) > 1 for v in kap.reshape(-1)], dtype=bool).reshape(kap.shape)
        zero = b.scalar(0)
        if huge.all():
            return zero if kap.ndim == 0 else np.full(kap.shape, zero, dtype=kap.dtype)
        safe = np.where(huge, 1, kap) if kap.ndim else kap
        out = safe * safe * self.teacher_sum(safe, m)
        if kap.ndim and huge.any():
            out[huge] = zero
        return out

    def teacher_norm(self):
        """``‖w0‖²_Σ`` (the teacher is normalised to ``norm`` exactly)."""
        if self.teacher_kind is None:
            raise ScenarioError("teacher", "teacher_norm needs a teacher")
        return self.backend.scalar(self.norm)


@lru_cache(maxsize=16)
def _mp_ops(dps: int) -> _Mp:
    return _Mp(dps)


def _working_ops(digits: int | None):
    """The series arithmetic at ``digits`` working digits (``None``: float64)."""
    return _Float() if digits is None else _mp_ops(digits)


def infinite_power_law_sums(spectrum, teacher=None, backend: Backend = FLOAT64) -> PowerLawSums:
    """The spectral sums of a power-law spectrum (``d = inf`` or finite) and a family teacher.

    Parameters
    ----------
    spectrum : Spectrum
        ``kind = "power_law"``.
    teacher : Teacher, optional
        ``source`` or ``isotropic`` (explicit coefficients need the term-by-term sums).
    backend : Backend
    """
    if spectrum.beta is None:  # the kinds without a power-law exponent
        raise ScenarioError("spectrum.kind", f"the Euler–Maclaurin sums need 'power_law', got {spectrum.kind!r}")
    if teacher is not None:
        teacher.check_against(spectrum)
        if not teacher.has_closed_form_sums:
            raise ScenarioError("teacher.kind", f"{teacher.kind!r} needs the term-by-term sums (finite d)")
    return PowerLawSums(
        beta=spectrum.beta,
        d=spectrum.d,
        teacher_kind=None if teacher is None else teacher.kind,
        r=None if teacher is None else teacher.r,
        norm=1.0 if teacher is None else teacher.norm,
        backend=backend,
    )
