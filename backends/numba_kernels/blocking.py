"""Cache blocking and packing around the micro-kernel: the loops of BLIS, written as Numba loops.

`block` walks the output in NC-column panels, k blocks of depth KC, MC-row blocks and NR-column
micro-panels, so that a micro-panel of B stays in L1, a block of A in L2 and a panel of B in L3
while the micro-kernel (generated, `microkernels/`) runs MR x NR tiles of it. The tile and the block
sizes and packing thresholds are read at run time (`gemm_settings.setting`: the rule's, or what the
planner measured); the tile is a constant of the compiled code (`tiling.tile_shape`). `pack_a` and `pack_b` copy blocks into the contiguous order the micro-kernel reads;
`prepack_b` packs all of B once for a whole product. The drivers in `gemm.py` call these; nothing
else does.
"""

import numpy as np
from numba import njit

from . import gemm_settings as settings
from .gemm_settings import setting
from .tiling import microkernel, tile_shape

U0 = np.uint64(0)
U1 = np.uint64(1)


@njit(cache=True)
def pack_a(a, ta, i0, mc, k0, kc, Ap):
    """Rows i0..i0+mc of op(a), columns k0..k0+kc, into MR-row slivers:
    Ap[s*kc*MR + p*MR + ii] = op(a)[i0 + s*MR + ii, k0 + p], zero padded to a multiple of MR rows."""
    MR, _ = tile_shape(Ap)
    nsl = (mc + MR - 1) // MR
    for s in range(nsl):
        base = s * kc * MR
        r0 = i0 + s * MR
        rows = min(MR, i0 + mc - r0)
        if ta:  # a is (k, n): contiguous copy
            for p in range(kc):
                src = a[k0 + p]
                o = base + p * MR
                for ii in range(rows):
                    Ap[o + ii] = src[r0 + ii]
                for ii in range(rows, MR):
                    Ap[o + ii] = 0
        else:   # a is (n, k): transpose MR rows
            if rows < MR:
                for q in range(base, base + kc * MR):
                    Ap[q] = 0
            for ii in range(rows):
                src = a[r0 + ii]
                for p in range(kc):
                    Ap[base + p * MR + ii] = src[k0 + p]


@njit(cache=True)
def pack_b(b, tb, j0, k0, kc, Bp, off):
    """Columns j0..j0+NR of op(b), rows k0..k0+kc, as one panel:
    Bp[off + p*NR + jj] = op(b)[k0 + p, j0 + jj], zero padded to NR columns."""
    _, NR = tile_shape(Bp)
    m = b.shape[0] if tb else b.shape[1]
    cols = min(NR, m - j0)
    if tb:   # b is (m, k): transpose
        if cols < NR:
            for q in range(off, off + kc * NR):
                Bp[q] = 0
        for p0 in range(0, kc, 64):
            p1 = min(kc, p0 + 64)
            for jj in range(cols):
                src = b[j0 + jj]
                for p in range(p0, p1):
                    Bp[off + p * NR + jj] = src[k0 + p]
    else:    # b is (k, m): contiguous copy
        for p in range(kc):
            src = b[k0 + p]
            o = off + p * NR
            for jj in range(cols):
                Bp[o + jj] = src[j0 + jj]
            for jj in range(cols, NR):
                Bp[o + jj] = 0


@njit(cache=True)
def edge_store(T, out, i0, j0, mr, nr, accumulate, bias, has_bias, relu, z):
    """The valid mr x nr corner of the scratch tile T into out at (i0, j0), finished like a full tile."""
    for ii in range(mr):
        for jj in range(nr):
            v = T[ii, jj]
            if accumulate:
                v += out[i0 + ii, j0 + jj]
            if has_bias:
                v += bias[j0 + jj]
            if relu and v < z:
                v = z
            out[i0 + ii, j0 + jj] = v


@njit(cache=True)
def block(a, b, out, ta, tb, Bpk, bpacked, i_lo, i_hi, bias, has_bias, relu):
    """Rows [i_lo, i_hi) of out = op(a)·op(b) (+ bias) (ReLU), all columns, tile by tile.

    a, b, out: C-ordered 2-D arrays of one dtype. ta: a is stored (k, n) and read transposed. tb: b is
    stored (m, k) and read transposed. Bpk: b packed into NR-column panels by `prepack_b` (read only
    where bpacked). bias: one value per column of out, added where has_bias. relu: clamp at zero.
    A is read in place, or packed into MR-row slivers when it is reused across many panels; B is
    read from the prepacked panels, in place (row-major, full panel) or packed per panel; edge tiles
    are computed into a scratch tile and only their valid part is stored."""
    MR, NR = tile_shape(out)
    KC, MC, NC = setting(out, settings.KC), setting(out, settings.MC), setting(out, settings.NC)
    n, m = out.shape
    K = a.shape[0] if ta else a.shape[1]
    af = a.reshape(a.size)
    bf = b.reshape(b.size)
    dt = out.dtype
    Bedge = np.empty(KC * NR, dtype=dt)
    Aedge = np.empty(KC * MR, dtype=dt)
    T = np.empty((MR, NR), dtype=dt)
    zeros = np.zeros(((m + NR - 1) // NR) * NR, dtype=dt)
    z = zeros[0]
    if ta:   # a is (k, n): element (i, p) at p*n + i
        sap = n
        sai = 1
    else:    # a is (n, k): element (i, p) at i*k + p
        sap = 1
        sai = K
    # A is read in place by rule: its MR rows are MR streams the micro-kernel broadcasts from, and
    # packing them (a transposing copy of every block) cost more than it saved (AVX2, one core: 100³
    # in 62 against 76 µs, 1024³ 40 against 56 ms). aᵀ with long rows is packed: power-of-two
    # strides between its columns make the in-place slivers fight over the same L1 sets. Each form's
    # row threshold is a run-time setting, so the planner can measure the other choice
    if ta:
        pack_from = setting(out, settings.PACK_A_ROWS_ATB)
    elif tb:
        pack_from = setting(out, settings.PACK_A_ROWS_ABT)
    else:
        pack_from = setting(out, settings.PACK_A_ROWS_AB)
    a_is_packed = m >= 4 * NR and n >= pack_from
    Ap = np.empty(((MC + MR - 1) // MR) * MR * KC if a_is_packed else 0, dtype=dt)
    uMR = np.uint64(MR)
    uNR = np.uint64(NR)
    usap = np.uint64(sap)
    usai = np.uint64(sai)
    um = np.uint64(m)
    of = out.reshape(out.size)
    Tf = T.reshape(T.size)
    for jc in range(0, m, NC):
        for k0 in range(0, K, KC):
            kc = min(KC, K - k0)
            first = k0 == 0
            last = k0 + kc == K
            init = bias if (has_bias and first) else zeros
            for i0 in range(i_lo, i_hi, MC):
                mc = min(MC, i_hi - i0)
                if a_is_packed:   # MC x kc block of A into MR-row slivers (contiguous, no cache-set conflicts)
                    pack_a(a, ta, i0, mc, k0, kc, Ap)
                for j0 in range(jc, min(m, jc + NC), NR):
                    nr = min(NR, m - j0)
                    if bpacked:
                        B = Bpk
                        bo = (j0 // NR) * K * NR + k0 * NR
                        ldb = NR
                    elif nr == NR and not tb:
                        B = bf
                        bo = k0 * m + j0
                        ldb = m
                    else:
                        pack_b(b, tb, j0, k0, kc, Bedge, 0)
                        B = Bedge
                        bo = 0
                        ldb = NR
                    ubo, uldb = np.uint64(bo), np.uint64(ldb)
                    accumulate, finish = not first, relu and last
                    for s in range(0, mc, MR):
                        r0 = i0 + s
                        mr = min(MR, mc - s)
                        # one call per case, each naming its arrays: rebinding an array variable here
                        # (A = Ap or af ...) would cost two atomic reference counts per tile
                        if mr == MR and nr == NR and a_is_packed:
                            microkernel(kc, Ap, np.uint64(s * kc), uMR, U1, B, ubo, uldb, of, np.uint64(r0 * m + j0),
                                        um, init, np.uint64(j0), accumulate, finish, z)
                        elif mr == MR and nr == NR:
                            microkernel(kc, af, np.uint64(r0 * sai + k0 * sap), usap, usai, B, ubo, uldb, of,
                                        np.uint64(r0 * m + j0), um, init, np.uint64(j0), accumulate, finish, z)
                        else:   # edge tile: rows packed (zero padded), result into T, valid part stored
                            pack_a(a, ta, r0, mr, k0, kc, Aedge)
                            microkernel(kc, Aedge, U0, uMR, U1, B, ubo, uldb, Tf, U0, uNR, zeros, U0, False, False, z)
                            edge_store(T, out, r0, j0, mr, nr, accumulate, bias, has_bias and first, finish, z)


@njit(cache=True)
def prepack_b(b, tb, K, m):
    """All of op(b) as NR-column panels, one after another, each K deep."""
    _, NR = tile_shape(b)
    npan = (m + NR - 1) // NR
    Bpk = np.empty(npan * K * NR, dtype=b.dtype)
    for jp in range(npan):
        pack_b(b, tb, jp * NR, 0, K, Bpk, jp * K * NR)
    return Bpk


@njit(cache=True)
def finish_empty(out, bias, has_bias, relu):
    """out of a product over an empty k: the bias (or zero), clamped where relu."""
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            out[i, j] = 0
            if has_bias:
                out[i, j] = bias[j]
            if relu and out[i, j] < 0:
                out[i, j] = 0
