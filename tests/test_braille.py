"""Braille-ready files: built through the registry with real liblouis, laid out 40 cells × 25 lines,
and back-translated to the article's words in every language with a braille table."""

from __future__ import annotations

import ctypes
import dataclasses
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from braille_reference import (
    WORDS_THRESHOLD,
    article_texts,
    back_translated,
    brf_pages,
    layout_threshold,
    recovered,
    round_trip,
    words,
)
from click.testing import CliRunner, Result
from conftest import ROOTS

from pipeline.builders.braille import liblouis, six_dot_braille
from pipeline.cli import main
from pipeline.i18n.article import prepare_article
from pipeline.model import Block, BulletList, Heading, ListItem, Paragraph, Text
from pipeline.render.braille import (
    BLANK,
    BOLD,
    CELLS,
    ITALIC,
    LINES,
    PrintBlock,
    PrintBlocks,
    UnfilledPlaceholder,
    ascii_line,
    braille_pages,
    brf_text,
    unicode_cells,
    wrap,
)
from pipeline.source.languages import BRAILLE_TABLES, braille_table
from pipeline.source.project import Project, load_project

Run = Callable[..., Result]
#: Tables whose back-translation reads a number sign (Persian's, forward only, gives ⠼⠁ back as ا).
NUMBERS_BACK = ("en", "es", "ar", "ru", "vi", "tl")
BRAILLE_ASCII = set(" A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)=")


def fake_braille(text: str) -> str:
    """One cell per character (a letter's dots from its code), a blank cell per space: no liblouis."""
    marks = (*ITALIC, *BOLD)  # the emphasis indicators are liblouis's to write
    return "".join(BLANK if ch == " " else chr(0x2801 + ord(ch) % 63) for ch in text if ch not in marks)


@dataclass(frozen=True)
class Built:
    project: Project
    summary: str  #: what `plainspoken build --format braille` printed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The clinic root (13 languages) with its BRFs built once, and en's and ja's pages and the report."""
    root = tmp_path_factory.mktemp("braille") / "clinic"
    shutil.copytree(ROOTS / "clinic", root)
    build = ["-C", str(root), "build", "-j", "1"]
    result = CliRunner().invoke(main, [*build, "--format", "braille"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pages = ["--lang", "en", "--lang", "ja", "--format", "html", "--format", "report"]
    assert CliRunner().invoke(main, [*build, *pages], catch_exceptions=False).exit_code == 0
    return Built(load_project(root), result.output)


@pytest.fixture(scope="module")
def clinic(built: Built) -> Project:
    return built.project


def with_table(project: Project) -> list[str]:
    return [tag for tag in project.config.languages if not isinstance(braille_table(tag), str)]


# --- the layout, without liblouis ------------------------------------------------------


def test_a_long_paragraph_wraps_between_words_in_40_cells_and_keeps_every_word() -> None:
    text = " ".join(f"word{n}" * (1 + n % 4) for n in range(60)) + " " + "x" * 95
    lines = wrap(fake_braille(text), PrintBlock(text))
    assert max(len(line) for line in lines) <= CELLS
    assert lines[0].startswith(BLANK * 2) and not lines[1].startswith(BLANK)  # paragraphs 3-1
    assert BLANK.join(line.strip(BLANK) for line in lines).replace(BLANK, "") == fake_braille(text).replace(
        BLANK, ""
    )


def test_pages_hold_25_lines_with_the_page_number_at_the_top_right() -> None:
    blocks = [PrintBlock(f"paragraph {n} " + "text " * 20) for n in range(30)]
    pages = braille_pages(blocks, fake_braille)
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert len(page) <= LINES and all(len(line) <= CELLS for line in page)
        assert page[0].endswith(fake_braille(str(number))) and len(page[0]) == CELLS
    text = brf_text(pages)
    assert text.count("\f") == len(pages) - 1 and "\r\n" in text


def test_a_heading_is_never_the_last_line_of_a_page() -> None:
    filler = [PrintBlock("line " * 7) for _ in range(22)]  # 22 lines: two left on page 1
    heading = PrintBlock("Heading", 4, 4, blank_before=True, keep_with_next=True)
    pages = braille_pages([*filler, heading, PrintBlock("after " * 20)], fake_braille)
    assert pages[1][1].strip(BLANK) == fake_braille("Heading")


def layout(project: Project, extra: tuple[Block, ...] = ()) -> list[str]:
    """every-node's lines (and ``extra`` blocks'), laid out with one cell per print character."""
    article, _ = prepare_article(project, "every-node", "en")
    doc = dataclasses.replace(article.doc, blocks=(*article.doc.blocks, *extra))
    blocks = PrintBlocks(dataclasses.replace(article, doc=doc), project.config).all()
    return [line for page in braille_pages(blocks, fake_braille) for line in page[1:]]


def line_of(lines: list[str], text: str) -> int:
    (index,) = [i for i, line in enumerate(lines) if line.strip(BLANK).startswith(fake_braille(text))]
    return index


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(BLANK))


def test_headings_are_centred_or_indented_as_braille_formats_asks(
    make_project: Callable[[str], Path],
) -> None:
    """Braille Formats: a level-2 heading centred between blank lines; level 3 at cell 5 after a
    blank line; deeper at cell 7."""
    h3, h4 = (Heading(n, f"h{n}", (Text(f"Level {n} heading"),), 1) for n in (3, 4))
    lines = layout(load_project(make_project("basic")), (h3, Paragraph((Text("After it."),), 1), h4))
    at = line_of(lines, "A section heading")
    centred = lines[at]
    assert abs(indent(centred) - (CELLS - len(centred))) <= 1
    assert lines[at - 1] == "" and lines[at + 1] == ""
    at = line_of(lines, "Level 3 heading")
    assert indent(lines[at]) == 4 and lines[at - 1] == ""
    assert indent(lines[line_of(lines, "Level 4 heading")]) == 6


def test_lists_and_tables_are_linearised(make_project: Callable[[str], Path]) -> None:
    """List format 1-3 (no bullet: the format shows the items), numbers kept; nested lists 3-5; a
    table row by row, each cell after its column's heading, runovers at cell 3."""
    inner = BulletList(
        (ListItem((Paragraph((Text("Nested item, long enough to run over onto a second line"),), 1),), 1),), 1
    )
    outer = BulletList((ListItem((Paragraph((Text("Outer item"),), 1), inner), 1),), 1)
    lines = layout(load_project(make_project("basic")), (outer,))
    flexibility = line_of(lines, "Flexibility: You can balance")
    assert indent(lines[flexibility]) == 0 and indent(lines[flexibility + 1]) == 2  # its runover
    assert indent(lines[line_of(lines, "1. First step.")]) == 0
    assert indent(lines[line_of(lines, "Option: IOP; Cost: Lower")]) == 0
    assert line_of(lines, "Option: Residential; Cost: Higher") > 0
    nested = line_of(lines, "Nested item")
    assert indent(lines[line_of(lines, "Outer item")]) == 0
    assert indent(lines[nested]) == 2 and indent(lines[nested + 1]) == 4
    assert all(len(line) <= CELLS for line in lines)


def test_a_placeholder_without_a_value_stops_the_braille(make_project: Callable[[str], Path]) -> None:
    project = load_project(make_project("basic"))
    article, _ = prepare_article(project, "every-node", "en")
    config = dataclasses.replace(project.config, crisis_lines=())  # {crisis.lifeline.phone} unfilled
    with pytest.raises(UnfilledPlaceholder, match=r"crisis\.lifeline\.phone"):
        PrintBlocks(article, config).all()


# --- built with liblouis --------------------------------------------------------------


def test_every_language_with_a_table_has_its_brf_and_the_others_say_why(built: Built) -> None:
    clinic, summary = built.project, built.summary
    languages = with_table(clinic)
    assert len(languages) == 11 and "tl" in languages  # Tagalog: Philippine braille is uncontracted
    for tag in clinic.config.languages:
        brf = clinic.output_dir(tag) / "choosing-care.brf"
        assert brf.exists() == (tag in languages), tag
    for tag in ("ja", "hy"):
        assert f"  {tag:<8} braille   skipped  choosing-care" in summary
    assert "ja       braille   skipped  choosing-care (0.0 s): no braille table: Japanese" in summary


def table_info(table: str, key: str) -> str:
    """What a liblouis table's own metadata says (e.g. its "contraction"), or ''."""
    lib = liblouis().lib
    lib.lou_getTableInfo.restype = ctypes.c_char_p
    found = lib.lou_getTableInfo(table.encode(), key.encode())
    return bytes(found).decode() if found else ""


def test_braille_is_contracted_where_the_languages_authority_publishes_it_so(clinic: Project) -> None:
    """English in UEB grade 2 ('the' is one cell); Spanish, Tagalog and the others uncontracted, as
    their readers' general texts are; the language table's flag agrees with liblouis's own."""
    contracted = [tag for tag, t in BRAILLE_TABLES.items() if not isinstance(t, str) and t.contracted]
    assert contracted == ["en", "ko"]
    for tag, table in BRAILLE_TABLES.items():
        declared = "" if isinstance(table, str) else table_info(table.table, "contraction")
        assert not declared or (declared != "no") == (not isinstance(table, str) and table.contracted), tag
    brf = {tag: (clinic.output_dir(tag) / "choosing-care.brf").read_bytes().decode() for tag in ("en", "es")}
    assert " ! " in brf["en"] and "THE" not in brf["en"]
    assert "PROGRAMA" in brf["es"]  # spelled out: contracted Spanish (estenografía) writes it in 6 cells


def test_every_brf_has_the_embosser_geometry(clinic: Project) -> None:
    for tag in with_table(clinic):
        path = clinic.output_dir(tag) / "choosing-care.brf"
        assert set(path.read_bytes().decode("ascii")) <= BRAILLE_ASCII | {"\r", "\n", "\f"}, tag
        pages = brf_pages(path)
        table = braille_table(tag)
        assert not isinstance(table, str)
        for number, page in enumerate(pages, start=1):
            assert len(page) <= LINES and all(len(line) <= CELLS for line in page), (tag, number)
            assert len(page[0]) == CELLS, (tag, number)  # the number ends at cell 40
            assert page[0].strip() == ascii_line(six_dot_braille(table.table, str(number))), (tag, number)
            if tag in NUMBERS_BACK:
                top = liblouis().back_translate(table.table, unicode_cells(page[0].strip()))
                assert words(top) == words(str(number)), (tag, number, top)


def test_every_brf_back_translates_to_the_articles_words(clinic: Project) -> None:
    for tag in with_table(clinic):
        table = braille_table(tag)
        assert not isinstance(table, str)
        article, _ = prepare_article(clinic, "choosing-care", tag)
        texts = article_texts(article, clinic.config)
        got = words(back_translated(clinic.output_dir(tag) / "choosing-care.brf", table.table))
        assert recovered(words(round_trip(article, clinic.config, table)), got) >= layout_threshold(tag), tag
        if tag in WORDS_THRESHOLD:
            assert recovered(words(" ".join(texts)), got) >= WORDS_THRESHOLD[tag], tag


def test_the_title_page_and_the_help_box_are_kept(clinic: Project) -> None:
    pages = brf_pages(clinic.output_dir("en") / "choosing-care.brf")
    table = "en-ueb-g2.ctb"

    def text(page: list[str]) -> str:
        return liblouis().back_translate(table, BLANK.join(unicode_cells(line.strip()) for line in page[1:]))

    title = words(text(pages[0]))
    assert words("Arroyo Seco Recovery Center") <= title  # the clinic
    assert words("Last reviewed: November 27, 2026") <= title
    help_box = text(pages[1])
    assert help_box.lstrip().lower().startswith("need help now?")
    for number in ("988", "1-800-662-4357", "(626) 555-0142", "911"):
        assert number in help_box, number


def test_every_placeholder_is_filled_before_translation(clinic: Project) -> None:
    phone = clinic.config.clinic_phone
    for tag in with_table(clinic):
        article, _ = prepare_article(clinic, "choosing-care", tag)
        blocks = PrintBlocks(article, clinic.config).all()
        assert not any("{" in block.text for block in blocks), tag
        assert sum(phone in block.text for block in blocks) >= 2, tag  # the help box and the article


def test_no_cell_needs_dots_7_or_8_where_a_near_character_has_six(built: Built) -> None:
    """Khmer's no-break spaces and guillemets were 8-dot escapes, which a BRF cut to nonsense, and
    Persian braille's Latin letters (IOP, the clinic's name) are in UEB; what Persian still writes
    in 8 dots (a slash) is counted in the summary."""
    rows = [line.split() for line in built.summary.splitlines() if line.startswith("  ")]
    lost = {row[0] for row in rows if "dots 7 and 8" in " ".join(row)}
    assert lost == {"fa"}
    persian = (built.project.output_dir("fa") / "choosing-care.brf").read_bytes().decode("ascii")
    assert ",ARROYO ,SECO ,RECOVERY ,CENTER" in persian  # the clinic's name in UEB, not in 8 dots cut to 6


def test_the_page_links_the_brf_or_says_the_language_has_none(clinic: Project) -> None:
    """Like a guide with no voice: the Japanese page says it has no braille, in Japanese."""
    en = (clinic.output_dir("en") / "choosing-care.html").read_text(encoding="utf-8")
    link = re.search(r'<a href="choosing-care\.brf" type="application/x-brf" hreflang="en">([^<]*)</a>', en)
    assert link and re.fullmatch(
        r"Braille \(BRF\) for embossers and braille displays \(\d+ kB, English\)", link[1]
    )
    assert "not available in this language" not in en
    ja = (clinic.output_dir("ja") / "choosing-care.html").read_text(encoding="utf-8")
    assert ".brf" not in ja
    formats = re.search(r'<section id="formats".*?</section>', ja, flags=re.S)
    assert formats and "<p>この言語の点字（BRF）は、まだありません。</p>" in formats[0]


def test_the_report_links_the_brf(clinic: Project) -> None:
    report = (clinic.site_dir / "report.html").read_text(encoding="utf-8")
    assert '<a href="en/choosing-care.brf">Braille (BRF) for embossers and braille displays</a>' in report
    assert "ja/choosing-care.brf" not in report
    assert "<p>Braille (BRF): no braille table: Japanese braille needs" in report


def test_make_conformance_prints_each_languages_measure_threshold_and_verdict(clinic: Project) -> None:
    script = Path(__file__).resolve().parent.parent / "benchmarks/conformance_braille.py"
    done = subprocess.run([sys.executable, str(script), str(clinic.root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {line.split("/")[0]: line.split() for line in done.stdout.splitlines() if ".brf" in line}
    assert sorted(rows) == sorted(with_table(clinic))
    for tag, row in rows.items():
        assert row[-1] == "OK" and float(row[2]) >= WORDS_THRESHOLD.get(tag, 0.0), row
        assert row[3] == (f"{WORDS_THRESHOLD[tag]:.2f}" if tag in WORDS_THRESHOLD else "—"), row
    assert re.search(r"^ja +no braille table: Japanese", done.stdout, flags=re.M)


def test_without_liblouis_the_build_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.builders import braille
    from pipeline.errors import PlainspokenError

    monkeypatch.setattr(braille.ctypes.util, "find_library", lambda name: "liblouis-not-here.so")
    with pytest.raises(PlainspokenError) as error:
        braille.Liblouis()
    assert str(error.value).startswith("liblouis: not found") and "apt-get install liblouis20" in str(
        error.value
    )


def test_a_table_liblouis_lacks_is_named_in_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    from pipeline.errors import PlainspokenError

    with pytest.raises(PlainspokenError, match=r"^xx-none\.ctb: liblouis cannot load this braille table"):
        liblouis().translate("xx-none.ctb", "text")
    assert capfd.readouterr().err == ""  # not liblouis's own three lines besides ours


def test_emphasis_is_shown_with_the_braille_codes_indicators() -> None:
    """Bold and italic reach UEB as its indicators; liblouis writes the typeforms of its output back
    into the array it is given, so an array only as long as the input crashed the build."""
    cells = six_dot_braille("en-ueb-g2.ctb", f"{BOLD[0]}Flexibility:{BOLD[1]} you choose")
    assert ascii_line(cells).startswith("^1,FLEXIBIL;Y3")  # the bold word indicator, dots 45 2
    emphasised = f"{ITALIC[0]}{'ab cd ' * 300}{ITALIC[1]}"
    for tag in ("en", "es", "ar", "ko", "ru", "zh-Hans"):
        table = braille_table(tag)
        assert not isinstance(table, str)
        assert len(six_dot_braille(table.table, emphasised)) >= 1500, tag
