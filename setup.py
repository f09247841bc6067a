"""Packaging that pyproject.toml cannot say: the conformance suite ships inside the package.

Its home is `tests/conformance/` (where the clone runs it, beside the project's own tests in
`tests/`, which do not ship); an installed package carries exactly those files as
`backends/conformance_suite`, so `nn-backends conformance NAME` works without a clone
(`tests/test_packaging.py` installs the package and checks). Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["backends", "backends.*"]) + ["backends.conformance_suite"],
    package_dir={"backends.conformance_suite": "tests/conformance"},
    package_data={"backends.conformance_suite": ["*.py"]},
)
