"""Fixture apps for the patterns an experienced Supabase engineer either means or would never
mean, each applied without --keep-going and audited (probe included) with exactly these
findings: intended access is info or a warning at most, the real mistakes stay errors."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from toolkit.lint import lint_project
from toolkit.merge import merge_findings
from toolkit.pipeline import AuditOptions, audit
from toolkit.project import find_project

FIXTURES = REPO / "tests" / "fixtures"

EXPECTED: dict[str, set[tuple[str, str, str]]] = {
    # A pricing catalogue and site settings, public on purpose: nobody's rows, nothing sensitive.
    "public_catalogue": {
        ("probe_anon_read", "public.plans", "info"),
        ("probe_anon_read", "public.plan_features", "info"),
        ("probe_anon_read", "public.site_settings", "info"),
    },
    # A shared wiki whose update check forgets the author: the hand-over is real. Private notes
    # with the same loose check are safe, their SELECT policy pins the owner.
    "owner_handover": {
        ("update_without_with_check", "public.authors edit their pages on public.pages", "warn"),
        ("probe_owner_spoof", "public.pages", "error"),
    },
    # A membership policy that reads its own table: broken for everyone, and everything reading it.
    "recursive_membership": {
        ("policy_infinite_recursion", "public.members see their colleagues on public.org_members", "error"),
        ("probe_policy_error", "public.org_members", "error"),
        ("probe_policy_error", "public.organisations", "error"),
        ("probe_policy_error", "public.projects", "error"),
    },
    # A waitlist and a contact form anyone may add to: a spam risk, not a leak.
    "waitlist": {
        ("policy_always_true", "public.anyone joins the waitlist on public.waitlist", "warn"),
        ("policy_always_true", "public.anyone sends a message on public.contact_messages", "warn"),
        ("probe_anon_write", "public.waitlist", "warn"),
        ("probe_anon_write", "public.contact_messages", "warn"),
    },
    # A chat's images: the owner's folder, or any image of a chat its owner shared.
    "shared_chat_images": {
        ("storage_policy_not_owner_scoped", "storage.chat images: owner or shared chat on storage.objects",
         "warn"),
    },
}


# What a report shows once findings of one cause are one (toolkit.merge): the static rule and the
# probe's proof of the same problem are a single finding, under the stronger level.
MERGED: dict[str, set[tuple[str, str, str, tuple[str, ...]]]] = {
    "owner_handover": {("probe_owner_spoof", "public.pages", "error", ("update_without_with_check",))},
    "recursive_membership": {
        ("policy_infinite_recursion", "public.org_members", "error", ("probe_policy_error",)),
        ("probe_policy_error", "public.organisations", "error", ()),
        ("probe_policy_error", "public.projects", "error", ()),
    },
    "waitlist": {
        ("policy_always_true", "public.waitlist", "warn", ("probe_anon_write",)),
        ("policy_always_true", "public.contact_messages", "warn", ("probe_anon_write",)),
    },
}


def _project(name: str):  # type: ignore[no-untyped-def]
    return find_project(FIXTURES / name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_gets_exactly_its_severities(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    project = _project(name)
    report = audit(project, AuditOptions(engine="local", keep_going=False), lambda _m: None)
    assert report.incomplete is False and report.info["failures"] == []
    assert report.info["probe"]["tables_skipped"] == 0
    got = {(f.rule, str(f.object), f.level.value) for f in report.findings}
    assert got == EXPECTED[name]
    if name in MERGED:
        merged = {(f.rule, f.object.owner, f.level.value, tuple(m.rule for m in f.merged))
                  for f in merge_findings(report.findings)}
        assert merged == MERGED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_lints_without_warnings(name: str) -> None:
    found = lint_project(_project(name), squawk=False).findings
    assert [f.message for f in found if f.level.rank >= 2] == []

