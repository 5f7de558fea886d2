"""Text: string tensors of any rank as a value (elements joined by newlines), a shape and the elements."""

from __future__ import annotations

import numpy as np

# Own columns, in schema order: value, shape, values.
TextRow = tuple[str, list[int], list[str]]


def from_tensor(array: np.ndarray) -> TextRow:
    """Return the columns of a text summary tensor.

    Args:
        array: the decoded string tensor (object array of bytes), any rank.

    Returns:
        value (the elements in row-major order joined by "\\n"; the element itself for a
        0-d tensor), shape, and the elements decoded as UTF-8 (bad bytes replaced).

    Raises:
        ValueError: when the tensor does not hold strings.
    """
    if array.dtype != object:
        raise ValueError(f"text must be a string tensor, got {array.dtype} of shape {list(array.shape)}")
    values = [item.decode("utf-8", errors="replace") for item in array.reshape(-1)]
    return "\n".join(values), list(array.shape), values
