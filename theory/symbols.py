"""The symbols of the theory, with their assumptions (THEORY.md §2).

One module owns every symbol so that expressions built anywhere in :mod:`modelcollapse.theory`
share them (SymPy symbols with different assumptions are different symbols).
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "d", "T", "T0", "n", "k", "j", "sigma", "sigma0", "lam", "kappa", "kappa0",
    "df1", "df2", "df3", "bias_sum", "df1_of", "df2_of", "phi", "phi0", "beta", "r",
    "eigenvalue", "coef", "w0_norm", "trace1", "trace2", "Sigma", "Sigma_hat", "A_mat", "B_mat",
]

# sizes
d = sp.Symbol("d", positive=True, integer=True)
T = sp.Symbol("T", positive=True, integer=True)
T0 = sp.Symbol("T_0", positive=True, integer=True)
n = sp.Symbol("n", nonnegative=True, integer=True)
k = sp.Symbol("k", positive=True, integer=True)  # generation index
j = sp.Symbol("j", positive=True, integer=True)  # eigen-index

# noise and regularisation
sigma = sp.Symbol("sigma", nonnegative=True)
sigma0 = sp.Symbol("sigma_0", nonnegative=True)
lam = sp.Symbol("lambda", nonnegative=True)  # the ridge λ
kappa = sp.Symbol("kappa", positive=True)  # effective regularisation κ
kappa0 = sp.Symbol("kappa_0", positive=True)  # ridgeless κ of the generators (T0 < d)

# spectral sums evaluated at κ, as plain symbols (what the numeric layer substitutes) ...
df1 = sp.Symbol("df_1", positive=True)
df2 = sp.Symbol("df_2", positive=True)
df3 = sp.Symbol("df_3", positive=True)
bias_sum = sp.Symbol("S_B", nonnegative=True)  # Σ_j λ_j c_j² / (λ_j + κ)²
# ... and as opaque functions of κ (for general derivations)
df1_of = sp.Function("df_1", positive=True)
df2_of = sp.Function("df_2", positive=True)

# proportional-limit ratios and power-law parameters
phi = sp.Symbol("phi", positive=True)  # d/T
phi0 = sp.Symbol("phi_0", positive=True)  # d/T0
beta = sp.Symbol("beta", positive=True)
r = sp.Symbol("r", positive=True)

# an eigenvalue and a teacher coefficient, indexed
eigenvalue = sp.IndexedBase("lambda", positive=True)
coef = sp.IndexedBase("c", real=True)

# teacher norm ‖w0‖_Σ (unsquared; ‖w0‖ for Σ = I) and the traces tr Σ, tr Σ² (strong-ridge limit)
w0_norm = sp.Symbol("norm_w0", positive=True)
trace1 = sp.Symbol("tr_Sigma", positive=True)
trace2 = sp.Symbol("tr_Sigma2", positive=True)

# d × d matrices of the trace identity: Σ, Σ̂ = XᵀX/T, A = (Σ̂+λ)⁻¹Σ̂ and B = λ(Σ̂+λ)⁻¹ = I − A
Sigma = sp.MatrixSymbol("Sigma", d, d)
Sigma_hat = sp.MatrixSymbol("Sigma_hat", d, d)
A_mat = sp.MatrixSymbol("A", d, d)
B_mat = sp.MatrixSymbol("B", d, d)
