"""indented_json.dumps is json.dumps(indent=2, ensure_ascii=False, default=jsonable), byte for byte."""

from __future__ import annotations

import enum
import json
import math
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.model import Level, Location
from toolkit.report.common import jsonable
from toolkit.report.indented_json import dumps


class Color(enum.IntEnum):
    RED = 1


def stdlib(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, default=jsonable)


scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text() | st.sampled_from([Level.ERROR, Color.RED, Path("a/b"), Location("f.sql", 1, 2),
                                          frozenset({"b", "a"}), "\x00\u2028é\"\\"]))
keys = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
values = st.recursive(
    scalars,
    lambda inner: (st.lists(inner, max_size=5) | st.lists(inner, max_size=3).map(tuple)
                   | st.dictionaries(keys, inner, max_size=5)
                   | st.dictionaries(st.text(), inner, max_size=3).map(OrderedDict)),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_text_as_the_standard_library(obj: Any) -> None:
    assert dumps(obj, jsonable) == stdlib(obj)


def test_special_floats_and_empty_containers() -> None:
    obj = {"nan": math.nan, "inf": [math.inf, -math.inf], "e": {}, "l": [], "t": (), 1.5: [{}], None: [[]]}
    assert dumps(obj, jsonable) == stdlib(obj)


def test_a_key_json_cannot_write_is_a_type_error_as_there() -> None:
    with pytest.raises(TypeError):
        stdlib({(1, 2): 1})
    with pytest.raises(TypeError):
        dumps({(1, 2): 1}, jsonable)
