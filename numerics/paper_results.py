"""Numbers of the paper's derived statements (theory/paper_results.py; THEORY.md §3.12).

:func:`growing_bound_value` sums ``1 + Σ_{m≥2} 1/(m log²m)`` (a series whose tail decays like
``1/log N``: ``mpmath.nsum``-style acceleration is not trusted here, THEORY.md §5) as a direct head
plus the Euler–Maclaurin tail ``1/log N + f(N)/2 − f'(N)/12`` (remainder ``O(f'''(N))``, below 1e-15
at ``N = 10⁵``). :func:`growing_schedule` gives the integer sample sizes ``T_m`` of the schedule.
"""

from __future__ import annotations

import math

import numpy as np

from modelcollapse.numerics.formulas import formula
from modelcollapse.theory.errors import ScenarioError

__all__ = ["growing_bound_value", "growing_schedule", "null_predictor_generations"]


def growing_bound_value(head: int = 100_000) -> float:
    """``1 + Σ_{m≥2} 1/(m log²m) = 3.1097…`` (head summed directly, tail by Euler–Maclaurin)."""
    m = np.arange(2, head, dtype=float)
    direct = float(np.sum(1.0 / (m * np.log(m) ** 2)))
    N = float(head)
    f = 1.0 / (N * math.log(N) ** 2)
    fprime = -(math.log(N) + 2) / (N**2 * math.log(N) ** 3)
    return 1.0 + direct + 1.0 / math.log(N) + f / 2 - fprime / 12


def growing_schedule(T0: int, n: int) -> list[int]:
    """``T_1 = T0``, ``T_m = round(m log²m · T0)`` for ``m = 2..n`` (the paper's growing generator data)."""
    if n < 1 or T0 < 1:
        raise ScenarioError("generators.n", f"expected n >= 1 and T0 >= 1, got n = {n}, T0 = {T0}")
    return [int(T0)] + [int(round(k * math.log(k) ** 2 * T0)) for k in range(2, n + 1)]


def null_predictor_generations(*, snr0: float, sigma: float, sigma0: float, T: int, T0: int, d: int) -> float:
    """``n*`` of ``null_predictor_generations`` (OLS generators and downstream, ``T, T0 >= d + 2``)."""
    if T < d + 2 or T0 < d + 2:
        raise ScenarioError("generators.T0" if T0 < d + 2 else "downstream.T",
                            f"the exact threshold needs T, T0 >= d + 2 (d = {d}), got T = {T}, T0 = {T0}")
    if not sigma0 > 0:
        raise ScenarioError("generators.sigma0", "the threshold needs sigma0 > 0 (without noise nothing collapses)")
    return float(formula("null_predictor_generations")(snr0, sigma, sigma0, T, T0, d))
