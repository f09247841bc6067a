"""The worked examples of the book *Neural Networks from Scratch in Python* (Harrison Kinsley and
Daniel Kukieła) and of the course notebooks this project grew out of, reproduced through the
interface on every backend.

Inputs, weights and expected outputs are the book's and the notebooks' own numbers. Where a
notebook prints a wrong value the test asserts the right one and says why in one line. Expected
values are literals checked by hand or plain-Python formulas below (`_dense_by_hand`, `_sigmoid`,
`_softmax_row`), never another backend.
"""

import math

import pytest

TOL = 1e-12

# The batch of three samples and the three-neuron layer of the book, used by the first two notebooks too.
BATCH = [[1.0, 2.0, 3.0, 2.5],
         [2.0, 5.0, -1.0, 2.0],
         [-1.5, 2.7, 3.3, -0.8]]
LAYER_WEIGHTS = [[0.2, 0.8, -0.5, 1.0],
                 [0.5, -0.91, 0.26, -0.5],
                 [-0.26, -0.27, 0.17, 0.87]]
LAYER_BIASES = [2.0, 3.0, 0.5]
LAYER_OUTPUTS = [[4.8, 1.21, 2.385],
                 [8.9, -1.81, 0.2],
                 [1.41, 1.051, 0.026]]

# The matrices notebook's hidden layer: 3 neurons on 3 inputs, and its single output neuron.
HIDDEN_WEIGHTS = [[0.20, 0.80, -0.50],
                  [0.50, -0.91, 0.26],
                  [-0.26, -0.27, 0.17]]
HIDDEN_BIASES = [2.0, 3.0, 0.5]
OUTPUT_WEIGHTS = [[0.3, -0.2, 0.5]]
OUTPUT_BIASES = [1.0]


# ---------------------------------------------------------------- plain-Python oracle and comparison

def _dense_by_hand(inputs, weights, biases):
    """inputs·weightsᵀ + biases, one multiply-add at a time."""
    return [[sum(x * w for x, w in zip(sample, neuron)) + bias
             for neuron, bias in zip(weights, biases)]
            for sample in inputs]


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def _softmax_row(row):
    exps = [math.exp(v - max(row)) for v in row]
    return [e / sum(exps) for e in exps]


def _assert_close(actual, expected, abs_tol=TOL, rel_tol=TOL):
    """Compare a `tolist` result (1-D or 2-D) with expected values of the same shape."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        if isinstance(want, list):
            assert isinstance(got, list) and len(got) == len(want)
            assert got == pytest.approx(want, rel=rel_tol, abs=abs_tol)
        else:
            assert got == pytest.approx(want, rel=rel_tol, abs=abs_tol)


def _forward(b, inputs, weights, biases):
    return b.dense_forward(b.asarray(inputs), b.asarray(weights), b.asarray(biases))


# ---------------------------------------------------------------- the warm-up notebook: NumPy

def test_scalar_product_as_one_by_one_matrices(backend):
    b = backend
    _assert_close(b.tolist(b.matmul(b.asarray([[3]]), b.asarray([[4]]))), [[12.0]])


def test_vector_dot_product_gives_32(backend):
    b = backend
    row = b.asarray([[1, 2, 3]])
    column = b.transpose(b.asarray([[4, 5, 6]]))
    _assert_close(b.tolist(b.matmul(row, column)), [[32.0]])


def test_two_by_two_matrix_product(backend):
    b = backend
    product = b.matmul(b.asarray([[1, 2], [3, 4]]), b.asarray([[5, 6], [7, 8]]))
    _assert_close(b.tolist(product), [[19.0, 22.0], [43.0, 50.0]])


def test_transpose_two_by_two(backend):
    b = backend
    _assert_close(b.tolist(b.transpose(b.asarray([[1, 2], [3, 4]]))), [[1.0, 3.0], [2.0, 4.0]])


def test_softmax_exponentiates_one_zero_minus_one(backend):
    b = backend
    exps = [2.718281828459045, 1.0, 0.36787944117144233]  # the notebook's exp(1), exp(0), exp(-1)
    expected = [[e / sum(exps) for e in exps]]
    _assert_close(b.tolist(b.softmax(b.asarray([[1, 0, -1]]))), expected)


# ---------------------------------------------------------------- a single neuron, a layer, a batch

def test_single_neuron_three_inputs_gives_2_3(backend):
    b = backend
    _assert_close(b.tolist(_forward(b, [[1, 2, 3]], [[0.2, 0.8, -0.5]], [2])), [[2.3]])


def test_single_neuron_four_inputs_gives_4_8(backend):
    b = backend
    out = _forward(b, [[1.0, 2.0, 3.0, 2.5]], [[0.2, 0.8, -0.5, 1.0]], [2.0])
    _assert_close(b.tolist(out), [[4.8]])


def test_layer_of_three_neurons(backend):
    b = backend
    out = _forward(b, [[1, 2, 3, 2.5]], LAYER_WEIGHTS, LAYER_BIASES)
    _assert_close(b.tolist(out), [[4.8, 1.21, 2.385]])


def test_layer_dot_products_before_biases(backend):
    """weights·inputs gives one dot product per neuron: [2.8, -1.79, 1.885] (the book)."""
    b = backend
    inputs = b.asarray([[1.0, 2.0, 3.0, 2.5]])
    weights = b.asarray(LAYER_WEIGHTS)
    _assert_close(b.tolist(b.matmul(weights, b.transpose(inputs))), [[2.8], [-1.79], [1.885]])
    _assert_close(b.tolist(b.matmul(inputs, b.transpose(weights))), [[2.8, -1.79, 1.885]])


def test_layer_with_the_notebooks_typo_weights_gives_3_465(backend):
    """The layers notebook types weights3 as [-0.26, 0.27, ...] (the book has -0.27): its 3.465 is right for
    those weights; with the book's weights the third neuron gives 2.385 (test_layer_of_three_neurons)."""
    b = backend
    typo_weights = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, 0.27, 0.17, 0.87]]
    out = _forward(b, [[1, 2, 3, 2.5]], typo_weights, [2.0, 3.0, 0.5])
    _assert_close(b.tolist(out), [[4.8, 1.21, 3.465]])
    # the notebook's np.dot(weights, inputs) form: weights times the inputs as a column
    column = b.matmul(b.asarray(typo_weights), b.transpose(b.asarray([[1.0, 2.0, 3.0, 2.5]])))
    _assert_close(b.tolist(column), [[2.8], [-1.79], [2.965]])


def test_batch_uses_transposed_weights(backend):
    """The warm-up notebook's code listing has -0.51 as weights[1][3]; its matrices and results use -0.5, as here."""
    b = backend
    inputs, weights = b.asarray(BATCH), b.asarray(LAYER_WEIGHTS)
    transposed = b.transpose(weights)
    _assert_close(b.tolist(transposed), [[0.2, 0.5, -0.26],
                                         [0.8, -0.91, -0.27],
                                         [-0.5, 0.26, 0.17],
                                         [1.0, -0.5, 0.87]])
    _assert_close(b.tolist(b.matmul(inputs, transposed)), [[2.8, -1.79, 1.885],
                                                           [6.9, -4.81, -0.3],
                                                           [-0.59, -1.949, -0.474]])
    _assert_close(b.tolist(b.dense_forward(inputs, weights, b.asarray(LAYER_BIASES))), LAYER_OUTPUTS)


def test_two_stacked_layers(backend):
    """The layers notebook prints [[-2.1744, 3.21425, 1.19065], ...] because it multiplies by weights2 without
    transposing it; with weights2 as one row per neuron the second layer gives the matrix below."""
    b = backend
    weights2 = [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]]
    biases2 = [-1.0, 2.0, -0.5]
    layer1 = _forward(b, BATCH, LAYER_WEIGHTS, LAYER_BIASES)
    _assert_close(b.tolist(layer1), LAYER_OUTPUTS)
    layer2 = b.dense_forward(layer1, b.asarray(weights2), b.asarray(biases2))
    expected = _dense_by_hand(_dense_by_hand(BATCH, LAYER_WEIGHTS, LAYER_BIASES), weights2, biases2)
    _assert_close(b.tolist(layer2), expected)
    _assert_close(b.tolist(layer2), [[0.5031, -1.04185, -2.03875],
                                     [0.2434, -2.7332, -5.7633],
                                     [-0.99314, 1.41254, -0.35655]])


def test_the_notebooks_two_layer_matrix_comes_from_untransposed_weights(backend):
    """The layers notebook's printed matrix is what a layer computes when handed weights2 transposed."""
    b = backend
    weights2 = b.asarray([[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]])
    layer1 = _forward(b, BATCH, LAYER_WEIGHTS, LAYER_BIASES)
    layer2 = b.dense_forward(layer1, b.transpose(weights2), b.asarray([-1.0, 2.0, -0.5]))
    _assert_close(b.tolist(layer2), [[-2.1744, 3.21425, 1.19065],
                                     [0.707, 0.6828, 4.5213],
                                     [-1.39594, 1.9477, -0.14521]])


# ---------------------------------------------------------------- activations

def test_relu_and_sigmoid_on_minus_two_to_two(backend):
    b = backend
    z = b.asarray([-2, -1, 0, 1, 2])
    _assert_close(b.tolist(b.relu(z)), [0.0, 0.0, 0.0, 1.0, 2.0])
    _assert_close(b.tolist(b.sigmoid(z)), [_sigmoid(v) for v in (-2, -1, 0, 1, 2)])
    _assert_close(b.tolist(b.sigmoid(z)), [0.11920292202211755, 0.2689414213699951, 0.5,
                                           0.7310585786300049, 0.8807970779778823])


def test_step_fires_only_above_zero(backend):
    b = backend
    _assert_close(b.tolist(b.step(b.asarray([-2, -1, 0, 1, 2]))), [0.0, 0.0, 0.0, 1.0, 1.0])


def test_softmax_rows(backend):
    """The layers notebook's Softmax(10) ignores its argument and normalizes columns; softmax is row-wise."""
    b = backend
    probs = b.tolist(b.softmax(b.asarray(BATCH)))
    _assert_close(probs, [_softmax_row(row) for row in BATCH])
    for row in probs:
        assert sum(row) == pytest.approx(1.0, rel=TOL, abs=TOL)


def test_the_notebooks_softmax_output_is_column_normalized(backend):
    """The layers notebook's printed 3x4 matrix is the softmax of each column of the batch (its columns sum
    to 1, its rows do not), so softmax of the transposed batch, transposed back, reproduces it."""
    b = backend
    columns = b.transpose(b.softmax(b.transpose(b.asarray(BATCH))))
    printed = [[0.26313249, 0.04329137, 0.42226619, 0.60848946],
               [0.71526828, 0.8695305, 0.00773408, 0.36906752],
               [0.02159923, 0.08717812, 0.56999974, 0.02244302]]
    _assert_close(b.tolist(columns), printed, abs_tol=5e-9, rel_tol=0)  # printed to 8 decimals


# ---------------------------------------------------------------- the matrices notebooks: matrices and small layers

def test_matrix_product_two_by_three_times_three_by_three(backend):
    b = backend
    a = b.asarray([[2, 4, 1], [7, 2, 5]])
    c = b.asarray([[4, 5, 2], [6, 8, 5], [2, 2, 1]])
    _assert_close(b.tolist(b.matmul(a, c)), [[34.0, 44.0, 25.0], [50.0, 61.0, 29.0]])


def test_vector_dot_product_gives_128(backend):
    b = backend
    row = b.asarray([[3, 2, 7, 9, 0]])
    column = b.transpose(b.asarray([[4, 1, 6, 8, 4]]))
    _assert_close(b.tolist(b.matmul(row, column)), [[128.0]])


def test_single_neuron_relu_keeps_2_3(backend):
    b = backend
    z = _forward(b, [[1, 2, 3]], [[0.2, 0.8, -0.5]], [2])
    _assert_close(b.tolist(b.relu(z)), [[2.3]])


def test_hidden_layer_of_three_neurons(backend):
    """The matrices notebook labels its sigmoid outputs "After ReLU"; they are sigmoid(Z)."""
    b = backend
    z = _forward(b, [[1, 2, 3]], HIDDEN_WEIGHTS, HIDDEN_BIASES)
    _assert_close(b.tolist(z), [[2.3, 2.46, 0.21]])
    _assert_close(b.tolist(b.relu(z)), [[2.3, 2.46, 0.21]])
    _assert_close(b.tolist(b.sigmoid(z)), [[_sigmoid(2.3), _sigmoid(2.46), _sigmoid(0.21)]])
    _assert_close(b.tolist(b.sigmoid(z)), [[0.90887704, 0.92128966, 0.55230791]],
                  abs_tol=5e-9, rel_tol=0)  # printed to 8 decimals


def test_output_neuron_after_relu_hidden_layer(backend):
    """The matrices notebook prints Final Output 0.21366 for Z 1.303, but that is sigmoid(-1.303); sigmoid(1.303)
    is 0.78634. Its 1.303 comes from the ReLU outputs [2.3, 2.46, 0.21], not the sigmoid ones."""
    b = backend
    hidden = b.relu(_forward(b, [[1, 2, 3]], HIDDEN_WEIGHTS, HIDDEN_BIASES))
    z2 = b.dense_forward(hidden, b.asarray(OUTPUT_WEIGHTS), b.asarray(OUTPUT_BIASES))
    _assert_close(b.tolist(z2), [[1.303]])
    _assert_close(b.tolist(b.sigmoid(z2)), [[_sigmoid(1.303)]])
    _assert_close(b.tolist(b.sigmoid(z2)), [[0.7863394451728459]])


def test_output_neuron_after_sigmoid_hidden_layer(backend):
    """With the sigmoid outputs as hidden layer (what the notebook's cell order implies) Z is 1.36456."""
    b = backend
    hidden = b.sigmoid(_forward(b, [[1, 2, 3]], HIDDEN_WEIGHTS, HIDDEN_BIASES))
    z2 = b.dense_forward(hidden, b.asarray(OUTPUT_WEIGHTS), b.asarray(OUTPUT_BIASES))
    expected_z2 = 0.3 * _sigmoid(2.3) - 0.2 * _sigmoid(2.46) + 0.5 * _sigmoid(0.21) + 1.0
    _assert_close(b.tolist(z2), [[expected_z2]])
    _assert_close(b.tolist(z2), [[1.3645591339]], abs_tol=1e-10, rel_tol=0)
    _assert_close(b.tolist(b.sigmoid(z2)), [[_sigmoid(expected_z2)]])


def test_batch_of_two_through_hidden_layer(backend):
    b = backend
    z = _forward(b, [[1, 2, 3], [2, 5, -1]], HIDDEN_WEIGHTS, HIDDEN_BIASES)
    _assert_close(b.tolist(z), [[2.3, 2.46, 0.21], [6.9, -0.81, -1.54]])
    _assert_close(b.tolist(b.relu(z)), [[2.3, 2.46, 0.21], [6.9, 0.0, 0.0]])


def test_single_neuron_sigmoid_output_0_2315(backend):
    b = backend
    out = b.sigmoid(_forward(b, [[2, 3]], [[0.1, 0.2]], [-2]))
    _assert_close(b.tolist(out), [[_sigmoid(-1.2)]])
    _assert_close(b.tolist(out), [[0.23147522]], abs_tol=5e-9, rel_tol=0)  # printed to 8 decimals


@pytest.mark.parametrize(("weights", "bias", "printed"), [
    ([0.1, 0.2], 0, 0.6900), ([0.1, 0.2], 1, 0.8581), ([0.1, 0.2], -2, 0.2315),
    ([1.0, -1.0], 0, 0.2689), ([1.0, -1.0], 1, 0.5000), ([1.0, -1.0], -2, 0.0474),
    ([-0.5, 2.0], 0, 0.9933), ([-0.5, 2.0], 1, 0.9975), ([-0.5, 2.0], -2, 0.9526),
])
def test_single_neuron_with_adjustable_weights_and_bias(backend, weights, bias, printed):
    b = backend
    out = b.tolist(b.sigmoid(_forward(b, [[2, 3]], [weights], [bias])))
    _assert_close(out, [[printed]], abs_tol=5e-5, rel_tol=0)  # printed to 4 decimals
    _assert_close(out, [[_sigmoid(2 * weights[0] + 3 * weights[1] + bias)]])


def test_layer_of_four_neurons_with_printed_random_weights(backend):
    """The matrices notebook's random layer, from its printed weights and biases (rounded to 8 decimals, so the
    outputs agree with its printed ones to about 1e-7, and exactly with the hand formula)."""
    b = backend
    inputs = [[1, 2, 3], [4, 5, 6]]
    weights = [[1.49845688, -1.36751215, 0.31821724],
               [-0.97340705, -0.77166496, 0.01077436],
               [-0.96718551, -0.51717606, 0.93293336],
               [-0.37610632, 1.05705184, 0.12159993]]
    biases = [-0.34751369, -0.28830612, 0.26055088, -1.69342705]
    out = b.tolist(_forward(b, inputs, weights, biases))
    _assert_close(out, _dense_by_hand(inputs, weights, biases))
    _assert_close(out, [[-0.62942937, -2.77272, 1.05781335, 0.40937008],
                        [0.71805656, -7.97561292, -0.59647126, 2.8170064]], abs_tol=1e-7, rel_tol=0)


def test_matrix_product_is_not_commutative(backend):
    b = backend
    a = b.asarray([[4, 2, 3], [2, 0, 1]])
    a_t = b.transpose(a)
    _assert_close(b.tolist(a_t), [[4.0, 2.0], [2.0, 0.0], [3.0, 1.0]])
    _assert_close(b.tolist(b.matmul(a, a_t)), [[29.0, 11.0], [11.0, 5.0]])
    _assert_close(b.tolist(b.matmul(a_t, a)), [[20.0, 8.0, 14.0], [8.0, 4.0, 6.0], [14.0, 6.0, 10.0]])


def test_matrix_times_its_pseudo_inverse(backend):
    """The matrices notebook's pinv(a) is exactly [[-1, 7], [5, -11], [2, -2]] / 12; its 7.77e-16 is rounding."""
    b = backend
    a = b.asarray([[4, 2, 3], [2, 0, 1]])
    pinv = b.asarray([[-1 / 12, 7 / 12], [5 / 12, -11 / 12], [2 / 12, -2 / 12]])
    _assert_close(b.tolist(pinv), [[-0.08333333, 0.58333333],
                                   [0.41666667, -0.91666667],
                                   [0.16666667, -0.16666667]], abs_tol=5e-9, rel_tol=0)
    _assert_close(b.tolist(b.matmul(a, pinv)), [[1.0, 0.0], [0.0, 1.0]])
    _assert_close(b.tolist(b.matmul(pinv, a)), [[5 / 6, -1 / 6, 1 / 3],
                                                [-1 / 6, 5 / 6, 1 / 3],
                                                [1 / 3, 1 / 3, 1 / 3]])


# ---------------------------------------------------------------- the book: matrix product and transposition

def test_row_vector_times_column_vector_gives_20(backend):
    b = backend
    a = b.asarray([[1, 2, 3]])
    column = b.transpose(b.asarray([[2, 3, 4]]))
    _assert_close(b.tolist(column), [[2.0], [3.0], [4.0]])
    _assert_close(b.tolist(b.matmul(a, column)), [[20.0]])


def test_transpose_four_by_five(backend):
    b = backend
    a = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]
    _assert_close(b.tolist(b.transpose(b.asarray(a))), [[0.0, 5.0, 10.0, 15.0],
                                                        [1.0, 6.0, 11.0, 16.0],
                                                        [2.0, 7.0, 12.0, 17.0],
                                                        [3.0, 8.0, 13.0, 18.0],
                                                        [4.0, 9.0, 14.0, 19.0]])


def test_transpose_five_by_five(backend):
    b = backend
    a = [[0.49, 0.97, 0.53, 0.05, 0.33],
         [0.65, 0.62, 0.51, 1.00, 0.38],
         [0.61, 0.45, 0.74, 0.27, 0.64],
         [0.17, 0.36, 0.17, 0.96, 0.12],
         [0.79, 0.32, 0.68, 0.90, 0.77]]
    _assert_close(b.tolist(b.transpose(b.asarray(a))), [[0.49, 0.65, 0.61, 0.17, 0.79],
                                                        [0.97, 0.62, 0.45, 0.36, 0.32],
                                                        [0.53, 0.51, 0.74, 0.17, 0.68],
                                                        [0.05, 1.00, 0.27, 0.96, 0.90],
                                                        [0.33, 0.38, 0.64, 0.12, 0.77]])


@pytest.mark.parametrize(("rows", "inner", "columns"), [(5, 4, 5), (5, 4, 7)])
def test_matrix_product_shape_is_left_rows_by_right_columns(backend, rows, inner, columns):
    b = backend
    left = [[(i + 2 * k) % 5 - 2.0 for k in range(inner)] for i in range(rows)]
    right = [[(3 * k + j) % 4 - 1.5 for j in range(columns)] for k in range(inner)]
    expected = [[sum(left[i][k] * right[k][j] for k in range(inner)) for j in range(columns)]
                for i in range(rows)]
    _assert_close(b.tolist(b.matmul(b.asarray(left), b.asarray(right))), expected)
