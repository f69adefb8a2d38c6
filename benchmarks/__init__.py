"""Side-by-side measurements; run with `python -m benchmarks.<name>`."""
