"""The numba backend's machinery, each piece in a module of its own.

The matrix product, along its data flow:
- `gemm`: the packed, register-blocked matrix product behind every dense layer (`product`, every
  argument named) and `prepare`, which compiles it per dtype; `products`: its compiled calls in the
  forms the dense layers use;
- `target`: what it is compiled for (the target CPU's vector ISA, read from LLVM; the host's caches);
- `tiling`: the plan for that CPU: the micro-tile per dtype (compiled in) and the rule's run-time
  settings; `gemm_settings`: the run-time settings (cache blocks, packing and thread thresholds) in
  one table compiled code reads, so they change without a compile;
- `planner` (with `planner_search`, its choice logic, and `planner_workloads`, what it times): those
  settings measured on this machine and kept in a per-user wisdom file (`wisdom`);
- `blocking`: the cache blocking and packing loops around the micro-kernel;
- `microkernels/`: the MR x NR register tiles, one GENERATED module per shape, written by
  `tools/generate_numba_microkernel.py` (do not edit; a test fails when one drifts);
- `vector_width`: the LLVM attribute that lets the micro-kernel use 512-bit vectors;
- `tile_assembly`: the micro-kernel's inner loop read from its machine code (spills, multiply-adds).

The compiled training step (a whole step, or many mini-batches of an epoch, as one call), offered
through the interface's `compiled_training_step` hook. It reads the model only as its training plan
(`backends.nn.plan`, plain data) and the arrays each call is given, and imports nothing of
`backends.nn`: `training_step`, with its pieces along the data flow `step_layers` (the layout table;
activations, dropout, penalties), `step_losses` and `step_updates`.

What the backend and the compiled step share lives here, below both, so neither imports the other:
`training_loops` (softmax's backward, the losses, penalties and optimizer updates; the backend puts
each behind its adapter) and `stable_formulas` (the stable sigmoid and softmax row).

The rest: `ladder_kernels` (rungs 2-6 of the optimization ladder), `adapters` (how the backend's
public functions hand arrays to kernels), `disk_cache` (keys Numba's disk cache on every source
file here and on the GEMM's tiles), `first_use` (a line on stderr while a kernel compiles for
long), `numba_internals` (every use of Numba's and llvmlite's internals, checked by a test).

`backends/numba_backend.py` is the readable front: the python backend's loops, compiled (those it
shares with the compiled step, from `training_loops`).
"""
