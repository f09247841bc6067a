"""nn-arrayapi: an nn-backends backend from outside the package, on array-API arrays.

Installing this package registers two backends by entry point (see pyproject.toml):

    arrayapi        the kernels on array_api_strict arrays (a strict, minimal array-API library)
    arrayapi_torch  the same kernels on PyTorch tensors (needs torch and array-api-compat)

    nn-backends conformance arrayapi       # the whole conformance suite on it
"""

from backends import Backend, TypedArrays

from .kernels import ArrayApiKernels


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
