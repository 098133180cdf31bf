"""Tail-cutting generators against simulation of the definition, on held-out scenarios (d = 60–300).

Tolerance ``4·SE + allowance``: the allowance is the prediction's own (0 for exact results, 3% for the
deterministic equivalents: first order in 1/d, measured below 2% here). The simulator is
:mod:`modelcollapse.numerics.simulate_tailcut` (the definition, literally; it imports nothing of the theory), with
the downstream's label noise averaged out exactly given its design (``conditional``); the scenarios were chosen
before the numbers were seen and are not used anywhere else.
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate_tailcut import simulate_tailcut

CASES = [
    # (spectrum, teacher, generators, downstream, trials)
    ({"kind": "power_law", "beta": 2.0, "d": 120}, {"kind": "source", "r": 0.3},
     {"n": 3, "T0": 200, "sigma0": 0.6, "keep_top": 15}, {"T": 250, "sigma": 0.4, "ridge": 0.0}, 300),
    ({"kind": "power_law", "beta": 1.3, "d": 200}, {"kind": "source", "r": 0.8},
     {"n": 2, "T0": 260, "sigma0": 1.0, "keep_top": 40}, {"T": 150, "sigma": 0.5, "ridge": 0.02}, 150),
    ({"kind": "isotropic", "d": 80}, {"kind": "isotropic"},
     {"n": 2, "T0": 50, "sigma0": 0.4, "keep_top": 30}, {"T": 120, "sigma": 0.3, "ridge": 0.1}, 300),
    ({"kind": "power_law", "beta": 1.8, "d": 60}, {"kind": "source", "r": 0.6},
     {"n": 4, "T0": 90, "sigma0": 0.5, "ridge": 0.1, "keep_top": 8}, {"T": 40, "sigma": 0.2, "ridge": 0.001}, 400),
    ({"kind": "power_law", "beta": 1.5, "d": 300}, {"kind": "source", "r": 0.5},
     {"n": 1, "T0": 400, "sigma0": 0.5, "keep_top": 50}, {"T": 150, "sigma": 0.3, "ridge": 0.0}, 60),
    ({"kind": "power_law", "beta": 1.6, "d": 100}, {"kind": "source", "r": 0.4},
     {"n": 2, "T0": 70, "sigma0": 0.3, "keep_top": 25}, {"T": 200, "sigma": 0.5, "ridge": 0.0}, 300),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"d{c[0]['d']}-k{c[2]['keep_top']}")
def test_prediction_within_tolerance_of_simulation(case):
    spectrum, teacher, gen, down, trials = case
    s = Scenario(spectrum=spectrum, teacher=teacher, generators=gen, downstream=down)
    p = predict(s, monte_carlo=False)
    assert p.regime == "tail_cut"
    g = s.generators
    with threadpool_limits(1):
        mean, se, _ = simulate_tailcut(s.spectrum.eigenvalues(), s.teacher.coefficients(s.spectrum), T0=g.T0,
                                       sigma0=g.sigma0, ridge0=g.ridge[: g.n], keep_top=g.keep_top, T=s.T,
                                       sigma=s.sigma, ridge=s.ridge, trials=trials, seed=2305,
                                       estimator="conditional")
    tolerance = 4 * se + p.allowance * mean
    print(f"{case[0]} k={g.keep_top}: theory {p.test_error:.6g} MC {mean:.6g} ± {se:.2g} "
          f"rel {(p.test_error - mean) / mean:+.4f} tolerance {tolerance / mean:.4f}")
    assert abs(p.test_error - mean) <= tolerance


@pytest.mark.slow
@pytest.mark.parametrize("estimator", ["plain", "conditional"])
def test_generic_simulator_runs_the_cut(estimator):
    """``simulate(scenario)`` (the chain description with the KeepTop hook) against the literal simulator and theory."""
    from modelcollapse.numerics.simulate import simulate

    s = Scenario(spectrum={"kind": "power_law", "beta": 1.7, "d": 70}, teacher={"kind": "source", "r": 0.45},
                 generators={"n": 2, "T0": 110, "sigma0": 0.6, "keep_top": 12, "scheme": "replace"},
                 downstream={"T": 90, "sigma": 0.3, "ridge": 0.02})
    g = s.generators
    generic = simulate(s, trials=400, seed=77, estimator=estimator)
    mean, se, _ = simulate_tailcut(s.spectrum.eigenvalues(), s.teacher.coefficients(s.spectrum), T0=g.T0,
                                   sigma0=g.sigma0, ridge0=g.ridge[: g.n], keep_top=12, T=s.T, sigma=s.sigma,
                                   ridge=s.ridge, trials=400, seed=78, estimator=estimator)
    assert abs(generic.mean - mean) <= 4 * (generic.stderr**2 + se**2) ** 0.5
    p = predict(s, monte_carlo=False)
    assert abs(p.test_error - generic.mean) <= 4 * generic.stderr + p.allowance * generic.mean
    uncut = simulate(s.replace(**{"generators.keep_top": None}), trials=400, seed=77, estimator=estimator)
    assert uncut.mean - generic.mean > 4 * (uncut.stderr**2 + generic.stderr**2) ** 0.5  # the cut is simulated
