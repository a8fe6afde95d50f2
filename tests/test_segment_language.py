"""Audio that says what the page says: a part that fell back to English is spoken by an English voice
and captioned as English, punctuation is the language's own, right-to-left captions read right to left."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import REPO, ROOTS
from test_audio_formats import validate

from pipeline.audio.guide import speak_script
from pipeline.audio.mixing import from_pcm, resample, trim
from pipeline.audio.vtt import Cue, render_vtt
from pipeline.builders.audio import AudioBuilder
from pipeline.engine.tasks import translate_language
from pipeline.i18n.article import Article
from pipeline.render.handout import running_texts
from pipeline.render.punctuation import punctuation
from pipeline.render.speech import SpeechScript, page_only
from pipeline.source.articles import load_sources
from pipeline.source.project import load_project
from pipeline.speech.engine import DEFAULT_ENGINE, Speech, SpeechWorker
from pipeline.speech.lexicon import article_script
from pipeline.speech.speakers import Voice

ROOT = "segment-languages"
SLUG = "first-dose"
UNTRANSLATED = "Wait until you feel withdrawal before your first dose."  # no msgstr in es
#: espeak-ng and the strict WebVTT validator: skipped on a developer's machine without them, never in CI.
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None and not os.environ.get("CI"), reason="espeak-ng not installed"
)
needs_validator = pytest.mark.skipif(
    not (REPO / "tests/webvtt/node_modules/webvtt-parser").is_dir() and not os.environ.get("CI"),
    reason="the strict WebVTT validator is not installed: run make setup-test",
)


def article(root: Path, language: str) -> Article:
    project = load_project(root)
    (found,) = translate_language(project, language, load_sources(project).documents)[0]
    return found


def script(root: Path, language: str) -> SpeechScript:
    return article_script(load_project(root), article(root, language))


def cues(vtt: str) -> dict[str, str]:
    """Cue id → its payload, as written."""
    blocks = vtt.split("\n\n")[1:]
    return {block.split("\n")[0]: block.split("\n")[2] for block in blocks}


# --- which language each segment is in (pure) ---------------------------------------------


def test_a_segment_that_fell_back_is_marked_with_its_language() -> None:
    segments = {s.text: s.lang for s in script(ROOTS / ROOT, "es").segments}
    assert segments[UNTRANSLATED] == "en"
    assert segments["El IOP le permite seguir trabajando."] == ""  # translated: the page's own
    assert set(segments.values()) == {"", "en"}
    assert all(s.lang == "" for s in script(ROOTS / ROOT, "zh-Hans").segments)  # all translated


def test_a_part_that_fell_back_is_said_with_its_own_languages_lexicon(
    make_project: Callable[[str], Path],
) -> None:
    """The Spanish lexicon would have the English voice say Spanish words."""
    root = make_project(ROOT)
    (root / "locales/es/pronunciation.toml").write_text('dose = "dosis"\nIOP = "i o pe"\n', encoding="utf-8")
    (root / "locales/en/pronunciation.toml").write_text('withdrawal = "with drawal"\n', encoding="utf-8")
    said = {s.text: s.spoken for s in script(root, "es").segments}
    assert said[UNTRANSLATED] == "Wait until you feel with drawal before your first dose."
    assert said["El IOP le permite seguir trabajando."] == "El i o pe le permite seguir trabajando."


def test_a_part_no_voice_speaks_says_it_is_on_the_page_only() -> None:
    spanish = article(ROOTS / ROOT, "es")
    base = article_script(load_project(ROOTS / ROOT), spanish)
    said = page_only(base, lambda language: False, spanish.ui.gettext)
    (notice,) = [s for s in said.segments if s.anchor == next(b.anchor for b in base.segments if b.lang)]
    assert (notice.text, notice.spoken, notice.lang) == ("Esta parte solo está en la página.",) * 2 + ("",)
    assert [s.text for s in said.segments if s is not notice] == [
        s.text for s in base.segments if s.lang == ""
    ]


# --- spoken by its language's voice (real espeak-ng) ---------------------------------------


def spoken_seconds(voice: str, text: str) -> float:
    """How long espeak-ng's ``voice`` takes over ``text``, trimmed as the guide trims each segment."""
    with SpeechWorker(voice) as worker:
        speech = worker.speak(text)
    return len(trim(from_pcm(speech.pcm), speech.rate)) / speech.rate


def built_cues(root: Path, language: str) -> dict[str, Cue]:
    from test_audio import read_cues

    text = (root / f"build/site/{language}/{SLUG}.vtt").read_text(encoding="utf-8")
    return {cue.id: cue for cue in read_cues(text)}


@needs_espeak
def test_an_untranslated_sentence_is_spoken_by_the_english_voice(
    make_project: Callable[[str], Path], run: Callable[..., object]
) -> None:
    root = make_project(ROOT)
    result = run(root, "build", "--format", "audio", "--lang", "es")
    assert getattr(result, "exit_code") == 0, getattr(result, "output")  # noqa: B009
    anchor = next(s.anchor for s in script(root, "es").segments if s.lang == "en")
    cue = built_cues(root, "es")[anchor]
    english, spanish = spoken_seconds("en-us", UNTRANSLATED), spoken_seconds("es-419", UNTRANSLATED)
    assert abs(spanish - english) > 0.3  # the two voices are told apart by their length
    assert cue.end - cue.start == pytest.approx(english, abs=0.01)
    vtt = (root / f"build/site/es/{SLUG}.vtt").read_text(encoding="utf-8")
    assert cues(vtt)[anchor] == f"<lang en>{UNTRANSLATED}</lang>"
    assert sum("<lang" in payload for payload in cues(vtt).values()) == 1  # the Spanish cues are not marked


@needs_espeak
def test_a_change_to_the_english_voice_or_lexicon_rebuilds_the_spanish_guide(
    make_project: Callable[[str], Path], run: Callable[..., object]
) -> None:
    """The Spanish guide speaks its English parts with them: they are inputs of its audio."""
    root = make_project(ROOT)

    def build() -> str:
        result = run(root, "build", "--format", "audio", "--lang", "es")
        assert getattr(result, "exit_code") == 0, getattr(result, "output")  # noqa: B009
        return str(getattr(result, "output"))  # noqa: B009

    build()
    assert "(0 up to date)" not in build()  # nothing changed: up to date
    (root / "locales/en/pronunciation.toml").write_text('withdrawal = "with drawal"\n', encoding="utf-8")
    assert "built    es/first-dose/audio" in build()
    site = root / "source/site.toml"
    site.write_text(
        site.read_text(encoding="utf-8") + '\n[voices]\nen = "en-gb-scotland"\n', encoding="utf-8"
    )
    assert "built    es/first-dose/audio" in build()


@needs_espeak
def test_the_lexicon_audit_leaves_out_the_parts_another_voice_speaks(
    make_project: Callable[[str], Path],
) -> None:
    """The audit lists what the page's voice would read in English: not the English voice's parts."""
    from pipeline.speech.audit import audit

    root = make_project(ROOT)
    catalog = root / "locales/ar/LC_MESSAGES/first-dose.po"
    arabic = "انتظر حتى تشعر بأعراض الانسحاب قبل جرعتك الأولى."
    catalog.write_text(catalog.read_text(encoding="utf-8").replace(arabic, ""), encoding="utf-8")
    anchor = next(s.anchor for s in script(root, "ar").segments if s.lang == "en")
    assert anchor not in [found for found, _, _ in audit(root, "ar")]


class LoggingEngine:
    """espeak-ng, noting which voice speaks each text (in the file $SEGMENT_LANGUAGE_LOG)."""

    def __init__(self) -> None:
        from pipeline.speech.engine import Pyttsx3Engine

        self.engine, self.voice = Pyttsx3Engine(), ""

    def open(self, voice: str) -> str:
        self.voice = voice
        return self.engine.open(voice)

    def synthesize(self, text: str) -> object:
        with open(os.environ["SEGMENT_LANGUAGE_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{self.voice}\t{text}\n")
        return self.engine.synthesize(text)


@needs_espeak
def test_the_voice_chosen_for_each_segment(
    make_project: Callable[[str], Path], run: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, as the engine sees it: every segment in the page's voice but the English one."""
    root = make_project(ROOT)
    log = root / "voices.log"
    monkeypatch.setenv("SEGMENT_LANGUAGE_LOG", str(log))
    monkeypatch.setattr(AudioBuilder, "engine", "test_segment_language:LoggingEngine")
    result = run(root, "build", "--format", "audio", "--lang", "es")
    assert getattr(result, "exit_code") == 0, getattr(result, "output")  # noqa: B009
    spoken = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    assert [text for voice, text in spoken if voice == "en-us"] == [UNTRANSLATED]
    assert {voice for voice, _ in spoken} == {"es-419", "en-us"}
    assert len(spoken) == len(script(root, "es").segments)


@needs_espeak
def test_with_no_english_voice_the_guide_says_the_part_is_on_the_page_only(
    make_project: Callable[[str], Path], run: Callable[..., object]
) -> None:
    root = make_project(ROOT)
    site = root / "source/site.toml"
    site.write_text(site.read_text(encoding="utf-8") + '\n[voices]\nen = ""\n', encoding="utf-8")
    result = run(root, "build", "--format", "audio", "--lang", "es")
    assert getattr(result, "exit_code") == 0, getattr(result, "output")  # noqa: B009
    anchor = next(s.anchor for s in script(root, "es").segments if s.lang == "en")
    vtt = (root / f"build/site/es/{SLUG}.vtt").read_text(encoding="utf-8")
    assert cues(vtt)[anchor] == "Esta parte solo está en la página."
    assert UNTRANSLATED not in vtt and "<lang" not in vtt


class SixteenKiloHertzEngine:
    """espeak-ng at 16 kHz, as some Piper models speak: a page voice at another rate than espeak-ng's."""

    def __init__(self) -> None:
        from pipeline.speech.engine import Pyttsx3Engine

        self.engine = Pyttsx3Engine()

    def open(self, voice: str) -> str:
        return self.engine.open(voice)

    def synthesize(self, text: str) -> Speech:
        speech = self.engine.synthesize(text)
        return Speech(resample(from_pcm(speech.pcm), speech.rate, 16000).tobytes(), 16000)


@needs_espeak
def test_english_parts_join_a_guide_whose_voice_speaks_at_another_rate(tmp_path: Path) -> None:
    from mutagen.mp3 import MP3

    spanish = script(ROOTS / ROOT, "es")
    mp3 = tmp_path / "guide.mp3"
    with mp3.open("wb") as out:
        guide = speak_script(
            spanish,
            voice="es-419",
            out=out,
            engine="test_segment_language:SixteenKiloHertzEngine",
            others={"en": Voice(DEFAULT_ENGINE, "en-us")},
        )
    (english,) = [cue for cue in guide.cues if cue.lang]
    assert english.text == UNTRANSLATED
    assert english.end - english.start == pytest.approx(spoken_seconds("en-us", UNTRANSLATED), abs=0.02)
    assert MP3(str(mp3)).info.sample_rate == 16000
    assert MP3(str(mp3)).info.length == pytest.approx(guide.duration, abs=0.1)


@needs_validator
def test_a_caption_in_another_language_is_valid_webvtt(tmp_path: Path) -> None:
    path = tmp_path / "mixed.vtt"
    mixed = [Cue("u1", 0.0, 1.0, "Su primera dosis"), Cue("u2", 1.0, 2.0, "Wait <a> & see.", "en")]
    path.write_text(render_vtt(mixed), encoding="utf-8")
    assert "<lang en>Wait &lt;a&gt; &amp; see.</lang>" in path.read_text(encoding="utf-8")
    assert validate(path) == {str(path): []}


def with_new_crisis_texts(root: Path) -> Path:
    """site.toml edited, ``update`` not run: the lifeline's note is new, and a whole new line."""
    site = root / "source/site.toml"
    text = site.read_text(encoding="utf-8").replace(
        "Call or text 988, any time, day or night.", "Free, 24 hours a day, in many languages."
    )
    text += '\n[[crisis_lines]]\nid = "access"\nname = "Access Line"\n'
    text += 'phone = "1-800-854-7771"\nnote = "Free."\n'
    site.write_text(text, encoding="utf-8")
    return root


def test_crisis_line_words_that_fell_back_are_spoken_in_english(make_project: Callable[[str], Path]) -> None:
    """A translated name keeps the page's voice, its new English note is said by the English one."""
    segments = {s.anchor: s for s in script(with_new_crisis_texts(make_project(ROOT)), "es").segments}
    assert (segments["help-lifeline"].text, segments["help-lifeline"].lang) == (
        "988 Línea de Prevención del Suicidio y Crisis: 988.",
        "",
    )
    note = segments["help-lifeline-note"]
    assert (note.text, note.lang) == ("Free, 24 hours a day, in many languages.", "en")
    assert (segments["help-access"].text, segments["help-access"].lang) == (
        "Access Line: 1-800-854-7771. Free.",
        "en",
    )
    assert segments["help-title"].lang == segments["help-911"].lang == ""  # translated: Spanish


def test_crisis_line_words_that_fell_back_are_marked_english_on_the_page(
    make_project: Callable[[str], Path], run: Callable[..., Result]
) -> None:
    root = with_new_crisis_texts(make_project(ROOT))
    assert run(root, "build", "--lang", "es", "--format", "html", "-j", "1").exit_code == 0
    page = (root / "build/site/es/first-dose.html").read_text(encoding="utf-8")
    assert '<span lang="en" dir="auto">Free, 24 hours a day, in many languages.</span>' in page
    assert '<strong><span lang="en" dir="auto">Access Line</span></strong>' in page
    assert "<strong>988 Línea de Prevención del Suicidio y Crisis</strong>" in page  # translated
    header = page.split("</header>")[0]  # the crisis lines at the top of the page, as in the help box
    assert '<span class="help-line"><span lang="en" dir="auto">Access Line</span>: ' in header
    assert '<span class="help-line">988 Línea de Prevención del Suicidio y Crisis: ' in header


# --- the language's own punctuation ---------------------------------------------------------


def test_the_help_section_is_spoken_and_captioned_with_the_languages_punctuation() -> None:
    chinese = {s.anchor: s.text for s in script(ROOTS / ROOT, "zh-Hans").segments}
    assert chinese["help-lifeline"] == "988 自杀与危机生命线：988。随时拨打或发短信至 988，白天黑夜都可以。"
    assert chinese["help-clinic"] == "请致电：(626) 555-0100。"
    spanish = {s.anchor: s.text for s in script(ROOTS / ROOT, "es").segments}
    assert spanish["help-clinic"] == "Llámenos: (626) 555-0100."
    assert not any(re.search(r"[:.] ", text) for text in chinese.values())  # no ASCII ": " or ". "


@pytest.mark.parametrize(
    ("language", "joined"),
    [
        ("en", "IOP. Cost: lower."),
        ("zh-Hans", "IOP。Cost：lower。"),
        ("zh-Hant", "IOP。Cost：lower。"),
        ("ja", "IOP。Cost：lower。"),  # Japanese script, from CLDR's likely subtags
        ("hy", "IOP։ Cost՝ lower։"),
        ("hyw", "IOP։ Cost՝ lower։"),
        ("ar", "IOP. Cost: lower."),
    ],
)
def test_a_table_row_is_joined_with_the_languages_marks(language: str, joined: str) -> None:
    marks = punctuation(language)
    assert marks.sentences(["IOP", marks.labelled("Cost", "lower")]) == joined


def test_the_running_header_has_no_space_after_a_full_width_colon() -> None:
    chinese = article(ROOTS / ROOT, "zh-Hans")
    reviewed = running_texts(chinese, load_project(ROOTS / ROOT).config).header[1]
    assert reviewed.startswith("最近审校日期：2026") and " " not in reviewed
    spanish = running_texts(article(ROOTS / ROOT, "es"), load_project(ROOTS / ROOT).config).header[1]
    assert spanish.startswith("Última revisión: ")


# --- right-to-left captions -----------------------------------------------------------------


def paragraph_level(payload: str) -> int:
    """The cue's paragraph direction as the Unicode bidi algorithm finds it (0 left to right, 1 right
    to left), with the WebVTT tags and entities a player removes before showing it."""
    from bidi import get_base_level  # type: ignore[import-untyped]  # python-bidi has no type hints

    text = re.sub(r"<[^>]*>", "", payload).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return int(get_base_level(text))


def test_a_right_to_left_cue_that_starts_with_latin_reads_right_to_left() -> None:
    cue = Cue("u1", 0.0, 1.0, "IOP يتيح لك مواصلة العمل.")
    assert paragraph_level(cues(render_vtt([cue]))["u1"]) == 0  # as left-to-right captions are
    assert paragraph_level(cues(render_vtt([cue], "rtl"))["u1"]) == 1
    english = Cue("u2", 1.0, 2.0, "Wait until you feel withdrawal.", "en")
    assert paragraph_level(cues(render_vtt([english], "rtl"))["u2"]) == 0  # as the page's dir="auto"


@needs_espeak
@needs_validator
def test_built_arabic_captions_read_right_to_left_and_are_valid(
    make_project: Callable[[str], Path], run: Callable[..., object]
) -> None:
    root = make_project(ROOT)
    result = run(root, "build", "--format", "audio", "--lang", "ar")
    assert getattr(result, "exit_code") == 0, getattr(result, "output")  # noqa: B009
    vtt = root / f"build/site/ar/{SLUG}.vtt"
    payloads = cues(vtt.read_text(encoding="utf-8"))
    assert any(payload.lstrip("\u200f").startswith("IOP") for payload in payloads.values())
    assert {anchor: paragraph_level(p) for anchor, p in payloads.items()} == dict.fromkeys(payloads, 1)
    assert validate(vtt) == {str(vtt.resolve()): []}
