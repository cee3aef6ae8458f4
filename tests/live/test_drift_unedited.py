"""The parse-free drift shortcut: a file that is the applied statements verbatim, with only
whitespace, semicolons and line comments between them, is unedited; the shortcut never calls an
edited file unedited."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.drift import _unedited, first_difference, normalised_statements

STATEMENTS = [
    "create table public.a (id int primary key)",
    "select 1",
    "select 10",
    "select 'a  b'",
    "select 'a b'",
    "create policy p on public.a for select using (true)",
    "-- lead\ncreate index a_idx on public.a (id);",
    "do $$ begin perform 1; end $$",
    "select 1;",
    "insert into public.a values (1)",
]
GAPS = ["", " ", "\n", ";", ";\n", "\n-- note\n", "  ;  -- x\n\n", "/* block */", "\t"]


def test_both_recording_styles_are_recognised() -> None:
    ours = ["create table public.a (id int)", "create index i on public.a (id)"]
    cli = ["-- notes\ncreate table public.a (id int);", "create index i on public.a (id);"]
    text = "-- notes\ncreate table public.a (id int);\n\ncreate index i on public.a (id);\n"
    assert _unedited(ours, text) and _unedited(cli, text)
    assert first_difference(ours, text) is None and first_difference(cli, text) is None


def test_edits_are_not_taken_for_unedited() -> None:
    assert not _unedited(["select 'a b'"], "select 'a  b'")
    assert not _unedited(["select 1"], "select 10")
    assert not _unedited(["select 1", "select 2"], "select 1select 2")
    assert not _unedited(["select 1", "select 2"], "select 1\nselect 2")  # the semicolon was removed
    assert not _unedited(["select 1"], "select 1; select 2")
    assert first_difference(["select 1"], "select 1; select 2") == 1


@settings(max_examples=1000, deadline=None)
@given(st.data())
def test_the_shortcut_agrees_with_the_canonical_comparison(data: st.DataObject) -> None:
    stored = data.draw(st.lists(st.sampled_from(STATEMENTS), max_size=4))
    written = stored if data.draw(st.booleans()) else data.draw(st.lists(st.sampled_from(STATEMENTS), max_size=4))
    gaps = data.draw(st.lists(st.sampled_from(GAPS), min_size=len(written) + 1, max_size=len(written) + 1))
    text = gaps[0] + "".join(s + g for s, g in zip(written, gaps[1:], strict=True))
    if _unedited(stored, text):
        assert normalised_statements(stored) == normalised_statements([text])
