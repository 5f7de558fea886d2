"""Benchmarks: Eventscope against TensorBoard (Rust data server, whole server, Python loader) and tbparse."""
