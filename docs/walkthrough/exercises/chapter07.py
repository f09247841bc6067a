"""Chapter 7's exercises. Fill in each part, then run `python docs/walkthrough/exercises/check.py 7`."""

#: Exercise 7.1, first part: predict it before you measure. Rung 4 (`simd`) is rung 3 compiled with
#: fastmath 'reassoc' and 'contract'. Compiled without them, how many times rung 4's time will it
#: take at 256³? Write your prediction as a number.
PREDICTED_RATIO = None

#: Exercise 7.1, second part: rung 4's Python code (`backends.numba_kernels.ladder_kernels.simd.py_func`)
#: compiled with `numba.njit` and no fastmath flags.
simd_without_fastmath = None


def tiled_product(a, c, tile: int):
    """Exercise 7.2: a · c (NumPy arrays, any shapes that fit) computed in square tiles of `tile`
    rows, inner indices and columns at a time, the idea of rung 6: three loops over the tiles, three
    inside each. It must be right when no size is a multiple of `tile`."""
    raise NotImplementedError("exercise 7.2")
