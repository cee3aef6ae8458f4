"""Generate a large, realistic Supabase migrations folder and time `supakit lint` on it.

    python -m tests.bench.gen_migrations [--lines 20000] [--keep DIR]

The files mix what real projects hold: owner-scoped tables with RLS and policies, functions with
dollar-quoted bodies, triggers, indexes, grants, enum changes, comments, data fixes and the odd
mistake, so every rule has work to do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path


def _table(name: str, rnd: random.Random) -> list[str]:
    extra = rnd.choice(["  title text not null,", "  amount numeric(12,2) not null default 0,",
                        "  status text not null default 'draft',", "  payload jsonb,"])
    out = [
        f"-- {name}: rows belong to their owner",
        f"create table public.{name} (",
        "  id uuid primary key default gen_random_uuid(),",
        "  user_id uuid not null references auth.users (id) on delete cascade,",
        extra,
        "  created_at timestamptz not null default now()",
        ");",
        f"create index {name}_user_id_idx on public.{name} (user_id);",
    ]
    if rnd.random() < 0.9:
        out.append(f"alter table public.{name} enable row level security;")
    for cmd in ("select", "insert", "update", "delete"):
        to = "to authenticated" if rnd.random() < 0.95 else ""
        clause = "with check" if cmd == "insert" else "using"
        out.append(f"create policy {name}_{cmd} on public.{name} for {cmd} {to}")
        out.append(f"  {clause} ((select auth.uid()) = user_id);")
    out.append(f"grant select, insert, update, delete on table public.{name} to authenticated;")
    return out


def _function(name: str, rnd: random.Random) -> list[str]:
    definer = rnd.random() < 0.3
    return [
        f"create or replace function private.{name}(p_id uuid)",
        "returns integer",
        "language plpgsql",
        "security definer" if definer else "security invoker",
        "set search_path = ''" if not definer or rnd.random() < 0.9 else "",
        "as $$",
        "declare",
        "  n integer;",
        "begin",
        "  select count(*) into n from public.audit_log where target = p_id;",
        "  if n > 100 then",
        "    raise notice 'busy target %', p_id;",
        "  end if;",
        "  return n;",
        "end;",
        "$$;",
    ]


def _alters(name: str, rnd: random.Random) -> list[str]:
    out = [f"alter table public.{name} add column if not exists note_{rnd.randint(1, 9999)} text;",
           f"comment on table public.{name} is 'Owned rows; see docs/{name}.md';",
           f"update public.{name} set created_at = now() where created_at is null;"]
    if rnd.random() < 0.2:
        out.append(f"create index {name}_created_idx on public.{name} (created_at desc);")
    if rnd.random() < 0.1:
        out.append(f"alter table public.{name} alter column created_at set not null;")
    return out


def _enum(i: int) -> list[str]:
    return [f"create type public.state_{i} as enum ('new', 'open', 'closed');",
            f"alter type public.state_{i} add value if not exists 'archived';"]


def generate(root: Path, lines: int = 20_000, seed: int = 7) -> list[Path]:
    """Write migrations under root/supabase/migrations until about `lines` lines exist."""
    rnd = random.Random(seed)
    mdir = root / "supabase" / "migrations"
    mdir.mkdir(parents=True, exist_ok=True)
    (mdir.parent / "config.toml").write_text("[db]\nmajor_version = 15\n")
    start = dt.datetime(2024, 1, 1)
    written: list[Path] = []
    total, i = 0, 0
    setup = ["create schema if not exists private;",
             "create table public.audit_log (id bigint generated always as identity primary key,",
             "  target uuid, at timestamptz default now());",
             "alter table public.audit_log enable row level security;"]
    while total < lines:
        body: list[str] = setup if i == 0 else []
        for _ in range(rnd.randint(3, 6)):
            kind = rnd.random()
            name = f"t{i}_{rnd.randint(0, 10**6)}"
            if kind < 0.45:
                body += _table(name, rnd)
            elif kind < 0.75:
                body += _function(f"f_{name}", rnd)
            elif kind < 0.95:
                body += _alters(f"t{max(0, i - 1)}", rnd)
            else:
                body += _enum(i)
            body.append("")
        version = (start + dt.timedelta(minutes=i)).strftime("%Y%m%d%H%M%S")
        path = mdir / f"{version}_change_{i}.sql"
        path.write_text("\n".join(body) + "\n", encoding="utf-8")
        written.append(path)
        total += len(body)
        i += 1
    return written


def measure(root: Path) -> dict[str, float]:
    from toolkit.lint import lint_project
    from toolkit.project import find_project

    project = find_project(root)
    lint_project(project, squawk=False)  # warm imports and caches
    t0 = time.perf_counter()
    own = lint_project(project, squawk=False)
    own_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    both = lint_project(project)
    both_s = time.perf_counter() - t0
    from toolkit.lint.source import ParsedFile
    from toolkit.lint.squawk import SquawkOptions, run_squawk

    files = [ParsedFile.parse(p, project.rel(p), p.read_text()) for p in sorted(project.migrations_dir.glob("*.sql"))]
    t0 = time.perf_counter()
    run_squawk(files, SquawkOptions(pg_version=15), project.root)
    squawk_s = time.perf_counter() - t0
    return {
        "files": own.files, "statements": own.statements,
        "lines": sum(p.read_text().count("\n") for p in project.migrations_dir.glob("*.sql")),
        "own_rules_s": own_s, "own_statements_per_s": own.statements / own_s,
        "with_squawk_s": both_s, "squawk_alone_s": squawk_s,
        "findings_own": len(own.findings), "findings_with_squawk": len(both.findings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="write the project here instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        generate(root, args.lines)
        for key, value in measure(root).items():
            print(f"{key:>22}: {value:,.3f}" if isinstance(value, float) else f"{key:>22}: {value:,}")


if __name__ == "__main__":
    main()
