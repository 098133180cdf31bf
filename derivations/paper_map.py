"""The map of arXiv:2402.07712 (Dohmatob, Feng & Kempe): every result and figure, what reproduces it.

One row per numbered result or figure of the paper (main text and the appendices' experiments):
what it states, the registered results / report sections / tests / commands that reproduce it, how
it is checked, and its status. docs/PAPER.md is the same table for readers; the report prints it
(section ``paper``); tests/test_paper_map.py checks that every reference exists and that PAPER.md
lists every row.

**Source of the list.** The version followed is the NeurIPS 2024 camera-ready (its abstract and
Sec. 1-7 match arXiv v2 of 30 Apr 2024; v1 of 12 Feb 2024 differs). Its full text is stored in the
search corpus (the NeurIPS text at object.cloud.sdsc.edu, arxiv.org/html/2402.07712v1 and v2, a
hugging.y1ng.com markdown copy of v2), but the search tool returns only each page's opening (abstract
and section list), so a second attempt (2026-12-08) confirmed no number either. The numbers named in
THEORY.md Sec. 3.10 and Sec. 3.12 (Theorem 4.5, Figure 2, Corollary 5.2, Appendix D.2 / Figure 4,
Appendix D.3, Appendix G, Proposition F.6, Lemma F.8) are the paper's as THEORY.md gives them;
Theorem 4.1 and Theorem 5.1 are the paper's main results of Sec. 4 and Sec. 5; the other rows name
their section and say "(number unconfirmed)". One third-party summary (liner.com) captions the
framework illustration "Figure 4", which may mean a version's figure numbering differs from the one
used here: check Figure 1-4 against the camera-ready before relying on them.

Reference kinds: ``result:NAME`` (theory registry), ``derivation:NAME``, ``section:KEY`` (report
section), ``test:tests/FILE.py::NAME``, ``command:NAME`` (a ``modelcollapse`` subcommand),
``issue:N`` (the issue that owns a row not built here).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PaperRow", "PAPER_MAP", "STATUSES", "CHECKS"]

STATUSES = ("reproduced", "reproduced in kind", "measured", "not in scope", "open (another issue)")
CHECKS = ("exact", "det. equiv.", "slope", "simulation", "real data", "—")


@dataclass(frozen=True, kw_only=True)
class PaperRow:
    """One result or figure of the paper."""

    item: str  # "Theorem 4.1", "Figure 4 (Appendix D.2)", ...
    statement: str
    refs: tuple  # "result:ols_exact", "section:generations", "test:tests/test_x.py::test_y", ...
    check: tuple  # subset of CHECKS
    status: str

    def cells(self) -> list[str]:
        return [self.item, self.statement, ", ".join(self.refs), " + ".join(self.check), self.status]


PAPER_MAP: tuple[PaperRow, ...] = (
    PaperRow(
        item='Figure 1 (Sec. 1, number unconfirmed)',
        statement=('test error grows linearly in the number n of synthetic generations'),
        refs=('section:generations', 'result:ols_exact',
              'test:tests/test_cli.py::test_verify_passes_on_exact_ols'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Theorem 4.1',
        statement=('T0 >= d + 2: E_test(n) = E_test(0) + n sigma0^2 rho, rho = E tr(A^T Sigma A '
                   'Sigma^-1)/(T0 - d - 1), any ridge'),
        refs=('result:test_error', 'result:rho', 'result:collapse_term', 'derivation:derivation_rho',
              'section:ridge', 'section:generations'),
        check=('exact', 'det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Corollary of Theorem 4.1, ridgeless (Sec. 4, number unconfirmed)',
        statement=('lambda = 0: E_test = sigma^2 d/(T - d - 1) + n sigma0^2 d/(T0 - d - 1) exactly'),
        refs=('result:ols_exact', 'result:isotropic_ols',
              'test:tests/test_cli.py::test_verify_passes_on_exact_ols'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Proportional regime (Sec. 4, number unconfirmed)',
        statement=('deterministic equivalent of rho: df2 (T + d - 2 df1)/((T0 - d)(T - df2)), kappa '
                   'fixed point'),
        refs=('result:collapse_trace', 'result:kappa_equation', 'derivation:derivation_rho_limits',
              'section:large_dimension', 'test:tests/test_finite_size_simulation.py'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Isotropic closed forms (Sec. 4, number unconfirmed)',
        statement=('Sigma = I: explicit in phi, phi0, lambda (Marchenko-Pastur); optimal ridge grows '
                   'with n'),
        refs=('result:isotropic_test_error', 'result:isotropic_optimal_ridge', 'section:optimal_ridge',
              'test:tests/test_solver.py::test_isotropic_closed_form',
              'test:tests/test_optimal_ridge.py::test_optimal_ridge_agrees_with_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Over-parameterised generators (Sec. 4, number unconfirmed)',
        statement=('T0 < d: collapse exponentially fast to the null predictor even with sigma0 = 0'),
        refs=('result:overparam_isotropic_chain', 'result:overparam_energy_step', 'section:overparam',
              'test:tests/test_overparam.py::test_noise_free_error_reaches_null_predictor_exponentially'),
        check=('exact', 'det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Theorem 4.5 and Figure 2',
        statement=('reused design matrix: linear (OLS) or no (min-norm) collapse against fresh '
                   "designs' exponential"),
        refs=('result:reused_ols_chain', 'result:reused_overparam_isotropic_chain', 'section:reused_design',
              'test:tests/test_reused_design.py::test_theory_agrees_with_plain_simulation'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Worse than the null predictor (Sec. 4, number unconfirmed)',
        statement=('the collapsed model is worse than predicting 0 once n > SNR0 (1/phi0 - 1)'),
        refs=('result:null_predictor_generations', 'result:null_predictor_generations_limit', 'section:paper',
              'test:tests/test_paper_results.py::test_null_threshold_against_simulation'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Growing generator data (Sec. 4, number unconfirmed)',
        statement=('T_m = m log^2 m T0 keeps collapse bounded: E ~ (1 + sum_{m>=2} 1/(m log^2 m)) '
                   'E_clean'),
        refs=('result:growing_chain_term', 'result:growing_bound', 'result:growing_bound_constant',
              'section:paper',
              'test:tests/test_paper_results.py::test_growing_schedule_prediction_and_simulation'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Theorem 5.1',
        statement=('power laws, lambda = T^-ell: bias T^(-2 ell min(r,1)), variance T^-(1 - '
                   'ell/beta), collapse term'),
        refs=('result:scaling_bias_exponent', 'result:scaling_variance_exponent',
              'result:scaling_collapse_exponent', 'result:scaling_df1', 'section:scaling', 'section:phase',
              'test:tests/test_scaling.py::test_bias_and_variance_slopes',
              'test:tests/test_scaling.py::test_collapse_slopes'),
        check=('slope', 'simulation'), status='reproduced'),
    PaperRow(
        item='Adaptive regularisation, fast-to-slow crossover (Sec. 5, number unconfirmed)',
        statement=('ell_crit = beta/(1 + 2 beta r); with T0 ~ T^a the optimum ell* = min(a,1) '
                   'ell_crit; fixed T0: plateau'),
        refs=('result:scaling_ell_crit', 'result:scaling_ell_opt', 'result:scaling_rate_collapse',
              'result:scaling_plateau', 'command:scaling',
              'test:tests/test_scaling.py::test_optimal_ridge_slope_is_ell_opt',
              'test:tests/test_scaling.py::test_plateau_with_fixed_T0'),
        check=('slope',), status='reproduced'),
    PaperRow(
        item='Corollary 5.2',
        statement=('T0 ~ T^b, n sigma0^2 ~ T^a: ell* = min((b - a) ell_crit, beta), rate (b - a) 2 '
                   'beta r/(2 beta r + 1)'),
        refs=('result:scaling_growth_ell_opt', 'result:scaling_growth_rate',
              'result:scaling_growth_rate_at_ell_crit', 'command:scaling',
              'test:tests/test_scaling_growth.py::test_ell_opt_and_rate_are_the_slopes_of_the_optimum'),
        check=('slope',), status='reproduced'),
    PaperRow(
        item='Figure 3 (Sec. 6, number unconfirmed)',
        statement=('simulated power laws: error against T with lambda = T^-ell for several n'),
        refs=('section:scaling', 'section:phase'),
        check=('det. equiv.', 'simulation'), status='reproduced in kind'),
    PaperRow(
        item='Kernel ridge on MNIST (Sec. 6)',
        statement=("the theory fed with a kernel's empirical spectrum predicts collapse of kernel "
                   'ridge on real images'),
        refs=('section:kernel',
              'test:tests/test_kernel.py::test_digits_real_chain_and_gaussian_surrogate_agree_with_theory'),
        check=('det. equiv.', 'real data'), status='reproduced in kind'),
    PaperRow(
        item='Figure 4 (Appendix D.2)',
        statement=('MNIST, y = label mod 2, rbf and degree-5 kernels: lambda = T^-ell, ell_crit '
                   'against ell* = b ell_crit'),
        refs=('section:paper_figure4', 'command:paper-figure4', 'command:powerlaw-fit',
              'test:tests/test_powerlaw_fit.py::test_digits_give_finite_sensible_exponents'),
        check=('det. equiv.', 'real data'), status='measured'),
    PaperRow(
        item='Appendix D.3: random-features network',
        statement=('a random-features net (width 20 000) collapses linearly in n'),
        refs=('issue:23',),
        check=('—',), status='open (another issue)'),
    PaperRow(
        item='Appendix D.3: two-layer networks',
        statement=('fully trained two-layer nets collapse faster than linearly, wider ones more'),
        refs=(),
        check=('—',), status='not in scope'),
    PaperRow(
        item='Appendix E (proofs of Sec. 4)',
        statement=('inverse-Wishart means and the exact reduction behind Theorem 4.1'),
        refs=('result:generator_factor', 'result:ols_variance', 'derivation:derivation_rho',
              'test:tests/test_cli.py::test_verify_passes_on_exact_ols'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Proposition F.6',
        statement=('general rho for T0 < d with kappa0 = kappa(0, T0): tr Sigma^4 ... /(T0 - '
                   'df2(kappa0)) + ...'),
        refs=('result:paper_rho_overparam', 'result:downstream_gain', 'result:overparam_energy_step_de',
              'test:tests/test_paper_results.py::test_f6_against_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Lemma F.8',
        statement=('anisotropic product: u^T Q^T Sigma Q v ~ u^T Sigma^n (prod_m A_m) v'),
        refs=('result:paper_anisotropic_product_factor', 'result:ridge_energy_step',
              'test:tests/test_paper_results.py::test_f8_product_against_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Appendix G (noisy regime)',
        statement=('E ~ T^(-2 ell r) + T^-(b - a - ell/beta) (ell <= ell_crit), T^-(gamma - ell/beta)'
                   ' above; vanishes iff b > a + 1/(2 beta r + 1)'),
        refs=('result:scaling_growth_error_exponent', 'result:scaling_growth_vanishing_threshold',
              'test:tests/test_scaling_growth.py::test_appendix_g_exponent_at_fixed_ell'),
        check=('slope',), status='reproduced'),
)
