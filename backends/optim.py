"""`backends.optim`: the optimizers (SGD, Adagrad, RMSprop, Adam), at their public address.

They live with the rest of training in `backends.nn.optim`; this name is the one users import.
"""

from .nn.optim import OPTIMIZERS, SGD, Adagrad, Adam, Optimizer, RMSprop

__all__ = ["OPTIMIZERS", "SGD", "Adagrad", "Adam", "Optimizer", "RMSprop"]
