"""A whole training step as one pure function of arrays, for array libraries that compile (`jax.jit`).

`WholeStep(plan, xp, compile)` composes the plug-in's own kernels, in the order `Model` calls them
layer by layer (forward, loss and penalties, backward, one optimizer update per parameter), into one
function that returns new arrays and changes none: what `jax.jit` needs to compile a step into one
XLA program. It is nn-backends' optional `compiled_training_step` hook for a plan whose parameters
come as a list (`plan.flat` False: arrays whose slices are copies, JAX's); it reads the plan only,
and `Model` keeps the arrays it returns. `compile` is `jax.jit` on JAX, and the identity where a
library has no compiler (the suite runs it so on array_api_strict).
"""

from __future__ import annotations

import numpy as np

from .kernels import ArrayApiKernels

#: The layer kinds the step runs: each one's forward kernel, its backward kernel, and whether the
#: backward takes the layer's input (else its output).
ACTIVATIONS = {"relu": ("relu", "relu_backward", True), "linear": ("linear", "linear_backward", True),
               "sigmoid": ("sigmoid", "sigmoid_backward", False), "tanh": ("tanh", "tanh_backward", False),
               "softmax": ("softmax", "softmax_backward", False)}

#: Each optimizer's update kernel and its hyperparameters after (param, grad, lr, *state), by name.
UPDATES = {"SGD": ("sgd_update", ("momentum",)), "Adagrad": ("adagrad_update", ("epsilon",)),
           "RMSprop": ("rmsprop_update", ("rho", "epsilon")), "Adam": ("adam_update", ("beta1", "beta2", "epsilon"))}


def whole_step(plan, xp, compile=lambda function: function):
    """The hook's answer: a `WholeStep` for a plan with a list of parameters, else None."""
    kinds = {layer.kind for layer in plan.layers}
    if plan.flat or not kinds <= {"dense", "dropout", *ACTIVATIONS} or plan.optimizer.name not in UPDATES:
        return None
    return WholeStep(plan, xp, compile)


class WholeStep:
    """`step(inputs, targets, arrays, masks, optimizer, learning_rate, step_number)` as the hook's
    contract has it, with arrays [parameters, *one list per optimizer state]; returns (outputs,
    loss, the new arrays in the same structure)."""

    def __init__(self, plan, xp, compile):
        self.plan = plan
        self.kernels = ArrayApiKernels(xp, scalar=lambda value: value)  # losses stay arrays while traced
        self._step = compile(self._train)

    def __call__(self, inputs, targets, arrays, masks, optimizer, learning_rate, step_number):
        parameters, *states = arrays
        hyperparameters = tuple(map(optimizer.hyperparameter, UPDATES[optimizer.name][1]))
        outputs, loss, parameters, states = self._step(tuple(parameters), tuple(map(tuple, states)), inputs, targets,
                                                       self.kernels.xp.asarray(masks), learning_rate, step_number,
                                                       hyperparameters)
        return outputs, float(loss), [list(parameters), *map(list, states)]

    def _train(self, parameters, states, inputs, targets, masks, learning_rate, step_number, hyperparameters):
        """Forward, loss, backward and update, as `Model.train_step` runs them layer by layer."""
        k, layers = self.kernels, self.plan.layers
        kept, x, drawn = [], inputs, 0  # kept: what each layer's backward needs
        for layer in layers:
            if layer.kind == "dense":
                kept.append(x)
                x = k.dense_forward(x, parameters[layer.weights_at], self._biases(parameters, layer, x))
            elif layer.kind == "dropout":
                mask = None
                if layer.rate > 0.0:  # the masks of the step's Dropout layers, one after another
                    size = x.shape[0] * layer.n_inputs
                    mask = k.xp.reshape(masks[drawn:drawn + size], x.shape)
                    drawn += size
                    x = k.multiply(x, mask)
                kept.append(mask)
            else:
                forward, _, takes_inputs = ACTIVATIONS[layer.kind]
                outputs = getattr(k, forward)(x)
                kept.append(x if takes_inputs else outputs)
                x = outputs
        loss = getattr(k, self.plan.loss.name)(x, targets) + self._penalties(parameters)
        gradients = self._backward(parameters, kept, x, targets)
        new_parameters, new_states = [], [[] for _ in states]
        for i, (param, grad) in enumerate(zip(parameters, gradients)):
            param, *state = self._update(param, grad, learning_rate, [s[i] for s in states], hyperparameters,
                                         step_number)
            new_parameters.append(param)
            for new, array in zip(new_states, state):
                new.append(array)
        return x, loss, tuple(new_parameters), tuple(map(tuple, new_states))

    def _update(self, param, grad, learning_rate, state, hyperparameters, step_number):
        """The optimizer's update kernel, its arguments in the interface's order."""
        k, name = self.kernels, self.plan.optimizer.name
        if name == "SGD":
            return k.sgd_update(param, grad, learning_rate, *hyperparameters, *state)
        if name == "Adam":
            return k.adam_update(param, grad, learning_rate, *state, *hyperparameters, step_number)
        return getattr(k, UPDATES[name][0])(param, grad, learning_rate, *state, *hyperparameters)

    def _biases(self, parameters, layer, x):
        # a Dense layer without biases adds zeros, as it does layer by layer
        return parameters[layer.biases_at] if layer.biases_at >= 0 else self.kernels.xp.zeros(layer.n_neurons,
                                                                                              dtype=x.dtype)

    def _penalties(self, parameters):
        """The L1/L2 penalties, summed layer by layer in `Model.regularization_loss`'s order."""
        k, total = self.kernels, 0.0
        for layer in self.plan.layers:
            if layer.kind != "dense":
                continue
            penalty = 0.0
            if layer.weight_l1 or layer.weight_l2:
                penalty += k.regularization_loss(parameters[layer.weights_at], layer.weight_l1, layer.weight_l2)
            if layer.biases_at >= 0 and (layer.bias_l1 or layer.bias_l2):
                penalty += k.regularization_loss(parameters[layer.biases_at], layer.bias_l1, layer.bias_l2)
            total += penalty
        return total

    def _backward(self, parameters, kept, outputs, targets):
        """Every parameter's gradient, back to the first Dense layer (nothing before it learns)."""
        k, layers = self.kernels, self.plan.layers
        first = next(i for i, layer in enumerate(layers) if layer.kind == "dense")
        if self.plan.loss.fused_softmax_backward:
            d, last = k.softmax_cross_entropy_backward(outputs, targets), len(layers) - 1
        else:
            d, last = getattr(k, self.plan.loss.name + "_backward")(outputs, targets), len(layers)
        gradients = [None] * len(parameters)
        for i in range(last - 1, first - 1, -1):
            layer, saved = layers[i], kept[i]
            if layer.kind == "dense":
                weights = parameters[layer.weights_at]
                d, dweights, dbiases = k.dense_backward(d, saved, weights, i != first)
                if layer.weight_l1 or layer.weight_l2:
                    dweights = k.regularization_backward(dweights, weights, layer.weight_l1, layer.weight_l2)
                gradients[layer.weights_at] = dweights
                if layer.biases_at >= 0:
                    biases = parameters[layer.biases_at]
                    if layer.bias_l1 or layer.bias_l2:
                        dbiases = k.regularization_backward(dbiases, biases, layer.bias_l1, layer.bias_l2)
                    gradients[layer.biases_at] = dbiases
            elif layer.kind == "dropout":
                d = d if saved is None else k.multiply(d, saved)
            else:
                d = getattr(k, ACTIVATIONS[layer.kind][1])(d, saved)
        return gradients
