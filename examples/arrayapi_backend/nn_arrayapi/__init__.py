"""nn-arrayapi: an nn-backends backend from outside the package, on array-API arrays.

Installing this package registers two backends by entry point (see pyproject.toml):

    arrayapi        the kernels on array_api_strict arrays (a strict, minimal array-API library)
    arrayapi_torch  the same kernels on PyTorch tensors (needs torch and array-api-compat)
    arrayapi_jax    the same kernels on JAX arrays, which cannot change (needs jax; runs on the CPU),
                    and a whole training step compiled by jax.jit

    nn-backends conformance arrayapi       # the whole conformance suite on it
"""

from backends import Backend, TypedArrays

from .kernels import ArrayApiKernels
from .whole_step import whole_step


class JaxKernels(ArrayApiKernels):
    """The kernels on jax.numpy, and a whole training step compiled by `jax.jit` (see `whole_step`)."""

    def compiled_training_step(self, plan):
        import jax

        return whole_step(plan, self.xp, jax.jit)


def strict_backend() -> Backend:
    import array_api_strict as xp

    arrays = TypedArrays("arrayapi", type(xp.asarray(0.0)), "an array_api_strict array of float64 or float32")
    return Backend.from_kernels("arrayapi", ArrayApiKernels(xp), arrays, ("float64", "float32"))


def torch_backend() -> Backend:
    import torch
    from array_api_compat import torch as xp

    return Backend.from_kernels("arrayapi_torch", ArrayApiKernels(xp),
                                TypedArrays("arrayapi_torch", torch.Tensor, "a torch.Tensor of float64 or float32"),
                                ("float64", "float32"))


def jax_backend() -> Backend:
    import jax

    # float64 in JAX is a process-wide switch, off by default; the backend computes in both dtypes
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as xp

    return Backend.from_kernels("arrayapi_jax", JaxKernels(xp),
                                TypedArrays("arrayapi_jax", jax.Array, "a jax.Array of float64 or float32"),
                                ("float64", "float32"))
