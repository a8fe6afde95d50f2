"""How a guide's segments are dealt into shares for several jobs to speak (a property, Hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.audio.parts import share
from pipeline.render.speech import Segment


@given(st.lists(st.integers(min_value=1, max_value=400), max_size=60), st.integers(min_value=1, max_value=8))
def test_every_segment_is_in_one_share_in_order_and_shares_are_even(lengths: list[int], count: int) -> None:
    segments = [Segment(text="x" * n, spoken="x" * n, anchor=f"u-{i}") for i, n in enumerate(lengths)]
    shares = [share(segments, index, count) for index in range(count)]
    assert [s for part in shares for s in part] == segments  # each once, runs in reading order
    longest = max(lengths, default=0)
    for part in shares:  # no share holds more than its due and one segment more
        assert sum(len(s.spoken) for s in part) <= sum(lengths) / count + longest
