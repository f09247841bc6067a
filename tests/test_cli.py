"""The nn-backends command: demo and train, run in-process."""

import numpy as np
import pytest

from backends import Model
from backends.cli import main
from test_data import write_mnist


def test_demo_shows_every_backend_agreeing(capsys):
    assert main(["demo", "--size", "16"]) == 0
    shown = capsys.readouterr().out
    assert "all backends agree to 1e-12: yes" in shown
    assert "[  4.800,   1.210,   2.385]" in shown


def test_train_prints_figures_saves_and_plots(backend, tmp_path, capsys):
    model_path, plot_path = tmp_path / "spiral.npz", tmp_path / "spiral.png"
    assert main(["train", "--backend", backend.name, "--dataset", "spiral", "--samples", "20", "--epochs", "30",
                 "--save", str(model_path), "--plot", str(plot_path), "--quiet"]) == 0
    shown = capsys.readouterr().out
    assert f"30 epochs on {backend.name}" in shown and "validation: loss" in shown
    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    loaded = Model.load(model_path, backend="numpy")
    assert loaded.predict(np.zeros((1, 2))).shape == (1, 3)


@pytest.mark.parametrize("dataset", ["vertical", "sine", "xor", "digits"])
def test_train_every_shipped_dataset(dataset, tmp_path, capsys):
    assert main(["train", "--dataset", dataset, "--epochs", "2", "--quiet", "--plot", str(tmp_path / "p.png")]) == 0
    assert "2 epochs on numpy" in capsys.readouterr().out


def test_train_mnist_from_a_folder(tmp_path, capsys):
    write_mnist(tmp_path, n=6)
    write_mnist(tmp_path, n=4, prefix="t10k")
    assert main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path), "--epochs", "1", "--hidden", "8",
                 "--batch-size", "4", "--optimizer", "sgd", "--quiet"]) == 0
    assert "1 epochs on numpy" in capsys.readouterr().out


def test_train_shows_progress_unless_quiet(capsys):
    assert main(["train", "--dataset", "xor", "--epochs", "5"]) == 0
    captured = capsys.readouterr()
    assert "fit [numpy]" in captured.err and "total parameters: 17" in captured.out


def test_errors_are_one_clear_line(capsys):
    assert main(["train", "--dataset", "mnist"]) == 2
    assert capsys.readouterr().err == ("nn-backends train: error: train: --dataset mnist needs --data-dir, the folder "
                                       "holding the IDX files; got --data-dir=None\n")


@pytest.mark.parametrize("given", [["matmul,dense_forward"], ["matmul", "dense_forward"], ["matmul,", "dense_forward"]])
def test_bench_operations_take_commas_as_backends_do(given):
    from backends.cli.bench import add_bench_arguments
    from backends.cli.options import OneLineParser
    parser = OneLineParser(prog="nn-backends bench")
    add_bench_arguments(parser)
    args = parser.parse_args(["--operations", *given, "--backends", "numpy,python"])
    assert [op for group in args.operations for op in group] == ["matmul", "dense_forward"]
    assert args.backends == ["numpy", "python"]
