"""'Reviewed' and 'translated' are judged against the sources as they are now, by every command."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from click.testing import CliRunner, Result
from conftest import ROOTS
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from po_edits import live_messages

from pipeline.builders.html import HtmlBuilder
from pipeline.cli import main

ARTICLE_PO = "locales/es/LC_MESSAGES/choosing-care.po"
UI_PO = "locales/es/LC_MESSAGES/ui.po"
PAGE = "build/site/es/choosing-care.html"
SENTENCE = "Both options can help people recover, but they work in different ways."
EDITED = "Both options can help people recover, but they work in very different ways."
REVIEWED = "Revisado por Ana Ruiz, CHI"
DRAFT = "Traducción preliminar"
ENGLISH_PARTS = "% de esta página todavía está en inglés."  # "Aproximadamente el 3 % de esta…"

Run = Callable[..., Result]


def page_text(path: Path) -> str:
    """What a patient reads: the page's text without tags, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return " ".join(html.unescape(text).split())


def handout_text(path: Path) -> str:
    """The handout's text layer (poppler's pdftotext), spaces collapsed."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def signed_off(run: Run, project: Path) -> None:
    result = run(project, "review", "es", "--by", "Ana Ruiz, CHI")
    assert result.exit_code == 0, result.output


def status_rows(run: Run, project: Path) -> dict[str, dict[str, object]]:
    rows = json.loads(run(project, "status", "--json").stdout)
    return {str(row["domain"]): row for row in rows if row["language"] == "es"}


def messages(project: Path) -> int:
    """How many messages the Spanish pages show: the interface's and the article's."""
    return sum(len(live_messages(project / po)) for po in (UI_PO, ARTICLE_PO))


def build(run: Run, project: Path, *formats: str) -> Result:
    args = [a for f in formats for a in ("--format", f)]
    result = run(project, "build", "--lang", "es", *args)
    assert result.exit_code == 0, result.output
    return result


def test_a_reviewed_page_credits_the_reviewer_and_says_nothing_about_drafts(run: Run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("signoff")
    signed_off(run, project)
    build(run, project, "html")
    text = page_text(project / PAGE)
    colophon = re.search(r"Revisado por Ana Ruiz, CHI el [^.]+\.", text)
    assert colophon, text
    assert "draft" not in colophon.group(0).lower() and DRAFT not in text
    assert "Traducido por" not in text  # init's "Plainspoken draft" names no translator: none is credited
    po = project / ARTICLE_PO  # a translator who is named is credited
    po.write_text(po.read_text().replace("Plainspoken draft <", "Marta Díaz <"), encoding="utf-8")
    ui = project / UI_PO
    ui.write_text(ui.read_text().replace("Plainspoken draft <", "Marta Díaz <"), encoding="utf-8")
    signed_off(run, project)
    build(run, project, "html")
    assert "Traducido por Marta Díaz. Revisado por Ana Ruiz, CHI el " in page_text(project / PAGE)


def test_an_english_edit_voids_the_sign_off_everywhere_before_update(run: Run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("signoff")
    signed_off(run, project)
    article = project / "source/choosing-care.md"
    article.write_text(article.read_text().replace(SENTENCE, EDITED))
    output = build(run, project, "html", "pdf", "report").output
    text = page_text(project / PAGE)
    assert EDITED in text and ENGLISH_PARTS in text and DRAFT in text and REVIEWED not in text
    handout = handout_text(project / PAGE.replace(".html", ".pdf"))
    assert DRAFT in handout and REVIEWED not in handout and ENGLISH_PARTS in handout
    behind = f"{ARTICLE_PO}: behind source/choosing-care.md (1 new message, 1 no longer used)"
    assert f"{behind}: run `plainspoken update`" in output
    assert re.search(r"es\s+pdf\s+built\s+choosing-care \(\d+\.\d s\), 1 message in English", output)
    rows = status_rows(run, project)
    assert (rows["choosing-care"]["review"], rows["choosing-care"]["untranslated"]) == ("voided", 1)
    assert rows["ui"]["review"] == "reviewed"  # only what changed loses its sign-off
    check = run(project, "check", "--lang", "es")
    assert check.exit_code == 1 and f"{ARTICLE_PO}: error: behind: source/choosing-care.md" in check.stdout
    report = page_text(project / "build/site/report.html")
    total = messages(project)
    assert "Sign-off void" in report and f"({total - 1} of {total} messages)" in report and behind in report
    packets = run(project, "packet", "es", "--article", "choosing-care")
    assert packets.exit_code == 0 and behind in packets.stderr
    packet = page_text(project / "build/review/es/choosing-care.html")
    assert "Sign-off voided" in packet and "This catalog is behind source/choosing-care.md" in packet
    # After update the same: the edited sentence's translation is fuzzy, the sign-off void.
    assert run(project, "update").exit_code == 0
    rows = status_rows(run, project)
    assert (rows["choosing-care"]["review"], rows["choosing-care"]["fuzzy"]) == ("voided", 1)
    assert rows["choosing-care"]["behind"] is None


def test_a_changed_crisis_line_is_counted_in_english_by_every_command(run: Run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("signoff")
    signed_off(run, project)
    toml = project / "source/site.toml"
    toml.write_text(
        toml.read_text()
        .replace("SAMHSA National Helpline", "LA County Mental Health Access Line")
        .replace("in English and Spanish.", "in many languages.")
    )
    output = build(run, project, "html", "report").output
    text = page_text(project / PAGE)
    assert "LA County Mental Health Access Line" in text and ENGLISH_PARTS in text
    assert DRAFT in text and REVIEWED not in text
    behind = f"{UI_PO}: behind source/site.toml (2 new messages, 2 no longer used): run `plainspoken update`"
    assert behind in output
    assert re.search(
        r"es\s+html\s+built\s+choosing-care \(\d+\.\d s\), 2 crisis-line messages in English", output
    )
    rows = status_rows(run, project)
    ui = rows["ui"]
    shown = len(live_messages(project / UI_PO))  # the two new crisis-line messages replace two
    assert (ui["translated"], ui["untranslated"], ui["review"]) == (shown - 2, 2, "voided")
    assert ui["behind"] == behind
    assert behind in run(project, "status").stdout
    check = run(project, "check", "--lang", "es")
    assert check.exit_code == 1 and f"{UI_PO}: error: behind: source/site.toml" in check.stdout
    total = messages(project)
    assert f"({total - 2} of {total} messages)" in page_text(project / "build/site/report.html")
    refused = run(project, "review", "es", "--by", "Ana Ruiz, CHI")
    assert refused.exit_code == 1 and "behind" in refused.stderr


def test_the_packet_holds_every_catalog_that_review_signs(run: Run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("signoff")
    assert run(project, "packet", "es").exit_code == 0
    packet = page_text(project / "build/review/es/ui.html")
    for shown in ("In an emergency, call 911.", "En una emergencia, llame al 911."):
        assert shown in packet
    assert "SAMHSA National Helpline" in packet and "Línea Nacional de Ayuda de SAMHSA" in packet
    signed = run(project, "review", "es", "--by", "Ana Ruiz, CHI").stdout
    catalogs = re.findall(r"^signed off (\S+)$", signed, re.MULTILINE)
    assert sorted(catalogs) == [ARTICLE_PO, UI_PO]
    for catalog in catalogs:
        assert (project / "build/review/es" / f"{Path(catalog).stem}.pdf").exists()
        assert catalog in page_text(project / "build/review/es" / f"{Path(catalog).stem}.html")


# --- any sequence: a page says "Reviewed by" iff what it shows now is what was signed ------------

CRISIS_NOTE = ("in English and Spanish.", "in many languages.")
COST = ('msgstr "Costo"', 'msgstr "Precio"')
TITLE = ('"IOP o rehabilitación residencial: ¿cuál', '"IOP o tratamiento residencial: ¿cuál')


class SignOffWalk(RuleBasedStateMachine):
    """An author edits a sentence, a clinic a crisis line, a translator a msgstr; a reviewer signs
    off; update runs or not. After each step the page, status, check and the report agree."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="signoff-")) / "signoff"
        shutil.copytree(ROOTS / "signoff", self.root)
        self.runner = CliRunner()
        self.signed: tuple[object, ...] | None = None

    def teardown(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)

    def cli(self, *args: str) -> Result:
        result = self.runner.invoke(main, ["-C", str(self.root), *args], catch_exceptions=False)
        assert "Traceback" not in result.output, result.output
        return result

    def _swap(self, relative: str, pair: tuple[str, str]) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        old, new = pair if pair[0] in text else (pair[1], pair[0])
        path.write_text(text.replace(old, new), encoding="utf-8")

    def _now(self) -> tuple[object, ...]:
        """What the pages show: the sources, and each catalog's live messages (not its obsolete ones)."""
        sources = [(self.root / f"source/{name}").read_text() for name in ("choosing-care.md", "site.toml")]
        catalogs = [sorted(m[:3] for m in live_messages(self.root / po)) for po in (UI_PO, ARTICLE_PO)]
        return (*sources, *map(tuple, catalogs))

    @initialize()
    def signed_off_first(self) -> None:
        self.reviewer_signs_off()
        assert self.signed is not None, "the test root is clean: it can be signed off"

    @rule()
    def author_edits_a_sentence(self) -> None:
        self._swap("source/choosing-care.md", (SENTENCE, EDITED))

    @rule()
    def clinic_changes_a_crisis_line(self) -> None:
        self._swap("source/site.toml", CRISIS_NOTE)

    @rule()
    def translator_edits_a_msgstr(self) -> None:
        self._swap(ARTICLE_PO, COST)

    @rule()
    def translator_translates_the_title(self) -> None:
        self._swap(ARTICLE_PO, TITLE)  # the title is on the language index too

    @rule()
    def update(self) -> None:
        assert self.cli("update").exit_code == 0

    @rule()
    def reviewer_signs_off(self) -> None:
        if self.cli("review", "es", "--by", "Ana Ruiz, CHI").exit_code == 0:
            self.signed = self._now()

    @rule(
        edit=st.sampled_from(["translator_translates_the_title", "translator_edits_a_msgstr", "author_edits_a_sentence"]),
        part=st.sampled_from(["write", "_language_index_context"]),
    )
    def an_edit_then_a_build_that_fails_for_no_input(self, edit: str, part: str) -> None:
        """Something changes, then the disk fills up while the page (or the language index) is
        written: that build fails, and nothing it did not make may count as made."""
        getattr(self, edit)()
        calls = []

        def full_disk(*args: object, **kwargs: object) -> None:
            calls.append(args)
            raise OSError(28, "No space left on device")

        with mock.patch.object(HtmlBuilder, part, full_disk):
            result = self.cli(*BUILD)
        assert result.exit_code == (1 if calls else 0), result.output

    @invariant()
    def reviewed_iff_unchanged_and_every_count_agrees(self) -> None:
        output = self.cli(*BUILD).output
        self._same_as_a_cold_build()
        text = page_text(self.root / PAGE)
        reviewed = self.signed == self._now()
        assert (REVIEWED in text, DRAFT in text) == (reviewed, not reviewed), output
        rows = {
            r["domain"]: r for r in json.loads(self.cli("status", "--json").stdout) if r["language"] == "es"
        }
        english = {
            domain: row["fuzzy"] + row["untranslated"] + row["rejected"] for domain, row in rows.items()
        }
        built = re.search(r"es\s+html\s+built\s+choosing-care \(\d+\.\d s\)(.*)", output)
        if built:  # the summary gives the page's count, and the notice agrees with it
            said = re.search(r", (\d+) messages? in English", built.group(1))
            assert (int(said.group(1)) if said else 0) == english["choosing-care"], output
            crisis = re.search(r", (\d+) crisis-line messages? in English", built.group(1))
            assert (int(crisis.group(1)) if crisis else 0) == english["ui"], output  # only they can lag here
            assert (ENGLISH_PARTS in text) == bool(said or crisis), output
        translated = sum(row["translated"] for row in rows.values())
        total = translated + sum(english.values())
        assert f"({translated} of {total} messages)" in page_text(self.root / "build/site/report.html")
        if any(english.values()) or any(row.get("behind") for row in rows.values()):
            assert self.cli("check", "--lang", "es").exit_code == 1


    def _same_as_a_cold_build(self) -> None:
        """What the incremental builds left equals a first build of the same sources, and a build
        right after says everything is up to date."""
        assert "Up to date" in self.cli(*BUILD).output
        cold = self.root.parent / "cold"
        shutil.rmtree(cold, ignore_errors=True)
        shutil.copytree(self.root, cold, ignore=shutil.ignore_patterns("build"))
        made = self.runner.invoke(main, ["-C", str(cold), *BUILD], catch_exceptions=False)
        assert made.exit_code == 0, made.output
        for page in ("es/choosing-care.html", "es/index.html", "index.html", "report.html"):
            here, there = (root / "build/site" / page for root in (self.root, cold))
            assert here.read_bytes() == there.read_bytes(), page


BUILD = ("build", "--lang", "es", "--format", "html", "--format", "report")

SignOffWalk.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=8,
    deadline=None,
    derandomize=True,  # the same walks every time
    suppress_health_check=[HealthCheck.too_slow],
)
TestSignOffWalk = SignOffWalk.TestCase


def test_a_blank_reviewer_name_signs_nothing(run: Run, make_project) -> None:  # type: ignore[no-untyped-def]
    """A stray space for --by would put "Reviewed by  on …" on every page."""
    project = make_project("signoff")
    before = {po: (project / po).read_bytes() for po in (UI_PO, ARTICLE_PO)}
    result = run(project, "review", "es", "--by", " ")
    assert result.exit_code == 1
    assert result.output.strip() == (
        '<command line>: --by is empty: give the reviewer\'s name and qualification, e.g. --by "Ana Ruiz, CHI"'
    )
    assert {po: (project / po).read_bytes() for po in before} == before
