"""`nn-backends train`: train a network on a data set, print the figures, save the model and plots.

    nn-backends train --backend numba --dataset spiral --epochs 10000 --save spiral.npz --plot spiral.png
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np

from .. import data
from ..nn.layers import Dense, Linear, ReLU, Sigmoid, Softmax, Tanh
from ..nn.model import Model
from ..nn.optim import OPTIMIZERS
from ..validation import InvalidInputError
from .options import bounded_int, check_output, non_negative_float, non_negative_int, positive_float, positive_int


@dataclass
class Recipe:
    """How the CLI trains one data set unless told otherwise."""

    loss: str
    hidden: int
    learning_rate: float
    decay: float
    epochs: int
    batch_size: int | None = None
    layers: str = "relu-softmax"
    notes: dict = field(default_factory=dict)


DATASETS = {
    "spiral": Recipe("categorical_cross_entropy", 64, 0.05, 5e-7, 10_000),
    "vertical": Recipe("categorical_cross_entropy", 64, 0.05, 5e-7, 1_000),
    "sine": Recipe("mean_squared_error", 64, 0.005, 1e-3, 10_000, layers="relu-relu-linear"),
    "xor": Recipe("binary_cross_entropy", 4, 0.05, 0.0, 500, layers="tanh-sigmoid"),
    "digits": Recipe("categorical_cross_entropy", 64, 0.01, 0.0, 20, batch_size=32),
    "mnist": Recipe("categorical_cross_entropy", 128, 0.001, 0.0, 5, batch_size=128),
}


def add_train_arguments(parser: argparse.ArgumentParser, backend_choices) -> None:
    parser.add_argument("--backend", choices=backend_choices, default=None,
                        help="python, numpy or numba (default: $NN_BACKEND, else numpy)")
    parser.add_argument("--dataset", choices=list(DATASETS), default="spiral")
    parser.add_argument("--epochs", type=positive_int, help="passes over the training data (default per data set)")
    parser.add_argument("--batch-size", type=positive_int,
                        help="mini-batch size (default: full batch, or per data set)")
    parser.add_argument("--hidden", type=positive_int, help="neurons per hidden layer (default per data set)")
    parser.add_argument("--optimizer", choices=[name.lower() for name in OPTIMIZERS], default="adam")
    parser.add_argument("--learning-rate", type=positive_float, help="initial learning rate (default per data set)")
    parser.add_argument("--decay", type=non_negative_float, help="learning-rate decay: lr / (1 + decay·step)")
    parser.add_argument("--samples", type=positive_int, default=100,
                        help="spiral/vertical: points per class (default 100)")
    parser.add_argument("--classes", type=bounded_int(2, 1000), default=3,
                        help="spiral/vertical: number of classes (default 3)")
    parser.add_argument("--data-dir", help="mnist: folder holding the MNIST or Fashion-MNIST IDX files")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seeds the data, the weights, dropout and shuffling")
    parser.add_argument("--save", metavar="PATH", help="write the trained model to this .npz file")
    parser.add_argument("--plot", metavar="PNG", help="save the loss curve (and, for 2-D data, the decision regions)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def load_dataset(args):
    """(X_train, y_train, X_val, y_val); the validation part may be None."""
    name = args.dataset
    if name in ("spiral", "vertical"):
        generate = getattr(data, name)
        X, y = generate(samples=args.samples, classes=args.classes, seed=args.seed)
        X_val, y_val = generate(samples=args.samples, classes=args.classes, seed=args.seed + 1)
        return X, y, X_val, y_val
    if name == "sine":
        X, y = data.sine()
        X_val = X[:-1] + 0.5 / len(X)  # the points halfway between the training points
        return X, y, X_val, np.sin(2 * np.pi * X_val)
    if name == "xor":
        X, y = data.xor()
        return X, y, None, None
    if name == "digits":
        X, y = data.digits()
        X_train, X_val, y_train, y_val = data.train_validation_split(X, y, 0.2, seed=args.seed)
        return X_train, y_train, X_val, y_val
    if not args.data_dir:
        raise InvalidInputError("train: --dataset mnist needs --data-dir, the folder holding the IDX files; "
                                "got --data-dir=None")
    X, y = data.load_mnist(args.data_dir, "train")
    X_val, y_val = data.load_mnist(args.data_dir, "test")
    return X, y, X_val, y_val


def build_layers(recipe: Recipe, n_inputs: int, n_outputs: int, hidden: int) -> list:
    if recipe.layers == "relu-softmax":
        return [Dense(n_inputs, hidden, init="he"), ReLU(), Dense(hidden, n_outputs, init="he"), Softmax()]
    if recipe.layers == "relu-relu-linear":
        return [Dense(n_inputs, hidden, init="glorot"), ReLU(), Dense(hidden, hidden, init="glorot"), ReLU(),
                Dense(hidden, n_outputs, init="glorot"), Linear()]
    return [Dense(n_inputs, hidden, init="glorot"), Tanh(), Dense(hidden, n_outputs, init="glorot"), Sigmoid()]


def train(args) -> int:
    recipe = DATASETS[args.dataset]
    check_output("train", "--save", args.save)  # before training, so a long run is never lost at the end
    check_output("train", "--plot", args.plot)
    X, y, X_val, y_val = load_dataset(args)
    if recipe.loss == "categorical_cross_entropy":
        n_outputs = int(max(y.max(), y_val.max() if y_val is not None else 0)) + 1
    else:
        n_outputs = y.reshape(len(y), -1).shape[1]
    optimizer = OPTIMIZERS[{name.lower(): name for name in OPTIMIZERS}[args.optimizer]](
        learning_rate=args.learning_rate if args.learning_rate is not None else recipe.learning_rate,
        decay=args.decay if args.decay is not None else recipe.decay)
    hidden = args.hidden or recipe.hidden
    model = Model(build_layers(recipe, X.shape[1], n_outputs, hidden), loss=recipe.loss, optimizer=optimizer,
                  backend=args.backend, seed=args.seed, dtype=args.dtype)
    if not args.quiet:
        print(model.summary(), flush=True)
    validation = (X_val, y_val) if X_val is not None else None
    start = time.perf_counter()
    history = model.fit(X, y, epochs=args.epochs or recipe.epochs, batch_size=args.batch_size or recipe.batch_size,
                        validation_data=validation, verbose=not args.quiet)
    seconds = time.perf_counter() - start
    figures = f"training: loss {history['loss'][-1]:.4f}, accuracy {history['accuracy'][-1]:.3f}"
    if validation is not None:
        figures += f" | validation: loss {history['val_loss'][-1]:.4f}, accuracy {history['val_accuracy'][-1]:.3f}"
    print(f"{figures} | {len(history['loss'])} epochs on {model.backend.name} in {seconds:.1f} s")
    if args.save:
        model.save(args.save)
        print(f"saved the model to {args.save}")
    if args.plot:
        from .plots import plot_training

        plot_training(model, history, X, y, args.plot, title=f"{args.dataset} on {model.backend.name}")
        print(f"saved the plot to {args.plot}")
    return 0
