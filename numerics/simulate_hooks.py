"""How an axis tells the simulator what to draw and how a fit fits: the simulator's hook API.

Part of the simulator (numpy/scipy only, nothing else of the project). The generic simulator
(:mod:`modelcollapse.numerics.simulate_description`) runs the compiled chain description
(:mod:`modelcollapse.numerics.chain`) literally: per trial it draws each block's rows
``x = Σ^{1/2} z``, labels each row by its source (``w0`` or an earlier fit) with its noise, lets each
fit select its rows as described, fits, and measures ``‖ŵ_down − w0‖²_Σ``. An axis changes that only
through the optional fields below, all ``None`` by default (the plain definition, THEORY.md §1):

==================  ==========  =====================================================================
field               on          what the simulator does with it
==================  ==========  =====================================================================
``estimator``       ``Fit``     ``estimator.fit(X, Y, weights, rng) -> coef``: how the fit fits (default
                                :class:`RidgeFit` of ``Fit.ridge``). ``estimator.operator(X, weights)``
                                ``-> M`` with ``coef = M @ Y``, if the fit is linear in the labels: the
                                conditional estimator needs it.
``features``        ``Fit``     ``features.draw(rng, sqrt_lam) -> fmap`` once per trial when the fit is
                                made; the fit sees ``fmap.transform(X)`` instead of ``X``. Linear
                                features give ``fmap.lift(a)`` (the model in ``x``: ``Sᵀa`` for a
                                projection ``S x``; applied to a vector or to the columns of a matrix),
                                and the fit is an ordinary ``ŵ``. Otherwise ``fmap.predict(X, a)``
                                labels rows and ``fmap.error(a, sqrt_lam, w0)`` is the test error on the
                                input distribution (plain estimator only).
``post``            ``Fit``     ``post(w) -> w``: applied to the fitted ``ŵ`` before it labels rows or
                                is measured (e.g. keep its top-k eigendirections). Applied to a vector,
                                or to the columns of a ``d × m`` matrix; ``post.linear = False`` (default
                                True) when it is not linear (plain estimator only).
``fit_weights``     ``RowType`` ``fit_weights[k]``: weight of each row of the type in fit ``k`` (default
                                1): weighted least squares, :class:`RidgeFit` docstring.
``accept``          ``RowType`` ``accept(X, Y) -> bool mask``: the drawn rows of the type (``Y`` with its
                                noise) that are kept; the others are dropped before any fit sees them
                                (a verifier). ``accept.refill = True`` (default False) draws more rows
                                until ``count`` are kept. Not linear: plain estimator only.
==================  ==========  =====================================================================

An axis sets them in its ``describe(scenario, draft)`` by appending a refinement to the draft::

    draft.refinements.append(lambda chain: chain.replace_fit(k, post=KeepTop(10)))
    draft.refinements.append(lambda chain: chain.replace_types(lambda t: t.block == b, accept=Window(...)))

(``Chain.replace_fit`` / ``Chain.replace_types``; ``Chain.simulation_hooks()`` lists what a chain
sets). Hook objects are small, immutable, module-level classes of the axis module (picklable: the
simulator sends the chain to worker processes), and must not import the theory or the prediction layer
(tests/test_layers.py): the simulator is the arbiter. The conditional estimator (labels averaged out
exactly) needs every fit linear in the labels — ``estimator.operator``, linear ``post`` and
``features`` with ``lift``, no ``accept`` — otherwise the simulation runs the plain estimator and says
so (``SimulationResult.estimator == "plain"``). The general chain engine refuses a chain with a hook it
does not model (``chain_engine.ENGINE_HOOKS``): predicting it is the axis's regime's job.

Examples
--------
A post-processing that keeps the top ``k`` coordinates (eigendirections) of a generator's ``ŵ``:

>>> import numpy as np
>>> class KeepTop:
...     linear = True
...     def __init__(self, k):
...         self.k = k
...     def __call__(self, w):
...         w = np.array(w, dtype=float)
...         w[self.k:] = 0.0
...         return w
>>> KeepTop(2)(np.ones(4)).tolist()
[1.0, 1.0, 0.0, 0.0]
>>> RidgeFit(0.0).fit(np.eye(3), np.arange(3.0), None, None).tolist()
[0.0, 1.0, 2.0]
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["RidgeFit", "is_linear", "linear_fit_operator"]


def _lstsq(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``X⁺Y``: least squares if ``X`` is tall, minimum-norm interpolation if wide."""
    return scipy.linalg.lstsq(X, Y, lapack_driver="gelsy", check_finite=False)[0]


def linear_fit_operator(X: np.ndarray, ridge: float) -> np.ndarray:
    """``M`` with ``ŵ = M Y``: ``(XᵀX/m + λ)⁻¹Xᵀ/m`` (primal or dual system), ``X⁺`` at ``λ = 0``.

    ``X⁺`` through the Cholesky factor of the Gram matrix of full rank when ``|m − d| >= 2``
    (Gaussian designs are well conditioned there), through the SVD otherwise (or when ``X`` is rank-deficient).
    """
    m, d = X.shape
    if ridge == 0 and abs(m - d) <= 1:
        return scipy.linalg.pinv(X, check_finite=False)
    try:
        if ridge == 0 and m > d:
            cho = scipy.linalg.cho_factor(X.T @ X, lower=True, check_finite=False)
            return scipy.linalg.cho_solve(cho, X.T, check_finite=False)
        if ridge == 0:
            cho = scipy.linalg.cho_factor(X @ X.T, lower=True, check_finite=False)
            return X.T @ scipy.linalg.cho_solve(cho, np.eye(m), check_finite=False)
    except np.linalg.LinAlgError:  # rank-deficient (e.g. more features than the inputs span): X⁺ by the SVD
        return scipy.linalg.pinv(X, check_finite=False)
    if m >= d:
        G = X.T @ X / m
        G.flat[:: d + 1] += ridge
        return scipy.linalg.solve(G, X.T / m, assume_a="pos", check_finite=False)
    K = X @ X.T / m
    K.flat[:: m + 1] += ridge
    return X.T @ scipy.linalg.solve(K, np.eye(m) / m, assume_a="pos", check_finite=False)


class RidgeFit:
    """The default estimator of a fit: ridge ``λ``, OLS / minimum-norm interpolation at ``λ = 0``.

    Unweighted: ``ŵ = (XᵀX/m + λ)⁻¹XᵀY/m`` (``X⁺Y`` at ``λ = 0``; ``m`` rows). With row weights
    ``ω_i >= 0`` (``W = Σ ω_i``): ``ŵ = argmin Σ ω_i (x_iᵀw − y_i)²/W + λ‖w‖²
    = (XᵀΩX/W + λ)⁻¹XᵀΩY/W`` (``(Ω^{1/2}X)⁺Ω^{1/2}Y`` at ``λ = 0``), which is the unweighted fit
    when all weights are equal. Rows of weight 0 drop out.
    """

    def __init__(self, ridge: float = 0.0):
        self.ridge = float(ridge)

    def __repr__(self) -> str:
        return f"RidgeFit({self.ridge!r})"

    @staticmethod
    def _weighted(X, Y, weights):
        """``(Ω^{1/2}X, Ω^{1/2}Y, W/m)``: the weighted problem as an unweighted one on the kept rows."""
        keep = weights > 0
        root = np.sqrt(weights[keep] / weights[keep].mean())  # ΣΩ/W = mean over kept rows: ridge scale kept
        return X[keep] * root[:, None], None if Y is None else Y[keep] * root, keep, root

    def fit(self, X: np.ndarray, Y: np.ndarray, weights, rng) -> np.ndarray:
        if weights is not None:
            X, Y, _, _ = self._weighted(X, Y, np.asarray(weights, dtype=float))
        m, d = X.shape
        if self.ridge == 0:
            return _lstsq(X, Y)
        if m >= d:
            G = X.T @ X / m
            G.flat[:: d + 1] += self.ridge
            return scipy.linalg.solve(G, X.T @ Y / m, assume_a="pos", check_finite=False)
        K = X @ X.T / m
        K.flat[:: m + 1] += self.ridge
        return X.T @ scipy.linalg.solve(K, Y / m, assume_a="pos", check_finite=False)

    def operator(self, X: np.ndarray, weights) -> np.ndarray:
        if weights is None:
            return linear_fit_operator(X, self.ridge)
        Xw, _, keep, root = self._weighted(X, None, np.asarray(weights, dtype=float))
        M = np.zeros((X.shape[1], X.shape[0]))
        M[:, keep] = linear_fit_operator(Xw, self.ridge) * root
        return M


def is_linear(hook) -> bool:
    """Whether a hook object keeps its fit linear in the labels (what the conditional estimator needs)."""
    return hook is None or bool(getattr(hook, "linear", True))
