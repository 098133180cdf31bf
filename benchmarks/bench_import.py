"""Import cost of the front door: ``import modelcollapse`` beside ``import sympy`` and the deep layers.

Each import runs in a fresh interpreter (the median of 7 runs, ``-X importtime`` not used: the wall
time a user waits), so nothing is cached in ``sys.modules``. Prints seconds and the ratio to
``import sympy``. ``import modelcollapse`` is lazy (module ``__getattr__``); the first use of a name
pays for what it needs (``mc.predict`` imports SymPy, NumPy, SciPy; never pandas, Dask, matplotlib
or scikit-learn).

    python benchmarks/bench_import.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys

CASES = {
    "python -c pass": "pass",
    "import sympy": "import sympy",
    "import modelcollapse": "import modelcollapse",
    "import modelcollapse; mc.__version__": "import modelcollapse as mc; mc.__version__",
    "mc.predict (first call)": "import modelcollapse as mc; mc.predict('isotropic_ols')",
    "import modelcollapse.theory": "import modelcollapse.theory",
    "import modelcollapse.derivations.sweep": "import modelcollapse.derivations.sweep",
}
TIMER = "import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"


def timed(code: str, runs: int = 7) -> float:
    times = [float(subprocess.run([sys.executable, "-c", TIMER.format(code=code)], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(runs)]
    return statistics.median(times)


def main() -> None:
    base = timed(CASES["import sympy"])
    print(f"{'what':40s} {'seconds':>9s} {'x import sympy':>15s}")
    for name, code in CASES.items():
        t = base if name == "import sympy" else timed(code)
        print(f"{name:40s} {t:9.4f} {t / base:15.3f}")


if __name__ == "__main__":
    main()
