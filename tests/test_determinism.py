"""Results do not depend on how they were computed: the same seed gives the same loss curve in a new
process, with 1 or 2 BLAS/Numba threads (to the dtype's tolerance), and with several models training
in parallel threads of one process (identical to training them one after another)."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import backends
from support import TOLERANCE

ROOT = Path(__file__).resolve().parents[1]

#: Run here and in fresh processes: one loss curve per backend, dtype and seed. The digits network is
#: big enough (600 × 64 × 256 products) that BLAS and the numba backend use their threads.
CURVE_SOURCE = """
import json, sys
import numpy as np
from backends import Dense, Model, ReLU, Softmax, data, get_backend
from backends.optim import Adam

def curve(name, dtype, seed=0):
    if name == "python":  # pure Python: a small network, threads do not matter to it
        X, y = data.spiral(samples=20, classes=3, seed=0)
        layers, epochs, batch_size = [Dense(2, 16), ReLU(), Dense(16, 3), Softmax()], 4, 25
    else:
        X, y = data.digits()
        layers, epochs, batch_size = [Dense(64, 256), ReLU(), Dense(256, 10), Softmax()], 2, 600
    model = Model(layers, optimizer=Adam(0.01), backend=name, seed=seed, dtype=dtype)
    return model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=False)["loss"]

if __name__ == "__main__":
    print(json.dumps({f"{name}-{dtype}": curve(name, dtype)
                      for name in sys.argv[1].split(",") for dtype in get_backend(name).dtypes}))
"""
namespace = {}
exec(CURVE_SOURCE, namespace)
curve = namespace["curve"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def curves_in_a_new_process(threads: int | None) -> dict:
    """Every loadable backend's curves from a fresh process, with `threads` BLAS/Numba threads (None: as here);
    a plug-in that cannot load here (its library missing) is left out, as the demo leaves it out."""
    names = ",".join(backends.loadable_backends())
    environment = os.environ | {"PYTHONPATH": str(ROOT)}
    if threads is not None:
        environment |= {variable: str(threads) for variable in THREAD_VARIABLES}
    finished = subprocess.run([sys.executable, "-c", CURVE_SOURCE, names], capture_output=True, text=True,
                              env=environment, timeout=600, check=True)
    return json.loads(finished.stdout)


@pytest.fixture
def curves_by_threads(once_per_run):
    """Fresh processes' curves as they are and with 1 and 2 threads, made once per test run."""
    curves = once_per_run("determinism-curves", lambda folder: [curves_in_a_new_process(threads)
                                                                  for threads in (None, 1, 2)])
    return dict(zip((None, 1, 2), curves))


def test_a_new_process_gives_the_same_curve(backend, dtype, curves_by_threads):
    assert curves_by_threads[None][f"{backend.name}-{dtype}"] == curve(backend.name, dtype)


def test_one_or_two_threads_give_the_same_curve(backend, dtype, curves_by_threads):
    one, two = (curves_by_threads[threads][f"{backend.name}-{dtype}"] for threads in (1, 2))
    np.testing.assert_allclose(one, two, **TOLERANCE[dtype])


def test_models_training_in_parallel_threads_match_one_after_another(backend, dtype):
    seeds = (0, 1, 2, 3)
    one_after_another = [curve(backend.name, dtype, seed) for seed in seeds]
    with ThreadPoolExecutor(max_workers=len(seeds)) as pool:
        in_parallel = list(pool.map(lambda seed: curve(backend.name, dtype, seed), seeds))
    assert in_parallel == one_after_another
    assert len({tuple(losses) for losses in one_after_another}) == len(seeds)  # the seeds do differ
