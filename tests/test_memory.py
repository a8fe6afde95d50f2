"""Translation memory: a message translated in one article pre-fills the same (or nearly) in another."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from pipeline.i18n.catalogs import read_catalog
from pipeline.i18n.po_edit import NewString, set_msgstrs

FIRST = "locales/es/LC_MESSAGES/first-visit.po"
SECOND = "locales/es/LC_MESSAGES/family-night.po"


def translate(path: Path, strings: dict[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(set_msgstrs(text, {k: NewString(v, False) for k, v in strings.items()}), encoding="utf-8")


def test_update_prefills_from_another_article(
    make_project: Callable[[str], Path], run: Callable[..., Result]
) -> None:
    root = make_project("memory")
    family = root / "source" / "family-night.md"
    held_back = family.read_text(encoding="utf-8")
    family.unlink()
    assert run(root, "init", "es").exit_code == 0
    translate(
        root / FIRST,
        {
            "Call {clinic.phone} if you are running late.": "Llame al {clinic.phone} si llega tarde.",
            "Bring your ID and a list of your medicines.": "Traiga su identificación y una lista de sus medicinas.",
        },
    )
    family.write_text(held_back, encoding="utf-8")  # the clinic writes its second article
    result = run(root, "update")
    assert result.exit_code == 0, result.output
    assert f"{SECOND}: 2 pre-filled from the translation memory" in result.output
    catalog = read_catalog(root / SECOND, SECOND)
    exact = catalog["Call {clinic.phone} if you are running late."]
    assert exact.string == "Llame al {clinic.phone} si llega tarde." and exact.fuzzy
    assert exact.user_comments == [f"memory: same English in {FIRST}"]
    near = catalog["Bring your ID and a list of your medications."]
    assert near.string == "Traiga su identificación y una lista de sus medicinas." and near.fuzzy
    assert near.user_comments[0].startswith("memory: 9") and FIRST in near.user_comments[0]
    assert not catalog["Family night is every Thursday."].string
    assert subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(root / SECOND)]).returncode == 0
    before = (root / SECOND).read_bytes()
    assert "pre-filled" not in run(root, "update").output
    assert (root / SECOND).read_bytes() == before


def test_fuzzy_and_blank_translations_are_not_remembered(
    make_project: Callable[[str], Path], run: Callable[..., Result]
) -> None:
    root = make_project("memory")
    assert run(root, "init", "es").exit_code == 0
    text = (root / FIRST).read_text(encoding="utf-8")
    (root / FIRST).write_text(
        set_msgstrs(
            text,
            {
                "Call {clinic.phone} if you are running late.": NewString("Llame al {clinic.phone}.", True),
                "Bring your ID and a list of your medicines.": NewString(" ", False),
            },
        ),
        encoding="utf-8",
    )
    result = run(root, "update")
    assert "pre-filled" not in result.output
    catalog = read_catalog(root / SECOND, SECOND)
    assert not catalog["Call {clinic.phone} if you are running late."].string
