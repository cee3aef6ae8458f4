"""The RPC probe on a project of our own (tests/fixtures/rpc_functions): definer functions that
leak or change any user's order are caught with the call as evidence; one that checks the caller,
an invoker function and a declared public lookup stay quiet; an argument the probe cannot make
is reported with the reason; and the audit's finding on the same function carries the proof."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import REPO
from tests.probe.conftest import applied_project
from toolkit.apply import ApplyResult
from toolkit.audit import audit_snapshot
from toolkit.engine.base import Database
from toolkit.merge import merge_findings
from toolkit.model import Finding, Level, Snapshot
from toolkit.probe import ProbeResult, run_probe
from toolkit.probe.command import summary_line
from toolkit.project import Project

FIXTURE = REPO / "tests" / "fixtures" / "rpc_functions"
FUNCTIONS = "supabase/migrations/20250301091000_order_functions.sql"


@pytest.fixture(scope="module")
def world(engine) -> Iterator[tuple[Project, Database, ApplyResult, Snapshot]]:  # type: ignore[no-untyped-def]
    with applied_project(FIXTURE) as applied:
        yield applied


@pytest.fixture(scope="module")
def probed(world) -> ProbeResult:  # type: ignore[no-untyped-def]
    project, db, applied, snapshot = world
    return run_probe(db, snapshot, source_map=applied.source_map, settings=project.settings)


def of(result: ProbeResult | list[Finding], function: str, rule: str | None = None) -> list[Finding]:
    findings = result.findings if isinstance(result, ProbeResult) else result
    return [f for f in findings if f.object.type == "function"
            and f.object.name.startswith(f"{function}(") and (rule is None or f.rule == rule)]


def line_of(needle: str) -> int:
    text = (FIXTURE / FUNCTIONS).read_text()
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_definer_reader_leaks_user_a_order_to_b_and_anon(probed: ProbeResult) -> None:
    (b,) = of(probed, "get_order", "probe_rpc_cross_user_read")
    (anon,) = of(probed, "get_order", "probe_rpc_anon_read")
    assert b.level is Level.ERROR and anon.level is Level.ERROR
    assert "user B called public.get_order(order_id uuid) over /rpc with order_id = user A's " \
           "public.orders.id and got back user A's private data" in b.message
    (call,) = b.evidence["requests"]
    assert call["request"] == "GET /rest/v1/rpc/get_order" and call["role"] == "authenticated"
    leaked = {item["from"]: item["value"] for item in call["leaked"]}
    assert leaked["public.orders.item"] == "probe-0-item" and leaked["public.orders.total"] == "7031.00"
    assert leaked["public.orders.item"] in call["response"]
    # the order id was sent, so it is not counted as leaked
    assert "public.orders.id" not in leaked and call["body"].startswith('{"order_id": "')
    assert b.location is not None and b.location.file == FUNCTIONS
    assert b.location.line == line_of("create function public.get_order")


def test_definer_writers_change_user_a_orders(probed: ProbeResult) -> None:
    (cancel,) = of(probed, "cancel_order")
    assert cancel.rule == "probe_rpc_cross_user_write"  # revoked from anon: B's call only
    (call,) = cancel.evidence["requests"]
    assert call["request"] == "POST /rest/v1/rpc/cancel_order"
    (change,) = call["changed"]
    assert change["table"] == "public.orders" and change["change"] == "update"
    assert change["columns"] == {"status": {"before": "open", "after": "cancelled"}}
    assert "status 'open' → 'cancelled'" in cancel.message
    rules = {f.rule for f in of(probed, "delete_order")}
    assert rules == {"probe_rpc_cross_user_write", "probe_rpc_anon_write"}
    (anon,) = of(probed, "delete_order", "probe_rpc_anon_write")
    assert "deleted user A's row of public.orders" in anon.message


def test_caller_checks_invokers_and_declared_lookups_are_quiet(probed: ProbeResult) -> None:
    for name in ("get_my_order", "order_summary", "get_public_profile"):
        assert of(probed, name) == [], [f.message for f in of(probed, name)]
    results = {r.function.name: r for r in probed.functions}
    for name in ("get_my_order", "order_summary", "get_public_profile"):
        assert results[name].skipped is None
        assert {c.caller for c in results[name].calls} == {"B", "anon"}
    # B really asked for A's order and got nothing back
    (b_call,) = [c for c in results["get_my_order"].calls if c.caller == "B"]
    assert b_call.outcome == "returned" and b_call.response == "[]" and '"order_id"' in b_call.body
    assert results["get_public_profile"].given == {"username": "user A's public.profiles.username"}


def test_without_the_declaration_the_public_lookup_is_a_leak(world) -> None:  # type: ignore[no-untyped-def]
    project, db, applied, snapshot = world
    settings: dict[str, Any] = {**project.settings, "expect": {}}
    result = run_probe(db, snapshot, source_map=applied.source_map, settings=settings)
    rules = {f.rule for f in of(result, "get_public_profile")}
    assert rules == {"probe_rpc_cross_user_read", "probe_rpc_anon_read"}
    (b,) = of(result, "get_public_profile", "probe_rpc_cross_user_read")
    assert "public.profiles.display_name" in b.message


def test_an_argument_the_probe_cannot_make_is_info_with_the_reason(probed: ProbeResult) -> None:
    (skipped,) = of(probed, "my_orders_between")
    assert skipped.rule == "probe_rpc_skipped" and skipped.level is Level.INFO
    assert skipped.evidence["reason"] == ("argument bounds has type public.money_range, "
                                          "which the probe cannot make")


def test_the_coverage_counts_functions(probed: ProbeResult) -> None:
    s = probed.summary
    assert (s["functions_exposed"], s["functions_probed"], s["functions_skipped"]) == (7, 6, 1)
    assert "probed 2 of 2 exposed tables, 6 of 7 exposed functions" in summary_line(s)
    print(f"\nrpc fixture: {s['rpc_calls']} calls, {s['timings']}")


def test_the_audit_finding_carries_the_proof_once(world, probed: ProbeResult) -> None:  # type: ignore[no-untyped-def]
    project, _db, applied, snapshot = world
    static = audit_snapshot(snapshot, source_map=applied.source_map, settings=project.settings).findings
    merged = merge_findings(static + probed.findings)
    (get_order,) = of(merged, "get_order")
    assert get_order.rule == "security_definer_function_exposed" and get_order.level is Level.ERROR
    assert {m.rule for m in get_order.merged} == {"probe_rpc_cross_user_read", "probe_rpc_anon_read"}
    assert any("user B got back user A's private data" in m.evidence["proof"] for m in get_order.merged)
    (cancel,) = of(merged, "cancel_order")
    assert cancel.level is Level.ERROR
    assert any("a call by user B updated user A's row" in m.evidence["proof"] for m in cancel.merged)
    (checked,) = of(merged, "get_my_order")
    assert checked.level is Level.WARN and not checked.merged
    # the skipped function keeps both: the static judgement and the probe's reason
    assert {f.rule for f in of(merged, "my_orders_between")} == {
        "security_definer_function_exposed", "probe_rpc_skipped"}


def test_the_audit_command_reports_a_proven_function_once(engine) -> None:  # type: ignore[no-untyped-def]
    """The report folds the two stages' findings on one function into one."""
    import json

    from click.testing import CliRunner

    from toolkit.cli import main

    result = CliRunner().invoke(main, ["audit", "--project-dir", str(FIXTURE), "--format", "json",
                                       "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)["findings"]

    def rules(name: str) -> list[list[str]]:
        return [[f["rule"], *(m["rule"] for m in f["merged"])] for f in findings
                if f["object"]["name"].startswith(name + "(")]

    (get_order,) = rules("get_order")
    assert get_order[0] == "security_definer_function_exposed"
    assert set(get_order[1:]) == {"probe_rpc_cross_user_read", "probe_rpc_anon_read"}
    assert sorted(r[0] for r in rules("my_orders_between")) == ["probe_rpc_skipped",
                                                               "security_definer_function_exposed"]


def test_the_database_is_left_as_it_was(world, probed: ProbeResult) -> None:  # type: ignore[no-untyped-def]
    _project, db, _applied, _snapshot = world
    with db.connect() as conn:
        assert conn.execute("select count(*) from public.orders").fetchone() == (0,)
        assert conn.execute("select count(*) from pg_namespace where nspname = 'supakit_rpc_watch'"
                            ).fetchone() == (0,)
        assert conn.execute("select count(*) from pg_trigger where tgname like 'zz_supakit_rpc%'"
                            ).fetchone() == (0,)


def test_a_function_listed_in_probe_skip_is_not_called(world) -> None:  # type: ignore[no-untyped-def]
    project, db, applied, snapshot = world
    settings: dict[str, Any] = {**project.settings, "probe": {"skip": ["public.get_order"]}}
    result = run_probe(db, snapshot, source_map=applied.source_map, settings=settings)
    (skipped,) = of(result, "get_order")
    assert skipped.rule == "probe_rpc_skipped"
    assert skipped.evidence["reason"] == "listed in [tool.supakit.probe] skip"
    assert result.summary["functions_skipped"] == 2  # and my_orders_between, as before
