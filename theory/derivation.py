"""Derivations as code: the collapse term ``ρ`` and the clean error, step by step (THEORY.md §3.3).

Each derivation is a :class:`Derivation`, an immutable sequence of named :class:`Step` s; every
step is ``lhs relation rhs`` with SymPy objects on both sides, and says which fact it uses. The
algebra (expanding the trace, cyclicity, splitting the sums over eigenvalues, simplifying) is
done by SymPy; the two inputs that are not algebra are the first- and second-order
deterministic equivalents of ``B = λ(Σ̂+λ)⁻¹`` (Bach 2023, arXiv:2303.01372):

    E tr B ≃ Σ_j κ/(λ_j+κ),        E tr(BΣBΣ⁻¹) ≃ Σ_j κ²/(λ_j+κ)² / (1 − df_2/T).

The end points equal :func:`modelcollapse.theory.collapse.collapse_trace`,
:func:`~modelcollapse.theory.collapse.clean_bias` and
:func:`~modelcollapse.theory.collapse.clean_variance` (the tests assert that the differences
simplify to 0). Every step is also a named result (``modelcollapse derive rho_trace_identity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm, stringPict
from sympy.simplify.simplify import factor_sum

from modelcollapse.theory import collapse
from modelcollapse.theory.latex import escape_text, latex
from modelcollapse.theory.provenance import asymptotic, equivalent, exact
from modelcollapse.theory.registry import DERIVATIONS, named_result, register_derivation
from modelcollapse.theory.spectral import bias_sum_explicit
from modelcollapse.theory.symbols import (
    T0,
    A_mat,
    B_mat,
    Sigma,
    Sigma_hat,
    T,
    d,
    df1,
    df1_of,
    df2,
    df2_of,
    eigenvalue,
    j,
    kappa,
    lam,
    sigma,
    trace1,
    trace2,
)

__all__ = [
    "Step", "Derivation", "EQUAL", "EQUIVALENT", "ASYMPTOTIC", "DERIVATIONS", "register_derivation",
    "collapse_trace_derivation", "rho_derivation", "rho_limits", "clean_error_derivation",
    "identify_df", "trace_identity",
]

EQUAL, EQUIVALENT, ASYMPTOTIC = "=", r"\simeq", r"\sim"

_PLAIN_RELATION = {EQUAL: "=", EQUIVALENT: "≃", ASYMPTOTIC: "~"}
_ASCII_RELATION = {EQUAL: "=", EQUIVALENT: "~=", ASYMPTOTIC: "~"}


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step ``lhs relation rhs`` of a derivation.

    Attributes
    ----------
    name : str
        Short identifier, unique within its derivation.
    statement : str
        What the step does and which fact it uses (plain text).
    lhs, rhs : sympy.Basic
    relation : str
        LaTeX of the relation: ``=`` (exact), ``\\simeq`` (deterministic equivalent), ``\\sim``.
    """

    name: str
    statement: str
    lhs: sp.Basic
    rhs: sp.Basic
    relation: str = EQUAL

    def __str__(self) -> str:
        return f"{sp.sstr(self.lhs)} {_PLAIN_RELATION.get(self.relation, self.relation)} {sp.sstr(self.rhs)}"

    def pretty(self, use_unicode: bool = True) -> str:
        """``lhs relation rhs`` as SymPy 2-d text."""
        printer = PrettyPrinter({"use_unicode": use_unicode})
        rel = (
            _PLAIN_RELATION.get(self.relation, self.relation)
            if use_unicode
            else _ASCII_RELATION.get(self.relation, "=")
        )
        form = prettyForm(*stringPict.next(printer._print(self.lhs), f" {rel} ", printer._print(self.rhs)))
        return form.render(wrap_line=False)


@dataclass(frozen=True, kw_only=True)
class Derivation:
    """An immutable, printable derivation: named steps from a starting identity to a result.

    Index by step name (``derivation["simplified"]``); :attr:`result` is the last right-hand side.
    Displays as aligned LaTeX in Jupyter and prints through :func:`modelcollapse.theory.latex.latex`.
    """

    title: str
    steps: tuple[Step, ...]
    source: str = ""

    def __post_init__(self):
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate step names in {self.title!r}: {names}")

    def __getitem__(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step {name!r} in {self.title!r}; steps: {', '.join(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    @property
    def result(self) -> sp.Basic:
        return self.steps[-1].rhs

    def __str__(self) -> str:
        lines = [self.title]
        for i, s in enumerate(self.steps, 1):
            lines += [f"({i}) {s.name}: {s.statement}", f"    {s}"]
        return "\n".join(lines)

    def pretty(self, use_unicode: bool = True) -> str:
        """The steps as SymPy 2-d text, each under its numbered statement."""
        lines = [self.title]
        for i, s in enumerate(self.steps, 1):
            lines.append(f"({i}) {s.name}: {s.statement}")
            lines += ["    " + line for line in s.pretty(use_unicode).splitlines()]
        return "\n".join(lines)

    def _latex(self, printer) -> str:
        rows = [
            rf"{printer.doprint(s.lhs)} &{s.relation} {printer.doprint(s.rhs)} "
            rf"&& \text{{({i}) {escape_text(s.statement)}}}"
            for i, s in enumerate(self.steps, 1)
        ]
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    def latex(self, **settings) -> str:
        """The steps as an ``aligned`` environment (math mode, no delimiters)."""
        return latex(self, **settings)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"


# -- building blocks ------------------------------------------------------------------------------
_I = sp.Identity(d)
_COLLAPSE_TRACE = sp.Trace(A_mat.T * Sigma * A_mat * Sigma.I)  # tr(AᵀΣAΣ⁻¹)
_TR_B = sp.Trace(B_mat)
_TR_BSB = sp.Trace(B_mat * Sigma * B_mat * Sigma.I)
_RHO = sp.Symbol("rho")
_BIAS, _VARIANCE = sp.Symbol("B"), sp.Symbol("V")
_w0 = sp.MatrixSymbol("w_0", d, 1)
_u = sp.IndexedBase("u")  # u_j = λ_j/(λ_j+κ), the summand of df_1
_DF = {1: df1, 2: df2}


def _kappa_sum(m: int) -> sp.Sum:
    """``Σ_j (κ/(λ_j+κ))^m``, the eigen-sum of the deterministic equivalent of order ``m``."""
    return sp.Sum((kappa / (eigenvalue[j] + kappa)) ** m, (j, 1, d))


def _cyclic_reduce(tr: sp.Trace) -> sp.Basic:
    """``tr(M_1⋯M_k)`` rotated so that products like ``Σ⁻¹Σ`` cancel (cyclicity of the trace)."""
    def size(m):
        return len(m.args) if isinstance(m, sp.MatMul) else 1

    factors = list(tr.arg.args) if isinstance(tr.arg, sp.MatMul) else [tr.arg]
    best = tr.arg
    for shift in range(1, len(factors)):
        rotated = sp.MatMul(*(factors[shift:] + factors[:shift])).doit()
        if size(rotated) < size(best):
            best = rotated
    return sp.Trace(best)


def trace_identity() -> sp.Expr:
    """``tr(AᵀΣAΣ⁻¹) = d − 2 tr B + tr(BΣBΣ⁻¹)`` for ``A = I − B``, ``B`` symmetric (SymPy).

    Expands the product, splits the trace over the sum, uses ``Bᵀ = B`` and the cyclicity of the
    trace (``tr(ΣBΣ⁻¹) = tr B``).
    """
    product = sp.expand((_I - B_mat).T * Sigma * (_I - B_mat) * Sigma.I).subs(B_mat.T, B_mat)
    split = sp.Trace(product).doit()  # linearity; tr I = d
    return split.replace(lambda e: isinstance(e, sp.Trace), _cyclic_reduce)


def identify_df(m: int) -> sp.Expr:
    """``Σ_j (κ/(λ_j+κ))^m`` as a polynomial in ``df_1, df_2`` (``m = 1, 2``), by SymPy.

    Uses ``κ/(λ_j+κ) = 1 − u_j`` with ``u_j = λ_j/(λ_j+κ)``; expands ``(1 − u_j)^m``, splits the sum
    over the terms and names ``Σ_j u_j^k = df_k``. Checks the one identity it relies on.
    """
    lj = eigenvalue[j]
    if sp.simplify(kappa / (lj + kappa) - (1 - lj / (lj + kappa))) != 0:  # pragma: no cover
        raise AssertionError("kappa/(l+kappa) = 1 - l/(l+kappa) failed")
    split = sp.Sum(sp.expand((1 - _u[j]) ** m), (j, 1, d)).expand()
    total = sp.Add(*(factor_sum(t) if t.has(_u) else factor_sum(t).doit() for t in sp.Add.make_args(split)))
    named = total.xreplace({sp.Sum(_u[j] ** k, (j, 1, d)): _DF[k] for k in range(1, m + 1)})
    if named.has(_u):  # pragma: no cover
        raise AssertionError(f"could not name every sum in {named}")
    return named


# -- the collapse trace and rho ---------------------------------------------------------------------
@lru_cache(maxsize=None)
def collapse_trace_derivation() -> Derivation:
    """``E tr(AᵀΣAΣ⁻¹) ≃ df_2 (T + d − 2 df_1)/(T − df_2)`` from the trace identity (THEORY.md §3.3)."""
    identity = trace_identity()
    first = identify_df(1)
    second = identify_df(2)
    substituted = identity.xreplace({_TR_B: first, _TR_BSB: second / (1 - df2 / T)})
    simplified = sp.factor(sp.together(substituted))
    steps = (
        Step(name="definition", statement="A = I − B with B = λ(XᵀX/T + λ)⁻¹",
             lhs=_COLLAPSE_TRACE, rhs=sp.Trace((_I - B_mat).T * Sigma * (_I - B_mat) * Sigma.I)),
        Step(name="trace_identity", statement="expand; linearity and cyclicity of tr; B = Bᵀ",
             lhs=_COLLAPSE_TRACE, rhs=identity),
        Step(name="first_order", statement="first-order equivalent B ≃ κ(Σ + κ)⁻¹, in the eigenbasis of Σ",
             lhs=_TR_B, rhs=_kappa_sum(1), relation=EQUIVALENT),
        Step(name="first_order_df", statement="κ/(λⱼ + κ) = 1 − λⱼ/(λⱼ + κ); sum over j",
             lhs=_kappa_sum(1), rhs=first),
        Step(name="second_order", statement="second-order equivalent BΣB ≃ κ²Σ(Σ + κ)⁻²/(1 − df₂/T)",
             lhs=_TR_BSB, rhs=_kappa_sum(2) / (1 - df2 / T), relation=EQUIVALENT),
        Step(name="second_order_df", statement="expand (1 − λⱼ/(λⱼ + κ))²; sum over j",
             lhs=_kappa_sum(2), rhs=second),
        Step(name="substituted", statement="insert both equivalents into the trace identity",
             lhs=_COLLAPSE_TRACE, rhs=substituted, relation=EQUIVALENT),
        Step(name="simplified", statement="common denominator and factor",
             lhs=_COLLAPSE_TRACE, rhs=simplified, relation=EQUIVALENT),
    )
    return Derivation(title="Collapse trace E tr(AᵀΣAΣ⁻¹) from the trace identity", steps=steps,
                      source="THEORY.md 3.3; Bach 2023 (arXiv:2303.01372)")


@register_derivation("derivation_rho", derives="rho")
@lru_cache(maxsize=None)
def rho_derivation() -> Derivation:
    """``ρ = E tr(AᵀΣAΣ⁻¹)/(T0 − d − 1)`` (exact, §3.2) with the derived trace inserted."""
    trace = collapse_trace_derivation()
    exact = Step(name="reduction", statement="exact reduction, OLS generators with T₀ ≥ d + 2 (inverse-Wishart mean)",
                 lhs=_RHO, rhs=_COLLAPSE_TRACE / (T0 - d - 1))
    final = Step(name="rho", statement="insert the derived collapse trace",
                 lhs=_RHO, rhs=trace.result / (T0 - d - 1), relation=EQUIVALENT)
    return Derivation(title="Collapse per generation ρ, from the trace identity", steps=trace.steps + (exact, final),
                      source="THEORY.md 3.2-3.3")


@register_derivation("derivation_rho_limits", derives="rho")
@lru_cache(maxsize=None)
def rho_limits() -> Derivation:
    """Limits of ``ρ``: ``λ → 0`` with ``T > d`` gives ``d/(T0 − d − 1)``; ``λ → ∞`` gives 0.

    Ridgeless: at ``λ = 0`` the ``κ`` equation reads ``κ(T − df_1)/T = 0`` and ``df_1 <= d < T``, so
    ``κ = 0``, where every summand of ``df_m`` is 1. Strong ridge: ``λ <= κ <= λ + tr Σ/T`` so
    ``κ ~ λ``, and ``κ^m df_m(κ) → tr Σ^m``; the trace decays like ``tr Σ² (T + d)/(T κ²)``.
    """
    trace_de = collapse.collapse_trace()
    rho_de = collapse.collapse_rho()
    eq = collapse.kappa_equation()
    ridgeless_eq = sp.factor((eq.lhs - eq.rhs).subs(lam, 0))
    summand = {m: (eigenvalue[j] / (eigenvalue[j] + kappa)) ** m for m in (1, 2)}
    df_at_zero = {m: sp.Sum(sp.limit(summand[m], kappa, 0), (j, 1, d)).doit() for m in (1, 2)}
    trace_zero = sp.simplify(trace_de.subs({df1: df_at_zero[1], df2: df_at_zero[2]}))
    rho_zero = rho_de.subs(collapse.collapse_trace(), trace_zero)
    if sp.simplify(rho_zero - rho_de.subs({df1: d, df2: d})) != 0:  # pragma: no cover
        raise AssertionError("rho at lambda = 0 does not follow from df_1 = df_2 = d")
    # strong ridge: leading behaviour of each summand, then of the trace
    lead = {m: sp.limit(kappa**m * summand[m], kappa, sp.oo) for m in (1, 2)}
    strong = trace_de.subs({df1: trace1 / kappa, df2: trace2 / kappa**2})
    trace_lead = sp.limit(kappa**2 * strong, kappa, sp.oo) / kappa**2
    steps = (
        Step(name="ridgeless_kappa", statement="κ equation at λ = 0; df₁ ≤ d < T forces κ = 0",
             lhs=sp.Subs(eq.lhs - eq.rhs, lam, 0), rhs=ridgeless_eq),
        Step(name="ridgeless_df", statement="each summand of df_m tends to 1 as κ → 0 (m = 1, 2)",
             lhs=sp.Limit(df1_of(kappa), kappa, 0), rhs=df_at_zero[1]),
        Step(name="ridgeless_trace", statement="df₁ = df₂ = d in the collapse trace (T > d)",
             lhs=sp.Limit(_COLLAPSE_TRACE, lam, 0), rhs=trace_zero),
        Step(name="ridgeless_rho", statement="hence ρ at λ → 0 (T > d)",
             lhs=sp.Limit(_RHO, lam, 0), rhs=rho_zero),
        Step(name="ridgeless_rho_asymptotic", statement="the ratio to d/(T₀ − d) tends to 1",
             lhs=sp.Limit(rho_zero / (d / (T0 - d)), T0, sp.oo), rhs=sp.limit(rho_zero / (d / (T0 - d)), T0, sp.oo)),
        Step(name="strong_df", statement="κᵐ df_m(κ) → tr Σᵐ as κ → ∞ (shown for m = 2)",
             lhs=sp.Limit(kappa**2 * df2_of(kappa), kappa, sp.oo), rhs=sp.Sum(lead[2], (j, 1, d))),
        Step(name="strong_trace", statement="df₁ ~ tr Σ/κ, df₂ ~ tr Σ²/κ², and κ ~ λ (λ ≤ κ ≤ λ + tr Σ/T)",
             lhs=_COLLAPSE_TRACE, rhs=trace_lead.subs(kappa, lam), relation=ASYMPTOTIC),
        Step(name="strong_rho", statement="hence ρ → 0 as λ → ∞",
             lhs=sp.Limit(_RHO, lam, sp.oo), rhs=sp.limit((trace_lead / (T0 - d - 1)).subs(kappa, lam), lam, sp.oo)),
    )
    return Derivation(title="Limits of the collapse term ρ", steps=steps, source="THEORY.md 3.3")


@register_derivation("derivation_clean_error", derives="clean_bias")
@lru_cache(maxsize=None)
def clean_error_derivation() -> Derivation:
    """Clean bias ``κ² S_B/(1 − df_2/T)`` and variance ``σ² df_2/(T − df_2)`` of ridge (THEORY.md §3.3).

    ``ŵ − w0 = −B w0 + (Σ̂+λ)⁻¹XᵀE/T`` with ``B = λ(Σ̂+λ)⁻¹``: the bias is ``w0ᵀBΣBw0`` and the
    variance ``σ²/T tr(Σ(Σ̂+λ)⁻¹Σ̂(Σ̂+λ)⁻¹)`` (exact, conditional on ``X``); then the second-order
    equivalents ``BΣB ≃ κ²Σ(Σ+κ)⁻²/(1 − df_2/T)`` and ``tr(Σ(Σ̂+λ)⁻¹Σ̂(Σ̂+λ)⁻¹)/T ≃ (df_2/T)/(1 − df_2/T)``.
    """
    resolvent = (Sigma_hat + lam * _I).I
    bias_sum = bias_sum_explicit()
    bias_de = kappa**2 * bias_sum / (1 - df2 / T)
    variance_de = sp.factor(sp.together(sigma**2 * (df2 / T) / (1 - df2 / T)))
    steps = (
        Step(name="bias_exact", statement="the bias part of ŵ − w₀ is −Bw₀; B = Bᵀ",
             lhs=_BIAS, rhs=(_w0.T * B_mat * Sigma * B_mat * _w0)),
        Step(name="bias_equivalent", statement="second-order equivalent BΣB ≃ κ²Σ(Σ + κ)⁻²/(1 − df₂/T)",
             lhs=_BIAS, rhs=bias_de, relation=EQUIVALENT),
        Step(name="bias", statement="name the teacher sum S_B = Σⱼ λⱼcⱼ²/(λⱼ + κ)²",
             lhs=_BIAS, rhs=bias_de.xreplace({bias_sum: collapse.bias_sum}), relation=EQUIVALENT),
        Step(name="variance_exact", statement="noise part (XᵀX/T + λ)⁻¹XᵀE/T with E ~ N(0, σ²I)",
             lhs=_VARIANCE, rhs=sigma**2 / T * sp.Trace(Sigma * resolvent * Sigma_hat * resolvent)),
        Step(name="variance", statement="second-order equivalent (df₂/T)/(1 − df₂/T); simplify",
             lhs=_VARIANCE, rhs=variance_de, relation=EQUIVALENT),
    )
    return Derivation(title="Clean bias and variance of ridge regression", steps=steps,
                      source="THEORY.md 3.3; Bach 2023 (arXiv:2303.01372)")


# -- registered results: the key steps, in the order a reader follows them ------------------------
def _register(name, derivation, step, *, title, lhs, relation, provenance, source="THEORY.md 3.3"):
    named_result(name, title=title, lhs=lhs, provenance=provenance, source=source, relation=relation)(
        lambda: derivation()[step].rhs)


_register("rho_trace_identity", collapse_trace_derivation, "trace_identity",
          title="Derivation of ρ (1): trace identity, A = I − B", lhs=latex(_COLLAPSE_TRACE), relation=EQUAL,
          provenance=exact("exact (B symmetric)"))
_register("rho_first_order", collapse_trace_derivation, "first_order_df",
          title="Derivation of ρ (2): first-order equivalent of tr B", lhs=latex(_TR_B), relation=EQUIVALENT,
          provenance=equivalent(), source="Bach 2023; THEORY.md 3.3")
_register("rho_second_order", collapse_trace_derivation, "second_order",
          title="Derivation of ρ (3): second-order equivalent of tr(BΣBΣ⁻¹)", lhs=latex(_TR_BSB),
          relation=EQUIVALENT, provenance=equivalent(), source="Bach 2023; THEORY.md 3.3")
_register("rho_second_order_df", collapse_trace_derivation, "second_order_df",
          title="Derivation of ρ (4): the second-order eigen-sum in df₁, df₂", lhs=latex(_kappa_sum(2)),
          relation=EQUAL, provenance=exact("exact (algebra)"))
_register("rho_derived", rho_derivation, "rho",
          title="Derivation of ρ (5): the result", lhs=r"\rho", relation=EQUIVALENT,
          provenance=equivalent("deterministic equivalent with exact T0-d-1 prefactor"), source="THEORY.md 3.2-3.3")
_register("rho_limit_ridgeless", rho_limits, "ridgeless_rho",
          title="ρ in the ridgeless limit λ → 0 with T > d", lhs=r"\lim_{\lambda\to 0}\rho", relation=EQUAL,
          provenance=exact("exact (OLS, T >= d + 2)"), source="THEORY.md 3.1, 3.3")
_register("rho_limit_strong_ridge", rho_limits, "strong_trace",
          title="Collapse trace for strong ridge (→ 0 as λ → ∞)", lhs=latex(_COLLAPSE_TRACE),
          relation=ASYMPTOTIC, provenance=asymptotic("asymptotic (λ → ∞, κ ~ λ)"))
