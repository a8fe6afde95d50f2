"""XLIFF and TMX for CAT tools: export, a CAT tool's edits, import after every check."""

from __future__ import annotations

import difflib
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from lxml import etree

NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
CATALOG = "locales/es/LC_MESSAGES/first-day.po"


@pytest.fixture
def project(make_project: Callable[[str], Path], run: Callable[..., Result]) -> Path:
    root = make_project("exchange")
    assert run(root, "extract").exit_code == 0
    assert run(root, "init", "es").exit_code == 0
    return root


def untranslated_interface(root: Path) -> None:
    """Empty ui.po's translations (init starts them from the shipped interface): the article's only."""
    ui = root / "locales/es/LC_MESSAGES/ui.po"
    subprocess.run(["msgfilter", "--keep-header", "-i", ui, "-o", ui, "sed", "-e", "d"], check=True)


def export(run: Callable[..., Result], root: Path, *args: str) -> etree._Element:
    out = root / "es.xlf"
    result = run(root, "export", "es", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    return etree.parse(str(out)).getroot()


def unit(tree: etree._Element, source_text: str) -> etree._Element:
    for item in tree.iterfind(".//x:trans-unit", NS):
        if item.get("resname") == source_text:
            return item
    raise AssertionError(f"no trans-unit for {source_text!r}")


def set_target(item: etree._Element, *parts: str | etree._Element, state: str = "translated") -> None:
    target = item.find("x:target", NS)
    if target is None:
        target = etree.SubElement(item, f"{{{NS['x']}}}target")
    target.clear()
    target.set("state", state)
    target.text = ""
    for part in parts:
        if isinstance(part, str):
            if len(target):
                target[-1].tail = (target[-1].tail or "") + part
            else:
                target.text += part
        else:
            target.append(part)


def code(tag: str, ident: str, text: str | None = None) -> etree._Element:
    element = etree.Element(f"{{{NS['x']}}}{tag}", id=ident)
    element.text = text
    return element


def save(tree: etree._Element, root: Path) -> Path:
    path = root / "back.xlf"
    path.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
    return path


def test_export_is_xliff_12_with_protected_codes(project: Path, run: Callable[..., Result]) -> None:
    tree = export(run, project, "--article", "first-day")
    assert tree.tag == "{urn:oasis:names:tc:xliff:document:1.2}xliff" and tree.get("version") == "1.2"
    units = tree.findall(".//x:trans-unit", NS)
    msgfmt = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(project / CATALOG)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"{len(units)} untranslated" in msgfmt.stderr
    assert len({u.get("id") for u in units}) == len(units)
    phone = unit(tree, "Call {clinic.phone} if you are running late.")
    assert [p.text for p in phone.iterfind(".//x:ph", NS)] == ["{clinic.phone}"]
    link = unit(tree, "Read [our guide](https://test-clinic.example.org/guide) before you come.")
    assert [c.text for c in link.find("x:source", NS)] == ["[", "](https://test-clinic.example.org/guide)"]
    assert "our guide" in "".join(link.find("x:source", NS).itertext())
    assert link.find("x:context-group/x:context", NS).text == "source/first-day.md"
    assert "paragraph" in [n.text for n in link.iterfind("x:note", NS)]


def test_one_target_changes_only_that_msgstr(project: Path, run: Callable[..., Result]) -> None:
    tree = export(run, project, "--article", "first-day")
    before = (project / CATALOG).read_text(encoding="utf-8")
    item = unit(tree, "Read [our guide](https://test-clinic.example.org/guide) before you come.")
    set_target(item, "Lea ", code("bpt", "1"), "nuestra guía", code("ept", "1"), " antes de venir.")
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 0, result.output
    after = (project / CATALOG).read_text(encoding="utf-8")
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == ['+"Lea [nuestra guía](https://test-clinic.example.org/guide) antes de venir."']
    again = run(project, "import", str(project / "back.xlf"))
    assert "no translation changed" in again.output
    assert (project / CATALOG).read_text(encoding="utf-8") == after


def test_broken_placeholder_is_refused_with_its_id(project: Path, run: Callable[..., Result]) -> None:
    tree = export(run, project, "--article", "first-day")
    before = (project / CATALOG).read_bytes()
    phone = unit(tree, "Call {clinic.phone} if you are running late.")
    set_target(phone, "Llame si llega tarde.")
    late = unit(tree, "The first visit takes 2 hours.")
    set_target(late, "La primera visita dura 3 horas.")
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 1
    assert f"trans-unit {phone.get('id')}: rejected" in result.output
    assert f"trans-unit {late.get('id')}: rejected" in result.output
    assert "back.xlf:" in result.output
    assert (project / CATALOG).read_bytes() == before


def test_a_cat_tools_file_imports(project: Path, run: Callable[..., Result]) -> None:
    """Units re-ordered, empty inline codes with spaces around, a needs-review state, segment marks."""
    tree = export(run, project, "--article", "first-day")
    body = tree.find(".//x:body", NS)
    units = list(body)
    for item in units:
        body.remove(item)
    for item in reversed(units):
        body.append(item)
    phone = unit(tree, "Call {clinic.phone} if you are running late.")
    set_target(phone, "Llame al ", code("ph", "1", "\n   "), " si llega tarde.")
    bold = unit(tree, "Bring your ID and a list of your **medicines**.")
    mark = etree.Element(f"{{{NS['x']}}}mrk", mtype="seg", mid="1")
    mark.text = "Traiga su identificación y una lista de sus "
    mark.append(code("bpt", "1", " ** "))
    mark[-1].tail = "medicinas"
    mark.append(code("ept", "1"))
    mark[-1].tail = "."
    set_target(bold, mark, state="needs-review-translation")
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 0, result.output
    from pipeline.i18n.catalogs import read_catalog

    catalog = read_catalog(project / CATALOG, CATALOG)
    assert (
        catalog["Call {clinic.phone} if you are running late."].string
        == "Llame al {clinic.phone} si llega tarde."
    )
    imported = catalog["Bring your ID and a list of your **medicines**."]
    assert imported.string == "Traiga su identificación y una lista de sus **medicinas**."
    assert imported.fuzzy
    check = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(project / CATALOG)], capture_output=True
    )
    assert check.returncode == 0


def test_unknown_unit_and_bad_xml_are_one_line_each(project: Path, run: Callable[..., Result]) -> None:
    tree = export(run, project, "--article", "first-day")
    unit(tree, "Before you come").set("id", "m000000000000")
    set_target(unit(tree, "Before you come"), "Antes de venir")
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 1 and "trans-unit m000000000000: no such message" in result.output
    (project / "bad.xlf").write_text("<xliff>", encoding="utf-8")
    bad = run(project, "import", "--lang", "es", str(project / "bad.xlf"))
    assert bad.exit_code == 1 and "bad.xlf:1: not XML" in bad.output and "Traceback" not in bad.output


def test_tmx_holds_every_translated_pair(project: Path, run: Callable[..., Result]) -> None:
    untranslated_interface(project)
    tree = export(run, project)
    set_target(unit(tree, "Before you come"), "Antes de venir")
    set_target(unit(tree, "The first visit takes 2 hours."), "La primera visita dura 2 horas.")
    set_target(unit(tree, "Your first day"), "Su primer día", state="needs-review-translation")
    assert run(project, "import", str(save(tree, project))).exit_code == 0
    out = project / "es.tmx"
    assert run(project, "export", "es", "--format", "tmx", "-o", str(out)).exit_code == 0
    tmx = etree.parse(str(out)).getroot()
    assert tmx.get("version") == "1.4"
    pairs = {tuple(s.text for s in tu.iterfind("tuv/seg")) for tu in tmx.iterfind("body/tu")}
    assert pairs == {
        ("Before you come", "Antes de venir"),
        ("The first visit takes 2 hours.", "La primera visita dura 2 horas."),
    }
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert {tuv.get(lang) for tuv in tmx.iterfind("body/tu/tuv")} == {"en", "es"}
    assert all(tu.findtext("prop[@type='x-plainspoken-review']") == "draft" for tu in tmx.iterfind("body/tu"))


def test_export_then_import_changes_no_byte(project: Path, run: Callable[..., Result]) -> None:
    """Translations whose codes move (a placeholder order swapped, a sentence starting with bold)."""
    from pipeline.i18n.po_edit import NewString, set_msgstrs

    ui = project / "locales/es/LC_MESSAGES/ui.po"
    ui.write_text(
        set_msgstrs(
            ui.read_text(encoding="utf-8"), {"Page {page} of {pages}": NewString("{pages}: {page}", False)}
        ),
        encoding="utf-8",
    )
    article = project / CATALOG
    article.write_text(
        set_msgstrs(
            article.read_text(encoding="utf-8"),
            {
                "Bring your ID and a list of your **medicines**.": NewString(
                    "**Medicinas**: traiga la lista y su identificación.", False
                ),
            },
        ),
        encoding="utf-8",
    )
    before = {p: p.read_bytes() for p in (ui, article)}
    out = project / "all.xlf"
    assert run(project, "export", "es", "-o", str(out)).exit_code == 0
    tree = etree.parse(str(out)).getroot()
    page = unit(tree, "Page {page} of {pages}")
    assert [(c.get("id"), c.text) for c in page.find("x:source", NS)] == [("1", "{page}"), ("2", "{pages}")]
    assert [(c.get("id"), c.text) for c in page.find("x:target", NS)] == [("2", "{pages}"), ("1", "{page}")]
    result = run(project, "import", str(out))
    assert result.exit_code == 0 and "no translation changed" in result.output
    assert {p: p.read_bytes() for p in (ui, article)} == before


# --- every node type, every root, both XLIFF versions ------------------------------------

#: Every test root that publishes a language to translate into (an English-only root has nothing to export).
ROOTS = sorted(
    p.name
    for p in (Path(__file__).parent / "roots").iterdir()
    if (p / "source").is_dir()
    and set(tomllib.loads((p / "source/site.toml").read_text())["publish"]["languages"]) - {"en"}
)
NS2 = {"x": "urn:oasis:names:tc:xliff:document:2.0"}


def translated_root(
    make_project: Callable[[str], Path], run: Callable[..., Result], name: str
) -> tuple[Path, str]:
    """A root with every message translated (pseudo-locale text) and one fuzzy message per catalog."""
    from pipeline.i18n.catalogs import read_catalog
    from pipeline.i18n.po_edit import NewString, set_msgstrs
    from pipeline.source.config import load_config
    from tests.pseudo import fill_catalog

    root = make_project(name)
    # author's broken article cannot be parsed, so it has no catalog (and export needs one per article)
    (root / "source/broken.md").unlink(missing_ok=True)
    language = next(tag for tag in load_config(root / "source/site.toml").languages if tag != "en")
    run(root, "extract")
    run(root, "init", language)
    catalogs = sorted((root / "locales" / language).rglob("*.po"))
    assert catalogs, f"{name}: no {language} catalog"
    for path in catalogs:
        fill_catalog(path)
        text = path.read_text(encoding="utf-8")
        first = next(m for m in read_catalog(path, str(path)) if m.id)
        path.write_text(
            set_msgstrs(text, {str(first.id): NewString(str(first.string), True)}), encoding="utf-8"
        )
    return root, language


@pytest.mark.parametrize("name", ROOTS)
def test_no_op_round_trip_changes_no_byte_in_every_root(
    make_project: Callable[[str], Path], run: Callable[..., Result], name: str
) -> None:
    root, language = translated_root(make_project, run, name)
    before = {p: p.read_bytes() for p in (root / "locales").rglob("*.po")}
    for kind in ("xliff", "xliff2"):
        out = root / f"{kind}.xlf"
        assert run(root, "export", language, "--format", kind, "-o", str(out)).exit_code == 0
        result = run(root, "import", str(out))
        assert result.exit_code == 0, f"{kind}: {result.output}"
        assert "no translation changed" in result.output, kind
        assert {p: p.read_bytes() for p in (root / "locales").rglob("*.po")} == before, kind


def test_the_exchange_root_has_every_inline_node_type() -> None:
    """So that the round trip above walks every node type the parser can produce."""
    from pipeline.model import INLINE_TYPES, iter_units, walk_inlines
    from pipeline.source.parse import parse_article

    root = Path(__file__).parent / "roots/exchange/source"
    found = set()
    for path in root.glob("*.md"):
        doc = parse_article(path.read_text(encoding="utf-8"), path=str(path), slug=path.stem)
        found |= {type(node) for ref in iter_units(doc) for node in walk_inlines(ref.node.inlines)}
    assert found == set(INLINE_TYPES)


def test_an_unknown_node_type_fails_in_every_dispatcher() -> None:
    from dataclasses import dataclass

    from pipeline.i18n.inline_codes import Pieces
    from pipeline.i18n.translate import structure
    from pipeline.markup import to_markdown
    from pipeline.render.html import HtmlRenderer
    from pipeline.render.speech import SpeechRenderer

    @dataclass(frozen=True)
    class Strikethrough:
        text: str

    nodes = (Strikethrough("gone"),)
    dispatchers: dict[str, Callable[[], object]] = {
        "markup": lambda: to_markdown(nodes),
        "html": lambda: HtmlRenderer(facts={}).inlines(nodes),
        "speech": lambda: SpeechRenderer(facts={}, lexicon={}, gettext=str).text(nodes),
        "xliff": lambda: Pieces().inlines(nodes),
        "translate": lambda: structure(nodes),
    }
    for name, dispatch in dispatchers.items():
        with pytest.raises((KeyError, TypeError), match="Strikethrough"):
            dispatch()
        assert name


def test_footnote_reference_is_an_inline_code_both_ways(project: Path, run: Callable[..., Result]) -> None:
    from pipeline.i18n.catalogs import read_catalog

    tree = export(run, project, "--article", "every-inline")
    item = next(
        u for u in tree.iterfind(".//x:trans-unit", NS) if (u.get("resname") or "").startswith("Bring")
    )
    footnote = [c for c in item.find("x:source", NS) if c.get("ctype") == "x-footnote"]
    assert [(c.tag.split("}")[1], c.text) for c in footnote] == [("ph", "[^id]")]
    ident = footnote[0].get("id")
    set_target(
        item,
        "Traiga una identificación.",
        code("ph", ident),
        " Guarde ",
        code("bpt", "2"),
        "esta",
        code("ept", "2"),
        " página, ",
        code("bpt", "3"),
        "esa",
        code("ept", "3"),
        " tarjeta y ",
        code("bpt", "4"),
        "nuestra guía",
        code("ept", "4"),
        ".",
    )
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 0, result.output
    catalog = read_catalog(project / "locales/es/LC_MESSAGES/every-inline.po", "every-inline.po")
    assert [m.string for m in catalog if m.string and "[^id]" in str(m.string)] == [
        "Traiga una identificación.[^id] Guarde *esta* página, **esa** tarjeta y "
        "[nuestra guía](https://test-clinic.example.org/guide)."
    ]


# --- wrong language -----------------------------------------------------------------------


def catalogs_bytes(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in (root / "locales").rglob("*.po")}


def test_a_file_in_another_language_writes_nothing(project: Path, run: Callable[..., Result]) -> None:
    assert run(project, "init", "vi").exit_code == 0
    tree = export(run, project, "--article", "first-day")
    set_target(unit(tree, "Before you come"), "Antes de venir")
    spanish = save(tree, project)
    before = catalogs_bytes(project)

    result = run(project, "import", str(spanish), "--lang", "vi")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"{spanish}:2: the file's target language is es, not vi: nothing imported"
        " (import it without --lang, or export vi again)"
    )

    for file in tree.iterfind("x:file", NS):
        file.set("target-language", "vi")  # a CAT project set up for the wrong language
    edited = run(project, "import", str(save(tree, project)))
    assert edited.exit_code == 1 and "is a catalog for es, not vi: nothing imported" in edited.output

    vi = project / "locales/vi/LC_MESSAGES/first-day.po"
    vi.write_bytes((project / CATALOG).read_bytes())  # a Spanish catalog copied into vi/
    for file in tree.iterfind("x:file", NS):
        file.set("original", "locales/vi/LC_MESSAGES/first-day.po")
    copied = run(project, "import", str(save(tree, project)))
    assert copied.exit_code == 1
    assert copied.output.startswith(
        "locales/vi/LC_MESSAGES/first-day.po:13: this catalog's Language is es, not vi: nothing imported from"
    )
    vi.write_bytes(before[vi])
    assert catalogs_bytes(project) == before
    assert "Traceback" not in result.output + edited.output + copied.output


def test_a_file_that_is_not_xliff_says_what_it_is(project: Path, run: Callable[..., Result]) -> None:
    tmx = project / "es.tmx"
    assert run(project, "export", "es", "--format", "tmx", "-o", str(tmx)).exit_code == 0
    result = run(project, "import", str(tmx))
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"{tmx}:2: this is a TMX 1.4 translation memory, not XLIFF; import reads XLIFF 1.1, 1.2 and 2.0"
    )
    future = project / "future.xlf"
    future.write_text(
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:3.0" version="3.0"/>', encoding="utf-8"
    )
    assert "this is XLIFF version '3.0'" in run(project, "import", str(future)).output
    page = project / "page.xlf"
    page.write_text("<html><body/></html>", encoding="utf-8")
    assert "this is not XLIFF: its root element is <html>" in run(project, "import", str(page)).output


# --- other dialects and a second implementation (translate-toolkit) ----------------------

FOOTNOTED = "Bring a photo ID.[^id] Keep *this* page, **that** card and [our guide](https://test-clinic.example.org/guide)."
FOOTNOTED_ES = (
    "Traiga una identificación.[^id] Guarde *esta* página, **esa** tarjeta y "
    "[nuestra guía](https://test-clinic.example.org/guide)."
)
EVERY_INLINE = "locales/es/LC_MESSAGES/every-inline.po"


def set_msgstrs_in(path: Path, strings: dict[str, tuple[str, bool]]) -> None:
    from pipeline.i18n.po_edit import NewString, set_msgstrs

    changes = {msgid: NewString(msgstr, fuzzy) for msgid, (msgstr, fuzzy) in strings.items()}
    path.write_text(set_msgstrs(path.read_text(encoding="utf-8"), changes), encoding="utf-8")


def msgstrs(path: Path) -> dict[str, tuple[str, bool]]:
    from pipeline.i18n.catalogs import read_catalog

    return {str(m.id): (str(m.string), m.fuzzy) for m in read_catalog(path, str(path)) if m.id}


def test_translate_toolkit_reads_our_xliff_12_and_20(project: Path, run: Callable[..., Result]) -> None:
    from translate.storage.xliff import xlifffile
    from translate.storage.xliff2 import Xliff2File

    catalog = project / EVERY_INLINE
    set_msgstrs_in(catalog, {FOOTNOTED: (FOOTNOTED_ES, False), "What to bring": ("Qué traer", True)})
    expected = msgstrs(catalog)
    for kind, reader in (("xliff", xlifffile), ("xliff2", Xliff2File)):
        out = project / f"{kind}.xlf"
        assert (
            run(
                project, "export", "es", "--format", kind, "--article", "every-inline", "-o", str(out)
            ).exit_code
            == 0
        )
        units = reader.parsefile(str(out)).units
        assert [u.getid().rsplit("\x04", 1)[-1] for u in units] == [
            unit_id("every-inline", m) for m in expected
        ]
        states = {u.getid().rsplit("\x04", 1)[-1]: (u.istranslated(), u.isfuzzy()) for u in units}
        assert states[unit_id("every-inline", FOOTNOTED)] == (True, False), kind
        assert states[unit_id("every-inline", "What to bring")] == (False, True), kind
        if kind == "xliff":  # 1.2 codes hold their Markdown, so the plain text is the msgid itself
            assert [(u.source, u.target or "") for u in units] == [(k, v[0]) for k, v in expected.items()]
        else:  # 2.0 codes point to <originalData>: translate-toolkit's text is the words between
            assert units[3].source == "Bring a photo ID. Keep this page, that card and our guide."


def unit_id(domain: str, msgid: str) -> str:
    from pipeline.i18n.xliff import unit_id as make

    return make(domain, msgid)


def test_a_po2xliff_file_is_imported(project: Path, run: Callable[..., Result]) -> None:
    """translate-toolkit's po2xliff writes XLIFF 1.1 with its own ids and the msgids as they are."""
    from translate.storage.xliff import xlifffile

    catalog = project / EVERY_INLINE
    out = project / "po2xliff.xlf"
    subprocess.run(
        [str(Path(sys.executable).parent / "po2xliff"), str(catalog), str(out)],
        check=True,
        capture_output=True,
    )
    assert b"urn:oasis:names:tc:xliff:document:1.1" in out.read_bytes()
    store = xlifffile.parsefile(str(out))
    for item in store.units:
        if item.source == FOOTNOTED:
            item.target = FOOTNOTED_ES
        elif item.source == "What to bring":
            item.target = "Qué traer"
    out.write_bytes(bytes(store))
    result = run(project, "import", str(out))
    assert result.exit_code == 0, result.output
    assert f"{EVERY_INLINE}: 2 messages changed" in result.output
    after = msgstrs(catalog)
    assert after[FOOTNOTED] == (FOOTNOTED_ES, False) and after["What to bring"] == ("Qué traer", False)


def test_xliff_20_out_and_back_with_codes_moved(project: Path, run: Callable[..., Result]) -> None:
    """A CAT tool's 2.0 target: codes reordered, an image's alt text translated between its codes."""
    out = project / "es2.xlf"
    assert (
        run(
            project, "export", "es", "--format", "xliff2", "--article", "every-inline", "-o", str(out)
        ).exit_code
        == 0
    )
    tree = etree.parse(str(out)).getroot()
    assert tree.get("version") == "2.0" and tree.get("trgLang") == "es"
    units = {u.get("name"): u for u in tree.iterfind(".//x:unit", NS2)}
    footnoted = units[FOOTNOTED[:80]]
    source = footnoted.find("x:segment/x:source", NS2)
    assert [(c.tag.split("}")[1], c.get("id")) for c in source] == [
        ("ph", "1"),
        ("pc", "2"),
        ("pc", "3"),
        ("pc", "4"),
    ]
    data = {d.get("id"): d.text for d in footnoted.iterfind("x:originalData/x:data", NS2)}
    assert data["d1"] == "[^id]" and data["d4e"] == "](https://test-clinic.example.org/guide)"
    target = etree.fromstring(
        f'<target xmlns="{NS2["x"]}"><pc id="3" dataRefStart="d3" dataRefEnd="d3e">Esa</pc> tarjeta,'
        ' <pc id="2" dataRefStart="d2" dataRefEnd="d2e">esta</pc> página y'
        ' <pc id="4" dataRefStart="d4" dataRefEnd="d4e">nuestra guía</pc>. Traiga una identificación.'
        '<ph id="1" dataRef="d1"/></target>'
    )
    footnoted.find("x:segment", NS2).append(target)
    footnoted.find("x:segment", NS2).set("state", "translated")
    image = units["![A clinic building with a green door](assets/clinic.png)"]
    assert [c.tag.split("}")[1] for c in image.find("x:segment/x:source", NS2)] == ["pc"]
    image_target = etree.SubElement(image.find("x:segment", NS2), f"{{{NS2['x']}}}target")
    etree.SubElement(image_target, f"{{{NS2['x']}}}pc", id="1").text = "Una clínica con la puerta verde"
    image.find("x:segment", NS2).set("state", "final")
    out.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
    result = run(project, "import", str(out))
    assert result.exit_code == 0, result.output
    after = msgstrs(project / EVERY_INLINE)
    assert after[FOOTNOTED] == (
        "**Esa** tarjeta, *esta* página y [nuestra guía](https://test-clinic.example.org/guide)."
        " Traiga una identificación.[^id]",
        False,
    )
    assert after["![A clinic building with a green door](assets/clinic.png)"] == (
        "![Una clínica con la puerta verde](assets/clinic.png)",
        False,
    )


def test_tmx_has_the_xliffs_inline_codes(project: Path, run: Callable[..., Result]) -> None:
    """So that a CAT tool's memory gives exact matches for what the XLIFF holds."""
    from translate.storage.tmx import tmxfile

    set_msgstrs_in(project / EVERY_INLINE, {FOOTNOTED: (FOOTNOTED_ES, False)})
    untranslated_interface(project)
    out = project / "es.tmx"
    assert run(project, "export", "es", "--format", "tmx", "-o", str(out)).exit_code == 0
    tmx = etree.parse(str(out)).getroot()
    (tu,) = tmx.iterfind("body/tu")
    english, spanish = tu.iterfind("tuv/seg")
    assert english.text == "Bring a photo ID."  # the Markdown is in the codes, not in the text
    assert [(c.tag, c.get("i") or c.get("x"), c.text) for c in english] == [
        ("ph", "1", "[^id]"),
        ("bpt", "2", "*"),
        ("ept", "2", "*"),
        ("bpt", "3", "**"),
        ("ept", "3", "**"),
        ("bpt", "4", "["),
        ("ept", "4", "](https://test-clinic.example.org/guide)"),
    ]
    assert [(c.tag, c.get("i") or c.get("x")) for c in spanish] == [
        (c.tag, c.get("i") or c.get("x")) for c in english
    ]
    xliff = export(run, project, "--article", "every-inline")
    source = unit(xliff, FOOTNOTED[:80]).find("x:source", NS)
    assert "".join(english.itertext()) == "".join(source.itertext()) == FOOTNOTED
    (memory,) = tmxfile.parsefile(str(out)).units  # translate-toolkit reads it back, codes and all
    assert (memory.source, memory.target) == (FOOTNOTED, FOOTNOTED_ES)


def figure_alts(pdf: Path) -> list[str]:
    """The /Alt of every /Figure in a tagged PDF's structure tree, as a screen reader gets them."""
    import pypdf

    found: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure":
                found.append(str(node.get("/Alt")))
            if "/K" in node:
                walk(node["/K"])

    walk(pypdf.PdfReader(str(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.slow
def test_a_translated_alt_text_reaches_page_handout_and_audio(
    project: Path, run: Callable[..., Result]
) -> None:
    tree = export(run, project, "--article", "every-inline")
    image = unit(tree, "![A clinic building with a green door](assets/clinic.png)")
    set_target(image, code("bpt", "1"), "Una clínica con la puerta verde", code("ept", "1"))
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 0 and f"{EVERY_INLINE}: 1 message changed" in result.output
    assert msgstrs(project / EVERY_INLINE)["![A clinic building with a green door](assets/clinic.png)"] == (
        "![Una clínica con la puerta verde](assets/clinic.png)",
        False,
    )
    built = run(project, "build", "--lang", "es", "-j", "1")
    assert built.exit_code == 0, built.output
    site = project / "build/site/es"
    page = etree.parse(str(site / "every-inline.html"), etree.HTMLParser()).getroot()
    assert [img.get("alt") for img in page.iter("img") if "clinic.png" in (img.get("src") or "")] == [
        "Una clínica con la puerta verde"
    ]
    assert "Una clínica con la puerta verde" in figure_alts(site / "every-inline.pdf")
    assert "Una clínica con la puerta verde" in (site / "every-inline.vtt").read_text(encoding="utf-8")
    assert "green door" not in (site / "every-inline.vtt").read_text(encoding="utf-8")


def test_translate_toolkits_xliff_20_imports(project: Path, run: Callable[..., Result]) -> None:
    """Our 2.0 export, a target set and saved by translate-toolkit; a regional es-ES goes into es."""
    from translate.storage.xliff2 import Xliff2File

    out = project / "tt2.xlf"
    assert (
        run(
            project, "export", "es", "--format", "xliff2", "--article", "every-inline", "-o", str(out)
        ).exit_code
        == 0
    )
    store = Xliff2File.parsefile(str(out))
    for item in store.units:
        if item.source == "What to bring":
            item.target = "Qué traer"
            item.markfuzzy(False)
    store.settargetlanguage("es-ES")
    out.write_bytes(bytes(store))
    assert "every-inline.po is a catalog for es, not es-ES" in run(project, "import", str(out)).output
    result = run(project, "import", str(out), "--lang", "es")
    assert result.exit_code == 0, result.output
    assert msgstrs(project / EVERY_INLINE)["What to bring"] == ("Qué traer", False)


def test_a_translation_written_by_hand_round_trips_unchanged(
    project: Path, run: Callable[..., Result]
) -> None:
    """Markdown a translator typed in the .po is not always as export would write it (2*3, a_b,
    __bold__): an unchanged export must not re-escape it."""
    catalog = project / CATALOG
    set_msgstrs_in(
        catalog,
        {
            "Before you come": ("Antes de venir: 2*3 = 6, a_b & c", False),
            "Bring your ID and a list of your **medicines**.": (
                "Traiga su ID y una lista de sus __medicinas__.",
                False,
            ),
        },
    )
    before = catalog.read_bytes()
    for kind in ("xliff", "xliff2"):
        out = project / f"{kind}.xlf"
        assert run(project, "export", "es", "--format", kind, "-o", str(out)).exit_code == 0
        result = run(project, "import", str(out))
        assert result.exit_code == 0 and "no translation changed" in result.output, result.output
        assert catalog.read_bytes() == before, kind


def test_a_placeholder_or_footnote_typed_as_text_counts_as_its_code(
    project: Path, run: Callable[..., Result]
) -> None:
    """A translator who types [^id] or {clinic.phone} instead of inserting the code means the code."""
    tree = export(run, project, "--article", "every-inline")
    set_target(
        unit(tree, FOOTNOTED[:80]),
        "Traiga una identificación.[^id] Guarde ",
        *(code("bpt", "2"), "esta", code("ept", "2"), " página, ", code("bpt", "3"), "esa", code("ept", "3")),
        *(" tarjeta y ", code("bpt", "4"), "nuestra guía", code("ept", "4"), "."),
    )
    set_target(unit(tree, "Call {clinic.phone} today."), "Llame hoy al {clinic.phone}.")
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 0, result.output
    after = msgstrs(project / EVERY_INLINE)
    assert after["Call {clinic.phone} today."] == ("Llame hoy al {clinic.phone}.", False)
    assert after[FOOTNOTED] == (FOOTNOTED_ES, False)


def test_one_missing_or_broken_catalog_never_holds_back_the_others(
    project: Path, run: Callable[..., Result]
) -> None:
    """A new article not yet in the catalogs and a broken .po: the rest is exported, each named."""
    (project / "source/clinic-hours.md").write_text(
        '---\ntitle: "Clinic hours"\nsummary:\n  - "We are open every day."\nlast_reviewed: 2026-02-01\n'
        "language: en\n---\n\n## Hours\n\nWe open at 9.\n",
        encoding="utf-8",
    )
    with (project / "locales/es/LC_MESSAGES/first-day.po").open("a", encoding="utf-8") as po:
        po.write('\nmsgid "unterminated\n')
    out = project / "es.xlf"
    result = run(project, "export", "es", "-o", str(out))
    assert result.exit_code == 1
    assert (
        "locales/es/LC_MESSAGES/clinic-hours.po: missing: run plainspoken init es; not exported"
        in result.output
    )
    assert "locales/es/LC_MESSAGES/first-day.po:" in result.output
    files = [f.get("original") for f in etree.parse(str(out)).getroot().iterfind("x:file", NS)]
    assert files == ["locales/es/LC_MESSAGES/ui.po", "locales/es/LC_MESSAGES/every-inline.po"]


def test_a_target_whose_inline_code_was_edited_is_refused_not_put_back(
    project: Path, run: Callable[..., Result]
) -> None:
    """A translator who points a link at the Spanish page is told, not silently given the English one."""
    tree = export(run, project, "--article", "first-day")
    link = unit(tree, "Read [our guide](https://test-clinic.example.org/guide) before you come.")
    moved = code("ept", "1", "](https://test-clinic.example.org/es/guia)")
    set_target(link, "Lea ", code("bpt", "1", "["), "nuestra guía", moved, " antes de venir.")
    set_target(unit(tree, "Before you come"), "Antes de venir")
    result = run(project, "import", str(save(tree, project)))
    assert result.exit_code == 1
    assert (
        f"trans-unit {link.get('id')}: rejected: the text inside inline code <ept id='1'> was changed to "
        "'](https://test-clinic.example.org/es/guia)'"
    ) in result.output
    catalog = (project / CATALOG).read_text(encoding="utf-8")
    assert 'msgstr "Antes de venir"' in catalog and "nuestra guía" not in catalog
