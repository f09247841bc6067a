"""The numba GEMM's micro-kernels, one GENERATED module per tile shape (`tile_6x8.py`: 6 x 8).

Written by `tools/generate_numba_microkernel.py`, never by hand (a test compares each with its
generator). `numba_kernels.tiling` chooses the tile for the CPU and dtype at hand and imports only
that module, so only that kernel is ever compiled.
"""
