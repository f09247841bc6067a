"""Numerical constants shared by every backend, stated once.

The tricks that keep the kernels finite are written next to the code that needs them; in short:
softmax subtracts each row's maximum before `exp`; sigmoid evaluates `exp` only of `-|z|`; the
cross-entropies read probabilities through `clip(p, PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)` so
that `log` and the divisions of their gradients never see 0.
"""

#: Probabilities are clipped to [PROBABILITY_CLIP, 1 - PROBABILITY_CLIP] inside the cross-entropy
#: losses and their gradients: log(1e-7) = -16.1 bounds the loss of a confident wrong answer.
PROBABILITY_CLIP = 1e-7

#: The conformance suite's random inputs are 0 or at least this in magnitude, so no input, and no
#: difference or product of two, is subnormal in float64 or float32: a backend that flushes
#: subnormals to zero (XLA on the CPU does) is judged on the same results as one that does not.
SMALLEST_DRAWN = 1e-18
