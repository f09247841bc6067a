"""Solutions to chapter 1's exercises."""

from threadpoolctl import threadpool_info


def flops(rows: int, inner: int, columns: int) -> int:
    # every one of rows·columns outputs takes `inner` multiplies and `inner` adds
    return 2 * rows * inner * columns


def blas_threads() -> int:
    return next(pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas")
