"""A narrator's recordings are never lost nor silently passed over (issue 21, "Recordings").

The narrator's files are real audio made here: "speech" is a tone with a syllable-like envelope made
with numpy, saved as WAV with the wave module and as MP3 with LAME; a clipped take is the same made
30 dB too loud; the bad files are a 0-byte file, a WAV with a damaged body and a 0.05 s blip. The test
root (tests/roots/recordings) is a Khmer narrator's project: Khmer has no synthetic voice, so its
guide is recordings only; short-guide is translated, naloxone-basics is not.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import wave
from collections.abc import Callable
from pathlib import Path

import lameenc
import numpy as np
import pytest
from click.testing import Result

from pipeline.i18n.article import prepare_article
from pipeline.source.project import load_project

SLUG = "short-guide"
Run = Callable[..., Result]


def speech_like(seconds: float = 1.0, rate: int = 44100, gain: float = 0.3) -> np.ndarray:
    """A voice stand-in: a 180 Hz tone with harmonics, in syllables, with silence around it."""
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * 180 * k * t) / k for k in (1, 2, 3))
    syllables = np.clip(np.sin(2 * np.pi * 3 * t), 0, None) * ((t > 0.15) & (t < seconds - 0.15))
    return np.asarray(np.clip(gain * tone * syllables, -1, 1))


def save_wav(path: Path, signal: np.ndarray, rate: int = 44100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((signal * 32767).astype("<i2").tobytes())
    return path


def save_mp3(path: Path, signal: np.ndarray, rate: int = 44100) -> Path:
    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_bit_rate(64)
    encoder.set_quality(5)
    pcm = (signal * 32767).astype("<i2").tobytes()
    path.write_bytes(bytes(encoder.encode(pcm) + encoder.flush()))
    return path


def script(root: Path, run: Run, language: str = "km", slug: str = SLUG) -> list[dict[str, str]]:
    result = run(root, "record", language, "--no-pdf")
    assert result.exit_code == 0, result.output
    segments: list[dict[str, str]] = json.loads((root / f"build/record/{language}/{slug}.json").read_text())[
        "segments"
    ]
    return segments


def record_all(root: Path, segments: list[dict[str, str]]) -> None:
    for segment in segments:
        save_wav(root / segment["file"], speech_like())


def build(root: Path, run: Run, language: str = "km") -> Result:
    result = run(
        root, "build", "--format", "audio", "--format", "html", "--format", "report", "--lang", language
    )
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def root(make_project: Callable[[str], Path]) -> Path:
    return make_project("recordings")


def test_each_kind_of_unusable_recording_is_told_apart_and_a_clipped_one_flagged(tmp_path: Path) -> None:
    from pipeline.speech.narration import audit_recording

    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    damaged = tmp_path / "damaged.wav"
    damaged.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(300))  # a header cut short
    blip = save_wav(tmp_path / "blip.wav", speech_like(0.05))
    silent = save_wav(tmp_path / "silent.wav", speech_like() * 0)
    clipped = save_wav(tmp_path / "clipped.wav", np.clip(speech_like() * 31.6, -1, 1))
    good = save_mp3(tmp_path / "good.mp3", speech_like())
    assert audit_recording(empty)[0].startswith("the file is empty (0 bytes)")
    assert audit_recording(damaged)[0].startswith("cannot be read as WAV")
    assert audit_recording(blip)[0].startswith("only 0.05 s long")
    assert audit_recording(silent)[0].startswith("it is silent")
    assert audit_recording(clipped)[0] == "" and audit_recording(clipped)[1].startswith("clipped (")
    assert audit_recording(good) == ("", "")


@pytest.mark.parametrize(
    "name",
    [
        "u-3f9a1c2b (1).wav",
        "U-3F9A1C2B.WAV",
        "u-3f9a1c2b.wav.wav",
        "u-3f9a1c2b (1).mp3.wav",
        "u-3f9a1c2b.m4a",
    ],
)
def test_a_misnamed_recording_is_matched_to_the_segment_it_was_meant_for(name: str) -> None:
    """A copy mark, upper case, or an extension typed where the phone or Windows adds its own."""
    from pipeline.speech.narration import probable_id

    assert probable_id(Path(name), {"u-3f9a1c2b": object()}) == "u-3f9a1c2b"


@pytest.mark.slow  # builds audio guides
def test_a_folder_with_every_kind_of_bad_file_is_named_in_one_build_and_the_good_ones_are_used(
    root: Path, run: Run
) -> None:
    segments = script(root, run)
    record_all(root, segments)
    folder = root / "recordings/km" / SLUG
    files = [root / s["file"] for s in segments]
    files[0].write_bytes(b"")
    files[1].write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(300))
    files[2].rename(folder / f"{files[2].stem} (1).wav")
    files[3].rename(folder / f"{files[3].stem.upper()}.WAV")
    files[4].rename(root / "recordings/km" / files[4].name)
    save_wav(files[5], np.clip(speech_like() * 31.6, -1, 1))  # +30 dB: clipped, still used
    files[6].unlink()
    save_mp3(files[6].with_suffix(".mp3"), speech_like())  # any format a phone saves in
    save_wav(root / "recordings/km/short-giude" / files[7].name, speech_like())  # a misspelled folder
    save_wav(root / "recordings/km/take 1.wav", speech_like())
    save_mp3(files[8].with_suffix(".mp3"), speech_like())  # a second take beside the first
    result = build(root, run)
    out = result.output
    assert re.search(r"km\s+audio\s+skipped\s+short-guide .*: 6 of 11 segments recorded \(2 unusable\)", out)
    assert f"recordings/km/{SLUG}/{files[0].name}: the file is empty (0 bytes)" in out
    assert f"recordings/km/{SLUG}/{files[1].name}: cannot be read as WAV" in out
    assert f"{files[2].stem} (1).wav: not used: did you mean {files[2].name}? Rename it" in out
    assert f"{files[3].stem.upper()}.WAV: not used: did you mean {files[3].name}?" in out
    assert (
        f"recordings/km/{files[4].name}: not used: wrong folder: move it to recordings/km/{SLUG}/{files[4].name}"
        in out
    )
    assert f"{files[5].name}: clipped (" in out
    assert f"{files[8].stem}.mp3: not used: {files[8].name} is used for this segment" in out
    assert "failed to decode" not in out and "(voice )" not in out
    status = run(root, "status").output
    assert "km       recordings only, narrated by Sokha Chan; 6 of 18 segments recorded, 2 unusable" in status
    assert f"{files[2].stem} (1).wav: not used: did you mean {files[2].name}?" in status
    assert f"{files[0].name}: the file is empty (0 bytes)" in status
    assert "recordings/km/short-giude/: not used: no article is named short-giude (did you mean" in status
    assert "recordings/km/take 1.wav: not used: save it as recordings/km/<article>/<segment id>.wav" in status
    record = run(root, "record", "km", "--no-pdf").output  # the narrator hears it too, all at once
    assert (
        f"{files[1].name}: cannot be read as WAV" in record and f"{files[2].stem} (1).wav: not used" in record
    )
    problems = json.loads((root / "build/record/km/short-guide.json").read_text())["problems"]
    empty = {"file": f"recordings/km/{SLUG}/{files[0].name}", "message": "the file is empty (0 bytes): "}
    assert any(p["file"] == empty["file"] and p["message"].startswith(empty["message"]) for p in problems)
    report = (root / "build/site/report.html").read_text()  # from the files' headers: not decoded again
    assert "recordings only, narrated by Sokha Chan; 6 of 18 segments recorded, 2 unusable" in report

    # The narrator fixes every file the build named: the guide is published, clipped take and MP3 included.
    for index in (0, 1):
        save_wav(files[index], speech_like())
    (folder / f"{files[2].stem} (1).wav").rename(files[2])
    (folder / f"{files[3].stem.upper()}.WAV").rename(files[3])
    (root / "recordings/km" / files[4].name).rename(files[4])
    shutil.rmtree(root / "recordings/km/short-giude")
    files[8].with_suffix(".mp3").unlink()
    (root / "recordings/km/take 1.wav").unlink()
    out = build(root, run).output
    assert re.search(r"km\s+audio\s+built\s+short-guide .*: 11 of 11 segments recorded", out)
    assert "not used" not in out and f"{files[5].name}: clipped (" in out
    cues = (root / "build/site/km/short-guide.vtt").read_text()
    assert all(s["id"] in cues for s in segments)


def translate(root: Path, old: str, new: str) -> None:
    po = root / "locales/km/LC_MESSAGES/short-guide.po"
    text = po.read_text()
    assert f'msgstr "{old}"' in text
    po.write_text(text.replace(f'msgstr "{old}"', f'msgstr "{new}"'))


@pytest.mark.slow  # builds audio guides
def test_a_translation_fix_names_each_stale_recording_with_its_new_text_and_the_guide_taken_down(
    root: Path, run: Run
) -> None:
    segments = script(root, run)
    record_all(root, segments)
    assert re.search(r"km\s+audio\s+built\s+short-guide", build(root, run).output)
    mp3 = root / "build/site/km/short-guide.mp3"
    assert mp3.is_file()
    by_text = {s["text"]: s for s in segments}
    paragraph = by_text["IOP ជួបគ្នាពីរបីម៉ោងក្នុងមួយថ្ងៃ។"]
    heading = by_text["ការទទួលជំនួយ"]
    translate(root, "IOP ជួបគ្នាពីរបីម៉ោងក្នុងមួយថ្ងៃ។", "IOP ជួបគ្នាបីម៉ោងក្នុងមួយថ្ងៃ។")  # one word: its id changes
    translate(root, "ការទទួលជំនួយ", "ការស្វែងរកជំនួយ")  # a heading keeps its id: stale
    out = build(root, run).output
    assert not mp3.exists()
    assert re.search(
        r"km\s+audio\s+skipped\s+short-guide .*: 9 of 11 segments recorded \(1 stale: the text changed since\): "
        r"the published guide is TAKEN DOWN, .*; to restore it, record the 2 missing \(plainspoken record km",
        out,
    )
    new_ids = {s["text"]: s["id"] for s in script(root, run)}
    new_id = new_ids["IOP ជួបគ្នាបីម៉ោងក្នុងមួយថ្ងៃ។"]
    orphan = f"{paragraph['file']}: no segment has this id now (its words changed): record it again"
    assert (
        f"{orphan} from the new script: probably {new_id}.wav, which now reads “IOP ជួបគ្នាបីម៉ោងក្នុងមួយថ្ងៃ។”"
        in out
    )
    stale = (
        f"{heading['file']}: stale: the text changed since it was recorded; record it again: “ការស្វែងរកជំនួយ”"
    )
    assert stale in out
    (root / heading["file"]).touch()  # as a fresh checkout may date it: the same take, still stale
    status = run(root, "status").output
    assert "9 of 18 segments recorded, 1 stale" in status and orphan in status and stale in status

    # Recording the two again (a new take over the stale file) restores the guide.
    save_wav(root / heading["file"], speech_like(1.2))
    save_wav(root / "recordings/km" / SLUG / f"{new_id}.wav", speech_like())
    out = build(root, run).output
    assert re.search(r"km\s+audio\s+built\s+short-guide .*: 11 of 11 segments recorded", out)
    assert mp3.is_file() and "stale" not in out


@pytest.mark.slow  # builds audio guides
def test_recordings_with_no_narrator_named_say_what_to_add_to_site_toml(root: Path, run: Run) -> None:
    record_all(root, script(root, run))
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text().replace('[voices.km]\nnarrator = "Sokha Chan"\n', ""))
    out = build(root, run).output
    line = (
        "recordings/km/ holds 11 recordings, but no narrator is named: to use them, add to source/site.toml "
        'the lines [voices.km] and narrator = "<the narrator\'s name>"'
    )
    assert re.search(r"km\s+audio\s+skipped\s+short-guide .*: espeak-ng has no .*; " + re.escape(line), out)
    assert "km       no audio: " in run(root, "status").output
    assert line in run(root, "status").output


def test_the_narrators_script_leaves_out_what_is_not_translated_and_says_so(root: Path, run: Run) -> None:
    result = run(root, "record", "km", "--no-pdf")
    assert (
        "naloxone-basics: 0 of 7 segments recorded; 3 segments not translated into km yet are left out"
        in (result.output)
    )
    assert "short-guide: 0 of 11 segments recorded\n" in result.output
    data = json.loads((root / "build/record/km/naloxone-basics.json").read_text())
    english = [s["text"] for s in data["segments"] if s["status"] == "untranslated"]
    assert english == [
        "Naloxone basics",
        "Naloxone can reverse an opioid overdose.",
        "Keep naloxone where you can reach it.",
    ]
    html = (root / "build/record/km/naloxone-basics.html").read_text()
    assert "Naloxone can reverse" not in html and "Keep naloxone" not in html
    assert "3 segments are not translated into Khmer yet and are left out of this script" in html
    assert "ចំណុច" in html  # the interface words (key points, help) are translated: they are read


def test_a_crisis_note_not_translated_yet_is_left_out_of_the_narrators_script(root: Path, run: Run) -> None:
    """The line's translated name is read; its new English note is not for a Khmer narrator."""
    line = '\n[[crisis_lines]]\nid = "lifeline"\nname = "988 Lifeline"\nphone = "988"\nnote = "Free, any time."\n'
    site = root / "source/site.toml"
    shown_none = site.read_text(encoding="utf-8").replace("crisis_lines = []", "")  # the root shows none
    site.write_text(shown_none + line, encoding="utf-8")
    ui = root / "locales/km/LC_MESSAGES/ui.po"
    ui.write_text(
        ui.read_text(encoding="utf-8") + '\nmsgid "988 Lifeline"\nmsgstr "ខ្សែជំនួយ 988"\n', encoding="utf-8"
    )
    status = {s["text"]: s["status"] for s in script(root, run)}
    assert status["Free, any time."] == "untranslated"
    assert any(text.startswith("ខ្សែជំនួយ 988") and state == "missing" for text, state in status.items())


@pytest.mark.slow  # builds audio guides
def test_a_voiced_languages_summary_and_status_count_its_recordings(root: Path, run: Run) -> None:
    segments = script(root, run, "es", "naloxone-basics")
    for segment in segments[-2:]:
        save_wav(root / segment["file"], speech_like())
    out = build(root, run, "es").output
    assert re.search(
        r"es\s+audio\s+built\s+naloxone-basics .*: 2 of 7 segments recorded, 3 messages in English", out
    )
    assert "es       espeak-ng es-419; 2 of 18 segments recorded" in run(root, "status").output


@pytest.mark.slow  # builds audio guides
def test_only_the_guides_own_task_notes_a_recordings_words_and_atomically(root: Path, run: Run) -> None:
    """The shares that speak a guide ahead read the recordings folder; they never write into it."""
    from pipeline.builders.audio import AudioBuilder

    segments = script(root, run, "es")
    folder = root / "recordings/es" / SLUG
    shutil.rmtree(folder, ignore_errors=True)
    for segment in segments[:3]:
        save_wav(root / segment["file"], speech_like())
    project = load_project(root)
    staged = dataclasses.replace(project, site_override=root / "build/.staging/site")
    article, _ = prepare_article(staged, SLUG, "es")
    for index in range(2):
        AudioBuilder(staged).write_share(article, index, 2)
    assert sorted(p.suffix for p in folder.iterdir()) == [".wav"] * 3
    build(root, run, "es")
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".txt") == sorted(
        f"{s['id']}.txt" for s in segments[:3]
    )
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_the_narrators_script_pdf_reads_its_english_instructions_in_english(root: Path, run: Run) -> None:
    """The Khmer script's instructions are tagged /Lang en, so they are not read with a Khmer voice (#22)."""
    from pipeline.builders.pdf_audit import text_by_language

    result = run(root, "record", "km")
    assert result.exit_code == 0, result.output
    voices = text_by_language(root / f"build/record/km/{SLUG}.pdf")
    english, khmer = " ".join(voices["en"].split()), voices["km"]
    assert "Narrator's script for Khmer" in english and "Narrator's script" not in khmer
    assert re.search("[\u1780-\u17ff]", khmer) and not re.search("[\u1780-\u17ff]", english)


def test_a_recording_that_is_a_link_to_nothing_is_named_and_its_segment_left_to_the_voice(
    root: Path, run: Run
) -> None:
    """A narrator's takes linked from a folder that has since moved: the segment is not recorded
    (the status and the guide say so), and the link is named with what it points to."""
    segments = script(root, run)
    record_all(root, segments)
    recorded, total = map(int, re.findall(r"; (\d+) of (\d+) segments recorded", run(root, "status").output)[0])
    taken = root / segments[0]["file"]
    taken.unlink()
    taken.symlink_to(root.parent / "moved-takes" / taken.name)
    status = run(root, "status")
    assert "Traceback" not in status.output
    assert f"{taken.name}: not used: a link to {root.parent / 'moved-takes' / taken.name}, which does not exist" in (
        status.output
    )
    assert f"; {recorded - 1} of {total} segments recorded" in status.output
    built = run(root, "build", "--format", "audio", "--lang", "km")  # the guide's job, in a worker's copy
    assert "Traceback" not in built.output
    assert f"{taken.name}: not used: a link to {root.parent / 'moved-takes' / taken.name}" in built.output, built.output
