"""The GEMM planner without the timing: its choice logic on fake costs and a fake clock, the wisdom
file's keying, invalidation on a new version, and corrupted or foreign files refused with a clear
message. (That the settings it may choose compute the right products: test_gemm.py.)"""

import json

import numpy as np
import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

from backends.numba_kernels import gemm_settings, planner, tiling, wisdom  # noqa: E402
from backends.numba_kernels.gemm_settings import NEVER  # noqa: E402
from backends.numba_kernels.planner_search import Axis, beats, search, threshold_from  # noqa: E402

TILE = (5, 32)
RULE = gemm_settings.GemmSettings(kc=256, mc=120, nc=4096, pack_b_above_ab=16384, pack_b_above_atb=16384,
                                  pack_a_rows_ab=NEVER, pack_a_rows_abt=NEVER, pack_a_rows_atb=256,
                                  parallel_flops=3_000_000, step_parallel_flops=3_000_000)
VERSIONS = {"numpy": "2.0", "numba": "0.60", "llvmlite": "0.43", "nn-backends": "0.1.0", "gemm_source": "abc"}


class FakeClock:
    """A clock that moves only when told (or by `step` on each reading)."""

    def __init__(self, step=0.0):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def key(dtype="float64", **versions):
    return wisdom.key_for(dtype, "Some CPU", "avx512: ...", TILE, VERSIONS | versions)


def entry(settings=RULE, **versions):
    return wisdom.Entry(key(**versions), settings, {"gain_over_rule": 1.1})


# ---------------------------------------------------------------- the search on fake costs
def test_the_search_moves_to_a_clearly_faster_value_and_says_what_it_tried():
    costs = {128: 1.0, 256: 1.2, 512: 0.7}  # kc -> time; the rule's kc is 256
    best, log = search(RULE, [Axis("kc", (128, 512), "blocks")], lambda s, w: costs[s.kc], FakeClock(), deadline=10)
    assert best == RULE.replace(kc=512)
    assert log == [{"field": "kc", "workload": "blocks", "values": [256, 128, 512],
                    "relative": [1.0, round(1.0 / 1.2, 4), round(0.7 / 1.2, 4)], "chosen": 512}]


def test_the_search_keeps_the_incumbent_within_the_margin_and_through_lucky_rounds():
    near = search(RULE, [Axis("mc", (240,), "blocks")], lambda s, w: 1.0 if s.mc == 120 else 0.99,
                  FakeClock(), deadline=10)[0]
    assert near == RULE
    assert not beats([0.5, 0.5, 2.0, 0.5], [1.0, 1.0, 1.0, 1.0])  # one slow round: not clearly faster
    assert beats([0.5, 0.6, 0.55, 0.5], [1.0, 1.1, 0.9, 1.0])


def test_the_search_skips_the_axes_the_budget_has_no_room_for():
    clock = FakeClock(step=1.0)  # every reading one second later
    axes = [Axis("kc", (128,), "blocks"), Axis("mc", (240,), "blocks"), Axis("nc", (1024,), "other")]
    best, log = search(RULE, axes, lambda s, w: 1.0, clock, deadline=4)
    assert [record.get("skipped") for record in log] == [None, "time budget spent", "time budget spent"]
    assert best == RULE


@pytest.mark.parametrize("measured, expected", [
    ([(1e5, 1.0, 2.0), (1e6, 1.0, 0.5), (1e7, 1.0, 0.5)], 1e6),         # pays from 1e6 on
    ([(1e5, 1.0, 0.5), (1e6, 1.0, 2.0), (1e7, 1.0, 0.5)], 1e7),         # a loss above: only from 1e7
    ([(1e5, 1.0, 2.0), (1e6, 1.0, 1.5)], 2e6),                          # never pays: beyond what lost
    ([(1e7, 1.0, 0.5), (1e5, 1.0, 0.5)], 1e5),                          # order does not matter
    ([], NEVER),
])
def test_the_thread_threshold_is_the_smallest_size_from_which_every_thread_pays(measured, expected):
    assert threshold_from(measured) == int(expected)


# ---------------------------------------------------------------- choosing what runs
def test_wisdom_for_exactly_this_key_is_used_and_anything_else_falls_back_to_the_rule():
    tuned = RULE.replace(kc=512)
    assert planner.choose("wisdom", [entry(tuned)], key(), RULE).settings == tuned
    assert planner.choose("wisdom", [entry(tuned)], key(), RULE).source == "wisdom"
    off = planner.choose("off", [entry(tuned)], key(), RULE)
    assert (off.source, off.settings) == ("rule", RULE) and "off" in off.note
    none = planner.choose("wisdom", [], key(), RULE)
    assert none.source == "rule" and "nn-backends tune" in none.note
    other_dtype = planner.choose("wisdom", [entry(tuned)], key("float32"), RULE)
    assert other_dtype.settings == RULE


def test_a_new_version_invalidates_the_entry_and_says_which():
    old = [entry(RULE.replace(kc=512))]
    choice = planner.choose("wisdom", old, key(numba="0.61"), RULE)
    assert choice.settings == RULE and "numba 0.60 -> 0.61" in choice.note
    renewed = wisdom.replaced(old, entry(RULE.replace(kc=768), numba="0.61"))
    assert len(renewed) == 1 and renewed[0].settings.kc == 768


def test_a_refused_file_falls_back_to_the_rule_with_its_message():
    error = wisdom.WisdomError("GEMM wisdom file x refused: not valid JSON")
    choice = planner.choose("wisdom", error, key(), RULE)
    assert (choice.source, choice.settings, choice.note) == ("rule", RULE, str(error))


# ---------------------------------------------------------------- the file
def test_entries_survive_a_save_and_a_load_and_the_write_leaves_no_temporary(tmp_path):
    path = tmp_path / "sub" / "wisdom.json"
    wisdom.save(path, [entry(RULE.replace(kc=512))])
    assert wisdom.load(path) == [entry(RULE.replace(kc=512))]
    assert [item.name for item in path.parent.iterdir()] == ["wisdom.json"]
    assert wisdom.load(tmp_path / "absent.json") == []


def _document(**settings_changes):
    item = entry().as_dict()
    item["settings"] |= settings_changes
    return {"format": wisdom.FORMAT, "format_version": wisdom.FORMAT_VERSION, "entries": [item]}


@pytest.mark.parametrize("text, problem", [
    ('{"format": "nn-backends GEMM wisdom", "entr', "not valid JSON"),
    (json.dumps({"format": "something else", "entries": []}), "not a wisdom file of this project"),
    (json.dumps([1, 2]), "not a wisdom file of this project"),
    (json.dumps(_document() | {"format_version": 99}), "format version 99"),
    (json.dumps(_document() | {"entries": {}}), '"entries" is not a list'),
    (json.dumps(_document(kc=0)), "kc for float64 with a 5x32 tile must be a multiple of 1 from 16 to 4096; got 0"),
    (json.dumps(_document(mc=121)), "mc for float64 with a 5x32 tile must be a multiple of 5"),
    (json.dumps(_document(nc=100)), "nc for float64 with a 5x32 tile must be a multiple of 32"),
    (json.dumps(_document(parallel_flops="many")), "parallel_flops for float64 must be an integer"),
    (json.dumps(_document(parallel_flops=-1)), "parallel_flops for float64 must be an integer from 0"),
    (json.dumps(_document(kc=1.5)), "kc for float64 must be an integer"),
    (json.dumps(_document(surprise=1)), "unknown ['surprise']"),
])
def test_a_corrupted_or_foreign_file_is_refused_naming_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "wisdom.json"
    path.write_text(text)
    with pytest.raises(wisdom.WisdomError) as refused:
        wisdom.load(path)
    assert str(path) in str(refused.value) and problem in str(refused.value)
    assert "rule's settings are used" in str(refused.value)


def test_an_entry_without_its_settings_field_is_refused(tmp_path):
    document = _document()
    del document["entries"][0]["settings"]["nc"]
    with pytest.raises(wisdom.WisdomError, match=r"missing \['nc'\]"):
        wisdom.parse(json.dumps(document))


# ---------------------------------------------------------------- in a process
@pytest.fixture
def clean_planner(monkeypatch, tmp_path):
    monkeypatch.setenv(wisdom.WISDOM_VARIABLE, str(tmp_path / "wisdom.json"))
    planner.forget()
    yield tmp_path / "wisdom.json"
    monkeypatch.setenv(planner.MODE_VARIABLE, "off")
    planner.forget()
    for name in gemm_settings.DTYPES:
        planner.settle(name)


def test_settle_applies_this_machines_wisdom_to_the_compiled_products(clean_planner, monkeypatch, capsys):
    monkeypatch.setenv(planner.MODE_VARIABLE, "wisdom")
    plan = tiling.gemm_plan("float64")
    tuned = plan.rules.replace(kc=plan.rules.kc + 16, step_parallel_flops=123)
    wisdom.save(clean_planner, [wisdom.Entry(planner.machine_key("float64"), tuned, {})])
    assert planner.settle("float64").source == "wisdom"
    assert gemm_settings.current("float64") == tuned
    assert gemm_settings.TABLE[gemm_settings.slot("float64") + gemm_settings.KC] == tuned.kc
    assert planner.step_parallel_flops("float64") == 123
    assert planner.describe()["dtypes"]["float64"]["source"] == "wisdom"
    assert planner.describe_line().startswith("numba GEMM settings: float64 wisdom")


def test_a_corrupted_file_is_said_once_and_the_rule_runs(clean_planner, monkeypatch, capsys):
    monkeypatch.setenv(planner.MODE_VARIABLE, "wisdom")
    clean_planner.write_text("{ not json")
    for _ in range(2):
        for name in gemm_settings.DTYPES:
            assert planner.settle(name).settings == tiling.gemm_plan(name).rules
    assert capsys.readouterr().err.count("refused: not valid JSON") == 1


def test_an_unknown_mode_is_refused(monkeypatch):
    monkeypatch.setenv(planner.MODE_VARIABLE, "sometimes")
    with pytest.raises(ValueError, match="NN_BACKENDS_GEMM_TUNING must be one of wisdom, first-use, off; got 'sometimes'"):
        planner.mode()


def test_a_tuning_out_of_budget_keeps_the_rule_and_writes_it_down(clean_planner, monkeypatch):
    """With the clock past the deadline from the start, every axis is skipped: the entry written is the
    rule's, under this machine's key, and it is what runs after."""
    monkeypatch.setenv(planner.MODE_VARIABLE, "wisdom")
    said = []
    clock = FakeClock(step=100.0)
    new = planner.tune(["float32"], budget=1.0, say=said.append, clock=clock, busy=QuietMachine)
    rules = tiling.gemm_plan("float32").rules
    assert [item.settings for item in new] == [rules]
    assert all(record.get("skipped") for record in new[0].measured["axes"] if "field" in record)
    assert wisdom.find(wisdom.load(clean_planner), planner.machine_key("float32")).settings == rules
    assert planner.chosen("float32").source == "wisdom"
    assert "at most 1 s" in said[0] and len(said) == 2


class BusyMachine:
    """A stand-in for the CPU counters: other programs kept a core busy during the block."""

    NOTE = "other programs kept 1.00 cores busy while this was measured"

    def __enter__(self):
        self.note = ""
        return self

    def __exit__(self, *exc_info):
        self.note = self.NOTE


class QuietMachine(BusyMachine):
    NOTE = ""


def test_thread_thresholds_measured_on_a_busy_machine_stay_the_rules(clean_planner, monkeypatch):
    """The blocks measured keep their value; the thread thresholds, which another program's load
    distorts most (the parallel runs lose a core), are the rule's, and the line says so."""
    from backends.numba_kernels import planner_workloads

    monkeypatch.setenv(planner.MODE_VARIABLE, "wisdom")
    rules = tiling.gemm_plan("float32").rules
    measured = rules.replace(kc=272, parallel_flops=7, step_parallel_flops=gemm_settings.NEVER)
    monkeypatch.setattr(planner_workloads, "tune_dtype", lambda dtype, deadline, clock: (measured, {"axes": []}))
    said = []
    (entry,) = planner.tune(["float32"], budget=1.0, say=said.append, clock=FakeClock(step=0.01), busy=BusyMachine)
    assert entry.settings == rules.replace(kc=272)
    assert entry.measured["threads_kept_from_rule"].startswith("other programs kept 1.00 cores busy")
    assert any("float32's thread thresholds stay the rule's" in line for line in said)
    quiet = planner.tune(["float32"], budget=1.0, say=said.append, clock=FakeClock(step=0.01), busy=QuietMachine)
    assert quiet[0].settings == measured


def test_tuning_refuses_to_replace_a_file_it_cannot_read(clean_planner, monkeypatch):
    monkeypatch.setenv(planner.MODE_VARIABLE, "wisdom")
    clean_planner.write_text('{"format": "a foreign tool"}')
    with pytest.raises(wisdom.WisdomError, match="not a wisdom file"):
        planner.tune(["float32"], budget=1.0, say=lambda line: None, clock=FakeClock(step=100.0))
    assert clean_planner.read_text() == '{"format": "a foreign tool"}'


def test_the_training_step_keeps_every_thread_from_the_measured_step_size(clean_planner, monkeypatch):
    from backends.numba_kernels import gemm, training_step
    from backends.numba_kernels.step_layers import N_INPUTS, N_NEURONS

    if gemm.thread_count() < 2:
        pytest.skip("one thread only here")
    layout = np.zeros((2, 7), dtype=np.int64)
    layout[:, N_INPUTS], layout[:, N_NEURONS] = (40, 100), (100, 10)
    flops = 2 * 3 * 100 * (40 * 100 + 100 * 10)
    plan = tiling.gemm_plan("float64")
    monkeypatch.setenv(planner.MODE_VARIABLE, "wisdom")
    every = gemm.thread_count()
    for threshold, expected in ((flops + 1, 1), (flops, every)):
        wisdom.save(clean_planner, [wisdom.Entry(planner.machine_key("float64"),
                                                 plan.rules.replace(step_parallel_flops=threshold), {})])
        planner.forget()
        with training_step._threads_for(layout, 100, "float64") as threads:
            assert threads == expected and gemm.thread_count() == expected
        assert gemm.thread_count() == every  # restored after the step


def test_first_use_tunes_once_for_an_unknown_machine_then_uses_the_wisdom(clean_planner, monkeypatch):
    """In `first-use` mode the first settle of a dtype tunes it (here a stand-in for the timing), and
    the tuning's own compile does not start another tuning."""
    from backends.numba_kernels import planner_workloads

    monkeypatch.setenv(planner.MODE_VARIABLE, "first-use")
    tunings = []

    def measured(dtype, deadline, clock):
        tunings.append(dtype)
        return tiling.gemm_plan(dtype).rules.replace(kc=272), {"gain_over_rule": 1.0, "axes": []}
    monkeypatch.setattr(planner_workloads, "tune_dtype", measured)
    choice = planner.settle("float32")
    assert tunings == ["float32"] and choice.source == "wisdom" and choice.settings.kc == 272
    planner.forget()
    assert planner.settle("float32").settings.kc == 272 and tunings == ["float32"]  # read back, not tuned again
