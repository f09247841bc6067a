"""The numba backend's GEMM (`numba_kernels.gemm.product`) against a float64 oracle, through every
path it chooses: the plain loops (small or shallow products), the dot products (layers narrower than
a tile), the blocked product on one thread and on two, each of the three forms the dense layers use
plus aᵀ·bᵀ, with and without bias and ReLU, over shapes on either side of the tile and the k block.
Once more under run-time settings (`gemm_settings`) at the ends of what the planner may choose:
blocks small enough for every blocking loop to take several turns and end on a partial block, A and
B always packed, never packed, every product parallel."""

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

from backends.numba_kernels import gemm, gemm_settings, planner_workloads, tiling  # noqa: E402
from backends.numba_kernels.gemm_settings import NEVER  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FORMS = [(False, False), (False, True), (True, False), (True, True)]


def shapes_around_the_tile(dtype):
    """(n, k, m) on either side of MR, NR and KC for dtype's plan, plus the training sizes."""
    gemm.prepare(np.dtype(dtype))
    mr, nr = tiling.gemm_plan(dtype).tile
    kc = gemm_settings.current(dtype).kc
    return [(1, 1, 1), (3, 4, 3), (mr - 1 or 1, 17, nr + 1), (2 * mr + 1, kc + 3, 3 * nr - 1),
            (mr, kc, nr), (300, 2, 64), (100, 40, 100), (100, 100, 10), (128, 784, 17),
            (2 * mr * 4 + 5, 33, 4 * nr + 7), (7, 1000, 9), (150, 150, 150)]


def oracle(a, b, transpose_a, transpose_b, bias, relu):
    left = a.astype(np.float64).T if transpose_a else a.astype(np.float64)
    right = b.astype(np.float64).T if transpose_b else b.astype(np.float64)
    result = left @ right + (0.0 if bias is None else bias.astype(np.float64))
    return np.maximum(result, 0.0) if relu else result


def check_every_path(dtype, threads, seed=0):
    """Every shape and form against the oracle; raises AssertionError naming the first that differs."""
    dtype = np.dtype(dtype)
    gemm.prepare(dtype)
    rng = np.random.default_rng(seed)
    eps = np.finfo(dtype).eps
    for n, k, m in shapes_around_the_tile(dtype):
        for transpose_a, transpose_b in FORMS:
            a = rng.uniform(-1, 1, (k, n) if transpose_a else (n, k)).astype(dtype)
            b = rng.uniform(-1, 1, (m, k) if transpose_b else (k, m)).astype(dtype)
            for bias in (None, rng.uniform(-1, 1, m).astype(dtype)):
                for relu in (False, True):
                    out = np.full((n, m), np.nan, dtype=dtype)
                    given = np.empty(0, dtype=dtype) if bias is None else bias
                    gemm.product(a, b, out, transpose_a=transpose_a, transpose_b=transpose_b, bias=given,
                                 relu=relu, threads=threads)
                    expected = oracle(a, b, transpose_a, transpose_b, bias, relu)
                    tolerance = 4 * eps * (k + 1)  # |a|, |b| <= 1: each sum of k products has |.| <= k
                    error = np.abs(out - expected).max()
                    assert out.dtype == dtype and error <= tolerance, (
                        f"product {n}x{k}x{m} transpose_a={transpose_a} transpose_b={transpose_b} "
                        f"bias={bias is not None} relu={relu} threads={threads} {dtype}: error {error:.3g} "
                        f"> {tolerance:.3g}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("threads", [1, 2])
def test_every_path_of_the_product_matches_the_oracle(dtype, threads):
    if threads > gemm.thread_count():
        pytest.skip("one thread only here")
    check_every_path(dtype, threads)


def test_a_parallel_product_big_enough_to_use_both_threads(dtype="float64"):
    n = 200
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, (n, n))
    out = np.empty((n, n))
    gemm.prepare(np.dtype(dtype))
    with applied(dtype, parallel_flops=0):
        gemm.product(a, b, out, transpose_a=False, transpose_b=True, bias=np.empty(0), relu=False, threads=2)
    np.testing.assert_allclose(out, a @ b.T, rtol=0, atol=1e-12)


@contextmanager
def applied(dtype, **changes):
    """The GEMM's run-time settings for dtype changed for the while, then put back."""
    gemm.prepare(np.dtype(dtype))
    before = gemm_settings.current(dtype)
    tile = tiling.gemm_plan(dtype).tile
    gemm_settings.apply(dtype, before.replace(**changes), tile)
    try:
        yield
    finally:
        gemm_settings.apply(dtype, before, tile)


def extremes(dtype) -> dict[str, dict]:
    """Run-time settings at the ends of what the planner may choose, by name."""
    mr, nr = tiling.gemm_plan(dtype).tile
    pack_everything = {name: 0 for name in ("pack_b_above_ab", "pack_b_above_atb", "pack_a_rows_ab",
                                            "pack_a_rows_abt", "pack_a_rows_atb")}
    return {"tiny blocks: every blocking loop turns and ends on a partial block":
            {"kc": 16, "mc": 2 * mr, "nc": 2 * nr},
            "A and B always packed, every product parallel": pack_everything | {"parallel_flops": 0},
            "A and B never packed": {name: NEVER for name in pack_everything}}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("extreme", range(3))
def test_every_path_is_right_at_the_ends_of_the_run_time_settings(dtype, extreme):
    name, changes = list(extremes(dtype).items())[extreme]
    with applied(dtype, **changes):
        check_every_path(dtype, threads=min(2, gemm.thread_count()))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_candidate_the_planner_tries_is_right(dtype):
    """Each value of each axis the planner may move to, on the shapes around the tile (one thread)."""
    gemm.prepare(np.dtype(dtype))
    plan = tiling.gemm_plan(dtype)
    blocks, packing = planner_workloads.axes(plan.rules, plan.tile)
    for axis in blocks + packing:
        for value in axis.values:
            with applied(dtype, **{axis.field: value}):
                check_every_path(dtype, threads=1)
