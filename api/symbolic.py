"""The registered results as SymPy objects a theorist works with, and the scaling law at any ``β, r, a``.

:func:`result` gives a :class:`Result`: the SymPy expression itself (``.expr``: ``subs``,
``series``, ``limit``, ``lambdify`` and ``latex`` all apply), its symbols with their assumptions,
its typed provenance and source, its LaTeX, and a fast numeric function of named arguments
(``r(T=400, d=100, ...)``) — for results with declared arguments, the very function the numeric
layer evaluates (:func:`modelcollapse.numerics.formulas.formula`), so the numbers agree with
``predict`` bit for bit where they coincide. :func:`scaling_law` substitutes numbers or symbols
for ``β, r, a`` in the exponents of THEORY.md §3.6.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.scaling import scaling_exponents
from modelcollapse.theory import DERIVATIONS, RESULTS
from modelcollapse.theory import scaling as law
from modelcollapse.theory.errors import NotCoveredError, ScenarioError, UnknownResultError, did_you_mean
from modelcollapse.theory.latex import latex
from modelcollapse.theory.provenance import Provenance
from modelcollapse.theory.registry import NamedResult
from modelcollapse.theory.symbols import beta as beta_symbol
from modelcollapse.theory.symbols import r as r_symbol

__all__ = ["Result", "result", "results", "derive", "ScalingLaw", "scaling_law"]


def _unknown(name: str, known) -> UnknownResultError:
    error = UnknownResultError(name, sorted(known))
    error.args = (f"unknown result {name!r}{did_you_mean(name, known)}; known: {', '.join(sorted(known))}",)
    return error


def _aliases(symbol: sp.Symbol) -> set[str]:
    """Keyword names of a symbol: its name (``T_0``), without underscores (``T0``); ``lam`` for ``lambda``."""
    names = {symbol.name, symbol.name.replace("_", "")}
    return names | ({"lam"} if symbol.name == "lambda" else set())


class Result:
    """A registered result: a SymPy expression (or equation) with what it is and where it holds.

    Attributes
    ----------
    name, title, source : str
    expr : sympy.Expr or sympy.Eq
        The expression itself (an equation for the fixed-point equations).
    symbols : tuple of sympy.Symbol
        Its arguments, in call order (declared ones, else its free symbols by name).
    assumptions : dict
        ``{symbol name: {"positive": True, "integer": True, ...}}``.
    provenance : Provenance
        A ``str`` (its sentence) with a ``kind`` (exact, deterministic equivalent, asymptotic ...).

    Examples
    --------
    >>> import sympy, modelcollapse as mc
    >>> r = mc.result("ols_exact")
    >>> r.expr
    d*n*sigma_0**2/(T_0 - d - 1) + d*sigma**2/(T - d - 1)
    >>> r.provenance.kind.value
    'exact'
    >>> round(r(sigma=0.5, sigma0=1.0, n=4, T=400, T0=300, d=100), 6)   # = predict("isotropic_ols").test_error
    2.093662
    >>> T = r.symbols_by_name["T"]
    >>> sympy.limit(r.expr, T, sympy.oo)
    -d*n*sigma_0**2/(-T_0 + d + 1)
    >>> r.assumptions["T"]["integer"]
    True
    """

    def __init__(self, named: NamedResult):
        self._named = named
        self.name, self.title, self.source = named.name, named.title, named.source
        self.provenance: Provenance = named.provenance

    @property
    def expr(self) -> sp.Basic:
        """The SymPy expression (``sympy.Eq`` for an equation), built once per process."""
        return self._named.expr()

    @cached_property
    def symbols(self) -> tuple:
        """The arguments, in call order: the declared ones, else the free symbols sorted by name."""
        if self._named.args:
            return tuple(self._named.args)
        return tuple(sorted((s for s in self.expr.free_symbols if isinstance(s, sp.Symbol)), key=lambda s: s.name))

    @property
    def symbols_by_name(self) -> dict:
        """``{name: Symbol}`` of :attr:`symbols` (``r.symbols_by_name["T_0"]``)."""
        return {s.name: s for s in self.symbols}

    @property
    def assumptions(self) -> dict:
        """``{symbol name: {assumption: True, ...}}`` (``positive``, ``integer``, ...)."""
        return {s.name: {k: v for k, v in s.assumptions0.items() if v is True} for s in self.symbols}

    @property
    def derivations(self) -> tuple[str, ...]:
        return self._named.derivations

    def latex(self, **settings) -> str:
        """``lhs = expression`` in LaTeX, in the paper's notation (no math delimiters)."""
        return self._named.latex(**settings)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __repr__(self) -> str:
        return f"Result({self.name!r}: {sp.sstr(self.expr)}; {self.provenance})"

    def subs(self, *args, **kwargs) -> sp.Basic:
        """``self.expr.subs(...)``."""
        return self.expr.subs(*args, **kwargs)

    @cached_property
    def numeric(self):
        """The lambdified function of :attr:`symbols`, positional in that order (NumPy arrays broadcast)."""
        if isinstance(self.expr, sp.Equality):
            raise NotCoveredError(f"{self.name} is an equation (sympy.Eq), not a function: use .expr, .expr.lhs, "
                                  ".expr.rhs or sympy.solve")
        if self._named.args:
            return formula(self.name)  # the function the numeric layer evaluates
        return sp.lambdify(self.symbols, self.expr, modules="numpy")

    def __call__(self, **values):
        """The value at named arguments (``T=400``; ``T_0`` or ``T0``; ``lam`` for ``lambda``)."""
        function = self.numeric  # an equation is refused before its arguments are looked at
        args, unknown = [], dict(values)
        for s in self.symbols:
            given = [k for k in _aliases(s) if k in unknown]
            if not given:
                raise TypeError(f"{self.name}() missing argument {s.name!r}; arguments: "
                                f"{', '.join(x.name for x in self.symbols)}")
            args.append(unknown.pop(given[0]))
        if unknown:
            key = sorted(unknown)[0]
            names = [x.name for x in self.symbols]
            raise TypeError(f"{self.name}() got an unknown argument {key!r}{did_you_mean(key, names)}; "
                            f"arguments: {', '.join(names)}")
        return function(*args)


def result(name: str) -> Result:
    """The registered result ``name`` (``modelcollapse derive NAME``) as a :class:`Result`.

    Raises
    ------
    UnknownResultError
        Naming the closest registered name and listing them all.
    """
    if name not in RESULTS:
        raise _unknown(name, RESULTS)
    return Result(RESULTS[name])


def results() -> dict[str, str]:
    """Every registered result: ``{name: title}``."""
    return {name: r.title for name, r in RESULTS.items()}


def derive(name: str):
    """A derivation, step by step (a :class:`~modelcollapse.theory.derivation.Derivation`).

    ``name`` is a registered derivation (``derivation_rho``) or a result that has one (``rho``:
    its first derivation). In Jupyter it displays as aligned LaTeX; ``str`` lists the steps.

    Examples
    --------
    >>> import modelcollapse as mc
    >>> d = mc.derive("derivation_rho")
    >>> d.names[0], len(d.steps) > 3
    ('definition', True)
    """
    if name in DERIVATIONS:
        return DERIVATIONS[name]()
    if name in RESULTS and RESULTS[name].derivations:
        return DERIVATIONS[RESULTS[name].derivations[0]]()
    raise _unknown(name, [*DERIVATIONS, *(n for n, r in RESULTS.items() if r.derivations)])


# -- scaling laws ------------------------------------------------------------------------------

_EXPONENTS = {
    "ell_crit": (law.ell_crit, "β/(1 + 2β min(r,1)): bias = variance"),
    "ell_opt": (law.ell_opt, "optimal ℓ of λ = T^-ℓ with synthetic data (T0 ~ T^a)"),
    "rate_clean": (law.rate_clean, "E ~ T^-rate on clean data"),
    "rate_collapse": (law.rate_collapse, "E ~ T^-rate with n >= 1 synthetic generations (T0 ~ T^a)"),
    "plateau_exponent": (law.plateau_exponent, "power of nσ0²/T0 in the fixed-T0 plateau"),
}


def _input(name: str, value, symbol: sp.Symbol, check) -> sp.Basic:
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or not check(value):
        accepted = {"beta": "a number > 1", "r": "a number > 0", "a": "a number >= 0 (T0 ∝ T^a; 0 = fixed T0)"}
        raise ScenarioError(name, f"expected {accepted[name]} or a SymPy expression, got {value!r}")
    return sp.Rational(value)  # the exact binary value, as numerics.scaling does


@dataclass(frozen=True)
class ScalingLaw:
    """The exponents of THEORY.md §3.6 at given ``β, r, a``: SymPy expressions (numbers when all inputs are).

    Attributes
    ----------
    beta, r, a : sympy.Basic
    noiseless : bool
    ell_crit, ell_opt, rate_clean, rate_collapse, plateau_exponent : sympy.Expr
    """

    beta: sp.Basic
    r: sp.Basic
    a: sp.Basic
    noiseless: bool
    ell_crit: sp.Basic
    ell_opt: sp.Basic
    rate_clean: sp.Basic
    rate_collapse: sp.Basic
    plateau_exponent: sp.Basic

    @property
    def is_numeric(self) -> bool:
        return all(getattr(self, name).is_number for name in _EXPONENTS)

    def to_dict(self) -> dict:
        """Numeric inputs: ``modelcollapse scaling --json`` (floats, dominant terms ...); else the exponents as text."""
        if all(v.is_number for v in (self.beta, self.r, self.a)):
            return scaling_exponents(float(self.beta), float(self.r), float(self.a), noiseless=self.noiseless)
        out = {"beta": self.beta, "r": self.r, "a": self.a, "noiseless": self.noiseless}
        out.update({name: getattr(self, name) for name in _EXPONENTS})
        return {k: (float(v) if isinstance(v, sp.Basic) and v.is_number else
                    v if isinstance(v, bool) else sp.sstr(v)) for k, v in out.items()}

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={sp.sstr(getattr(self, name))}" for name in _EXPONENTS)
        return f"ScalingLaw(beta={sp.sstr(self.beta)}, r={sp.sstr(self.r)}, a={sp.sstr(self.a)}: {shown})"

    def __str__(self) -> str:
        rows = [(name, sp.sstr(getattr(self, name)), note) for name, (_, note) in _EXPONENTS.items()]
        width = max(len(v) for _, v, _ in rows)
        head = (f"Scaling exponents (beta = {sp.sstr(self.beta)}, r = {sp.sstr(self.r)}, a = {sp.sstr(self.a)}"
                f"{', noiseless' if self.noiseless else ''}; asymptotic, THEORY.md 3.6)")
        return "\n".join([head, *(f"  {n:<17}{v:<{width}}  {note}" for n, v, note in rows)])

    def _repr_latex_(self) -> str:
        names = {"ell_crit": r"\ell_{\mathrm{crit}}", "ell_opt": r"\ell^{*}", "rate_clean": r"c_{\mathrm{clean}}",
                 "rate_collapse": r"c_{\mathrm{collapse}}", "plateau_exponent": r"c_{\mathrm{plateau}}"}
        body = r" \\ ".join(f"{names[n]} &= {latex(getattr(self, n))}" for n in _EXPONENTS)
        return rf"$\begin{{aligned}} {body} \end{{aligned}}$"


def scaling_law(beta=beta_symbol, r=r_symbol, a=1, *, noiseless: bool = False) -> ScalingLaw:
    """The scaling exponents at ``β, r, a`` — numbers or SymPy expressions (``modelcollapse scaling``).

    Parameters
    ----------
    beta : number > 1 or sympy expression
        Spectrum ``λ_j = j^(−β)``; default the symbol ``β``.
    r : number > 0 or sympy expression
        Source exponent of the teacher; default the symbol ``r``.
    a : number >= 0 or sympy expression
        ``T0 ∝ T^a`` (default 1).
    noiseless : bool
        ``rate_clean`` without label noise.

    Returns
    -------
    ScalingLaw
        Exact exponents (rationals when the inputs are numbers: a float enters as its exact binary
        value), symbolic ones otherwise. Asymptotic (``T → ∞``), THEORY.md §3.6.

    Examples
    --------
    >>> import sympy, modelcollapse as mc
    >>> mc.scaling_law(beta=2, r=0.5).ell_crit
    2/3
    >>> b = sympy.Symbol("beta", positive=True)
    >>> mc.scaling_law(beta=b, r=sympy.Rational(1, 2)).ell_crit
    beta/(beta + 1)
    >>> print(sympy.latex(mc.scaling_law(r=2).rate_collapse))
    \\frac{2 \\beta}{2 \\beta + 1}
    """
    values = {beta_symbol: _input("beta", beta, beta_symbol, lambda v: v > 1),
              r_symbol: _input("r", r, r_symbol, lambda v: v > 0),
              law.a: _input("a", a, law.a, lambda v: v >= 0)}
    noisy = not noiseless

    def at(expr):
        value = expr.subs(values, simultaneous=True)
        return value if value.is_number else sp.simplify(value)

    builders = {"ell_crit": law.ell_crit(), "ell_opt": law.ell_opt(), "rate_clean": law.rate_clean(noisy=noisy),
                "rate_collapse": law.rate_collapse(), "plateau_exponent": law.plateau_exponent()}
    return ScalingLaw(beta=values[beta_symbol], r=values[r_symbol], a=values[law.a], noiseless=noiseless,
                      **{name: at(expr) for name, expr in builders.items()})
