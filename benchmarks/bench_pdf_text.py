"""PDF conformance figures for the real site: text layer, pages and untagged content per language.

Builds the project's handouts into a scratch copy, then for each language and print size prints
the share of article messages pdftotext gives back (normalised: whitespace, zero-width and bidi
controls, punctuation and combining marks removed; placeholders filled in; the running header and
footer left out), the page count, and the marked-content sequences that are neither an Artifact
nor in the structure tree. Goals (#13): text >= 98% in every language and 100% outside
right-to-left scripts; regular print at most 4 pages; 0 untagged sequences.
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
    print(f"{'handout':<50}{'text layer':>16}{'in order':>16}{'pages':>7}{'untagged':>10}")
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
                ok = layer.share == ordered.share == 1.0 and untagged == 0 and (variant.suffix or pages <= 4)
                failures += not ok
                label = f"{language}/{pdf.name}"
                text = f"{layer.found}/{layer.total} {layer.share:.1%}"
                order = f"{ordered.found}/{ordered.total} {ordered.share:.1%}"
                print(f"{label:<50}{text:>16}{order:>16}{pages:>7}{untagged:>10}{'' if ok else '  << goal'}")
                if "-v" in sys.argv:
                    print("".join(f"    not in order: {m}\n" for m in ordered.missing), end="")
    print(f"\n{failures} handout(s) below a goal (every message, in order; <= 4 pages; 0 untagged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
