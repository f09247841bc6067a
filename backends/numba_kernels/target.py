"""What the numba GEMM is compiled for: the target CPU's vector registers and the host's caches.

    isa = target.vector_isa()     # VectorISA(name='avx2', vector_bytes=32, registers=16, fma=True, ...)
    caches = target.cache_sizes() # Caches(l1d=49152, l2=1048576, l3=33554432, source='sysfs')

NN_BACKENDS_CACHES="32K,512K,16M" (L1d, L2, L3) overrides the caches read from the host, for a
virtual machine that reports its host's caches wrongly, or to try other block sizes.

The target is Numba's own: the CPU named by NUMBA_CPU_NAME (else the host's) with the features of
NUMBA_CPU_FEATURES (else the host's), exactly what Numba hands LLVM. Note that Numba keeps the
host's features when only NUMBA_CPU_NAME is set: `NUMBA_CPU_NAME=haswell` on an AVX-512 machine still
compiles AVX-512 code. To compile for a Haswell (AVX2) alone, set both:
`NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=` (empty: the named CPU's own features).

Rather than keep a table of CPU names, the vector ISA is read from LLVM itself: a few lines of IR
(a multiply and an add of 16 floats, and their fused multiply-add) are compiled for the target, and
the assembly says which registers LLVM used (zmm: 64 bytes, ymm: 32, xmm or NEON: 16) and whether it
has a fused multiply-add instruction (without one, LLVM calls the C library's fmaf instead).
"""

from __future__ import annotations

import functools
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

import llvmlite.binding as llvm
import numba

#: Names the L1d, L2 and L3 sizes to use instead of the host's, e.g. "32K,512K,16M".
CACHES_VARIABLE = "NN_BACKENDS_CACHES"
#: Used when the host does not say (sysfs, sysconf and sysctl all silent): a common laptop's caches.
DEFAULT_CACHES = {"l1d": 32 * 1024, "l2": 256 * 1024, "l3": 8 * 1024 * 1024}

_PROBE_IR = """
define void @width(<16 x float>* %p) #0 {
  %v = load <16 x float>, <16 x float>* %p
  %m = fmul <16 x float> %v, %v
  %s = fadd <16 x float> %m, %v
  store <16 x float> %s, <16 x float>* %p
  ret void
}
define void @fused(<16 x float>* %p) #0 {
  %v = load <16 x float>, <16 x float>* %p
  %f = call <16 x float> @llvm.fma.v16f32(<16 x float> %v, <16 x float> %v, <16 x float> %v)
  store <16 x float> %f, <16 x float>* %p
  ret void
}
declare <16 x float> @llvm.fma.v16f32(<16 x float>, <16 x float>, <16 x float>)
attributes #0 = { "prefer-vector-width"="512" "min-legal-vector-width"="512" }
"""


@dataclass(frozen=True)
class VectorISA:
    """The vector registers the target CPU gives the micro-kernel."""

    name: str           # avx512, avx2, avx, sse2, neon or scalar
    vector_bytes: int   # width of one vector register
    registers: int      # how many of them
    fma: bool           # fused multiply-add instructions
    cpu: str            # the CPU name LLVM compiles for
    explicit: bool      # the target was set by NUMBA_CPU_NAME / NUMBA_CPU_FEATURES

    def lanes(self, itemsize: int) -> int:
        """Elements of `itemsize` bytes in one vector register."""
        return max(1, self.vector_bytes // itemsize)

    def describe(self) -> str:
        fused = "FMA" if self.fma else "no FMA"
        chosen = " (set by NUMBA_CPU_NAME/NUMBA_CPU_FEATURES)" if self.explicit else ""
        return f"{self.name}: {self.registers} x {8 * self.vector_bytes}-bit registers, {fused}, cpu {self.cpu}{chosen}"


def compile_target() -> tuple[str, str]:
    """(cpu name, feature string) exactly as Numba passes them to LLVM in this process."""
    name = numba.config.CPU_NAME or llvm.get_host_cpu_name()
    if numba.config.CPU_FEATURES is not None:
        return name, numba.config.CPU_FEATURES
    from .numba_internals import host_cpu_features

    return name, host_cpu_features()


def features_only_from_host() -> bool:
    """True when NUMBA_CPU_NAME is set and NUMBA_CPU_FEATURES is not: Numba then compiles for the
    named CPU's scheduling with the host's instructions (see the module docstring)."""
    return numba.config.CPU_NAME is not None and numba.config.CPU_FEATURES is None


@functools.cache
def _probe(cpu: str, features: str) -> tuple[int, bool, str]:
    """(vector bytes, fused, assembly) of the probe compiled for cpu + features."""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    machine = target.create_target_machine(cpu=cpu, features=features, opt=2)
    module = llvm.parse_assembly(_PROBE_IR)
    module.triple = machine.triple
    assembly = machine.emit_assembly(module)
    plain, _, fused_part = assembly.partition("fused:")
    if re.search(r"zmm", plain):
        width = 64
    elif re.search(r"ymm", plain):
        width = 32
    elif re.search(r"xmm|\bv\d+\.4s|\bq\d+", plain):
        width = 16
    else:
        width = 8
    fused = bool(re.search(r"\bvfmadd|\bfmla\b", fused_part)) and "fmaf" not in fused_part
    return width, fused, assembly


@functools.cache
def vector_isa(cpu: str | None = None, features: str | None = None) -> VectorISA:
    """The vector ISA of Numba's target (or of `cpu` + `features`, for tests), read from LLVM."""
    explicit = cpu is None and (numba.config.CPU_NAME is not None or numba.config.CPU_FEATURES is not None)
    if cpu is None:
        cpu, default_features = compile_target()
        features = default_features if features is None else features
    width, fused, _ = _probe(cpu, features or "")
    arm = platform.machine().lower() in ("arm64", "aarch64")
    if arm:
        name, registers = ("neon" if width >= 16 else "scalar"), 32
    elif width == 64:
        name, registers = "avx512", 32
    elif width == 32:
        name, registers = ("avx2" if fused else "avx"), 16
    elif width == 16:
        name, registers = "sse2", 16
    else:
        name, registers = "scalar", 16
    return VectorISA(name, width, registers, fused, cpu, explicit)


@dataclass(frozen=True)
class Caches:
    """Data cache sizes of one core, in bytes (l3: the whole shared cache), and where they came from."""

    l1d: int
    l2: int
    l3: int
    source: str  # sysfs, sysconf, sysctl, or default (with the defaults' values for what was missing)

    def describe(self) -> str:
        return f"L1d {_kib(self.l1d)}, L2 {_kib(self.l2)}, L3 {_kib(self.l3)} ({self.source})"


def _kib(size: int) -> str:
    return f"{size // 1024 ** 2} MiB" if size >= 1024 ** 2 and size % 1024 ** 2 == 0 else f"{size // 1024} KiB"


def _size(text: str) -> int:
    """'48K', '1024K', '32M' or a byte count, as bytes."""
    text = text.strip().upper()
    scale = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale


def _from_sysfs(root: Path = Path("/sys/devices/system/cpu/cpu0/cache")) -> dict[str, int]:
    found = {}
    for index in sorted(root.glob("index*")):
        try:
            level = int((index / "level").read_text())
            kind = (index / "type").read_text().strip()
            size = _size((index / "size").read_text())
        except (OSError, ValueError):
            continue
        if kind in ("Data", "Unified"):
            found.setdefault({1: "l1d", 2: "l2", 3: "l3"}.get(level, ""), size)
    found.pop("", None)
    return found


def _from_sysconf() -> dict[str, int]:
    names = {"l1d": "SC_LEVEL1_DCACHE_SIZE", "l2": "SC_LEVEL2_CACHE_SIZE", "l3": "SC_LEVEL3_CACHE_SIZE"}
    found = {}
    for key, name in names.items():
        try:
            value = os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
        if value and value > 0:
            found[key] = value
    return found


def _from_sysctl() -> dict[str, int]:
    import subprocess

    names = {"l1d": "hw.l1dcachesize", "l2": "hw.l2cachesize", "l3": "hw.l3cachesize"}
    found = {}
    for key, name in names.items():
        try:
            value = int(subprocess.run(["sysctl", "-n", name], capture_output=True, text=True, timeout=2).stdout)
        except (OSError, ValueError, subprocess.SubprocessError):
            continue
        if value > 0:
            found[key] = value
    return found


@functools.cache
def cache_sizes() -> Caches:
    """This host's cache sizes: from NN_BACKENDS_CACHES if set, else Linux's sysfs, else sysconf,
    else macOS's sysctl, else `DEFAULT_CACHES` for whatever none of them told."""
    given = os.environ.get(CACHES_VARIABLE)
    if given:
        try:
            l1d, l2, l3 = (_size(part) for part in given.split(","))
        except ValueError:
            raise ValueError(f"{CACHES_VARIABLE} must be three sizes, L1d,L2,L3, such as 32K,512K,16M; "
                             f"got {given!r}") from None
        return Caches(l1d, l2, l3, source=CACHES_VARIABLE)
    for source, read in (("sysfs", _from_sysfs), ("sysconf", _from_sysconf), ("sysctl", _from_sysctl)):
        found = read() if source != "sysctl" or platform.system() == "Darwin" else {}
        if "l1d" in found and "l2" in found:
            missing = set(DEFAULT_CACHES) - set(found)
            label = source if not missing else f"{source}; {', '.join(sorted(missing))} default"
            return Caches(**{**DEFAULT_CACHES, **found}, source=label)
    return Caches(**DEFAULT_CACHES, source="default")
