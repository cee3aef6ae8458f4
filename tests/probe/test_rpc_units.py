"""The RPC probe's pure parts: which argument names point at which tables, which values are
recognisable as user A's, and how a response is searched for them."""

from __future__ import annotations

from toolkit.probe.rpc_args import _fits, _name_stems, _plurals
from toolkit.probe.rpc_values import _leaves, _loads, _recognisable


def test_function_names_and_table_names() -> None:
    assert _name_stems("cancel_order_item")[:3] == ["cancel_order_item", "cancel_order", "order_item"]
    assert "order" in _name_stems("get_order")
    assert _plurals("org") == ["org", "orgs", "orges", "organisation", "organisations",
                               "organization", "organizations"]
    assert "companies" in _plurals("company")


def test_argument_types_that_take_a_key() -> None:
    assert _fits("uuid", "uuid") and _fits("bigint", "integer") and _fits("uuid", "text")
    assert _fits("character varying(20)", "character varying")
    assert not _fits("uuid", "bigint") and not _fits("text", "uuid")


def test_recognisable_values() -> None:
    assert _recognisable("probe-0-item", "text") and _recognisable("7031.00", "numeric(10,2)")
    assert _recognisable("3653f7d9-c4f2-4590-b781-e0718a782055", "uuid")
    assert not _recognisable("open", "text") and not _recognisable("1", "integer")
    assert not _recognisable("2024-01-01 09:00:00+00", "timestamp with time zone")
    assert not _recognisable("true", "boolean")


def test_every_string_and_number_of_a_response_is_a_leaf() -> None:
    body = _loads('[{"a": "x", "n": 7031.00, "nested": {"list": [1, "y"]}, "t": true},'
                  ' "{\\"inner\\": \\"z\\"}"]')
    assert sorted(_leaves(body)) == sorted(["x", "7031.00", "1", "y", '{"inner": "z"}', "z"])


def test_call_declarations_name_functions() -> None:
    from toolkit.model import Function
    from toolkit.probe.rpc_verdict import resolve_calls

    fns = [Function("public", "get_profile", "public.get_profile(text)", "username text"),
           Function("public", "get_profile", "public.get_profile(uuid)", "id uuid")]
    declared, problems = resolve_calls({"get_profile": {"call": "public"},
                                        "public.get_profle": {"call": "authenticated"},
                                        "profiles": {"select": "public"}}, fns)
    assert declared == {"public.get_profile(text)": "public", "public.get_profile(uuid)": "public"}
    assert problems == ["expect.public.get_profle.call names no function the Data API exposes; "
                        "did you mean 'public.get_profile'?"]
