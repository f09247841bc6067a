"""The optimization ladder: every rung computes the matrix product the oracle computes, in every dtype
it claims, on the edge shapes, on shapes that cross rung 6's tile edges and on random shapes; and
`nn-backends ladder` prints its tables and writes its files. (Speed is measured, never asserted here.)"""

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import reference as ref
from backends import ladder
from backends.cli import main
from support import EDGE_SHAPES, sum_tolerance

RUNGS = ladder.rungs()
CASES = [(rung, dtype) for rung in RUNGS for dtype in rung.dtypes]
IDS = [f"{rung.number}-{rung.name.replace(' ', '_')}-{dtype}" for rung, dtype in CASES]
#: a tile and a half, a prime, one past a tile: the edges of rung 6's 32-row tiles and of the GEMM's 6×32 tile
TILE_EDGES = [(48, 33, 50), (37, 64, 31), (33, 7, 65), (96, 96, 96)]


def check_rung(rung, dtype, a_values, c_values):
    a, c = a_values.astype(dtype), c_values.astype(dtype)
    product = rung.to_numpy(rung.function(*rung.arguments(a, c)))
    assert product.dtype == np.dtype(dtype), f"{rung.name} returned {product.dtype} for {dtype} inputs"
    assert product.shape == (a.shape[0], c.shape[1])
    # the oracle sees the values the rung was given (float32 inputs are rounded before the product)
    np.testing.assert_allclose(product.astype(np.float64), ref.matmul(a, c), **sum_tolerance(dtype, a.shape[1], 1.0))


def uniform(shape, seed):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


@pytest.mark.parametrize("rung, dtype", CASES, ids=IDS)
@pytest.mark.parametrize("shape", EDGE_SHAPES, ids=["x".join(map(str, s)) for s in EDGE_SHAPES])
@pytest.mark.parametrize("n_columns", [1, 3])
def test_rung_on_edge_shapes(rung, dtype, shape, n_columns):
    check_rung(rung, dtype, uniform(shape, 1), uniform((shape[1], n_columns), 2))


@pytest.mark.parametrize("rung, dtype", CASES, ids=IDS)
@pytest.mark.parametrize("sizes", TILE_EDGES, ids=["x".join(map(str, s)) for s in TILE_EDGES])
def test_rung_across_tile_edges(rung, dtype, sizes):
    n, k, m = sizes
    check_rung(rung, dtype, uniform((n, k), 3), uniform((k, m), 4))


def test_the_books_product_on_every_rung():
    a = np.array([[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]])
    weights = np.array([[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]])
    for rung in RUNGS:
        product = rung.to_numpy(rung.function(*rung.arguments(a, np.ascontiguousarray(weights.T))))
        np.testing.assert_allclose(product, [[2.8, -1.79, 1.885], [6.9, -4.81, -0.3], [-0.59, -1.949, -0.474]],
                                   rtol=1e-12, atol=1e-12, err_msg=rung.name)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_rung_on_random_shapes(data):
    n, k, m = (data.draw(st.integers(1, 70)) for _ in range(3))
    seed = data.draw(st.integers(0, 2**32 - 1))
    a, c = uniform((n, k), seed), uniform((k, m), seed + 1)
    for rung, dtype in CASES:
        check_rung(rung, dtype, a, c)


def test_the_ladder_climbs_in_order_and_states_its_threads():
    numbers = [rung.number for rung in RUNGS]
    assert numbers == sorted(numbers) and numbers[0] == 1
    assert [rung.name for rung in RUNGS][:1] == ["python"] and "blas" in [rung.name for rung in RUNGS]
    assert len({rung.name for rung in RUNGS}) == len(RUNGS)
    serial = {rung.name for rung in RUNGS if not rung.parallel}
    assert serial >= {"python"} and "blas" not in serial
    if len(RUNGS) > 2:  # numba installed: rungs 2-7
        assert [r.number for r in RUNGS[:7]] == [1, 2, 3, 4, 5, 6, 7]
        assert serial == {"python", "compiled", "contiguous", "simd"}


def test_ladder_command_prints_one_table_per_size_and_writes_files(tmp_path, capsys):
    results, plot = tmp_path / "ladder.json", tmp_path / "ladder.png"
    assert main(["ladder", "--sizes", "16,24", "--dtypes", "float64", "--budget", "0.01",
                 "--json", str(results), "--plot", str(plot)]) == 0
    shown = capsys.readouterr().out
    assert shown.count("== ladder ") == 2
    assert "== ladder 16×16 · 16×16, float64" in shown and "== ladder 24×24 · 24×24, float64" in shown
    assert "parallel rungs and BLAS" in shown and "the others 1" in shown
    document = json.loads(results.read_text())
    assert {(r["contender"], r["sizes"][0]) for r in document["results"]} == \
        {(rung.name, n) for rung in RUNGS for n in (16, 24)}
    assert all(r["threads"] == 1 for r in document["results"] if r["contender"] in ("python", "compiled"))
    assert document["settings"]["serial_threads"] == 1
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_ladder_extrapolates_a_rung_that_would_take_too_long(tmp_path, capsys):
    assert main(["ladder", "--sizes", "64", "--dtypes", "float64", "--budget", "0.01", "--call-limit", "0.002",
                 "--json", str(tmp_path / "l.json"), "--plot", str(tmp_path / "l.png")]) == 0
    assert "~ python: one call would exceed the limit; n³ from its time at 24³" in capsys.readouterr().out
    python = [r for r in json.loads((tmp_path / "l.json").read_text())["results"] if r["contender"] == "python"]
    assert python[0]["extrapolated_from"] == 24


@pytest.mark.parametrize("option, value, message", [
    ("--sizes", "12,x", "ladder: --sizes must be positive whole numbers separated by commas; got --sizes='12,x'"),
    ("--sizes", "0", "ladder: --sizes must be positive whole numbers"),
    ("--dtypes", "float16", "ladder: --dtypes must name float64 and/or float32; got --dtypes='float16'"),
    ("--json", "/no/such/folder/l.json", "ladder: the folder of --json does not exist"),
])
def test_ladder_refuses_bad_options_before_timing(option, value, message, capsys):
    assert main(["ladder", option, value]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_a_rung_that_loses_says_why_from_a_measurement():
    from backends.cli.ladder import explain_losses

    def row(name, median, n=64):
        return {"contender": name, "dtype": "float64", "sizes": [n, n, n], "median": median}

    # the packed rung slower than the cache-blocked one, the contiguous one faster than the compiled
    results = [row("compiled", 2e-3), row("contiguous", 1e-3), row("cache blocked", 1e-4), row("packed gemm", 2e-4)]
    explain_losses(results, RUNGS, threads=1)
    packed = results[-1]["why_slower"]
    assert "packing B took" in packed and "µs" in packed and "% of its 200.0 µs call" in packed
    assert "stack accesses" in packed and "vector multiply-adds" in packed  # read from the machine code
    assert "why_slower" not in results[1]  # it did not lose: nothing to explain
    results = [row("compiled", 1e-3), row("contiguous", 2e-3)]
    explain_losses(results, RUNGS, threads=1)
    assert results[1]["why_slower"].startswith("its transposed copy of c took")


def test_the_table_gates_every_derived_figure_on_its_interval():
    """Made-up rows: a rung faster than the measured peak (the peak read low on a busy machine) gets
    no fraction of peak; a ratio whose interval holds 1 reads "≈"; busy rungs are marked and named."""
    from backends.benchmarking import rounds
    from backends.cli.ladder import table

    quiet = {"others": 0.0, "busy": False}
    busy = {"others": 1.3, "busy": True}

    def row(name, samples, cpu=quiet, threads=1):
        return {"contender": name, "dtype": "float64", "sizes": [64, 64, 64], "threads": threads,
                "flops": 2.0 * 64 ** 3, "cpu": cpu} | rounds.summary(samples)

    flat = [1.0, 1.02, 0.98, 1.01, 0.99]
    rows = [row("python", [1e-2 * t for t in flat]), row("compiled", [1e-4 * t for t in flat], busy),
            row("contiguous", [1e-4 * t for t in [1.0, 1.4, 0.7, 1.2, 0.8]]),
            row("blas", [1e-5 * t for t in flat], threads=2)]
    limits = {"peak": {"float64": {"one_core": 1.0, "all_cores": 100.0}}}  # 1 GFLOP/s on one core: read low
    shown = table(rows, RUNGS, limits)
    lines = {line.split()[1]: line for line in shown if line[:1].isdigit()}
    assert "n/a" in lines["compiled"] and "n/a" in lines["contiguous"] and "n/a" not in lines["blas"]
    assert any("compiled: 524.3% of the measured peak cannot be" in line for line in shown)
    assert lines["contiguous"].split()[-3] == "≈1x"  # against compiled: the interval holds 1
    assert lines["compiled"].split()[-3] == "100x"
    assert " ! " in lines["compiled"] and " ! " not in lines["python"]
    from backends.cli.ladder import versus
    assert versus(rows[1], rows[0]) == "100x slower" and versus(rows[0], rows[1]) == "100x"  # never "0.01x"
    assert shown[-1].strip() == "! timed while other programs used the CPU (1.3–1.3 cores): compiled; their times may read high"
