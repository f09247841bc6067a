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
# # 3. A layer of neurons, and a batch
#
# A layer is several neurons reading the same inputs, each with its own weights and bias. A batch
# is several samples sent through the layer at once. Put together, a layer's output is a matrix
# product, and the weights have to be transposed for it; this chapter shows why, and what the
# library says when they are not.

# %%
import matplotlib

matplotlib.use("Agg")
import numpy as np

from backends import loadable_backends, get_backend, teaching

b = get_backend("numpy")

# %% [markdown]
# The book's layer: three neurons, four inputs each. The weights are stored the way the book, the
# library and `torch.nn.Linear` store them: one row per neuron.

# %%
sample = [1.0, 2.0, 3.0, 2.5]
weights = [[0.2, 0.8, -0.5, 1.0],
           [0.5, -0.91, 0.26, -0.5],
           [-0.26, -0.27, 0.17, 0.87]]
biases = [2.0, 3.0, 0.5]

by_neuron = [np.dot(neuron, sample) + bias for neuron, bias in zip(weights, biases)]
teaching.agrees("one sample, neuron by neuron", by_neuron, [4.8, 1.21, 2.385])
teaching.agrees("one sample, np.dot(weights, sample)", np.dot(weights, sample) + biases, [4.8, 1.21, 2.385])

# %% [markdown]
# As a picture: the weights are a matrix with one row per neuron, and each output is one row
# dotted with the sample, plus that neuron's bias (the first neuron shaded).

# %%
teaching.diagram("layer_as_matrix", "03_layer.png", sample, weights, biases)

# %% [markdown]
# A batch holds one sample per row. Each output is one sample's row dotted with one neuron's row:
# row times row. A matrix product multiplies rows of the left matrix with *columns* of the right
# one, so the neurons' rows have to become columns first: that is the transpose.

# %%
batch = [[1.0, 2.0, 3.0, 2.5],
         [2.0, 5.0, -1.0, 2.0],
         [-1.5, 2.7, 3.3, -0.8]]
inputs, w = b.asarray(batch), b.asarray(weights)
print(f"inputs {b.shape(inputs)}, weights {b.shape(w)}, transposed weights {b.shape(b.transpose(w))}")
products = b.matmul(inputs, b.transpose(w))
teaching.agrees("batch · weightsᵀ", b.tolist(products), [[2.8, -1.79, 1.885],
                                                        [6.9, -4.81, -0.3],
                                                        [-0.59, -1.949, -0.474]])

# %% [markdown]
# Without the transpose the shapes do not fit: a (3, 4) matrix cannot multiply another (3, 4) one.
# NumPy says so in its own words; the library checks the shapes before any backend computes, and
# says which transpose was probably meant. Every backend raises the same message, as a `ValueError`:

# %%
try:
    np.dot(batch, weights)
except ValueError as error:
    print(f"np.dot says:  {error}")

messages = set()
for name in loadable_backends():
    backend = get_backend(name)
    try:
        backend.matmul(backend.asarray(batch), backend.asarray(weights))
    except ValueError as error:
        messages.add(str(error))
        print(f"{name:>6} says: {error}")
assert len(messages) == 1, "every backend words the error the same way"

# %% [markdown]
# `dense_forward` does the transpose itself, because its weights are one row per neuron. Handing it
# weights stored the other way round, one column per neuron (as some tutorials do), is the mistake
# it catches:

# %%
try:
    b.dense_forward(inputs, b.transpose(w), b.asarray(biases))
except ValueError as error:
    print(error)

for name in loadable_backends():
    backend = get_backend(name)
    layer = backend.dense_forward(backend.asarray(batch), backend.asarray(weights), backend.asarray(biases))
    teaching.agrees(f"the book's batch through the layer, {name}", backend.tolist(layer),
                    [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]])

# %% [markdown]
# The whole batch in one picture: the samples' rows times the transposed weights' columns. The
# shaded row and column make the shaded output, sample 1 through neuron 2.

# %%
teaching.diagram("batch", "03_batch.png", batch, weights, biases)

# %% [markdown]
# The transpose in each backend: the python backend builds the new rows by hand. In NumPy, `a.T`
# alone would only relabel the strides of the same memory, without copying; the numpy backend
# copies it (`.copy()`) because every backend operation returns a new array, never a view of its
# input. The numba backend copies element by element, so its compiled loops then read contiguous
# memory.

# %%
teaching.side_by_side("transpose")

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter03.py`; check them with
# `python docs/walkthrough/exercises/check.py 3` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **3.1** Write `transpose(rows)` for a matrix stored as a list of rows, without NumPy.
# - **3.2** Write `layer(batch, weights, biases)` in plain lists, and get the book's batch outputs
#   from it.
