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
# The matrix product, from interpreted loops up to this machine's BLAS, one idea at a time.
# Compiling loops is not what makes a fast product: the table below shows how far the textbook
# triple loop, compiled, stays from BLAS. The ladder (`backends/ladder.py`)
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
# Now the timings, float64, on the threads this machine gives (the serial rungs on one). Each rung
# is timed in rounds, one rung after another. Each row gives the median with its spread, GFLOP/s
# and that as a fraction of the machine's measured peak on the rung's threads (chapter 1: one
# core's peak for a serial rung, every thread's for a parallel one), the time per multiply-add,
# and how much faster it ran than the rung below, than pure Python, and as a fraction of BLAS. A
# ratio whose 95% interval holds 1 reads "≈"; a row timed while other programs used the CPU is
# marked "!" (a parallel rung suffers most: one of its threads waits for a core); a fraction of the
# peak above 100% means the peak itself was measured low and is not shown. A rung whose one call
# would take too long is extrapolated from a smaller size (marked ~). Where a rung seems to lose
# to the one below, that pair is measured again, interleaved, and the reason under the table is
# given only when that measurement shows the loss.

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

# %% [markdown]
# The same run as pictures, one panel per row. The first gives each rung's GFLOP/s at the largest
# size against BLAS and the measured peaks; the second, time against n for every rung (the slope
# of n³ is the same for all: what differs is the constant in front). The third is a *roofline*:
# each point is a rung at one size, placed by its arithmetic intensity (floating-point operations
# per byte of its operands and result, counted once each) and its GFLOP/s. The roof is the most a
# product of that intensity can reach on this machine: the measured bandwidth times the intensity
# to the left of the bend (memory cannot deliver the operands faster), the measured peak to its
# right (the FMA units are busy every cycle). A product of n×n matrices does 2n³ operations on
# 3n² numbers, so its intensity grows with n and large products sit right of the bend: whatever
# keeps a point below the roof there is not the memory's bandwidth but the code, the interpreter
# for rung 1, the chain of dependent adds for rungs 2 and 3, and the caches the order of the loops
# wastes for rungs 4 and 5.

# %%
plot_ladder(teaching.output_folder() / "07_ladder.png", results, rungs, limits=limits, stacked=True)
teaching.show_image(teaching.output_folder() / "07_ladder.png")

# %% [markdown]
# ## Inside the GEMM
#
# The numba backend's product, called by every dense layer (chapters 2, 3 and 5 stop at its entry,
# `gemm.product`), is rung 7. Going from rung 4 to it takes four ideas.
#
# **Threads.** The rows of the output are independent, so rung 5 splits them among the threads
# (`prange`). Waking the pool and handing out the work costs microseconds, so the GEMM goes
# parallel only for products large enough to pay for it, and hands out more chunks of rows than
# there are threads, so that a thread the operating system sets aside (on a busy machine) does not
# hold up the whole call. Threads share out the arithmetic but do not cut the memory traffic: every
# row of a still streams all of c through the caches.
#
# **Cache blocking.** A product does n³ multiply-adds on 3n² numbers: each number is used n times,
# and each use is cheap only if the number is still in a cache. Rung 6 orders the loops in tiles so
# that a tile of rows is reused while it is cached. The GEMM does the same at every cache level:
# its loops (below) walk B in panels sized for L3, A in blocks sized for L2 and B again in
# micro-panels sized for L1, each reused many times before the next is loaded. The sizes are not
# typed in: a rule computes them from this machine's caches, and `nn-backends tune` (or the bench's
# first run) times a few others on this CPU and keeps what wins (printed below with the tile).
#
# **Packing.** The innermost kernel reads its micro-panel of B a row at a time, NR consecutive
# numbers per step; in B as stored, those rows lie a whole row of B apart. `pack_b` copies the
# panel once into exactly the order the kernel reads, contiguous and zero-padded at the edges, so
# every load is sequential and an edge needs no code of its own; the copy is paid once per panel
# and read by every tile that uses it. A is read where it lies, except a transposed A with long
# rows, whose rows would otherwise fight over the same cache sets (`pack_a`).
#
# **The register tile.** Each step of the micro-kernel's loop loads one row of the micro-panel of B
# (NR numbers) and, for each of MR rows of A, one number; it then does MR × NR multiply-adds into
# accumulators that stay in vector registers for the whole loop. That is MR × NR multiply-adds for
# MR + NR loads: the wider the tile, the more arithmetic per load, up to the number of registers
# (an accumulator that does not fit is stored and reloaded every step). The kernel is generated
# for the tile this CPU gets; here are the tile and the blocks in force on this machine:

# %%
from backends.numba_kernels import planner, tiling
from backends.numba_kernels.target import cache_sizes

plan, caches = tiling.gemm_plan(np.float64), cache_sizes()
choice = planner.chosen(np.float64)  # the blocks in force: the rule's, or those measured on this machine
blocks = choice.settings
rows_of_tile, columns_of_tile = plan.tile
lanes = plan.isa.lanes(8)
vectors = rows_of_tile * columns_of_tile // lanes + columns_of_tile // lanes + 1


def kib(size):
    return f"{size / 1024:,.0f} KiB"


print(f"this CPU: {plan.isa.describe()}; caches {caches.describe()}")
print(f"register tile {rows_of_tile} x {columns_of_tile} float64 ({lanes} per vector): "
      f"{rows_of_tile * columns_of_tile // lanes} vectors of accumulators + {columns_of_tile // lanes} for the row of B "
      f"+ 1 for a number of A = {vectors} of the {plan.isa.registers} vector registers")
print(f"micro-panel of B, KC x NR = {blocks.kc} x {columns_of_tile}: {kib(blocks.kc * columns_of_tile * 8)} "
      f"(L1d {kib(caches.l1d)})")
print(f"block of A, MC x KC = {blocks.mc} x {blocks.kc}: {kib(blocks.mc * blocks.kc * 8)} (L2 {kib(caches.l2)})")
print(f"panel of B, KC x NC = {blocks.kc} x {blocks.nc}: {kib(blocks.kc * blocks.nc * 8)} (L3 {kib(caches.l3)})")
print(f"these blocks: {choice.source} ({choice.note}); the rule from the caches alone: KC {plan.rules.kc}, "
      f"MC {plan.rules.mc}, NC {plan.rules.nc} (`nn-backends tune` measures them on this CPU)")

# %% [markdown]
# And the code, once, short: the loops of `blocking.block` (every other line left out) and one
# step of the micro-kernel's loop, both read from the source as it is now. The numba column below
# shows the backend's `matmul` up to the GEMM's entry.

# %%
teaching.gemm_excerpt()
teaching.side_by_side("matmul")

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
