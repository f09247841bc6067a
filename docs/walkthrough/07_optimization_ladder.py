# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. The optimization ladder
#
# Chapter 6 showed the numba backend keeping up with NumPy. Compiling loops is not what gets it
# there: the textbook triple loop, compiled, stays far below BLAS. The ladder (`backends/ladder.py`)
# computes the matrix product once per idea, each rung adding exactly one idea to the rung below,
# from interpreted loops to the machine's BLAS. This chapter runs it small, checks every rung
# against NumPy, and reads what each idea buys. (`nn-backends ladder` runs it at full size.)

# %%
import inspect

import numpy as np

from backends import ladder, teaching
from backends.benchmarking import machine_limits
from backends.cli.ladder import explain_losses, plot_ladder, run_ladder, table

rungs = ladder.rungs()
for rung in rungs:
    print(rung)

# %% [markdown]
# Every rung must compute the same product. An awkward size (not a multiple of any tile) checks
# the edges of the blocked rungs too:

# %%
rng = np.random.default_rng(0)
a, c = rng.uniform(-1, 1, (37, 29)), rng.uniform(-1, 1, (29, 41))
for rung in rungs:
    product = rung.to_numpy(rung.function(*rung.arguments(a, c)))
    teaching.agrees(f"rung {rung.number} {rung.name}", product, a @ c, tolerance=1e-12)

# %% [markdown]
# The first three compiled rungs, each a few lines different from the one before: the loops
# compiled as they are; the innermost loop turned to walk contiguous memory; then permission for
# the compiler to reorder the sum (`fastmath`), which lets it use vector instructions.

# %%
for rung in rungs[1:4]:
    print(f"# rung {rung.number}: {rung.idea}")
    print(inspect.getsource(getattr(rung.function, "py_func", rung.function)))

# %% [markdown]
# Now the timings, float64, on the threads this machine gives (the serial rungs on one). Each row
# gives the median with its spread, GFLOP/s and that as a fraction of the machine's measured peak
# on the rung's threads (chapter 1: one core's peak for a serial rung, every thread's for a parallel
# one), the time per multiply-add, and the speedup over the rung below, over pure Python, and as a
# fraction of BLAS. Pure Python reaches a few hundredths of a percent of one core's peak; the
# packed GEMM and BLAS most of it. A rung whose one call would take too
# long is extrapolated from a smaller size (marked ~). The table times each rung once, so where a
# rung seems to lose to the one below, that pair is measured again, interleaved, and the reason
# under the table is given only when that measurement shows the loss.

# %%
settings = teaching.machine_summary()
limits = machine_limits.measure(settings["numba_threads"])
print("\n".join(machine_limits.limit_lines(limits)))
sizes = teaching.pick([64, 256], [48])
results = run_ladder(rungs, sizes, ["float64"], settings["numba_threads"], budget=teaching.pick(0.2, 0.03),
                     call_limit=teaching.pick(1.0, 0.1))
explain_losses(results, rungs, settings["numba_threads"])  # a rung that lost says why, from measurements
by_name = {rung.name: rung for rung in rungs}


def timed_pair(names, n):
    """The rungs `names` on one n×n product, timed interleaved (`teaching.compare`)."""
    a, c = rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, (n, n))
    return teaching.compare({name: (lambda rung=by_name[name], args=by_name[name].arguments(a, c): rung.function(*args))
                             for name in names})


for n in sizes:
    rows = [r for r in results if r["sizes"][0] == n]
    order = [rung.name for rung in rungs if rung.name != "torch" and any(r["contender"] == rung.name for r in rows)]
    for line in table(rows, rungs, limits):
        if "loses to the rung below here" not in line:
            print(line)
            continue
        # the table's one timing per rung has no interval: a loss is told only when a pair measurement shows it
        loser = line.strip().split(" loses to")[0]
        winner = order[order.index(loser) - 1]
        lesson = f"{loser} loses to {winner} at {n}³"
        verdict = teaching.speedup(timed_pair((loser, winner), n), winner, loser, lesson)
        print(f"{line}\n      measured again: {verdict['text']}" if verdict["shown"] else f"   {verdict['text']}")

# %% [markdown]
# The biggest steps, each measured again as a pair, interleaved, so each conclusion has an interval
# of its own (pure Python against the compiled loops at a size where it takes milliseconds, the
# others at the largest size). A step this run cannot show is marked "not shown on this run".

# %%
largest = max(sizes)
for top, bottom, idea, n in (("compiled", "python", "compiling the loops", min(sizes)),
                             ("simd", "compiled", "contiguous memory and vector instructions", largest),
                             ("packed gemm", "simd", "threads, blocking, packing and a register tile", largest),
                             ("blas", "packed gemm", "BLAS against the numba backend's own product", largest)):
    if top in by_name and bottom in by_name:
        print(f"{idea} ({bottom} -> {top}, {n}³): {teaching.speedup(timed_pair((bottom, top), n), top, bottom)['text']}")

# %%
teaching.side_by_side("matmul")
plot_ladder(teaching.output_folder() / "07_ladder.png", results, rungs, limits=limits)
teaching.show_image(teaching.output_folder() / "07_ladder.png")

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter07.py`; check them with
# `python docs/walkthrough/exercises/check.py 7` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **7.1** Remove fastmath from rung 4 and predict the time: write your prediction first, then
#   compile rung 4's code without the flags; the check verifies the product, measures your
#   prediction against this machine, and says what would explain a gap.
# - **7.2** Write `tiled_product(a, c, tile)`, rung 6's idea of tiles, right for sizes that are no
#   multiple of the tile; the check then compiles it and times it against the same loops without
#   tiles, at a size where c outgrows this core's L2, so you see what the reuse buys (or not).
