"""PDF conformance figures for the real site: text layer, pages and untagged content per language.

Builds the project's handouts into a scratch copy, then for each language and print size prints
the share of article messages pdftotext gives back (normalised: whitespace, zero-width and bidi
controls, punctuation and combining marks removed; placeholders filled in; the running header and
footer left out), the page count, the smallest type (content and running header/footer, points,
from the content streams), how full the emptiest page is, and the marked-content sequences that
are neither an Artifact nor in the structure tree. Goals (#13, #22): text >= 98% in every language
and 100% outside right-to-left scripts; type >= 11 pt (header 11) in regular print and >= 18 pt
(header 14) in large print; no page under a quarter full unless it is the only one; 0 untagged
sequences. The page count follows from the type: it is printed, not a goal.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from click.testing import CliRunner  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from pipeline.builders.pdf_audit import squash, text_layer, unlisted_content  # noqa: E402
from pipeline.builders.print_measure import page_fills, type_sizes  # noqa: E402
from pipeline.cli import main as cli  # noqa: E402
from pipeline.engine.tasks import translate_language  # noqa: E402
from pipeline.render.handout import VARIANTS, running_texts  # noqa: E402
from pipeline.source.articles import load_sources  # noqa: E402
from pipeline.source.project import load_project  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        for part in ("source", "locales"):
            shutil.copytree(REPO / part, root / part)
        result = CliRunner().invoke(cli, ["-C", str(root), "build", "--format", "pdf", "-q"])
        if result.exit_code != 0:
            print(result.output)
            return 1
        return report(root)


def report(root: Path) -> int:
    project = load_project(root)
    docs = load_sources(project).documents
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    columns = f"{'text layer':>16}{'in order':>16}{'pages':>7}{'type pt':>10}{'fill':>6}{'untagged':>10}"
    print(f"{'handout':<50}{columns}")
    failures = 0
    for language in project.config.languages:
        articles, _ = translate_language(project, language, docs)
        for article in articles:
            furniture = running_texts(article, project.config).on_page
            for variant in VARIANTS:
                pdf = project.output_dir(language) / f"{article.doc.slug}{variant.suffix}.pdf"
                layer = text_layer(article.doc, facts, pdf, furniture)
                ordered = text_layer(article.doc, facts, pdf, furniture, simplify=squash)
                pages = len(PdfReader(str(pdf)).pages)
                untagged = len(unlisted_content(pdf))
                sizes, fill = type_sizes(pdf), 1.0 if pages == 1 else min(page_fills(pdf))
                floor = (18, 14) if variant.suffix else (11, 11)
                readable = sizes.content >= floor[0] and sizes.furniture >= floor[1] and fill >= 0.25
                ok = layer.share == ordered.share == 1.0 and untagged == 0 and readable
                failures += not ok
                label = f"{language}/{pdf.name}"
                text = f"{layer.found}/{layer.total} {layer.share:.1%}"
                order = f"{ordered.found}/{ordered.total} {ordered.share:.1%}"
                type_pt = f"{sizes.content:g}/{sizes.furniture:g}"
                print(
                    f"{label:<50}{text:>16}{order:>16}{pages:>7}{type_pt:>10}{fill:>6.0%}{untagged:>10}"
                    f"{'' if ok else '  << goal'}"
                )
                if "-v" in sys.argv:
                    print("".join(f"    not in order: {m}\n" for m in ordered.missing), end="")
    goals = "every message, in order; type size; no near-empty page; 0 untagged"
    print(f"\n{failures} handout(s) below a goal ({goals})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
