"""A plug-in's own arrays (array_api_strict, from examples/arrayapi_backend) in the places built for
ndarrays: the validation fast path of TypedArrays, and Model's one flat parameter buffer."""

import sys
from pathlib import Path

import numpy as np
import pytest

from backends import Backend, Dense, Dropout, Model, ReLU, Sigmoid, Softmax, data
from backends import validation as check
from backends.optim import SGD, Adam
from backends.registry import registered

xp = pytest.importorskip("array_api_strict")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "arrayapi_backend"


@pytest.fixture(scope="module")
def strict():
    """The example plug-in's backend, from the clone's examples folder (installed or not)."""
    sys.path.insert(0, str(EXAMPLE))
    try:
        import nn_arrayapi
        backend = nn_arrayapi.strict_backend()
    finally:
        sys.path.remove(str(EXAMPLE))
    backend.name = "arrayapi_strict_test"
    backend.arrays.backend = backend.name
    with registered(backend):
        yield backend


def test_the_fast_path_accepts_good_arrays_and_leaves_every_bad_one_to_the_full_checks(strict):
    kind = strict.arrays
    x, w, b = strict.asarray(np.ones((4, 3))), strict.asarray(np.ones((2, 3))), strict.asarray(np.ones(2))
    assert kind.flagless and kind.all_valid(x, w, b)
    assert check.Signature(inputs="sample input", weights="neuron input", biases="neuron").accepts(kind, x, w, b)
    float32 = strict.asarray(np.ones(2), dtype="float32")
    for bad in (float32, np.ones(2), [1.0, 2.0], xp.asarray([1, 2]), xp.ones((0,), dtype=xp.float64)):
        assert not kind.all_valid(x, w, bad)
    assert not kind.all_valid(xp.asarray([1, 2]))  # an integer array first
    with pytest.raises(TypeError, match="dense_forward: arrays must share one dtype; got inputs.dtype=float64, "
                                        "weights.dtype=float64, biases.dtype=float32"):
        strict.dense_forward(x, w, float32)
    param, grad, velocity = (strict.asarray(np.ones((2, 2))) for _ in range(3))
    param, velocity = strict.sgd_update(param, grad, 0.5, 0.0, velocity)  # no .flags asked of them
    assert strict.tolist(param) == [[0.5, 0.5], [0.5, 0.5]]


def test_a_model_on_plugin_arrays_keeps_one_flat_parameter_buffer_and_trains_as_numpy_does(strict, tmp_path):
    X, y = data.spiral(samples=20, classes=3, seed=0)

    def model(backend):
        return Model([Dense(2, 16), ReLU(), Dense(16, 3), Softmax()], optimizer=Adam(0.05), backend=backend)

    plugin, reference = model(strict.name), model("numpy")
    assert isinstance(plugin.parameter_buffer, type(xp.asarray(0.0))) and strict.shape(plugin.parameter_buffer) == (99,)
    curve = plugin.fit(X, y, epochs=20, verbose=False)["loss"]
    np.testing.assert_allclose(curve, reference.fit(X, y, epochs=20, verbose=False)["loss"], rtol=1e-12)
    assert len(plugin.optimizer.state) == 1  # one update call per step, on the whole buffer
    weights = np.asarray(strict.tolist(plugin.layers[0].weights))
    np.testing.assert_array_equal(np.asarray(strict.tolist(plugin.parameter_buffer))[:weights.size], weights.ravel())
    # a loaded model writes the saved values into its buffer's views, and they go on training
    plugin.save(tmp_path / "m.npz")
    loaded, again = Model.load(tmp_path / "m.npz", backend=strict.name), Model.load(tmp_path / "m.npz", backend="numpy")
    np.testing.assert_allclose(loaded.fit(X, y, epochs=5, verbose=False)["loss"],
                               again.fit(X, y, epochs=5, verbose=False)["loss"], rtol=1e-12)


def test_arrays_whose_slices_are_copies_get_one_array_per_parameter(strict, monkeypatch):
    from backends.nn import model as model_module
    monkeypatch.setattr(model_module, "_view", lambda flat, offset, size, shape: None)
    plugin = Model([Dense(2, 4), ReLU(), Dense(4, 3), Softmax()], backend=strict.name)
    assert plugin.parameter_buffer is None
    X, y = data.spiral(samples=5, classes=3, seed=0)
    assert len(plugin.fit(X, y, epochs=2, verbose=False)["loss"]) == 2


@pytest.fixture
def copies_on_slicing(strict, monkeypatch):
    """The strict plug-in as an array library whose slices are copies (JAX's), with the example's
    whole step as its hook (uncompiled: array_api_strict has no compiler)."""
    from backends.nn import model as model_module
    from nn_arrayapi.kernels import ArrayApiKernels
    from nn_arrayapi.whole_step import whole_step

    class WholeStepKernels(ArrayApiKernels):
        def compiled_training_step(self, plan):
            return whole_step(plan, self.xp)

    monkeypatch.setattr(model_module, "_view", lambda flat, offset, size, shape: None)
    backend = Backend.from_kernels("arrayapi_whole_step_test", WholeStepKernels(xp), strict.arrays,
                                   ("float64", "float32"))
    backend.arrays.backend = backend.name
    with registered(backend):
        yield backend


@pytest.mark.parametrize("optimizer", [lambda: SGD(0.5, momentum=0.9), lambda: Adam(0.05, decay=1e-3)],
                         ids=["sgd", "adam"])
def test_a_step_on_arrays_whose_slices_are_copies_gets_a_list_and_returns_new_arrays(copies_on_slicing, optimizer):
    """The hook is asked with a plan whose parameters come as a list; the step returns new arrays,
    which Model keeps (parameters and optimizer state), and trains as the layers do."""
    X, y = data.spiral(samples=20, classes=3, seed=0)
    layers = lambda: [Dense(2, 16), ReLU(), Dropout(0.2), Dense(16, 3, weight_l2=1e-3), Softmax()]  # noqa: E731
    compiled, reference = (Model(layers(), optimizer=optimizer(), backend=copies_on_slicing.name,
                                 compile_step=compile_step) for compile_step in (True, False))
    assert compiled.parameter_buffer is None and not compiled.plan.flat and compiled.compiled_step is not None
    assert [layer.weights_at for layer in compiled.plan.layers if layer.kind == "dense"] == [0, 2]
    before = compiled.parameters()
    for batch_size in (None, 8):
        np.testing.assert_allclose(compiled.fit(X, y, epochs=5, batch_size=batch_size, verbose=False)["loss"],
                                   reference.fit(X, y, epochs=5, batch_size=batch_size, verbose=False)["loss"],
                                   rtol=1e-12)
    assert all(new is not old for new, old in zip(compiled.parameters(), before))
    for new, old in zip(compiled.parameters(), reference.parameters()):
        np.testing.assert_allclose(np.from_dlpack(new), np.from_dlpack(old), rtol=1e-12)
    for kept, expected in zip(compiled.optimizer.state, reference.optimizer.state):
        for name in expected:
            np.testing.assert_allclose(np.from_dlpack(kept[name]), np.from_dlpack(expected[name]), rtol=1e-12)


def test_a_step_that_returns_the_wrong_arrays_is_told_what_to_return(copies_on_slicing):
    model = Model([Dense(2, 4), Sigmoid(), Dense(4, 3), Softmax()], backend=copies_on_slicing.name)
    step = model.compiled_step.step
    model.compiled_step.step = lambda *args: step(*args)[:2] + ([[]],)
    X, y = data.spiral(samples=5, classes=3, seed=0)
    with pytest.raises(TypeError, match=r"compiled_training_step: a step that returns new arrays returns them as it "
                                        r"was handed them \(3 entries: the parameters, then each optimizer state\); "
                                        r"got a list of 1"):
        model.fit(X, y, epochs=1, verbose=False)
