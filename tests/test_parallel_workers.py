"""The README's test command runs on every core (pytest-xdist, `-n auto`): each worker is its own
process, so what they share must stay correct when two of them reach it at once. Here: Numba's disk
cache, which two workers fill at the same moment when both first call the same kernel."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]

WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import numpy as np
    from backends import get_backend, numba_backend
    folder, name = Path(sys.argv[1]), sys.argv[2]
    b = get_backend("numba")
    (folder / f"ready-{name}").touch()
    while not (folder / "go").exists():  # both workers compile from the same moment
        time.sleep(0.001)
    x = np.random.default_rng(0).standard_normal((7, 5))
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(np.asarray(b.softmax(b.asarray(x))), e / e.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(np.asarray(b.relu(b.asarray(x))), np.maximum(x, 0))
    stats = [getattr(numba_backend, kernel).kernel.stats for kernel in ("softmax", "relu")]
    print(sum(len(s.cache_hits) for s in stats), sum(len(s.cache_misses) for s in stats))
""")


def _start(folder: Path, name: str, environment: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(folder), name], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_workers_compiling_the_same_kernels_into_one_disk_cache_at_once(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NUMBA_DISABLE")}
    environment |= {"NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    workers = [_start(tmp_path, name, environment) for name in ("a", "b")]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{name}").exists() for name in ("a", "b")):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), \
            [w.communicate() for w in workers if w.poll() is not None]
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-3000:]
        assert "Warning" not in err and "Traceback" not in err, err[-3000:]
        hits, misses = map(int, out.split())
        assert misses >= 1  # the cache was empty: each compiled (the other may not have saved yet)
    # a third process (its "go" already given) finds both kernels whole in the cache the two filled:
    # loaded, not compiled
    third = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path), "c"], env=environment, capture_output=True,
                           text=True, timeout=300)
    assert third.returncode == 0, third.stderr[-3000:]
    hits, misses = map(int, third.stdout.split())
    assert (hits, misses) == (2, 0)
