"""Solutions to chapter 6's exercises."""

import numpy as np


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(probabilities, axis=1) == labels))


# 0.02 already avoids the spike but ends above 0.05's loss at epoch 1,500; 0.01 does both
LEARNING_RATE = 0.01
