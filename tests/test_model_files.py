"""Model files from anywhere: every field of the record is checked, nothing is allocated beyond the
file's own arrays, bytes and JSON mutated at random give the same model or ModelFileError, saves get
the umask's permissions, and a save killed at any moment leaves a file that loads (old or new) and no
temporary files that pile up."""

import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backends import Dense, Dropout, Model, ModelFileError, ReLU, Softmax, data
from backends.optim import Adam

X, Y = data.spiral(samples=10, classes=3, seed=0)
ROOT = Path(__file__).resolve().parents[1]


def small_model(seed=0):
    return Model([Dense(2, 4), ReLU(), Dropout(0.1), Dense(4, 3, weight_l2=1e-4), Softmax()],
                 optimizer=Adam(0.01), backend="numpy", seed=seed)


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "good.npz"
    small_model().save(path)
    return path.read_bytes()


def members(raw: bytes) -> dict:
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def npz(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def with_record(raw: bytes, change) -> bytes:
    arrays = members(raw)
    record = json.loads(str(arrays["architecture"]))
    change(record)
    return npz(arrays | {"architecture": np.array(json.dumps(record))})


def load_bytes(tmp_path, raw: bytes, name="m.npz"):
    path = tmp_path / name
    path.write_bytes(raw)
    return Model.load(path)


def refused(tmp_path, raw: bytes) -> str:
    with pytest.raises(ModelFileError) as raised:
        load_bytes(tmp_path, raw)
    return str(raised.value)


def set_in(*keys_and_value):
    *keys, value = keys_and_value

    def change(record):
        target = record
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


def delete(*keys):
    def change(record):
        target = record
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]
    return change


BUILD = "the architecture record does not describe a model this version can build: "
BAD_RECORDS = {
    "a string width": (set_in("layers", 0, "n_neurons", "4"), "layers[0].n_neurons must be an integer in [1, "),
    "a zero width": (set_in("layers", 0, "n_inputs", 0), "layers[0].n_inputs must be an integer in [1, "),
    "a negative width": (set_in("layers", 3, "n_neurons", -3), "layers[3].n_neurons must be an integer in [1, "),
    "a boolean width": (set_in("layers", 0, "n_inputs", True), "layers[0].n_inputs must be an integer in [1, "),
    "a float width": (set_in("layers", 0, "n_inputs", 2.0), "layers[0].n_inputs must be an integer in [1, "),
    "an unknown layer": (set_in("layers", 1, "type", "Conv2D"), "layers[1].type must be one of 'Dense', "),
    "an unknown init": (set_in("layers", 0, "init", "zeros"), "layers[0].init must be one of 'small', 'he', "),
    "a bias that is a string": (set_in("layers", 0, "bias", "yes"), "layers[0].bias must be true or false"),
    "an extra layer key": (set_in("layers", 0, "activation", "relu"), "layers[0] has unknown keys ['activation']"),
    "a missing layer key": (delete("layers", 0, "n_inputs"), "layers[0] lacks the keys ['n_inputs']"),
    "a layer that is a list": (set_in("layers", 0, [1, 2]), "layers[0] must be an object; got list"),
    "a dropout rate as text": (set_in("layers", 2, "rate", "0.1"), "layers[2].rate must be a finite number"),
    "a dropout rate of 1": (set_in("layers", 2, "rate", 1.0), "layers[2]: Dropout: rate must lie in [0, 1)"),
    "an unknown loss": (set_in("loss", "hinge"), "loss must be one of 'categorical_cross_entropy', "),
    "a loss that is a number": (set_in("loss", 3), "loss must be one of "),
    "an unknown optimizer": (set_in("optimizer", "type", "Lion"), "optimizer.type must be one of 'SGD', "),
    "an optimizer key too many": (set_in("optimizer", "nesterov", True), "optimizer has unknown keys ['nesterov']"),
    "an optimizer key missing": (delete("optimizer", "beta2"), "optimizer lacks the keys ['beta2']"),
    "a learning rate as text": (set_in("optimizer", "learning_rate", "fast"), "optimizer.learning_rate must be a "),
    "an integer too large for a float": (set_in("optimizer", "decay", 10**400), "optimizer.decay must be a finite"),
    "a negative learning rate": (set_in("optimizer", "learning_rate", -1), "optimizer.learning_rate must be a "),
    "a beta of 1": (set_in("optimizer", "beta1", 1.0), "(InvalidInputError('Adam: beta1 must lie in [0, 1)"),
    "an unknown dtype": (set_in("dtype", "float16"), "dtype must be one of 'float64', 'float32'; got 'float16'"),
    "a negative seed": (set_in("seed", -1), "seed must be an integer in [0, 18446744073709551615]; got -1"),
    "a seed as text": (set_in("seed", "0"), "seed must be an integer in [0, "),
    "a tolerance as text": (set_in("accuracy_tolerance", "0.1"), "accuracy_tolerance must be a finite number"),
    "an extra top-level key": (set_in("pickle", "yes"), "the record has unknown keys ['pickle']"),
    "a missing top-level key": (delete("loss"), "the record lacks the keys ['loss']"),
    "no layers": (set_in("layers", []), "layers must be a list of 1 to 1000 layers; got 0 layers"),
    "layers as an object": (set_in("layers", {}), "layers must be a list of 1 to 1000 layers; got dict"),
    "a huge layer count": (set_in("layers", [{"type": "ReLU"}] * 100_000),
                           "layers must be a list of 1 to 1000 layers; got 100000 layers"),
    "a record that is a list": (lambda record: (record.clear(), record.update({"_": 0})) and None,
                                "the record has missing keys ['layers',"),
}


@pytest.mark.parametrize("case", BAD_RECORDS)
def test_every_field_of_the_record_is_checked(tmp_path, good_bytes, case):
    change, detail = BAD_RECORDS[case]
    message = refused(tmp_path, with_record(good_bytes, change))
    assert message.startswith(f"load: {BUILD.rstrip(': ')}"), message
    assert detail in message, message


def test_a_layer_argument_with_a_default_may_be_left_out_of_the_record(tmp_path, good_bytes):
    # the record's keys are the constructor's arguments: one without a default is required, as in Python
    model = load_bytes(tmp_path, with_record(good_bytes, delete("layers", 0, "init")))
    assert model.layers[0].init == "small"


def test_a_record_that_is_not_an_object_or_is_nested_too_deep(tmp_path, good_bytes):
    arrays = members(good_bytes)
    for text, problem in (("[1, 2]", BUILD + "the record must be an object; got list"),
                          ("[" * 100_000 + "]" * 100_000, "the architecture record is missing or corrupt"),
                          ("1" * 5000, "the architecture record is missing or corrupt")):
        message = refused(tmp_path, npz(arrays | {"architecture": np.array(text)}))
        assert message.startswith(f"load: {problem}"), message


def refused_with_peak_memory(tmp_path, raw: bytes) -> tuple[str, int]:
    tracemalloc.start()
    try:
        return refused(tmp_path, raw), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_tiny_file_declaring_a_huge_layer_allocates_nothing(tmp_path, good_bytes):
    def huge(record):
        record["layers"][0]["n_neurons"] = record["layers"][3]["n_inputs"] = 100_000
        record["layers"][0]["n_inputs"] = 100_000
    raw = with_record(good_bytes, huge)
    assert len(raw) < 5000
    message, peak = refused_with_peak_memory(tmp_path, raw)
    assert "parameter 0 has shape (4, 2) but the architecture needs (100000, 100000)" in message
    assert peak < 2_000_000


def test_an_array_header_declaring_more_than_its_member_holds_is_refused(tmp_path, good_bytes):
    arrays = members(good_bytes)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (20000, 20000)})
    buffer = io.BytesIO(npz({k: v for k, v in arrays.items() if k != "param_0"}))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("param_0.npy", header.getvalue() + np.zeros(8).tobytes())
    raw = buffer.getvalue()
    message, peak = refused_with_peak_memory(tmp_path, raw)
    assert "member 'param_0.npy' declares an array of 3200000000 bytes but holds 64" in message
    assert peak < 2_000_000


def test_a_compressed_member_out_of_proportion_is_refused_before_reading(tmp_path, good_bytes):
    buffer = io.BytesIO(good_bytes)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("param_9.npy", b"\0" * 50_000_000)  # 50 MB of zeros deflate to about 50 kB
    message = refused(tmp_path, buffer.getvalue())
    assert "member 'param_9.npy' declares 50000000 bytes compressed into " in message
    assert "out of proportion; refused before reading" in message


def same_model(model, reference):
    return (model.summary() == reference.summary() and repr(model.optimizer) == repr(reference.optimizer)
            and np.array_equal(model.predict(X), reference.predict(X)))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_bytes_give_the_same_model_or_a_model_file_error(tmp_path, good_bytes, changes):
    raw = bytearray(good_bytes)
    for where, value in changes:
        raw[int(where * len(raw))] = value
    reference = Model.load(tmp_path / "reference.npz") if (tmp_path / "reference.npz").exists() else None
    if reference is None:
        (tmp_path / "reference.npz").write_bytes(good_bytes)
        reference = Model.load(tmp_path / "reference.npz")
    try:
        model = load_bytes(tmp_path, bytes(raw))
    except ModelFileError:
        return
    assert same_model(model, reference)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                        max_size=3), max_leaves=8)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_json_gives_a_model_or_a_model_file_error(tmp_path, good_bytes, data):
    record = json.loads(str(members(good_bytes)["architecture"]))
    target, key = record, None
    while True:  # walk down to a random place in the record
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        key = data.draw(st.sampled_from(keys))
        if not isinstance(target[key], (dict, list)) or not target[key] or data.draw(st.booleans()):
            break
        target = target[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        target[key] = data.draw(JSON_VALUES)
    elif action == "delete":
        del target[key]
    elif isinstance(target, dict):
        target[data.draw(st.text(max_size=8))] = data.draw(JSON_VALUES)
    else:
        target.append(data.draw(JSON_VALUES))
    raw = npz(members(good_bytes) | {"architecture": np.array(json.dumps(record))})
    try:
        model = load_bytes(tmp_path, raw)
    except ModelFileError:
        return
    assert isinstance(model, Model)


def test_a_saved_file_gets_the_permissions_of_the_umask(tmp_path):
    model = small_model()
    for umask in (0o022, 0o077, 0o002):
        previous = os.umask(umask)
        try:
            model.save(tmp_path / f"m{umask:o}.npz")
        finally:
            os.umask(previous)
        assert (tmp_path / f"m{umask:o}.npz").stat().st_mode & 0o777 == 0o666 & ~umask


def test_temporaries_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "m.npz"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f".m.npz.{int(dead.stdout)}.0123abcd.tmp"
    alive = tmp_path / f".m.npz.{os.getppid()}.0123abcd.tmp"  # a save still under way in a running process
    other = tmp_path / f".other.npz.{int(dead.stdout)}.0123abcd.tmp"
    for litter in (orphan, alive, other):
        litter.write_bytes(b"half a file")
    small_model().save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.npz", alive.name, other.name])


KILLED_SAVER = textwrap.dedent("""
    import sys
    from backends import Dense, Model, ReLU, Softmax
    models = [Model([Dense(200, 300), ReLU(), Dense(300, 3), Softmax()], backend="numpy", seed=seed) for seed in (1, 2)]
    print("ready", flush=True)
    while True:
        for model in models:
            model.save(sys.argv[1])
""")


def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_model(tmp_path):
    path = tmp_path / "m.npz"
    candidates = [Model([Dense(200, 300), ReLU(), Dense(300, 3), Softmax()], backend="numpy", seed=seed)
                  for seed in (1, 2)]
    candidates[0].save(path)
    inputs = np.random.default_rng(0).standard_normal((5, 200))
    expected = [model.predict(inputs) for model in candidates]
    moments = random.Random(11)
    environment = os.environ | {"PYTHONPATH": str(ROOT)}
    killed_mid_save = 0
    for _ in range(20):
        saver = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, str(path)], stdout=subprocess.PIPE,
                                 env=environment)
        assert saver.stdout.readline() == b"ready\n"
        try:
            saver.wait(timeout=moments.uniform(0.0, 0.15))
        except subprocess.TimeoutExpired:
            pass
        saver.send_signal(signal.SIGKILL)
        saver.wait()
        saver.stdout.close()
        outputs = Model.load(path).predict(inputs)
        assert any(np.array_equal(outputs, one) for one in expected)
        killed_mid_save += any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    assert killed_mid_save >= 1  # the kills did land inside saves
    litter = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(litter) <= 1  # at most the last killed save's, which the next save removes
    candidates[1].save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
