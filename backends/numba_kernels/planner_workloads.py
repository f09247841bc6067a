"""What the GEMM planner times: the candidates per setting and the products each is judged on.

`tune_dtype(dtype, deadline, clock)` runs, in this order, until the deadline:
1. the cache blocks (kc, mc, nc), judged on the three forms the dense layers use (a·b, a·bᵀ, aᵀ·b)
   at 256³ and 768³ on one thread (each product's time per flop, so that every size counts alike);
2. the product's thread threshold: a·bᵀ from 24³ to 256³ on one thread and on every thread
   (`planner_search.threshold_from`);
3. the training step's: the products of a whole step (forward a·bᵀ + bias, then aᵀ·b and a·b per
   layer) at the shapes the bench trains (batch 100 of 40→100→100→10, 128 of 784→128→10) and
   larger ones, on one thread and on every thread;
4. per form, when to pack B and A instead of reading them in place, judged on that form alone
   (B from 128³ to 1024³, A at 256³ and 768³).
Then the winners against the rule once more, interleaved, on the blocks' products: the rule's blocks
and packing are kept unless the winners beat them again; the gain is what the wisdom file records.
Each timing is of real products through `gemm.product`, with the candidate's settings applied
(`gemm_settings.apply`); nothing compiles while it runs.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from . import gemm, gemm_settings, tiling
from .gemm_settings import NEVER, GemmSettings
from .planner_search import Axis, beats, interleaved_medians, interleaved_rounds, search, threshold_from

#: (transpose_a, transpose_b) of each form the dense layers use.
FORMS = {"a·b": (False, False), "a·bᵀ": (False, True), "aᵀ·b": (True, False)}
BLOCK_SIZES = ((256, 256, 256), (768, 768, 768))
#: B's packing is judged up to 1024³, where in-place rows a power of two apart fight over L1 sets.
PACK_B_SIZES = ((128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024))
THREAD_SIDES = (24, 32, 48, 64, 96, 128, 192, 256)
#: Training steps as (batch, layer widths), smallest first: the bench's and a few larger.
STEPS = ((100, (40, 100, 100, 10)), (128, (784, 128, 10)), (256, (784, 256, 10)), (512, (784, 512, 10)),
         (1024, (784, 512, 10)))
#: The share of a dtype's budget kept for the closing comparison of the winners with the rule.
FINAL_CHECK_SHARE = 0.15
#: Each thread timing repeats a product until about this many flops, so small ones are not all timer.
FLOPS_PER_TIMING = 4e6


def _operands(dtype, form: str, n: int, k: int, m: int, rng):
    transpose_a, transpose_b = FORMS[form]
    a = rng.uniform(-1, 1, (k, n) if transpose_a else (n, k)).astype(dtype)
    b = rng.uniform(-1, 1, (m, k) if transpose_b else (k, m)).astype(dtype)
    return a, b, np.empty((n, m), dtype=dtype), transpose_a, transpose_b


def _run(operands, threads: int, repeat: int = 1) -> float:
    a, b, out, transpose_a, transpose_b = operands
    none = np.empty(0, dtype=out.dtype)
    start = time.perf_counter()
    for _ in range(repeat):
        gemm.product(a, b, out, transpose_a=transpose_a, transpose_b=transpose_b, bias=none, relu=False,
                     threads=threads)
    return (time.perf_counter() - start) / repeat


def _flops(operands) -> float:
    a, _, out, transpose_a, _ = operands
    return 2.0 * out.size * (a.shape[0] if transpose_a else a.shape[1])


def workloads(dtype, rng) -> dict[str, list]:
    """The products each axis is judged on, by name, operands allocated once."""
    named = {"blocks": [_operands(dtype, form, *size, rng) for size in BLOCK_SIZES for form in FORMS]}
    for form in FORMS:
        named[form] = [_operands(dtype, form, *size, rng) for size in BLOCK_SIZES]
        named["B of " + form] = [_operands(dtype, form, *size, rng) for size in PACK_B_SIZES]
    return named


def axes(rules: GemmSettings, tile: tuple[int, int]) -> tuple[list[Axis], list[Axis]]:
    """(the block axes, the packing axes): the values tried for each field besides the incumbent's."""
    rows, columns = tile

    def multiples(values, multiple, low, high):
        return tuple(sorted({min(high, max(low, int(value) // multiple * multiple)) for value in values}))

    blocks = [Axis("kc", multiples((128, 192, 256, 384, 512, 768), 16, 16, 4096), "blocks"),
              Axis("mc", multiples((rules.mc / 2, rules.mc * 2, 48 * rows, 96 * rows), rows, rows, 8192), "blocks"),
              Axis("nc", multiples((512, 1024, 4096), columns, columns, 65536), "blocks")]
    b_threshold = rules.pack_b_above_ab
    packing = [Axis("pack_b_above_ab", (0, b_threshold * 4, NEVER), "B of a·b"),
               Axis("pack_b_above_atb", (0, b_threshold * 4, NEVER), "B of aᵀ·b"),
               Axis("pack_a_rows_ab", (0, 256, NEVER), "a·b"),
               Axis("pack_a_rows_abt", (0, 256, NEVER), "a·bᵀ"),
               Axis("pack_a_rows_atb", (0, 256, NEVER), "aᵀ·b")]
    return blocks, packing


def _thread_threshold(dtype, tile, settings: GemmSettings, rng) -> tuple[int, list]:
    """The product's parallel threshold measured: a·bᵀ per size, one thread against every thread."""
    threads = gemm.thread_count()
    if threads < 2:
        return NEVER, []
    serial = settings.replace(parallel_flops=NEVER)
    parallel = settings.replace(parallel_flops=0)
    measured = []
    for side in THREAD_SIDES:
        operands = _operands(dtype, "a·bᵀ", side, side, side, rng)
        flops = 2.0 * side ** 3
        repeat = max(1, int(FLOPS_PER_TIMING // flops))

        def cost(candidate):
            gemm_settings.apply(dtype, candidate[0], tile)
            return _run(operands, candidate[1], repeat)
        one, every = interleaved_medians([(serial, 1), (parallel, threads)], cost)
        measured.append((flops, one, every))
    return threshold_from(measured), [[int(f), round(s, 9), round(p, 9)] for f, s, p in measured]


def _step(dtype, batch: int, widths, rng):
    """The operands of a training step's products: per layer the forward, the weight gradient and (past
    the first layer) the input gradient."""
    products = []
    for layer, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
        inputs, weights, gradient = (rng.uniform(-1, 1, shape).astype(dtype)
                                     for shape in ((batch, n_in), (n_out, n_in), (batch, n_out)))
        products.append((inputs, weights, np.empty((batch, n_out), dtype=dtype), False, True))
        products.append((gradient, inputs, np.empty((n_out, n_in), dtype=dtype), True, False))
        if layer > 0:
            products.append((gradient, weights, np.empty((batch, n_in), dtype=dtype), False, False))
    multiply_adds = 3 * batch * sum(n_in * n_out for n_in, n_out in zip(widths, widths[1:]))
    return products, 2.0 * multiply_adds


def _step_threshold(dtype, rng) -> tuple[int, list]:
    """The training step's parallel threshold measured: each step's products on one thread (the
    thread pool set to one, as `training_step._threads_for` does) against every thread."""
    threads = gemm.thread_count()
    if threads < 2:
        return NEVER, []
    measured = []
    for batch, widths in STEPS:
        products, flops = _step(dtype, batch, widths, rng)
        repeat = max(1, int(FLOPS_PER_TIMING // flops))

        def cost(count):
            gemm.set_thread_count(count)
            try:
                return sum(_run(operands, count, repeat) for operands in products)
            finally:
                gemm.set_thread_count(threads)
        one, every = interleaved_medians([1, threads], cost)
        measured.append((flops, one, every))
    return threshold_from(measured), [[int(f), round(s, 9), round(p, 9)] for f, s, p in measured]


def tune_dtype(dtype, deadline: float, clock) -> tuple[GemmSettings, dict]:
    """The settings measured for `dtype` before `deadline` (on `clock`), and the record of it."""
    plan = tiling.gemm_plan(dtype)
    rules, tile = plan.rules, plan.tile
    rng = np.random.default_rng(0)
    named = workloads(dtype, rng)

    def cost(settings, workload):  # seconds per flop, summed over the workload's products
        gemm_settings.apply(dtype, settings, tile)
        return sum(_run(operands, 1) / _flops(operands) for operands in named[workload])

    block_axes, packing_axes = axes(rules, tile)
    log = []
    # the searches stop early enough for the closing comparison with the rule to end by the deadline
    searching_until = deadline - FINAL_CHECK_SHARE * max(0.0, deadline - clock())
    try:
        best, found = search(rules, block_axes, cost, clock, searching_until)
        log += found
        threads = {}
        if clock() < searching_until:
            threshold, threads["product"] = _thread_threshold(dtype, tile, best, rng)
            best = best.replace(parallel_flops=threshold)
        if clock() < searching_until:
            gemm_settings.apply(dtype, best, tile)
            threshold, threads["step"] = _step_threshold(dtype, rng)
            best = best.replace(step_parallel_flops=threshold)
        best, found = search(best, packing_axes, cost, clock, searching_until)
        log += found
        # the blocks and packing the search moved to must beat the rule's in one more interleaved
        # comparison, or the rule's are kept (the thread thresholds were measured on their own)
        ruled = rules.replace(parallel_flops=best.parallel_flops, step_parallel_flops=best.step_parallel_flops)
        rule_rounds, best_rounds = interleaved_rounds([ruled, best], lambda settings: cost(settings, "blocks"))
        rule_time, best_time = statistics.median(rule_rounds), statistics.median(best_rounds)
        if best != ruled and not beats(best_rounds, rule_rounds):
            log.append({"kept": "the rule's blocks and packing: the search's did not beat them again"})
            best, best_time = ruled, rule_time
    finally:
        gemm_settings.apply(dtype, rules, tile)
    return best, {"rule": rules.as_dict(), "axes": log, "threads_flops_one_all": threads,
                  "gain_over_rule": round(rule_time / best_time, 3),
                  "rule_cost": rule_time, "chosen_cost": best_time}  # seconds per flop, summed
