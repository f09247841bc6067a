"""Benchmarks of the three backends and their peers: the cases (`cases`, with the models they
train in `models`), the clock and the machine's settings (`timing`), the printed tables, JSON and
plot (`report`), and the speed targets and headline table rendered from result files
(`speed_targets`). The commands are `backends/cli/bench.py` and `nn-backends targets`."""
