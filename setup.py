"""Packaging that pyproject.toml cannot say: the conformance suite ships inside the package.

Its home is `tests/` (where the clone runs it); an installed package carries the same files as
`backends/conformance_suite`, so `nn-backends conformance NAME` works without a clone.
Everything else about the project is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["backends", "backends.*"]) + ["backends.conformance_suite"],
    package_dir={"backends.conformance_suite": "tests"},
    package_data={"backends.conformance_suite": ["*.py"]},
)
