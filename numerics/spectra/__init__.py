"""Covariance spectra, one kind per module, and their registration table.

``Spectrum(kind=..., ...)`` and ``Spectrum.from_table(toml_table)`` build the kind's class. A new
kind (e.g. a kernel spectrum from a dataset) is one module defining a ``Spectrum`` subclass with
its ``KIND``, fields, validation, ``eigenvalues``, ``is_isotropic`` (and ``spectral_sums`` where it
has a faster form), plus one entry in :data:`SPECTRUM_KINDS` below.
"""

from modelcollapse.numerics.spectra.base import Spectrum
from modelcollapse.numerics.spectra.eigenvalues import EigenvalueSpectrum
from modelcollapse.numerics.spectra.isotropic import IsotropicSpectrum
from modelcollapse.numerics.spectra.kernel import KernelSpectrum
from modelcollapse.numerics.spectra.power_law import PowerLawSpectrum
from modelcollapse.numerics.teachers import Teacher

# the registration table: kind name -> class, in the order error messages list them
SPECTRUM_KINDS = (IsotropicSpectrum, PowerLawSpectrum, EigenvalueSpectrum, KernelSpectrum)
Spectrum.register_kinds(*SPECTRUM_KINDS)

__all__ = ["Spectrum", "Teacher", "SPECTRUM_KINDS", "IsotropicSpectrum", "PowerLawSpectrum", "EigenvalueSpectrum",
           "KernelSpectrum"]
