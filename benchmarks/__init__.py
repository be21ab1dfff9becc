"""hoinghe's benchmarks: every figure a ratio or a time measured side by side in one run (``python -m benchmarks``)."""
