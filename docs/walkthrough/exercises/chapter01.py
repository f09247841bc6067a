"""Chapter 1's exercises. Fill in each function, then run `python docs/walkthrough/exercises/check.py 1`."""


def flops(rows: int, inner: int, columns: int) -> int:
    """Exercise 1.1: how many floating-point operations (multiplies and adds) one product of a
    (rows, inner) matrix by an (inner, columns) matrix takes. Chapter 1 used it for n×n by n×n."""
    raise NotImplementedError("exercise 1.1")


def blas_threads() -> int:
    """Exercise 1.2: the number of threads NumPy's BLAS may use on this machine, read with
    threadpoolctl (`threadpool_info()`; chapter 1 prints it)."""
    raise NotImplementedError("exercise 1.2")
