"""Fixture projects imitating real apps that use what Supabase's advisors check and supakit used
to skip (GraphQL, Queues, auth foreign keys and reg* columns, public buckets, Realtime
Authorization): each applies whole, and the full audit (probe included) reports exactly the
one mistake each app makes, and nothing about what it does right."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.model import RunResult
from toolkit.pipeline import AuditOptions, audit
from toolkit.project import find_project
from toolkit.report import render
from toolkit.suppress import apply_suppressions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# fixture -> (active findings as (level, rule, object), suppressed (rule, object))
EXPECTED: dict[str, tuple[set[tuple[str, str, str]], set[tuple[str, str]]]] = {
    "graphql_shop": ({("info", "graphql_table_exposed", "public.carts"),
                      ("warn", "graphql_table_exposed", "storefront.banners")},
                     {("graphql_table_exposed", "public.products")}),
    # Studio's pgmq_public wrappers are served over /rpc; the probe cannot guess a queue's name,
    # so every call fails and each is reported unproven, at info.
    "queues": ({("warn", "queue_exposed", "pgmq.q_signups"),
                ("error", "queue_exposed", "pgmq.q_thumbnails"),
                ("info", "probe_rpc_skipped", "pgmq_public.send(queue_name text, message jsonb, sleep_seconds integer)"),
                ("info", "probe_rpc_skipped", "pgmq_public.read(queue_name text, sleep_seconds integer, n integer)"),
                ("info", "probe_rpc_skipped", "pgmq_public.pop(queue_name text)")}, set()),
    "auth_links": ({("error", "foreign_key_to_auth_unique",
                     "public.sms_contacts_phone_fkey on public.sms_contacts"),
                    ("warn", "unsupported_reg_type", "private.jobs")}, set()),
    "public_bucket": ({("warn", "storage_public_bucket_listing",
                        "storage.Avatar images are publicly accessible. on storage.objects"),
                       ("warn", "probe_anon_read", "avatars"),
                       ("warn", "probe_cross_user_read", "avatars")}, set()),
    "realtime_chat": ({("warn", "auth_function_not_wrapped",
                        "realtime.users receive their notifications on realtime.messages"),
                       ("warn", "multiple_permissive_policies", "realtime.messages")}, set()),
}


def _audit(name: str) -> RunResult:
    project = find_project(FIXTURES / name)
    report = audit(project, AuditOptions(engine="local"), lambda _m: None)
    apply_suppressions(report, project, baseline=None)
    return report


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reports_exactly_its_mistake(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    report = _audit(name)
    assert report.incomplete is False, report.info["failures"]
    active, suppressed = EXPECTED[name]
    assert {(f.level.value, f.rule, str(f.object)) for f in report.active()} == active
    assert {(f.rule, str(f.object)) for f in report.findings if f.suppressed_by} == suppressed
    if name == "graphql_shop":
        banners = {c.surfaces for c in report.coverage if c.table == "banners"}
        assert banners == {("graphql",)}
        assert report.info["probe"]["tables_probed"] == 3  # products, carts and, through GraphQL, banners
        assert "storefront.banners (GraphQL only)" in render(report, "text")
        assert "banners (GraphQL only)" in render(report, "html")
        assert "carts (GraphQL only)" not in render(report, "html")
