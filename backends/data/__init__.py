"""Data sets: the book's toy generators, XOR, the UCI hand-written digits shipped with the package,
a train/validation split, and a reader for MNIST-style IDX files.

Every generator takes a `seed` and draws from its own generator: no global random state is read or
changed. spiral, vertical and sine follow the definitions of the `nnfs` package, and spiral and
vertical draw their noise from a private `numpy.random.RandomState(seed)`, the legacy algorithm nnfs
uses through NumPy's global state: with seed=0 they give exactly the points of the book's examples
(which call `nnfs.init()`, seeding that global state with 0).
Features come back as float64 arrays of shape (n_samples, n_features); class labels as int64.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ..validation import InvalidInputError, integer_at_least

DATASETS_FOLDER = Path(__file__).parent


def _labelled_points(op, samples, classes, seed, place):
    """`classes` groups of `samples` 2-D points: place(rng, label, samples) draws each group, in
    label order, from one private RandomState(seed) (the order nnfs draws them in)."""
    samples, classes = integer_at_least(op, "samples", samples, 1), integer_at_least(op, "classes", classes, 1)
    rng = np.random.RandomState(seed)
    X = np.zeros((samples * classes, 2))
    y = np.repeat(np.arange(classes, dtype=np.int64), samples)
    for label in range(classes):
        X[samples * label:samples * (label + 1)] = place(rng, label, samples)
    return X, y


def _spiral_arm(rng, label, samples):
    radius = np.linspace(0.0, 1.0, samples)
    angle = np.linspace(label * 4, (label + 1) * 4, samples) + rng.randn(samples) * 0.2
    return np.column_stack([radius * np.sin(angle * 2.5), radius * np.cos(angle * 2.5)])


def _vertical_cluster(rng, label, samples):
    return np.column_stack([rng.randn(samples) * 0.1 + label / 3, rng.randn(samples) * 0.1 + 0.5])


def spiral(samples: int = 100, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`classes` interleaved spiral arms of `samples` points each: (X (samples·classes, 2), y)."""
    return _labelled_points("spiral", samples, classes, seed, _spiral_arm)


def vertical(samples: int = 100, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`classes` vertical clusters of `samples` points each, an easy linearly separable set."""
    return _labelled_points("vertical", samples, classes, seed, _vertical_cluster)


def sine(samples: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """One period of sin(2πx) sampled at x = 0, 1/samples, ...: regression targets of shape (samples, 1)."""
    samples = integer_at_least("sine", "samples", samples, 2)
    X = np.arange(samples, dtype=np.float64).reshape(-1, 1) / samples
    return X, np.sin(2 * np.pi * X)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR cases and their labels, (X (4, 2), y (4, 1)): not linearly separable."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([[0.0], [1.0], [1.0], [0.0]])


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI hand-written digits shipped with the package: 1,797 8×8 images as X (1797, 64),
    pixel counts scaled from 0..16 to 0..1, and labels y (1797,) in 0..9."""
    with gzip.open(DATASETS_FOLDER / "digits.csv.gz", "rt") as file:
        table = np.loadtxt(file, delimiter=",", dtype=np.int64)
    return table[:, :-1] / 16.0, table[:, -1]


def train_validation_split(X, y, validation_fraction: float = 0.2, seed: int = 0):
    """Shuffle (X, y) with a seeded generator and split off the last `validation_fraction` of it:
    returns X_train, X_val, y_train, y_val, both parts non-empty."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise InvalidInputError(f"train_validation_split: X and y must have one row per sample each; "
                                f"got len(X)={len(X)}, len(y)={len(y)}")
    if not 0.0 < validation_fraction < 1.0:
        raise InvalidInputError(f"train_validation_split: validation_fraction must lie in (0, 1); "
                                f"got validation_fraction={validation_fraction!r}")
    n_validation = int(round(len(X) * validation_fraction))
    if not 0 < n_validation < len(X):
        raise InvalidInputError(f"train_validation_split: {len(X)} samples cannot give both parts a sample at "
                                f"this fraction; got validation_fraction={validation_fraction!r}")
    order = np.random.default_rng(seed).permutation(len(X))
    train, validation = order[:-n_validation], order[-n_validation:]
    return X[train], X[validation], y[train], y[validation]


# ---------------------------------------------------------------- MNIST-style IDX files
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path) -> np.ndarray:
    """One IDX file (gzipped or not) as an array: magic 0x0000TTDD (TT the type, DD the number of
    dimensions), DD big-endian 32-bit sizes, then the values."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"read_idx: no such file; got path={str(path)!r}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            content = file.read()
    except (OSError, EOFError) as error:
        raise InvalidInputError(f"read_idx: cannot read the file ({error}); got path={str(path)!r}") from None
    if len(content) < 4 or content[0] != 0 or content[1] != 0 or content[2] not in _IDX_TYPES:
        raise InvalidInputError(f"read_idx: not an IDX file (bad magic number {content[:4].hex() or 'none'}); "
                                f"got path={str(path)!r}")
    dtype, n_dimensions = np.dtype(_IDX_TYPES[content[2]]), content[3]
    header = 4 + 4 * n_dimensions
    if n_dimensions == 0 or len(content) < header:
        raise InvalidInputError(f"read_idx: truncated IDX header; got path={str(path)!r}")
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=n_dimensions, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(content) - header != expected:
        raise InvalidInputError(f"read_idx: the header promises shape {shape} ({expected} bytes of data) but the "
                                f"file holds {len(content) - header}; got path={str(path)!r}")
    return np.frombuffer(content, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path:
    for candidate in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    raise InvalidInputError(f"load_mnist: {stem}[.gz] is missing; got folder={str(folder)!r}; "
                            "download the four MNIST or Fashion-MNIST IDX files into that folder")


def load_mnist(folder, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST or Fashion-MNIST from a folder holding the standard IDX files (gzipped or not):
    split "train" (train-images-idx3-ubyte, train-labels-idx1-ubyte) or "test" (t10k-...).
    Returns X (n, 784) scaled to 0..1 and y (n,) as int64."""
    folder = Path(folder)
    if split not in ("train", "test"):
        raise InvalidInputError(f"load_mnist: split must be 'train' or 'test'; got split={split!r}")
    if not folder.is_dir():
        raise InvalidInputError(f"load_mnist: no such folder; got folder={str(folder)!r}")
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(_find(folder, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_find(folder, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise InvalidInputError(f"load_mnist: images {images.shape} and labels {labels.shape} do not match "
                                f"(expected (n, rows, columns) and (n,)); got folder={str(folder)!r}")
    return images.reshape(len(images), -1) / 255.0, labels.astype(np.int64)
