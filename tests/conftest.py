"""The project's tests (the suite any backend takes is in `conformance/`, beside them): the suite's
`backend` and `dtype` fixtures, its markers and its report header, for the whole tree, so a
project test that runs per backend (the CLI's training, the registry, determinism) takes the same
fixture, narrowed by the same `$NN_TEST_BACKENDS`. The plugin lives in the suite's folder
(`conformance/backend_fixture.py`), which pyproject puts on the path."""

pytest_plugins = ["backend_fixture"]

import os  # noqa: E402

# No test tunes the numba GEMM or reads a user's wisdom file: the rule's settings, in every process
# the tests start too (backends/numba_kernels/planner.py; its own tests set the mode they test).
os.environ["NN_BACKENDS_GEMM_TUNING"] = "off"
