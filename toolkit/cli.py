"""The `supakit` command line. Heavy modules are imported inside commands so `--help` stays fast."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from toolkit import __version__

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
FAIL_ON = ("error", "warn", "info", "never")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Ctx:
    def __init__(self, verbose: bool, quiet: bool) -> None:
        self.verbose = verbose
        self.quiet = quiet

    def progress(self, msg: str) -> None:
        if self.verbose:
            from toolkit.engine.url import redact

            click.echo(f"supakit: {redact(msg)}", err=True)


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
        except Exception as e:  # a database that died under us, a broken pipe, ...
            import psycopg

            if isinstance(e, psycopg.Error):
                fail(f"database error: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}")
            if isinstance(e, BrokenPipeError):
                sys.exit(EXIT_ERROR)
            if isinstance(e, OSError):
                fail(f"{e.strerror or e}: {e.filename}" if e.filename else str(e))
            raise

    return wrapper  # type: ignore[return-value]


def project_options(fn: F) -> F:
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


def load_project(project_dir: Path | None, config_file: Path | None) -> Any:
    from toolkit.project import find_project, read_settings

    project = find_project(project_dir)
    if config_file is not None:
        project.settings, project.settings_file = read_settings(project.root, config_file)
    return project


def emit_report(report: Any, project: Any, *, fmt: str, output: Path | None, fail_on: str | None,
                baseline: Path | None, write_baseline: Path | None) -> None:
    from toolkit.report import render
    from toolkit.suppress import apply_suppressions, configured_baseline, write_baseline_file

    if write_baseline is not None:
        apply_suppressions(report, project, baseline=None)
        n = write_baseline_file(report, write_baseline)
        click.echo(f"supakit: wrote {n} findings to baseline {write_baseline}", err=True)
        sys.exit(EXIT_CLEAN)
    apply_suppressions(report, project, baseline=configured_baseline(project, baseline))
    text = render(report, fmt, color=output is None and sys.stdout.isatty())
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            fail(f"{output}: cannot write report: {e.strerror}")
    else:
        click.echo(text, nl=not text.endswith("\n"))
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
@click.option("--db-url", envvar=["SUPAKIT_DB_URL"], help="Audit this live database (read only) instead of a throwaway one.")
@click.option("--engine", type=click.Choice(["auto", "local", "docker"]), default="auto", show_default=True,
              help="Where the throwaway database runs.")
@click.option("--exposure", type=click.Choice(["legacy", "explicit"]), default=None,
              help="Default privileges of new tables in public (default: from config.toml, else legacy).")
@click.option("--keep-going", is_flag=True, help="Apply every file even after one fails, and audit what applied.")
@click.option("--no-probe", is_flag=True, help="Skip the behavioural RLS probe.")
@click.option("--no-seed", is_flag=True, help="Do not apply supabase/seed.sql.")
@click.pass_obj
@handle_errors
def audit(obj: Ctx, project_dir: Path | None, config_file: Path | None, fmt: str, output: Path | None,
          fail_on: str | None, baseline: Path | None, write_baseline: Path | None, db_url: str | None,
          engine: str, exposure: str | None, keep_going: bool, no_probe: bool, no_seed: bool) -> None:
    """Apply the migrations to a throwaway database (or read --db-url) and audit RLS and indexes."""
    from toolkit.pipeline import AuditOptions
    from toolkit.pipeline import audit as run_audit

    project = load_project(project_dir, config_file)
    opts = AuditOptions(engine=engine, exposure=exposure, keep_going=keep_going, probe=not no_probe,
                        db_url=db_url, seed=not no_seed)
    report = run_audit(project, opts, obj.progress)
    emit_report(report, project, fmt=fmt, output=output, fail_on=fail_on, baseline=baseline,
                write_baseline=write_baseline)


@main.command()
@click.argument("rule_id", required=False)
@handle_errors
def rules(rule_id: str | None) -> None:
    """List every rule, or show one rule's documentation."""
    from toolkit.rules_doc import list_rules, show_rule

    click.echo(show_rule(rule_id) if rule_id else list_rules())


if __name__ == "__main__":
    main()
