"""A complete LaTeX document of the derived results (``modelcollapse derive --out FILE.tex``).

Lists whatever is registered in :data:`modelcollapse.theory.registry.RESULTS` and
:data:`modelcollapse.theory.derivation.DERIVATIONS` (or the names asked for), printed by
:func:`modelcollapse.theory.latex.result_latex`. Needs only amsmath, amssymb, booktabs, longtable,
geometry and graphicx (TeX Live's latex-base and latex-recommended), and compiles with pdflatex.
Displays wider than the text are scaled down by TeX itself (``\\mcdisplay``), not guessed here.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.numerics.errors import ModelCollapseError
from modelcollapse.theory import RESULTS, spectral
from modelcollapse.theory.collapse import kappa_equation
from modelcollapse.theory.derivation import DERIVATIONS
from modelcollapse.theory.errors import did_you_mean
from modelcollapse.theory.latex import escape_text, latex, result_latex
from modelcollapse.theory.symbols import bias_sum

__all__ = ["UnknownResultError", "known_names", "resolve", "latex_document"]

DEFAULT_TITLE = "Model collapse in regression: derived results"

_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{array,booktabs,longtable}
\usepackage{graphicx}
\newsavebox{\mcbox}
% a display, scaled down to the line width if (and only if) TeX finds it wider
\newcommand{\mcdisplay}[1]{\sbox{\mcbox}{$\displaystyle #1$}%
  \[\ifdim\wd\mcbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\mcbox}}\else\usebox{\mcbox}\fi\]}
"""


class UnknownResultError(ModelCollapseError, LookupError):
    """A name that is neither a registered result nor a registered derivation."""


def known_names() -> list[str]:
    """Every registered result, then every registered derivation, in registration order."""
    return list(RESULTS) + list(DERIVATIONS)


def resolve(names=None) -> list[str]:
    """``names`` checked against :func:`known_names` (all of them when ``None``).

    Raises
    ------
    UnknownResultError
        Naming the first unknown name and listing the known ones.
    """
    if names is None:
        return known_names()
    known = set(known_names())
    for name in names:
        if name not in known:
            raise UnknownResultError(f"unknown result {name!r}{did_you_mean(name, known_names())}; "
                                     f"known: {', '.join(known_names())}")
    return list(dict.fromkeys(names))


def _notation() -> str:
    order = sp.Symbol("m", positive=True, integer=True)
    rows = [
        rf"\operatorname{{df}}_m(\kappa) = {latex(spectral.df_sum(order))}",
        rf"{latex(bias_sum)} = {latex(spectral.bias_sum_explicit())}",
        latex(kappa_equation()),
    ]
    body = r" \\ ".join(rows)
    return (
        "\\section*{Notation}\n"
        "Features $x\\sim\\mathcal N(0,\\Sigma)$ with eigenvalues $\\lambda_j$, teacher coefficients $c_j$ in the "
        "eigenbasis; $n$ generations of $T_0$ samples with label noise $\\sigma_0$; ridge $\\lambda$ on $T$ samples "
        "with label noise $\\sigma$; $\\phi=d/T$, $\\phi_0=d/T_0$. The spectral sums and the effective "
        "regularisation $\\kappa$:\n"
        f"\\mcdisplay{{\\begin{{gathered}}{body}\\end{{gathered}}}}\n"
        "Relations: $=$ exact, $\\simeq$ deterministic equivalent (proportional asymptotics, "
        "$O(1/d)$ off at finite size), $\\sim$ asymptotic.\n"
    )


_WIDTHS = (0.22, 0.32, 0.22, 0.15)  # summary columns, fractions of the line


def _name(name: str) -> str:
    """A result name in typewriter type, breakable after each underscore."""
    return r"\texttt{" + r"\_\allowbreak{}".join(map(escape_text, name.split("_"))) + "}"


def _summary(names) -> str:
    rows = []
    for name in names:
        if name in RESULTS:
            r = RESULTS[name]
            rows.append((name, r.title, r.provenance, r.source))
        else:
            d = DERIVATIONS[name]()
            rows.append((name, d.title, "derivation (steps)", d.source))
    body = "\n".join(
        rf"{_name(a)} & {escape_text(b)} & {escape_text(c)} & {escape_text(e)} \\" for a, b, c, e in rows
    )
    head = r"name & result & provenance & source \\"
    return (
        "\\section*{Summary}\n"
        "\\begin{longtable}{@{}"
        + "".join(f">{{\\raggedright\\arraybackslash}}p{{{w}\\linewidth}}" for w in _WIDTHS)
        + "@{}}\n"
        f"\\toprule\n{head}\n\\midrule\n\\endhead\n\\bottomrule\n\\endfoot\n{body}\n\\end{{longtable}}\n"
    )


def _result_section(name: str) -> str:
    r = RESULTS[name]
    meta = "; ".join(escape_text(x) for x in (r.provenance, r.source) if x)
    return (
        f"\\subsection*{{{escape_text(r.title)}}}\n"
        f"\\noindent{_name(name)}" + (f" --- {meta}" if meta else "") + "\n"
        f"\\mcdisplay{{{result_latex(r)}}}\n"
    )


def _derivation_section(name: str) -> str:
    d = DERIVATIONS[name]()
    meta = escape_text(d.source) if d.source else ""
    return (
        f"\\subsection*{{{escape_text(d.title)}}}\n"
        f"\\noindent{_name(name)}" + (f" --- {meta}" if meta else "") + "\n"
        f"\\mcdisplay{{{d.latex()}}}\n"
    )


def latex_document(names=None, *, title: str = DEFAULT_TITLE, extra_body: str = "") -> str:
    """A complete LaTeX document of the registered results (or of ``names``).

    Parameters
    ----------
    names : sequence of str, optional
        Results and derivations to include, in this order (default: all registered).
    title : str
        Document title (plain text; escaped).
    extra_body : str
        LaTeX appended before ``\\end{document}`` (e.g. a report's own section).

    Returns
    -------
    str
        The document: notation, a booktabs summary table, then every result with its title,
        provenance and source, and every derivation step by step.

    Raises
    ------
    UnknownResultError
        A name that is not registered.
    """
    chosen = resolve(names)
    results = [n for n in chosen if n in RESULTS]
    derivs = [n for n in chosen if n not in RESULTS]
    parts = [
        _PREAMBLE,
        f"\\title{{{escape_text(title)}}}\n\\author{{modelcollapse}}\n\\date{{}}\n",
        "\\begin{document}\n\\maketitle\n",
        _notation(),
        _summary(chosen),
    ]
    if results:
        parts.append("\\section*{Results}\n" + "".join(map(_result_section, results)))
    if derivs:
        parts.append("\\section*{Derivations}\n" + "".join(map(_derivation_section, derivs)))
    parts += [extra_body, "\n\\end{document}\n"]
    return "".join(parts)
