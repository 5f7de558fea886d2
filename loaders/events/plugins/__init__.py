"""Decode-time normalizers, one module per plugin kind: a summary value's encodings -> its table's row.

Each module turns every encoding of one plugin's values (legacy Summary.Value fields, TF2
tensors) into one canonical row, its own columns in the order loaders.schemas declares them.
They are pure functions of the value; loaders.events.values dispatches to them.
"""
