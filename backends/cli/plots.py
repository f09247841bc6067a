"""PNG plots of a training run: the loss curve and, for 2-D inputs, the model's decision regions."""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no screen needed
    import matplotlib.pyplot as plt

    return plt


def plot_training(model, history: dict, X: np.ndarray, y: np.ndarray, path, title: str = "") -> None:
    """Loss per epoch (log scale; validation too when present) and, when X has two features, the
    class the model predicts over the plane with the training points on top; for one feature, the
    model's curve over the data."""
    plt = _pyplot()
    panels = 2 if X.shape[1] in (1, 2) else 1
    figure, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    curve = axes[0, 0]
    curve.plot(history["loss"], label="training")
    if "val_loss" in history:
        curve.plot(history["val_loss"], label="validation")
    curve.set(xlabel="epoch", ylabel="loss", yscale="log", title=title or "loss")
    curve.legend()
    if X.shape[1] == 2:
        _decision_regions(axes[0, 1], model, X, y)
    elif X.shape[1] == 1:
        order = np.argsort(X[:, 0])
        axes[0, 1].plot(X[order, 0], np.asarray(y).reshape(len(X), -1)[order, 0], label="data")
        axes[0, 1].plot(X[order, 0], model.predict(X[order])[:, 0], label="model")
        axes[0, 1].legend()
        axes[0, 1].set(xlabel="x", ylabel="y", title="predictions")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _decision_regions(axis, model, X, y, resolution=200):
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0))
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    grid_x, grid_y = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    outputs = model.predict(np.column_stack([grid_x.ravel(), grid_y.ravel()]))
    regions = outputs.argmax(axis=1) if outputs.shape[1] > 1 else (outputs[:, 0] > 0.5).astype(int)
    labels = np.asarray(y).reshape(len(X), -1)
    labels = labels[:, 0] if labels.shape[1] == 1 else labels.argmax(axis=1)
    axis.contourf(grid_x, grid_y, regions.reshape(grid_x.shape), alpha=0.3, cmap="brg")
    axis.scatter(X[:, 0], X[:, 1], c=labels, s=12, cmap="brg", edgecolors="k", linewidths=0.3)
    axis.set(title="decision regions", xlabel="x₁", ylabel="x₂")
