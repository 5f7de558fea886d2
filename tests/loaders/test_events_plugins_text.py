"""events.plugins.text: string tensors of any rank become value, shape and row-major values."""

from __future__ import annotations

import numpy as np
import pytest

from loaders.events.plugins.text import from_tensor


def _strings(items: list[bytes], shape: tuple[int, ...]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array.reshape(shape)


def test_text_from_tensor_0d():
    assert from_tensor(_strings([b"**hi**"], ())) == ("**hi**", [], ["**hi**"])


def test_text_from_tensor_3d_row_major_and_bad_utf8():
    items = [b"a", b"b", b"c", b"d", b"e", b"\xe9t\xc3\xa9"]
    value, shape, values = from_tensor(_strings(items, (1, 2, 3)))
    assert shape == [1, 2, 3]
    assert values == ["a", "b", "c", "d", "e", "\ufffdt\u00e9"]
    assert value == "a\nb\nc\nd\ne\n\ufffdt\u00e9"


def test_text_from_tensor_refuses_numbers():
    with pytest.raises(ValueError, match="string tensor"):
        from_tensor(np.array([1.0]))
