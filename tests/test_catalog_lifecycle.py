"""The catalog lifecycle as a clinic lives it: any sequence of author edits, translator edits and
updates keeps every catalog valid, every translation, and every count in agreement.

PLAINSPOKEN_SLOW_TESTS=1 (``make test-slow``) walks many more and longer sequences.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOTS
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from po_edits import every_msgstr, live_messages, mark_fuzzy, msgfmt_check, reconciled, set_msgstr

from pipeline.cli import main

pytestmark = pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU gettext not installed")
SLOW = os.environ.get("PLAINSPOKEN_SLOW_TESTS") == "1"
ARTICLES = ("sleep", "meals")
LANGUAGES = ("es", "fr")
#: One-word edits an author makes, and makes undone: each pair swaps both ways.
SWAPS = (("same", "usual"), ("15", "20"), ("dark", "cool"), ("water", "milk"), ("staff", "a nurse"))


class CatalogLifecycle(RuleBasedStateMachine):
    """Authors edit, delete, restore, reorder and copy paragraphs; translators edit, blank and
    flag messages; ``extract`` + ``update`` run in between."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="lifecycle-")) / "project"
        shutil.copytree(ROOTS / "lifecycle", self.root)
        self.runner = CliRunner()
        self.paragraphs = {slug: self._read_paragraphs(slug) for slug in ARTICLES}
        self.deleted: list[tuple[str, int, str, int]] = []  # (slug, position, text, updates then)
        self.edits: list[tuple[str, str, str, int]] = []  # (slug, new text, old text, updates then)
        self.updates = 0
        self.written = {
            lang: set().union(*(every_msgstr(p) for p in self._catalogs(lang))) for lang in LANGUAGES
        }
        self.counter = 0
        self.checked = ""

    def teardown(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------

    def cli(self, *args: str) -> Result:
        result = self.runner.invoke(main, ["-C", str(self.root), *args], catch_exceptions=False)
        assert "Traceback" not in result.output, result.output
        return result

    def _read_paragraphs(self, slug: str) -> list[str]:
        text = (self.root / "source" / f"{slug}.md").read_text(encoding="utf-8")
        return [p.strip() for p in text.split("---\n", 2)[2].split("\n\n") if p.strip()]

    def _write_article(self, slug: str) -> None:
        body = "\n\n".join(self.paragraphs[slug])
        text = (self.root / "source" / f"{slug}.md").read_text(encoding="utf-8")
        head = "---\n".join(text.split("---\n", 2)[:2]) + "---\n\n"
        (self.root / "source" / f"{slug}.md").write_text(head + body + "\n", encoding="utf-8")

    def _catalogs(self, language: str) -> list[Path]:
        return sorted((self.root / "locales" / language / "LC_MESSAGES").glob("*.po"))

    def _article_po(self, language: str, slug: str) -> Path:
        return self.root / "locales" / language / "LC_MESSAGES" / f"{slug}.po"

    def _snapshot(self) -> dict[str, bytes]:
        return {str(p): p.read_bytes() for p in sorted((self.root / "locales").rglob("*.po*"))}

    # --- authors -------------------------------------------------------------------------

    @initialize(
        slug=st.sampled_from(ARTICLES),
        index=st.integers(0, 20),
        swap=st.sampled_from(SWAPS),
        delete=st.booleans(),
        undo=st.booleans(),
    )
    def start_with_a_change_and_an_update(
        self, slug: str, index: int, swap: tuple[str, str], delete: bool, undo: bool
    ) -> None:
        """Most walks undo a deletion or an edit that an update has seen: now, or in a later rule."""
        if delete:
            self.delete_paragraph(slug, index)
        else:
            self.edit_paragraph(slug, index, swap)
        self.extract_and_update()
        if undo:
            self.restore_paragraph() if delete else self.revert_edit()
            self.extract_and_update()

    @rule(slug=st.sampled_from(ARTICLES), index=st.integers(0, 20), swap=st.sampled_from(SWAPS))
    def edit_paragraph(self, slug: str, index: int, swap: tuple[str, str]) -> None:
        paragraphs = self.paragraphs[slug]
        old = paragraphs[index % len(paragraphs)]
        new = old.replace(swap[0], swap[1], 1) if swap[0] in old else old.replace(swap[1], swap[0], 1)
        if new == old:
            new = old.rstrip(".") + " today."
        paragraphs[index % len(paragraphs)] = new
        self.edits.append((slug, new, old, self.updates))
        self._write_article(slug)

    @precondition(lambda self: bool(self.edits))
    @rule()
    def revert_edit(self) -> None:
        slug, new, old, updates = self.edits.pop()
        if new in self.paragraphs[slug]:
            if updates < self.updates:
                event("an edit reverted after an update")
            self.paragraphs[slug][self.paragraphs[slug].index(new)] = old
            self._write_article(slug)

    @rule(slug=st.sampled_from(ARTICLES), index=st.integers(0, 20))
    def delete_paragraph(self, slug: str, index: int) -> None:
        paragraphs = self.paragraphs[slug]
        if len(paragraphs) > 1:
            at = index % len(paragraphs)
            self.deleted.append((slug, at, paragraphs.pop(at), self.updates))
            self._write_article(slug)

    @precondition(lambda self: bool(self.deleted))
    @rule()
    def restore_paragraph(self) -> None:
        slug, at, text, updates = self.deleted.pop()
        if updates < self.updates:
            event("a deletion undone after an update")
        self.paragraphs[slug].insert(min(at, len(self.paragraphs[slug])), text)
        self._write_article(slug)

    @rule(slug=st.sampled_from(ARTICLES), index=st.integers(0, 20))
    def reorder(self, slug: str, index: int) -> None:
        paragraphs = self.paragraphs[slug]
        at = index % len(paragraphs)
        paragraphs.insert(0, paragraphs.pop(at))
        self._write_article(slug)

    @rule(source=st.sampled_from(ARTICLES), index=st.integers(0, 20))
    def copy_paragraph(self, source: str, index: int) -> None:
        target = ARTICLES[1 - ARTICLES.index(source)]
        if len(self.paragraphs[target]) < 8:
            paragraph = self.paragraphs[source][index % len(self.paragraphs[source])]
            self.paragraphs[target].append(paragraph)
            self._write_article(target)

    # --- translators -----------------------------------------------------------------------

    def _pick(self, language: str, slug: str, index: int) -> tuple[Path, list[tuple[str, str, bool, int]]]:
        path = self._article_po(language, slug)
        return path, live_messages(path)

    @rule(language=st.sampled_from(LANGUAGES), slug=st.sampled_from(ARTICLES), index=st.integers(0, 20))
    def translator_edits(self, language: str, slug: str, index: int) -> None:
        path, messages = self._pick(language, slug, index)
        _, old, _, line = messages[index % len(messages)]
        self.counter += 1
        new = f"Traducción número {self.counter}."
        set_msgstr(path, line, new)
        self.written[language].discard(old)  # the translator replaced it on purpose
        self.written[language].add(new)

    @rule(language=st.sampled_from(LANGUAGES), slug=st.sampled_from(ARTICLES), index=st.integers(0, 20))
    def translator_clears_to_a_space(self, language: str, slug: str, index: int) -> None:
        path, messages = self._pick(language, slug, index)
        _, old, _, line = messages[index % len(messages)]
        set_msgstr(path, line, " ")
        self.written[language].discard(old)

    @rule(language=st.sampled_from(LANGUAGES), slug=st.sampled_from(ARTICLES), index=st.integers(0, 20))
    def translator_marks_fuzzy(self, language: str, slug: str, index: int) -> None:
        path, messages = self._pick(language, slug, index)
        mark_fuzzy(path, messages[index % len(messages)][3])

    # --- the tools -------------------------------------------------------------------------

    @rule()
    def extract_and_update(self) -> None:
        self.updates += 1
        assert self.cli("extract").exit_code == 0
        result = self.cli("update")
        assert result.exit_code == 0, result.output
        before = self._snapshot()
        again = self.cli("update")
        assert again.exit_code == 0, again.output
        assert self._snapshot() == before, "a second update changed a catalog"
        assert "updated" not in again.stdout

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def catalogs_pass_msgfmt(self) -> None:
        for language in LANGUAGES:
            for path in self._catalogs(language):
                assert not msgfmt_check(path), msgfmt_check(path)

    @invariant()
    def every_translation_is_kept(self) -> None:
        for language in LANGUAGES:
            present = set().union(*(every_msgstr(p) for p in self._catalogs(language)))
            lost = self.written[language] - present
            assert not lost, f"{language}: translations lost: {lost}"

    @invariant()
    def status_agrees_with_msgfmt_and_the_build_runs(self) -> None:
        state = hashlib.sha256(
            json.dumps([self.paragraphs, sorted(map(str, self._snapshot().values()))]).encode()
        )
        if state.hexdigest() == self.checked:
            return  # nothing changed since the last check
        self.checked = state.hexdigest()
        rows = json.loads(self.cli("status", "--json").stdout)
        for row in rows:
            if row["behind"]:  # counted as the pages show the current English: test_signoff.py
                continue
            stats = reconciled(self.root / row["path"])
            assert (row["translated"] + row["rejected"], row["fuzzy"], row["untranslated"]) == (
                stats.translated,
                stats.fuzzy,
                stats.untranslated,
            ), row
        build = self.cli("build", "--format", "html", "-q")
        assert build.exit_code == 0, build.output


CatalogLifecycle.TestCase.settings = settings(
    max_examples=150 if SLOW else 6,
    stateful_step_count=30 if SLOW else 12,
    deadline=None,
    derandomize=not SLOW,  # the default suite walks the same sequences every time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestCatalogLifecycle = CatalogLifecycle.TestCase
