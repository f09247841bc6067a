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
# # 5. Loss and backpropagation, by hand
#
# Training means nudging every weight in the direction that lowers the loss. Which direction that
# is comes from the chain rule, applied backwards through the network: backpropagation. This
# chapter trains the course notebook's small network (4 inputs, 3 sigmoid neurons, 1 sigmoid
# output; the notebook takes it from an Analytics Vidhya tutorial) on its three samples, writes the chain rule out by hand, and checks every gradient against a numerical
# estimate that needs no calculus at all. Then it looks at another course notebook's XOR network,
# which never learns, and finds out why.

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from backends import Dense, Model, Sigmoid, loadable_backends, data, get_backend, teaching
from backends.optim import SGD

X = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
y = np.array([[1.0], [1.0], [0.0]])
epochs = 5000  # the notebook's number of steps

# %% [markdown]
# The starting weights are uniform in [0, 1), as in the notebook, drawn once from a fixed seed so
# every run (and every backend) starts from the same point. Weights are one row per neuron.

# %%
start = np.random.default_rng(0)
initial = {"W1": start.uniform(size=(3, 4)), "b1": start.uniform(size=3),
           "W2": start.uniform(size=(1, 3)), "b2": start.uniform(size=1)}

# %% [markdown]
# The forward pass, and the loss: the mean squared error over the three samples.

# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(p):
    hidden = sigmoid(X @ p["W1"].T + p["b1"])
    return hidden, sigmoid(hidden @ p["W2"].T + p["b2"])


def loss(p):
    return float(np.mean((forward(p)[1] - y) ** 2))

# %% [markdown]
# The chain rule, one line per step backwards. The loss's derivative with respect to each output
# is 2·(output − target)/N; a sigmoid's derivative is s·(1 − s), written with its own output s; a
# dense layer passes the gradient back through its weights and collects its weights' gradient as
# (gradient)ᵀ · (its inputs), its biases' as the column sums.

# %%
teaching.diagram("chain_rule", "05_chain_rule.png")


# %%
def gradients_by_hand(p):
    hidden, output = forward(p)
    d_output = 2 * (output - y) / y.size
    d_z2 = d_output * output * (1 - output)
    d_hidden = d_z2 @ p["W2"]
    d_z1 = d_hidden * hidden * (1 - hidden)
    return {"W1": d_z1.T @ X, "b1": d_z1.sum(axis=0), "W2": d_z2.T @ hidden, "b2": d_z2.sum(axis=0)}

# %% [markdown]
# The library's backends write the same two steps as operations of their own: the sigmoid's
# backward step, and the dense layer's.

# %%
teaching.side_by_side("sigmoid_backward")

# %%
teaching.side_by_side("dense_backward")

# %% [markdown]
# The check: nudge one weight up by a tiny h, then down, and see how the loss changes,
# (loss(w + h) − loss(w − h)) / 2h. This central difference is accurate to about h², so with
# h = 1e-6 it should agree with the chain rule to many digits, for every weight of every tensor.
# The last column compares the library's backward operations (on every backend) with the hand formulas.

# %%
def central_differences(p, h=1e-6):
    estimates = {}
    for name, tensor in p.items():
        estimate = np.zeros_like(tensor)
        for index in np.ndindex(tensor.shape):
            saved = tensor[index]
            tensor[index] = saved + h
            above = loss(p)
            tensor[index] = saved - h
            below = loss(p)
            tensor[index] = saved
            estimate[index] = (above - below) / (2 * h)
        estimates[name] = estimate
    return estimates


def gradients_through(b, p):
    """The same gradients from the library's backward operations, on backend b."""
    inputs, targets = b.asarray(X), b.asarray(y)
    W1, b1, W2, b2 = (b.asarray(p[name]) for name in ("W1", "b1", "W2", "b2"))
    hidden = b.sigmoid(b.dense_forward(inputs, W1, b1))
    output = b.sigmoid(b.dense_forward(hidden, W2, b2))
    d_z2 = b.sigmoid_backward(b.mean_squared_error_backward(output, targets), output)
    d_hidden, dW2, db2 = b.dense_backward(d_z2, hidden, W2)
    _, dW1, db1 = b.dense_backward(b.sigmoid_backward(d_hidden, hidden), inputs, W1, need_dinputs=False)
    return {name: np.array(b.tolist(g)) for name, g in zip(("W1", "b1", "W2", "b2"), (dW1, db1, dW2, db2))}


p = {name: tensor.copy() for name, tensor in initial.items()}
by_hand, numerical = gradients_by_hand(p), central_differences(p)
through = {name: gradients_through(get_backend(name), p) for name in loadable_backends()}
print(f"{'tensor':<6} {'shape':<7} {'max |gradient|':>14} {'max |hand - central diff.|':>27} "
      f"{'max |backend - hand|, every backend':>36}")
for name in p:
    versus_numerical = np.abs(by_hand[name] - numerical[name]).max()
    versus_backends = max(np.abs(grads[name] - by_hand[name]).max() for grads in through.values())
    print(f"{name:<6} {str(p[name].shape):<7} {np.abs(by_hand[name]).max():>14.3e} {versus_numerical:>27.1e} "
          f"{versus_backends:>36.1e}")
    assert versus_numerical < 1e-8 and versus_backends < 1e-12

# %% [markdown]
# Now train: each step moves every weight against its gradient. The notebook steps by 0.1 times the
# gradient of ½·Σ(error²); our loss is the mean, Σ(error²)/3, whose gradient is 2/3 of that,
# so the same steps take a learning rate of 0.1 · 3/2. The updates run through the interface
# (`sgd_update`), on every backend, from the same starting weights.

# %%
learning_rate = 0.1 * y.size / 2
print(f"learning rate for the mean squared error: {learning_rate:.3g}")


def train(b, steps):
    inputs, targets = b.asarray(X), b.asarray(y)
    params = {name: b.asarray(tensor) for name, tensor in initial.items()}
    velocity = {name: b.asarray(np.zeros_like(tensor)) for name, tensor in initial.items()}
    losses = []
    for _ in range(steps):
        hidden = b.sigmoid(b.dense_forward(inputs, params["W1"], params["b1"]))
        output = b.sigmoid(b.dense_forward(hidden, params["W2"], params["b2"]))
        losses.append(b.mean_squared_error(output, targets))
        d_z2 = b.sigmoid_backward(b.mean_squared_error_backward(output, targets), output)
        d_hidden, dW2, db2 = b.dense_backward(d_z2, hidden, params["W2"])
        _, dW1, db1 = b.dense_backward(b.sigmoid_backward(d_hidden, hidden), inputs, params["W1"],
                                       need_dinputs=False)
        for name, grad in zip(("W1", "b1", "W2", "b2"), (dW1, db1, dW2, db2)):
            # the updated arrays come back: the same ones on numpy, new ones where arrays cannot change
            params[name], velocity[name] = b.sgd_update(params[name], grad, learning_rate, 0.0, velocity[name])
    return np.array(b.tolist(output)).ravel(), losses


outputs, reference_losses = train(get_backend("numpy"), epochs)
print(f"numpy: outputs after {epochs} steps {np.round(outputs, 5).tolist()} (targets 1, 1, 0), "
      f"loss {reference_losses[0]:.4f} -> {reference_losses[-1]:.5f}")
assert outputs[0] > 0.9 and outputs[1] > 0.9 and outputs[2] < 0.1

# %% [markdown]
# The same steps on the other backends (all of them, or the first few hundred in fast mode) follow
# the same curve:

# %%
runs = {"numpy": (outputs, reference_losses)}
for name in loadable_backends():
    if name != "numpy":
        runs[name] = train(get_backend(name), teaching.pick(epochs, 200))
        gap = np.abs(np.subtract(runs[name][1], reference_losses[:len(runs[name][1])])).max()
        print(f"{name:>6}: {len(runs[name][1])} steps, largest gap to the numpy loss curve {gap:.1e}")
        assert gap < 1e-12

# %% [markdown]
# ## The XOR network that never learns
#
# Another course notebook trains a 2 → 4 → 1 sigmoid network on XOR (output 1 when exactly one input is 1)
# and prints a loss of 0.2500 at every report. Its weights start tiny (0.01 · random normal) and
# it has no biases. Rebuilt with the library, same recipe, same step size (0.1 on the summed
# gradient, so 0.2 on the mean over four samples):

# %%
X_xor, y_xor = data.xor()


def xor_network(bias, init):
    return Model([Dense(2, 4, bias=bias, init=init), Sigmoid(), Dense(4, 1, bias=bias, init=init), Sigmoid()],
                 loss="mean_squared_error", optimizer=SGD(0.2), backend="numpy", seed=0)


stuck = xor_network(bias=False, init="small")
stuck_history = stuck.fit(X_xor, y_xor, epochs=1000, verbose=False)
print("loss every 100 steps:", [f"{value:.4f}" for value in stuck_history["loss"][::100]])
print("its answers for the four cases:", np.round(stuck.predict(X_xor).ravel(), 4).tolist())
teaching.agrees("loss after 1000 steps", stuck_history["loss"][-1], 0.25, tolerance=1e-5)

# %% [markdown]
# Why? Without biases, the input (0, 0) gives every hidden neuron z = 0, so every hidden output is
# σ(0) = ½ whatever the first layer's weights are, and the network's answer for (0, 0) is
# σ(½ · Σ W2): only the output weights can change it. With tiny weights every answer starts at
# ½, and the nearest thing to a fit the network finds is to answer ½ everywhere, whose squared
# error is the variance of the targets 0, 1, 1, 0: exactly ¼.

# %%
w2 = np.array(stuck.backend.tolist(stuck.layers[2].weights))
teaching.agrees("answer for (0, 0) = σ(½ Σ W2)", stuck.predict(np.zeros((1, 2)))[0, 0],
                1 / (1 + np.exp(-0.5 * w2.sum())))
teaching.agrees("variance of the XOR targets", np.var(y_xor), 0.25)

# %% [markdown]
# Give it biases and a starting scale suited to its width (Glorot's), and the same training
# learns XOR:

# %%
learns = xor_network(bias=True, init="glorot")
learns_history = learns.fit(X_xor, y_xor, epochs=10_000, verbose=False)
print(f"with biases: loss {learns_history['loss'][0]:.4f} -> {learns_history['loss'][-1]:.5f}, "
      f"answers {np.round(learns.predict(X_xor).ravel(), 3).tolist()} for targets {y_xor.ravel().tolist()}")
assert learns_history["loss"][-1] < 0.01

# %%
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for name, (_, losses) in runs.items():
    left.plot(losses, label=name, ls="--" if name == "numba" else "-")
left.set(xlabel="step", ylabel="mean squared error", title="the notebook's 4→3→1 network, every backend", yscale="log")
left.legend()
right.plot(stuck_history["loss"], label="no biases, tiny weights (the notebook's)")
right.plot(learns_history["loss"], label="biases, Glorot start")
right.set(xlabel="step", ylabel="mean squared error", title="XOR, 2→4→1 sigmoid", xscale="log")
right.legend()
teaching.save_figure(figure, "05_backpropagation.png")

# %% [markdown]
# ## Exercises
#
# The starting points are in `docs/walkthrough/exercises/chapter05.py`; check them with
# `python docs/walkthrough/exercises/check.py 5` (worked solutions: `docs/walkthrough/solutions/`).
#
# - **5.1** Make the XOR network learn: the starting point is the course notebook's recipe, which
#   stays at 0.25.
# - **5.2** Write the backward step of a tanh activation from its output alone, as this chapter
#   writes sigmoid's; the check compares it with a central difference.
# - **5.3** Write ReLU's backward step by hand (the chain rule, one step).
