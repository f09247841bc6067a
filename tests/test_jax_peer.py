"""The JAX peer of the benchmarks computes the same training as the hand-written NumPy step.

Both draw the same initial weights (0.01·N(0, 1) from seed 0, zero biases) and run Adam with the
same hyperparameters, so their losses agree step by step; the scanned full-batch run agrees with
the jitted step called once per epoch. Skipped where JAX is not installed (`pip install -e ".[jax]"`).
"""

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from backends.benchmarking import cases, jax_peer, models  # noqa: E402

SIZES = (60, 5, 16, 3)


def _data(dtype):
    n_samples, n_inputs, _, n_outputs = SIZES
    X = np.random.default_rng(0).standard_normal((n_samples, n_inputs)).astype(dtype)
    return X, np.random.default_rng(1).integers(0, n_outputs, size=n_samples)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 2e-5)])
def test_jitted_step_follows_the_hand_written_numpy_step(dtype, rtol):
    X, classes = _data(dtype)
    numpy_step = models.numpy_training_step(X, classes, SIZES[2], SIZES[3], dtype)
    jax_step = jax_peer.training_step(X, classes, (SIZES[1], SIZES[2], SIZES[3]), 0.001, dtype)
    for _ in range(5):
        expected = numpy_step()
        loss, hits = jax_step()
        assert loss.dtype == np.dtype(dtype)
        np.testing.assert_allclose(float(loss), expected, rtol=rtol)
        assert 0 <= int(hits) <= SIZES[0]


def test_scanned_epochs_follow_the_step_called_once_per_epoch():
    X, classes = _data("float64")
    widths = (SIZES[1], SIZES[2], SIZES[3])
    step = jax_peer.training_step(X, classes, widths, 0.01, "float64")
    one_by_one = [float(step()[0]) for _ in range(4)]
    losses, hits = jax_peer.epochs_of_full_batch(X, classes, widths, 0.01, "float64", 4)()
    np.testing.assert_allclose(np.asarray(losses), one_by_one, rtol=1e-12)


@pytest.mark.parametrize("contender", jax_peer.CONTENDERS)
def test_minibatch_epoch_trains(contender):
    X, classes = _data("float64")
    epoch = jax_peer.minibatch_epoch(contender, X, classes, (SIZES[1], SIZES[2], SIZES[3]), 0.05, "float64", 20)
    first = np.asarray(epoch()[0]).ravel()[-1]
    for _ in range(30):
        last = np.asarray(epoch()[0]).ravel()[-1]
    assert last < first  # a loss that falls: the step, the shuffle and the gathers fit together


def test_minibatch_epoch_refuses_a_ragged_last_batch():
    X, classes = _data("float64")
    with pytest.raises(ValueError, match="batches of one size; got 60 samples in batches of 7"):
        jax_peer.minibatch_epoch("jax-scan", X, classes, (SIZES[1], SIZES[2], SIZES[3]), 0.05, "float64", 7)


def test_jax_scan_joins_only_the_training_loops():
    joined = {case.operation for case in cases.all_cases() if case.applies_to("jax-scan")}
    assert joined == set(jax_peer.SCANNED_OPERATIONS)
    assert all(case.applies_to("jax") for case in cases.all_cases())
