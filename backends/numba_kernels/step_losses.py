"""The losses of the compiled training step: each loss's value and its gradient.

The step reads the loss as a code (`loss_code(plan.loss)`, from the training plan's loss), so one
compiled step serves every loss. Values and gradients come from the numba backend's own loss
kernels, so every number is the one the layer-by-layer path computes. Accuracy is not counted here:
`Model` counts it from the outputs a compiled epoch hands back, by the loss's own rule.
"""

from __future__ import annotations

from numba import njit

from .. import numba_backend as nb

# the compiled kernels behind the numba backend's adapters (Numba calls them, not the adapters)
_categorical_cross_entropy = nb.categorical_cross_entropy.kernel
_softmax_cross_entropy_backward = nb.softmax_cross_entropy_backward.kernel
_categorical_cross_entropy_backward = nb.categorical_cross_entropy_backward.kernel
_binary_cross_entropy = nb.binary_cross_entropy.kernel
_binary_cross_entropy_backward = nb.binary_cross_entropy_backward.kernel
_mean_squared_error = nb.mean_squared_error.kernel
_mean_squared_error_backward = nb.mean_squared_error_backward.kernel
_mean_absolute_error = nb.mean_absolute_error.kernel
_mean_absolute_error_backward = nb.mean_absolute_error_backward.kernel

#: Loss codes. SOFTMAX_CROSS_ENTROPY is categorical cross-entropy after a final Softmax, whose two
#: backwards collapse into one (where the plan says the model fuses them); CROSS_ENTROPY is the same
#: loss after anything else.
SOFTMAX_CROSS_ENTROPY, CROSS_ENTROPY, BINARY_CROSS_ENTROPY, SQUARED_ERROR, ABSOLUTE_ERROR = range(5)
LOSS_CODES = {"categorical_cross_entropy": CROSS_ENTROPY, "binary_cross_entropy": BINARY_CROSS_ENTROPY,
              "mean_squared_error": SQUARED_ERROR, "mean_absolute_error": ABSOLUTE_ERROR}


def loss_code(loss) -> int | None:
    """The code of a training plan's loss (`LossPlan`), or None for a loss the compiled step does not know."""
    if loss.fused_softmax_backward:
        return SOFTMAX_CROSS_ENTROPY
    return LOSS_CODES.get(loss.name)


@njit(cache=True)
def loss_and_gradient(code, outputs, classes, targets):
    """(the mean loss of outputs (n_samples, n_outputs), its gradient with respect to outputs), where
    targets are `classes` (int64, one per sample) for the cross-entropies and `targets` (rows of
    outputs' shape) for the others. For SOFTMAX_CROSS_ENTROPY the gradient is with respect to the
    logits the final Softmax took: (probabilities - onehot) / n_samples."""
    if code == SOFTMAX_CROSS_ENTROPY:
        return (_categorical_cross_entropy(outputs, classes),
                _softmax_cross_entropy_backward(outputs, classes))
    if code == CROSS_ENTROPY:
        return (_categorical_cross_entropy(outputs, classes),
                _categorical_cross_entropy_backward(outputs, classes))
    flat, flat_targets = outputs.reshape(-1), targets.reshape(-1)  # the element-wise kernels take flat arrays
    if code == BINARY_CROSS_ENTROPY:
        loss = _binary_cross_entropy(flat, flat_targets)
        gradient = _binary_cross_entropy_backward(flat, flat_targets)
    elif code == SQUARED_ERROR:
        loss = _mean_squared_error(flat, flat_targets)
        gradient = _mean_squared_error_backward(flat, flat_targets)
    else:
        loss = _mean_absolute_error(flat, flat_targets)
        gradient = _mean_absolute_error_backward(flat, flat_targets)
    return loss, gradient.reshape(outputs.shape)
