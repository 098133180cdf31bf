"""LaTeX of the theory's expressions, in the paper's notation.

:class:`TheoryLatexPrinter` is a SymPy ``LatexPrinter`` whose symbol and function names come from
a per-instance setting ``names`` (defaults: :data:`DEFAULT_NAMES`), so ``sigma_0`` prints as
``\\sigma_0``, ``df_1`` as ``\\operatorname{df}_1`` and the bias sum ``S_B`` as ``S_{w_0}``
(``Σ_j λ_j c_j²/(λ_j+κ)²``). Nothing is global: every call builds its own printer, and the output
is never edited after printing.

:func:`latex` prints an expression; :func:`result_latex` prints a registered result as
``lhs = expression`` (the one call that exports any named result).
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

__all__ = ["DEFAULT_NAMES", "TheoryLatexPrinter", "latex", "result_latex", "escape_text"]

# SymPy name of a symbol, function, matrix symbol or indexed base -> its LaTeX.
DEFAULT_NAMES = MappingProxyType({
    "sigma": r"\sigma",
    "sigma_0": r"\sigma_0",
    "T_0": "T_0",
    "lambda": r"\lambda",
    "kappa": r"\kappa",
    "kappa_0": r"\kappa_0",
    "phi": r"\phi",
    "phi_0": r"\phi_0",
    "df_1": r"\operatorname{df}_1",
    "df_2": r"\operatorname{df}_2",
    "df_3": r"\operatorname{df}_3",
    "S_B": r"S_{w_0}",
    "norm_w0": r"\lVert w_0\rVert_{\Sigma}",
    "tr_Sigma": r"\operatorname{tr}\Sigma",
    "tr_Sigma2": r"\operatorname{tr}(\Sigma^{2})",
    "Sigma": r"\Sigma",
    "Sigma_hat": r"\hat{\Sigma}",
})


class TheoryLatexPrinter(LatexPrinter):
    """``LatexPrinter`` with the toolkit's notation.

    Parameters
    ----------
    settings : dict, optional
        Any ``LatexPrinter`` setting, plus ``names``: a mapping from SymPy names to LaTeX that
        is merged over :data:`DEFAULT_NAMES` for this printer only.
    """

    printmethod = "_latex"
    _default_settings = {**LatexPrinter._default_settings, "names": None}

    def __init__(self, settings=None):
        super().__init__(settings)
        self._names = {**DEFAULT_NAMES, **(self._settings.get("names") or {})}

    def _named(self, name: str):
        return self._names.get(name)

    def _print_Symbol(self, expr, style="plain"):
        if expr in self._settings["symbol_names"]:
            return self._settings["symbol_names"][expr]
        return self._named(expr.name) or super()._print_Symbol(expr, style=style)

    def _print_MatrixSymbol(self, expr):
        return self._named(expr.name) or super()._print_MatrixSymbol(expr)

    def _print_IndexedBase(self, expr):
        return self._named(str(expr.label)) or super()._print_IndexedBase(expr)

    def _print_Indexed(self, expr):
        # λ_j rather than {\lambda}_{j}
        base = self._print(expr.base)
        return base + "_{%s}" % ",".join(map(self._print, expr.indices))

    def _print_Function(self, expr, exp=None):
        name = self._named(expr.func.__name__) if isinstance(expr, AppliedUndef) else None
        if name is None:
            return super()._print_Function(expr, exp)
        out = name + r"\left(%s\right)" % ", ".join(map(self._print, expr.args))
        return out if exp is None else r"\left(%s\right)^{%s}" % (out, exp)


def latex(expr, **settings) -> str:
    """LaTeX of ``expr`` (math mode, no delimiters) with a fresh :class:`TheoryLatexPrinter`.

    ``settings`` are printer settings (e.g. ``names={"T": "N"}``, ``fold_short_frac=True``).
    Objects with a ``_latex(printer)`` method (e.g. a derivation) print themselves.
    """
    return TheoryLatexPrinter(settings).doprint(expr)


def result_latex(result, **settings) -> str:
    """LaTeX of a registered result: ``lhs = expression`` (or the equation itself).

    Parameters
    ----------
    result : NamedResult
        A registered result (:func:`modelcollapse.theory.registry.get_result`); anything with
        ``expr()``, ``lhs`` and ``relation`` prints the same way.
    """
    res = result
    expr = res.expr()
    body = latex(expr, **settings)
    if res.lhs and not isinstance(expr, sp.core.relational.Relational):
        return f"{res.lhs} {res.relation} {body}"
    return body


# Characters that are special in LaTeX text mode, and their text-mode spelling; the mathematical
# Unicode that titles use (pdflatex has no Greek in text mode) goes through inline math.
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
    "§": r"\S{}", "–": "--", "—": "---",
}
_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψω", (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi chi psi "
    "omega"
).split()))
_TEXT_MATH = {
    **{ch: "\\" + name for ch, name in _GREEK.items()},
    "Σ": r"\Sigma", "Δ": r"\Delta", "Λ": r"\Lambda", "Φ": r"\Phi", "Γ": r"\Gamma", "Ω": r"\Omega",
    "ς": r"\varsigma", "ο": "o", "≍": r"\asymp", "≫": r"\gg", "≪": r"\ll", "≈": r"\approx", "≃": r"\simeq", "≤": r"\le",
    "≥": r"\ge",
    "→": r"\to", "∞": r"\infty", "−": "-", "×": r"\times", "·": r"\cdot", "‖": r"\|", "√": r"\surd",
    "∈": r"\in", "∑": r"\sum", "⁻": "^{-}", "¹": "^{1}", "²": "^{2}", "³": "^{3}", "ᵀ": r"^{\top}",
    "⁺": "^{+}", "₀": "_{0}", "₁": "_{1}", "₂": "_{2}", "ℓ": r"\ell", "∝": r"\propto", "≠": r"\ne",
    "ⱼ": "_{j}", "₋": "_{-}", "ᵐ": "^{m}", "ŵ": r"\hat{w}", "⇔": r"\Leftrightarrow", "⇒": r"\Rightarrow",
    "∂": r"\partial", "∫": r"\int", "±": r"\pm",
}


def _escape_char(ch: str) -> str:
    if ch in _TEXT_ESCAPES:
        return _TEXT_ESCAPES[ch]
    if ch in _TEXT_MATH:
        return f"${{{_TEXT_MATH[ch]}}}$"
    if ch.isascii():
        return ch
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    return plain if plain else f"[U+{ord(ch):04X}]"


_COMBINING = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar"}  # accents over the previous letter


def escape_text(text: str) -> str:
    """Plain text (a title, a provenance) made safe for pdflatex text mode, character by character.

    A letter followed by a combining accent (``κ̂``, ``p̃``) becomes one accented math symbol.
    """
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if i + 1 < len(text) and text[i + 1] in _COMBINING:
            inner = _TEXT_MATH.get(ch, ch if ch.isascii() and ch.isalpha() else None)
            if inner is not None:
                out.append(f"${_COMBINING[text[i + 1]]}{{{inner}}}$")
                i += 2
                continue
        out.append(_escape_char(ch))
        i += 1
    return "".join(out)
