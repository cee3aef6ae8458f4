"""The probe's rule ids. Each is an observed fact about a throwaway copy of the project, never a
guess from policy text: a request as anon or as a synthetic user did (or could not do) this."""

from __future__ import annotations

from toolkit.model import Category, Level
from toolkit.registry import RuleInfo, register

PROBE_ANON_READ = register(RuleInfo(
    id="probe_anon_read", level=Level.ERROR, category=Category.SECURITY,
    summary="A request with the anon key read rows the probe created for a signed-in user.",
    stage="probe"))
PROBE_ANON_WRITE = register(RuleInfo(
    id="probe_anon_write", level=Level.ERROR, category=Category.SECURITY,
    summary="A request with the anon key inserted, updated or deleted rows.",
    stage="probe"))
PROBE_CROSS_USER_READ = register(RuleInfo(
    id="probe_cross_user_read", level=Level.ERROR, category=Category.SECURITY,
    summary="User B read rows owned by user A (or by A's organisation), which B has no part in.",
    stage="probe"))
PROBE_CROSS_USER_WRITE = register(RuleInfo(
    id="probe_cross_user_write", level=Level.ERROR, category=Category.SECURITY,
    summary="User B updated or deleted rows owned by user A (or by A's organisation).",
    stage="probe"))
PROBE_OWNER_SPOOF = register(RuleInfo(
    id="probe_owner_spoof", level=Level.ERROR, category=Category.SECURITY,
    summary="A user created a row in someone else's name or organisation, or handed their own "
            "row to someone else.",
    stage="probe"))
PROBE_SKIPPED = register(RuleInfo(
    id="probe_skipped", level=Level.INFO, category=Category.HYGIENE,
    summary="The probe could not fill or test a table, so its access was not proven either way.",
    stage="probe"))
EXPECTATION_MISMATCH = register(RuleInfo(
    id="expectation_mismatch", level=Level.ERROR, category=Category.SECURITY,
    summary="Who can read or write a table differs from the access declared in "
            "[tool.supakit.expect].",
    stage="probe"))

PROBE_RPC_ANON_READ = register(RuleInfo(
    id="probe_rpc_anon_read", level=Level.ERROR, category=Category.SECURITY,
    summary="A function called over /rpc with the anon key returned a signed-in user's private data.",
    stage="probe"))
PROBE_RPC_ANON_WRITE = register(RuleInfo(
    id="probe_rpc_anon_write", level=Level.ERROR, category=Category.SECURITY,
    summary="A function called over /rpc with the anon key changed a signed-in user's rows.",
    stage="probe"))
PROBE_RPC_CROSS_USER_READ = register(RuleInfo(
    id="probe_rpc_cross_user_read", level=Level.ERROR, category=Category.SECURITY,
    summary="A function user B called over /rpc, with user A's ids, returned user A's private data.",
    stage="probe"))
PROBE_RPC_CROSS_USER_WRITE = register(RuleInfo(
    id="probe_rpc_cross_user_write", level=Level.ERROR, category=Category.SECURITY,
    summary="A function user B called over /rpc, with user A's ids, changed user A's rows.",
    stage="probe"))
PROBE_RPC_SKIPPED = register(RuleInfo(
    id="probe_rpc_skipped", level=Level.INFO, category=Category.HYGIENE,
    summary="The probe could not call a function the API exposes, so what it does was not proven "
            "either way.",
    stage="probe"))

RULES = (PROBE_ANON_READ, PROBE_ANON_WRITE, PROBE_CROSS_USER_READ, PROBE_CROSS_USER_WRITE,
         PROBE_OWNER_SPOOF, PROBE_SKIPPED, EXPECTATION_MISMATCH, PROBE_RPC_ANON_READ,
         PROBE_RPC_ANON_WRITE, PROBE_RPC_CROSS_USER_READ, PROBE_RPC_CROSS_USER_WRITE,
         PROBE_RPC_SKIPPED)
