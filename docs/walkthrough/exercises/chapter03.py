"""Chapter 3's exercises. Fill in each function, then run `python docs/walkthrough/exercises/check.py 3`."""


def transpose(rows: list) -> list:
    """Exercise 3.1: the transpose of a matrix given as a list of rows, in plain Python: row i of
    the result is column i of `rows`."""
    raise NotImplementedError("exercise 3.1")


def layer(batch: list, weights: list, biases: list) -> list:
    """Exercise 3.2: a layer's outputs for a batch, in plain Python lists: one row per sample, one
    column per neuron, with the weights stored one row per neuron. The book's batch gives
    [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]."""
    raise NotImplementedError("exercise 3.2")
