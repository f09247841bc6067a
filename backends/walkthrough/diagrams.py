"""The walkthrough's diagrams, drawn from the numbers a chapter computes with: a dot product, a
layer as a matrix, a batch through a layer, and the chain rule on the 4→3→1 network.

Each function returns a matplotlib figure; the chapter saves (and in a notebook shows) it with
`teaching.save_figure`. Nothing here computes a result the chapter checks: the numbers drawn are
the chapter's own, multiplied out again only to print them in the picture.
"""

from __future__ import annotations

import numpy as np

HIGHLIGHT = "#ffd27f"
INPUT, NEURON, OUTPUT = "#cfe3ff", "#d8f0d2", "#ffe0e0"


def _figure(width: float, height: float):
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(width, height))
    axes.set_axis_off()
    axes.set_aspect("equal")
    return figure, axes


def _matrix(axes, values, left: float, top: float, title: str, rows=(), columns=(), cell: float = 1.0):
    """Draw `values` as a grid of numbers whose top-left corner is (left, top); shade `rows` and `columns`."""
    from matplotlib.patches import Rectangle

    values = np.atleast_2d(values)
    for (i, j), value in np.ndenumerate(values):
        shaded = i in rows or j in columns
        axes.add_patch(Rectangle((left + j * cell, top - (i + 1) * cell), cell, cell, lw=0.8, ec="gray",
                                 fc=HIGHLIGHT if shaded else "white"))
        axes.text(left + (j + 0.5) * cell, top - (i + 0.5) * cell, f"{value:g}", ha="center", va="center", fontsize=9)
    axes.text(left + values.shape[1] * cell / 2, top + 0.35, title, ha="center", va="bottom", fontsize=10)
    return left + values.shape[1] * cell, top - values.shape[0] * cell


def _node(axes, x: float, y: float, text: str, color: str, radius: float = 0.42):
    from matplotlib.patches import Circle

    axes.add_patch(Circle((x, y), radius, fc=color, ec="black", lw=0.8, zorder=3))
    axes.text(x, y, text, ha="center", va="center", fontsize=9, zorder=4)


def dot_product(inputs, weights, bias):
    """One neuron: every input times its weight, summed, plus the bias, with the sum written out."""
    figure, axes = _figure(9, 0.9 * len(inputs) + 1.8)
    total = float(np.dot(inputs, weights) + bias)
    middle = (len(inputs) - 1) / 2
    for row, (value, weight) in enumerate(zip(inputs, weights)):
        y = len(inputs) - 1 - row
        _node(axes, 0, y, f"{value:g}", INPUT)
        axes.annotate("", xy=(4.55, middle), xytext=(0.45, y), arrowprops={"arrowstyle": "->", "lw": 1})
        axes.text(2.2, (y + middle) / 2 + 0.12, f"× {weight:g}", fontsize=9, ha="center",
                  bbox={"fc": "white", "ec": "none", "pad": 0.5})
    _node(axes, 5, middle, f"Σ + {bias:g}", NEURON, radius=0.55)
    axes.annotate("", xy=(7.2, middle), xytext=(5.55, middle), arrowprops={"arrowstyle": "->", "lw": 1})
    _node(axes, 7.7, middle, f"{total:.4g}", OUTPUT, radius=0.5)
    terms = " + ".join(f"{value:g}·{weight:g}" for value, weight in zip(inputs, weights))
    axes.text(3.85, -1.1, f"{terms} + {bias:g} = {total:.4g}", ha="center", fontsize=9)
    axes.set(xlim=(-0.8, 8.6), ylim=(-1.5, len(inputs) - 0.3), title="a neuron is a dot product plus a bias")
    return figure


def layer_as_matrix(sample, weights, biases, neuron: int = 0):
    """A layer: the weights one row per neuron; each output is one row dotted with the sample."""
    weights, sample, biases = np.asarray(weights), np.asarray(sample), np.asarray(biases)
    outputs = weights @ sample + biases
    figure, axes = _figure(10, 4)
    right, _ = _matrix(axes, weights, 0, 3, "weights (one row per neuron)", rows=(neuron,))
    axes.text(right + 0.4, 1.5, "·", fontsize=20, ha="center", va="center")
    right, _ = _matrix(axes, sample[:, None], right + 0.8, 3.5, "sample", columns=(0,))
    axes.text(right + 0.4, 1.5, "+", fontsize=16, ha="center", va="center")
    right, _ = _matrix(axes, biases[:, None], right + 0.8, 3, "biases", rows=(neuron,))
    axes.text(right + 0.4, 1.5, "=", fontsize=16, ha="center", va="center")
    _matrix(axes, np.round(outputs, 4)[:, None], right + 0.8, 3, "outputs", rows=(neuron,))
    terms = " + ".join(f"{w:g}·{x:g}" for w, x in zip(weights[neuron], sample))
    axes.text(5, -1.6, f"neuron {neuron}: {terms} + {biases[neuron]:g} = {outputs[neuron]:.4g}", ha="center", fontsize=9)
    axes.set(xlim=(-0.5, right + 2.5), ylim=(-2, 4.5), title="a layer is a matrix times the sample")
    return figure


def batch(samples, weights, biases, sample: int = 1, neuron: int = 2):
    """A batch: samples one row each, times the transposed weights; one output is one row times one column."""
    samples, weights, biases = np.asarray(samples), np.asarray(weights), np.asarray(biases)
    outputs = samples @ weights.T + biases
    figure, axes = _figure(12, 4.2)
    right, _ = _matrix(axes, samples, 0, 3, "batch (one row per sample)", rows=(sample,))
    axes.text(right + 0.4, 1.5, "·", fontsize=20, ha="center", va="center")
    right, _ = _matrix(axes, weights.T, right + 0.8, 3.5, "weightsᵀ (one column per neuron)", columns=(neuron,))
    axes.text(right + 0.4, 1.5, "+", fontsize=16, ha="center", va="center")
    right, _ = _matrix(axes, biases[None, :], right + 0.8, 2, "biases", columns=(neuron,))
    axes.text(right + 0.4, 1.5, "=", fontsize=16, ha="center", va="center")
    shaded = np.round(outputs, 4)
    end, _ = _matrix(axes, shaded, right + 0.8, 3, "outputs (sample × neuron)", rows=(sample,), columns=(neuron,))
    terms = " + ".join(f"{x:g}·{w:g}" for x, w in zip(samples[sample], weights[neuron]))
    axes.text(end / 2, -1.4, f"row {sample} · column {neuron}: {terms} + {biases[neuron]:g} = "
              f"{outputs[sample, neuron]:.4g}", ha="center", fontsize=9)
    axes.set(xlim=(-0.5, end + 0.5), ylim=(-1.9, 4.6), title="a batch through a layer is one matrix product")
    return figure


def chain_rule(shape=(4, 3, 1)):
    """The 4→3→1 sigmoid network forward (left to right) and the chain rule's factors backward."""
    figure, axes = _figure(12, 5.2)
    columns = [0, 4.5, 9]
    positions = [[(x, (n - 1) / 2 - i) for i in range(n)] for x, n in zip(columns, shape)]
    names = (["x"], ["h = σ(z₁)"], ["ŷ = σ(z₂)"])
    colors = (INPUT, NEURON, OUTPUT)
    for layer in range(len(shape) - 1):
        for start in positions[layer]:
            for end in positions[layer + 1]:
                axes.plot([start[0] + 0.42, end[0] - 0.42], [start[1], end[1]], color="gray", lw=0.6, zorder=1)
    for layer, column in enumerate(positions):
        for i, (x, y) in enumerate(column):
            _node(axes, x, y, f"{names[layer][0][0]}{i + 1}" if len(column) > 1 else names[layer][0][0], colors[layer])
        axes.text(column[0][0], 2.4, names[layer][0], ha="center", fontsize=10)
    axes.text(2.25, -2.35, "z₁ = x·W₁ᵀ + b₁", ha="center", fontsize=9)
    axes.text(6.75, -2.35, "z₂ = h·W₂ᵀ + b₂", ha="center", fontsize=9)
    _node(axes, 11.5, 0, "L", "#eeeeee")
    axes.plot([9.42, 11.08], [0, 0], color="gray", lw=0.6)
    axes.text(11.5, 0.7, "L = mean (ŷ − y)²", ha="center", fontsize=9)
    backward = [(11.5, "∂L/∂ŷ = 2(ŷ − y)/N"), (9, "· σ′(z₂) = ŷ(1 − ŷ)  → ∂L/∂z₂"),
                (6.75, "∂L/∂W₂ = (∂L/∂z₂)ᵀ·h,  ∂L/∂h = ∂L/∂z₂·W₂"), (4.5, "· σ′(z₁) = h(1 − h)  → ∂L/∂z₁"),
                (2.25, "∂L/∂W₁ = (∂L/∂z₁)ᵀ·x")]
    for row, (x, text) in enumerate(backward):
        axes.text(x, -3.0 - 0.45 * row, text, ha="center", fontsize=9, color="firebrick")
    axes.annotate("", xy=(1.0, -5.5), xytext=(11.5, -5.5), arrowprops={"arrowstyle": "->", "color": "firebrick"})
    axes.text(6.25, -5.9, "backward: each step multiplies by one local derivative", ha="center", fontsize=9,
              color="firebrick")
    axes.set(xlim=(-1, 12.5), ylim=(-6.3, 3), title="the chain rule on the 4→3→1 network")
    return figure
