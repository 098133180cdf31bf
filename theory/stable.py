"""Numerically safe forms of registered results (same value, no float64 overflow on the way).

``clean_bias`` is ``κ² S_B/(1 − df_2/T)``: at a huge ridge ``κ²`` overflows while ``S_B`` underflows,
so float64 gives ``inf·0 = nan`` although ``B → ‖w0‖²_Σ`` (the null predictor). The scaled sum
``S̃_B = κ² S_B = Σ_j λ_j c_j² (κ/(λ_j+κ))²`` is bounded by ``‖w0‖²_Σ`` and never overflows.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory import collapse
from modelcollapse.theory.provenance import equivalent
from modelcollapse.theory.registry import named_result
from modelcollapse.theory.symbols import T, bias_sum, df2, kappa

__all__ = ["scaled_bias_sum", "clean_bias_scaled"]

#: ``S̃_B(κ) = Σ_j λ_j c_j² (κ/(λ_j+κ))² = κ² S_B(κ)``
scaled_bias_sum = sp.Symbol(r"\tilde{S}_B", nonnegative=True)


@named_result("clean_bias_scaled", title="Clean bias of ridge regression, scaled form", lhs="B",
              args=(scaled_bias_sum, df2, T), provenance=equivalent(),
              source="THEORY.md 3.3 (clean_bias with kappa^2 S_B summed termwise)")
def clean_bias_scaled() -> sp.Expr:
    """``B = S̃_B/(1 − df_2/T)`` with ``S̃_B = Σ_j λ_j c_j² (κ/(λ_j+κ))²``: :func:`~.collapse.clean_bias`,
    overflow-free."""
    expr = collapse.clean_bias().subs(kappa**2 * bias_sum, scaled_bias_sum)  # derived, not retyped
    if expr.has(kappa, bias_sum):  # pragma: no cover - clean_bias changed shape
        raise AssertionError(f"clean_bias is not kappa^2 * S_B * f(df_2, T): {collapse.clean_bias()}")
    return expr
