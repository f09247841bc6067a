"""Data sets: the nnfs definitions, seeded without global state, the shipped digits, the split, and
the IDX reader on small files the tests write."""

import gzip
import struct

import numpy as np
import pytest

from backends import InvalidInputError, data


def test_spiral_follows_the_nnfs_definition():
    X, y = data.spiral(samples=50, classes=3, seed=4)
    assert X.shape == (150, 2) and y.shape == (150,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    rng = np.random.RandomState(4)
    for label in range(3):
        arm = X[y == label]
        radius = np.linspace(0.0, 1.0, 50)
        np.testing.assert_allclose(np.hypot(arm[:, 0], arm[:, 1]), radius, atol=1e-12)
        angle = np.linspace(label * 4, (label + 1) * 4, 50) + rng.randn(50) * 0.2
        np.testing.assert_allclose(arm[1:], np.column_stack([radius * np.sin(angle * 2.5),
                                                             radius * np.cos(angle * 2.5)])[1:], atol=1e-12)


def test_spiral_with_seed_0_is_the_books_data():
    """Printed by nnfs 0.5.1 (float32) after nnfs.init(), which seeds NumPy's global legacy generator
    with 0, and X, y = spiral_data(samples=100, classes=3)."""
    X, _ = data.spiral(samples=100, classes=3, seed=0)
    np.testing.assert_allclose(X[1], [0.002995557, 0.009646608], rtol=1e-6)
    np.testing.assert_allclose(X[99], [-0.7005848, -0.71356916], rtol=1e-6)
    np.testing.assert_allclose(X[150], [0.32209808, -0.38901007], rtol=1e-6)


def test_generators_are_seeded_and_leave_global_state_alone():
    state = np.random.get_state()[1].copy()
    first, again, other = data.spiral(seed=1), data.spiral(seed=1), data.spiral(seed=2)
    vertical = data.vertical(samples=10, classes=2, seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    assert vertical[0].shape == (20, 2)
    np.testing.assert_allclose([vertical[0][vertical[1] == c, 0].mean() for c in (0, 1)], [0, 1 / 3], atol=0.1)


def test_sine_and_xor():
    X, y = data.sine(samples=4)
    np.testing.assert_allclose(X.ravel(), [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(y.ravel(), [0, 1, 0, -1], atol=1e-12)
    X, y = data.xor()
    np.testing.assert_array_equal(y.ravel(), np.logical_xor(X[:, 0], X[:, 1]))


def test_the_shipped_digits():
    X, y = data.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))


def test_train_validation_split_is_seeded_and_complete():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_train, X_val, y_train, y_val = data.train_validation_split(X, y, 0.3, seed=5)
    assert len(X_val) == 3 and len(X_train) == 7
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)
    assert sorted(np.concatenate([y_train, y_val])) == list(range(10))
    again = data.train_validation_split(X, y, 0.3, seed=5)
    np.testing.assert_array_equal(again[3], y_val)
    with pytest.raises(InvalidInputError, match="validation_fraction must lie in"):
        data.train_validation_split(X, y, 1.0)
    with pytest.raises(InvalidInputError, match="got len\\(X\\)=10, len\\(y\\)=9"):
        data.train_validation_split(X, y[:9])


def test_bad_generator_sizes():
    with pytest.raises(InvalidInputError) as raised:
        data.spiral(samples=0)
    assert str(raised.value) == "spiral: samples must be an integer >= 1; got samples=0"


# ---------------------------------------------------------------- IDX
def idx_bytes(array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(struct.pack(">I", size) for size in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(folder, n=5, compress=False, prefix="train"):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    for name, array in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
        content = idx_bytes(array)
        if compress:
            (folder / (name + ".gz")).write_bytes(gzip.compress(content))
        else:
            (folder / name).write_bytes(content)
    return images, labels


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_load_mnist_from_idx_files(tmp_path, compress):
    images, labels = write_mnist(tmp_path, compress=compress)
    X, y = data.load_mnist(tmp_path)
    assert X.shape == (5, 784) and X.dtype == np.float64
    np.testing.assert_allclose(X, images.reshape(5, -1) / 255.0)
    np.testing.assert_array_equal(y, labels)
    write_mnist(tmp_path, n=3, prefix="t10k")
    assert data.load_mnist(tmp_path, split="test")[0].shape == (3, 784)


def test_read_idx_of_other_types(tmp_path):
    values = np.arange(6, dtype=np.int32).reshape(2, 3) - 2
    (tmp_path / "ints").write_bytes(idx_bytes(values.astype(">i4"), type_code=0x0C))
    np.testing.assert_array_equal(data.read_idx(tmp_path / "ints"), values)


def test_missing_mnist_files(tmp_path):
    with pytest.raises(InvalidInputError) as raised:
        data.load_mnist(tmp_path)
    assert str(raised.value) == (f"load_mnist: train-images-idx3-ubyte[.gz] is missing; got folder={str(tmp_path)!r}; "
                                 "download the four MNIST or Fashion-MNIST IDX files into that folder")
    with pytest.raises(InvalidInputError, match="load_mnist: no such folder"):
        data.load_mnist(tmp_path / "absent")


@pytest.mark.parametrize("content, problem", [
    (b"\x89PNG\r\n", "not an IDX file (bad magic number 89504e47)"),
    (b"", "not an IDX file (bad magic number none)"),
    (bytes([0, 0, 8, 3, 0, 0]), "truncated IDX header"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 9]) + b"\x01\x02", "the header promises shape (9,) (9 bytes of data) but the file holds 2"),
])
def test_malformed_idx_files(tmp_path, content, problem):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as raised:
        data.read_idx(path)
    assert str(raised.value) == f"read_idx: {problem}; got path={str(path)!r}"


def test_mismatched_images_and_labels(tmp_path):
    write_mnist(tmp_path, n=5)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)))
    with pytest.raises(InvalidInputError, match=r"images \(5, 28, 28\) and labels \(4,\) do not match"):
        data.load_mnist(tmp_path)
