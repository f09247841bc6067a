"""The conformance suite: every module of this folder runs against any backend (the folder is the
list; it ships inside the package as `backends.conformance_suite`). Its fixtures are the plugin
`backend_fixture.py` beside this file, loaded once per pytest session: by this file when the
suite runs alone (`nn-backends conformance NAME`, or pytest on this folder of an install), and
already by the project's `tests/conftest.py` in a clone, which lends them to the project's tests."""

import os

PLUGIN = "backend_fixture"


def pytest_configure(config):
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)
    # a worker of a parallel `nn-backends conformance` run records its own tests for the report
    if hasattr(config, "workerinput"):
        from backends.conformance import RECORD_IN_WORKER, record_in_worker
        if os.environ.get(RECORD_IN_WORKER):
            record_in_worker(config)
