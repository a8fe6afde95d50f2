"""The plainspoken command: option parsing only; the work happens in the modules it calls."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline.errors import PlainspokenError, Problem
from pipeline.source.project import Project, check_translation_language, load_project
from pipeline.source.project import check_language as check_language_tag


def _language(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A LANGUAGE argument in its canonical form (pt_BR → pt-BR); not the articles' own language."""
    return check_translation_language(value)


def _reviewed_language(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A language to sign off: a translation, or the articles' own (en: the clinical sign-off)."""
    return value if value == "en" else check_translation_language(value)


def _languages(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """--lang options in their canonical form; unknown tags refused with a suggestion."""
    return tuple(check_language_tag(tag) for tag in value)


def _translation_languages(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """--lang options naming languages that have catalogs (not the articles' own language)."""
    return tuple(check_translation_language(tag) for tag in value)


def _languages_one(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A LANGUAGE argument in its canonical form; the articles' own language is allowed."""
    return check_language_tag(value)


class _Group(click.Group):
    """Prints PlainspokenError as path:line lines and exits 1, never with a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PlainspokenError as error:
            for problem in error.problems:
                click.echo(f"{problem}", err=True)
            ctx.exit(1)


def _project(ctx: click.Context) -> Project:
    root: Path = ctx.obj["root"]
    return load_project(root)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="plainspoken")
@click.option(
    "-C",
    "--project",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project folder (holding source/site.toml).",
)
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Turn clinic articles into accessible web pages in every language a clinic needs.

    \b
    Example:
      plainspoken build
    """
    ctx.ensure_object(dict)
    ctx.obj["root"] = root


class _Formats(click.Choice):  # type: ignore[type-arg]
    """The registered outputs (and, for build, the report), read when the command runs."""

    def __init__(self, *, report: bool) -> None:
        super().__init__(())
        self.report = report

    @property
    def choices(self) -> tuple[str, ...]:
        from pipeline.builders.outputs import names

        return (*names(), "report") if self.report else names()

    @choices.setter
    def choices(self, value: object) -> None:
        """click sets the choices once; they come from the registry instead."""


@main.command()
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=_Formats(report=True),
    help="Output format; repeat for several. Default: every format (report: build/site/report.html).",
)
@click.option(
    "--lang", "languages", multiple=True, callback=_languages, help="Build only this language; repeatable."
)
@click.option(
    "--page-size",
    type=click.Choice(["letter", "a4"], case_sensitive=False),
    help="Paper for handouts (default: publish.page_size in site.toml, else letter).",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per CPU core)."
)
@click.option("--shard", metavar="K/N", help="Build only the K-th of N slices of the work (for CI matrices).")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Build on a Dask cluster, e.g. tcp://build-1:8786 (default: [build] scheduler in site.toml).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only failures and the final line.")
@click.pass_context
def build(
    ctx: click.Context,
    formats: tuple[str, ...],
    languages: tuple[str, ...],
    page_size: str | None,
    jobs: int | None,
    shard: str | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Build what changed into build/site/: web pages, print handouts and audio guides.

    Only outputs whose inputs changed since the last build are rebuilt; the
    previous site stays whole until the new one is complete.

    \b
    Example:
      plainspoken build --lang es --format pdf --page-size a4
    """
    from pipeline.engine.run import run_build
    from pipeline.summary import make_progress, print_report

    project = _project(ctx)
    if page_size:
        config = dataclasses.replace(project.config, page_size=page_size.lower())
        project = dataclasses.replace(project, config=config)
    for tag in languages:
        if tag not in project.config.languages:
            raise PlainspokenError.at(project.config.path, 0, f"{tag} is not in publish.languages")
    progress = make_progress(quiet=quiet)
    try:
        report = run_build(
            project,
            outputs=formats or None,
            languages=languages or None,
            jobs=jobs,
            shard=_shard(shard),
            progress=progress,
            scheduler=scheduler,
        )
    except KeyboardInterrupt:
        click.echo("\nInterrupted: build/site is unchanged.", err=True)
        ctx.exit(130)
    print_report(report, quiet=quiet)
    ctx.exit(1 if report.failed else 0)


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    match = re.fullmatch(r"(\d+)/(\d+)", value)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise click.BadParameter("write K/N with 1 <= K <= N, e.g. --shard 2/4", param_hint="--shard")
    return int(match.group(1)), int(match.group(2))


@main.command()
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port on localhost."
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=_Formats(report=False),
    help="Outputs to rebuild on each change (default: every format).",
)
@click.pass_context
def serve(ctx: click.Context, port: int, formats: tuple[str, ...]) -> None:
    """Preview the site on this computer and rebuild it whenever a file changes.

    Serves build/site on http://127.0.0.1 only; watches source/, locales/ and
    the page templates. A mistake (in site.toml, a catalog, an article) is
    printed and the last good site stays up until it is fixed. Stop with Ctrl-C
    (or kill: SIGTERM).

    \b
    Example:
      plainspoken serve --port 8000
    """
    from pipeline.engine.run import run_build
    from pipeline.serve import preview, start_server, stop_on_sigterm
    from pipeline.summary import PlainProgress, print_report

    root: Path = ctx.obj["root"].resolve()
    if not (root / "source").is_dir():
        raise PlainspokenError.at(str(root), 0, "no source/ folder: run it in a project folder, or use -C")
    outputs = formats or None
    server = start_server(root / "build" / "site", port)  # first: a port in use is said at once

    def rebuild() -> bool:  # the project is read again each time: site.toml may have changed
        report = run_build(load_project(root), outputs=outputs, progress=PlainProgress())
        print_report(report, quiet=True)
        return not report.failed

    def ready() -> None:
        click.echo(f"Serving http://127.0.0.1:{server.server_port}/ (rebuilding on changes; Ctrl-C to stop)")

    stop_on_sigterm()
    try:
        preview(root, rebuild, on_ready=ready)
    except KeyboardInterrupt:
        click.echo("\nStopped.")
    finally:
        server.shutdown()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def parse(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Print each Markdown article as one line of JSON (the document model).

    \b
    Example:
      plainspoken parse source/iop-vs-residential-rehab.md
    """
    from pipeline.source.articles import not_utf8_problem
    from pipeline.source.parse import parse_article

    failed = False
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            doc = parse_article(text, path=str(path), slug=path.stem)
        except PlainspokenError as error:
            failed = True
            for problem in error.problems:
                click.echo(str(problem), err=True)
            continue
        except UnicodeDecodeError as error:
            failed = True
            click.echo(str(not_utf8_problem(str(path), error)), err=True)
            continue
        except OSError as error:
            failed = True
            click.echo(str(Problem(str(path), 0, getattr(error, "strerror", None) or str(error))), err=True)
            continue
        click.echo(json.dumps(doc.to_dict(), ensure_ascii=False, sort_keys=True))
    ctx.exit(1 if failed else 0)


@main.command()
@click.pass_context
def extract(ctx: click.Context) -> None:
    """Write the translation templates locales/*.pot from source/ and the page templates.

    \b
    Example:
      plainspoken extract
    """
    from pipeline.i18n.lifecycle import make_templates, write_templates

    project = _project(ctx)
    templates, problems = make_templates(project)
    written = write_templates(project, templates)
    for path in written:
        click.echo(f"wrote {project.display(path)}")
    removed = _remove_orphaned_templates(project, templates)
    if not written and not removed and not problems:
        click.echo("templates are up to date")
    _exit_on_source_problems(ctx, problems)


def _exit_on_source_problems(ctx: click.Context, problems: tuple[Problem, ...]) -> None:
    """Print the problems of the articles left out (the others were done) and exit 1 if any."""
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        ctx.exit(1)


def _remove_orphaned_templates(project: Project, templates: dict[str, Any]) -> list[Path]:
    """Delete the templates of deleted articles, saying so; their catalogs are kept."""
    from pipeline.i18n.lifecycle import remove_orphaned_templates

    removed = remove_orphaned_templates(project, templates)
    for path in removed:
        click.echo(
            f"removed {project.display(path)}: source/{path.stem}.md is gone "
            f"(its catalogs are kept; plainspoken status lists them)"
        )
    return removed


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--clinic", default="Example Clinic", show_default=True, help="The clinic's name.")
@click.option("--phone", default="(626) 555-0199", show_default=True, help="The number patients call.")
@click.option("--languages", default="es", show_default=True, help="Languages to translate into: es,vi,km.")
def new(folder: Path, clinic: str, phone: str, languages: str) -> None:
    """Start a project in a new FOLDER that builds at once (site.toml, an example article, catalogs).

    \b
    Example:
      plainspoken new clinic --clinic "Arroyo Seco Recovery" --languages es,vi,km
    """
    from pipeline.i18n.lifecycle import init_language, make_templates, write_templates
    from pipeline.site.new_project import NewProject, create_project, fill_example_drafts
    from pipeline.source.project import check_language

    listed = [check_language(tag.strip()) for tag in languages.split(",") if tag.strip()]
    tags = tuple(dict.fromkeys(tag for tag in listed if tag != "en"))  # en is the articles' own: no catalogs
    for path in create_project(folder, NewProject(clinic, phone, tags)):
        click.echo(f"created {path.as_posix()}")
    project = load_project(folder)
    templates, _ = make_templates(project)
    write_templates(project, templates)
    for tag in tags:
        for path in init_language(project, tag, templates):
            click.echo(f"created {(folder / project.display(path)).as_posix()}")
        if fill_example_drafts(project, tag):
            click.echo(f"  with draft translations of the example article ({tag}): have them reviewed")
        else:
            click.echo(f"  {tag}: Plainspoken ships no drafts in it: its pages are published once translated")
    click.echo(f"Next: cd {folder.as_posix()} && plainspoken build; see its README.md")


@main.command()
@click.argument("language", callback=_language)
@click.pass_context
def init(ctx: click.Context, language: str) -> None:
    """Create the catalogs for a new language (existing ones are left alone).

    \b
    Example:
      plainspoken init ko
    """
    from pipeline.i18n.lifecycle import init_language, make_templates, write_templates

    project = _project(ctx)
    templates, source_problems = make_templates(project)
    write_templates(project, templates)
    _remove_orphaned_templates(project, templates)
    created = init_language(project, language, templates)
    for path in created:
        click.echo(f"created {project.display(path)}")
    _recall(project, language)
    if not created:
        click.echo(f"{language} already has every catalog; use plainspoken update")
    if language not in project.config.languages:
        click.echo(f'note: add "{language}" to publish.languages in source/site.toml to publish it')
    _exit_on_source_problems(ctx, source_problems)


def _recall(project: Project, language: str) -> None:
    """Pre-fill untranslated messages from the language's other articles (fuzzy, with their origin)."""
    from pipeline.i18n.memory import apply_memory

    for path, count in sorted(apply_memory(project, language).items()):
        click.echo(f"{path}: {count} pre-filled from the translation memory (fuzzy: check them)")


@main.command()
@click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=_translation_languages,
    help="Only this language; repeatable.",
)
@click.pass_context
def update(ctx: click.Context, languages: tuple[str, ...]) -> None:
    """Merge source changes into every catalog, keeping all translations.

    Changed sentences keep their old translation marked fuzzy; removed ones
    become obsolete (#~), never deleted.

    \b
    Example:
      plainspoken update --lang es
    """
    from pipeline.i18n.lifecycle import make_templates, update_language, write_templates

    project = _project(ctx)
    templates, source_problems = make_templates(project)
    write_templates(project, templates)
    _remove_orphaned_templates(project, templates)
    problems: list[Problem] = [*source_problems]
    for language in languages or project.translation_languages():
        updates, found, warnings = update_language(project, language, templates)
        problems += found
        for warning in warnings:
            click.echo(str(warning), err=True)
        for item in updates:
            state = "updated" if item.written else "unchanged"
            counts = f"{item.new} new, {item.fuzzy} fuzzy, {item.obsolete} obsolete"
            counts += f", {item.revived} revived" if item.revived else ""
            click.echo(f"{item.path}: {state} ({counts})")
        if not found:
            _recall(project, language)
    for problem in problems:
        click.echo(str(problem), err=True)
    ctx.exit(1 if problems else 0)


@main.command()
@click.option(
    "--lang",
    "languages",
    multiple=True,
    callback=_translation_languages,
    help="Check only this language's catalogs; repeatable.",
)
@click.option("--source", "source_only", is_flag=True, help="Check only the source articles.")
@click.option("--strict", is_flag=True, help="Plain-language findings are errors, not warnings.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@click.pass_context
def check(
    ctx: click.Context, languages: tuple[str, ...], source_only: bool, strict: bool, as_json: bool
) -> None:
    """Check translations and articles; list problems as path:line, exit 1 on any error.

    \b
    Example:
      plainspoken check --lang es
    """
    from pipeline.quality.gates import check_articles, check_language
    from pipeline.site.readiness import readiness_findings
    from pipeline.summary import print_findings

    project = _project(ctx)
    findings = []
    if source_only or not languages:
        findings += check_articles(project, strict=strict)
    if not source_only:
        for language in languages or project.translation_languages():
            findings += check_language(project, language)
    if not source_only and not languages:  # the whole project: also what is left before publishing
        findings += readiness_findings(project)
    print_findings(sorted(findings), as_json=as_json)
    ctx.exit(1 if any(f.severity == "error" for f in findings) else 0)


@main.command()
@click.argument("language", callback=_reviewed_language)
@click.option("--by", "reviewer", required=True, help='Who reviewed, e.g. "Ana Ruiz, CHI".')
@click.pass_context
def review(ctx: click.Context, language: str, reviewer: str) -> None:
    """Sign off a language after a qualified medical translator reviewed it.

    Refused while the language has check errors, fuzzy or untranslated
    messages. Any later change to a translation voids the sign-off.
    For en: a clinician's sign-off of the English articles, voided by any edit.

    \b
    Example:
      plainspoken review es --by "Ana Ruiz, CHI"
      plainspoken review en --by "Sam Lee, MD"
    """
    from pipeline.quality.gates import sign_off, sign_off_english
    from pipeline.summary import count

    project = _project(ctx)
    if language == "en":
        result = sign_off_english(project, reviewer=reviewer.strip())
    else:
        result = sign_off(project, language, reviewer=reviewer.strip())
    for finding in result.refused:
        click.echo(str(finding), err=True)
    if result.refused:
        click.echo(
            f"Not signed off: {count(len(result.refused), 'error', 'errors')} in {language} "
            "(fix them, then try again).",
            err=True,
        )
        ctx.exit(1)
    for path in result.signed:
        click.echo(f"signed off {path}")
    if language == "en":
        click.echo(f"The English articles are medically reviewed by {reviewer.strip()}: any edit voids it.")
        return
    click.echo(f"{language} is reviewed by {reviewer.strip()}: its pages and handouts no longer say 'Draft'.")


@main.command()
@click.argument("slug")
@click.option("--by", "reviewer", default="", help='Who answers, e.g. "Rosa Diaz, health educator".')
@click.pass_context
def assess(ctx: click.Context, slug: str, reviewer: str) -> None:
    """Answer the PEMAT-P and CDC Index items an article's structure cannot answer.

    Each answer (agree, disagree, na; Enter skips) goes into source/SLUG.assessment.toml,
    which the report's scorecard reads.
    """
    from pipeline.quality.gates import record_assessment, unanswered_items

    project = _project(ctx)
    answers = {}
    names = {"understandable": "PEMAT-P", "actionable": "PEMAT-P", "cdc": "CDC Index"}
    choice = click.Choice(["agree", "disagree", "na", ""])
    for item in unanswered_items(project, slug):
        question = f"{names[item.scale]} {item.number}. {item.text}"
        try:
            value = click.prompt(question, default="", type=choice, show_choices=False, show_default=False)
        except click.Abort:  # Ctrl-D or the end of the input: keep the answers given so far
            click.echo()
            break
        if value:
            answers[(item.scale, item.number)] = value
    path = record_assessment(project, slug, reviewer.strip(), answers)
    click.echo(f"{len(answers)} answers recorded in {path}")


@main.command()
@click.argument("language", callback=_languages_one)
@click.option("--no-pdf", is_flag=True, help="Skip the large-type PDF (HTML and JSON only).")
@click.pass_context
def record(ctx: click.Context, language: str, no_pdf: bool) -> None:
    """Write a narrator's script per article to build/record/LANGUAGE/ (HTML, large-type PDF, JSON).

    \b
    Save each segment's recording as recordings/LANGUAGE/<article>/<segment id>.wav (or .flac, .mp3);
    the next build uses it.
    """
    from pipeline.site.recording_scripts import write_recording_scripts

    project = _project(ctx)
    for result in write_recording_scripts(project, language, pdf=not no_pdf):
        click.echo(f"{result.slug}: {result.summary}")
        for note in result.notes:  # files the narrator saved that cannot be used as they are
            click.echo(f"  {note}", err=True)
        for path in result.files:
            click.echo(f"  wrote {project.display(path)}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show how much of each language is translated, per catalog.

    \b
    Example:
      plainspoken status --json
    """
    from pipeline.i18n.lifecycle import in_git_repository, language_status, orphaned_catalogs
    from pipeline.source.project import UI_DOMAIN
    from pipeline.summary import print_orphans, print_status

    project = _project(ctx)
    domains = [UI_DOMAIN, *(p.stem for p in project.article_paths())]
    rows = [
        row for lang in project.translation_languages() for row in language_status(project, lang, domains)
    ]
    print_status(rows, as_json=as_json)
    orphans = orphaned_catalogs(project, domains)
    print_orphans(orphans, in_git=in_git_repository(project), err=as_json)  # JSON stays parseable
    if not as_json:  # the JSON output stays the one list other programs read
        from pipeline.site.voices_status import voice_rows

        click.echo("\nVoices (audio guides):")
        for voice in voice_rows(project):
            click.echo(f"  {voice.describe()}")
    ctx.exit(1 if any(r.problem for r in rows) else 0)


@main.command()
@click.argument("language")
@click.option(
    "--format",
    "kind",
    type=click.Choice(["xliff", "xliff2", "tmx"]),
    default="xliff",
    show_default=True,
    help="xliff (1.2), xliff2 (2.0): for translating in a CAT tool; tmx: a memory of what is translated.",
)
@click.option(
    "--article",
    metavar="SLUG",
    help="Only this article's catalog (default: the interface and every article).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write."
)
@click.pass_context
def export(ctx: click.Context, language: str, kind: str, article: str | None, output: Path) -> None:
    """Export a language's catalogs for CAT tools (Trados, memoQ, Phrase, Wordfast).

    \b
    Example:
      plainspoken export es --format xliff -o es.xlf
      plainspoken export es --format xliff2 -o es.xlf
      plainspoken export es --format tmx -o es.tmx
    """
    from pipeline.quality.exchange import export_language
    from pipeline.source.project import write_atomic

    project = _project(ctx)
    if article and not (project.source_dir / f"{article}.md").exists():
        raise PlainspokenError.at(str(output), 0, f"no article {article!r} in source/")
    data, left_out = export_language(project, check_language_tag(language), kind=kind, article=article)
    write_atomic(output, data)
    click.echo(f"wrote {output}")
    for problem in left_out:  # one catalog that cannot be read never holds back the others
        click.echo(str(problem), err=True)
    ctx.exit(1 if left_out else 0)


@main.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", "language", help="The target language (default: the file's; the two must agree).")
@click.pass_context
def import_(ctx: click.Context, file: Path, language: str | None) -> None:
    """Merge translations back from a CAT tool's XLIFF file (1.1, 1.2 or 2.0), after every check.

    A target that breaks a placeholder, a link or a number is refused with its
    trans-unit id and line; nothing else in the catalog changes.

    \b
    Example:
      plainspoken import es.xlf
    """
    from pipeline.quality.exchange import import_xliff

    project = _project(ctx)
    result = import_xliff(project, language, file)
    for path, count in sorted(result.changed.items()):
        click.echo(f"{path}: {count} {'message' if count == 1 else 'messages'} changed")
    for problem in result.rejected:
        click.echo(str(problem), err=True)
    if not result.changed:
        click.echo("no translation changed")
    ctx.exit(1 if result.rejected else 0)


@main.command()
@click.argument("language")
@click.option(
    "--article", metavar="SLUG", help="Only this article, or ui for the interface (default: every catalog)."
)
@click.option(
    "--page-size",
    type=click.Choice(["letter", "a4"], case_sensitive=False),
    help="Paper for the PDF (default: publish.page_size in site.toml, else letter).",
)
@click.pass_context
def packet(ctx: click.Context, language: str, article: str | None, page_size: str | None) -> None:
    """Write a reviewer's packet: a bilingual table to read, annotate and sign.

    Writes build/review/LANG/SLUG.html and .pdf for each article and for ui
    (the interface and crisis lines: every catalog that review signs), with
    each message's check findings and glossary terms, and a sign-off block.

    \b
    Example:
      plainspoken packet es
    """
    from pipeline.site.packet import write_packets
    from pipeline.source.project import UI_DOMAIN

    project = _project(ctx)
    tag = check_language_tag(language)
    slugs = [UI_DOMAIN, *(p.stem for p in project.article_paths())]  # ui: what review signs too
    if article and article not in slugs:
        raise PlainspokenError.at("source", 0, f"no article {article!r} in source/")
    size = (page_size or project.config.page_size).lower()
    packets = write_packets(project, tag, [article] if article else slugs, page_size=size)
    for path in packets.files:
        click.echo(f"wrote {project.display(path)}")
    for problem in (*packets.behind, *packets.failed):
        click.echo(str(problem), err=True)
    ctx.exit(1 if packets.failed else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
