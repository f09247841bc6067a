"""Layers, written once on top of the backend interface.

A layer is built by its `Model`, which hands it the backend, the dtype and a seeded random
generator; from then on `forward` and `backward` only call backend operations, so the same layer
code runs on `python`, `numpy` and `numba`. Random values (initial weights, dropout masks) are drawn
in NumPy float64 and converted with `asarray`, so every backend starts from, and drops, the same
numbers.
"""

from __future__ import annotations

import numpy as np

from ..validation import InvalidInputError, hyperparameter, positive_int

#: The weight initializations Dense knows (see its docstring).
INITIALIZERS = ("small", "he", "glorot")


class Layer:
    """The part every layer shares: the backend it runs on, and no parameters."""

    def build(self, backend, dtype, rng):
        self.backend = backend
        self.kernels = backend.kernels  # the model checked shapes once; the hot path skips validation

    def parameters(self) -> list:
        """Native arrays the optimizer updates, in a fixed order."""
        return []

    def gradients(self) -> list:
        """Gradients of the last backward pass, in the order of `parameters()`."""
        return []

    def parameter_shapes(self) -> list[tuple]:
        """The shapes of `parameters()`, in order (a built layer's: read from its arrays)."""
        return [tuple(self.backend.shape(p)) for p in self.parameters()]

    def set_parameters(self, arrays: list) -> None:
        """Overwrite the parameters with arrays of the same shapes (as `Model.load` does)."""

    def bind_parameters(self, arrays: list, views: bool = True) -> None:
        """Use these native arrays (same shapes, already holding the values) as the parameters from now
        on: `Model` hands in views of one flat buffer, so an optimizer can update all of them at once
        (views=True), or the new arrays an update returned on a backend whose arrays cannot change."""

    def regularization_loss(self) -> float:
        return 0.0

    def config(self) -> dict:
        """What `Model.save` stores to rebuild the layer (not its parameters)."""
        return {"type": type(self).__name__}

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({arguments})"


class Dense(Layer):
    """A fully connected layer: outputs = inputs·weightsᵀ + biases, weights one row per neuron.

    init: "small" draws weights from 0.01·N(0, 1), as the worked examples of Neural Networks from
    Scratch do; "he" from N(0, 2/n_inputs) (for ReLU networks); "glorot" from
    U(±√(6/(n_inputs + n_neurons))).
    Biases start at zero; `bias=False` leaves them out (held at zero, never trained). The optional
    penalties add l1·Σ|w| + l2·Σw² (and the same for biases) to the loss."""

    def __init__(self, n_inputs: int, n_neurons: int, *, init: str = "small", bias: bool = True,
                 weight_l1: float = 0.0, weight_l2: float = 0.0, bias_l1: float = 0.0, bias_l2: float = 0.0):
        n_inputs, n_neurons = positive_int("Dense", "n_inputs", n_inputs), positive_int("Dense", "n_neurons", n_neurons)
        if init not in INITIALIZERS:
            raise InvalidInputError(f"Dense: init must be one of {', '.join(INITIALIZERS)}; got init={init!r}")
        self.n_inputs, self.n_neurons = int(n_inputs), int(n_neurons)
        self.init, self.bias = init, bool(bias)
        self.need_dinputs = True  # Model turns it off for its first Dense layer: nothing before it learns
        self.weight_l1 = hyperparameter("Dense", "weight_l1", weight_l1, 0.0)
        self.weight_l2 = hyperparameter("Dense", "weight_l2", weight_l2, 0.0)
        self.bias_l1 = hyperparameter("Dense", "bias_l1", bias_l1, 0.0)
        self.bias_l2 = hyperparameter("Dense", "bias_l2", bias_l2, 0.0)

    def initial_weights(self, rng) -> np.ndarray:
        shape = self.parameter_shapes()[0]
        if self.init == "small":
            return 0.01 * rng.standard_normal(shape)
        if self.init == "he":
            return rng.standard_normal(shape) * np.sqrt(2.0 / self.n_inputs)
        bound = np.sqrt(6.0 / (self.n_inputs + self.n_neurons))
        return rng.uniform(-bound, bound, size=shape)

    def build(self, backend, dtype, rng):
        super().build(backend, dtype, rng)
        self.dtype = dtype
        self.weights = backend.asarray(self.initial_weights(rng), dtype)
        self.biases = backend.asarray(np.zeros(self.n_neurons), dtype)

    def set_parameters(self, arrays):
        b = self.backend
        for name, values, shape in zip(("weights", "biases"), arrays, self.parameter_shapes()):
            native = b.asarray(values, self.dtype)
            if tuple(b.shape(native)) != shape:
                raise InvalidInputError(f"Dense.set_parameters: {name} must have shape {shape}; "
                                        f"got {name}.shape={tuple(b.shape(native))}")
            current = getattr(self, name)
            if isinstance(current, np.ndarray) or getattr(self, "_bound", False):
                current[...] = native  # in place: the array may be a view of the model's flat buffer
            else:
                setattr(self, name, native)

    def bind_parameters(self, arrays, views=True):
        self._bound = views  # set_parameters then writes into the views
        self.weights = arrays[0]
        if self.bias:
            self.biases = arrays[1]

    def forward(self, inputs, training):
        self.inputs = inputs
        return self.kernels.dense_forward(inputs, self.weights, self.biases)

    def backward(self, dvalues):
        k = self.kernels
        dinputs, self.dweights, self.dbiases = k.dense_backward(dvalues, self.inputs, self.weights, self.need_dinputs)
        if self.weight_l1 or self.weight_l2:
            self.dweights = k.regularization_backward(self.dweights, self.weights, self.weight_l1, self.weight_l2)
        if self.bias and (self.bias_l1 or self.bias_l2):
            self.dbiases = k.regularization_backward(self.dbiases, self.biases, self.bias_l1, self.bias_l2)
        return dinputs

    def parameters(self):
        return [self.weights, self.biases] if self.bias else [self.weights]

    def parameter_shapes(self):
        """Known before the layer is built: a model file's record is checked against them."""
        return [(self.n_neurons, self.n_inputs), (self.n_neurons,)] if self.bias else [(self.n_neurons, self.n_inputs)]

    def gradients(self):
        return [self.dweights, self.dbiases] if self.bias else [self.dweights]

    def regularization_loss(self):
        k, penalty = self.kernels, 0.0
        if self.weight_l1 or self.weight_l2:
            penalty += k.regularization_loss(self.weights, self.weight_l1, self.weight_l2)
        if self.bias and (self.bias_l1 or self.bias_l2):
            penalty += k.regularization_loss(self.biases, self.bias_l1, self.bias_l2)
        return penalty

    def config(self):
        config = {"type": "Dense", "n_inputs": self.n_inputs, "n_neurons": self.n_neurons, "init": self.init,
                  "bias": self.bias}
        penalties = {"weight_l1": self.weight_l1, "weight_l2": self.weight_l2,
                     "bias_l1": self.bias_l1, "bias_l2": self.bias_l2}
        return config | {name: value for name, value in penalties.items() if value}


class ReLU(Layer):
    def forward(self, inputs, training):
        self.inputs = inputs
        return self.kernels.relu(inputs)

    def backward(self, dvalues):
        return self.kernels.relu_backward(dvalues, self.inputs)


class Sigmoid(Layer):
    def forward(self, inputs, training):
        self.outputs = self.kernels.sigmoid(inputs)
        return self.outputs

    def backward(self, dvalues):
        return self.kernels.sigmoid_backward(dvalues, self.outputs)


class Tanh(Layer):
    def forward(self, inputs, training):
        self.outputs = self.kernels.tanh(inputs)
        return self.outputs

    def backward(self, dvalues):
        return self.kernels.tanh_backward(dvalues, self.outputs)


class Softmax(Layer):
    def forward(self, inputs, training):
        self.outputs = self.kernels.softmax(inputs)
        return self.outputs

    def backward(self, dvalues):
        return self.kernels.softmax_backward(dvalues, self.outputs)


class Linear(Layer):
    """The identity, the output activation of a regression network."""

    def forward(self, inputs, training):
        self.inputs = inputs
        return self.kernels.linear(inputs)

    def backward(self, dvalues):
        return self.kernels.linear_backward(dvalues, self.inputs)


class Step(Layer):
    """1 where the input is > 0, else 0: the first neurons' activation. Inference only: its gradient
    is zero wherever it exists, so no layer before it could ever learn."""

    def forward(self, inputs, training):
        return self.kernels.step(inputs)

    def backward(self, dvalues):
        raise InvalidInputError("Step.backward: the step function has zero gradient everywhere, so a network "
                                "with a Step layer cannot be trained; got a Step layer in a training pass; "
                                "use Sigmoid or ReLU to train, Step only to predict")


class Dropout(Layer):
    """Inverted dropout: while training, zero each input with probability `rate` and scale the rest
    by 1/(1 - rate), so inference needs no rescaling and passes inputs through unchanged. Masks come
    from the model's seeded generator, so every backend drops the same units."""

    def __init__(self, rate: float):
        self.rate = hyperparameter("Dropout", "rate", rate, 0.0, 1.0, high_inclusive=False)

    def build(self, backend, dtype, rng):
        super().build(backend, dtype, rng)
        self.dtype, self.rng = dtype, rng

    def forward(self, inputs, training):
        if not training or self.rate == 0.0:
            self.mask = None
            return inputs
        self.mask = self.backend.asarray(self.draw_mask(self.backend.shape(inputs)), self.dtype)
        return self.kernels.multiply(inputs, self.mask)

    def draw_mask(self, shape) -> np.ndarray:
        """The next mask for inputs of `shape`, from the model's generator, in float64: 0 for a dropped
        unit, 1/(1 - rate) for a kept one. A compiled training step draws its masks here too, so the
        generator advances exactly as it does layer by layer."""
        keep = self.rng.random(shape) >= self.rate
        return keep / (1.0 - self.rate)

    def backward(self, dvalues):
        return dvalues if self.mask is None else self.kernels.multiply(dvalues, self.mask)

    def config(self):
        return {"type": "Dropout", "rate": self.rate}


LAYER_TYPES = {cls.__name__: cls for cls in (Dense, ReLU, Sigmoid, Tanh, Softmax, Linear, Step, Dropout)}
