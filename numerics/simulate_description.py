"""Monte Carlo of a compiled chain description (THEORY.md §1, §3.7, §3.10): the generic simulator.

Part of the simulator: it reads the chain *description* (:class:`~modelcollapse.numerics.chain.Chain`:
its fits, row types, sources, noises, estimators, hooks) and nothing of the theory or of the
engine's equations. Per trial, literally:

* fit ``k`` is made in order ``k = 0, 1, …`` (the generators, then the downstream, the last fit);
  before it, the rows of block ``k`` are drawn: ``x = Σ^{1/2} z`` (``z`` standard Gaussian) for all
  its row types at once, then one noise draw per row, and each row labelled by its source
  (``xᵀw0`` for a real row, ``xᵀŵ_s`` for a row of fit ``s``'s) plus ``noise·ε``; a row keeps its
  label for every fit that selects it. Rows of a type with ``fit_sources`` (a reused design) are
  relabelled for each fit ``k`` that selects them, by ``fit_sources[k]``, with fresh noise of level
  ``fit_noises[k]``, drawn when fit ``k`` is made.
* fit ``k`` selects the rows of the types with ``selected[k] > 0``, in the description's order; if
  it draws from a pool (``pool[k] > 1``: accumulate-subsample) it fits a uniformly random subset of
  exactly ``Fit.rows`` of those pooled rows, without replacement (the whole pool when it has no
  more); then it fits them with its
  estimator (:class:`~modelcollapse.numerics.simulate_hooks.RidgeFit` of ``Fit.ridge`` unless a hook
  says otherwise) and row weights, on its features, and post-processes its ``ŵ``
  (:mod:`modelcollapse.numerics.simulate_hooks`).
* the trial's value is ``‖ŵ_down − w0‖²_Σ``.

The order of the random draws is that of the trial functions this simulator replaces (block
design, block noise, subset, fit), so on the chains they cover a trial with the same generator gives
the same number (tests/test_simulate_description.py, to 1e-10).
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from modelcollapse.numerics.simulate_hooks import RidgeFit, is_linear

__all__ = ["plain_trial", "Layout", "linear_chain", "run_trials"]

WO = -1  # the source of a real row (numerics/chain.py: the description's convention)


class Layout:
    """What a trial needs of a chain, computed once: the row types of each block, each fit's row types."""

    def __init__(self, chain):
        self.chain = chain
        self.K = len(chain.fits)
        types = chain.types
        self.by_block = [[i for i, t in enumerate(types) if t.block == b] for b in range(self.K)]
        self.by_fit = [[i for i, t in enumerate(types) if t.selected[k] > 0] for k in range(self.K)]
        # a fit that draws a subset of a pool (pool > 1: accumulate-subsample; the subset may be the whole pool)
        self.subsample = [any(types[i].pool[k] != 1 for i in self.by_fit[k]) for k in range(self.K)]
        self.estimators = [f.estimator if f.estimator is not None else RidgeFit(f.ridge) for f in chain.fits]


class _FeatureModel:
    """A fit on nonlinear features: its feature map and coefficients (labels and error from the map)."""

    def __init__(self, fmap, coef):
        self.fmap, self.coef = fmap, coef

    def labels(self, X):
        return self.fmap.predict(X, self.coef)


def _labels(model, X: np.ndarray) -> np.ndarray:
    return model.labels(X) if isinstance(model, _FeatureModel) else X @ model


def _draw_block(rng, layout, b, sqrt_lam, w0, models, X, Y):
    """Block ``b``'s rows: one design draw for all its types, one noise draw for its shared-label rows."""
    types = layout.chain.types
    ids = layout.by_block[b]
    if not ids:
        return
    d = len(sqrt_lam)
    Z = rng.standard_normal((sum(types[i].count for i in ids), d)) * sqrt_lam
    start = 0
    for i in ids:
        X[i] = Z[start:start + types[i].count]
        start += types[i].count
    shared = [i for i in ids if types[i].fit_sources is None]
    noise = rng.standard_normal(sum(types[i].count for i in shared))
    start = 0
    for i in shared:
        t = types[i]
        teacher = w0 if t.source == WO else models[t.source]
        Y[i] = _labels(teacher, X[i]) + t.noise * noise[start:start + t.count]
        start += t.count
        if t.accept is not None:
            X[i], Y[i] = _accepted(rng, t, X[i], Y[i], teacher, sqrt_lam)


def _accepted(rng, t, Xi, Yi, teacher, sqrt_lam, limit: int = 1000):
    """The rows of type ``t`` its filter keeps; with ``accept.refill`` drawn again until ``t.count`` are kept."""
    keep = np.asarray(t.accept(Xi, Yi), dtype=bool)
    Xi, Yi = Xi[keep], Yi[keep]
    if not getattr(t.accept, "refill", False):
        return Xi, Yi
    parts_X, parts_Y, kept = [Xi], [Yi], len(Yi)
    for _ in range(limit):
        if kept >= t.count:
            break
        Z = rng.standard_normal((t.count, len(sqrt_lam))) * sqrt_lam
        Yz = _labels(teacher, Z) + t.noise * rng.standard_normal(t.count)
        keep = np.asarray(t.accept(Z, Yz), dtype=bool)
        parts_X.append(Z[keep])
        parts_Y.append(Yz[keep])
        kept += int(keep.sum())
    else:
        raise ArithmeticError(f"accept: fewer than {t.count} rows kept after {limit} refills (acceptance too low)")
    return np.concatenate(parts_X)[: t.count], np.concatenate(parts_Y)[: t.count]


def _fit_rows(rng, layout, k, w0, models, X, Y):
    """Fit ``k``'s design, labels and row weights (relabelling reused rows with fresh noise, then subsampling)."""
    types = layout.chain.types
    ids = layout.by_fit[k]
    fresh = [i for i in ids if types[i].fit_sources is not None]
    noise = rng.standard_normal(sum(types[i].count for i in fresh)) if fresh else None
    Xs, Ys, Ws, start = [], [], [], 0
    weighted = any(types[i].fit_weights is not None for i in ids)
    for i in ids:
        t = types[i]
        Xs.append(X[i])
        if t.fit_sources is None:
            Ys.append(Y[i])
        else:
            src = t.fit_sources[k]
            Ys.append(_labels(w0 if src == WO else models[src], X[i]) + t.fit_noises[k] * noise[start:start + t.count])
            start += t.count
        if weighted:
            Ws.append(np.full(len(X[i]), 1.0 if t.fit_weights is None else float(t.fit_weights[k])))
    Xk = Xs[0] if len(Xs) == 1 else np.concatenate(Xs)
    Yk = Ys[0] if len(Ys) == 1 else np.concatenate(Ys)
    Wk = np.concatenate(Ws) if weighted else None
    if layout.subsample[k]:
        size = min(layout.chain.fits[k].rows, len(Yk))
        rows = np.sort(rng.choice(len(Yk), size=size, replace=False))
        Xk, Yk, Wk = Xk[rows], Yk[rows], None if Wk is None else Wk[rows]
    return Xk, Yk, Wk


def _fit(rng, layout, k, sqrt_lam, Xk, Yk, Wk):
    """Fit ``k``'s model: a vector ``ŵ`` in the eigenbasis, or a model on nonlinear features."""
    fit = layout.chain.fits[k]
    estimator = layout.estimators[k]
    if fit.features is None:
        model = estimator.fit(Xk, Yk, Wk, rng)
    else:
        fmap = fit.features.draw(rng, sqrt_lam)
        coef = estimator.fit(fmap.transform(Xk), Yk, Wk, rng)
        model = fmap.lift(coef) if hasattr(fmap, "lift") else _FeatureModel(fmap, coef)
    if fit.post is not None:
        if isinstance(model, _FeatureModel):
            raise ValueError(f"{fit.name}: a post hook needs a fit whose model is a vector (linear features)")
        model = fit.post(model)
    return model


def plain_trial(rng: np.random.Generator, layout: Layout, sqrt_lam: np.ndarray, w0: np.ndarray) -> float:
    """One trial of the definition with every noise drawn (module docstring): ``‖ŵ_down − w0‖²_Σ``."""
    n_types = len(layout.chain.types)
    X, Y = [None] * n_types, [None] * n_types
    models = [None] * layout.K
    for k in range(layout.K):
        _draw_block(rng, layout, k, sqrt_lam, w0, models, X, Y)
        models[k] = _fit(rng, layout, k, sqrt_lam, *_fit_rows(rng, layout, k, w0, models, X, Y))
    down = models[-1]
    if isinstance(down, _FeatureModel):
        return float(down.fmap.error(down.coef, sqrt_lam, w0))
    diff = down - w0
    return float(np.sum(sqrt_lam**2 * diff * diff))


def linear_chain(chain) -> bool:
    """Whether every fit is linear in the labels (the conditional estimator's requirement)."""
    for f in chain.fits:
        if f.estimator is not None and not hasattr(f.estimator, "operator"):
            return False
        if not is_linear(f.post) or not is_linear(f.features):
            return False
    return all(t.accept is None for t in chain.types)


def run_trials(args) -> np.ndarray:
    """Per-trial values for the children seeds ``seeds`` (one task of the process pool)."""
    seeds, chain, sqrt_lam, w0, estimator = args
    layout = Layout(chain)
    trial = plain_trial
    with threadpool_limits(limits=1):
        return np.array([trial(np.random.default_rng(s), layout, sqrt_lam, w0) for s in seeds])
