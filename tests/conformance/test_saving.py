"""Save and load: one .npz, no pickle, atomic writes, clear errors for bad files, and a model saved
from one backend loads on any other and predicts the same."""

import io
import json
import zipfile

import numpy as np
import pytest

from backends import Dense, Dropout, Model, ModelFileError, ReLU, Softmax, data
from backends.optim import RMSprop
from backends.registry import builtin_backends

X, Y = data.spiral(samples=15, classes=3, seed=0)


def trained(backend_name):
    model = Model([Dense(2, 8, weight_l2=1e-4), ReLU(), Dropout(0.1), Dense(8, 3), Softmax()],
                  optimizer=RMSprop(0.01, decay=1e-4), backend=backend_name, seed=3)
    model.fit(X, Y, epochs=5, verbose=False)
    return model


@pytest.mark.parametrize("target", builtin_backends())  # the backend under test saves, each built-in loads
def test_saved_on_one_backend_loads_and_predicts_the_same_on_any(backend, target, tmp_path):
    model = trained(backend.name)
    path = tmp_path / "spiral.npz"
    model.save(path)
    loaded = Model.load(path, backend=target)
    assert loaded.backend.name == target
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-12, atol=1e-15)
    assert loaded.summary().splitlines()[1:] == model.summary().splitlines()[1:]
    assert repr(loaded.optimizer) == repr(model.optimizer)


def test_the_file_needs_no_pickle(tmp_path):
    path = tmp_path / "model.npz"
    trained("numpy").save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
        architecture = json.loads(str(archive["architecture"]))
    assert [layer["type"] for layer in architecture["layers"]] == ["Dense", "ReLU", "Dropout", "Dense", "Softmax"]


def test_a_failed_save_leaves_the_old_file_and_no_litter(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    model = trained("numpy")
    model.save(path)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"half a file")
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_saving_into_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(ModelFileError) as raised:
        trained("numpy").save(tmp_path / "nowhere" / "model.npz")
    assert str(raised.value) == f"save: the folder does not exist; got path={str(tmp_path / 'nowhere' / 'model.npz')!r}"


def write_npz(path, **arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def good_file(tmp_path):
    path = tmp_path / "good.npz"
    trained("numpy").save(path)
    return path


def contents(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


BAD_FILES = {
    "missing": (lambda tmp, good: tmp / "absent.npz", "no such model file"),
    "not a zip": (lambda tmp, good: (tmp / "text.npz").write_text("hello") and tmp / "text.npz",
                  "not a readable .npz archive (corrupt or truncated"),
    "truncated": (lambda tmp, good: (tmp / "cut.npz").write_bytes(good.read_bytes()[:300]) and tmp / "cut.npz",
                  "not a readable .npz archive (corrupt or truncated"),
    "foreign npz": (lambda tmp, good: write_npz(tmp / "foreign.npz", weights=np.ones(3)) or tmp / "foreign.npz",
                    "not an nn-backends model file (no 'nn-backends-model' marker)"),
    "needs pickle": (lambda tmp, good: write_npz(tmp / "pickle.npz", format=np.array([{"a": 1}], dtype=object))
                     or tmp / "pickle.npz", "the file holds data that would need pickle to load, which is refused"),
    "corrupt architecture": (
        lambda tmp, good: write_npz(tmp / "arch.npz", **(contents(good) | {"architecture": np.array("{not json")}))
        or tmp / "arch.npz", "the architecture record is missing or corrupt"),
    "unknown layer": (
        lambda tmp, good: write_npz(tmp / "layer.npz", **(contents(good) | {"architecture": np.array(json.dumps(
            json.loads(str(contents(good)["architecture"])) | {"layers": [{"type": "Conv2D"}]}))}))
        or tmp / "layer.npz", "the architecture record does not describe a model this version can build"),
    "a parameter of the wrong shape": (
        lambda tmp, good: write_npz(tmp / "shape.npz", **(contents(good) | {"param_0": np.ones((3, 2))}))
        or tmp / "shape.npz", "parameter 0 has shape (3, 2) but the architecture needs (8, 2)"),
    "a missing parameter": (
        lambda tmp, good: write_npz(tmp / "few.npz", **{k: v for k, v in contents(good).items() if k != "param_3"})
        or tmp / "few.npz", "the file holds 3 parameter arrays but its architecture needs 4"),
    "a NaN parameter": (
        lambda tmp, good: write_npz(tmp / "nan.npz", **(contents(good) | {"param_1": np.full(8, np.nan)}))
        or tmp / "nan.npz", "parameter 1 is not a finite float array (dtype float64)"),
    "a newer version": (
        lambda tmp, good: write_npz(tmp / "v2.npz", **(contents(good) | {"version": np.array(2)})) or tmp / "v2.npz",
        "model file version 2 is not supported (this is version 1)"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_model_files_get_a_clear_error(tmp_path, case):
    make, problem = BAD_FILES[case]
    path = make(tmp_path, good_file(tmp_path))
    with pytest.raises(ModelFileError) as raised:
        Model.load(path)
    message = str(raised.value)
    assert message.startswith(f"load: {problem}")
    assert message.endswith(f"; got path={str(path)!r}")
    assert isinstance(raised.value, ValueError)


def test_a_zip_that_is_not_npz_is_refused(tmp_path):
    path = tmp_path / "archive.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not arrays")
    with pytest.raises(ModelFileError, match="not an nn-backends model file"):
        Model.load(path)


def test_float32_models_save_and_load_as_float32(backend, dtype, tmp_path):
    model = Model([Dense(2, 8), ReLU(), Dense(8, 3), Softmax()], backend=backend.name, dtype=dtype, seed=1)
    model.fit(X, Y, epochs=3, verbose=False)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert archive["param_0"].dtype == np.dtype(dtype)
    loaded = Model.load(tmp_path / "m.npz", backend=backend.name)
    assert loaded.dtype == dtype
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
