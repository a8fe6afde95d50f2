"""Phone numbers through libphonenumber (phonenumbers): read with the clinic's region, dialled and spoken."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

#: Where a number written without + is dialled when site.toml's [clinic] names no region.
DEFAULT_REGION = "US"
#: How an extension is read aloud: the page shows it as written ("ext. 204", as libphonenumber writes it).
EXTENSION_SPOKEN = "extension"
#: A number with no + and no area code that may still be a phone: 988, 911, 211.
_SHORT = re.compile(r"(?<![\w+-])\d{3,6}(?![\w-])")
_WHY = {
    "TOO_SHORT": "too few digits (write the area code too)",
    "IS_POSSIBLE_LOCAL_ONLY": "too few digits (write the area code too)",
    "TOO_LONG": "too many digits",
    "INVALID_LENGTH": "the wrong number of digits for its country",
    "INVALID_COUNTRY_CODE": "no country has that code after +",
}


class PhoneError(ValueError):
    """Why a text is not a phone number, in words for the clinic."""


@dataclass(frozen=True)
class Phone:
    """A number as libphonenumber reads it: what to dial, and its digit groups as it writes them."""

    e164: str  # "+15625550100"; a short number as dialled ("988")
    groups: tuple[str, ...]  # ("562", "555", "0100"); ("1", "800", …) as written; ("+44", "20", …)
    extension: str = ""

    @property
    def tel(self) -> str:
        """The RFC 3966 link: 'tel:+15625550100;ext=204'."""
        return f"tel:{self.e164}" + (f";ext={self.extension}" if self.extension else "")

    @property
    def spoken(self) -> str:
        """Digit by digit in groups: '5 6 2, 5 5 5, 0 1 0 0, extension 2 0 4'; '+ 4 4, 2 0, …' from abroad."""
        return self.said(EXTENSION_SPOKEN)

    def said(self, extension: str) -> str:
        """As ``spoken``, with the language's word for an extension ('extensión 2 0 4')."""
        groups = [" ".join(group) for group in self.groups]
        if self.extension:
            groups.append(f"{extension} {' '.join(self.extension)}")
        return ", ".join(groups)


def parse_phone(text: str, region: str = DEFAULT_REGION) -> Phone:
    """``text`` as a phone number dialled in ``region``; PhoneError says why it is not one."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region, keep_raw_input=True)
    except phonenumbers.NumberParseException as error:
        raise PhoneError(_parse_failure(error)) from None
    if phonenumbers.is_valid_number(number):
        return _phone(number, region)
    if not number.extension and phonenumbers.is_valid_short_number_for_region(number, region):
        return Phone(str(number.national_number), (str(number.national_number),))
    if text.lstrip().startswith("+") and not number.extension and phonenumbers.is_valid_short_number(number):
        # a short number abroad, with its country code (Samaritans, +44 116 123): dialled as written
        return Phone(f"+{number.country_code}{number.national_number}", tuple(re.findall(r"\+?\d+", text)))
    reason = phonenumbers.is_possible_number_with_reason(number)
    why = _WHY.get(phonenumbers.ValidationResult.to_string(reason), "")
    raise PhoneError(why or "no phone is numbered so (check the digits)")


def find_phones(
    text: str, region: str = DEFAULT_REGION, short: Collection[str] = ()
) -> list[tuple[int, int, Phone]]:
    """The phone numbers written in ``text`` (start, end, number): full numbers as libphonenumber
    finds them, with their extensions; the region's emergency numbers (911) and the ``short``
    numbers site.toml gives (988)."""
    import phonenumbers

    found = [  # parsed again to keep how each was written (the matcher forgets a leading 1 or +)
        (match.start, match.end, _phone(_reparsed(match.raw_string, region), region))
        for match in phonenumbers.PhoneNumberMatcher(text, region)
    ]
    for match in _SHORT.finditer(text):
        digits = match.group()
        inside = any(start <= match.start() < end for start, end, _ in found)
        if not inside and (digits in short or phonenumbers.is_emergency_number(digits, region)):
            found.append((match.start(), match.end(), Phone(digits, (digits,))))
    return sorted(found, key=lambda item: item[0])


def _phone(number: PhoneNumber, region: str) -> Phone:
    """The groups as libphonenumber formats the number in the form it was written in: with its +
    or national prefix ('1-800-662-4357' → 1, 800, 662, 4357), extension apart."""
    import phonenumbers

    extension = number.extension or ""
    written = phonenumbers.format_in_original_format(number, region)
    groups = re.findall(r"\+?\d+", written)
    if extension and groups and groups[-1] == extension:
        groups.pop()
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, tuple(groups), extension)


def _parse_failure(error: Exception) -> str:
    import phonenumbers

    kind = getattr(error, "error_type", None)
    reasons = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: _WHY["INVALID_COUNTRY_CODE"],
        phonenumbers.NumberParseException.TOO_SHORT_NSN: _WHY["TOO_SHORT"],
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: _WHY["TOO_SHORT"],
        phonenumbers.NumberParseException.TOO_LONG: _WHY["TOO_LONG"],
    }
    return reasons.get(kind, "no phone number can be read in it") if kind is not None else str(error)


def example_phone(region: str) -> str:
    """A number as a clinic in ``region`` writes it, for messages: '(201) 555-0123' in the US."""
    import phonenumbers

    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL) if number else ""


def dialled_region(text: str, region: str) -> str:
    """The country a number is dialled in: its country code's when written with +, else ``region``."""
    import phonenumbers

    code = re.match(r"\s*\+\s*(\d{1,3})", text)
    for digits in [code[1][:n] for n in (1, 2, 3)] if code else []:
        country = phonenumbers.region_code_for_country_code(int(digits))
        if country != phonenumbers.UNKNOWN_REGION:
            return str(country)
    return region


def known_region(region: str) -> bool:
    """Whether libphonenumber numbers phones in ``region`` (an ISO 3166 code such as US, MX, GB)."""
    import phonenumbers

    return region in phonenumbers.SUPPORTED_REGIONS


def _reparsed(text: str, region: str) -> PhoneNumber:
    import phonenumbers

    return phonenumbers.parse(text, region, keep_raw_input=True)
