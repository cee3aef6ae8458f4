"""What blocks the upgrades Supabase runs for you: a foreign key that pins a unique key of the
`auth` schema (Auth's migrations), and columns of reg* types (pg_upgrade)."""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.audit.context import AuditContext, fmt_list
from toolkit.facts import table_ref
from toolkit.model import Category, Finding, Level, ObjectRef, Table, quote_ident
from toolkit.registry import RuleInfo, Stage, rule

FOREIGN_KEY_TO_AUTH_UNIQUE = RuleInfo(
    id="foreign_key_to_auth_unique", level=Level.ERROR, category=Category.SECURITY,
    summary="A foreign key references a unique key of an auth table other than its primary key; "
            "Auth's own migrations fail on it.",
    stage=Stage.AUDIT,
    advisors=("0021_fkey_to_auth_unique",))
UNSUPPORTED_REG_TYPE = RuleInfo(
    id="unsupported_reg_type", level=Level.WARN, category=Category.HYGIENE,
    summary="A column stores a reg* type (regproc, regoper, ...) that pg_upgrade cannot carry over.",
    stage=Stage.AUDIT,
    advisors=("0018_unsupported_reg_types",))

AUTH_SCHEMA = "auth"
# pg_upgrade keeps the OIDs of relations, types and roles, so regclass, regtype and regrole
# survive it; every other reg* type names an OID it does not preserve.
UPGRADABLE_REG_TYPES = frozenset({"regclass", "regtype", "regrole"})


def _primary_columns(table: Table | None) -> frozenset[str] | None:
    if table is None:
        return None
    pk = next((i for i in table.indexes if i.primary), None)
    return frozenset(c for c in pk.columns if c) if pk else None


@rule(FOREIGN_KEY_TO_AUTH_UNIQUE)
def foreign_key_to_auth_unique(ctx: AuditContext) -> Iterator[Finding]:
    primary: dict[str, frozenset[str] | None] = {}
    prefix = f"{AUTH_SCHEMA}."
    for t in ctx.user_tables():
        for fk in t.foreign_keys:
            if fk.inherited or not fk.ref_table.startswith(prefix):
                continue
            if fk.ref_table not in primary:
                primary[fk.ref_table] = _primary_columns(ctx.snapshot.table(fk.ref_table))
            ref_pk = primary[fk.ref_table]
            if ref_pk == frozenset(fk.ref_columns) or ctx.snapshot.table(fk.ref_table) is None:
                continue
            pk = sorted(ref_pk or ())
            target = f"{fk.ref_table} ({', '.join(fk.ref_columns)})"
            yield FOREIGN_KEY_TO_AUTH_UNIQUE.finding(
                ObjectRef("constraint", t.schema, fk.name, parent=t.identity),
                f"foreign key {fk.name} on {t.identity} references {target}, a unique key "
                "Supabase Auth owns and may change or drop: its migrations fail on the "
                "dependency, which holds back Auth updates and security fixes"
                + (f"; reference {fk.ref_table} ({', '.join(pk)}) instead" if pk else ""),
                remediation=f"alter table {t.identity} drop constraint {quote_ident(fk.name)};\n"
                            + (f"-- keep the link through the primary key, e.g.\n"
                               f"alter table {t.identity} add column user_id uuid references "
                               f"{fk.ref_table} ({', '.join(quote_ident(c) for c in pk)}) "
                               "on delete cascade;" if pk else ""),
                location=ctx.locate.foreign_key(t, fk),
                evidence={"columns": list(fk.columns), "references": fk.ref_table,
                          "referenced_columns": list(fk.ref_columns), "primary_key": pk},
            )


@rule(UNSUPPORTED_REG_TYPE)
def unsupported_reg_type(ctx: AuditContext) -> Iterator[Finding]:
    """Partitions share their parent's columns: the parent is reported once."""
    for t in ctx.user_tables("rpm"):
        if t.partition_of:
            continue
        cols = {c.name: sorted(set(c.reg_types) - UPGRADABLE_REG_TYPES)
                for c in t.columns if c.reg_types}
        cols = {name: types for name, types in cols.items() if types}
        if not cols:
            continue
        listed = ", ".join(f"{name} ({', '.join(types)})" for name, types in cols.items())
        if t.kind == "m":
            fix = f"-- recreate {t.identity}, selecting {fmt_list(cols)} cast to text"
        else:
            fix = "\n".join(f"alter table {t.identity} alter column {quote_ident(name)} type text "
                            f"using {quote_ident(name)}::text;" for name in cols)
        yield UNSUPPORTED_REG_TYPE.finding(
            table_ref(t),
            f"{t.identity} stores {listed}: pg_upgrade refuses these types in user columns, so "
            "Supabase cannot upgrade the project's Postgres until they change",
            remediation=fix + "\n-- store the object's name; cast it back (::regproc) when needed",
            location=ctx.locate.table(t),
            evidence={"columns": cols},
        )
