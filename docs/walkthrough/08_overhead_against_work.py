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
# # 8. Overhead against work
#
# Every call into a backend costs two things: a fixed price to get in and out (checking the
# arguments, dispatching, allocating the result) and the work itself, which for a dense layer of
# n samples, n inputs and n neurons grows as n³. On small problems the fixed price is all there is;
# on large ones the work is. This chapter measures both, finds where the lines cross, and shows why
# the numba backend compiles a whole training step of a small network into one call.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from backends import Dense, Model, ReLU, Softmax, loadable_backends, data, get_backend, teaching
from backends.optim import Adam

settings = teaching.machine_summary()
sizes = teaching.pick([1, 2, 4, 8, 16, 32, 64, 128, 256], [1, 4, 16, 64])
python_limit = teaching.pick(128, 32)  # pure Python beyond this takes too long to time well
rng = np.random.default_rng(0)
layers = {n: (rng.normal(size=(n, n)), rng.normal(size=(n, n)), rng.normal(size=n)) for n in sizes}


def layer_call(b, n):
    x, w, c = (b.asarray(values) for values in layers[n])
    return lambda: b.dense_forward(x, w, c)


times = {}  # per backend, every size timed in the same interleaved rounds
for name in loadable_backends():
    b = get_backend(name)
    times[name] = teaching.compare({n: layer_call(b, n) for n in sizes if name != "python" or n <= python_limit})

print(f"{'n':>5} " + " ".join(f"{name + ' per call':>18} {'per madd':>9}" for name in times))
for n in sizes:
    cells = [(f"{teaching.format_seconds(times[name][n]['median']):>18} {times[name][n]['median'] / n ** 3 * 1e9:>7.3g}ns")
             if n in times[name] else f"{'-':>18} {'-':>9}" for name in times]
    print(f"{n:>5} " + " ".join(cells))
for name, measured in times.items():
    busy = teaching.busy_of(*measured.values())
    if busy:
        print(f"{name}: its times may read high{busy}")

# %% [markdown]
# Read the table as two regimes. At the smallest size the time per call is the fixed price. Going
# from the second-largest size to the largest adds only work, so the time it adds, over the
# multiply-adds it adds, is the cost of one multiply-add (read round by round: every size of a
# backend was timed in the same rounds). Where n³ times that cost equals the fixed price, the
# lines cross: below that size, making the arithmetic faster changes nothing. Each number comes
# with its 95% interval, carried from the timings it is computed from; where the largest call did
# not take measurably longer than the one before (a busy machine can do that), the work cannot be
# read from this run, and the chapter says so instead of printing a number; so it does when the
# work would run faster than the machine's measured peak (chapter 1), which no code can.

# %%
from backends.benchmarking import machine_limits

peak = machine_limits.measure(settings["numba_threads"])["peak"]["float64"]["all_cores"]  # GFLOP/s, chapter 1
crossings, work = {}, {}
for name, measured in times.items():
    smaller, largest = sorted(measured)[-2:]
    fixed = teaching.Estimate.of(measured[min(measured)])
    added = teaching.difference(measured, largest, smaller)
    busy = teaching.busy_of(measured[min(measured)], measured[smaller], measured[largest])
    if added.side_of(0) != "above":
        print(f"{name:>6}: fixed price {fixed.text(teaching.format_seconds)}; work per multiply-add not shown "
              f"on this run: the call at n={largest} did not take measurably longer than at n={smaller}{busy}")
        continue
    per_madd = added / (largest ** 3 - smaller ** 3)
    if 2 / per_madd.value / 1e9 > peak:  # two flops per multiply-add, faster than the machine can go
        print(f"{name:>6}: fixed price {fixed.text(teaching.format_seconds)}; work per multiply-add not shown on "
              f"this run: {teaching.format_seconds(per_madd.value)} would be {2 / per_madd.value / 1e9:.3g} GFLOP/s, "
              f"above this machine's measured peak of {peak:.3g}: a time or the peak read wrong{busy}")
        continue
    work[name] = per_madd
    crossings[name] = (fixed / per_madd) ** (1 / 3)
    print(f"{name:>6}: fixed price {fixed.text(teaching.format_seconds)}, work per multiply-add "
          f"{per_madd.text(teaching.format_seconds)} (from n={smaller} to {largest}); they are equal "
          f"at n ≈ {crossings[name].text(lambda v: f'{v:.0f}')}{busy}")

# %% [markdown]
# Pure Python pays a few interpreted lines to get in and a few interpreted lines per multiply-add,
# so its lines cross at a small n. The numpy and numba backends pay about as much to get in but
# far less per multiply-add, so their crossing lies much further out: a dense layer must be wide
# before its arithmetic matters (the crossings above give this machine's sizes).
#
# A training step of the spiral network (2 → 64 → 3, chapter 6) is small: every operation in it
# sits below that crossing. Run layer by layer, the step makes one call per operation — forward,
# activation, loss, the backward of each, the optimizer's update — and pays the fixed price each
# time. The numba backend can instead compile the whole step into one call
# (`Model(..., compile_step=True)`, the default). The same model, timed both ways:

# %%
X, y = data.spiral(samples=teaching.pick(100, 30), classes=3, seed=0)
contenders = {"numpy, layer by layer": ("numpy", False), "numba, layer by layer": ("numba", False),
              "numba, one compiled step": ("numba", True)}
models = {label: Model([Dense(2, 64), ReLU(), Dense(64, 3), Softmax()], optimizer=Adam(learning_rate=0.05),
                        backend=backend, seed=0, compile_step=compile_step)
          for label, (backend, compile_step) in contenders.items()}
tiny = get_backend("numba")
z = tiny.asarray(np.ones((1, 4)))
calls = {label: (lambda model=model: model.fit(X, y, epochs=1, verbose=False)) for label, model in models.items()}
step_times = teaching.compare(calls | {"one relu call": lambda: tiny.relu(z)})  # all in the same rounds
for label in models:
    print(f"{label:<26} {step_times[label]['text']} per training step ({len(X)} samples)")
print(f"one call of the smallest numba operation: {step_times['one relu call']['text']}")
calls_worth = teaching.ratio(step_times, "one relu call", "numba, layer by layer")
busy = teaching.busy_of(step_times["one relu call"], step_times["numba, layer by layer"])
if calls_worth.side_of(1) == "above":
    print(f"the layer-by-layer step costs as much as {calls_worth.text(lambda v: f'{v:.0f}')} such calls{busy}")
else:
    print(f"not shown on this run (the layer-by-layer step costs as much as many such calls): it measured "
          f"{calls_worth.text()} such calls{busy}")
print(teaching.speedup(step_times, "numba, one compiled step", "numba, layer by layer",
                       "one compiled step is faster than the same step layer by layer")["text"])

# %% [markdown]
# (On a busy machine that one small call can take far longer than its usual microseconds: numba's
# element-wise kernels run on every thread, and a thread may wait for a free core. That wait is
# overhead too, and one more reason to make fewer, larger calls.)
#
# The optimizer's update in each backend: one of the calls that a compiled step folds into itself.

# %%
teaching.side_by_side("adam_update")

# %%
figure, axes = plt.subplots(figsize=(7, 5))
for name, measured in times.items():
    ns = sorted(measured)
    line, = axes.plot(ns, [measured[n]["median"] for n in ns], marker="o", label=name)
    axes.plot(ns, [measured[min(ns)]["median"]] * len(ns), ls=":", color=line.get_color())
    if name in work:  # the work line only where this run could read it
        axes.plot(ns, [work[name].value * n ** 3 for n in ns], ls="--", color=line.get_color())
axes.set(xscale="log", yscale="log", xlabel="n (dense layer n×n inputs, n neurons)", ylabel="seconds per call",
         title="dotted: the fixed price; dashed: the work (n³); they cross where the curve bends")
axes.legend()
teaching.save_figure(figure, "08_overhead_against_work.png")

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter08.py`; check them with
# `python docs/walkthrough/exercises/check.py 8` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **8.1** Write `crossing(fixed_price, per_madd)`, the size where the two costs meet.
# - **8.2** Fit the fixed price and the work per multiply-add to all the sizes at once, by least
#   squares, instead of reading them off two sizes.
