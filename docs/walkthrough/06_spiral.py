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
# # 6. Training a real network: the spiral, on all three backends
#
# Three interleaved spiral arms, one class each: no straight line separates them, so the network
# needs its hidden layer. The model is written once (`backends.Model`) on top of the interface,
# and trained here on each backend from the same seed. Same seed, same starting weights, same
# arithmetic: the three loss curves start on top of each other (how long they stay there is a
# lesson of its own, below), while the time per epoch differs by orders of magnitude.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from backends import Dense, Model, ReLU, Softmax, loadable_backends, data, teaching
from backends.optim import Adam

samples = teaching.pick(100, 30)       # points per arm
epochs = teaching.pick(300, 20)        # trained on every backend, pure Python included
more_epochs = teaching.pick(3000, 200)  # then the numpy model goes on, for the picture
X, y = data.spiral(samples=samples, classes=3, seed=0)
print(f"{len(X)} points in {len(set(y.tolist()))} classes")


def spiral_model(backend):
    return Model([Dense(2, 64), ReLU(), Dense(64, 3), Softmax()], loss="categorical_cross_entropy",
                 optimizer=Adam(learning_rate=0.05, decay=5e-7), backend=backend, seed=0)

# %%
models, histories = {}, {}
for name in loadable_backends():
    models[name] = spiral_model(name)
    histories[name] = models[name].fit(X, y, epochs=epochs, verbose=False)
    print(f"{name:>6}: loss {histories[name]['loss'][0]:.4f} -> {histories[name]['loss'][-1]:.4f}, "
          f"accuracy {histories[name]['accuracy'][-1]:.3f} after {epochs} epochs")

# %% [markdown]
# How close are the curves? The backends add the same products, but not always in the same order
# (BLAS splits its sums into blocks), so their results can differ in the last bit. Training feeds
# every step's result into the next, and such differences grow: slowly at first, then, once a ReLU
# somewhere flips on or off, visibly. Where a curve leaves the pure-Python one:

# %%
reference = np.array(histories["python"]["loss"])
for name, history in list(histories.items())[1:]:
    gaps = np.abs(np.array(history["loss"]) - reference)
    apart = np.flatnonzero(gaps > 1e-9)
    print(f"{name:>6} against python: equal to 1e-9 for {apart[0] if apart.size else len(gaps)} of {len(gaps)} epochs, "
          f"largest gap {gaps.max():.1e}")
    assert gaps[:20].max() < 1e-9, "one seed, one starting point: the backends start on the same curve"

# %% [markdown]
# Time per epoch (one forward pass, one backward pass and one Adam update over all the points):
# the median of interleaved rounds, with its 95% interval. Each backend's lesson is stated with
# the lower end of the interval of its speedup ("at least 91×"), whenever that interval decides it,
# on a busy machine too (the line says so). The models timed are fresh copies
# (same seed), not the trained ones: timing trains whatever it times, and the curves above and
# the picture below must not depend on how fast this machine is.

# %%
teaching.machine_summary()
timed = {name: spiral_model(name) for name in models}
per_epoch = teaching.compare({name: (lambda model=model: model.fit(X, y, epochs=1, verbose=False))
                              for name, model in timed.items()})
for name, result in per_epoch.items():
    print(f"{name:>6}: {result['text']} per epoch")
for name in per_epoch:
    if name != "python":
        print(teaching.speedup(per_epoch, name, "python", f"{name} trains faster than pure Python")["text"])

# %% [markdown]
# The operation a hidden ReLU layer adds, in each backend:

# %%
teaching.side_by_side("relu")

# %% [markdown]
# The numpy model trains on (always numpy, whichever backend was fastest, so the picture is the
# same on every machine), one epoch at a time so we can watch each step: the loss, the size of the
# gradient, and how far Adam moved the parameters.

# %%
further = models["numpy"]
learning_rate = further.optimizer.learning_rate
watch = {"loss": [], "gradient": [], "moved_far": [], "largest_step": []}
for _ in range(more_epochs):
    before = further.parameter_buffer.copy()
    watch["loss"] += further.fit(X, y, epochs=1, verbose=False)["loss"]
    step = np.abs(further.parameter_buffer - before)
    watch["gradient"].append(float(np.linalg.norm(further.gradient_buffer)))
    watch["moved_far"].append(float(np.mean(step > learning_rate / 2)))
    watch["largest_step"].append(float(step.max() / learning_rate))
scores = further.evaluate(X, y)
print(f"numpy, {more_epochs} more epochs: loss {scores['loss']:.4f}, accuracy {scores['accuracy']:.3f}")

# %% [markdown]
# ## The spike
#
# With the book's recipe (Adam, learning rate 0.05) the long run's loss falls, then suddenly
# climbs and falls again, once or more (where, the run below prints). Adam moves each parameter by
# the learning rate times m̂/√v̂: m̂ is a running mean of its gradient over about the last 10 steps
# (β1 = 0.9), v̂ a running mean of its square over about the last 1000 (β2 = 0.999). While a
# gradient keeps its sign and size the ratio is about 1, so the parameter moves about one learning
# rate a step, however small its gradient; where the gradient flips sign from step to step, as at
# the floor of a valley, m̂ averages out and the steps are far smaller. When a gradient suddenly
# grows, m̂ follows within a few steps but v̂ still remembers the small gradients, and the ratio,
# so the step, grows beyond 1 (up to (1 − β1)/√(1 − β2) ≈ 3). What this run measured around its
# largest rise:

# %%
losses = np.array(watch["loss"])
rises = np.diff(losses)
peak = int(rises.argmax()) + 1
valley = max(0, peak - 50) + int(losses[max(0, peak - 50):peak].argmin())
if rises.max() < 0.05:
    print(f"no spike on this run: over {more_epochs} epochs the loss never rose by more than "
          f"{rises.max():.3g} in one epoch (the full-size run has one)")
else:
    quiet = slice(max(0, valley - 100), valley)
    print(f"the loss climbs from {losses[valley]:.3f} at epoch {epochs + valley} to {losses[peak]:.3f} "
          f"at epoch {epochs + peak}")
    print(f"the gradient's size grows {watch['gradient'][peak] / watch['gradient'][valley]:.0f}x, from "
          f"{watch['gradient'][valley]:.3g} to {watch['gradient'][peak]:.3g}")
    print(f"parameters moving more than half a learning rate per epoch: "
          f"{np.mean(watch['moved_far'][quiet]):.1%} in the 100 epochs before, {watch['moved_far'][peak]:.0%} "
          f"at the peak; the largest step is then {watch['largest_step'][peak]:.2f} learning rates "
          f"(at most {max(watch['largest_step'][quiet]):.2f} before)")

# %% [markdown]
# Read together: the training had settled into a narrow valley of the loss where, for most
# parameters, the gradients were tiny. A step of 0.05 there overshoots the valley's floor; the
# loss rises, its gradients grow, and Adam's long memory of small gradients turns them into
# steps larger than the learning rate, for many parameters at once: the network is thrown out
# of the valley and has to find its way down again. A smaller learning rate avoids the spike;
# exercise 6.2 asks which one, and what it costs.
#
# The picture shows what the network learned: the class it predicts at every point of the plane,
# with the training points on top.

# %%
grid = np.linspace(-1.1, 1.1, 200)
xx, yy = np.meshgrid(grid, grid)
regions = further.predict(np.column_stack([xx.ravel(), yy.ravel()])).argmax(axis=1).reshape(xx.shape)
figure, (curves, picture) = plt.subplots(1, 2, figsize=(12, 5))
for name, history in histories.items():
    curves.plot(history["loss"], label=name, ls={"python": "-", "numpy": "--", "numba": ":"}.get(name, "-"), lw=2)
curves.plot(range(epochs, epochs + more_epochs), watch["loss"], color="gray", label="numpy, further")
curves.set(xlabel="epoch", ylabel="cross-entropy loss", title="one seed, three backends", xscale="symlog")
curves.legend()
picture.contourf(xx, yy, regions, alpha=0.3, cmap="brg")
picture.scatter(X[:, 0], X[:, 1], c=y, cmap="brg", s=10)
picture.set(title=f"decision regions (numpy, accuracy {scores['accuracy']:.2f})", aspect="equal")
teaching.save_figure(figure, "06_spiral.png")

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter06.py`; check them with
# `python docs/walkthrough/exercises/check.py 6` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **6.1** Write `accuracy(probabilities, labels)`.
# - **6.2** Find a learning rate with which the spiral network trains 1,500 epochs without the
#   spike and still ends below 0.05's loss (the check trains both).
