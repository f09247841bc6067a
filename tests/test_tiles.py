"""The GEMM's tile is chosen for the CPU it is compiled for, and on every ISA its accumulators stay in
registers. The checks read the machine code: each ISA's tile is compiled in a process of its own
(NUMBA_CPU_NAME=<cpu> NUMBA_CPU_FEATURES= , a fresh NUMBA_CACHE_DIR: Numba shows no assembly of
cached code) and its inner loop searched for stack accesses. Compiling needs no such CPU, so an
x86 machine checks every x86 ISA; running a tile needs one (CI runs the GEMM and ladder tests once
under NUMBA_CPU_NAME=haswell). NEON's tile is chosen by the same rule but can be compiled only on
an ARM machine."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import backends

if "numba" not in backends.available_backends():
    pytest.skip("backend not installed", allow_module_level=True)

import importlib.util  # noqa: E402

from backends.numba_kernels import gemm_settings, target, tiling  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
X86 = platform.machine().lower() in ("x86_64", "amd64")

spec = importlib.util.spec_from_file_location("generate_numba_microkernel",
                                              ROOT / "tools" / "generate_numba_microkernel.py")
generator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generator)

ISAS = {  # name: (VectorISA as tile_for sees it, float64 tile, float32 tile)
    "avx512": (target.VectorISA("avx512", 64, 32, True, "x86-64-v4", False), (5, 32), (6, 32)),
    "avx2": (target.VectorISA("avx2", 32, 16, True, "haswell", False), (3, 16), (3, 32)),
    "avx": (target.VectorISA("avx", 32, 16, False, "sandybridge", False), (2, 16), (2, 32)),
    "sse2": (target.VectorISA("sse2", 16, 16, False, "x86-64", False), (2, 8), (2, 16)),
    "neon": (target.VectorISA("neon", 16, 32, True, "apple-m1", False), (5, 8), (5, 16)),
}


@pytest.mark.parametrize("name", ISAS)
def test_each_isa_gets_a_tile_its_registers_hold(name):
    isa, double, single = ISAS[name]
    assert tiling.tile_for(isa, 8) == double and tiling.tile_for(isa, 4) == single
    for (rows, columns), itemsize in ((double, 8), (single, 4)):
        accumulators = rows * columns // isa.lanes(itemsize)
        # the accumulators leave registers for a broadcast of A and a vector of B (or of a product)
        assert accumulators <= tiling.accumulators(isa) <= isa.registers - 4


def test_every_tile_the_choice_can_make_is_generated_and_none_is_left_over():
    chosen = {tile for isa, double, single in ISAS.values() for tile in (double, single)}
    assert chosen == set(generator.TILES)


@pytest.mark.skipif(not X86, reason="the CPU names below are x86 ones")
@pytest.mark.parametrize("cpu, isa", [("x86-64", "sse2"), ("sandybridge", "avx"), ("haswell", "avx2"),
                                      ("znver3", "avx2"), ("skylake-avx512", "avx512"), ("x86-64-v4", "avx512")])
def test_the_isa_is_read_from_what_llvm_compiles_for_the_cpu(cpu, isa):
    assert target.vector_isa(cpu, "").name == isa


def test_the_isa_follows_numbas_own_target():
    host = target.vector_isa()
    name, features = target.compile_target()
    assert host == target.vector_isa(name, features) or host.explicit


def test_cache_sizes_come_from_sysfs_and_from_the_variable(tmp_path, monkeypatch):
    for index, (level, kind, size) in enumerate([(1, "Data", "48K"), (1, "Instruction", "32K"),
                                                 (2, "Unified", "1024K"), (3, "Unified", "32768K")]):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        for field, value in (("level", level), ("type", kind), ("size", size)):
            (folder / field).write_text(f"{value}\n")
    assert target._from_sysfs(tmp_path) == {"l1d": 48 * 1024, "l2": 1024 ** 2, "l3": 32 * 1024 ** 2}
    target.cache_sizes.cache_clear()
    monkeypatch.setenv(target.CACHES_VARIABLE, "32K,512K,16M")
    try:
        assert target.cache_sizes() == target.Caches(32 * 1024, 512 * 1024, 16 * 1024 ** 2, target.CACHES_VARIABLE)
        monkeypatch.setenv(target.CACHES_VARIABLE, "32K,lots")
        target.cache_sizes.cache_clear()
        with pytest.raises(ValueError, match="NN_BACKENDS_CACHES must be three sizes.*'32K,lots'"):
            target.cache_sizes()
    finally:
        target.cache_sizes.cache_clear()


def test_the_blocks_fill_the_caches_they_are_sized_for():
    for dtype in (np.float64, np.float32):
        plan, size = tiling.gemm_plan(dtype), np.dtype(dtype).itemsize
        rows, columns = plan.tile
        rules = plan.rules
        assert rules.kc * columns * size <= plan.caches.l1d or rules.kc == 64
        assert rules.mc * rules.kc * size <= plan.caches.l2 / 2 or rules.mc == rows
        assert rules.mc % rows == 0 and rules.nc % columns == 0 and rules.kc % 16 == 0
        gemm_settings.check(dtype, rules, plan.tile)  # what the blocked product accepts at run time


def test_the_disk_cache_is_keyed_on_the_isa_and_tiles_not_on_the_run_time_settings(monkeypatch):
    before, rules = tiling.fingerprint(), tiling.gemm_plan("float64").rules
    monkeypatch.setenv(target.CACHES_VARIABLE, "32K,256K,8M")
    target.cache_sizes.cache_clear()
    tiling.gemm_plan.cache_clear()
    try:
        assert tiling.gemm_plan("float64").rules != rules  # other caches: other blocks by rule ...
        assert tiling.fingerprint() == before  # ... read at run time: the same machine code
        monkeypatch.setattr(tiling, "vector_isa", lambda: target.vector_isa("x86-64", ""))
        tiling.gemm_plan.cache_clear()
        assert tiling.fingerprint() != before  # another ISA: other tiles, other machine code
    finally:
        monkeypatch.undo()
        target.cache_sizes.cache_clear()
        tiling.gemm_plan.cache_clear()
    assert tiling.fingerprint() == before


_INNER_LOOP = """
import json
from backends.numba_kernels import tile_assembly, target
reports = {dtype: tile_assembly.inner_loop(dtype) for dtype in ("float64", "float32")}
print(json.dumps({"isa": target.vector_isa().name,
                  **{dtype: [r.tile, r.multiplies, r.stack_accesses] for dtype, r in reports.items()}}))
"""


@pytest.mark.skipif(not X86, reason="compiling for another x86 CPU needs an x86 LLVM target")
@pytest.mark.parametrize("cpu, isa", [("x86-64", "sse2"), ("haswell", "avx2"), ("skylake-avx512", "avx512"),
                                      ("znver4", "avx512")])
def test_on_every_isa_the_tiles_inner_loop_keeps_its_accumulators_in_registers(cpu, isa, tmp_path):
    env = {**os.environ, "NUMBA_CPU_NAME": cpu, "NUMBA_CPU_FEATURES": "", "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _INNER_LOOP], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["isa"] == isa
    vector_isa = ISAS[isa][0]
    for dtype, itemsize in (("float64", 8), ("float32", 4)):
        tile, multiplies, stack_accesses = found[dtype]
        assert tuple(tile) == tiling.tile_for(vector_isa, itemsize)
        per_step = tile[0] * tile[1] // vector_isa.lanes(itemsize)
        # one vector multiply-add per accumulator and step (LLVM may unroll the loop: a multiple)
        assert multiplies >= per_step and multiplies % per_step == 0, (dtype, found[dtype])
        assert stack_accesses == 0, f"{cpu} {dtype} tile {tile}: {stack_accesses} stack accesses in the loop"


def test_the_assembly_reader_finds_spills_where_there_are_some():
    # the inner loop of LLVM's 6 x 8 float64 tile for a Haswell, as compiled (abridged)
    assembly = """
.LBB0_3:
\tvmovupd\t%ymm13, -48(%rsp)
\tvbroadcastsd\t(%rbx), %ymm12
\tvfmadd231pd\t%ymm12, %ymm15, %ymm10
\tvfmadd231pd\t%ymm13, %ymm15, %ymm8
\tvmovupd\t%ymm8, -80(%rsp)
\tvbroadcastsd\t(%r9,%rbp), %ymm1
\tvfmadd231pd\t%ymm1, %ymm15, %ymm6
\tdecq\t%rdx
\tjne\t.LBB0_3
\tvfmadd231pd\t%ymm1, %ymm15, %ymm6
"""
    from backends.numba_kernels.tile_assembly import analyse

    report = analyse(assembly, (6, 8))
    assert (report.multiplies, report.stack_accesses) == (3, 2) and report.spills
    assert "accumulators spilled" in report.describe()
