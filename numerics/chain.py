"""A chain is data: a scenario compiled to the sequence of fits it runs (THEORY.md §3.13).

Every model of a scenario — the ``n`` generators and the downstream — is a :class:`Fit`: the rows it
fits on, its estimator (ridge ``λ_k``; ``0`` is OLS, or the minimum-norm interpolator when it has
fewer rows than ``d``). Rows are grouped in :class:`RowType` s: ``count`` rows of one block, labelled
by one source (``w0`` for real rows, else an earlier fit), with one label-noise level, and for each
fit the probability that it selects a row of the type (``selected/pool``: 1 or 0 for replace and
accumulate, ``T0_k/N_k`` for a subsample of the pool). The downstream is the last fit.

The description is built by the *axes* (:mod:`modelcollapse.numerics.axes`): each axis maps its
scenario keys to the description (and validates them), in the order of
:data:`~modelcollapse.numerics.axes.AXES`. The general deterministic equivalent
(:mod:`modelcollapse.numerics.chain_engine`) reads nothing but this description, so an axis that
can say what its rows and fits are needs no new theory code.

Examples
--------
>>> from modelcollapse.numerics.scenario import Scenario
>>> s = Scenario.from_dict({"spectrum": {"kind": "isotropic", "d": 20}, "teacher": {"kind": "isotropic"},
...     "generators": {"n": 2, "T0": 30, "sigma0": 1.0, "scheme": "accumulate", "ridge": 0.1},
...     "downstream": {"T": 40, "sigma": 0.5, "ridge": 0.0}})
>>> chain = compile_chain(s)
>>> [f.rows for f in chain.fits], [f.ridge for f in chain.fits]
([30, 60, 40], [0.1, 0.1, 0.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["RowType", "Fit", "Chain", "ChainDraft", "compile_chain", "WO", "FIT_HOOKS", "ROW_HOOKS"]

WO = -1  # source of a real row: the teacher w0
FIT_HOOKS = ("estimator", "features", "post")  # the simulator hooks a Fit may carry
ROW_HOOKS = ("fit_weights", "accept")  # ... and a RowType


@dataclass(frozen=True, kw_only=True)
class RowType:
    """``count`` rows of block ``block`` labelled by ``source`` (a fit index, or :data:`WO`) with noise ``noise``.

    ``selected[k]/pool[k]`` is the probability that fit ``k`` fits a given row of this type
    (exact rationals; each fit draws independently of the others).
    """

    count: int
    block: int
    source: int
    noise: float
    selected: tuple[int, ...]
    pool: tuple[int, ...]
    # a row fitted by several fits with different labels (a reused design): fit k's source and its own
    # fresh noise level; None: one source and one noise draw shared by every fit that selects the row
    fit_sources: tuple[int, ...] | None = None
    fit_noises: tuple[float, ...] | None = None
    # simulator hooks (numerics/simulate_hooks.py; None: the plain definition). fit_weights[k]: the weight of
    # each row of this type in fit k's weighted least squares; accept: a filter the drawn rows pass (their
    # labels included) before any fit sees them. The general engine reads neither: it refuses a chain
    # that sets them (Chain.simulation_hooks) until an axis teaches it.
    fit_weights: tuple[float, ...] | None = None
    accept: object | None = None

    def source_of(self, k: int) -> int:
        return self.source if self.fit_sources is None else self.fit_sources[k]

    def probability(self, k: int) -> float:
        return self.selected[k] / self.pool[k]


@dataclass(frozen=True, kw_only=True)
class Fit:
    """One model of the chain: ``rows`` rows (expected, exactly an integer), ridge ``ridge`` (0: OLS / min-norm)."""

    rows: int
    ridge: float
    drawn_from: int  # rows the fit draws its rows from (its block, or the pool)
    name: str = ""
    # simulator hooks (numerics/simulate_hooks.py; None: the plain definition): how the fit fits (estimator,
    # default the ridge / OLS / minimum-norm fit of `ridge`), which features of x it sees, and a map applied
    # to its fitted ŵ before it labels rows or is measured (post)
    estimator: object | None = None
    features: object | None = None
    post: object | None = None


@dataclass(frozen=True, kw_only=True)
class Chain:
    """The fits (generators first, the downstream last) and the row types they fit on."""

    d: int
    fits: tuple[Fit, ...]
    types: tuple[RowType, ...]
    scheme: str = "replace"  # how the fits re-use rows (for the finite-size weights and the notes)

    @property
    def n_fits(self) -> int:
        return len(self.fits)

    def engine_is_exact(self, isotropic: bool) -> bool:
        """Where the general engine reproduces the exact results (measured to 1e-14, tests/test_chain_engine.py).

        Replace or accumulate, no ridge, every fit at least 2 rows from ``d``, real rows only in the first
        block, and every fit OLS (``T >= d + 2``) or ``Σ ∝ I`` (minimum-norm fits are uniform projections).
        """
        fits_ok = all(f.ridge == 0 and abs(f.rows - self.d) >= 2 for f in self.fits)
        shared = [t for t in self.types if t.fit_sources is not None]  # a reused design: exact without real rows
        return (self.scheme in ("replace", "accumulate") and fits_ok and len(shared) <= 1
                and all(t.source != WO for t in self.types if t.block >= 1)
                and (isotropic or all(f.rows >= self.d + 2 for f in self.fits)))

    def simulation_hooks(self) -> tuple[str, ...]:
        """Names of the simulator hooks set anywhere in the chain (``()``: the plain definition of THEORY.md §1)."""
        found = {name for f in self.fits for name in FIT_HOOKS if getattr(f, name) is not None}
        found |= {name for t in self.types for name in ROW_HOOKS if getattr(t, name) is not None}
        return tuple(name for name in FIT_HOOKS + ROW_HOOKS if name in found)

    def replace_fit(self, k: int, **changes) -> "Chain":
        """This chain with fit ``k``'s fields changed (e.g. ``post=...``): for an axis's refinement."""
        fits = list(self.fits)
        fits[k] = replace(fits[k], **changes)
        return replace(self, fits=tuple(fits))

    def replace_types(self, select, **changes) -> "Chain":
        """This chain with the fields of every row type ``t`` with ``select(t)`` changed."""
        return replace(self, types=tuple(replace(t, **changes) if select(t) else t for t in self.types))

    def without_generators(self) -> "Chain":
        """The downstream alone on real rows (the clean error of the same downstream)."""
        down = self.fits[-1]
        noise = next(t.noise for t in self.types if t.block == self.n_fits - 1)
        row = RowType(count=down.rows, block=0, source=WO, noise=noise, selected=(1,), pool=(1,))
        return Chain(d=self.d, fits=(replace(down, drawn_from=down.rows),), types=(row,), scheme="replace")


@dataclass(kw_only=True)
class Block:
    """A block of fresh rows while the chain is being described: its size, noise, real rows, labeller."""

    size: int
    noise: float
    real: int = 0
    labeller: int = WO  # the fit that labels its synthetic rows


@dataclass(kw_only=True)
class ChainDraft:
    """The mutable description the axes fill in, turned into a :class:`Chain` by :meth:`build`.

    ``blocks[b]`` is the block of fresh rows that fit ``b`` first sees (the generators' blocks, then
    the downstream's); ``membership[k][b] = (selected, pool)`` says which share of block ``b`` fit
    ``k`` selects; ``ridges[k]`` is fit ``k``'s ridge.
    """

    d: int
    blocks: list[Block] = field(default_factory=list)
    membership: list[list[tuple[int, int]]] = field(default_factory=list)
    fit_rows: list[int] = field(default_factory=list)
    drawn_from: list[int] = field(default_factory=list)
    ridges: list[float] = field(default_factory=list)
    scheme: str = "replace"
    reused: bool = False  # the generators all fit block 0's rows, each relabelling them (design_matrix axis)
    # functions Chain -> Chain applied in order after the chain is built: how an axis sets simulator hooks
    # (Chain.replace_fit, Chain.replace_types) or refines what the earlier axes described
    refinements: list = field(default_factory=list)

    def build(self) -> Chain:
        K = len(self.blocks)
        types = []
        if self.reused:
            types += self._reused_types(K)
        for b, block in enumerate(self.blocks):
            if self.reused and b < K - 1:
                continue
            selected = tuple(self.membership[k][b][0] for k in range(K))
            pool = tuple(self.membership[k][b][1] for k in range(K))
            real = block.size if block.labeller == WO else block.real
            for rows, source in ((real, WO), (block.size - real, block.labeller)):
                if rows:
                    types.append(RowType(count=rows, block=b, source=source, noise=block.noise,
                                         selected=selected, pool=pool))
        fits = tuple(Fit(rows=self.fit_rows[k], ridge=self.ridges[k], drawn_from=self.drawn_from[k],
                         name="downstream" if k == K - 1 else f"generator {k + 1}") for k in range(K))
        chain = Chain(d=self.d, fits=fits, types=tuple(types), scheme=self.scheme)
        for refine in self.refinements:
            chain = refine(chain)
        return chain

    def _reused_types(self, K: int) -> list[RowType]:
        """Block 0's rows, fitted by every generator: fit ``k`` labels them with fit ``k − 1`` (real rows: ``w0``)."""
        n = K - 1
        block = self.blocks[0]
        selected = tuple(int(k < n) for k in range(K))
        noises = tuple(b.noise for b in self.blocks[:n]) + (0.0,)
        synthetic = tuple(WO if k == 0 else k - 1 for k in range(n)) + (WO,)
        out = []
        for rows, sources in ((block.real, (WO,) * K), (block.size - block.real, synthetic)):
            if rows:
                out.append(RowType(count=rows, block=0, source=WO, noise=0.0, selected=selected, pool=(1,) * K,
                                   fit_sources=sources, fit_noises=noises))
        return out


def compile_chain(scenario) -> Chain:
    """The chain of fits ``scenario`` runs: every axis of :data:`~modelcollapse.numerics.axes.AXES` in turn.

    Raises
    ------
    NotCoveredError, ScenarioError
        An axis value the description cannot express (naming the key).
    """
    from modelcollapse.numerics.axes import AXES  # the axes import this module's types

    draft = ChainDraft(d=int(scenario.d))
    for axis in AXES:
        axis.validate(scenario)
        axis.describe(scenario, draft)
    return draft.build()
