"""JAX as an optional peer in the benchmarks: the bar to beat for compiled training on the CPU.

Two contenders, as a JAX user would write the same network (Dense, ReLU, ..., softmax cross-entropy,
Adam with the project's hyperparameters, in float64 with `jax_enable_x64` or float32):

- "jax": one `jax.jit`-compiled step (forward, loss, gradients by `jax.grad`, Adam), called from a
  Python loop once per batch, as most training loops are written;
- "jax-scan": a whole epoch (or a full-batch run of epochs) as one compiled call, the batches
  stepped through with `jax.lax.scan`, the way to keep Python out of the loop in JAX.

Each timed call blocks until XLA has finished (`block_until_ready`). Nothing here is imported
unless JAX is installed (`pip install -e ".[jax]"`); the cases call `training_step`, `epochs_of_full_batch`
and `minibatch_epoch` for those contenders and the product cases call `jitted`.
"""

from __future__ import annotations

import importlib.util

import numpy as np

CONTENDERS = ("jax", "jax-scan")
#: The operations whose timed call is a training loop, where "jax-scan" has a loop to compile.
SCANNED_OPERATIONS = ("fit_full_batch", "minibatch_epoch")
#: Adam as the project's `backends.optim.Adam` defaults it (the learning rate is each case's).
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-7


def installed() -> bool:
    return importlib.util.find_spec("jax") is not None


def _jax():
    import jax

    jax.config.update("jax_enable_x64", True)  # float64 arrays stay float64; float32 ones stay float32
    return jax


def version() -> str:
    return _jax().__version__


def jitted(function, *arrays):
    """A zero-argument callable running the jitted `function` on `arrays` (moved to the device once)."""
    jax = _jax()
    compiled, on_device = jax.jit(function), [jax.device_put(a) for a in arrays]
    return lambda: jax.block_until_ready(compiled(*on_device))


def _network(widths, dtype, seed=0):
    """[(weights (n_out, n_in), biases (n_out,)), ...] as `backends.nn.Dense` draws them: 0.01·N(0, 1)."""
    rng = np.random.default_rng(seed)
    return [((0.01 * rng.standard_normal((n_out, n_in))).astype(dtype), np.zeros(n_out, dtype=dtype))
            for n_in, n_out in zip(widths, widths[1:])]


def _train_step_function(learning_rate):
    """step(state, inputs, classes) -> (state, (loss, hits)); state = (params, first moments, second
    moments, t): forward through ReLU layers, mean softmax cross-entropy, `jax.grad`, Adam."""
    jax = _jax()
    jnp = jax.numpy

    def loss_of(params, inputs, classes):
        hidden = inputs
        for weights, biases in params[:-1]:
            hidden = jax.nn.relu(hidden @ weights.T + biases)
        weights, biases = params[-1]
        logits = hidden @ weights.T + biases
        log_probs = jax.nn.log_softmax(logits)
        loss = -jnp.mean(jnp.take_along_axis(log_probs, classes[:, None], axis=1))
        return loss, jnp.sum(jnp.argmax(logits, axis=1) == classes)

    def step(state, inputs, classes):
        params, first, second, t = state
        (loss, hits), grads = jax.value_and_grad(loss_of, has_aux=True)(params, inputs, classes)
        t = t + 1
        first = jax.tree_util.tree_map(lambda m, g: BETA1 * m + (1 - BETA1) * g, first, grads)
        second = jax.tree_util.tree_map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, second, grads)
        correction1, correction2 = 1 - BETA1 ** t, 1 - BETA2 ** t
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - learning_rate * (m / correction1) / (jnp.sqrt(v / correction2) + EPSILON),
            params, first, second)
        return (params, first, second, t), (loss, hits)

    return step


def _initial_state(widths, dtype):
    jax = _jax()
    params = _network(widths, dtype)
    zeros = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    return jax.device_put((params, zeros, [(w.copy(), b.copy()) for w, b in zeros], np.asarray(0, dtype=dtype)))


def training_step(X, classes, widths, learning_rate, dtype):
    """"jax": one jitted step on the whole (X, classes), called once per timed call."""
    jax = _jax()
    step = jax.jit(_train_step_function(learning_rate), donate_argnums=0)
    holder = {"state": _initial_state(widths, dtype)}
    inputs, targets = jax.device_put(X), jax.device_put(classes)

    def call():
        holder["state"], result = step(holder["state"], inputs, targets)
        return jax.block_until_ready(result)
    return call


def epochs_of_full_batch(X, classes, widths, learning_rate, dtype, epochs):
    """"jax-scan": `epochs` full-batch steps scanned in one compiled call, the loss and hits of each
    kept, as `Model.fit` keeps them ("jax" calls `training_step` once per epoch)."""
    jax = _jax()
    step_function = _train_step_function(learning_rate)
    inputs, targets = jax.device_put(X), jax.device_put(classes)
    holder = {"state": _initial_state(widths, dtype)}

    @jax.jit
    def scanned(state):
        return jax.lax.scan(lambda carry, _: step_function(carry, inputs, targets), state, None, length=epochs)

    def call():
        holder["state"], history = scanned(holder["state"])
        return jax.block_until_ready(history)
    return call


def minibatch_epoch(contender, X, classes, widths, learning_rate, dtype, batch_size, seed=0):
    """One epoch in shuffled mini-batches of batch_size (which must divide the samples: a scan steps
    through batches of one shape): "jax" gathers each batch and calls the jitted step from Python,
    "jax-scan" runs the shuffle, the gathers and every step in one compiled call."""
    jax = _jax()
    n_samples = len(X)
    if n_samples % batch_size:
        raise ValueError(f"the JAX peer's epoch needs batches of one size; got {n_samples} samples in batches "
                         f"of {batch_size}")
    step_function = _train_step_function(learning_rate)
    inputs, targets = jax.device_put(X), jax.device_put(classes)
    holder = {"state": _initial_state(widths, dtype), "key": jax.random.PRNGKey(seed)}
    if contender == "jax":
        step = jax.jit(step_function, donate_argnums=0)
        rng = np.random.default_rng(seed)

        def epoch():
            order = rng.permutation(n_samples)
            for start in range(0, n_samples, batch_size):
                rows = order[start:start + batch_size]
                holder["state"], result = step(holder["state"], inputs[rows], targets[rows])
            return jax.block_until_ready(result)
        return epoch

    @jax.jit
    def scanned(state, key):
        batches = jax.random.permutation(key, n_samples).reshape(-1, batch_size)
        return jax.lax.scan(lambda carry, rows: step_function(carry, inputs[rows], targets[rows]), state, batches)

    def epoch():
        holder["key"], key = jax.random.split(holder["key"])
        holder["state"], history = scanned(holder["state"], key)
        return jax.block_until_ready(history)
    return epoch
