"""Issue 22's acceptance, per language, on the shipped sample: each figure with its target, OK or MISSED.

Builds the project's handouts (regular and large print) into a scratch copy, and its review packets
and narrator's scripts, then prints for every language: type sizes read from the content streams
(the commonest body size, the smallest content and the smallest running header or footer, regular
and large print), pages, how full the last page is, the article's messages pdftotext gives back in
order (only whitespace, hyphens and bidi controls removed: combining marks such as Arabic tanwīn
count), glyph codes with empty Unicode in any font, marked content neither tagged nor an Artifact,
hyphenation breaks in the text layer (U+2010, soft hyphen), the clinic's address in logical order,
the review packet's translations and English in order, and the parts of packets and narrator's
scripts that their HTML gives another language, against their PDF structure elements' /Lang.
It reports what it measures: the sample's text is never changed to pass. ``-v`` lists what is
out of order; a folder argument measures that project instead (a test root, say).
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from click.testing import CliRunner  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from benchmarks.sample_site import built_copy  # noqa: E402
from pipeline.builders.pdf_audit import (  # noqa: E402
    compare,
    empty_unicode_codes,
    pdftotext,
    squash,
    structure_languages,
    text_layer,
    unlisted_content,
)
from pipeline.builders.print_measure import page_fills, type_sizes  # noqa: E402
from pipeline.cli import main as cli  # noqa: E402
from pipeline.engine.tasks import translate_language  # noqa: E402
from pipeline.i18n.catalogs import load_catalog  # noqa: E402
from pipeline.render.handout import VARIANTS, running_texts  # noqa: E402
from pipeline.source.articles import load_sources  # noqa: E402
from pipeline.source.project import Project, language_info, load_project  # noqa: E402

_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Row:
    """One check of one language: what regular and large print (or the packet) measure, the target."""

    check: str
    regular: str
    large: str
    target: str
    ok: bool


def main() -> int:
    project_dir = next((Path(arg) for arg in sys.argv[1:] if not arg.startswith("-")), REPO)
    with tempfile.TemporaryDirectory() as tmp:
        root = built_copy(Path(tmp), "pdf", project_dir)
        if root is None:
            return 1
        project = load_project(root)
        missed = 0
        for language in project.config.languages:
            print(f"\n== {language} ({language_info(language).english_name})")  # before -v's lines
            rows = handout_rows(project, language) + staff_rows(project, language)
            print(f"  {'check':<56}{'regular':>16}{'large print':>16}  {'target':<22}")
            for row in rows:
                verdict = "OK" if row.ok else "MISSED"
                print(f"  {row.check:<56}{row.regular:>16}{row.large:>16}  {row.target:<22}{verdict}")
            missed += sum(not row.ok for row in rows)
        print(f"\n{missed} check(s) MISSED")
    return 0


def handout_rows(project: Project, language: str) -> list[Row]:
    """The handout checks of ``language``'s articles (one set of rows per article)."""
    docs = load_sources(project).documents
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    articles, _ = translate_language(project, language, docs)
    rows: list[Row] = []
    for article in articles:
        furniture = running_texts(article, project.config).on_page
        pdfs = [project.output_dir(language) / f"{article.doc.slug}{v.suffix}.pdf" for v in VARIANTS]
        measures = [_measure(pdf, article.doc, facts, furniture, project) for pdf in pdfs]
        prefix = f"{article.doc.slug}: " if len(articles) > 1 else ""
        rows += [_row(prefix + check, measures, check) for check in CHECKS]
    return rows


def _measure(
    pdf: Path, doc: Any, facts: dict[str, str], furniture: Any, project: Project
) -> dict[str, object]:
    """Every figure of one handout."""
    sizes = type_sizes(pdf)
    fills = page_fills(pdf)
    layer = text_layer(doc, facts, pdf, furniture, simplify=squash)
    if "-v" in sys.argv and layer.missing:
        print("".join(f"    {pdf.name} not in order: {m}\n" for m in layer.missing), end="")
    text = pdftotext(pdf)
    flat = _CONTROLS.sub("", " ".join(text.split()))
    return {
        "body": sizes.body,
        "content": sizes.content,
        "furniture": sizes.furniture,
        "pages": len(PdfReader(str(pdf)).pages),
        "fill": 1.0 if len(fills) == 1 else fills[-1],
        "layer": layer,
        "empty": sum(empty_unicode_codes(pdf).values()),
        "untagged": len(unlisted_content(pdf)),
        "hyphens": text.count("\u2010") + text.count("\u00ad"),
        "address": project.config.clinic_address in flat,
    }


def _pt(value: object) -> str:
    return f"{value:g} pt"


def _share(value: object) -> str:
    layer = value
    return f"{layer.found}/{layer.total} {layer.share:.1%}"  # type: ignore[attr-defined]


def _at_least(regular: float, large: float) -> Callable[[object, bool], bool]:
    """A floor for regular print and one for large print."""
    return lambda value, is_large: float(value) >= (large if is_large else regular)  # type: ignore[arg-type]


#: check → (figure, how it is shown, target as printed, whether a value meets it: (value, large print))
CHECKS: dict[str, tuple[str, Callable[[object], str], str, Callable[[object, bool], bool]]] = {
    "body type (commonest size)": ("body", _pt, ">= 12 pt / >= 18 pt", _at_least(12, 18)),
    "smallest content type": ("content", _pt, ">= 11 pt / >= 18 pt", _at_least(11, 18)),
    "smallest header/footer type": ("furniture", _pt, ">= 11 pt / >= 14 pt", _at_least(11, 14)),
    "pages": ("pages", str, "(follows the type)", lambda value, large: True),
    "last page filled": ("fill", lambda value: f"{value:.0%}", ">= 25% or one page", _at_least(0.25, 0.25)),
    "messages in order (marks kept)": ("layer", _share, ">= 98%", lambda v, large: v.share >= 0.98),  # type: ignore[attr-defined]
    "glyph codes with empty Unicode": ("empty", str, "0", lambda value, large: value == 0),
    "untagged marked content": ("untagged", str, "0", lambda value, large: value == 0),
    "hyphenation breaks (U+2010, SHY)": ("hyphens", str, "0", lambda value, large: value == 0),
    "address in logical order": (
        "address",
        lambda value: "yes" if value else "no",
        "yes",
        lambda v, large: bool(v),
    ),
}


def _row(label: str, measures: list[dict[str, object]], check: str) -> Row:
    key, show, target, met = CHECKS[check]
    values = [m[key] for m in measures]
    ok = all(met(value, large) for value, large in zip(values, (False, True), strict=True))
    return Row(label, show(values[0]), show(values[1]), target, ok)


def staff_rows(project: Project, language: str) -> list[Row]:
    """Review packets (text layer, /Lang) and narrator's scripts (/Lang) of ``language``: in the
    'regular' column, the large print column left empty."""
    if language == "en":
        return []
    root, rows = project.root, []
    for command in ("packet", "record"):
        result = CliRunner().invoke(cli, ["-C", str(root), command, language])
        if result.exit_code != 0:
            return [Row(f"plainspoken {command}", "failed", "", "succeeds", False)]
    for pdf in sorted((root / "build/review" / language).glob("*.pdf")):
        rows += _packet_rows(project, language, pdf)
    for pdf in sorted((root / "build/record" / language).glob("*.pdf")):
        rows.append(_lang_row(f"script {pdf.stem}: parts with /Lang", pdf))
    return rows


def _packet_rows(project: Project, language: str, pdf: Path) -> list[Row]:
    catalog = load_catalog(project.catalog_path(language, pdf.stem), pdf.stem, locale=language)
    text = pdftotext(pdf)
    english = [str(m.id) for m in catalog if m.id]
    translations = [str(m.string) for m in catalog if m.id and str(m.string or "").strip()]
    rows = []
    for column, wanted in (("translations", translations), ("English", english)):
        layer = compare(language, wanted, text, simplify=squash)
        if "-v" in sys.argv and layer.missing:
            print("".join(f"    packet {pdf.name} not in order: {m}\n" for m in layer.missing), end="")
        label = f"packet {pdf.stem}: {column} in order"
        rows.append(Row(label, _share(layer), "", ">= 98%", layer.share >= 0.98))
    empty = sum(empty_unicode_codes(pdf).values())
    rows.append(Row(f"packet {pdf.stem}: empty glyph codes", str(empty), "", "0", empty == 0))
    return [*rows, _lang_row(f"packet {pdf.stem}: parts with /Lang", pdf)]


def _lang_row(label: str, pdf: Path) -> Row:
    """The parts the HTML gives another language, against the PDF's structure elements with that /Lang."""
    html = pdf.with_suffix(".html").read_text("utf-8")
    document = re.search(r'<html[^>]*\blang="([^"]+)"', html)
    marked = Counter(re.findall(r'<(?!html)\w+[^>]*\blang="([^"]+)"', html))
    marked.pop(document[1] if document else "", None)
    tagged = structure_languages(pdf)
    ok = all(tagged.get(tag, 0) >= n for tag, n in marked.items())
    figure = ", ".join(f"{tag} {tagged.get(tag, 0)}/{n}" for tag, n in sorted(marked.items()))
    return Row(label, figure or "none", "", "every part", ok)


if __name__ == "__main__":
    sys.exit(main())
