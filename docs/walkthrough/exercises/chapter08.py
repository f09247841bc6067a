"""Chapter 8's exercises. Fill in each function, then run `python docs/walkthrough/exercises/check.py 8`."""


def crossing(fixed_price: float, per_madd: float) -> float:
    """Exercise 8.1: the size n at which a dense layer's work, n³ multiply-adds of `per_madd`
    seconds each, costs as much as the fixed price of the call (`fixed_price` seconds)."""
    raise NotImplementedError("exercise 8.1")


def fixed_price_and_work(sizes: list, seconds: list) -> tuple:
    """Exercise 8.2: fit seconds ≈ fixed + per_madd · n³ to measured times by least squares and
    return (fixed, per_madd). Chapter 8 read them off its smallest and largest size instead."""
    raise NotImplementedError("exercise 8.2")
