"""Eventscope's Dash app: a TensorBoard-compatible experiment viewer served with `python -m dashboard`."""
