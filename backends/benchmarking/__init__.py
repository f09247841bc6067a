"""Benchmarks of the three backends and their peers: the cases (`cases`), the clock (`timing`), the
printed tables, JSON and plot (`report`), and the `nn-backends bench` command (`command`)."""
