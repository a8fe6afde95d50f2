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

from pipeline.builders.pdf_audit import text_layer, unlisted_content  # noqa: E402
from pipeline.cli import main as cli  # noqa: E402
from pipeline.engine.tasks import translate_language  # noqa: E402
from pipeline.render.handout import VARIANTS, running_texts  # noqa: E402
from pipeline.source.articles import load_sources  # noqa: E402
from pipeline.source.project import language_info, load_project  # noqa: E402


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
    print(f"{'handout':<50}{'text layer':>16}{'pages':>7}{'untagged':>10}")
    failures = 0
    for language in project.config.languages:
        articles, _ = translate_language(project, language, docs)
        goal = 0.98 if language_info(language).direction == "rtl" else 1.0
        for article in articles:
            furniture = running_texts(article, project.config).on_page
            for variant in VARIANTS:
                pdf = project.output_dir(language) / f"{article.doc.slug}{variant.suffix}.pdf"
                layer = text_layer(article.doc, facts, pdf, furniture)
                pages = len(PdfReader(str(pdf)).pages)
                untagged = len(unlisted_content(pdf))
                ok = layer.share >= goal and untagged == 0 and (variant.suffix or pages <= 4)
                failures += not ok
                label = f"{language}/{pdf.name}"
                text = f"{layer.found}/{layer.total} {layer.share:.1%}"
                print(f"{label:<50}{text:>16}{pages:>7}{untagged:>10}{'' if ok else '  << goal'}")
    print(f"\n{failures} handout(s) below a goal (text >= 98%, 100% outside RTL; <= 4 pages; 0 untagged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
