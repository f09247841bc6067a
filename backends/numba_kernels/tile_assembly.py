"""The micro-kernel's inner loop as the CPU will run it: read from the compiled assembly.

    report = tile_assembly.inner_loop(np.float64)
    report.multiplies, report.stack_accesses, report.registers   # 12, 0, 16 for AVX2's 3 x 16

Whether a tile's accumulators stay in registers is a fact of the machine code, not of the source:
`inner_loop` compiles a private, uncached copy of the chosen tile's kernel (Numba refuses to show
the assembly of code it loaded from its disk cache) with SLP vectorization on, as `gemm.prepare`
compiles it, finds the loop that does the multiply-adds (the backward branch whose body holds the
most of them) and counts, inside it, the vector multiply-adds and every load or store addressed off
the stack pointer: a spill. The tests check every ISA's tile this way, and the ladder uses it to
say why the packed rung loses when it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numba
import numpy as np

from .numba_internals import slp_vectorization
from .tiling import gemm_plan, kernel_module

#: A vector multiply-add, or a vector multiply (SSE2 and AVX without FMA multiply, then add).
MULTIPLY = re.compile(r"^\s*(vfn?madd\d*[ps][sd]|v?mulp[sd]|fmla)\b")
#: An operand addressed off the stack pointer (x86 AT&T syntax, or AArch64's [sp, ...]). Not %rbp:
#: without a frame pointer, LLVM uses it as one more general register (a stride, say).
STACK = re.compile(r"\(%rsp\b|\[sp\b")
LABEL = re.compile(r"^(\.?L\w+):")
BRANCH = re.compile(r"^\s*(j\w+|b(\.\w+)?|cbn?z|tbn?z)\s+(\.?L\w+)")
VECTOR_REGISTER = re.compile(r"%([xyz]mm\d+)|\b(v\d+)\.\d*[bhsd]\b|\b(q\d+)\b")


@dataclass(frozen=True)
class LoopReport:
    """What the micro-kernel's inner loop holds, per step of k."""

    tile: tuple[int, int]
    multiplies: int        # vector multiply-adds (or multiplies) per step
    stack_accesses: int    # loads and stores off the stack: spilled accumulators
    registers: int         # distinct vector registers the loop names
    instructions: int

    @property
    def spills(self) -> bool:
        return self.stack_accesses > 0

    def describe(self) -> str:
        spilled = (f"{self.stack_accesses} stack accesses per step: accumulators spilled" if self.spills
                   else "no stack accesses: the accumulators stay in registers")
        return (f"tile {self.tile[0]}x{self.tile[1]}: {self.multiplies} vector multiply-adds and {spilled} "
                f"({self.registers} vector registers, {self.instructions} instructions per step)")


def loop_of(assembly: str) -> list[str]:
    """The body of the loop with the most multiply instructions: the lines from a label to the last
    branch back to it."""
    lines = assembly.splitlines()
    labels = {}
    best: list[str] = []
    most = 0
    for number, line in enumerate(lines):
        label = LABEL.match(line)
        if label:
            labels[label.group(1)] = number
        branch = BRANCH.match(line)
        if branch and branch.group(3) in labels and labels[branch.group(3)] < number:
            body = lines[labels[branch.group(3)] + 1:number + 1]
            multiplies = sum(bool(MULTIPLY.match(item)) for item in body)
            if multiplies > most:
                best, most = body, multiplies
    return best


def analyse(assembly: str, tile: tuple[int, int]) -> LoopReport:
    body = [line for line in loop_of(assembly) if line.strip() and not line.strip().startswith(("#", ".", "//"))]
    registers = {next(group for group in found if group) for line in body for found in VECTOR_REGISTER.findall(line)}
    return LoopReport(tile=tile,
                      multiplies=sum(bool(MULTIPLY.match(line)) for line in body),
                      stack_accesses=sum(bool(STACK.search(line)) for line in body),
                      registers=len(registers),
                      instructions=len(body))


def kernel_assembly(dtype) -> tuple[str, tuple[int, int]]:
    """(assembly, tile) of a fresh, uncached compile of `dtype`'s micro-kernel for Numba's target."""
    dtype = np.dtype(dtype)
    tile = gemm_plan(dtype).tile
    private = numba.njit(cache=False, fastmath={'contract'})(kernel_module(*tile).microkernel.py_func)
    element = numba.from_dtype(dtype)
    vector, offset, flag = element[::1], numba.uint64, numba.boolean
    signature = (numba.int64, vector, offset, offset, offset, vector, offset, offset, vector, offset, offset,
                 vector, offset, flag, flag, element)
    with slp_vectorization():
        private.compile(signature)
    return private.inspect_asm(signature), tile


def inner_loop(dtype) -> LoopReport:
    """The report on `dtype`'s micro-kernel loop, as compiled for this process's target (seconds)."""
    assembly, tile = kernel_assembly(dtype)
    return analyse(assembly, tile)
