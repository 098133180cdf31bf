"""The numeric layer: spectra and teachers, scenarios, the κ solver (float64 and mpmath),
predictions, infinite sums, optimisation, and the independent Monte Carlo simulator."""
