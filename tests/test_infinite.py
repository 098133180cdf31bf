"""Power-law spectral sums for d = inf and large finite d (numerics/infinite.py; THEORY.md §5).

Every reference here is computed independently of the code under test:

* a brute-force partial sum ``Σ_{j<=M}`` plus the tail ``Σ_{j>M}`` as the binomial series in
  Hurwitz zeta values ``Σ_k binom(−m,k) κ^(−m−k) ζ(γ+β(m+k), M+1)`` (converges when ``κ(M+1)^β > 1``),
  with ``ζ(s, a)`` from the short Euler–Maclaurin routine below (mpmath's own ``zeta(s, a)`` loses
  digits for large ``s`` and ``a``: see ``test_mpmath_hurwitz_pitfall``);
* a rigorous bracket ``partial + ∫_{M+1}^∞ f <= S <= partial + ∫_M^∞ f`` (``f`` decreasing), with the
  integrals as binomial series in ``1/(κx^β)``;
* closed forms at ``β = 2``: ``Σ_j 1/(1+κj²) = (π/(2√κ)) coth(π/√κ) − 1/2``;
* the small-κ expansion derived symbolically in theory/scaling.py (an independent derivation).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.errors import NotCoveredError, ScenarioError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.infinite import PowerLawSums, _hurwitz_zeta, _Mp, infinite_power_law_sums, power_sum
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.spectra import Spectrum, Teacher
from modelcollapse.numerics.sums import SpectralSums, spectral_sums

MP50 = Backend(dps=50)


def ref_hurwitz(ctx, s, a: int):
    """``ζ(s, a)``: 60 direct terms, then Euler–Maclaurin from ``a + 60`` (independent of the library)."""
    b = ctx.mpf(a + 60)
    total = ctx.fsum(ctx.mpf(a + i) ** (-s) for i in range(60)) + b ** (1 - s) / (s - 1) + b ** (-s) / 2
    poch = s
    for k in range(1, 400):
        term = ctx.bernoulli(2 * k) / ctx.factorial(2 * k) * poch * b ** (-s - 2 * k + 1)
        total += term
        if abs(term) < ctx.eps * abs(total) / 100:
            return total
        poch *= (s + 2 * k - 1) * (s + 2 * k)
    raise AssertionError("reference Hurwitz series did not converge")


def ref_sum(ctx, kappa, beta, gamma, m, ratio=2):
    """``Σ_{j>=1} j^(−γ)(1+κj^β)^(−m)``: brute-force head plus the Hurwitz binomial tail."""
    kappa, beta, gamma = ctx.mpf(kappa), ctx.mpf(beta), ctx.mpf(gamma)
    M = max(20, int(ctx.ceil((ratio / kappa) ** (1 / beta))))  # κ(M+1)^β >= ratio: tail terms fall like ratio^(−k)
    head = ctx.fsum(ctx.mpf(j) ** (-gamma) / (1 + kappa * ctx.mpf(j) ** beta) ** m for j in range(1, M + 1))
    tail, k = ctx.mpf(0), 0
    while True:
        term = ctx.binomial(-m, k) * kappa ** (-m - k) * ref_hurwitz(ctx, gamma + beta * (m + k), M + 1)
        tail += term
        k += 1
        if abs(term) < ctx.eps * abs(head) / 100:
            return head + tail


def gamma_of(family: str, beta: float) -> tuple[float, int]:
    """(γ, m) of a family: df_1, df_2, or the source-teacher bias sum at r (γ = 1+2βr−2β)."""
    if family == "df1":
        return 0.0, 1
    if family == "df2":
        return 0.0, 2
    r = float(family.split("=")[1])
    return 1 + 2 * beta * r - 2 * beta, 2


BETAS = (1.1, 1.5, 2.0, 3.0)
FAMILIES = ("df1", "df2", "r=0.3", "r=0.5", "r=1", "r=2")


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("family", FAMILIES)
def test_sums_match_partial_sum_plus_hurwitz_tail(beta, family):
    """40 digits: every sum against head + Hurwitz tail, for κ from 3 down to 1e-2 (β near 1 included)."""
    gamma, m = gamma_of(family, beta)
    ctx = mpmath.MPContext()
    ctx.dps = 45
    ops = _Mp(42)
    kappas = [3.0, 0.3, 1e-2]
    got = power_sum(ops.array(kappas), beta=beta, gamma=gamma, m=m, ops=ops)
    for k, g in zip(kappas, got):
        ref = ref_sum(ctx, k, beta, gamma, m)
        assert abs(g - ref) <= 1e-40 * abs(ref), (beta, family, k, ctx.nstr(g, 45), ctx.nstr(ref, 45))


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("family", ("df1", "df2", "r=0.5", "r=2"))
def test_float64_within_rigorous_bracket(beta, family):
    """float64 at small κ (1e-3): partial sum to M = 10^6 plus integral bounds on the tail."""
    gamma, m = gamma_of(family, beta)
    kappa, M = 1e-3, 10**6
    j = np.arange(1, M + 1, dtype=float)
    partial = math.fsum(j ** (-gamma) / (1 + kappa * j**beta) ** m)

    def tail_integral(x0):
        # ∫_{x0}^∞ x^(−γ)(κx^β)^(−m)(1 + 1/(κx^β))^(−m) dx term by term (κ x0^β ≈ 4e3 here);
        # mpmath.quad is no reference: at β = 1.1 it misses 2% of this slowly decaying integral.
        t0 = kappa * x0**beta
        return math.fsum(math.comb(m + k - 1, k) * (-1) ** k * x0 ** (1 - gamma) * t0 ** (-m - k)
                         / (gamma + beta * (m + k) - 1)
                         for k in range(12))

    lo, hi = partial + tail_integral(M + 1), partial + tail_integral(M)
    got = float(power_sum(np.array([kappa]), beta=beta, gamma=gamma, m=m)[0])
    assert lo * (1 - 4e-15) <= got <= hi * (1 + 4e-15), (beta, family, lo, got, hi)


def test_theory_md_nsum_example():
    """THEORY.md §5: Σ j^-1.5/(j^-1.5 + 1e-3) is about 241 (mpmath.nsum returns about 140)."""
    ctx = mpmath.MPContext()
    ctx.dps = 30
    ref = ref_sum(ctx, 1e-3, 1.5, 0.0, 1)
    got = PowerLawSums(beta=1.5, d=math.inf).df(1e-3, 1)
    assert 241 < got < 242
    assert abs(got - float(ref)) <= 1e-13 * got


@pytest.mark.parametrize("kappa", ["1e-2", "1e-6", "1e-12", "1e-30", "1e-80"])
def test_closed_form_beta_two(kappa):
    """β = 2 at 50 digits, κ down to 1e-80: df_1, df_2 and bias sums with closed forms.

    ``df_1 = (π/2)κ^(−1/2) coth(π κ^(−1/2)) − 1/2``, ``df_2 = df_1 + κ df_1'(κ)``; for the source
    teacher at β = 2 the bias sum is ``df_2/ζ(4)`` at r = 3/4 and ``(df_1 − df_2)/(κ ζ(2))`` at r = 1/4.
    """
    ctx = mpmath.MPContext()
    ctx.dps = 70
    k = ctx.mpf(kappa)
    g = lambda x: ctx.pi / (2 * ctx.sqrt(x)) / ctx.tanh(ctx.pi / ctx.sqrt(x))  # noqa: E731
    df1 = g(k) - ctx.mpf(1) / 2
    dg = (
        -ctx.pi / (4 * k * ctx.sqrt(k)) / ctx.tanh(ctx.pi / ctx.sqrt(k))
        + ctx.pi**2 / (4 * k * k) / ctx.sinh(ctx.pi / ctx.sqrt(k)) ** 2
    )
    df2 = df1 + k * dg
    kk = MP50.scalar(kappa)
    inf = math.inf
    assert abs(PowerLawSums(beta=2.0, d=inf, backend=MP50).df(kk, 1) - df1) <= 1e-48 * df1
    assert abs(PowerLawSums(beta=2.0, d=inf, backend=MP50).df(kk, 2) - df2) <= 1e-48 * df2
    b34 = PowerLawSums(beta=2.0, d=inf, teacher_kind="source", r=0.75, backend=MP50).bias_sum(kk)
    assert abs(b34 - df2 / ctx.zeta(4)) <= 1e-48 * b34
    b14 = PowerLawSums(beta=2.0, d=inf, teacher_kind="source", r=0.25, backend=MP50).bias_sum(kk)
    ref14 = (df1 - df2) / (k * ctx.zeta(2))
    assert abs(b14 - ref14) <= 1e-46 * ref14  # (df_1 − df_2)/κ cancels a few digits in the reference


@pytest.mark.parametrize("beta", (1.5, 3.0))
def test_small_kappa_expansion(beta):
    """The Mellin expansions of theory/scaling.py: df_m = C_m κ^(−1/β) − 1/2 − m ζ(−β) κ + O(κ²)."""
    import sympy as sp

    from modelcollapse.theory import scaling
    from modelcollapse.theory.symbols import beta as B
    from modelcollapse.theory.symbols import kappa as K
    from modelcollapse.theory.symbols import r as R

    sums = PowerLawSums(beta=beta, d=math.inf, teacher_kind="source", r=0.3, backend=MP50)
    for kappa, bound in (("1e-8", 1e-14), ("1e-12", 1e-22)):  # O(κ²) left over; the O(κ) term is ~1e-9 at 1e-8
        k = MP50.scalar(kappa)
        subs = {B: sp.Float(beta, 60), K: sp.Float(kappa, 60), R: sp.Float(0.3, 60)}  # r: the binary 0.3 the sums use
        for m in (1, 2):
            approx = MP50.scalar(str(sp.N(scaling.df_small_kappa(m).subs(subs), 55)))
            assert abs(sums.df(k, m) - approx) <= bound, (m, kappa)
        approx = MP50.scalar(str(sp.N(scaling.bias_small_kappa().subs(subs), 55)))
        assert abs(k**2 * sums.bias_sum(k) - approx) <= bound * k  # O(κ³) after κ^0.6 and κ²


@pytest.mark.parametrize("beta", (1.1, 2.0, 3.5))
@pytest.mark.parametrize("d", (25_000, 1_000_000))
def test_finite_d_matches_term_by_term(beta, d):
    """Finite d: Euler–Maclaurin between N and d against numpy's term-by-term sum (fsum), κ = 0 included."""
    j = np.arange(1, d + 1, dtype=float)
    lam = j ** (-beta)
    w_src = j ** (-1 - 2 * beta * 0.3)
    w_src /= math.fsum(w_src)
    w_iso = lam / math.fsum(lam)
    src = PowerLawSums(beta=beta, d=d, teacher_kind="source", r=0.3)
    iso = PowerLawSums(beta=beta, d=d, teacher_kind="isotropic")
    for kappa in (0.0, 1e-12, 1e-6, 1e-3, 1.0):
        for m in (1, 2):
            ref = math.fsum((lam / (lam + kappa)) ** m)
            assert abs(src.df(kappa, m) - ref) <= 2e-14 * ref
        for sums, w in ((src, w_src), (iso, w_iso)):
            ref = math.fsum(w / (lam + kappa) ** 2)
            assert abs(sums.bias_sum(kappa) - ref) <= 2e-14 * ref
    assert abs(src.trace - math.fsum(lam)) <= 1e-15 * src.trace
    assert src.min_eigenvalue == pytest.approx(d ** (-beta), rel=1e-15)


def test_spectral_sums_dispatch_is_continuous():
    """spectral_sums switches to Euler–Maclaurin above d = 20000: both agree at the threshold."""
    from modelcollapse.numerics.sums import LARGE_POWER_LAW_D

    spec = Spectrum(kind="power_law", d=LARGE_POWER_LAW_D, beta=1.5)
    teach = Teacher(kind="source", r=0.5)
    direct = spectral_sums(spec, teach, FLOAT64)
    assert isinstance(direct, SpectralSums)
    em = infinite_power_law_sums(spec, teach, FLOAT64)
    big = spectral_sums(Spectrum(kind="power_law", d=LARGE_POWER_LAW_D + 1, beta=1.5), teach, FLOAT64)
    assert isinstance(big, PowerLawSums)
    kap = np.logspace(-10, 1, 12)
    for m in (1, 2):
        np.testing.assert_allclose(em.df(kap, m), direct.df(kap, m), rtol=2e-14)
    np.testing.assert_allclose(em.bias_sum(kap), direct.bias_sum(kap), rtol=2e-14)
    # coefficients cannot use the power-law sums
    coef = Teacher(kind="coefficients", values=tuple([1.0] * 30))
    assert isinstance(spectral_sums(Spectrum(kind="power_law", d=30, beta=1.5), coef), SpectralSums)


def test_float64_matches_mpmath_vectorised():
    """The vectorised float64 path against 30 digits over κ ∈ [1e-14, 1e3], β near 1 included."""
    b30 = Backend(dps=30)
    kap = np.logspace(-14, 3, 35)
    for beta, r in ((1.1, 0.4), (2.0, 1.0), (3.0, 2.5)):
        f = PowerLawSums(beta=beta, d=math.inf, teacher_kind="source", r=r)
        mp = PowerLawSums(beta=beta, d=math.inf, teacher_kind="source", r=r, backend=b30)
        kap_mp = b30.array(kap)
        for m in (1, 2):
            np.testing.assert_allclose(f.df(kap, m), b30.to_float(mp.df(kap_mp, m)), rtol=3e-15)
        np.testing.assert_allclose(f.bias_sum(kap), b30.to_float(mp.bias_sum(kap_mp)), rtol=3e-15)


def test_mpmath_hurwitz_pitfall():
    """Why the library has its own ζ(s, a): mpmath's loses digits for large s and a."""
    c62, c200 = mpmath.MPContext(), mpmath.MPContext()
    c62.dps, c200.dps = 62, 200
    s, a = 30, 20001
    exact = c200.fsum((a + n) ** (-c200.mpf(s)) for n in range(400))  # terms fall like (1+n/a)^-30: 400 suffice
    exact += ref_hurwitz(c200, c200.mpf(s), a + 400)
    ours = _hurwitz_zeta(c62, c62.mpf(s), a)
    assert abs(ours - exact) <= 1e-60 * exact
    assert abs(c62.zeta(s, a) - exact) > 1e-20 * exact  # documents the pitfall (off by ~7e-15)


# -- the κ fixed point at 50 digits --------------------------------------------------------------------

class _ReferenceSums:
    """``df_m`` by brute-force head + Hurwitz tail (independent of numerics/infinite.py)."""

    def __init__(self, beta, backend):
        self.beta, self.backend, self.d = beta, backend, math.inf
        self.trace = backend.ctx.zeta(backend.scalar(beta))
        self.min_eigenvalue = backend.scalar(0)
        self.ctx = mpmath.MPContext()
        self.ctx.dps = backend.dps + 6

    def df(self, kappa, m):
        one = np.ndim(kappa) == 0
        vals = [self.backend.ctx.mpf(ref_sum(self.ctx, k, self.beta, 0, m, ratio=16)) for k in np.atleast_1d(kappa)]
        return vals[0] if one else np.array(vals, dtype=object)


@pytest.mark.parametrize("ridge", ["1e-3", "0"])
def test_kappa_fifty_digits(ridge):
    """κ of λ_j = j^-1.5, d = inf, T = 100 at 50 digits: residual < 1e-45 and the same κ as brute force."""
    beta, T = 1.5, 100
    sums = PowerLawSums(beta=beta, d=math.inf, backend=MP50)
    sol = solve_kappa(sums, MP50.scalar(ridge), T)
    assert sol.residual < 1e-45
    ref = solve_kappa(_ReferenceSums(beta, MP50), MP50.scalar(ridge), T)
    assert abs(sol.kappa - ref.kappa) <= 1e-45 * ref.kappa
    # the residual re-evaluated with the reference sums
    k = sol.kappa
    h = 1 - _ReferenceSums(beta, MP50).df(k, 1) / T - MP50.scalar(ridge) / k
    assert abs(h) < 1e-45
    # and against the float64 solution of a brute-force truncated spectrum: κ_M < κ (df_1 loses its tail)
    M = 200_000
    trunc = solve_kappa(
        SpectralSums(Spectrum(kind="power_law", d=M, beta=beta).eigenvalues(), None), float(ridge), T
    ).kappa
    kf = float(k)
    tail = (kf ** -1) * M ** (1 - beta) / (beta - 1)  # Σ_{j>M} 1/(1+κj^β) <= κ^-1 M^(1-β)/(β-1)
    slope = (float(sums.df(k, 1)) - float(sums.df(k, 2))) / T + float(ridge) / kf  # dh/dlog κ
    assert trunc < kf and math.log(kf / trunc) <= 2 * tail / T / slope  # first-order shift, generous factor 2


def test_predict_infinite_clean():
    """predict works for d = 'inf' with n = 0 (float64 and 50 digits agree), refuses n >= 1 clearly."""
    data = {"spectrum": {"kind": "power_law", "d": "inf", "beta": 1.5}, "teacher": {"kind": "source", "r": 0.5},
            "generators": {"n": 0}, "downstream": {"T": 1000, "sigma": 0.5, "ridge": 1e-3}}
    s = Scenario.from_dict(data)
    f, m = predict(s), predict(s, 50)
    assert m.residual < 1e-45
    assert m.test_error == pytest.approx(f.test_error, rel=1e-13)
    assert f.test_error == pytest.approx(f.bias + f.variance, rel=1e-15) and f.collapse == 0
    assert f.provenance["clean_error"] == "deterministic equivalent with 1/d correction"
    assert m.first_order["test_error"] == pytest.approx(f.first_order["test_error"], rel=1e-13)
    # d = inf is the limit of finite d: the gap closes like the tail of df_1, d^(1−β) = d^(−1/2)
    gap = [abs(predict(Scenario.from_dict({**data, "spectrum": {"kind": "power_law", "d": d, "beta": 1.5}})).test_error
               - f.test_error) for d in (10**5, 10**7)]
    assert 0 < gap[1] < gap[0] / 8
    # ridgeless on d = inf: κ solves df_1(κ) = T
    r0 = predict(s.replace(ridge=0.0))
    assert PowerLawSums(beta=1.5, d=math.inf).df(r0.kappa, 1) == pytest.approx(1000, rel=1e-13)
    with pytest.raises(NotCoveredError, match="spectrum.d"):
        predict(s.replace(n=1, T0=5000, sigma0=1.0))


def test_bad_inputs():
    sums = PowerLawSums(beta=1.5, d=math.inf, teacher_kind="source", r=0.5)
    with pytest.raises(NotCoveredError, match="kappa"):
        sums.df(-1.0, 1)
    with pytest.raises(NotCoveredError, match="spectrum.d"):
        sums.df(0.0, 1)  # diverges for d = inf
    with pytest.raises(ValueError, match="spectrum.beta"):
        PowerLawSums(beta=1.0, d=math.inf)
    with pytest.raises(ValueError, match="teacher.kind"):
        PowerLawSums(beta=2.0, d=math.inf, teacher_kind="isotropic")
    with pytest.raises(ScenarioError, match="teacher"):
        PowerLawSums(beta=2.0, d=math.inf).bias_sum(1.0)
    assert np.all(np.isfinite(sums.df(np.logspace(-300, 300, 7), 1)))
