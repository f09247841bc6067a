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
more_epochs = teaching.pick(3000, 200)  # then the fastest backend goes on, for the picture
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
# Time per epoch (one forward pass, one backward pass and one Adam update over all the points),
# median ± half the interquartile range. The threads and the machine's load come first: on a
# busy machine the ratios hold better than the absolute times.

# %%
teaching.machine_summary()
per_epoch = {name: teaching.timing(lambda: model.fit(X, y, epochs=1, verbose=False)) for name, model in models.items()}
for name, result in per_epoch.items():
    print(f"{name:>6}: {result['text']} per epoch, {per_epoch['python']['median'] / result['median']:6.1f}x pure Python")

# %% [markdown]
# The operation a hidden ReLU layer adds, in each backend:

# %%
teaching.side_by_side("relu")

# %% [markdown]
# The fastest backend trains on, and the picture shows what the network learned: the class it
# predicts at every point of the plane, with the training points on top.

# %%
fastest = min(per_epoch, key=lambda name: per_epoch[name]["median"])
longer = models[fastest].fit(X, y, epochs=more_epochs, verbose=False)
scores = models[fastest].evaluate(X, y)
print(f"{fastest}, {more_epochs} more epochs: loss {scores['loss']:.4f}, accuracy {scores['accuracy']:.3f}")

grid = np.linspace(-1.1, 1.1, 200)
xx, yy = np.meshgrid(grid, grid)
regions = models[fastest].predict(np.column_stack([xx.ravel(), yy.ravel()])).argmax(axis=1).reshape(xx.shape)
figure, (curves, picture) = plt.subplots(1, 2, figsize=(12, 5))
for name, history in histories.items():
    curves.plot(history["loss"], label=name, ls={"python": "-", "numpy": "--", "numba": ":"}.get(name, "-"), lw=2)
curves.plot(range(epochs, epochs + more_epochs), longer["loss"], color="gray", label=f"{fastest}, further")
curves.set(xlabel="epoch", ylabel="cross-entropy loss", title="one seed, three backends", xscale="symlog")
curves.legend()
picture.contourf(xx, yy, regions, alpha=0.3, cmap="brg")
picture.scatter(X[:, 0], X[:, 1], c=y, cmap="brg", s=10)
picture.set(title=f"decision regions ({fastest}, accuracy {scores['accuracy']:.2f})", aspect="equal")
teaching.save_figure(figure, "06_spiral.png")
