"""The training plan is the one seam between training (`backends.nn`) and a backend's compiled step.

`numba_kernels` imports nothing of `backends.nn`, nor the numba backend module above it (each module,
imported alone in a fresh process, leaves both unimported: what the backend and the compiled step
share lives in `numba_kernels`), and uses no private name of another module of the project; the plan
is plain data that describes the model fully; and a backend's hook is handed the plan, never the
`Model` or a layer. (That the compiled step still retraces the layer path at 1e-9 is held by
test_model.py and test_divergence.py.)
"""

from __future__ import annotations

import ast
import dataclasses
import pickle
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import backends
from backends import Backend, Dense, Dropout, Model, NdArrays, ReLU, Sigmoid, Softmax, Step, Tanh
from backends import numpy_backend
from backends.nn import plan as plan_module
from backends.nn.plan import LayerPlan, TrainingPlan, training_plan
from backends.optim import OPTIMIZERS, SGD, Adam, RMSprop

ROOT = Path(backends.__file__).resolve().parent
KERNELS = ROOT / "numba_kernels"


def kernel_modules() -> list[str]:
    """Every module of backends.numba_kernels, the generated micro-kernels included."""
    names = ["backends.numba_kernels"]
    for info in pkgutil.walk_packages([str(KERNELS)], prefix="backends.numba_kernels."):
        names.append(info.name)
    return sorted(names)


def test_the_walk_finds_the_training_step_and_the_microkernels():
    names = kernel_modules()
    assert {"backends.numba_kernels.training_step", "backends.numba_kernels.step_layers",
            "backends.numba_kernels.microkernels"} <= set(names)
    assert sum(name.startswith("backends.numba_kernels.microkernels.") for name in names) >= 1


# `backends/__init__.py` re-exports `Model`, so importing any submodule the ordinary way runs it and
# imports backends.nn first. The child stands in an empty `backends` package (same folder, no
# __init__ run), so what ends up in sys.modules is what the module itself and its imports pull in.
ALONE = """
import importlib, sys, types
package = types.ModuleType("backends")
package.__path__ = [{root!r}]
sys.modules["backends"] = package
importlib.import_module({name!r})
print(sorted(m for m in sys.modules if m in ("backends.nn", "backends.numba_backend") or m.startswith("backends.nn.")))
"""


@pytest.mark.parametrize("name", kernel_modules())
def test_each_kernel_module_imported_alone_leaves_nn_and_the_numba_backend_unimported(name):
    done = subprocess.run([sys.executable, "-c", ALONE.format(root=str(ROOT), name=name)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"importing {name} alone imported {done.stdout.strip()}"


def seam_violations(source: str, module: str) -> list[str]:
    """What breaks the seam in one module's source: an import of backends.nn or of the numba backend
    module above the kernels (absolute, or relative from inside backends), or a private name (one underscore first, not a dunder) taken from another
    module of the project, by `from ... import _name` or as `module._name`."""
    package = module.rsplit(".", 1)[0]
    tree = ast.parse(source)
    found, project_names = [], set()

    def absolute(node: ast.ImportFrom) -> str:
        if node.level == 0:
            return node.module or ""
        base = package.split(".")[:len(package.split(".")) - node.level + 1]
        return ".".join(base + ([node.module] if node.module else []))

    def above(name: str) -> bool:
        return any(name == top or name.startswith(top + ".") for top in ("backends.nn", "backends.numba_backend"))

    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if above(alias.name):
                    found.append(f"imports {alias.name}")
                if alias.name.split(".")[0] == "backends":
                    project_names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            source_module = absolute(node)
            if source_module.split(".")[0] != "backends":
                continue
            for alias in node.names:
                imported = f"{source_module}.{alias.name}"
                for target in (source_module, imported):
                    if above(target):
                        found.append(f"imports {target}")
                        break
                if private(alias.name):
                    found.append(f"imports the private name {imported}")
                project_names.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in project_names
                and private(node.attr)):
            found.append(f"uses {node.value.id}.{node.attr}")
    return sorted(set(found))


def test_the_seam_check_finds_what_it_looks_for():
    """The check below can fail: each way of crossing the seam is caught, and the allowed ones are not."""
    module = "backends.numba_kernels.example"
    assert seam_violations("from ..nn.layers import Dense", module) == ["imports backends.nn.layers"]
    assert seam_violations("from .. import nn", module) == ["imports backends.nn"]
    assert seam_violations("import backends.nn.model as m", module) == ["imports backends.nn.model"]
    assert seam_violations("from .. import numba_backend as nb\nnb._softmax_row(z, out, 0)", module) == [
        "imports backends.numba_backend", "uses nb._softmax_row"]
    assert seam_violations("from ..numba_backend import _sigmoid_of", module) == [
        "imports backends.numba_backend", "imports the private name backends.numba_backend._sigmoid_of"]
    assert seam_violations("from .. import numba_backend as nb\nkernel = nb.sgd_update.kernel", module) == [
        "imports backends.numba_backend"]
    assert seam_violations("import backends.numba_backend", module) == ["imports backends.numba_backend"]
    allowed = ("from .training_loops import sgd_update\n"
               "from . import gemm\nname = gemm.__name__\nimport numpy as np\nx = np._NoValue\n_own = 1\n")
    assert seam_violations(allowed, module) == []


@pytest.mark.parametrize("path", sorted(KERNELS.rglob("*.py")), ids=lambda p: str(p.relative_to(KERNELS)))
def test_no_kernel_module_imports_nn_or_another_modules_private_names(path):
    module = "backends.numba_kernels." + ".".join(path.relative_to(KERNELS).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    if path.name == "__init__.py":
        module += ".__init__"  # relative imports in a package's __init__ start from the package itself
    assert seam_violations(path.read_text(encoding="utf-8"), module) == []


# ---------------------------------------------------------------- the plan is plain data
def a_model(backend="numpy", **options):
    """Every kind of thing a plan holds: a Dropout on the inputs and one after an activation, a Dense
    layer without biases, penalties, and an optimizer with hyperparameters of its own."""
    layers = [Dropout(0.1), Dense(2, 8, weight_l1=1e-3, bias_l2=2e-3), Tanh(), Dropout(0.25),
              Dense(8, 4, bias=False, weight_l2=5e-4), ReLU(), Dense(4, 3), Softmax()]
    return Model(layers, optimizer=SGD(0.2, decay=1e-3, momentum=0.9), backend=backend, seed=7, **options)


ALLOWED = (str, int, float, bool, np.ndarray)


def leaves(value, where="plan"):
    """(where, value) for every value the plan holds, through its dataclasses and tuples."""
    if dataclasses.is_dataclass(value):
        assert type(value).__module__ == plan_module.__name__, where
        for field in dataclasses.fields(value):
            yield from leaves(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from leaves(item, f"{where}[{i}]")
    else:
        yield where, value


def test_a_plan_holds_only_plain_values_is_frozen_and_survives_pickling():
    plan = a_model().plan
    assert isinstance(plan, TrainingPlan)
    for where, value in leaves(plan):
        assert isinstance(value, ALLOWED), f"{where} is a {type(value).__name__}"
    assert pickle.loads(pickle.dumps(plan)) == plan
    assert hash(plan) == hash(pickle.loads(pickle.dumps(plan)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.loss = "mean_squared_error"
    assert a_model().plan == plan  # the same model, the same plan
    assert a_model(dtype="float32").plan != plan


def test_a_plan_describes_the_model_it_was_made_from():
    model = a_model()
    plan = model.plan
    assert plan.dtype == "float64"
    assert [layer.kind for layer in plan.layers] == ["dropout", "dense", "tanh", "dropout", "dense", "relu",
                                                     "dense", "softmax"]
    assert [(layer.n_inputs, layer.n_neurons) for layer in plan.layers] == [
        (2, 2), (2, 8), (8, 8), (8, 8), (8, 4), (4, 4), (4, 3), (3, 3)]
    assert [layer.rate for layer in plan.layers if layer.kind == "dropout"] == [0.1, 0.25]
    dense = [layer for layer in plan.layers if layer.kind == "dense"]
    assert [(d.weight_l1, d.weight_l2, d.bias_l1, d.bias_l2) for d in dense] == [
        (1e-3, 0.0, 0.0, 2e-3), (0.0, 5e-4, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)]
    # where each parameter sits in the flat buffer: the layers' own arrays, read back through the plan
    flat = model.parameter_buffer
    model_dense = [layer for layer in model.layers if isinstance(layer, Dense)]
    for layer, described in zip(model_dense, dense, strict=True):
        size = described.n_inputs * described.n_neurons
        np.testing.assert_array_equal(
            flat[described.weights_at:described.weights_at + size].reshape(described.n_neurons, described.n_inputs),
            layer.weights)
        if layer.bias:
            np.testing.assert_array_equal(flat[described.biases_at:described.biases_at + described.n_neurons],
                                          layer.biases)
        else:
            assert described.biases_at == -1
    assert sum(slot.size for slot in model.parameter_slots) == flat.size == model.parameter_count
    # the loss, the optimizer and its schedule
    assert (plan.loss.name, plan.loss.fused_softmax_backward, plan.loss.takes_classes) == (
        "categorical_cross_entropy", True, True)
    optimizer = plan.optimizer
    rebuilt = OPTIMIZERS[optimizer.name](learning_rate=model.optimizer.learning_rate, decay=model.optimizer.decay,
                                         **dict(optimizer.hyperparameters))
    assert rebuilt.config() == model.optimizer.config()


def test_a_plan_holds_only_what_a_compiled_step_reads():
    # the seed, the schedule, sizes and the random state are Model's: the step is handed their effects
    plan = a_model().plan
    assert [field.name for field in dataclasses.fields(plan)] == ["dtype", "flat", "layers", "loss", "optimizer"]
    assert [field.name for field in dataclasses.fields(plan.optimizer)] == ["name", "hyperparameters"]


def model_from(plan, seed, learning_rate, decay, backend="numpy"):
    """A model built from a plan, and the seed and learning-rate schedule that are the model's own."""
    classes = {kind: cls for cls, kind in plan_module.LAYER_KINDS.items()}
    layers = []
    for layer in plan.layers:
        if layer.kind == "dense":
            penalties = {"weight_l1": layer.weight_l1, "weight_l2": layer.weight_l2}
            if layer.biases_at >= 0:
                penalties |= {"bias_l1": layer.bias_l1, "bias_l2": layer.bias_l2}
            layers.append(Dense(layer.n_inputs, layer.n_neurons, bias=layer.biases_at >= 0, **penalties))
        elif layer.kind == "dropout":
            layers.append(Dropout(layer.rate))
        else:
            layers.append(classes[layer.kind]())
    optimizer = OPTIMIZERS[plan.optimizer.name](learning_rate=learning_rate, decay=decay,
                                                **dict(plan.optimizer.hyperparameters))
    return Model(layers, loss=plan.loss.name, optimizer=optimizer, backend=backend, seed=seed, dtype=plan.dtype)


def test_a_model_rebuilt_from_its_plan_has_the_same_plan_and_trains_alike():
    model = a_model()
    rebuilt = model_from(model.plan, model.seed, model.optimizer.learning_rate, model.optimizer.decay)
    assert rebuilt.plan == model.plan
    np.testing.assert_array_equal(rebuilt.parameter_buffer, model.parameter_buffer)
    X, y = np.random.default_rng(1).normal(size=(20, 2)), np.arange(20) % 3
    assert (rebuilt.fit(X, y, epochs=3, batch_size=8, verbose=False)
            == model.fit(X, y, epochs=3, batch_size=8, verbose=False))


@pytest.mark.parametrize("loss, output", [("binary_cross_entropy", Sigmoid), ("mean_squared_error", Softmax)])
def test_a_plan_names_the_loss(loss, output):
    plan = Model([Dense(2, 3), output()], loss=loss, optimizer=RMSprop(), backend="numpy").plan
    assert (plan.loss.name, plan.loss.fused_softmax_backward, plan.loss.takes_classes) == (loss, False, False)
    assert plan.optimizer.hyperparameters == (("epsilon", 1e-7), ("rho", 0.9))


def test_a_model_of_a_class_the_plan_cannot_name_has_none():
    class Clipped(ReLU):
        pass

    class Nesterov(SGD):
        pass

    assert Model([Dense(2, 8), Clipped(), Dense(8, 3), Softmax()], backend="numpy").plan is None
    assert Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], optimizer=Nesterov(0.1), backend="numpy").plan is None
    # a Step layer is named: whether a compiled step can run it is the backend's to say
    plan = Model([Dense(2, 8), Step(), Dense(8, 3), Softmax()], backend="numpy").plan
    assert [layer.kind for layer in plan.layers] == ["dense", "step", "dense", "softmax"]


def test_the_layer_plan_names_every_layer_class():
    assert set(plan_module.LAYER_KINDS) == set(backends.nn.layers.LAYER_TYPES.values())
    assert LayerPlan("relu", 3, 3) == LayerPlan("relu", 3, 3)


@pytest.mark.parametrize("layers", [
    [Dense(2, 8), Step(), Dense(8, 3), Softmax()], [Tanh(), Dense(2, 3), Softmax()],
    [Dropout(0.2), Tanh(), Dense(2, 3), Softmax()], [Dropout(0.2), Dropout(0.2), Dense(2, 3), Softmax()],
    [Dense(2, 8), ReLU(), Tanh(), Dense(8, 3), Softmax()],
    [Dense(2, 8), ReLU(), Dropout(0.1), Dropout(0.1), Dense(8, 3), Softmax()]],
    ids=["step", "activation-first", "dropout-activation-first", "two-dropouts-first", "two-activations",
         "two-dropouts"])
def test_the_numba_step_leaves_the_layouts_it_cannot_run_to_the_layers(layers):
    """A Step layer, an activation before the first Dense layer, two activations or two Dropouts in a
    row: the numba hook answers None, and the model trains layer by layer."""
    assert Model(layers, backend="numba").compiled_step is None


# ---------------------------------------------------------------- the hook sees the plan only
def test_a_backends_hook_is_handed_the_plan_and_its_step_only_arrays():
    """A plug-in's compiled step that records what it is given: the plan when the model is built, and
    per step arrays and plain numbers, never the Model, a layer, a loss or an optimizer."""
    given = []

    def step(inputs, targets, arrays, masks, optimizer, learning_rate, step_number):
        given.append((inputs, targets, *arrays, masks, optimizer, learning_rate, step_number))
        return np.zeros((len(inputs), 3)), 0.0

    def compiled_training_step(plan):
        given.append(plan)
        return step

    kernels = types.ModuleType("spy")
    kernels.__dict__.update(vars(numpy_backend))
    kernels.compiled_training_step = compiled_training_step
    spy = Backend.from_kernels("spy", kernels, NdArrays("spy"), ("float64",))
    model = Model([Dense(2, 4), ReLU(), Dense(4, 3), Softmax()], optimizer=Adam(0.01, decay=0.5), backend=spy)
    assert model.compiled_step is not None and given == [model.plan]
    model.fit(np.ones((5, 2)), [0, 1, 2, 0, 1], epochs=2, verbose=False)
    assert model.optimizer.iterations == 2
    for call in given[1:]:
        for value in call:
            assert isinstance(value, (np.ndarray, float, int, plan_module.OptimizerPlan)), type(value)
    *_, learning_rate, step_number = given[2]
    assert (learning_rate, step_number) == (model.optimizer.learning_rate_after(1), 2)


# ---------------------------------------------------------------- the numba step's calls of full batches
@pytest.mark.parametrize("dropout", [False, True], ids=["plain", "dropout"])
def test_a_call_of_full_batches_takes_many_epochs_but_never_more_than_its_budgets(dropout):
    """fit hands the numba step many full-batch epochs per call; the outputs and masks it keeps for
    them stay within their budgets however small the data set (4 samples, 1 input)."""
    from backends.numba_kernels import training_step

    layers = [Dense(1, 8), ReLU()] + ([Dropout(0.5)] if dropout else []) + [Dense(8, 2), Softmax()]
    step = Model(layers, backend="numba", seed=0).compiled_step.step
    per_call = step.samples_per_call(4, 4)
    assert per_call == 4 * training_step.EPOCHS_PER_CALL
    assert step.samples_per_call(300_000, 300_000) == 300_000  # one epoch when a single one is over budget
    assert step.samples_per_call(2, 4) == (2 * (training_step.MASK_BUDGET // (2 * 8)) if dropout else 4)
