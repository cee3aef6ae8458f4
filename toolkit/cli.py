"""The `supakit` command line. Heavy modules are imported inside commands so `--help` stays fast."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from toolkit import __version__
from toolkit.progress import Step, TerminalProgress

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html")
FAIL_ON = ("error", "warn", "info", "never")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Ctx:
    def __init__(self, verbose: bool, quiet: bool) -> None:
        self.verbose = verbose
        self.quiet = quiet
        self.display: TerminalProgress | None = None

    def progress(self, event: str | Step) -> None:
        """`-v` prints the lines; a terminal display, while shown, draws the steps."""
        if isinstance(event, Step):
            if self.display is not None:
                self.display.step(event)
            event = event.text
        if self.verbose and event:
            from toolkit.engine.url import redact

            line = f"supakit: {redact(event)}"
            if self.display is not None:
                self.display.log(line)
            else:
                click.echo(line, err=True)

    @contextmanager
    def live(self) -> Iterator[None]:
        """Progress bars on stderr while the pipeline runs, when stderr is a terminal and not -q.

        They are cleared before the report is written, so stdout never carries them."""
        from toolkit.progress import terminal_progress

        display = None if self.quiet else terminal_progress()
        if display is None:
            yield
            return
        with display.shown():
            self.display = display
            try:
                yield
            finally:
                self.display = None


def fail(msg: str, code: int = EXIT_ERROR) -> None:
    from toolkit.engine.url import redact

    click.echo(f"supakit: error: {redact(msg)}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """One clear line and exit 2 for every expected failure; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from toolkit.engine.cleanup import Terminated, install_signal_handlers
        from toolkit.errors import SupakitError

        install_signal_handlers()
        try:
            return fn(*args, **kwargs)
        except SupakitError as e:
            fail(str(e), e.exit_code)
        except KeyboardInterrupt:
            click.echo("supakit: interrupted; throwaway databases stopped and removed", err=True)
            sys.exit(130)
        except Terminated as t:
            click.echo("supakit: terminated; throwaway databases stopped and removed", err=True)
            sys.exit(128 + t.signum)
        except Exception as e:  # a broken pipe, a file we cannot read, ...
            if isinstance(e, BrokenPipeError):
                sys.exit(EXIT_ERROR)
            if isinstance(e, OSError):
                fail(f"{e.strerror or e}: {e.filename}" if e.filename else str(e))
            raise

    return wrapper  # type: ignore[return-value]


def _verbosity(name: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def remember(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        obj = ctx.find_object(Ctx)
        if value and obj is not None:
            setattr(obj, name, True)

    return remember


def verbosity_options(fn: F) -> F:
    """-v / -q after the command name too (`supakit audit -q`), as before it."""
    fn = click.option("--quiet", "-q", is_flag=True, expose_value=False, callback=_verbosity("quiet"),
                      help="Print only the report.")(fn)
    fn = click.option("--verbose", "-v", is_flag=True, expose_value=False, callback=_verbosity("verbose"),
                      help="Show progress on stderr.")(fn)
    return fn


def project_options(fn: F) -> F:
    fn = verbosity_options(fn)
    fn = click.option("--project-dir", type=click.Path(path_type=Path, file_okay=False),
                      help="Folder that holds supabase/ (default: nearest one from here up).")(fn)
    fn = click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
                      help="Settings file (default: supakit.toml, else [tool.supakit] in pyproject.toml).")(fn)
    return fn


def report_options(fn: F) -> F:
    fn = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                      help="Report format.")(fn)
    fn = click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
                      help="Write the report to FILE instead of stdout.")(fn)
    fn = click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
                      help="Exit 1 when a finding is at or above this level (default: error).")(fn)
    fn = click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False),
                      help="Ignore findings recorded in this baseline file.")(fn)
    fn = click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False),
                      help="Record the current findings as accepted, then exit 0.")(fn)
    return fn


def _timeout(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    from toolkit.project import parse_statement_timeout

    try:
        return parse_statement_timeout(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def jobs_option(fn: F) -> F:
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                        help="Send the probe's requests over N connections at once (default: one per "
                             "core; 1 = one connection, everything in one rolled-back transaction).")(fn)


def timeout_option(fn: F) -> F:
    return click.option("--statement-timeout", callback=_timeout, metavar="DURATION",
                        help="Stop a migration statement that runs longer (e.g. 90s, 2min; 0 = never; "
                             "default: the statement_timeout setting, else 60s).")(fn)


def load_project(project_dir: Path | None, config_file: Path | None, *, folder_optional: bool = False,
                 migrations: bool = False) -> Any:
    """The project and its settings; with `migrations`, one whose migrations folder exists (a
    command with nothing to apply says so, rather than report "No findings."); with
    `folder_optional`, the current folder's settings when there is no supabase/ folder."""
    from toolkit.project import find_project, read_settings

    project = find_project(project_dir, folder_optional=folder_optional)
    if config_file is not None:
        project.settings, project.settings_file = read_settings(project.root, config_file)
    if migrations:
        from toolkit.pipeline import require_migrations

        require_migrations(project)
    return project


def checked_rules(project: Any) -> Any:
    """The project, once its rule settings are known to name real rules: a typo there is a
    configuration error before any work, not after it."""
    project.rules  # noqa: B018  (validates on first use)
    return project


def run_reported(obj: Ctx, project: Any, work: Callable[[Any], object], *, stop: bool = True,
                 **report_args: Any) -> None:
    """Run `work` on a fresh RunResult and report it. Once the project is read, every run ends in
    a report in the requested format: one that stops early (a migration that does not apply, an
    engine that does not start) reports what it got to, says why it stopped, and exits 2.
    `stop=False` returns after a run that finished, for a command with more to do."""
    from toolkit.engine.url import redact
    from toolkit.errors import SupakitError
    from toolkit.model import RunResult

    run = RunResult()
    try:
        with obj.live():
            work(run)
    except SupakitError as e:
        run.error = redact(str(e))
        run.incomplete = True
    if run.error is not None or stop:
        emit_report(run, project, quiet=obj.quiet, **report_args)


def emit_report(report: Any, project: Any, *, fmt: str, output: Path | None, fail_on: str | None,
                baseline: Path | None, write_baseline: Path | None, quiet: bool = False) -> None:
    from toolkit.preload import wait

    wait()  # before importing what the audit's preload may be importing
    from toolkit.merge import merge_findings
    from toolkit.pause import pause_point
    from toolkit.report import render
    from toolkit.suppress import apply_suppressions, configured_baseline, write_baseline_file

    if not quiet:
        for warning in report.info.get("warnings") or []:
            click.echo(f"supakit: warning: {warning}", err=True)
    report.findings = project.rules.apply(report.findings)
    if write_baseline is not None:
        if report.error is not None:
            fail(f"{report.error} (no baseline written)")
        apply_suppressions(report, project, baseline=None)
        n = write_baseline_file(report, write_baseline)
        click.echo(f"supakit: wrote {n} findings to baseline {write_baseline}", err=True)
        sys.exit(EXIT_CLEAN)
    apply_suppressions(report, project, baseline=configured_baseline(project, baseline))
    report.findings = merge_findings(report.findings)
    pause_point("report")
    text = render(report, fmt, color=output is None and sys.stdout.isatty())
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            fail(f"{output}: cannot write report: {e.strerror}")
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if report.error is not None:
        fail(report.error)
    threshold = fail_on or project.settings.get("fail_on") or "error"
    sys.exit(exit_code_for(report, threshold))


def exit_code_for(report: Any, threshold: str) -> int:
    if threshold == "never":
        return EXIT_CLEAN
    from toolkit.model import Level

    limit = Level(threshold).rank
    return EXIT_FINDINGS if any(f.level.rank >= limit for f in report.active()) else EXIT_CLEAN


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supakit")
@click.option("--verbose", "-v", is_flag=True, help="Show progress on stderr.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the report.")
@click.pass_context
def main(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    """Keep Supabase projects safe: scaffold, lint and audit migrations.

    \b
    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, configuration,
    engine or migration errors.
    """
    ctx.obj = Ctx(verbose, quiet)


@main.command()
@project_options
@report_options
@click.option("--db-url", envvar="SUPAKIT_DB_URL",
              help="Audit this live database (read only) instead of a throwaway one, with migration "
                   "drift. Also from SUPAKIT_DB_URL (never from DATABASE_URL, which is the app's own).")
@click.option("--pending-only", is_flag=True,
              help="With --db-url: lint only the migrations the database has not applied yet.")
@click.option("--engine", type=click.Choice(["auto", "local", "docker"]), default="auto", show_default=True,
              help="Where the throwaway database runs.")
@click.option("--exposure", type=click.Choice(["legacy", "explicit"]), default=None,
              help="Default privileges of new tables in public (default: from config.toml, else legacy).")
@click.option("--keep-going", is_flag=True, help="Apply every file even after one fails, and audit what applied.")
@click.option("--no-probe", is_flag=True, help="Skip the behavioural RLS probe.")
@click.option("--no-seed", is_flag=True, help="Do not apply supabase/seed.sql.")
@jobs_option
@timeout_option
@click.pass_obj
@click.pass_context
@handle_errors
def audit(ctx: click.Context, obj: Ctx, project_dir: Path | None, config_file: Path | None, fmt: str,
          output: Path | None, fail_on: str | None, baseline: Path | None, write_baseline: Path | None,
          db_url: str | None, pending_only: bool, engine: str, exposure: str | None, keep_going: bool,
          no_probe: bool, no_seed: bool, jobs: int | None, statement_timeout: float | None) -> None:
    """Apply the migrations to a throwaway database (or read --db-url) and audit RLS and indexes."""
    from toolkit.pipeline import AuditOptions
    from toolkit.pipeline import audit as run_audit

    if not pending_only:
        from toolkit.preload import preload

        preload(fmt)  # while the database starts (or connects) and answers; after the pipeline's imports

    if pending_only and not db_url:
        fail("--pending-only needs --db-url (the database whose applied migrations are compared)")
    if db_url and exposure and not obj.quiet:
        click.echo("supakit: warning: --exposure is ignored with --db-url; the database's own grants decide",
                   err=True)
    if db_url and ctx.get_parameter_source("db_url") is click.core.ParameterSource.ENVIRONMENT and not obj.quiet:
        from toolkit.engine.url import redact

        click.echo(f"supakit: auditing the live database {redact(db_url)} from SUPAKIT_DB_URL", err=True)
    project = checked_rules(load_project(project_dir, config_file, folder_optional=bool(db_url),
                                         migrations=not db_url))
    if pending_only and not project.has_folder:
        fail("--pending-only needs the project's supabase/migrations folder (run it inside the project, "
             "or pass --project-dir)")
    opts = AuditOptions(engine=engine, exposure=exposure, keep_going=keep_going, probe=not no_probe,
                        db_url=db_url, pending_only=pending_only, seed=not no_seed,
                        statement_timeout=statement_timeout, jobs=jobs, remove_later=True)
    run_reported(obj, project, lambda run: run_audit(project, opts, obj.progress, run), fmt=fmt, output=output,
                 fail_on=fail_on, baseline=baseline, write_baseline=write_baseline)


@main.group()
def db() -> None:
    """Keep a migrated throwaway database running for local work (see `supakit db start`)."""


@db.command("start")
@project_options
@click.option("--exposure", type=click.Choice(["legacy", "explicit"]), default=None,
              help="Default privileges of new tables in public (default: from config.toml, else legacy).")
@click.option("--no-seed", is_flag=True, help="Do not apply supabase/seed.sql.")
@click.option("--reset", is_flag=True, help="Stop a running database first and build it again.")
@timeout_option
@click.pass_obj
@handle_errors
def db_start(obj: Ctx, project_dir: Path | None, config_file: Path | None, exposure: str | None,
             no_seed: bool, reset: bool, statement_timeout: float | None) -> None:
    """Start the database with every migration (and the seed) applied; print its URL."""
    from toolkit import db_cmd

    project = load_project(project_dir, config_file)
    with obj.live():
        state, started = db_cmd.start(project, exposure=exposure, seed=not no_seed, reset=reset,
                                      progress=obj.progress, statement_timeout=statement_timeout)
    if not obj.quiet:
        if started:
            msg = f"started with {len(state.applied)} migrations applied; stop it with `supakit db stop`"
        elif db_cmd.stale(project, state):
            msg = f"already running, but {db_cmd.STALE}"
        else:
            msg = "already running"
        click.echo(f"supakit: database {msg}", err=True)
    click.echo(state.url())


@db.command("stop")
@project_options
@click.pass_obj
@handle_errors
def db_stop(obj: Ctx, project_dir: Path | None, config_file: Path | None) -> None:
    """Stop the database and delete its files."""
    from toolkit import db_cmd

    was_running = db_cmd.stop(load_project(project_dir, config_file))
    if not obj.quiet:
        click.echo("supakit: database stopped and removed" if was_running else "supakit: no database was running",
                   err=True)


def running_db(obj: Ctx, project_dir: Path | None, config_file: Path | None) -> Any:
    """The project's running database; a warning on stderr when it is older than the migrations."""
    from toolkit import db_cmd

    project = load_project(project_dir, config_file)
    state = db_cmd.require(project)
    if not obj.quiet and db_cmd.stale(project, state):
        click.echo(f"supakit: warning: the running database is out of date: {db_cmd.STALE}", err=True)
    return state


@db.command("url")
@project_options
@click.option("--superuser", is_flag=True, help="Connect as the bootstrap superuser supabase_admin.")
@click.pass_obj
@handle_errors
def db_url(obj: Ctx, project_dir: Path | None, config_file: Path | None, superuser: bool) -> None:
    """Print the running database's URL (role postgres, as Supabase migrations run)."""
    state = running_db(obj, project_dir, config_file)
    click.echo(state.url("supabase_admin" if superuser else "postgres"))


@db.command("psql", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@project_options
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
@handle_errors
def db_psql(obj: Ctx, project_dir: Path | None, config_file: Path | None, psql_args: tuple[str, ...]) -> None:
    """Open psql on the running database; extra arguments go to psql."""
    from toolkit import db_cmd

    state = running_db(obj, project_dir, config_file)
    psql = db_cmd.psql_path()
    sys.stdout.flush()
    os.execv(psql, [psql, *psql_args, state.url()])


@main.command()
@click.argument("rule_id", required=False)
@verbosity_options
@handle_errors
def rules(rule_id: str | None) -> None:
    """List every rule, or show one rule's documentation."""
    from toolkit.rules_doc import list_rules, show_rule

    click.echo(show_rule(rule_id) if rule_id else list_rules())


@main.command()
@click.argument("name")
@project_options
@click.option("--table", help="Scaffold a table with RLS, owner-scoped policies, grants and indexes.")
@click.option("--schema", default="public", show_default=True, help="Schema of the --table.")
@click.option("--owner-column", default="user_id", show_default=True,
              help="Column referencing auth.users(id) that scopes each row to its owner.")
@click.option("--no-owner", is_flag=True, help="No owner column: signed-in users read, only the service role writes.")
@click.option("--column", "columns", multiple=True, metavar="NAME:TYPE[!][->TABLE]",
              help="Extra column; ! = not null, ->TABLE = foreign key to TABLE(id). Repeatable. Quote it "
                   "in the shell: --column 'amount:numeric!'.")
@click.option("--public-read", is_flag=True, help="Let anon (and everyone) read every row.")
@click.option("--sql", "sql_text", help="Write this SQL into the new file.")
@click.option("--from-stdin", is_flag=True, help="Write SQL read from stdin into the new file.")
@handle_errors
def new(name: str, project_dir: Path | None, config_file: Path | None, table: str | None, schema: str,
        owner_column: str, no_owner: bool, columns: tuple[str, ...], public_read: bool,
        sql_text: str | None, from_stdin: bool) -> None:
    """Create supabase/migrations/<UTC timestamp>_<snake_case NAME>.sql; never overwrites."""
    from toolkit.errors import SupakitError
    from toolkit.scaffold import build_content, new_migration

    if sql_text is not None and from_stdin:
        raise SupakitError("use --sql or --from-stdin, not both")
    if from_stdin:
        try:
            sql_text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as e:
            raise SupakitError(f"stdin is not valid UTF-8 (byte {e.start})") from None
    project = load_project(project_dir, config_file)
    known = None
    if columns:
        from toolkit.scaffold.types import project_types

        known = project_types(project)
    content = build_content(name, table=table, schema=schema, owner_column=None if no_owner else owner_column,
                            columns=list(columns), public_read=public_read, sql=sql_text, project=project,
                            known_types=known)
    created = new_migration(project.migrations_dir, name, content)
    for warning in created.warnings:
        click.echo(f"supakit: warning: {warning}", err=True)
    here = Path.cwd().resolve()
    path = created.path.resolve()
    click.echo(path.relative_to(here) if path.is_relative_to(here) else path)


def _lint_target(project_dir: Path | None, config_file: Path | None, paths: tuple[Path, ...]) -> Any:
    """The project; explicit paths outside any project are linted with default settings."""
    from toolkit.errors import ConfigError

    try:
        return load_project(project_dir, config_file)
    except ConfigError as e:
        if not paths or project_dir is not None or "no supabase/ folder found" not in str(e):
            raise
    from toolkit.project import Project, SupabaseConfig, read_settings

    root = Path.cwd()
    settings, source = read_settings(root, config_file)
    return Project(root=root, supabase_dir=root / "supabase", config=SupabaseConfig(), settings=settings,
                   settings_file=source)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@project_options
@report_options
@click.option("--no-squawk", is_flag=True, help="Skip squawk's lock-safety rules.")
@click.pass_obj
@handle_errors
def lint(obj: Ctx, paths: tuple[Path, ...], project_dir: Path | None, config_file: Path | None, fmt: str,
         output: Path | None, fail_on: str | None, baseline: Path | None, write_baseline: Path | None,
         no_squawk: bool) -> None:
    """Static checks of migration files, no database. Without PATHS: the project's migrations
    folder, including folder checks (duplicate versions, skipped and stray files)."""
    from toolkit.lint import lint_project
    from toolkit.model import RunResult, Stage

    project = checked_rules(_lint_target(project_dir, config_file, paths))
    report = RunResult(stages=(Stage.LINT,))
    if not paths:
        from toolkit.checks.folder import check_folder

        report.findings += check_folder(project)
        report.stages += (Stage.CHECK,)
    result = lint_project(project, list(paths), squawk=False if no_squawk else None)
    obj.progress(f"linted {result.files} files, {result.statements} statements")
    report.findings += result.findings
    report.timings = result.timings
    report.info = {"command": "lint", "files": result.files, "statements": result.statements,
                   "project": str(project.root)}
    emit_report(report, project, fmt=fmt, output=output, fail_on=fail_on, baseline=baseline,
                write_baseline=write_baseline, quiet=obj.quiet)


@main.command()
@project_options
@report_options
@click.option("--base", help="Git ref of the merged state, e.g. origin/main: its migrations must not change "
                             "(default: the target branch CI names, else HEAD).")
@click.option("--engine", type=click.Choice(["auto", "local", "docker"]), default="auto", show_default=True,
              help="Where the throwaway database runs.")
@click.option("--exposure", type=click.Choice(["legacy", "explicit"]), default=None,
              help="Default privileges of new tables in public (default: from config.toml, else legacy).")
@click.option("--keep-going", is_flag=True, help="Apply every file even after one fails, and audit what applied.")
@click.option("--no-probe", is_flag=True, help="Skip the behavioural RLS probe.")
@click.option("--no-seed", is_flag=True, help="Do not apply supabase/seed.sql.")
@click.option("--no-squawk", is_flag=True, help="Skip squawk's lock-safety rules.")
@jobs_option
@timeout_option
@click.pass_obj
@handle_errors
def check(obj: Ctx, project_dir: Path | None, config_file: Path | None, fmt: str, output: Path | None,
          fail_on: str | None, baseline: Path | None, write_baseline: Path | None, base: str | None,
          engine: str, exposure: str | None, keep_going: bool, no_probe: bool, no_seed: bool, no_squawk: bool,
          jobs: int | None, statement_timeout: float | None) -> None:
    """The CI gate: folder checks, immutability (--base, else the CI's target branch, else HEAD;
    migrations.lock), lint, apply from scratch on a throwaway database, audit and probe. One
    report, one exit code."""
    from toolkit.checks.gate import CheckOptions, run_check

    project = checked_rules(load_project(project_dir, config_file, migrations=True))
    opts = CheckOptions(base=base, engine=engine, exposure=exposure, probe=not no_probe, seed=not no_seed,
                        squawk=False if no_squawk else None, keep_going=keep_going,
                        statement_timeout=statement_timeout, jobs=jobs)
    run_reported(obj, project, lambda run: run_check(project, opts, obj.progress, run), fmt=fmt, output=output,
                 fail_on=fail_on, baseline=baseline, write_baseline=write_baseline)


@main.command()
@project_options
@handle_errors
def lock(project_dir: Path | None, config_file: Path | None) -> None:
    """Write supabase/migrations.lock: every migration's hash, chained, for `supakit check`."""
    from toolkit.checks.lockfile import write_lock

    project = load_project(project_dir, config_file)
    path, count = write_lock(project)
    click.echo(f"supakit: locked {count} migrations in {project.rel(path)}", err=True)


@main.command()
@project_options
@report_options
@click.option("--engine", type=click.Choice(["auto", "local", "docker"]), default="auto", show_default=True,
              help="Where the throwaway database runs.")
@click.option("--exposure", type=click.Choice(["legacy", "explicit"]), default=None,
              help="Default privileges of new tables in public (default: from config.toml, else legacy).")
@click.option("--no-seed", is_flag=True, help="Do not apply supabase/seed.sql.")
@jobs_option
@timeout_option
@click.pass_obj
@handle_errors
def probe(obj: Ctx, project_dir: Path | None, config_file: Path | None, fmt: str, output: Path | None,
          fail_on: str | None, baseline: Path | None, write_baseline: Path | None, engine: str,
          exposure: str | None, no_seed: bool, jobs: int | None, statement_timeout: float | None) -> None:
    """Behavioural RLS test on a throwaway database: synthetic users A and B, rows for every
    exposed table, then requests as anon and as B against A's rows. Always rolled back."""
    from toolkit.pipeline import AuditOptions
    from toolkit.probe.command import probe_report, summary_line

    project = checked_rules(load_project(project_dir, config_file, migrations=True))
    opts = AuditOptions(engine=engine, exposure=exposure, seed=not no_seed, statement_timeout=statement_timeout,
                        jobs=jobs)

    def work(run: Any) -> None:
        probe_report(project, opts, obj.progress, run)
        if not obj.quiet:
            click.echo(summary_line(run.info.get("probe", {})), err=True)

    run_reported(obj, project, work, fmt=fmt, output=output, fail_on=fail_on, baseline=baseline,
                 write_baseline=write_baseline)


@main.command()
@click.argument("name")
@project_options
@report_options
@click.option("--dry-run", is_flag=True, help="Print the migration instead of writing it (no audit).")
@click.option("--schema", "schemas", multiple=True, metavar="SCHEMA",
              help="Compare only this schema; repeatable (default: every user schema, plus the policies "
                   "and triggers of auth, storage and realtime).")
@click.option("--allow-destructive", is_flag=True,
              help="Also write statements that lose data (drop table, drop column, rewriting type changes).")
@click.option("--no-audit", is_flag=True, help="Do not lint, audit and probe the new file.")
@click.option("--db-url", help="Record the changes made by hand in this live database (read only) instead "
                               "of diffing supabase/schemas.")
@click.option("--engine", type=click.Choice(["auto", "local", "docker"]), default="auto", show_default=True,
              help="Where the throwaway databases run.")
@click.pass_obj
@handle_errors
def diff(obj: Ctx, name: str, project_dir: Path | None, config_file: Path | None, fmt: str, output: Path | None,
         fail_on: str | None, baseline: Path | None, write_baseline: Path | None, dry_run: bool,
         schemas: tuple[str, ...], allow_destructive: bool, no_audit: bool, db_url: str | None,
         engine: str) -> None:
    """Write supabase/migrations/<UTC timestamp>_<NAME>.sql from the declared schemas
    (supabase/schemas, or --db-url), then audit it. Data-losing statements need --allow-destructive."""
    from toolkit.diff.command import outcome
    from toolkit.diff.run import DiffOptions, run_diff
    from toolkit.naming import migration_slug

    migration_slug(name)  # a bad name fails before any database starts
    project = checked_rules(load_project(project_dir, config_file))
    opts = DiffOptions(name, dry_run=dry_run, schemas=schemas, allow_destructive=allow_destructive,
                       audit=not no_audit, db_url=db_url, engine=engine)
    report_args: dict[str, Any] = {"fmt": fmt, "output": output, "fail_on": fail_on, "baseline": baseline,
                   "write_baseline": write_baseline}
    if dry_run:  # stdout is the SQL: an error is one line on stderr, as before
        with obj.live():
            result = run_diff(project, opts, obj.progress)
    else:
        box: list[Any] = []
        run_reported(obj, project, lambda run: box.append(run_diff(project, opts, obj.progress, run)),
                     stop=False, **report_args)
        result = box[0]
    shown = None
    if result.path is not None:
        here, path = Path.cwd().resolve(), result.path.resolve()
        shown = str(path.relative_to(here) if path.is_relative_to(here) else path)
    for line in outcome(result, dry_run=dry_run, shown_path=shown):
        if not obj.quiet or result.refused:
            click.echo(f"supakit: {line}" if not line.startswith(" ") else line, err=True)
    if dry_run and result.sql:
        click.echo(result.sql, nl=False)
    if result.refused:
        sys.exit(EXIT_FINDINGS)
    if dry_run or not (result.report.findings or result.path is not None and not no_audit):
        sys.exit(EXIT_CLEAN)
    emit_report(result.report, project, quiet=obj.quiet, **report_args)


if __name__ == "__main__":
    main()
