"""The plain-language checks of source articles: readability against a reference, jargon, acceptance."""

from __future__ import annotations

import pytest

from pipeline.quality.readability import (
    MAX_GRADE,
    TextStats,
    flesch_kincaid_grade,
    reading_grades,
    smog_grade,
)

#: A fixed corpus of health-education prose, easy to hard, written for this test; every sentence
#: has 3 words or more (textstat drops shorter ones) and each text has 3 sentences or more (SMOG).
CORPUS = (
    "You live at home. You come to the clinic for care. Then you go home at night.",
    "Most programs meet three to five days a week, for about three hours each time. Many people"
    " keep working while they are in a program. A counselor talks with you alone and in a group.",
    "Stopping alcohol all at once can be dangerous if you drink a lot every day. Your body can react"
    " badly when you stop. This is called withdrawal. You could even have seizures.",
    "Residential rehabilitation provides a structured therapeutic environment with comprehensive"
    " medical supervision. Individualized treatment planning addresses coexisting psychiatric"
    " conditions. Participants gradually transition to intensive outpatient programming.",
    "Both intensive outpatient programs and residential treatment are established approaches"
    " to substance use disorders, although their relative effectiveness depends on the severity"
    " of the addiction, the stability of the living environment and the availability of family"
    " support. Consult a qualified professional before deciding. Insurance coverage varies considerably.",
)


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_readability_matches_textstat_within_half_a_grade(text: str) -> None:
    """textstat 0.7.4 (the last release that counts offline, with pyphen) is the reference.

    The corpus has no hyphenated compound: textstat drops the hyphen and counts "one-on-one" as
    the one syllable of "oneonone"; Plainspoken adds up the parts' syllables (3).
    """
    import textstat

    stats = TextStats.of(text, "en")
    assert flesch_kincaid_grade(stats) == pytest.approx(textstat.flesch_kincaid_grade(text), abs=0.5)
    assert smog_grade(stats) == pytest.approx(textstat.smog_index(text), abs=0.5)
    kincaid, smog = reading_grades(text, "en")  # what the report says: each formula named, capped
    assert (kincaid.formula, smog.formula) == ("Flesch-Kincaid", "SMOG")
    assert kincaid.grade == min(flesch_kincaid_grade(stats), MAX_GRADE)
    assert smog.grade == min(smog_grade(stats), MAX_GRADE)
