"""The map of arXiv:2402.07712 (Dohmatob, Feng & Kempe): every result and figure, what reproduces it.

One row per numbered result or figure of the paper (main text and appendices), plus the few
unnumbered statements the issue names (the growing generator data and the null predictor of Sec.
4.1, the noiseless regime of Sec. 5, the clean rates of Appendix H.2): what it states, the registered
results / report sections / tests / commands that reproduce it, how it is checked, and its status.
docs/PAPER.md is the same table for readers; the report prints it (section ``paper``);
tests/test_paper_map.py checks that every reference exists and that PAPER.md lists every row.

**Source of the numbering.** The NeurIPS 2024 camera-ready (OpenReview id ``bioHNTRnQk``), read in
full from a text extraction of its PDF stored in the public repository deep-diver/neurips2024
(``content/posters/bioHNTRnQk/content_list.json``, commit fc4678ed): every theorem, proposition,
corollary, lemma, remark and figure of the main text and of Appendices A-I, with their statements.
Its abstract is word for word the NeurIPS text at object.cloud.sdsc.edu (ml-papers-txt/NeurIPS/2024),
and the figure captions of the same repository's ``index.md`` (ai-paper-reviewer) cite Theorems 4.1 and
5.1 for Figure 1, as the text does. arXiv v1/v2 number differently in places (the camera-ready's own
Appendix A still says "Section 3.5 ... Theorem 3.5" for Sec. 4.5 / Theorem 4.5); this map follows the
camera-ready.

Reference kinds: ``result:NAME`` (theory registry), ``derivation:NAME``, ``section:KEY`` (report
section), ``test:tests/FILE.py::NAME``, ``command:NAME`` (a ``modelcollapse`` subcommand),
``issue:N`` (the issue that owns a row not built here).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PaperRow", "PAPER_MAP", "STATUSES", "CHECKS", "SOURCE_URL"]

STATUSES = ("reproduced", "reproduced in kind", "measured", "diagram (nothing to check)", "not in scope",
            "open (another issue)")
CHECKS = ("exact", "det. equiv.", "slope", "simulation", "real data", "—")

#: Where the numbering was read (the camera-ready's full text).
SOURCE_URL = ("https://github.com/deep-diver/neurips2024/blob/fc4678edb6ba88c29a48ef16533a2678e745f9db/"
              "content/posters/bioHNTRnQk/content_list.json")


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
    # -- Sec. 1 and 3: figures --------------------------------------------------------------------------
    PaperRow(
        item='Figure 1(a)',
        statement=('isotropic Sigma = I (d = 300, T0 = 600, sigma = sigma0 = 0.2): error against lambda at T = 1000 '
                   '(U-shaped, the optimum moves right with n) and against T at lambda = 1e-3 (plateau); lines: '
                   'Theorem 4.1'),
        refs=('section:ridge', 'section:optimal_ridge', 'section:generations', 'command:sweep',
              'test:tests/test_optimal_ridge.py::test_optimal_ridge_agrees_with_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced in kind'),
    PaperRow(
        item='Figure 1(b)',
        statement=('power law lambda_k ~ k^-2, (beta, r) = (2, 0.375), d = 300, T0 = 600, sigma = sigma0 = 1: error '
                   'against lambda at T = 10^4 and against T with lambda = T^-ell_crit, which diverges; lines: '
                   'Theorem 5.1'),
        refs=('section:scaling', 'section:phase', 'command:sweep',
              'test:tests/test_scaling.py::test_simulation_follows_the_scaling_curves'),
        check=('det. equiv.', 'simulation'), status='reproduced in kind'),
    PaperRow(
        item='Figure 2',
        statement=('noiseless min-norm generators, d = 300, T0 = d/2, sigma0 = 0, sigma = 0.1: (a) one design '
                   'X_n = X0, bias increase constant in n >= 1 (Theorem 4.5); (b) independent designs, it grows with n '
                   '(Theorem 4.6)'),
        refs=('section:reused_design', 'section:overparam',
              'test:tests/test_reused_design.py::test_theory_agrees_with_plain_simulation'),
        check=('exact', 'det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Figure 3',
        statement=('illustration of the chain: generators w_1 ... w_n fitted on T0 samples labelled by the previous '
                   'one with noise sigma0, a downstream ridge on T samples with noise sigma'),
        refs=(), check=('—',), status='diagram (nothing to check)'),
    # -- Sec. 4 -------------------------------------------------------------------------------------------
    PaperRow(
        item='Theorem 4.1',
        statement=('lambda = 0, T0, T >= d + 2: E_test ~ sigma^2 phi/(1 - phi) + n sigma0^2 phi0/(1 - phi0); its proof '
                   '(App. F.2) gives exactly sigma^2 d/(T - d - 1) + n sigma0^2 d/(T0 - d - 1); fixed d: plateau n '
                   'sigma0^2/T0'),
        refs=('result:ols_exact', 'result:isotropic_ols', 'section:generations',
              'test:tests/test_cli.py::test_verify_passes_on_exact_ols'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Sec. 4.1: growing generator data (unnumbered, extends Theorem 4.1)',
        statement=('T_m = m log^2 m T0 keeps collapse bounded: E ~ (1 + sum_{m>=2} 1/(m log^2 m)) E_clean'),
        refs=('result:growing_chain_term', 'result:growing_bound', 'result:growing_bound_constant',
              'section:paper',
              'test:tests/test_paper_results.py::test_growing_schedule_prediction_and_simulation'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Sec. 4.1: worse than the null predictor (unnumbered)',
        statement=('E_test/E_test(0) = phi/(SNR (1 - phi)) + n phi0/(SNR0 (1 - phi0)): worse than predicting 0 once '
                   'n > SNR0 (1/phi0 - 1) (printed: n >> SNR0/(1/phi0 - 1))'),
        refs=('result:null_predictor_generations', 'result:null_predictor_generations_limit', 'section:paper',
              'test:tests/test_paper_results.py::test_null_threshold_against_simulation'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Proposition 4.2',
        statement=('clean ridge in the RMT limit: Bias ~ kappa^2 w0^T Sigma (Sigma + kappa)^-2 w0/(1 - df2/T), Var ~ '
                   'sigma^2 (df2/T)/(1 - df2/T); Sigma = I: (kappa^2 norm(w0)^2 + sigma^2 phi)/((1 + kappa)^2 - phi)'),
        refs=('result:kappa_equation', 'result:clean_bias', 'result:clean_variance', 'result:clean_error',
              'derivation:derivation_clean_error', 'section:large_dimension',
              'test:tests/test_paper_lemmas.py::test_corollary_4_4_and_proposition_4_2_isotropic_forms',
              'test:tests/test_finite_size_simulation.py'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Theorem 4.3',
        statement=('E_test ~ Bias~ + Var + n sigma0^2 rho with Bias~ >= Bias + DeltaBias (equality if T0 >= d); '
                   'explicit rho with kappa0 = kappa(0, T0), its eq. (18) = Proposition F.6'),
        refs=('result:test_error', 'result:paper_rho_overparam', 'result:overparam_bias_increase', 'section:overparam',
              'test:tests/test_paper_results.py::test_f6_against_simulation',
              'test:tests/test_overparam.py::test_prediction_against_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Corollary 4.4',
        statement=('T0 >= d: rho ~ df2/(T0 - d) + kappa^2 tr(Sigma + kappa)^-2/(T0 - d) df2/(T - df2), identical to '
                   'df2 (T + d - 2 df1)/((T0 - d)(T - df2)); Sigma = I: rho ~ phi0/(1 - phi0) (1 + phi kappa^2/((1 + '
                   'kappa)^2 - phi))/(1 + kappa)^2'),
        refs=('result:collapse_trace', 'result:rho', 'result:isotropic_collapse', 'result:isotropic_test_error',
              'derivation:derivation_rho_limits', 'section:large_dimension', 'section:ridge',
              'test:tests/test_paper_lemmas.py::test_corollary_4_4_rho_is_the_collapse_trace',
              'test:tests/test_solver.py::test_isotropic_closed_form'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Theorem 4.5',
        statement=('one design X_m = X0 for all generators, lambda -> 0+, phi0 > 1: norm(w_n)^2 ~ norm(w0)^2/phi0, '
                   'DeltaBias ~ norm(w0)^2 (1 - 1/phi0), constant in n >= 1'),
        refs=('result:reused_overparam_isotropic_chain', 'result:reused_ols_chain', 'section:reused_design',
              'test:tests/test_reused_design.py::test_min_norm_isotropic_value_written_out',
              'test:tests/test_reused_design.py::test_theory_agrees_with_plain_simulation'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Theorem 4.6',
        statement=('independent designs, eta = prod_m min(1/phi_m, 1): norm(w_n)^2 ~ norm(w0)^2 eta, DeltaBias ~ '
                   'norm(w0)^2 (1 - eta); phi_m = phi0 > 1: (1 - phi0^-n) norm(w0)^2, exponentially fast to the null '
                   'predictor'),
        refs=('result:overparam_isotropic_chain', 'result:overparam_energy_step', 'section:overparam',
              'test:tests/test_overparam.py::test_noise_free_error_reaches_null_predictor_exponentially',
              'test:tests/test_paper_lemmas.py::test_theorem_4_6_unequal_generators_against_simulation'),
        check=('exact', 'det. equiv.', 'simulation'), status='reproduced'),
    # -- Sec. 5 -------------------------------------------------------------------------------------------
    PaperRow(
        item='Theorem 5.1',
        statement=('T0 >= d + 2, lambda = T^-ell, ell in [0, beta): E ~ max(sigma^2, T^(1 - 2 r ell - ell/beta)) '
                   'T^-(1 - ell/beta) + n sigma0^2/(1 - phi0) max(T/T0, phi0) T^-(1 - ell/beta), r saturating at 1'),
        refs=('result:scaling_bias_exponent', 'result:scaling_variance_exponent',
              'result:scaling_collapse_exponent', 'result:scaling_collapse_rho', 'result:scaling_df1',
              'section:scaling', 'section:phase',
              'test:tests/test_scaling.py::test_bias_and_variance_slopes',
              'test:tests/test_scaling.py::test_collapse_slopes'),
        check=('slope', 'simulation'), status='reproduced'),
    PaperRow(
        item='Sec. 5: the noiseless regime (unnumbered, Corollary 5.2 at a = 0)',
        statement=('ell_crit = beta/(2 beta r + 1); T0 ~ T^b, fixed n: the optimum ell* = min(b, 1) ell_crit, a '
                   'crossover from the fast rate T^(-2 beta r) to the slow T^(-b c); fixed T0: plateau'),
        refs=('result:scaling_ell_crit', 'result:scaling_ell_opt', 'result:scaling_rate_collapse',
              'result:scaling_plateau', 'command:scaling',
              'test:tests/test_scaling.py::test_optimal_ridge_slope_is_ell_opt',
              'test:tests/test_scaling.py::test_plateau_with_fixed_T0'),
        check=('slope',), status='reproduced'),
    PaperRow(
        item='Corollary 5.2',
        statement=('T0 ~ T^b, n sigma0^2 ~ T^a: ell* = min((b - a) ell_crit, beta), rate T^-((b - a) c), c = 2 beta '
                   'r/(2 beta r + 1); at ell_crit E >~ T^-(c + b - a - 1)'),
        refs=('result:scaling_growth_ell_opt', 'result:scaling_growth_rate',
              'result:scaling_growth_rate_at_ell_crit', 'command:scaling',
              'test:tests/test_scaling_growth.py::test_ell_opt_and_rate_are_the_slopes_of_the_optimum'),
        check=('slope',), status='reproduced'),
    # -- Sec. 6 and appendices C, D: experiments ----------------------------------------------------------
    PaperRow(
        item='Sec. 6 and Appendix C: kernel ridge',
        statement=("the theory with x replaced by a kernel's feature map: its empirical spectrum predicts the collapse "
                   'of kernel ridge on real images'),
        refs=('section:kernel',
              'test:tests/test_kernel.py::test_digits_real_chain_and_gaussian_surrogate_agree_with_theory'),
        check=('det. equiv.', 'real data'), status='reproduced in kind'),
    PaperRow(
        item='Figure 4 (Appendix D.2)',
        statement=('MNIST, y = label mod 2, rbf and degree-5 kernels: lambda = T^-ell, ell_crit against ell* = b '
                   'ell_crit, b = log T0/log T, T from 1 to 1000, T = T0 marked'),
        refs=('section:paper_figure4', 'command:paper-figure4', 'command:powerlaw-fit',
              'test:tests/test_powerlaw_fit.py::test_digits_give_finite_sensible_exponents'),
        check=('det. equiv.', 'real data'), status='measured'),
    PaperRow(
        item='Figure 5 (Appendix D.3)',
        statement=('a random-features net (width 20 000) on MNIST collapses linearly in n (after the first two '
                   'generations)'),
        refs=('issue:23',),
        check=('—',), status='open (another issue)'),
    PaperRow(
        item='Figure 6 (Appendix D.3)',
        statement=('fully trained two-layer nets on MNIST: collapse linear for n <= 4, then faster; wider nets '
                   'collapse more'),
        refs=(),
        check=('—',), status='not in scope'),
    # -- Appendix F: exact characterisation and its lemmas ----------------------------------------------
    PaperRow(
        item='Theorem F.1',
        statement=('any lambda, T >= 1: E_test = Bias~ + Var + n sigma0^2 rho, rho = (1/n) sum_m E tr C_(n-1,m) '
                   'Sigma^ R Sigma R Sigma^; T0 >= d + 2: E_test = E_clean + n sigma0^2 E tr(Sigma^-1 Sigma^ R Sigma '
                   'Sigma^ R)/(T0 - d - 1) (printed ~, exact)'),
        refs=('result:test_error', 'result:rho', 'result:collapse_term', 'result:chain_downstream_reduction',
              'derivation:derivation_rho', 'section:ridge', 'section:generations',
              'test:tests/test_cli.py::test_verify_passes_on_exact_ols'),
        check=('exact', 'det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Remark F.2 and Proposition F.5',
        statement=('the bias increase lim Bias~ - lim Bias >= lim E norm_Sigma(R Sigma^ (P0 - I) w0)^2 >= 0: an '
                   'over-parameterised generator harms the bias, an under-parameterised one only the variance'),
        refs=('result:overparam_bias_increase', 'result:overparam_variance_increase', 'section:overparam',
              'test:tests/test_overparam.py::test_prediction_against_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Lemma F.3',
        statement=('T0 >= d + 2: E[Sigma^_0^-1] = T0/(T0 - d - 1) Sigma^-1 (inverse-Wishart mean)'),
        refs=('result:generator_factor', 'result:ols_variance',
              'test:tests/test_paper_lemmas.py::test_lemma_f3_inverse_wishart_mean'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Lemma F.4',
        statement=('w_n = Q_(n-1) w0 + sum_m Q_(n-1) ... P_m X_m^+ E_m; one design: w_n = P0 w0 + X0^+ (E_0 + ... + '
                   'E_(n-1)), pooled noise n sigma0^2'),
        refs=('result:overparam_isotropic_recursion', 'result:reused_pooled_noise',
              'test:tests/test_overparam.py::test_closed_form_solves_the_exact_recursion',
              'test:tests/test_reused_design.py::test_schedule_of_noises_pools_their_squares'),
        check=('exact', 'simulation'), status='reproduced'),
    PaperRow(
        item='Proposition F.6',
        statement=('rho for T0 < d, kappa0 = kappa(0, T0): tr Sigma^4 (Sigma + kappa0)^-2 (Sigma + kappa)^-2/(T0 - '
                   'df2(kappa0)) + kappa^2 tr Sigma^2 (Sigma + kappa0)^-2 (Sigma + kappa)^-2/(T0 - df2(kappa0)) '
                   'df2(kappa)/(T - df2(kappa))'),
        refs=('result:paper_rho_overparam', 'result:downstream_gain', 'result:overparam_energy_step_de',
              'section:paper',
              'test:tests/test_paper_results.py::test_f6_against_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Lemma F.7',
        statement=('independent projections: u^T Q_(n-1) v ~ u^T prod_m (Sigma + kappa_m)^-1 v (as printed; Sigma = I: '
                   'prod_m min(1/phi_m, 1)), kappa_m = kappa(0, T_m)'),
        refs=('result:overparam_shrink', 'result:overparam_kappa0', 'result:overparam_isotropic_chain',
              'test:tests/test_overparam.py::test_projection_moments_against_monte_carlo'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    PaperRow(
        item='Lemma F.8',
        statement=('anisotropic Sigma: u^T Q v ~ u^T Sigma^n prod_m (Sigma + kappa_m)^-1 v, u^T Q^T Sigma Q v ~ u^T '
                   'Sigma^n (prod_m A_m) v, A_m = (Sigma + kappa_m)^-2 (Sigma^2 + kappa_m^2 df2(kappa_m)/(T - '
                   'df2(kappa_m)))'),
        refs=('result:paper_anisotropic_product_factor', 'result:ridge_energy_step', 'section:paper',
              'test:tests/test_paper_results.py::test_f8_product_against_simulation'),
        check=('det. equiv.', 'simulation'), status='reproduced'),
    # -- Appendices G, H, I -------------------------------------------------------------------------------
    PaperRow(
        item='Appendix G (noisy regime)',
        statement=('E ~ T^(-2 ell r) + T^-(b - a - ell/beta) (ell <= ell_crit), T^-(gamma - ell/beta) above, gamma = '
                   'min(1, b - a); at ell_crit it vanishes only if b > a + 1/(2 beta r + 1)'),
        refs=('result:scaling_growth_error_exponent', 'result:scaling_growth_vanishing_threshold',
              'test:tests/test_scaling_growth.py::test_appendix_g_exponent_at_fixed_ell'),
        check=('slope',), status='reproduced'),
    PaperRow(
        item='Appendix H.2: clean rates (unnumbered)',
        statement=('E_clean ~ T^(-2 ell r) + sigma^2 T^-(1 - ell/beta): the fast rate T^(-2 beta r) at ell = beta '
                   '(low noise), T^-c at ell_crit (noisy; Cui et al.)'),
        refs=('result:scaling_rate_clean', 'result:scaling_rate_clean_noiseless', 'result:scaling_ell_crit',
              'test:tests/test_scaling.py::test_bias_and_variance_slopes'),
        check=('slope',), status='reproduced'),
    PaperRow(
        item='Lemma I.1',
        statement=('lambda_k ~ k^-beta: sum_k lambda_k^n/(1 + D lambda_k)^m ~ D^-c, c = min(m, n - 1/beta), times log '
                   'D when m = n - 1/beta'),
        refs=('result:scaling_df1', 'result:scaling_df2', 'result:scaling_bias_sum',
              'test:tests/test_scaling.py::test_df_constants_are_the_closed_forms',
              'test:tests/test_paper_lemmas.py::test_lemma_i1_power_law_sums'),
        check=('exact', 'slope'), status='reproduced'),
    PaperRow(
        item='Lemma I.2',
        statement=('d kappa/d lambda = 1/(1 - df2(kappa)/T) >= 1'),
        refs=('test:tests/test_paper_lemmas.py::test_lemma_i2_kappa_slope',),
        check=('exact',), status='reproduced'),
)
