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
# # 4. Stacked layers, and activations
#
# One layer's outputs are the next layer's inputs. But two dense layers in a row are still one
# linear function of the inputs; what lets a network bend is an *activation* between them, a
# function applied to every output. This chapter stacks a second layer on the book's first (the
# course notebook's two-layer example), then tries the four activations the book and the course
# notebooks introduce, and breaks the naive formulas of two of them with large inputs.

# %%
import numpy as np

from backends import loadable_backends, get_backend, teaching

batch = [[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]]
weights1 = [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
biases1 = [2.0, 3.0, 0.5]
weights2 = [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]]
biases2 = [-1.0, 2.0, -0.5]

# %% [markdown]
# The second layer has three neurons reading the first layer's three outputs. (The course notebook
# prints a different matrix here: it multiplies by the second layer's weights without transposing
# them, the mistake of chapter 3.)

# %%
for name in loadable_backends():
    b = get_backend(name)
    layer1 = b.dense_forward(b.asarray(batch), b.asarray(weights1), b.asarray(biases1))
    layer2 = b.dense_forward(layer1, b.asarray(weights2), b.asarray(biases2))
    teaching.agrees(f"two layers, {name}", b.tolist(layer2), [[0.5031, -1.04185, -2.03875],
                                                             [0.2434, -2.7332, -5.7633],
                                                             [-0.99314, 1.41254, -0.35655]])

# %% [markdown]
# The activations on the inputs -2 … 2. The step fires only above zero and is flat everywhere
# else, so no gradient can tell it which way to move (chapter 5 needs gradients); ReLU passes the
# positive part; sigmoid squashes any number into (0, 1); softmax turns a row of scores into
# probabilities that sum to one.

# %%
b = get_backend("numpy")
z = [-2.0, -1.0, 0.0, 1.0, 2.0]
teaching.agrees("step", b.tolist(b.step(b.asarray(z))), [0, 0, 0, 1, 1])
teaching.agrees("relu", b.tolist(b.relu(b.asarray(z))), [0, 0, 0, 1, 2])
teaching.agrees("sigmoid", b.tolist(b.sigmoid(b.asarray(z))), [1 / (1 + np.exp(-v)) for v in z])
# one course notebook's softmax exponentiates a global variable instead of its argument, so its
# answer does not depend on what it is given; a check against the formula on known scores catches that
exponentials = np.exp([1.0, 0.0, -1.0])
teaching.agrees("softmax of [1, 0, -1]", b.tolist(b.softmax(b.asarray([[1.0, 0.0, -1.0]]))),
                [exponentials / exponentials.sum()])

# %% [markdown]
# The same functions drawn over -6 … 6, each computed by the numpy backend at every point (softmax
# on the row (z, 0), so it shows the probability of the first of two scores; that is the sigmoid
# again, which is why sigmoid is the two-class softmax):

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

line = np.linspace(-6, 6, 241)
row = b.asarray(line.reshape(1, -1))  # one row of 241 inputs
pairs = b.asarray(np.column_stack([line, np.zeros_like(line)]))  # 241 rows of two scores (z, 0)
curves = {"step": b.tolist(b.step(row))[0], "ReLU": b.tolist(b.relu(row))[0], "sigmoid": b.tolist(b.sigmoid(row))[0],
          "softmax of (z, 0), first entry": [first for first, _ in b.tolist(b.softmax(pairs))]}
figure, panels = plt.subplots(1, 4, figsize=(13, 3.2), sharex=True)
for panel, (name, values) in zip(panels, curves.items()):
    panel.plot(line, values, lw=2)
    panel.axhline(0, color="gray", lw=0.5)
    panel.axvline(0, color="gray", lw=0.5)
    panel.set(title=name, xlabel="z")
figure.tight_layout()
teaching.save_figure(figure, "04_activations.png")

# %% [markdown]
# Now logits of ±1000, which a badly scaled network does produce. The textbook formulas
# exponentiate them: exp(1000) is far beyond the largest float64 (printed below), so it overflows
# to infinity. Softmax then divides infinity by infinity: not a number. Sigmoid's answer happens to
# survive (1/(1+inf) is 0), but every overflowing element raises a warning: a flood of them in a
# training loop, and a failure under this project's tests. Here the overflow is made an error so
# we can show it:

# %%
logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
print(f"largest float64: {np.finfo(np.float64).max:.4g}, so exp(z) overflows for any z above {np.log(np.finfo(np.float64).max):.2f}")
for formula, naive in (("softmax exp(z)/sum", lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)),
                       ("sigmoid 1/(1+exp(-z))", lambda z: 1 / (1 + np.exp(-z)))):
    try:
        with np.errstate(all="raise"):
            naive(logits)
    except FloatingPointError as error:
        print(f"naive {formula}: {error}")
    with np.errstate(all="ignore"):
        print(f"   what it returns when the warning is ignored: {naive(logits).tolist()}")

# %% [markdown]
# The backends compute the same functions in a form that cannot overflow: softmax subtracts each
# row's largest value first (the ratios do not change, and every exponent is then ≤ 0), sigmoid
# exponentiates only -|z|. Same logits, every backend, with overflow and not-a-number still errors
# (underflow to 0 is harmless and allowed):

# %%
for name in loadable_backends():
    b = get_backend(name)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        probabilities = b.tolist(b.softmax(b.asarray(logits)))
        squashed = b.tolist(b.sigmoid(b.asarray(logits)))
    teaching.agrees(f"softmax of ±1000, {name}", probabilities, [[1.0, 0.0], [0.0, 1.0]])
    teaching.agrees(f"sigmoid of ±1000, {name}", squashed, [[1.0, 0.0], [0.0, 1.0]])

# %%
teaching.side_by_side("softmax")

# %%
teaching.side_by_side("sigmoid")

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter04.py`; check them with
# `python docs/walkthrough/exercises/check.py 4` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **4.1** The starting `softmax` is the textbook formula: make it survive rows of ±1000 with no
#   warning.
# - **4.2** The same for `sigmoid`, without ever exponentiating a positive number.
