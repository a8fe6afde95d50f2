"""Audio guides: speech script (golden), real espeak-ng through pyttsx3, MP3, chapters, captions."""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPO, ROOTS, golden

from pipeline.audio.mixing import trim
from pipeline.audio.vtt import Cue, render_vtt
from pipeline.cli import main
from pipeline.render.speech import PAUSE_SECTION, render_speech, spoken_digits
from pipeline.source.parse import parse_article
from pipeline.source.project import load_project
from pipeline.speech.engine import SpeechError, SpeechWorker
from pipeline.speech.lexicon import load_lexicon

SLUG = "choosing-care"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
needs_mpg123 = pytest.mark.skipif(shutil.which("mpg123") is None, reason="mpg123 not installed")


def build(root: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["-C", str(root), "build", *args], catch_exceptions=False)


# --- the speech script (pure) ---------------------------------------------------------


def basic_script(language: str = "en") -> Any:
    project = load_project(ROOTS / "basic")
    path = ROOTS / "basic/source/every-node.md"
    doc = parse_article(path.read_text(), path="source/every-node.md", slug="every-node")
    lexicon = load_lexicon(ROOTS / f"basic/locales/{language}/pronunciation.toml", display="p.toml")
    config = project.config
    return render_speech(doc, facts=config.facts(), lexicon=lexicon, gettext=lambda s: s, config=config)


def test_speech_script_golden() -> None:
    golden("every-node.speech.txt", basic_script().to_text())


def test_speech_script_reads_like_a_person_would() -> None:
    script = basic_script()
    texts = [s.spoken for s in script.segments]
    assert texts[0] == "Every node type"
    assert "Key points" in texts
    assert "Call 6 2 6, 5 5 5, 0 1 0 0 today." in texts  # phone in digit groups
    assert "I O P. Cost: Lower." in texts  # tables row by row with their headers
    assert "Residential. Cost: Higher." in texts
    assert not any("https://" in t or "](" in t for t in texts)  # links by their text
    assert any(t.startswith("An opening paragraph with emphasis, strong text, a link,") for t in texts)
    chapters = [s.chapter for s in script.segments if s.chapter]
    assert chapters == ["Every node type", "Key points", "A section heading", "Need help now?"]
    assert next(s.pause_ms for s in script.segments) == PAUSE_SECTION
    captions = [s.text for s in script.segments]
    assert "Call (626) 555-0100 today." in captions  # captions show what is written
    assert "IOP. Cost: Lower." in captions


def test_lexicon_applies_whole_words_only() -> None:
    script = basic_script()
    spoken = " ".join(s.spoken for s in script.segments)
    assert "I O P" in spoken and "IOP" not in spoken


@pytest.mark.parametrize(
    ("phone", "spoken"),
    [
        ("(626) 555-0142", "6 2 6, 5 5 5, 0 1 4 2"),
        ("988", "9 8 8"),
        ("1-800-662-4357", "1, 8 0 0, 6 6 2, 4 3 5 7"),
    ],
)
def test_phone_numbers_are_read_in_digit_groups(phone: str, spoken: str) -> None:
    assert spoken_digits(phone) == spoken


def test_vtt_round_trip_and_escaping() -> None:
    cues = [Cue("u0", 0.0, 1.5, "Fish & <chips> --> more"), Cue("cost", 2.0, 3.25, "Costo")]
    text = render_vtt(cues)
    assert text.startswith("WEBVTT\n\nu0\n00:00:00.000 --> 00:00:01.500\nFish &amp; &lt;chips&gt; --&gt; more")
    parsed = read_cues(text)
    assert [(c.id, c.start, c.end) for c in parsed] == [("u0", 0.0, 1.5), ("cost", 2.0, 3.25)]


def read_cues(text: str) -> list[Cue]:
    """A WebVTT file's cues, read by webvtt-py (the pipeline never reads its captions back)."""
    import webvtt

    def seconds(stamp: str) -> float:
        hours, minutes, secs = stamp.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(secs)

    return [
        Cue(c.identifier or "", seconds(c.start), seconds(c.end), html.unescape(c.text))  # &amp; → &
        for c in webvtt.from_string(text)
    ]


def test_trim_cuts_the_silence_around_speech() -> None:
    rate = 22050
    loud = (np.sin(2 * np.pi * 220 * np.arange(rate) / rate) * 30000).astype(np.int16)
    padded = np.concatenate([np.zeros(rate, np.int16), loud, np.zeros(rate, np.int16)])
    assert len(trim(padded, rate)) < len(loud) + rate * 0.1


@pytest.mark.timeout(120)  # the engine sleeps an hour: without the limit the test fails here
def test_a_hanging_engine_fails_that_file_within_the_time_limit() -> None:
    with (
        pytest.raises(SpeechError, match="took over 1 s"),
        SpeechWorker("en-us", timeout=1, engine="fake_engines:HangingEngine") as worker,
    ):
        worker.speak("hello")
    assert not worker.process.is_alive()


def test_a_crashing_engine_is_reported_not_fatal() -> None:
    with (
        pytest.raises(SpeechError, match="stopped"),
        SpeechWorker("en-us", timeout=10, engine="fake_engines:CrashingEngine") as worker,
    ):
        worker.speak("hello")


# --- real espeak-ng -----------------------------------------------------------------


@needs_espeak
@pytest.mark.parametrize("voice", ["km", "tl", "zz-nonexistent"])
def test_a_missing_voice_never_falls_back_to_english(voice: str) -> None:
    before = set(_speech_folders(os.getpid()))
    with pytest.raises(SpeechError, match="no voice"), SpeechWorker(voice, timeout=30):
        pass
    assert set(_speech_folders(os.getpid())) <= before  # the engine that refused is gone, folder and all


def _speech_folders(*owners: int) -> list[Path]:
    """This machine's speech folders made by ``owners`` (by any process that is gone, without any):
    other builds running at the same time on the machine keep theirs."""
    from pipeline.speech.engine import _alive, _memory_folder

    found = []
    for folder in Path(_memory_folder() or tempfile.gettempdir()).glob("plainspoken-speech-*"):
        match = re.match(r"plainspoken-speech-(\d+)-", folder.name)
        if match and (int(match.group(1)) in owners if owners else not _alive(int(match.group(1)))):
            found.append(folder)
    return found


@needs_espeak
def test_the_voice_in_use_is_the_one_asked_for() -> None:
    with SpeechWorker("es-419", timeout=30) as worker:
        assert worker.voice_in_use == "roa/es-419"
        speech = worker.speak("Hola.")
    assert speech.rate == 22050 and len(speech.pcm) > 10_000


@needs_espeak
def test_one_engine_speaks_many_texts_and_is_not_reused_after_a_file_left_half_done() -> None:
    texts = ["Uno.", "Dos, tres.", "Cuatro, cinco, seis.", "Siete.", "Ocho."]
    with SpeechWorker("es-419", timeout=30) as worker:
        one_by_one = [len(worker.speak(text).pcm) for text in texts]  # the engine stays open
        ahead = [len(speech.pcm) for speech in worker.speak_all(texts)]
        assert all(abs(a - b) < 0.1 * b for a, b in zip(ahead, one_by_one, strict=True))  # in order
        assert one_by_one[2] > 2 * one_by_one[0]
        spoken = worker.speak_all(texts)
        next(spoken)
        spoken.close()  # answers to the texts sent ahead are still on their way
        assert not worker.alive()


_CALLER_INTERRUPTED_THEN_KILLED = """
import os, signal, sys
from pipeline.speech.engine import SpeechWorker
if __name__ == "__main__":
    worker = SpeechWorker("en-us", timeout=30).__enter__()
    os.kill(worker.process.pid, signal.SIGINT)  # Ctrl-C reaches every process of the terminal's group
    print(len(worker.speak("Still here.").pcm) > 0, flush=True)
    for _ in range(3):
        worker.conn.send(("say", "A long sentence the engine is still speaking when its caller dies."))
    os._exit(0)  # the build's worker killed (its pool stopped after Ctrl-C) with texts in flight
"""


@needs_espeak
def test_ctrl_c_and_a_killed_caller_leave_the_engine_silent(tmp_path: Path) -> None:
    """Ctrl-C is the build's to handle: an engine process goes on until its caller closes it, and
    ends without a word when the caller is gone (two tracebacks under "Interrupted" before)."""
    script = tmp_path / "caller.py"
    script.write_text(_CALLER_INTERRUPTED_THEN_KILLED, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=120
    )  # returns once the engine and its server have closed their end of stderr too
    assert done.stdout.strip() == "True", done.stdout + done.stderr
    assert done.stderr == ""


@pytest.fixture(scope="module")
def audio_site(full_site: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    return full_site


def decode(mp3: Path, tmp: Path) -> tuple[Any, int]:
    wav = tmp / (mp3.stem + ".wav")
    subprocess.run(["mpg123", "-q", "-w", str(wav), str(mp3)], check=True)
    with wave.open(str(wav)) as handle:
        rate = handle.getframerate()
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    return samples, rate


@needs_mpg123
@pytest.mark.parametrize("lang", ["en", "es"])
def test_mp3_decodes_to_the_length_of_its_segments(audio_site: Path, lang: str, tmp_path: Path) -> None:
    from pipeline.builders.audio import AudioBuilder
    from pipeline.engine.tasks import translate_language
    from pipeline.source.articles import load_sources

    project = load_project(audio_site)
    (article,) = translate_language(project, lang, load_sources(project).documents)[0]
    script = AudioBuilder(project).script(article)
    cues = read_cues((audio_site / f"build/site/{lang}/{SLUG}.vtt").read_text())
    assert [c.id for c in cues] == [s.anchor for s in script.segments]
    pauses = sum(s.pause_ms for s in script.segments[:-1]) / 1000  # between segments, none after the last
    expected = sum(c.end - c.start for c in cues) + pauses
    samples, rate = decode(audio_site / f"build/site/{lang}/{SLUG}.mp3", tmp_path)
    assert abs(len(samples) / rate - expected) / expected < 0.01
    assert abs(len(samples) / rate - cues[-1].end) < 0.2  # the file ends with the last caption
    assert np.max(np.abs(samples.astype(np.int32))) < 32767
    # No silence longer than the longest pause intended (plus a little for word gaps).
    loud = np.abs(samples.astype(np.int32)) > 0.01 * 32767
    edges = np.flatnonzero(np.diff(loud.astype(np.int8)) != 0)
    longest = max(np.diff(edges)[1::2], default=0) / rate if edges.size > 2 else 0
    assert longest <= PAUSE_SECTION / 1000 + 0.35


@needs_mpg123
@pytest.mark.parametrize("lang", ["en", "es"])
def test_built_guide_is_at_broadcast_level(audio_site: Path, lang: str) -> None:
    """The whole guide, as built and decoded: -16 LUFS (within 1 LU), true peak at most -1 dBTP."""
    from audio_reference import decode as decode_floats
    from audio_reference import integrated_lufs, true_peak_dbtp

    samples, rate = decode_floats(audio_site / f"build/site/{lang}/{SLUG}.mp3")
    assert abs(integrated_lufs(samples, rate) - -16.0) <= 1.0
    assert true_peak_dbtp(samples) <= -1.0


def test_stated_length_is_the_length_players_show(audio_site: Path) -> None:
    """The download link's length is the decoded file's, rounded to the nearest second (#13: it was
    the last caption's end, a second short when the guide ended with a pause)."""
    from mutagen.mp3 import MP3

    for lang in ("en", "es"):
        html = (audio_site / f"build/site/{lang}/{SLUG}.html").read_text()
        minutes, seconds = re.search(r"\(MP3, [^,]+(?:,\d)? MB, (\d+) min (\d+) s(?:ec)?\)", html).groups()
        length = MP3(str(audio_site / f"build/site/{lang}/{SLUG}.mp3")).info.length
        assert abs(int(minutes) * 60 + int(seconds) - length) <= 0.5 + 0.1, (lang, minutes, seconds, length)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_mp3_tags_and_chapters(audio_site: Path, lang: str) -> None:
    from mutagen.mp3 import MP3

    mp3 = MP3(str(audio_site / f"build/site/{lang}/{SLUG}.mp3"))
    assert mp3.info.channels == 1 and mp3.info.bitrate <= 64_000
    tags = mp3.tags
    assert str(tags["TLAN"]) == {"en": "eng", "es": "spa"}[lang]
    assert str(tags["TPE1"]) == "Arroyo Seco Recovery Center" and str(tags["TDRC"]) == "2026"
    assert str(tags["TIT2"]).startswith("IOP")
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    titles = [str(c.sub_frames["TIT2"]) for c in chapters]
    html = (audio_site / f"build/site/{lang}/{SLUG}.html").read_text()
    headings = [
        re.sub(r"<[^>]+>", "", h)
        for h in re.findall(r'<h2 id="(?!key-points|listen|help|formats-title)[^"]+"[^>]*>(.*?)</h2>', html)
    ]
    assert titles[0] == str(tags["TIT2"]) and titles[2:-1] == headings
    assert titles[-1] == {"en": "Need help now?", "es": "¿Necesita ayuda ahora?"}[lang]  # as the page ends
    toc = tags.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chapters]
    assert all(a.end_time == b.start_time for a, b in itertools.pairwise(chapters))


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_vtt_parses_and_cues_cover_the_audio_in_order(audio_site: Path) -> None:
    import webvtt

    from pipeline.model import iter_units
    from pipeline.source.parse import parse_article

    source = audio_site / f"source/{SLUG}.md"
    units = len(list(iter_units(parse_article(source.read_text(encoding="utf-8"), path="a.md", slug=SLUG))))
    for lang in ("en", "es"):
        captions = webvtt.read(str(audio_site / f"build/site/{lang}/{SLUG}.vtt"))
        times = [(_seconds(c.start), _seconds(c.end)) for c in captions]
        assert all(c.identifier for c in captions)
        assert len(times) >= units  # a cue for every sentence unit, not one for the whole guide
        assert all(start < end for start, end in times)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(times))
        assert times[0][0] == 0


def test_page_has_player_download_chapters_and_cues(audio_site: Path) -> None:
    html = (audio_site / f"build/site/es/{SLUG}.html").read_text()
    assert re.search(r'<audio controls preload="none" src="choosing-care.mp3">', html)
    assert "autoplay" not in html
    assert re.search(r"Descargar la guía en audio \(MP3, \d+,\d MB, \d+ min \d+ s\)", html)
    cues = json.loads(re.search(r'<script type="application/json" id="cues">(.*?)</script>', html).group(1))
    starts = {c["id"]: c["start"] for c in cues}
    for anchor, start in re.findall(r'<a href="#([^"]+)" data-start="([\d.]+)">', html):
        assert abs(starts[anchor] - float(start)) < 0.01
        assert f'id="{anchor}"' in html
    assert all(f'id="{c["id"]}"' in html for c in cues)  # every cue highlights an element


def test_language_without_a_voice_has_no_audio_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "basic"
    shutil.copytree(ROOTS / "basic", root)
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text().replace('languages = ["en", "es"]', 'languages = ["en", "km", "tl"]'))
    result = build(root, "--format", "audio", "--format", "html", "--lang", "km", "--lang", "tl")
    assert result.exit_code == 0, result.output
    assert re.search(
        r"km\s+audio\s+skipped\s+every-node \(\d+\.\d s\): espeak-ng has no Khmer voice", result.stdout
    )
    assert re.search(
        r"tl\s+audio\s+skipped\s+every-node \(\d+\.\d s\): espeak-ng has no Tagalog voice", result.stdout
    )
    assert not list((root / "build/site").rglob("*.mp3"))
    html = (root / "build/site/km/every-node.html").read_text()
    # In Khmer, from the interface translations Plainspoken ships (the root has no ui.po of its own).
    assert "មិន\u200bទាន់\u200bមាន\u200bការ\u200bណែនាំ\u200bជា\u200bសំឡេង" in html  # "No audio guide yet…"


@needs_espeak
def test_a_configured_voice_that_does_not_exist_fails_without_audio(tmp_path: Path) -> None:
    root = tmp_path / "basic"
    shutil.copytree(ROOTS / "basic", root)
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text() + '\n[voices]\nes = "es-xx"\n')
    # One Spanish message for the Spanish voice to say: the English parts have the English voice.
    ui = root / "locales/es/LC_MESSAGES/ui.po"
    ui.parent.mkdir(parents=True)
    ui.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\nLanguage: es\\n"\n\n'
        'msgid "Need help now?"\nmsgstr "¿Necesita ayuda ahora?"\n',
        encoding="utf-8",
    )
    result = build(root, "--format", "audio")
    assert result.exit_code == 1
    assert "build/site/es/every-node.mp3: espeak-ng has no voice 'es-xx' (voice es-xx)" in result.stderr
    assert re.search(r"en\s+audio\s+built", result.stdout)
    assert not (root / "build/site/es/every-node.mp3").exists()
    assert not list((root / "build/site/es").glob(".*")) if (root / "build/site/es").exists() else True


@pytest.mark.slow
@needs_espeak
def test_a_build_leaves_no_speech_folders_behind(tmp_path: Path) -> None:
    """Engine processes pass samples through folders in /dev/shm; every one goes at exit (a folder
    whose process is gone is one left behind)."""
    before = set(_speech_folders())
    for part in ("source", "locales"):
        shutil.copytree(ROOTS / "clinic" / part, tmp_path / part)
    command = [sys.executable, "-m", "pipeline.cli", "-C", str(tmp_path), "build", "-q", "--format", "audio"]
    subprocess.run([*command, "--lang", "es", "--lang", "ru"], cwd=REPO, check=True, capture_output=True)
    assert (tmp_path / "build/site/ru/choosing-care.mp3").exists()
    assert set(_speech_folders()) <= before


def test_speech_folders_of_dead_processes_are_removed_and_live_ones_stay(tmp_path: Path) -> None:
    from pipeline.speech.engine import remove_orphaned_folders

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its pid is gone
    folders = {
        "dead": tmp_path / f"plainspoken-speech-{dead.pid}-abc123",
        "mine": tmp_path / f"plainspoken-speech-{os.getpid()}-def456",
        "parent": tmp_path / f"plainspoken-speech-{os.getppid()}-ghi789",
        "old-version": tmp_path / "plainspoken-speech-k2j4h5g6",
        "old-version-today": tmp_path / "plainspoken-speech-z9y8x7w6",
        "not-ours": tmp_path / "something-else-1",
    }
    for folder in folders.values():
        folder.mkdir()
        (folder / "1.pcm").write_bytes(b"\0" * 10)
    two_days_ago = time.time() - 2 * 86400
    os.utime(folders["old-version"], (two_days_ago, two_days_ago))
    removed = remove_orphaned_folders(tmp_path)
    assert sorted(removed) == sorted([folders["dead"], folders["old-version"]])
    assert {name for name, folder in folders.items() if folder.exists()} == {
        "mine",
        "parent",
        "old-version-today",
        "not-ours",
    }


def test_the_next_build_removes_the_folder_a_killed_one_left() -> None:
    """A build killed mid-way never cleans up after itself; the next one to speak does."""
    make = "from pipeline.speech.engine import _make_folder; print(_make_folder())"
    left = Path(
        subprocess.run(
            [sys.executable, "-c", make], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    assert left.is_dir()  # its process is gone without cleaning up, as a killed build is
    after = Path(
        subprocess.run(
            [sys.executable, "-c", make], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    try:
        assert not left.exists()
    finally:
        shutil.rmtree(after, ignore_errors=True)
        shutil.rmtree(left, ignore_errors=True)


def test_a_guide_is_the_same_whatever_was_spoken_before_it_in_the_process(run, make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """espeak-ng's samples depend on what it spoke before (its pitch flutter runs on): a guide built
    after another one in the same process (a worker's second job, a preview server's rebuild, the
    one-worker build) must equal the same guide built first, as a cluster's worker builds it."""
    first = make_project("basic").rename(tmp_path / "first")
    second = make_project("basic")
    build = ("build", "--lang", "en", "--format", "audio", "-j", "1")
    assert run(first, *build).exit_code == 0
    assert run(second, *build).exit_code == 0
    for name in ("every-node.mp3", "every-node.cues.json"):
        assert (first / "build/site/en" / name).read_bytes() == (second / "build/site/en" / name).read_bytes()


def test_speech_engines_are_forked_from_one_clean_server(tmp_path: Path) -> None:
    """Every guide gets an engine process of its own. Spawned, each started a Python and imported
    the engine's module and the build's main module: 0.10 to 0.25 s a guide. They are now forked
    from one server process (not from the build's, whose lock they would hold)."""
    started = tmp_path / "started"
    main = tmp_path / "build_main.py"
    main.write_text(
        "import os\n"
        f"with open({str(started)!r}, 'a') as log:\n"
        "    log.write(f'{__name__} {os.getpid()} {os.getppid()}\\n')\n"
        "if __name__ == '__main__':\n"
        "    from pipeline.speech.engine import speech_worker\n"
        "    for _ in range(3):\n"
        "        with speech_worker('en-us') as engine:\n"
        "            assert next(engine.speak_all(['Hello.'])).pcm\n",
        encoding="utf-8",
    )
    subprocess.run([sys.executable, str(main)], cwd=REPO, check=True, timeout=120)
    (build, pid, _), *engines = (line.split() for line in started.read_text(encoding="utf-8").splitlines())
    assert build == "__main__" and len(engines) == 3  # an engine process for each guide
    assert len({parent for _, _, parent in engines}) == 1 and engines[0][2] != pid


def test_the_speech_engines_time_counts_among_the_process_children() -> None:
    """A build's worker process stops its fork server as it exits, and waits for it: the engines'
    CPU time then counts among the worker's children, as spawned engines' did (left to end by
    itself, the server was nobody's child any more, and a cold build's CPU time lost its speech)."""
    code = (
        "import resource\n"
        "from pipeline.speech.engine import close_idle_engines, speech_worker, stop_engine_server\n"
        "if __name__ == '__main__':\n"
        "    with speech_worker('en-us') as engine:\n"
        "        assert next(engine.speak_all(['Intensive outpatient programs meet a few days a week. ' * 20])).pcm\n"
        "    close_idle_engines()\n"
        "    stop_engine_server()\n"
        "    usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "    print(usage.ru_utime + usage.ru_stime)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert float(done.stdout) > 0.05, done.stdout
