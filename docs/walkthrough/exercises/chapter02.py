"""Chapter 2's exercises. Fill in each function, then run `python docs/walkthrough/exercises/check.py 2`."""


def neuron(inputs: list, weights: list, bias: float) -> float:
    """Exercise 2.1: one neuron's output, with a plain loop (no NumPy): the sum of every input times
    its weight, plus the bias. The book's examples give 2.3 and 4.8."""
    raise NotImplementedError("exercise 2.1")


def neuron_on(backend_name: str, inputs: list, weights: list, bias: float) -> float:
    """Exercise 2.2: the same neuron through the library's interface on one backend
    (`get_backend(backend_name).dense_forward`), returned as a plain float."""
    raise NotImplementedError("exercise 2.2")
