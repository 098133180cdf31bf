"""LaTeX export: the printer's notation, per-instance settings, every result, the complete document."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import sympy as sp
from sympy.printing.latex import LatexPrinter

from modelcollapse.derivations.latexdoc import UnknownResultError, known_names, latex_document
from modelcollapse.theory import RESULTS
from modelcollapse.theory.derivation import DERIVATIONS
from modelcollapse.theory.latex import TheoryLatexPrinter, escape_text, latex, result_latex
from modelcollapse.theory.registry import get_result
from modelcollapse.theory.symbols import T0, bias_sum, d, df1, df1_of, df2, kappa, kappa0, lam, phi0, sigma0, w0_norm


def test_custom_symbol_names():
    assert latex(sigma0**2) == r"\sigma_0^{2}"
    assert latex(T0) == "T_0"
    assert latex(df1) == r"\operatorname{df}_1"
    assert latex(df2**2) == r"\operatorname{df}_2^{2}"
    assert latex(kappa) == r"\kappa"
    assert latex(kappa0) == r"\kappa_0"
    assert latex(phi0) == r"\phi_0"
    assert latex(lam) == r"\lambda"
    assert latex(bias_sum) == "S_{w_0}"
    assert latex(w0_norm**2) == r"\lVert w_0\rVert_{\Sigma}^{2}"
    assert latex(df1_of(kappa)) == r"\operatorname{df}_1\left(\kappa\right)"


def test_expressions_use_the_names():
    assert latex(sigma0**2 / (T0 - d - 1)) == r"\frac{\sigma_0^{2}}{T_0 - d - 1}"
    assert latex(kappa * df1 / 7) == r"\frac{\operatorname{df}_1 \kappa}{7}"


def test_settings_are_per_instance():
    custom = TheoryLatexPrinter({"names": {"sigma_0": "s_0"}})
    assert custom.doprint(sigma0**2) == "s_0^{2}"
    assert TheoryLatexPrinter().doprint(sigma0**2) == r"\sigma_0^{2}"  # no leak between printers
    assert latex(sigma0**2, names={"sigma_0": r"\varsigma"}) == r"\varsigma^{2}"
    assert latex(sigma0**2) == r"\sigma_0^{2}"
    assert latex(sp.Rational(1, 2) * T0, fold_short_frac=True) == "T_0 / 2"
    assert isinstance(custom, LatexPrinter)
    with pytest.raises(TypeError):
        TheoryLatexPrinter({"no_such_setting": 1})


def test_every_registered_result_exports_in_one_call():
    assert len(RESULTS) >= 20
    for name, res in RESULTS.items():
        text = result_latex(get_result(name))
        assert text and text == res.latex(), name
        assert res._repr_latex_() == f"$\\displaystyle {text}$"
        assert r"\operatorname{df_{" not in text and "sigma_{0}" not in text, (name, text)  # default SymPy names


def test_result_latex_uses_lhs_and_relation():
    assert result_latex(get_result("rho_derived")).startswith(r"\rho \simeq \frac{")
    expected = r"\lambda^* = \frac{\phi \sigma^{2}}{\lVert w_0\rVert_{\Sigma}^{2}}"
    assert result_latex(get_result("isotropic_optimal_ridge_clean")) == expected
    assert result_latex(get_result("kappa_equation")) == r"\kappa - \lambda = \frac{\operatorname{df}_1 \kappa}{T}"


def test_escape_text():
    assert escape_text("a_b & 50% {x} ^ #1 $ ~") == r"a\_b \& 50\% \{x\} \textasciicircum{} \#1 \$ \textasciitilde{}"
    assert escape_text("σ0² → ∞") == r"${\sigma}$0${^{2}}$ ${\to}$ ${\infty}$"


def test_document_lists_every_registered_result_and_derivation():
    doc = latex_document(extra_body="% extra body here\n")
    assert doc.startswith(r"\documentclass")
    for package in ("amsmath", "booktabs"):
        assert package in doc
    assert r"\toprule" in doc and r"\midrule" in doc and r"\bottomrule" in doc
    for name in list(RESULTS) + list(DERIVATIONS):
        assert r"\_\allowbreak{}".join(escape_text(p) for p in name.split("_")) in doc, name
    assert "% extra body here" in doc
    assert doc.rstrip().endswith(r"\end{document}")


def test_document_subset_and_unknown_names():
    doc = latex_document(["rho", "derivation_rho"], title="Two results")
    assert "Two results" in doc and r"\section*{Derivations}" in doc
    assert r"\texttt{ols\_\allowbreak{}exact}" not in doc
    with pytest.raises(UnknownResultError, match="unknown result 'nope'.*rho"):
        latex_document(["rho", "nope"])
    assert known_names()[: len(RESULTS)] == list(RESULTS)


def require_tex():
    if shutil.which("pdflatex"):
        return
    if os.environ.get("MODELCOLLAPSE_REQUIRE_TEX"):
        pytest.fail("pdflatex not found but MODELCOLLAPSE_REQUIRE_TEX is set")
    pytest.skip("pdflatex not installed (set MODELCOLLAPSE_REQUIRE_TEX=1 to make this a failure)")


def test_document_compiles_with_pdflatex(tmp_path):
    require_tex()
    (tmp_path / "doc.tex").write_text(latex_document(), encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, errors="replace", timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 10_000


def test_escape_text_combining_accents_and_subscript_minus():
    from modelcollapse.theory.latex import escape_text

    assert escape_text("κ̂") == r"$\hat{\kappa}$"
    assert escape_text("p̃") == r"$\tilde{p}$"
    assert escape_text("K₋") == r"K${_{-}}$"


def test_full_document_has_no_unknown_characters():
    from modelcollapse.derivations.latexdoc import latex_document

    assert "[U+" not in latex_document()
