"""Check your answers to the walkthrough's exercises.

    python docs/walkthrough/exercises/check.py 5               # chapter 5's exercises, in this folder
    python docs/walkthrough/exercises/check.py all
    python docs/walkthrough/exercises/check.py --solutions 5   # the same checks on ../solutions/

Each exercise prints "ok" or what is not right yet (for arrays: how many entries differ, in which
rows and columns, the first few); the exit status is 0 when every exercise checked passed. Nothing
here times anything it asserts: exercises 7.1 and 7.2 measure, and only report (7.1 compares your
prediction with the measurement and says what would explain a gap).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BOOK_WEIGHTS = [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BOOK_BATCH = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]]
BOOK_BIASES = [2.0, 3.0, 0.5]
CHECKS: dict[int, list] = {}


def exercise(chapter: int, number: str, title: str):
    """Register the decorated function as the check of exercise `number` of `chapter`."""
    def register(check):
        CHECKS.setdefault(chapter, []).append((number, title, check))
        return check
    return register


def spans(indices) -> str:
    """'0–36' or '3, 7, 40' or '0–3, 9 (5 in all)': a sorted set of indices, short."""
    indices, runs = sorted(set(int(i) for i in indices)), []
    for index in indices:
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    shown = ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs[:4]) + (", …" if len(runs) > 4 else "")
    return shown if len(runs) <= 4 else f"{shown} ({len(indices)} in all)"


def where_they_differ(got, expected, tolerance) -> str:
    """Where two arrays of one shape differ: how many entries, which rows and columns, the first few."""
    wrong = ~np.isclose(got, expected, rtol=tolerance, atol=tolerance)
    places = np.argwhere(wrong)
    if got.ndim == 2:
        where = f"rows {spans(places[:, 0])}, columns {spans(places[:, 1])}"
    else:
        where = f"at {spans(places[:, 0])}" if got.ndim == 1 else "the value"
    first = "; ".join(f"[{', '.join(map(str, place))}] is {got[tuple(place)]:.6g}, expected "
                      f"{expected[tuple(place)]:.6g}" for place in places[:3])
    return f"{wrong.sum()} of {wrong.size} entries differ, {where} (first: {first})"


def close(got, expected, tolerance=1e-9, what="the answer"):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, f"{what} has shape {got.shape}, expected {expected.shape}"
    assert np.allclose(got, expected, rtol=tolerance, atol=tolerance), (
        f"{what} is {got.tolist()}, expected {expected.tolist()}" if got.size <= 6 else
        f"{what}: {where_they_differ(got, expected, tolerance)}")


@exercise(1, "1.1", "floating-point operations of a matrix product")
def _(m):
    assert m.flops(1, 1, 1) == 2, f"flops(1, 1, 1) is {m.flops(1, 1, 1)}: one multiply and one add"
    assert m.flops(512, 512, 512) == 2 * 512 ** 3
    assert m.flops(3, 4, 5) == 120, f"flops(3, 4, 5) is {m.flops(3, 4, 5)}"


@exercise(1, "1.2", "BLAS threads")
def _(m):
    from threadpoolctl import threadpool_info

    expected = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
    assert m.blas_threads() == expected[0], f"blas_threads() is {m.blas_threads()}, threadpoolctl says {expected[0]}"


@exercise(2, "2.1", "a neuron as a loop")
def _(m):
    close(m.neuron([1.0, 2.0, 3.0], [0.2, 0.8, -0.5], 2.0), 2.3, what="the three-input neuron")
    close(m.neuron([1.0, 2.0, 3.0, 2.5], [0.2, 0.8, -0.5, 1.0], 2.0), 4.8, what="the four-input neuron")
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=7), rng.normal(size=7)
    close(m.neuron(x.tolist(), w.tolist(), 0.5), x @ w + 0.5, what="a seven-input neuron")


@exercise(2, "2.2", "a neuron through the interface")
def _(m):
    from backends import loadable_backends

    for name in loadable_backends():
        got = m.neuron_on(name, [1.0, 2.0, 3.0, 2.5], [0.2, 0.8, -0.5, 1.0], 2.0)
        assert isinstance(got, float), f"on {name}, neuron_on returned a {type(got).__name__}, not a float"
        close(got, 4.8, what=f"the neuron on {name}")


@exercise(3, "3.1", "transpose in plain Python")
def _(m):
    close(m.transpose(BOOK_WEIGHTS), np.transpose(BOOK_WEIGHTS), what="the book's weights transposed")
    close(m.transpose([[1.0, 2.0, 3.0]]), [[1.0], [2.0], [3.0]], what="a single row transposed")


@exercise(3, "3.2", "a layer over a batch in plain Python")
def _(m):
    got = m.layer(BOOK_BATCH, BOOK_WEIGHTS, BOOK_BIASES)
    assert isinstance(got, list), "layer returns a list of rows"
    close(got, [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]], what="the book's batch through the layer")


def _quietly(function, argument):
    """function(argument) with every floating-point warning an error: overflow must not happen."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        try:
            return function(argument)
        except FloatingPointError as error:
            raise AssertionError(f"it overflows on ±1000: {error}") from None


@exercise(4, "4.1", "a softmax that cannot overflow")
def _(m):
    small = np.array([[1.0, 0.0, -1.0]])
    close(m.softmax(small), np.exp(small) / np.exp(small).sum(), what="softmax of [1, 0, -1]")
    close(_quietly(m.softmax, np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])), [[1, 0], [0, 1]],
          what="softmax of ±1000")


@exercise(4, "4.2", "a sigmoid that cannot overflow")
def _(m):
    z = np.linspace(-5, 5, 11)
    close(m.sigmoid(z), 1 / (1 + np.exp(-z)), what="sigmoid on -5 … 5")
    close(_quietly(m.sigmoid, np.array([1000.0, -1000.0])), [1.0, 0.0], what="sigmoid of ±1000")


@exercise(5, "5.1", "make the XOR network learn")
def _(m):
    from backends import Dense, data

    model = m.xor_network()
    dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    shapes = [(layer.n_inputs, layer.n_neurons) for layer in dense]
    assert shapes == [(2, 4), (4, 1)], f"the network's dense layers are {shapes}, keep 2 → 4 → 1"
    X, y = data.xor()
    loss = model.fit(X, y, epochs=10_000, verbose=False)["loss"][-1]
    assert loss < 0.01, f"after 10,000 steps the loss is {loss:.4f}, not below 0.01"


@exercise(5, "5.2", "tanh's backward step")
def _(m):
    z = np.array([[-2.0, -0.3, 0.0, 0.7, 3.0]])
    dvalues = np.array([[0.5, -1.0, 2.0, 1.5, -0.25]])
    h = 1e-6  # the chapter's check: a central difference of the function itself
    expected = dvalues * (np.tanh(z + h) - np.tanh(z - h)) / (2 * h)
    close(m.tanh_backward(dvalues, np.tanh(z)), expected, tolerance=1e-8, what="tanh_backward")


@exercise(5, "5.3", "ReLU's backward step")
def _(m):
    z = np.array([[-2.0, -0.5, 0.5, 3.0]])
    dvalues = np.array([[1.0, 2.0, 3.0, 4.0]])
    close(m.relu_backward(dvalues, z), [[0.0, 0.0, 3.0, 4.0]], what="relu_backward")


def _spiral_losses(learning_rate, epochs=1500):
    from backends import Dense, Model, ReLU, Softmax, data
    from backends.optim import Adam

    X, y = data.spiral(samples=100, classes=3, seed=0)
    model = Model([Dense(2, 64), ReLU(), Dense(64, 3), Softmax()], loss="categorical_cross_entropy",
                  optimizer=Adam(learning_rate=learning_rate, decay=5e-7), backend="numpy", seed=0)
    return np.array(model.fit(X, y, epochs=epochs, verbose=False)["loss"])


@exercise(6, "6.1", "accuracy")
def _(m):
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.7, 0.1]])
    close(m.accuracy(probabilities, np.array([0, 1, 1, 1])), 0.75, what="accuracy")


@exercise(6, "6.2", "a learning rate without the spike")
def _(m):
    assert isinstance(m.LEARNING_RATE, float) and m.LEARNING_RATE > 0, "LEARNING_RATE is a positive number"
    losses, chapters = _spiral_losses(m.LEARNING_RATE), _spiral_losses(0.05)
    rise = np.diff(losses).max()
    assert rise <= 0.05, f"at {m.LEARNING_RATE} the loss still rises by {rise:.3f} in one epoch"
    assert losses[-1] < chapters[-1], (f"at {m.LEARNING_RATE} the loss ends at {losses[-1]:.4f} after 1,500 epochs, "
                                       f"not below 0.05's {chapters[-1]:.4f}")


def _feedback_7_1(predicted: float, measured, lanes: int) -> str:
    """What the measured ratio (an Estimate: without fastmath's time over rung 4's) says about the
    prediction, and what would explain a gap."""
    said = f"you predicted {predicted:g}x rung 4's time; this run measured {measured.text(lambda v: f'{v:.2f}x')}"
    side = measured.side_of(predicted)
    if side is None:
        return (f"{said}: your prediction is inside the interval. The reason: without 'reassoc' the sum is one "
                "chain again, each add waiting for the one before, as in rung 3")
    if side == "above":
        return (f"{said}: more than you predicted. Rung 4 gains twice: {lanes} float64 lanes per vector "
                "register, and several vector accumulators in flight, so the adds no longer wait for each "
                "other's latency (a few cycles each); without fastmath it loses both")
    return (f"{said}: less than you predicted. Something other than the adds limits rung 4: at 256³ its "
            f"loads (two operands per multiply-add) or the cache misses on c's rows cap it below the {lanes} "
            "lanes' worth of speedup; rung 4's GFLOP/s against the peak in chapter 7's table shows how far")


@exercise(7, "7.1", "rung 4 without fastmath: predict, then measure")
def _(m):
    from backends import teaching
    from backends.numba_kernels.ladder_kernels import simd
    from backends.numba_kernels.target import vector_isa

    assert isinstance(m.PREDICTED_RATIO, (int, float)), "write your prediction in PREDICTED_RATIO first"
    compiled = m.simd_without_fastmath
    assert compiled is not None and hasattr(compiled, "py_func"), "simd_without_fastmath is a numba.njit function"
    assert not compiled.targetoptions.get("fastmath"), "simd_without_fastmath still has fastmath flags"
    rng = np.random.default_rng(0)
    a, c = rng.uniform(-1, 1, (37, 29)), rng.uniform(-1, 1, (29, 41))
    close(compiled(a, c), a @ c, tolerance=1e-12, what="its product")
    a, c = rng.uniform(-1, 1, (256, 256)), rng.uniform(-1, 1, (256, 256))
    times = teaching.compare({"rung 4": lambda: simd(a, c), "without fastmath": lambda: compiled(a, c)}, 0.5)
    measured = teaching.ratio(times, "rung 4", "without fastmath")
    print(f"      {_feedback_7_1(m.PREDICTED_RATIO, measured, vector_isa().lanes(8))}"
          f"{teaching.busy_of(*times.values())}")


def _untiled(a, c):
    """The same loops as a tiled product, without the tiles (i, k, j: rows of c streamed in order)."""
    output = np.zeros((a.shape[0], c.shape[1]))
    for i in range(a.shape[0]):
        for k in range(a.shape[1]):
            for j in range(c.shape[1]):
                output[i, j] += a[i, k] * c[k, j]
    return output


@exercise(7, "7.2", "a tiled product, right and then timed")
def _(m):
    from numba import njit

    from backends import teaching
    from backends.numba_kernels.target import cache_sizes
    from backends.walkthrough.conclusions import measured_ratio

    rng = np.random.default_rng(7)
    a, c = rng.uniform(-1, 1, (37, 29)), rng.uniform(-1, 1, (29, 41))
    for tile in (8, 16, 64):
        close(m.tiled_product(a, c, tile), a @ c, tolerance=1e-12, what=f"the product in tiles of {tile}")
    try:
        tiled, untiled = njit(m.tiled_product), njit(_untiled)
        tiled(a, c, 8)
    except Exception as error:  # the answer is right; only the timing needs Numba to compile it
        print(f"      (not timed: Numba cannot compile your tiled_product: {type(error).__name__})")
        return
    l2 = cache_sizes().l2
    n = teaching.pick(min(512, int(np.sqrt(2 * l2 / 8)) + 1), 96)  # c twice this core's L2, when not in fast mode
    a, c = rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, (n, n))
    untiled(a, c)
    tile = 64
    times = teaching.compare({"untiled": lambda: untiled(a, c), "tiled": lambda: tiled(a, c, tile)}, 1.0)
    measured = teaching.ratio(times, "tiled", "untiled")
    print(f"      both compiled, at {n}³ (c is {n * n * 8 // 1024} KiB, this core's L2 {l2 // 1024} KiB), tiles of "
          f"{tile}: {measured_ratio(measured, 'tiled', 'untiled')}{teaching.busy_of(*times.values())}")
    side = measured.side_of(1)
    print("      " + ("the tiles pay: each tile of c is reused by a whole tile of a's rows while it is still in "
                      "cache, where untiled every row of a streams all of c through the caches again"
                      if side == "above" else
                      "the reuse does not pay here: untiled, the innermost loop runs over a whole row of c, long "
                      "and contiguous, which the prefetcher streams well; yours runs {tile} steps from a variable "
                      "start. Rung 6 (cache_blocked in backends/numba_kernels/ladder_kernels.py) keeps a long "
                      "contiguous inner loop (a dot product of two rows) and tiles only around it: compare".format(
                          tile=tile) if side == "below" else
                      "this run cannot tell the two apart: the reuse the tiles buy is about what they cost here"))


@exercise(8, "8.1", "where the fixed price and the work cross")
def _(m):
    close(m.crossing(1e-6, 1e-12), 100.0, tolerance=1e-9, what="crossing(1 µs, 1 ps)")
    close(m.crossing(2e-5, 2.5e-10), 43.09, tolerance=1e-3, what="crossing(20 µs, 0.25 ns)")


@exercise(8, "8.2", "fixed price and work by least squares")
def _(m):
    sizes = [1, 2, 4, 8, 16, 32, 64, 128]
    fixed, per_madd = 3e-6, 4e-10
    noise = np.random.default_rng(8).normal(1, 0.01, len(sizes))
    got = m.fixed_price_and_work(sizes, [(fixed + per_madd * n ** 3) * e for n, e in zip(sizes, noise)])
    close(got, (fixed, per_madd), tolerance=0.05, what="(fixed, per_madd)")


def load(chapter: int, folder: Path):
    path = folder / f"chapter{chapter:02d}.py"
    spec = importlib.util.spec_from_file_location(f"walkthrough_exercises_{folder.name}_{chapter:02d}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(chapter: int, folder: Path) -> bool:
    """Run one chapter's checks on the answers in `folder`; print one line per exercise."""
    module = load(chapter, folder)
    passed = True
    for number, title, check in CHECKS[chapter]:
        try:
            check(module)
            print(f"exercise {number} ({title}): ok")
        except NotImplementedError:
            print(f"exercise {number} ({title}): not done yet")
            passed = False
        except AssertionError as error:
            print(f"exercise {number} ({title}): not yet: {error}")
            passed = False
    return passed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapter", help="a chapter number (1-8) or 'all'")
    parser.add_argument("--solutions", action="store_true", help="check the worked solutions instead")
    args = parser.parse_args(argv)
    folder = HERE.parent / "solutions" if args.solutions else HERE
    chapters = sorted(CHECKS) if args.chapter == "all" else [int(args.chapter)]
    results = [run(chapter, folder) for chapter in chapters]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
