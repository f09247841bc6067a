"""Solutions to chapter 3's exercises."""


def transpose(rows: list) -> list:
    return [[row[i] for row in rows] for i in range(len(rows[0]))]


def layer(batch: list, weights: list, biases: list) -> list:
    # row times row: each sample against each neuron's weights, which is batch · weightsᵀ
    return [[sum(x * w for x, w in zip(sample, neuron)) + bias for neuron, bias in zip(weights, biases)]
            for sample in batch]
