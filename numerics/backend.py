"""Numeric backends: float64 (numpy) or mpmath at a chosen number of digits.

Precision is a parameter, not a fork: every formula and the fixed-point solver are written once
against a :class:`Backend`. The float64 backend works on ``numpy.float64`` arrays; the mpmath
backend works on numpy *object* arrays of ``mpf`` numbers from a private
:class:`mpmath.MPContext`, so broadcasting, masking and reductions are the same code and no
global mpmath state is touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import scipy.special

from modelcollapse.theory.errors import ScenarioError

__all__ = ["Backend", "FLOAT64", "backend_for"]

# Block of a (κ × eigenvalue) pass, in elements: 512 kB of float64 stays in L2 and is reused,
# so no temporary is mmapped and page-faulted afresh on every pass (measured 1.8 ms per pass of
# 100 κ × 10⁴ eigenvalues, against 4.4 ms unblocked).
_BLOCK_ELEMENTS = 65_536


@dataclass(frozen=True)
class Backend:
    """Arithmetic of one precision.

    Parameters
    ----------
    dps : int or None
        Decimal digits for mpmath; ``None`` means IEEE float64 through numpy.
    """

    dps: int | None = None
    _ctx: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.dps is not None:
            if not isinstance(self.dps, int) or isinstance(self.dps, bool) or not 15 <= self.dps <= 10_000:
                raise ScenarioError("precision",
                                    f"expected an integer number of digits in [15, 10000], got {self.dps!r}")
            ctx = mpmath.MPContext()
            ctx.dps = self.dps
            object.__setattr__(self, "_ctx", ctx)

    # -- identity -----------------------------------------------------------------------------
    @property
    def is_mp(self):
        """Removed (issue 19 item 5): what differs between float64 and mpmath is a method of the backend."""
        raise AttributeError("Backend.is_mp was removed: ask the backend instead (dtype, where, ipow, zeta, "
                             "iteration_cap, guarded, all_digits, ...; see numerics/backend.py), or compare with "
                             "FLOAT64")

    @property
    def ctx(self):
        """The private mpmath context (mpmath backend only)."""
        return self._ctx

    @property
    def name(self) -> str:
        return "float64" if self.dps is None else f"mpmath[{self.dps} digits]"

    @property
    def eps(self) -> float:
        """Relative rounding unit of this backend, as a Python float (or mpf)."""
        if self.dps is None:
            return float(np.finfo(np.float64).eps)
        return self._ctx.mpf(10) ** (-self.dps)

    @property
    def dtype(self):
        """The numpy dtype of this backend's arrays (``float64``, or ``object`` holding ``mpf``)."""
        return np.float64 if self.dps is None else object

    @property
    def significant_digits(self) -> int:
        """Decimal digits the numbers carry: 17 for float64 (enough to round-trip), ``dps`` on mpmath."""
        return 17 if self.dps is None else self.dps

    @property
    def inf(self):
        """``+∞`` as a number of this backend."""
        return np.inf if self.dps is None else self._ctx.inf

    def iteration_cap(self, float64: int, mp: int | None = None) -> int:
        """An iteration cap: ``float64`` on float64; on mpmath ``mp`` (default ``float64``) plus 10 per digit
        (a linearly convergent stage needs steps in proportion to the digits)."""
        return float64 if self.dps is None else (float64 if mp is None else mp) + 10 * self.dps

    def guarded(self, digits: int) -> int | None:
        """The working digits of an evaluation with ``digits`` guard digits (``None`` on float64: no guard)."""
        return None if self.dps is None else self.dps + digits

    # -- conversion ---------------------------------------------------------------------------
    def scalar(self, x):
        """A number of this backend. Strings are parsed at full precision on mpmath."""
        if self.dps is None:
            return np.float64(x)
        return self._ctx.mpf(x.item() if isinstance(x, np.generic) else x)  # mpf rejects numpy scalars

    def array(self, values) -> np.ndarray:
        """An array of this backend's numbers (float64 array, or object array of ``mpf``)."""
        if self.dps is None:
            return np.asarray(values, dtype=np.float64)
        arr = np.asarray(values, dtype=object)
        out = np.empty(arr.shape, dtype=object)
        flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
        for i, v in enumerate(flat_in):
            flat_out[i] = v if isinstance(v, self._ctx.mpf) else self._ctx.mpf(v.item() if isinstance(v, np.generic)
                                                                               else v)
        return out

    def to_float(self, x) -> np.ndarray | float:
        """Round to float64 (arrays stay arrays, scalars become Python floats)."""
        if isinstance(x, np.ndarray):
            return np.asarray(x, dtype=object).astype(np.float64) if self.dps else x.astype(np.float64)
        return float(x)

    def zeros(self, shape) -> np.ndarray:
        """An array of zeros of this backend."""
        return np.zeros(shape) if self.dps is None else np.full(shape, self._ctx.mpf(0), dtype=object)

    def number(self, x):
        """A scalar as a plain number of this backend: a Python ``float`` (not a numpy scalar) or an ``mpf``."""
        return float(x) if self.dps is None else self._ctx.mpf(x)

    def where(self, cond, x, y) -> np.ndarray:
        """``numpy.where`` that keeps this backend's dtype (object on mpmath, whatever the branches)."""
        out = np.where(cond, x, y)
        return out if self.dps is None else out.astype(object)

    def digits(self, x) -> str:
        """All digits of a scalar, as a string (the float's repr on float64)."""
        if self.dps is None:
            return repr(float(x))
        return self._ctx.nstr(x, self.dps, min_fixed=-5, max_fixed=5)

    def all_digits(self, values: dict) -> dict:
        """``{name: digits}`` of the values beyond float64's (``{}`` on float64, whose floats are their own digits)."""
        return {} if self.dps is None else {k: self.digits(v) for k, v in values.items()}

    def exact(self, value: float, digits: dict, name: str):
        """``value`` at this backend's precision: float64 as it is, mpmath from its full ``digits[name]``."""
        return value if self.dps is None else self.scalar(digits[name])

    # -- elementwise functions ------------------------------------------------------------------
    def _map(self, fn, x):
        if isinstance(x, np.ndarray):
            out = np.empty(x.shape, dtype=object)
            out.reshape(-1)[:] = [fn(v) for v in x.reshape(-1)]
            return out
        return fn(x)

    def log(self, x):
        return np.log(x) if self.dps is None else self._map(self._ctx.log, x)

    def exp(self, x):
        return np.exp(x) if self.dps is None else self._map(self._ctx.exp, x)

    def exp_scalar(self, u):
        """``exp`` of one number as Python computes it on float64 (``math.exp``: libm, not numpy's)."""
        return math.exp(u) if self.dps is None else self._ctx.exp(u)

    def ipow(self, x: np.ndarray, n: int) -> np.ndarray:
        """``x ** n`` elementwise for an integer ``n``, each element as a scalar ``**`` computes it: on float64
        libm ``pow`` per element (numpy's array power differs from it in the last bit for ~5% of arguments)."""
        if self.dps is None:
            return np.fromiter((v ** n for v in x), dtype=np.float64, count=len(x))
        return x ** n

    def zeta(self, s):
        """Riemann ``ζ(s)`` (``s > 1``): SciPy's on float64, the context's on mpmath."""
        if self.dps is None:
            return float(scipy.special.zeta(s))
        return self._ctx.zeta(self.scalar(s))

    def sqrt(self, x):
        return np.sqrt(x) if self.dps is None else self._map(self._ctx.sqrt, x)

    def power(self, x, p):
        """``x ** p`` elementwise (``p`` a scalar of this backend or a Python number)."""
        if self.dps is None:
            return np.power(x, p)
        p = self._ctx.mpf(p)
        return self._map(lambda v: v ** p, x)

    def fsum(self, x, axis=-1):
        """Sum along ``axis``; on mpmath a correctly rounded ``fsum`` of each row."""
        if self.dps is None:
            return np.sum(x, axis=axis)
        x = np.moveaxis(np.asarray(x, dtype=object), axis, -1)
        if x.ndim == 1:
            return self._ctx.fsum(x)
        out = np.empty(x.shape[:-1], dtype=object)
        flat = x.reshape(-1, x.shape[-1])
        out.reshape(-1)[:] = [self._ctx.fsum(row) for row in flat]
        return out

    def ratio_power_sums(self, lam: np.ndarray, kappa: np.ndarray, order: int, weight=1) -> tuple:
        """``(s_1, s_2, s_3)``, ``s_m[i] = weight · Σ_j (λ_j/(λ_j+κ_i))^m`` for ``m <= order`` (``None`` above):
        the spectral moments ``df_m`` of every ``κ_i``, one pass over ``λ`` per block of ``κ``.

        float64: blocks of ``_BLOCK_ELEMENTS`` (κ × eigenvalue) in reused buffers, each row summed as
        numpy sums a 1-d array (so a row equals the scalar sum ``(lam/(lam+k)).sum()`` bit for bit);
        mpmath: a correctly rounded ``fsum`` per ``κ_i``.
        """
        n, d = len(kappa), len(lam)
        if self.dps is not None:
            out = np.empty((3, n), dtype=object)
            for i, k in enumerate(kappa):
                a = lam / (lam + k)
                out[0, i] = self.fsum(a)
                if order >= 2:
                    a2 = a * a
                    out[1, i] = self.fsum(a2)
                    if order >= 3:
                        out[2, i] = self.fsum(a2 * a)
            if weight != 1:
                out = out * weight
            return tuple(out[m] if m < order else None for m in range(3))
        out = np.empty((order, n))
        m = min(max(1, _BLOCK_ELEMENTS // d), n)
        a_buf, a2_buf = np.empty((m, d)), np.empty((m, d)) if order >= 2 else None
        for s in range(0, n, m):
            k = kappa[s:s + m, None]
            r = len(k)
            a = a_buf[:r]
            np.add(lam, k, out=a)
            np.divide(lam, a, out=a)
            np.sum(a, axis=1, out=out[0, s:s + r])
            if order >= 2:
                a2 = a2_buf[:r]
                np.multiply(a, a, out=a2)
                np.sum(a2, axis=1, out=out[1, s:s + r])
                if order >= 3:
                    np.multiply(a2, a, out=a2)
                    np.sum(a2, axis=1, out=out[2, s:s + r])
        if weight != 1:
            out *= weight
        return tuple(out[m] if m < order else None for m in range(3))

    def isfinite(self, x) -> np.ndarray | bool:
        if self.dps is None:
            return np.isfinite(x)
        return (
            self._map(lambda v: bool(self._ctx.isfinite(v)), x)
            if isinstance(x, np.ndarray)
            else bool(self._ctx.isfinite(x))
        )


FLOAT64 = Backend()


def backend_for(precision: int | None) -> Backend:
    """The backend for ``--precision DIGITS`` (``None``: float64)."""
    return FLOAT64 if precision is None else Backend(dps=precision)
