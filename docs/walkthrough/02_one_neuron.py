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
# # 2. One neuron
#
# A neuron multiplies each of its inputs by a weight, adds the products up and adds a bias. This
# chapter computes the book's first two worked examples (Neural Networks from Scratch, chapter 2:
# one neuron with three inputs, then four) three ways: as a loop, as one `np.dot`, and through the
# library's interface on each backend, and checks each against the book's answer.

# %%
import matplotlib

matplotlib.use("Agg")
import numpy as np

from backends import loadable_backends, get_backend, teaching

# %% [markdown]
# The first example: three inputs, three weights and a bias. The book gives 2.3 as the answer.

# %%
inputs = [1.0, 2.0, 3.0]
weights = [0.2, 0.8, -0.5]
bias = 2.0

total = bias
for value, weight in zip(inputs, weights):
    total += value * weight
teaching.agrees("three inputs, as a loop", total, 2.3)

# %% [markdown]
# The second: a fourth input and a fourth weight. The same loop, then `np.dot`, which computes the
# sum of products in one call (in compiled code instead of the interpreter's loop).

# %%
inputs = [1.0, 2.0, 3.0, 2.5]
weights = [0.2, 0.8, -0.5, 1.0]
bias = 2.0

total = bias
for value, weight in zip(inputs, weights):
    total += value * weight
teaching.agrees("four inputs, as a loop", total, 4.8)
teaching.agrees("four inputs, np.dot", np.dot(weights, inputs) + bias, 4.8)

# %% [markdown]
# Drawn, with this example's numbers: every input travels along its own connection, is multiplied
# by that connection's weight, and the neuron adds the products and its bias.

# %%
teaching.diagram("dot_product", "02_dot_product.png", inputs, weights, bias)

# %% [markdown]
# Through the interface, a neuron is a dense layer with one neuron: `dense_forward(inputs,
# weights, biases)` takes a batch of samples (one row each), weights with one row per neuron and one
# bias per neuron. Every backend gives the same answer:

# %%
for name in loadable_backends():
    b = get_backend(name)
    output = b.dense_forward(b.asarray([inputs]), b.asarray([weights]), b.asarray([bias]))
    teaching.agrees(f"four inputs, {name} backend", b.tolist(output), [[4.8]])

# %% [markdown]
# Here is that operation in each backend. The python backend is the loop above, once per sample
# and per neuron; the numpy backend is one matrix product plus the biases; the numba backend
# hands the product, biases and all, to a compiled matrix product of its own, the GEMM, whose
# entry is named below the columns (chapter 7, "Inside the GEMM", shows its loops and why they
# are written that way).

# %%
teaching.side_by_side("dense_forward")

# %% [markdown]
# How long does one neuron take? At this size every backend spends its time getting into and out
# of the call, not on the four multiply-adds; chapter 8 comes back to this.

# %%
teaching.machine_summary()
for name in loadable_backends():
    b = get_backend(name)
    x, w, c = b.asarray([inputs]), b.asarray([weights]), b.asarray([bias])
    print(f"{name:>6}: {teaching.timing(lambda: b.dense_forward(x, w, c))['text']} per call")

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter02.py`; check them with
# `python docs/walkthrough/exercises/check.py 2` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **2.1** Write `neuron(inputs, weights, bias)` as a plain loop, and get the book's 2.3 and 4.8
#   from it.
# - **2.2** Write `neuron_on(backend_name, ...)`, the same neuron through `dense_forward` on any
#   backend, as one float.
