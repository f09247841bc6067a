"""Losses and their accuracy metrics, written once on top of the backend interface.

Each loss knows three things: how to check and hold its targets (class indices for the categorical
cross-entropy, a 2-D array of the outputs' shape for the others), its forward and backward through
the backend, and what "accurate" means for its kind of target.
"""

from __future__ import annotations

import numpy as np

from .layers import Softmax
from ..validation import InvalidInputError, InvalidTypeError, class_range, integer_class_indices


class Loss:
    name: str
    #: Whether the targets are class indices (else float rows of the outputs' shape).
    takes_classes = False
    #: Where `BinaryCrossEntropy.hits` splits the outputs and targets into yes and no.
    threshold = 0.5

    def targets(self, op: str, y, n_samples: int, n_outputs: int) -> np.ndarray:
        """y checked against the model's outputs, as a NumPy array ready to be sliced into batches."""
        raise NotImplementedError

    def native_targets(self, backend, targets: np.ndarray, dtype):
        """A batch of targets as the backend's loss operations take them."""
        return backend.kernels.asarray(targets, dtype)

    def hits(self, outputs: np.ndarray, targets: np.ndarray, tolerance: float | None) -> np.ndarray:
        """Which outputs count as accurate, as booleans: one per sample (a class) or per output. outputs
        may carry leading axes (several epochs' outputs at once); targets broadcast along them."""
        raise NotImplementedError

    def accuracy(self, outputs: np.ndarray, targets: np.ndarray, tolerance: float | None) -> float:
        """The fraction of `hits`."""
        hits = self.hits(outputs, targets, tolerance)
        return np.count_nonzero(hits) / hits.size

    def __repr__(self):
        return f"{type(self).__name__}()"


def _float_targets(op, y, n_samples, n_outputs):
    y = np.asarray(y)
    if y.dtype.kind not in "iuf":
        raise InvalidTypeError(f"{op}: targets must be real numbers; got y.dtype={y.dtype}")
    if y.ndim == 1 and n_outputs == 1:
        y = y.reshape(-1, 1)  # a single output: one target per sample, given flat
    if y.shape != (n_samples, n_outputs):
        raise InvalidInputError(f"{op}: targets must have shape (n_samples, n_outputs) = {(n_samples, n_outputs)}; "
                                f"got y.shape={y.shape}")
    if not np.isfinite(y).all():
        raise InvalidInputError(f"{op}: targets must be finite; got a NaN or infinity in y")
    return y.astype(np.float64)


class CategoricalCrossEntropy(Loss):
    """-log of the probability given to the true class; targets are class indices or one-hot rows."""

    name = "categorical_cross_entropy"
    takes_classes = True

    def targets(self, op, y, n_samples, n_outputs):
        y = np.asarray(y)
        if y.ndim == 2:  # one-hot rows -> class indices
            if y.shape != (n_samples, n_outputs) or not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
                raise InvalidInputError(f"{op}: 2-D targets must be one-hot rows of shape {(n_samples, n_outputs)}; "
                                        f"got y.shape={y.shape}")
            return y.argmax(axis=1)
        if y.ndim != 1 or len(y) != n_samples:
            raise InvalidInputError(f"{op}: targets must hold one class index per sample ({n_samples},); "
                                    f"got y.shape={y.shape}")
        integer_class_indices(op, "y", y)
        class_range(op, "y", y, n_outputs)
        return y.astype(np.int64)

    def native_targets(self, backend, targets, dtype):
        return targets  # every backend takes class indices as an integer ndarray

    def forward(self, backend, outputs, targets):
        return backend.kernels.categorical_cross_entropy(outputs, targets)

    def backward(self, backend, outputs, targets):
        return backend.kernels.categorical_cross_entropy_backward(outputs, targets)

    def hits(self, outputs, targets, tolerance):
        return outputs.argmax(axis=-1) == targets


class BinaryCrossEntropy(Loss):
    """Independent yes/no outputs in (0, 1), usually after a Sigmoid; targets 0 or 1 (or in between)."""

    name = "binary_cross_entropy"

    def targets(self, op, y, n_samples, n_outputs):
        y = _float_targets(op, y, n_samples, n_outputs)
        if ((y < 0) | (y > 1)).any():
            raise InvalidInputError(f"{op}: binary targets must lie in [0, 1]; got y with values "
                                    f"from {y.min()!r} to {y.max()!r}")
        return y

    def forward(self, backend, outputs, targets):
        return backend.kernels.binary_cross_entropy(outputs, targets)

    def backward(self, backend, outputs, targets):
        return backend.kernels.binary_cross_entropy_backward(outputs, targets)

    def hits(self, outputs, targets, tolerance):
        return (outputs > self.threshold) == (targets > self.threshold)


class MeanSquaredError(Loss):
    """Regression: the mean of (target - prediction)²; accuracy counts predictions within a tolerance."""

    name = "mean_squared_error"

    def targets(self, op, y, n_samples, n_outputs):
        return _float_targets(op, y, n_samples, n_outputs)

    def forward(self, backend, outputs, targets):
        return backend.kernels.mean_squared_error(outputs, targets)

    def backward(self, backend, outputs, targets):
        return backend.kernels.mean_squared_error_backward(outputs, targets)

    def hits(self, outputs, targets, tolerance):
        return np.abs(outputs - targets) < tolerance


class MeanAbsoluteError(MeanSquaredError):
    """Regression: the mean of |target - prediction|."""

    name = "mean_absolute_error"

    def forward(self, backend, outputs, targets):
        return backend.kernels.mean_absolute_error(outputs, targets)

    def backward(self, backend, outputs, targets):
        return backend.kernels.mean_absolute_error_backward(outputs, targets)


LOSSES = {cls.name: cls for cls in (CategoricalCrossEntropy, BinaryCrossEntropy, MeanSquaredError, MeanAbsoluteError)}


def get_loss(loss) -> Loss:
    """A Loss from its name (or a Loss itself)."""
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise InvalidInputError(f"Model: unknown loss; got loss={loss!r}; valid names are "
                                f"{', '.join(repr(name) for name in LOSSES)}")
    return LOSSES[loss]()


def uses_fused_softmax_backward(layers, loss) -> bool:
    """Softmax followed by categorical cross-entropy: the two backwards collapse to (p - onehot)/n."""
    return isinstance(loss, CategoricalCrossEntropy) and bool(layers) and isinstance(layers[-1], Softmax)
