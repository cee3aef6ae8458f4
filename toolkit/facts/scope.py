"""Whose is a row? Owner, tenant and membership structure read from foreign keys alone (the
probe fills and questions tables by it; the audit judges how private a table is by it).

- A *user key* is auth.users(id), or a table whose primary key is itself a foreign key to a user
  key (the `profiles` pattern). A column referencing a user key, or defaulting to auth.uid(),
  holds a user.
- A *membership* table links a user to another table in a unique pair (organisation_members:
  primary key (org_id, user_id)); the other table is a *tenant* table when it holds data of its
  own (a creator column, or tables hanging off it), which tells organisations from role lookups.
- A table is tenant-scoped when it is a tenant or membership table or points at one (directly or
  through a NOT NULL parent), owner-scoped when it holds a user, derived when it only hangs off
  a scoped parent, and unscoped otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from toolkit.model import Column, ForeignKey, Table

AUTH_USERS = "auth.users"
OWNER_NAMES = ("user_id", "owner_id", "owner", "profile_id", "account_id", "member_id",
               "author_id", "created_by", "creator_id", "uploaded_by", "uid")
# A child row with such a key keeps its parent from being deleted (no cascade, no set null).
BLOCKING = frozenset({"no action", "restrict"})
_CALLER_DEFAULT = re.compile(r"auth\.uid\(\)|auth\.jwt\(\)\s*->>\s*'sub'", re.IGNORECASE)
_MEMBER_NAME = re.compile(r"member", re.IGNORECASE)


@dataclass(frozen=True)
class Scope:
    kind: str  # user | owner | tenant | derived | none
    owner: str | None = None  # the column naming the row's owner
    user_columns: tuple[str, ...] = ()  # every column holding a user id
    tenant_columns: tuple[str, ...] = ()  # columns pointing straight at a tenant table
    membership: bool = False
    tenant_table: bool = False

    @property
    def scoped(self) -> bool:
        return self.kind != "none"


def unique_keys(table: Table) -> list[tuple[str, ...]]:
    """Primary key first, then unique constraints and plain unique indexes on columns."""
    keys = []
    for ix in sorted(table.indexes, key=lambda i: (not i.primary, i.name)):
        if ix.unique and ix.predicate is None and ix.columns and all(ix.columns) and ix.valid:
            keys.append(tuple(c for c in ix.columns if c))
    return keys


def primary_key(table: Table) -> tuple[str, ...]:
    for ix in table.indexes:
        if ix.primary:
            return tuple(c for c in ix.columns if c)
    return ()


class Scopes:
    """Scopes of every table in a snapshot, worked out once."""

    def __init__(self, tables: Iterable[Table]) -> None:
        self.tables = {t.identity: t for t in tables}
        self.user_keys = self._user_keys()
        self.memberships: dict[str, tuple[str, ForeignKey]] = {}
        for t in self.tables.values():
            found = self._membership(t)
            if found:
                self.memberships[t.identity] = found
        self.tenants = {fk.ref_table for _, fk in self.memberships.values()
                        if self._holds_data(fk.ref_table)}
        self._memo: dict[str, Scope] = {}

    def _holds_data(self, identity: str) -> bool:
        """An organisation has rows of its own (a creator) or data hanging off it (projects with
        org_id); a lookup such as `roles` behind `user_roles` has neither, and is no tenant."""
        table = self.tables.get(identity)
        if table is None:
            return False
        if self.user_columns(table):
            return True
        for t in self.tables.values():
            if t.identity in self.memberships or t.identity == identity:
                continue
            keyed_by_links = set(primary_key(t)) <= {c for fk in t.foreign_keys for c in fk.columns}
            if not keyed_by_links and any(fk.ref_table == identity for fk in t.foreign_keys):
                return True
        return False

    def _user_keys(self) -> dict[str, str]:
        keys = {AUTH_USERS: "id"}
        changed = True
        while changed:
            changed = False
            for t in self.tables.values():
                if t.identity in keys:
                    continue
                pk = primary_key(t)
                for fk in t.foreign_keys:
                    if (len(pk) == 1 and fk.columns == pk and fk.ref_table in keys
                            and fk.ref_columns == (keys[fk.ref_table],)):
                        keys[t.identity] = pk[0]
                        changed = True
                        break
        return keys

    def user_fks(self, table: Table) -> list[ForeignKey]:
        return [fk for fk in table.foreign_keys
                if len(fk.columns) == 1 and fk.ref_table in self.user_keys
                and fk.ref_columns == (self.user_keys[fk.ref_table],)]

    def user_columns(self, table: Table) -> tuple[str, ...]:
        cols = [fk.columns[0] for fk in self.user_fks(table)]
        for c in table.columns:
            if c.name not in cols and c.default and _CALLER_DEFAULT.search(c.default) \
                    and not c.generated:
                cols.append(c.name)
        return tuple(cols)

    def _membership(self, t: Table) -> tuple[str, ForeignKey] | None:
        if t.identity in self.user_keys:
            return None
        users = [fk.columns[0] for fk in self.user_fks(t)]
        if not users:
            return None
        others = [fk for fk in t.foreign_keys
                  if fk.ref_table not in self.user_keys and fk.ref_table != t.identity]
        keys = [set(k) for k in unique_keys(t)]
        for u in users:
            for fk in others:
                pair = {u, *fk.columns}
                if any(k == pair for k in keys):
                    return u, fk
        if _MEMBER_NAME.search(t.name) and len(others) == 1:
            return users[0], others[0]
        return None

    def of(self, table: Table) -> Scope:
        got = self._memo.get(table.identity)
        if got is None:
            self._memo[table.identity] = Scope("none")  # cycle guard
            got = self._compute(table)
            self._memo[table.identity] = got
        return got

    def _compute(self, t: Table) -> Scope:
        users = self.user_columns(t)
        owner = self._owner(t, users)
        tenant_cols = tuple(c for fk in t.foreign_keys if fk.ref_table in self.tenants
                            and fk.ref_table != t.identity for c in fk.columns)
        def scope(kind: str, **kw: bool) -> Scope:
            own = self.user_keys[t.identity] if kind == "user" else owner
            return Scope(kind, own, users, tenant_cols, **kw)

        if t.identity in self.user_keys:
            return scope("user")
        if t.identity in self.tenants:
            return scope("tenant", tenant_table=True)
        if t.identity in self.memberships:
            return scope("tenant", membership=True)
        parents = [(fk, self.of(self.tables[fk.ref_table])) for fk in t.foreign_keys
                   if fk.ref_table in self.tables and fk.ref_table != t.identity
                   and fk.ref_table not in self.user_keys]
        tenant_links = [fk for fk, s in parents if fk.ref_table in self.tenants or s.kind == "tenant"]
        if any(_required(t, fk) for fk in tenant_links):
            return scope("tenant")
        if owner:
            return scope("owner")
        if tenant_links:
            return scope("tenant")
        if any(s.scoped for _, s in parents):
            return scope("derived")
        return scope("none")

    def _owner(self, t: Table, users: tuple[str, ...]) -> str | None:
        if not users:
            return None
        cols = {c.name: c for c in t.columns}

        def rank(name: str) -> tuple[int, int]:
            col: Column | None = cols.get(name)
            named = OWNER_NAMES.index(name) if name in OWNER_NAMES else len(OWNER_NAMES)
            return (0 if col is not None and col.not_null else 1, named)

        return min(users, key=rank)


def _required(t: Table, fk: ForeignKey) -> bool:
    cols = {c.name: c for c in t.columns}
    return all(cols[c].not_null for c in fk.columns if c in cols)
