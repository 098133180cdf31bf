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
import scipy.linalg
from threadpoolctl import threadpool_limits

from modelcollapse.numerics.simulate_hooks import RidgeFit, is_linear

__all__ = ["plain_trial", "conditional_trial", "Layout", "linear_chain", "run_trials"]

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
        # the conditional estimator's forms (conditional_trial): a fit is solved from the Gram matrices of its
        # row types when it is the default ridge on whole types with an invertible system; a type whose every
        # fit is such is drawn as its Gram matrix (Bartlett) when it has at least d rows
        d = chain.d
        self.touched = [sum(t.selected[k] > 0 for k in range(self.K)) for t in types]
        self.gram_form = []
        for k, f in enumerate(chain.fits):
            positive = sum(types[i].count for i in self.by_fit[k]
                           if types[i].fit_weights is None or types[i].fit_weights[k] > 0)
            self.gram_form.append(f.estimator is None and f.features is None and not self.subsample[k]
                                  and (f.ridge > 0 or positive >= d))
        self.bartlett = [t.count >= d and t.accept is None
                         and all(self.gram_form[k] for k in range(self.K) if t.selected[k] > 0) for t in types]
        # fits on the very same rows with the same default estimator (a reused design): one operator for all
        design = {}
        for k, f in enumerate(chain.fits):
            if f.estimator is None and f.features is None and not self.subsample[k]:
                key = (tuple(self.by_fit[k]), f.ridge, tuple(_weight(types[i], k) for i in self.by_fit[k]))
                design.setdefault(key, []).append(k)
        self.same_design = {k: tuple(ks) for ks in design.values() if len(ks) > 1 for k in ks}


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


def _fit(rng, layout, k, sqrt_lam, Xk, Yk, Wk, operators):
    """Fit ``k``'s model: a vector ``ŵ`` in the eigenbasis, or a model on nonlinear features."""
    fit = layout.chain.fits[k]
    estimator = layout.estimators[k]
    if k in layout.same_design:  # the rows of an earlier fit, relabelled: its linear map once per trial
        group = layout.same_design[k]
        if group not in operators:
            operators[group] = estimator.operator(Xk, Wk)
        model = operators[group] @ Yk
    elif fit.features is None:
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
    operators = {}
    for k in range(layout.K):
        _draw_block(rng, layout, k, sqrt_lam, w0, models, X, Y)
        models[k] = _fit(rng, layout, k, sqrt_lam, *_fit_rows(rng, layout, k, w0, models, X, Y), operators)
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
    trial = plain_trial if estimator == "plain" else conditional_trial
    with threadpool_limits(limits=1):
        return np.array([trial(np.random.default_rng(s), layout, sqrt_lam, w0) for s in seeds])


# ---- the conditional estimator ------------------------------------------------------------------------------


def _bartlett(rng: np.random.Generator, d: int, dof: int) -> np.ndarray:
    """Lower Bartlett factor ``L`` of a standard Wishart ``W_d(I, dof)``: ``L Lᵀ ~ ZᵀZ``, ``Z`` dof × d."""
    L = np.tril(rng.standard_normal((d, d)), -1)
    L.flat[:: d + 1] = np.sqrt(rng.chisquare(dof - np.arange(d)))
    return L


def _frob2(M: np.ndarray) -> float:
    return float(np.vdot(M, M))


def _weight(t, k: int) -> float:
    return 1.0 if t.fit_weights is None else float(t.fit_weights[k])


def _source(t, k: int) -> int:
    return t.source if t.fit_sources is None else t.fit_sources[k]


def _noise(t, k: int) -> float:
    return t.noise if t.fit_sources is None else t.fit_noises[k]


class _Rows:
    """A trial's rows in whitened coordinates ``z = Σ^{-1/2}x``: explicit ``Z`` or a Bartlett factor ``L``."""

    def __init__(self, n: int):
        self.Z, self.L, self.G = [None] * n, [None] * n, [None] * n
        self.operators = {}  # fits on the same rows (Layout.same_design) -> their map D M

    def gram(self, i: int) -> np.ndarray:
        """``Ĝ_i = Z_iᵀZ_i`` (or ``L_i L_iᵀ``), cached."""
        if self.G[i] is None:
            self.G[i] = self.L[i] @ self.L[i].T if self.Z[i] is None else self.Z[i].T @ self.Z[i]
        return self.G[i]

    def gram_times(self, i: int, v: np.ndarray) -> np.ndarray:
        """``Ĝ_i v`` without forming ``Ĝ_i``."""
        if self.G[i] is not None:
            return self.G[i] @ v
        if self.Z[i] is None:
            return self.L[i] @ (self.L[i].T @ v)
        return self.Z[i].T @ (self.Z[i] @ v)

    def root_norm2(self, i: int, E: np.ndarray) -> float:
        """``tr(E Ĝ_i Eᵀ)``: ``‖E L_i‖²`` or ``‖E Z_iᵀ‖²``."""
        return _frob2(E @ self.L[i]) if self.Z[i] is None else _frob2(E @ self.Z[i].T)


def _post_matrix(post, sq: np.ndarray) -> np.ndarray:
    """The post hook in whitened coordinates ``v = Σ^{1/2}w``: ``D P D⁻¹`` (``P`` applied to columns)."""
    return sq[:, None] * np.asarray(post(np.diag(1.0 / sq)), dtype=float)


def conditional_trial(rng: np.random.Generator, layout: Layout, sqrt_lam: np.ndarray, w0: np.ndarray) -> float:
    """One trial's ``E[‖ŵ_down − w0‖²_Σ | designs, subsets]``: every label noise averaged out exactly.

    In whitened coordinates ``v = Σ^{1/2}w`` (``v0 = Σ^{1/2}w0``, rows ``z``, so a label is ``zᵀv_s +
    noise``) every fit is linear in the labels, hence ``v_down = v0 + δ + Σ_i (sensitivity_i) e_i`` over the
    noise draws ``e_i``, and the conditional error is ``‖δ‖² + Σ_i σ_i² ‖sensitivity_i‖²``. The means go
    forward through the chain (as the deviations ``δ_k = v_k − v0``, no cancellation); the sensitivities
    backward from the downstream (reverse mode: ``Adj_k = ∂v_down/∂v_k``). A fit of the default ridge on
    whole row types is solved from their Gram matrices: ``v_k = Ĥ⁻¹ Σ_t ω_t(Ĝ_t v_src + Z_tᵀe_t)/W``,
    ``Ĥ = Σ_t ω_t Ĝ_t/W + λΣ⁻¹``, and a type seen only by such fits is drawn as its Wishart Gram matrix
    (Bartlett factor, exact law) when it has ``>= d`` rows; any other fit uses its estimator's
    ``operator`` on explicit rows. Same draws as the plain trial but the noises.
    """
    chain, sq = layout.chain, sqrt_lam
    types, K, d = chain.types, layout.K, len(sq)
    v0 = sq * w0
    rows = _Rows(len(types))
    delta = [None] * K  # δ_k = v_k − v0
    info = [None] * K
    for k in range(K):
        ids = layout.by_block[k]
        explicit = [i for i in ids if not layout.bartlett[i]]
        if explicit:
            Z = rng.standard_normal((sum(types[i].count for i in explicit), d))
            start = 0
            for i in explicit:
                rows.Z[i] = Z[start:start + types[i].count]
                start += types[i].count
        for i in ids:
            if layout.bartlett[i]:
                rows.L[i] = _bartlett(rng, d, types[i].count)
        info[k] = (_gram_fit if layout.gram_form[k] else _row_fit)(rng, layout, k, sq, v0, rows, delta)
    return _backward(layout, sq, rows, delta, info)


def _mean_of(delta, src, v0):
    return v0 if src == WO else delta[src] + v0


def _gram_fit(rng, layout, k, sq, v0, rows, delta):
    """Fit ``k`` from the Gram matrices of its whole row types (``Ĥ``, Cholesky); sets ``delta[k]``."""
    chain = layout.chain
    fit, types = chain.fits[k], chain.types
    items = [(i, _weight(types[i], k)) for i in layout.by_fit[k]]
    items = [(i, w) for i, w in items if w > 0]
    W = sum(w * types[i].count for i, w in items)
    single = fit.ridge == 0 and len(items) == 1 and rows.Z[items[0][0]] is None  # Ĥ ∝ L Lᵀ: no system
    if single:
        i = items[0][0]
        src = _source(types[i], k)
        raw = np.zeros_like(v0) if src == WO else delta[src].copy()
        cho = None
    else:
        H = sum(w * rows.gram(i) for i, w in items) / W
        H.flat[:: len(sq) + 1] += fit.ridge / sq**2
        rhs = -fit.ridge * v0 / sq**2
        for i, w in items:
            src = _source(types[i], k)
            if src != WO:
                rhs = rhs + w * rows.gram_times(i, delta[src]) / W
        cho = scipy.linalg.cho_factor(H, lower=True, check_finite=False)
        raw = scipy.linalg.cho_solve(cho, rhs, check_finite=False)
    Pv = None
    if fit.post is not None:
        Pv = _post_matrix(fit.post, sq)
        raw = sq * np.asarray(fit.post((raw + v0) / sq), dtype=float) - v0
    delta[k] = raw
    return ("gram", items, W, cho, Pv)


def _row_fit(rng, layout, k, sq, v0, rows, delta):
    """Fit ``k`` on explicit rows by its estimator's ``operator`` (subset, weights, features, post)."""
    chain = layout.chain
    fit, types = chain.fits[k], chain.types
    ids = layout.by_fit[k]
    Zs = [rows.Z[i] for i in ids]
    Zk = Zs[0] if len(Zs) == 1 else np.concatenate(Zs)
    means = np.concatenate([rows.Z[i] @ _mean_of(delta, _source(types[i], k), v0) for i in ids])
    weighted = any(types[i].fit_weights is not None for i in ids)
    Wk = np.concatenate([np.full(types[i].count, _weight(types[i], k)) for i in ids]) if weighted else None
    owner = np.concatenate([np.full(types[i].count, i) for i in ids])  # the type of each pooled row
    index = np.concatenate([np.arange(types[i].count) for i in ids])  # its row within the type
    if layout.subsample[k]:
        size = min(fit.rows, len(owner))
        pick = np.sort(rng.choice(len(owner), size=size, replace=False))
        Zk, means, owner, index = Zk[pick], means[pick], owner[pick], index[pick]
        Wk = None if Wk is None else Wk[pick]
    Xk = Zk * sq
    estimator = layout.estimators[k]
    group = layout.same_design.get(k)
    if group is not None and group in rows.operators:  # an earlier fit's rows, relabelled: its map
        DM = rows.operators[group]
    else:
        if fit.features is None:
            M = estimator.operator(Xk, Wk)
        else:
            fmap = fit.features.draw(rng, sq)
            M = fmap.lift(estimator.operator(fmap.transform(Xk), Wk))
        if fit.post is not None:
            M = np.asarray(fit.post(M), dtype=float)
        DM = sq[:, None] * M  # v_k = D M Y
        if group is not None:
            rows.operators[group] = DM
    delta[k] = DM @ means - v0
    return ("rows", DM, Zk, owner, index)


def _backward(layout, sq, rows, delta, info) -> float:
    """``‖δ_down‖² + Σ σ² ‖sensitivity‖²``: the noise sensitivities, from the downstream back (reverse mode)."""
    chain = layout.chain
    types, K, d = chain.types, layout.K, len(sq)
    adj = [None] * K
    adj[K - 1] = np.eye(d)
    noise = 0.0
    B = {}  # shared-noise type -> Σ_k ω E_k (Gram-form fits), when several fits see the type
    S = {}  # shared-noise explicit type -> per-row sensitivities from row-form fits (d × count)

    def add(src, M):
        if src != WO:
            adj[src] = M if adj[src] is None else adj[src] + M

    for k in range(K - 1, -1, -1):
        if adj[k] is None:  # no later fit reads this one
            continue
        kind = info[k][0]
        if kind == "gram":
            _, items, W, cho, Pv = info[k]
            C = adj[k] if Pv is None else adj[k] @ Pv
            if cho is None:  # one Bartlett type, λ = 0: v = v_src + (LLᵀ)⁻¹ẑ
                i = items[0][0]
                t = types[i]
                add(_source(t, k), C)
                E_L = scipy.linalg.solve_triangular(rows.L[i], C.T, lower=True, check_finite=False)  # (C L⁻ᵀ)ᵀ
                if t.fit_sources is not None or layout.touched[i] == 1:
                    noise += _noise(t, k) ** 2 * _frob2(E_L)
                else:
                    E = scipy.linalg.solve_triangular(rows.L[i], E_L, lower=True, check_finite=False, trans="T").T
                    B[i] = E if i not in B else B[i] + E
                continue
            E = scipy.linalg.cho_solve(cho, C.T, check_finite=False).T / W  # C Ĥ⁻¹/W
            for i, w in items:
                t = types[i]
                src = _source(t, k)
                if src != WO:
                    add(src, w * (E @ rows.gram(i)))
                if t.fit_sources is not None or layout.touched[i] == 1:
                    noise += (_noise(t, k) * w) ** 2 * rows.root_norm2(i, E)
                else:
                    B[i] = w * E if i not in B else B[i] + w * E
        else:
            _, DM, Zk, owner, index = info[k]
            F = adj[k] @ DM  # ∂v_down/∂(labels of the fit's rows)
            for i in np.unique(owner):
                t = types[i]
                pos = owner == i
                Fi = F[:, pos]
                add(_source(t, k), Fi @ Zk[pos])
                if t.fit_sources is not None or (layout.touched[i] == 1 and not layout.subsample[k]):
                    noise += _noise(t, k) ** 2 * _frob2(Fi)
                else:
                    if i not in S:
                        S[i] = np.zeros((d, t.count))
                    S[i][:, index[pos]] += Fi
    for i in set(B) | set(S):
        t = types[i]
        if i in S:
            total = S[i] if i not in B else S[i] + B[i] @ rows.Z[i].T
            noise += t.noise**2 * _frob2(total)
        else:
            noise += t.noise**2 * rows.root_norm2(i, B[i])
    return float(delta[K - 1] @ delta[K - 1]) + noise
