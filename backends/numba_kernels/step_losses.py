"""The losses of the compiled training step: each loss's value and its gradient.

The step reads the loss as a code (`loss_code(plan.loss)`, from the training plan's loss), so one
compiled step serves every loss. Values and gradients come from the loops the numba backend's
losses run (`training_loops`), so every number is the one the layer-by-layer path computes. Accuracy is not counted here:
`Model` counts it from the outputs a compiled epoch hands back, by the loss's own rule.
"""

from __future__ import annotations

from numba import njit

from .training_loops import (binary_cross_entropy, binary_cross_entropy_backward, categorical_cross_entropy,
                             categorical_cross_entropy_backward, mean_absolute_error, mean_absolute_error_backward,
                             mean_squared_error, mean_squared_error_backward, softmax_cross_entropy_backward)


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
        return (categorical_cross_entropy(outputs, classes),
                softmax_cross_entropy_backward(outputs, classes))
    if code == CROSS_ENTROPY:
        return (categorical_cross_entropy(outputs, classes),
                categorical_cross_entropy_backward(outputs, classes))
    flat, flat_targets = outputs.reshape(-1), targets.reshape(-1)  # the element-wise kernels take flat arrays
    if code == BINARY_CROSS_ENTROPY:
        loss = binary_cross_entropy(flat, flat_targets)
        gradient = binary_cross_entropy_backward(flat, flat_targets)
    elif code == SQUARED_ERROR:
        loss = mean_squared_error(flat, flat_targets)
        gradient = mean_squared_error_backward(flat, flat_targets)
    else:
        loss = mean_absolute_error(flat, flat_targets)
        gradient = mean_absolute_error_backward(flat, flat_targets)
    return loss, gradient.reshape(outputs.shape)
