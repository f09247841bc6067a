"""What this machine can do, measured: the ceilings every GFLOP/s figure is read against.

    limits = machine_limits.measure()
    limits["peak"]["float64"]["one_core"]     # GFLOP/s, the FMA kernel on one thread
    limits["bandwidth"]["all_cores"]          # GB/s, a triad over arrays far larger than L3

* **Peak FLOP/s** per dtype, on one core and on every thread: a loop of independent fused
  multiply-add chains, written in LLVM IR (`llvm.fmuladd` on vectors as wide as the ISA Numba
  compiles for) and compiled by llvmlite for Numba's own target, so NUMBA_CPU_NAME /
  NUMBA_CPU_FEATURES give the stand-in ISA's peak. An FMA takes about 4 cycles before its result
  can be used and a core starts up to two per cycle, so 8 chains keep both units busy; the kernel
  runs 24 on CPUs with 32 vector registers and 12 on those with 16, no more than fit in registers.
  Where the ISA has no FMA, `fmuladd` is a multiply and an add (2 flops, 2 instructions). Threads
  call the compiled kernel through ctypes, which releases the GIL, so they run at once.
* **The clock**, measured: a chain of dependent 64-bit integer multiplies, each followed by an
  exclusive-or (so that no compiler can fold the multiplies into one), 3 + 1 cycles on x86 cores
  since Haswell and Zen. The clock the operating
  system reports (/proc/cpuinfo's "cpu MHz") is often the base clock, and under a hypervisor it is
  all there is; the measured one includes the boost the core really ran at.
* **Nominal peak**: 2 FMA units x lanes x 2 flops x clock, per core, both at the measured and at the
  reported clock. Two FMA units is what x86 cores since Haswell and Zen 2 have (some Xeons with
  AVX-512 have one: their peak reads half the nominal, and the header says so).
* **Memory bandwidth**: the STREAM triad a[i] = b[i] + s*c[i] over three arrays of 4x the L3 each
  (at least 32 MiB), counted as STREAM does (24 bytes per element for float64; the write-allocate
  read is not counted), on one thread and on every thread.

Each figure is the best of several repeats: a ceiling is what the machine can reach, and a slower
repeat only says something else was running. When other programs used the cores meanwhile (read
from /proc/stat, `rounds.cpu_use`), a note says the figures read low. All of it takes a few seconds.
"""

from __future__ import annotations

import copy
import ctypes
import functools
import threading
import time

import numpy as np

from . import rounds

#: Fused multiply-add units per core assumed by the nominal peak (see the module docstring).
FMA_UNITS = 2
#: Cycles of one dependent 64-bit integer multiply and exclusive-or (x86 since Haswell and Zen: 3 + 1).
MULTIPLY_XOR_CYCLES = 4
DTYPES = ("float64", "float32")


def _fma_chains_ir(scalar: str, lanes: int, chains: int) -> str:
    """LLVM IR of `chains(n, x, y)`: `chains` vectors of `lanes`, each updated n times as c = c*x + y."""
    vector = f"<{lanes} x {scalar}>"
    name = f"llvm.fmuladd.v{lanes}{'f64' if scalar == 'double' else 'f32'}"
    lines = [f"declare {vector} @{name}({vector}, {vector}, {vector})",
             f"define {scalar} @chains(i64 %n, {scalar} %x, {scalar} %y) {{",
             "entry:",
             f"  %x1 = insertelement {vector} undef, {scalar} %x, i32 0",
             f"  %xs = shufflevector {vector} %x1, {vector} undef, <{lanes} x i32> zeroinitializer",
             f"  %y1 = insertelement {vector} undef, {scalar} %y, i32 0",
             f"  %ys = shufflevector {vector} %y1, {vector} undef, <{lanes} x i32> zeroinitializer",
             "  br label %loop",
             "loop:",
             "  %i = phi i64 [0, %entry], [%next, %loop]"]
    lines += [f"  %c{c} = phi {vector} [%ys, %entry], [%d{c}, %loop]" for c in range(chains)]
    lines += [f"  %d{c} = call {vector} @{name}({vector} %c{c}, {vector} %xs, {vector} %ys)" for c in range(chains)]
    lines += ["  %next = add i64 %i, 1", "  %more = icmp ult i64 %next, %n",
              "  br i1 %more, label %loop, label %done", "done:"]
    total = "%d0"
    for c in range(1, chains):  # the chains' sum is returned, so no chain is dead code
        lines.append(f"  %s{c} = fadd {vector} {total}, %d{c}")
        total = f"%s{c}"
    lines += [f"  %r = extractelement {vector} {total}, i32 0", f"  ret {scalar} %r", "}"]
    return "\n".join(lines)


_CLOCK_IR = """
define i64 @chain(i64 %n, i64 %x0, i64 %k) {
entry:
  br label %loop
loop:
  %i = phi i64 [0, %entry], [%next, %loop]
  %x = phi i64 [%x0, %entry], [%x8, %loop]
  %x1 = mul i64 %x, %k
  %x2 = xor i64 %x1, %x0
  %x3 = mul i64 %x2, %k
  %x4 = xor i64 %x3, %x0
  %x5 = mul i64 %x4, %k
  %x6 = xor i64 %x5, %x0
  %x7 = mul i64 %x6, %k
  %x8 = xor i64 %x7, %x0
  %next = add i64 %i, 1
  %more = icmp ult i64 %next, %n
  br i1 %more, label %loop, label %done
done:
  ret i64 %x8
}
"""

_ENGINES = []  # the compiled kernels' execution engines: their machine code lives as long as they do


def _compiled(ir: str, function: str, restype, argtypes):
    """`function` of `ir`, compiled by llvmlite for Numba's target, as a ctypes function."""
    import llvmlite.binding as llvm

    from ..numba_kernels.target import compile_target

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    cpu, features = compile_target()
    # each engine owns its target machine: one machine shared by two engines is freed twice
    machine = llvm.Target.from_default_triple().create_target_machine(cpu=cpu, features=features, opt=3)
    module = llvm.parse_assembly(ir)
    module.verify()
    engine = llvm.create_mcjit_compiler(module, machine)
    engine.finalize_object()
    _ENGINES.append(engine)
    return ctypes.CFUNCTYPE(restype, *argtypes)(engine.get_function_address(function))


def _best_seconds(run, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _on_threads(call, threads: int) -> None:
    workers = [threading.Thread(target=call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


@functools.cache
def _fma_kernel(dtype: str):
    from ..numba_kernels.target import vector_isa

    isa = vector_isa()
    itemsize = np.dtype(dtype).itemsize
    lanes = isa.lanes(itemsize) if isa.vector_bytes >= 16 else 1
    chains = 24 if isa.registers >= 32 else 12
    scalar, c_type = ("double", ctypes.c_double) if dtype == "float64" else ("float", ctypes.c_float)
    kernel = _compiled(_fma_chains_ir(scalar, lanes, chains), "chains", c_type, (ctypes.c_int64, c_type, c_type))
    return kernel, 2 * lanes * chains, lanes  # flops per loop turn


def peak_gflops(dtype: str, threads: int, seconds: float = 0.05, repeats: int = 7) -> float:
    """GFLOP/s of the FMA kernel in `dtype` on `threads` threads at once (best of `repeats`)."""
    kernel, flops_per_turn, _ = _fma_kernel(dtype)
    turns = 1000
    while _best_seconds(lambda: kernel(turns, 0.999, 0.001), 1) < seconds / 4:
        turns *= 4
    best = _best_seconds(lambda: _on_threads(lambda: kernel(turns, 0.999, 0.001), threads), repeats)
    return threads * turns * flops_per_turn / best / 1e9


def measured_clock_ghz(seconds: float = 0.02, repeats: int = 9) -> float:
    """The clock one core ran at, from a chain of dependent integer multiplies and exclusive-ors."""
    chain = _compiled(_CLOCK_IR, "chain", ctypes.c_int64, (ctypes.c_int64, ctypes.c_int64, ctypes.c_int64))
    turns = 100_000
    while _best_seconds(lambda: chain(turns, 12345, 3), 1) < seconds / 4:
        turns *= 4
    return 4 * MULTIPLY_XOR_CYCLES * turns / _best_seconds(lambda: chain(turns, 12345, 3), repeats) / 1e9


def reported_clock_ghz() -> float | None:
    """The clock the operating system reports (Linux: /proc/cpuinfo's "cpu MHz"), None if it does not."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.lower().startswith("cpu mhz"):
                    return float(line.split(":", 1)[1]) / 1000
    except (OSError, ValueError):
        pass
    return None


def _triad_kernels():
    from numba import njit, prange

    @njit(parallel=True, fastmath={"contract"})
    def triad_parallel(a, b, c, s):
        for i in prange(a.size):
            a[i] = b[i] + s * c[i]

    @njit(fastmath={"contract"})
    def triad_serial(a, b, c, s):
        for i in range(a.size):
            a[i] = b[i] + s * c[i]

    return triad_serial, triad_parallel


def bandwidth_gbs(threads: int, l3_bytes: int, repeats: int = 5) -> dict:
    """GB/s of the triad on one thread and on `threads` (STREAM's counting: 3 arrays' bytes per pass)."""
    import numba

    size = max(4 * l3_bytes, 32 << 20) // 8
    a, b, c = np.empty(size), np.ones(size), np.full(size, 2.0)
    serial, parallel = _triad_kernels()
    serial(a, b, c, 3.0)  # compile, and touch every page of a
    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        parallel(a, b, c, 3.0)
        every = _best_seconds(lambda: parallel(a, b, c, 3.0), repeats)
    finally:
        numba.set_num_threads(previous)
    one = _best_seconds(lambda: serial(a, b, c, 3.0), repeats)
    return {"one_core": 3 * a.nbytes / one / 1e9, "all_cores": 3 * a.nbytes / every / 1e9, "array_bytes": a.nbytes}


def measure(threads: int | None = None) -> dict:
    """Peak GFLOP/s per dtype (one core, `threads` threads), nominal peaks, clocks and bandwidth, as
    a JSON-ready dict with a `notes` list that explains a measured peak more than 10% from nominal.
    Measured once per process and thread count (a few seconds); each call returns a fresh copy."""
    import numba

    return copy.deepcopy(_measure(threads or numba.get_num_threads()))


@functools.cache
def _measure(threads: int) -> dict:
    from ..numba_kernels.target import cache_sizes, vector_isa

    before = rounds.cpu_clock()
    isa = vector_isa()
    clock, reported = measured_clock_ghz(), reported_clock_ghz()
    limits = {"threads": threads, "isa": isa.describe(), "clock_ghz": clock, "reported_clock_ghz": reported,
              "fma_units_assumed": FMA_UNITS, "peak": {}, "notes": []}
    for dtype in DTYPES:
        _, _, lanes = _fma_kernel(dtype)
        per_cycle = FMA_UNITS * lanes * 2
        one, every = peak_gflops(dtype, 1), peak_gflops(dtype, threads)
        nominal = per_cycle * clock
        limits["peak"][dtype] = {"one_core": one, "all_cores": every, "lanes": lanes, "flops_per_cycle": per_cycle,
                                 "nominal_one_core": nominal,
                                 "nominal_one_core_at_reported_clock": per_cycle * reported if reported else None}
        off = one / nominal - 1
        if abs(off) > 0.10:
            limits["notes"].append(
                f"{dtype}: the FMA kernel reached {one:.0f} GFLOP/s on one core, {off:+.0%} from the nominal "
                f"{nominal:.0f} ({FMA_UNITS} FMA units x {lanes} lanes x 2 flops x {clock:.2f} GHz); it implies "
                f"{one / per_cycle:.2f} GHz, or {FMA_UNITS * one / nominal:.2g} FMA units at {clock:.2f} GHz")
    if reported and abs(clock / reported - 1) > 0.10:
        limits["notes"].append(f"the core ran at {clock:.2f} GHz (measured), the operating system reports "
                               f"{reported:.2f} GHz: that is its base clock, and the cores boost above it")
    limits["bandwidth"] = bandwidth_gbs(threads, cache_sizes().l3)
    use = rounds.cpu_use(before, rounds.cpu_clock())
    limits["others_cores"] = use["others"]
    if use["busy"]:
        who = (f"other programs kept {use['others']:.2f} cores busy" if use["others"] is not None
               else "this process was kept waiting for the cores")
        limits["notes"].append(f"{who} while the limits were measured: the peaks, the clock and the bandwidth "
                               "read low; rerun on a quiet machine")
    return limits


def limit_lines(limits: dict) -> list[str]:
    """The header lines of a run: peaks per dtype, clocks, bandwidth, and the notes."""
    reported = limits.get("reported_clock_ghz")
    lines = [f"machine limits (measured): clock {limits['clock_ghz']:.2f} GHz"
             + (f" (the OS reports {reported:.2f})" if reported else "")
             + f"; triad bandwidth {limits['bandwidth']['one_core']:.3g} GB/s on 1 thread, "
             f"{limits['bandwidth']['all_cores']:.3g} on {limits['threads']}"]
    for dtype, peak in limits["peak"].items():
        lines.append(f"   peak {dtype}: {peak['one_core']:.4g} GFLOP/s on 1 thread, {peak['all_cores']:.4g} on "
                     f"{limits['threads']} (nominal {peak['nominal_one_core']:.4g} per core: "
                     f"{limits['fma_units_assumed']} FMA units x {peak['lanes']} lanes x 2 flops x clock)")
    lines += [f"   note: {note}" for note in limits.get("notes", [])]
    return lines


def peak_for(limits: dict | None, dtype: str, threads: int) -> float | None:
    """The ceiling a contender on `threads` threads is read against: the one-core peak for one
    thread, else the all-threads peak (None when the run has no limits or not this dtype)."""
    if not limits or dtype not in limits.get("peak", {}):
        return None
    return limits["peak"][dtype]["one_core" if threads <= 1 else "all_cores"]
