"""Generate the micro-kernel `_uk` of backends/numba_gemm.py: an MR x NR block of scalar accumulators
that LLVM's SLP vectorizer turns into vector registers. Print it with

    python tools/generate_numba_microkernel.py > /tmp/uk.py      # 6 x 32: AVX-512 (32 registers)

and paste it over the `_uk` section of numba_gemm.py (for AVX2 machines, 16 registers, try 6 x 16).
"""


def gen_uk(MR, NR):
    L=[]
    A=L.append
    A("# unsigned index constants: Numba skips the negative-index wraparound for unsigned indices, which")
    A("# lets LLVM see consecutive addresses (vector loads/stores) and avoids array views (refcounting)")
    A("_U = [np.uint64(v) for v in range(%d)]" % max(MR, NR))
    for v in range(max(MR, NR)):
        A(f"U{v} = _U[{v}]")
    A("")
    A("")
    A("@njit(cache=True, fastmath={'contract'}, inline='always')")
    A("def _uk(kc, A, ao, sap, sai, B, bo, ldb, O, oo, ldo, init, jo, accumulate, relu, z):")
    A(f"    # O[oo + i*ldo + j] = (O[..] if accumulate) + init[jo + j] + sum_p A[ao + p*sap + i*sai] * B[bo + p*ldb + j]")
    A(f"    # for i < {MR}, j < {NR}, then max(., 0) if relu.  All arrays flat, all offsets/strides uint64.")
    A(f"    # {MR*NR} scalar accumulators: LLVM's SLP vectorizer keeps them in {MR} x {NR}-wide vector registers.")
    A("    " + ", ".join(f"q{j}" for j in range(NR)) + " = " + ", ".join(f"init[jo + U{j}]" for j in range(NR)))
    for i in range(MR):
        A("    " + ", ".join(f"c{i}_{j}" for j in range(NR)) + " = " + ", ".join(f"q{j}" for j in range(NR)))
    A("    s0 = U0")
    for i in range(1, MR):
        A(f"    s{i} = s{i-1} + sai")
    A("    for p in range(kc):")
    A("        up = np.uint64(p)")
    A("        pb = bo + up * ldb")
    A("        pa = ao + up * sap")
    for j in range(NR):
        A(f"        b{j} = B[pb + U{j}]")
    for i in range(MR):
        A(f"        a = A[pa + s{i}]")
        for j in range(NR):
            A(f"        c{i}_{j} += a * b{j}")
    for i in range(MR):
        A(f"    o{i} = oo + U{i} * ldo")
    A("    if accumulate:")
    for i in range(MR):
        for j in range(NR):
            A(f"        c{i}_{j} += O[o{i} + U{j}]")
    A("    if relu:")
    for i in range(MR):
        for j in range(NR):
            A(f"        c{i}_{j} = max(c{i}_{j}, z)")
    for i in range(MR):
        for j in range(NR):
            A(f"    O[o{i} + U{j}] = c{i}_{j}")
    return "\n".join(L) + "\n"
if __name__ == "__main__":
    import sys

    rows, columns = (int(v) for v in sys.argv[1:3]) if len(sys.argv) > 2 else (6, 32)
    print(gen_uk(rows, columns))
