"""Numeric backends: float64 (numpy) or mpmath at a chosen number of digits.

Precision is a parameter, not a fork: every formula and the fixed-point solver are written once
against a :class:`Backend`. The float64 backend works on ``numpy.float64`` arrays; the mpmath
backend works on numpy *object* arrays of ``mpf`` numbers from a private
:class:`mpmath.MPContext`, so broadcasting, masking and reductions are the same code and no
global mpmath state is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np

from modelcollapse.theory.errors import ScenarioError

__all__ = ["Backend", "FLOAT64", "backend_for"]


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
                raise ScenarioError("precision", f"expected an integer number of digits in [15, 10000], got {self.dps!r}")
            ctx = mpmath.MPContext()
            ctx.dps = self.dps
            object.__setattr__(self, "_ctx", ctx)

    # -- identity -----------------------------------------------------------------------------
    @property
    def is_mp(self) -> bool:
        return self.dps is not None

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
            flat_out[i] = v if isinstance(v, self._ctx.mpf) else self._ctx.mpf(v.item() if isinstance(v, np.generic) else v)
        return out

    def to_float(self, x) -> np.ndarray | float:
        """Round to float64 (arrays stay arrays, scalars become Python floats)."""
        if isinstance(x, np.ndarray):
            return np.asarray(x, dtype=object).astype(np.float64) if self.dps else x.astype(np.float64)
        return float(x)

    def digits(self, x) -> str:
        """All digits of a scalar, as a string (the float's repr on float64)."""
        if self.dps is None:
            return repr(float(x))
        return self._ctx.nstr(x, self.dps, min_fixed=-5, max_fixed=5)

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

    def isfinite(self, x) -> np.ndarray | bool:
        if self.dps is None:
            return np.isfinite(x)
        return self._map(lambda v: bool(self._ctx.isfinite(v)), x) if isinstance(x, np.ndarray) else bool(self._ctx.isfinite(x))


FLOAT64 = Backend()


def backend_for(precision: int | None) -> Backend:
    """The backend for ``--precision DIGITS`` (``None``: float64)."""
    return FLOAT64 if precision is None else Backend(dps=precision)
