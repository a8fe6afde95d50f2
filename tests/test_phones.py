"""Phone numbers through libphonenumber: what is dialled, shown and read aloud, and what site.toml refuses."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import phonenumbers
import pytest
from conftest import ROOTS
from phonenumbers import PhoneNumberFormat

from pipeline.errors import PlainspokenError
from pipeline.render.html import print_address, tel_href
from pipeline.render.speech import render_speech, spoken_digits, spoken_phones
from pipeline.source.config import load_config
from pipeline.source.parse import parse_article
from pipeline.source.project import load_project

#: (as a clinic writes it, the clinic's region, the tel: link a phone must dial, what is read aloud)
NUMBERS = [
    ("(626) 555-0142", "US", "tel:+16265550142", "6 2 6, 5 5 5, 0 1 4 2"),
    ("562.555.0100", "US", "tel:+15625550100", "5 6 2, 5 5 5, 0 1 0 0"),
    ("1-800-662-4357", "US", "tel:+18006624357", "1, 8 0 0, 6 6 2, 4 3 5 7"),  # the 1 as written
    ("(562) 555\u20110187", "US", "tel:+15625550187", "5 6 2, 5 5 5, 0 1 8 7"),  # a no-break hyphen
    ("988", "US", "tel:988", "9 8 8"),
    ("+44 20 7946 0958", "US", "tel:+442079460958", "+ 4 4, 2 0, 7 9 4 6, 0 9 5 8"),
    ("+44 116 123", "US", "tel:+44116123", "+ 4 4, 1 1 6, 1 2 3"),  # a short number abroad: Samaritans
    ("+33 3114", "US", "tel:+333114", "+ 3 3, 3 1 1 4"),  # France's suicide prevention line
    ("+52 55 1234 5678", "US", "tel:+525512345678", "+ 5 2, 5 5, 1 2 3 4, 5 6 7 8"),
    ("55 1234 5678", "MX", "tel:+525512345678", "5 5, 1 2 3 4, 5 6 7 8"),
    ("+1 626 555 0142", "MX", "tel:+16265550142", "+ 1, 6 2 6, 5 5 5, 0 1 4 2"),
    ("020 7946 0958", "GB", "tel:+442079460958", "0 2 0, 7 9 4 6, 0 9 5 8"),
    ("(562) 555-0100 ext. 204", "US", "tel:+15625550100;ext=204", "5 6 2, 5 5 5, 0 1 0 0, extension 2 0 4"),
    ("562-555-0100 x204", "US", "tel:+15625550100;ext=204", "5 6 2, 5 5 5, 0 1 0 0, extension 2 0 4"),
    ("(562) 555-0100,204", "US", "tel:+15625550100;ext=204", "5 6 2, 5 5 5, 0 1 0 0, extension 2 0 4"),
]


@pytest.mark.parametrize(("written", "region", "tel", "spoken"), NUMBERS)
def test_numbers_are_dialled_and_read_as_libphonenumber_formats_them(
    written: str, region: str, tel: str, spoken: str
) -> None:
    assert tel_href(written, region) == tel
    assert spoken_digits(written, region) == spoken
    number = phonenumbers.parse(written, region, keep_raw_input=True)
    if phonenumbers.is_valid_number(number):  # libphonenumber's own link, less its visual dashes
        assert tel == phonenumbers.format_number(number, PhoneNumberFormat.RFC3966).replace("-", "")
        shown = phonenumbers.format_in_original_format(number, region).split(" ext.")[0]
        assert spoken.split(", extension")[0] == ", ".join(" ".join(g) for g in re.findall(r"\+?\d+", shown))


def test_numbers_in_running_text_are_read_digit_by_digit() -> None:
    text = "Call (562) 555-0100 ext. 204, +44 20 7946 0958 or 988; in an emergency, 911. Take 300 mg."
    assert spoken_phones(text, "US", frozenset({"988"})) == (
        "Call 5 6 2, 5 5 5, 0 1 0 0, extension 2 0 4, + 4 4, 2 0, 7 9 4 6, 0 9 5 8 or 9 8 8;"
        " in an emergency, 9 1 1. Take 300 mg."
    )


def _site(tmp_path: Path, phone: str, region: str = "") -> Path:
    site = (ROOTS / "basic/source/site.toml").read_text(encoding="utf-8")
    clinic_phone = re.search(r'^phone = "[^"]*"$', site, re.MULTILINE)
    assert clinic_phone is not None
    extra = f'\nregion = "{region}"' if region else ""
    site = site.replace(clinic_phone.group(0), f'phone = "{phone}"{extra}', 1)
    path = tmp_path / "site.toml"
    path.write_text(site, encoding="utf-8")
    return path


def test_an_extension_is_accepted_and_kept_as_written(tmp_path: Path) -> None:
    config = load_config(_site(tmp_path, "(562) 555-0100 ext. 204"))
    assert config.clinic_phone == "(562) 555-0100 ext. 204"
    assert config.region == "US"


def test_the_clinic_region_reads_its_national_numbers(tmp_path: Path) -> None:
    path = _site(tmp_path, "55 1234 5678", region="mx")
    with pytest.raises(
        PlainspokenError, match=r"site.toml:15: crisis_lines.phone '988' is not a MX phone number"
    ):
        load_config(path)  # 988 is the US Lifeline's number
    path.write_text(path.read_text().replace('"988"', '"800 911 2000"'))  # Línea de la Vida
    config = load_config(path)
    assert config.region == "MX"
    assert tel_href(config.clinic_phone, config.region) == "tel:+525512345678"
    assert config.facts()["crisis.lifeline.phone"].region == "MX"
    path.write_text(path.read_text().replace("55 1234 5678", "55 1234 5679"))  # read once per text
    assert load_config(path).clinic_phone == "55 1234 5679" and load_config(path) is load_config(path)


@pytest.mark.parametrize(
    ("phone", "why"),
    [
        ("555-0100", "too few digits (write the area code too)"),
        ("(562) 555-0100 555 0199 1234", "too many digits"),
        ("+999 20 7946 0958", "no country has that code after +"),
        ("call us", "no phone number can be read in it"),
        ("(123) 555-0100", "no phone is numbered so (check the digits)"),
    ],
)
def test_an_invalid_number_names_its_line_and_why(tmp_path: Path, phone: str, why: str) -> None:
    path = _site(tmp_path, phone)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text == f'phone = "{phone}"')
    with pytest.raises(PlainspokenError) as error:
        load_config(path)
    assert str(error.value).startswith(
        f"source/site.toml:{line}: clinic.phone {phone!r} is not a US phone number: {why};"
        ' write it as "(201) 555-0123", "(201) 555-0123 ext. 204" or "+44 20 7946 0958"'
    ), str(error.value)


def test_a_number_written_with_a_country_code_is_judged_in_that_country(tmp_path: Path) -> None:
    path = _site(tmp_path, "+44 20 7946")
    with pytest.raises(PlainspokenError, match=r"clinic.phone '\+44 20 7946' is not a GB phone number: "):
        load_config(path)
    path.write_text(path.read_text().replace('"988"', '"+44 116 123"'))  # an international crisis line
    with pytest.raises(PlainspokenError) as error:
        load_config(path)
    assert "clinic.phone" in str(error.value) and "crisis_lines" not in str(error.value)  # only the clinic's


def test_an_unknown_region_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(PlainspokenError, match=r"site.toml:\d+: clinic.region 'UK': write a country code"):
        load_config(_site(tmp_path, "(562) 555-0100", region="UK"))


def test_the_page_dials_and_the_guide_reads_the_extension(tmp_path: Path, make_project, run) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    _site(tmp_path, "(562) 555-0100 ext. 204")
    shutil.copy(tmp_path / "site.toml", project / "source/site.toml")
    run(project, "build", "--format", "html")
    page = (project / "build/site/en/every-node.html").read_text(encoding="utf-8")
    assert (
        '<a class="tel" href="tel:+15625550100;ext=204"><bdi dir="ltr">(562) 555-0100 ext. 204</bdi>' in page
    )
    config = load_project(project).config
    path = project / "source/every-node.md"
    doc = parse_article(path.read_text(), path="source/every-node.md", slug="every-node")
    script = render_speech(doc, facts=config.facts(), lexicon={}, gettext=lambda s: s, config=config)
    clinic = next(s for s in script.segments if s.anchor == "help-clinic")
    assert clinic.text == "Call us: (562) 555-0100 ext. 204."
    assert clinic.spoken == "Call us: 5 6 2, 5 5 5, 0 1 0 0, extension 2 0 4."


@pytest.mark.parametrize(
    ("href", "printed"),
    [
        ("tel:+16265550100", "626-555-0100"),
        ("tel:+15625550100;ext=204", "562-555-0100 ext. 204"),
        ("tel:+442079460958", "+44 20 7946 0958"),
        ("tel:988", "988"),
    ],
)
def test_a_tel_link_on_paper_prints_a_number_to_dial(href: str, printed: str) -> None:
    assert print_address(href) == printed


#: Each language's word for an extension, as its audio guide says it before the extension's digits.
EXTENSION_WORDS = [
    ("en", "extension"),
    ("es", "extensión"),
    ("vi", "số máy lẻ"),
    ("km", "លេខ\u200bបន្ត"),
    ("zh-Hans", "分机"),
    ("zh-Hant", "分機"),
    ("ko", "내선"),
    ("ja", "内線"),
    ("ru", "добавочный"),
    ("tl", "lokal"),
    ("fa", "داخلی"),
    ("ar", "تحويلة"),
    ("hy", "ներքին համար"),
    ("hyw", "ներքին թիւ"),
]


@pytest.mark.parametrize(("language", "word"), EXTENSION_WORDS)
def test_the_guide_reads_an_extension_with_the_languages_word(
    tmp_path: Path, language: str, word: str
) -> None:
    from pipeline.i18n.shipped import shipped_ui
    from pipeline.i18n.ui import UiText

    config = load_config(_site(tmp_path, "(562) 555-0100 ext. 204"))
    path = ROOTS / "basic/source/every-node.md"
    doc = parse_article(path.read_text(), path="source/every-node.md", slug="every-node")
    ui = UiText.from_catalogs(language, shipped_ui(language))
    script = render_speech(doc, facts=config.facts(), lexicon={}, gettext=ui.gettext, config=config)
    clinic = next(s for s in script.segments if s.anchor == "help-clinic")
    assert f"5 6 2, 5 5 5, 0 1 0 0, {word} 2 0 4" in clinic.spoken  # what the speech engine is given
    assert language == "en" or "extension" not in clinic.spoken
