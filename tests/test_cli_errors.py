"""Every bad invocation of nn-backends is refused before any work, in one line on stderr with exit
status 2: no usage block, no traceback, no library noise (such as libgomp on OMP_NUM_THREADS=0)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backends import backend_names
from backends.cli.main import main

ROOT = Path(__file__).resolve().parents[1]

BAD_INVOCATIONS = {
    "a width of 0": ("train --hidden 0", "nn-backends train: error: argument --hidden: must be a positive integer; "
                                         "got '0'"),
    "no epochs": ("train --epochs 0", "nn-backends train: error: argument --epochs: must be a positive integer; "
                                      "got '0'"),
    "epochs as text": ("train --epochs many", "nn-backends train: error: argument --epochs: must be a positive "
                                              "integer; got 'many'"),
    "a negative batch": ("train --batch-size -4", "nn-backends train: error: argument --batch-size: must be a "
                                                  "positive integer; got '-4'"),
    "a zero learning rate": ("train --learning-rate 0", "nn-backends train: error: argument --learning-rate: must "
                                                        "be a positive number; got '0'"),
    "a NaN learning rate": ("train --learning-rate nan", "nn-backends train: error: argument --learning-rate: "
                                                         "must be a positive number; got 'nan'"),
    "a negative decay": ("train --decay -0.001", "nn-backends train: error: argument --decay: must be a number ≥ 0; "
                                                "got '-0.001'"),
    "no samples": ("train --samples 0", "nn-backends train: error: argument --samples: must be a positive integer; "
                                        "got '0'"),
    "one class": ("train --classes 1", "nn-backends train: error: argument --classes: must be an integer from 2 to "
                                       "1000; got '1'"),
    "a negative seed": ("train --seed -1", "nn-backends train: error: argument --seed: must be an integer ≥ 0; "
                                           "got '-1'"),
    "an unknown data set": ("train --dataset cifar", "nn-backends train: error: argument --dataset: invalid choice: "
                            "'cifar' (choose from 'spiral', 'vertical', 'sine', 'xor', 'digits', 'mnist')"),
    "an unknown backend": ("train --backend jax", "nn-backends train: error: argument --backend: invalid choice: "
                           "'jax' (choose from {backends})"),
    "a save path in no folder": ("train --save /no/such/dir/m.npz",
                                 "nn-backends train: error: train: --save cannot be written: its folder does not "
                                 "exist; got --save='/no/such/dir/m.npz'"),
    "a plot path that is a folder": ("train --plot {tmp}", "nn-backends train: error: train: --plot cannot be "
                                     "written: it is a folder; got --plot='{tmp}'"),
    "mnist without its folder": ("train --dataset mnist", "nn-backends train: error: train: --dataset mnist needs "
                                 "--data-dir, the folder holding the IDX files; got --data-dir=None"),
    "an unknown operation": ("bench --operations nosuch", "nn-backends bench: error: argument --operations: invalid "
                             "choice: 'nosuch' (choose from 'matmul', 'dense_forward', 'dense_backward', "
                             "'softmax_cross_entropy', 'training_step', 'fit_full_batch', 'fit_epoch', "
                             "'fit_models', 'minibatch_epoch')"),
    "a negative budget": ("bench --budget -1", "nn-backends bench: error: argument --budget: must be a positive "
                                               "number; got '-1'"),
    "no threads": ("bench --threads 0", "nn-backends bench: error: argument --threads: must be an integer from 1 to "
                                        "1024; got '0'"),
    "a negative python limit": ("bench --python-limit -2", "nn-backends bench: error: argument --python-limit: "
                                                           "must be a number ≥ 0; got '-2'"),
    "a zero max size": ("bench --max-size 0", "nn-backends bench: error: argument --max-size: must be a positive "
                                              "integer; got '0'"),
    "a max size below every case": ("bench --operations matmul --max-size 2",
                                    "nn-backends bench: error: bench: no case of these operations is that small "
                                    "(the smallest is 256; with --full, 4); got --max-size=2"),
    "a max size below every case of every run": ("bench --full --operations matmul --max-size 2",
                                                 "nn-backends bench: error: bench: no case of these operations is "
                                                 "that small (the smallest is 4); got --max-size=2"),
    "a results path in no folder": ("bench --json /no/such/dir/r.json", "nn-backends bench: error: bench: --json "
                                    "cannot be written: its folder does not exist; got --json='/no/such/dir/r.json'"),
    "a demo size of 0": ("demo --size 0", "nn-backends demo: error: argument --size: must be an integer from 1 to "
                                          "1024; got '0'"),
    "an unknown command": ("fly", "nn-backends: error: argument command: invalid choice: 'fly' (choose from 'bench', "
                                  "'targets', 'compare', 'tune', 'ladder', 'demo', 'train', 'conformance')"),
    "an unknown option": ("train --hiden 8", "nn-backends: error: unrecognized arguments: --hiden 8"),
}


@pytest.mark.parametrize("case", BAD_INVOCATIONS)
def test_a_bad_invocation_is_one_line_and_status_2(case, tmp_path, capsys):
    # the backends on offer include any plug-in installed beside the package (tests/test_plugins.py)
    backends = ", ".join(repr(name) for name in backend_names())
    arguments, message = (text.replace("{tmp}", str(tmp_path)).replace("{backends}", backends)
                          for text in BAD_INVOCATIONS[case])
    assert main(arguments.split()) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""


def test_the_installed_command_prints_no_traceback_and_no_library_noise():
    """A fresh process, as a user runs it: OMP_NUM_THREADS=0 must never reach libgomp."""
    environment = os.environ | {"PYTHONPATH": str(ROOT)}
    for arguments in (["bench", "--threads", "0"], ["train", "--hidden", "0"]):
        finished = subprocess.run([sys.executable, "-c", "import sys; from backends.cli.main import main; "
                                   "sys.exit(main(sys.argv[1:]))", *arguments],
                                  capture_output=True, text=True, env=environment, timeout=120)
        assert finished.returncode == 2
        assert finished.stdout == "" and len(finished.stderr.splitlines()) == 1, finished.stderr


def test_divergence_on_the_command_line_is_one_line(capsys):
    assert main(["train", "--dataset", "sine", "--optimizer", "sgd", "--learning-rate", "1e6", "--epochs", "100",
                 "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("nn-backends train: error: fit: training diverged at epoch ")
    assert error.count("\n") == 1


def test_conformance_without_its_extra_says_which_to_install(monkeypatch, capsys):
    """pytest and hypothesis are the conformance extra, not the package's dependencies (a learner's
    install stays lean): without them the command names the extra, in one line."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "hypothesis"
                        else real(name, *rest))
    assert main(["conformance", "numpy"]) == 2
    assert capsys.readouterr().err == (
        "nn-backends conformance: error: conformance: the suite needs hypothesis, not installed here; install "
        "the conformance extra: pip install 'nn-backends[conformance]' (in a clone: pip install -e '.[conformance]')\n")


def test_conformance_runs_on_the_cores_there_are_on_any_system(monkeypatch, capsys):
    """One worker per core this process may use: its affinity on Linux; macOS and Windows have no
    affinity call, and get every core. Fewer than one worker is one line, status 2."""
    import os

    from backends.cli.conformance import usable_cores

    assert usable_cores() == (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert usable_cores() == 3
    assert main(["conformance", "numpy", "--workers", "0"]) == 2
    assert capsys.readouterr().err == "nn-backends conformance: error: conformance: --workers must be at least 1; " \
                                      "got --workers=0\n"
