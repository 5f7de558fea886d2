"""Eventscope loaders: TensorBoard event files and profiler captures as Arrow tables and DataFrames."""
