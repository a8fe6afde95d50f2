"""Piper's decoder run over a long sentence in pieces: a worker's memory no longer grows with the sentence.

A Piper (VITS) model turns a sentence into latent frames (text encoder, durations, flow: 50 MiB for
430 phonemes), then its HiFi-GAN decoder turns each frame into samples (256 for joe medium), and ONNX
Runtime holds the decoder's layers for the whole sentence at once: about 22 MiB per second of audio.
At load time, in memory (never the user's file), the model that piper_noise made repeatable is cut at
the decoder's input, the first input of its node `DECODER_START` (every Piper voice is exported so).
`ChunkedSession` runs the first part once per sentence, then the decoder over pieces of at most
`PIECE_FRAMES` frames, each with `reach` more frames on both sides (how far a sample depends on the
frames around it, measured on the decoder itself at load), and keeps each piece's middle samples: the
whole decode's, up to float rounding. A sentence of one piece is decoded whole. Both noise nodes are
before the cut: the noise is unchanged.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.speech.engine import SpeechError
from pipeline.speech.piper_noise import NOISE_SIZE

if TYPE_CHECKING:  # numpy is imported where speech is made: the speech cache's key needs only DECODING
    import numpy as np

    from pipeline.speech.piper_noise import RepeatableSession

#: The node that starts the decoder in Piper's VITS export; its first input is the latent frames.
DECODER_START = "/dec/conv_pre/Conv"
#: Latent frames a piece gives samples for: 192 are 2.2 s of joe medium's audio, 52 MiB to decode
#: (256: 75 MiB); their margins cost 1.4-3.3 % more CPU on the sample article than whole sentences.
PIECE_FRAMES = 192
#: What decides the samples, named in the speech cache's key: change it when the decoding changes.
DECODING = f"piper-decoder=v1 pieces of {PIECE_FRAMES} latent frames, margins of the measured reach + 1"
#: Frames of the first probe for the reach, and of the longest (joe's reach is 11 frames).
PROBE_FRAMES = 32
LONGEST_PROBE = 1024


@dataclass(frozen=True)
class Split:
    """A Piper model's decoder, cut at its input: its bytes, the names that join it to the first part,
    the model's outputs (those piper-tts asks for) and the latent frames' channels and type."""

    decoder: bytes
    latent: str
    audio: str
    outputs: tuple[str, ...]
    channels: int
    dtype: str


def split_model(proto: Any, name: str) -> tuple[bytearray, Split]:
    """Cut the onnx ModelProto of ``name`` at its decoder's input: the first part's bytes (``proto``
    is taken apart to make them), and the decoder."""
    from onnx import helper

    graph = proto.graph
    weights = {tensor.name: tensor for tensor in graph.initializer}
    start = next((node for node in graph.node if node.name == DECODER_START), None)
    if start is None or len(start.input) < 2 or start.input[1] not in weights:
        raise SpeechError(f"the Piper model {name} has no decoder node {DECODER_START}: decoded whole")
    latent, weight = start.input[0], weights[start.input[1]]
    inside = _downstream(graph.node, latent)
    nodes = [node for index, node in enumerate(graph.node) if index in inside]
    made = {output for node in nodes for output in node.output}
    read = {tensor for node in nodes for tensor in node.input if tensor and tensor not in made}
    constants = [node for node in graph.node if node.op_type == "Constant" and node.output[0] in read]
    audio = [output for output in graph.output if output.name in made]
    if read - {latent} - set(weights) - {node.output[0] for node in constants} or len(audio) != 1:
        raise SpeechError(f"the Piper model {name}'s decoder is not cut as Piper exports it: decoded whole")
    latent_info = helper.make_tensor_value_info(latent, weight.data_type, None)
    used = sorted(read & set(weights))
    decoder = helper.make_graph(
        [*constants, *nodes], "piper decoder", [latent_info], audio, [weights[tensor] for tensor in used]
    )
    model = helper.make_model(decoder, opset_imports=proto.opset_import, ir_version=proto.ir_version)
    sound, noise = audio[0].name, NOISE_SIZE.format("")
    outputs = tuple(output.name for output in graph.output if not output.name.startswith(noise))
    _keep_head(graph, inside, set(used), latent_info, sound)
    dtype = helper.tensor_dtype_to_np_dtype(weight.data_type).name
    decoder_bytes = model.SerializeToString()
    return _encoded(proto), Split(decoder_bytes, latent, sound, outputs, weight.dims[1], dtype)


def _downstream(nodes: Sequence[Any], tensor: str) -> set[int]:
    """The indices of the nodes that read ``tensor``, or what they make (nodes in topological order)."""
    reached, inside = {tensor}, set()
    for index, node in enumerate(nodes):
        if any(name in reached for name in node.input):
            inside.add(index)
            reached.update(node.output)
    return inside


def _keep_head(graph: Any, inside: set[int], decoder_weights: set[str], latent_info: Any, audio: str) -> None:
    """Leave in ``graph`` only what comes before the decoder, the latent frames its output for the audio."""
    kept = [node for index, node in enumerate(graph.node) if index not in inside]
    del graph.node[:]
    graph.node.extend(kept)
    unused = decoder_weights - {tensor for node in graph.node for tensor in node.input}
    for index in reversed(range(len(graph.initializer))):  # in place: the weights are not copied
        if graph.initializer[index].name in unused:
            del graph.initializer[index]
    for output in graph.output:
        if output.name == audio:
            output.CopyFrom(latent_info)


def _encoded(proto: Any) -> bytearray:
    """The bytes of ``proto`` (taken apart): its weights are encoded one at a time, not held twice.

    SerializeToString encodes the whole model, then copies it into bytes: 63 MiB more at the peak of
    a worker's life for joe. A message's fields may come in any order, a repeated field's items as
    separate fields: the weights are the graph's field 5, the graph the model's field 7.
    """
    graph, encoded = proto.graph, bytearray()
    for tensor in graph.initializer:
        weight = tensor.SerializeToString()
        encoded += _field(5, len(weight))
        encoded += weight
    del graph.initializer[:]
    rest = graph.SerializeToString()
    size = len(rest) + len(encoded)
    proto.ClearField("graph")
    encoded[0:0] = proto.SerializeToString() + _field(7, size) + rest
    return encoded


def _field(number: int, size: int) -> bytes:
    """The key and length of a length-delimited protobuf field (wire type 2) of ``size`` bytes."""
    return _varint(number << 3 | 2) + _varint(size)


def _varint(number: int) -> bytes:
    """``number`` as a protobuf base-128 varint."""
    encoded = bytearray()
    while number > 0x7F:
        encoded.append(number & 0x7F | 0x80)
        number >>= 7
    encoded.append(number)
    return bytes(encoded)


@dataclass(frozen=True)
class ChunkedSession:
    """A split Piper model, run as piper-tts runs its session: the decoder over the latent in pieces."""

    head: RepeatableSession
    decoder: Any
    latent: str
    audio: str
    outputs: tuple[str, ...]
    hop: int
    reach: int

    def run(self, output_names: Sequence[str] | None, feeds: Any, run_options: Any = None) -> list[Any]:
        wanted = list(output_names or self.outputs)
        asked = [self.latent if name == self.audio else name for name in wanted]
        made = zip(wanted, self.head.run(asked, feeds, run_options), strict=True)
        return [self.decode(got) if name == self.audio else got for name, got in made]

    def decode(self, latent: np.ndarray) -> np.ndarray:
        """The samples of ``latent`` (batch, channels, frames), decoded in pieces of equal length."""
        import numpy as np

        frames = int(latent.shape[-1])
        count = max(1, math.ceil(frames / PIECE_FRAMES))
        bounds = [frames * index // count for index in range(count + 1)]
        pieces = [self._piece(latent, start, end) for start, end in itertools.pairwise(bounds)]
        return pieces[0] if count == 1 else np.concatenate(pieces, axis=-1)

    def _piece(self, latent: np.ndarray, start: int, end: int) -> np.ndarray:
        """The samples of frames ``start`` to ``end``, decoded with ``reach`` frames more on each side."""
        import numpy as np

        first, last = max(0, start - self.reach), min(int(latent.shape[-1]), end + self.reach)
        piece = np.ascontiguousarray(latent[..., first:last])
        audio: np.ndarray = self.decoder.run([self.audio], {self.latent: piece})[0]
        return audio[..., (start - first) * self.hop : (end - first) * self.hop]


def chunked_session(head: RepeatableSession, decoder: Any, split: Split) -> ChunkedSession:
    """The session of a split model, its decoder's hop and reach measured."""
    hop, reach = measure(decoder, split)
    return ChunkedSession(head, decoder, split.latent, split.audio, split.outputs, hop, reach)


def measure(decoder: Any, split: Split) -> tuple[int, int]:
    """The decoder's samples per latent frame, and how many frames on each side a sample depends on.

    One frame in the middle of silent frames is changed: the samples that change with it show the reach
    (plus a frame, in case the farthest changed by too little to show in float32).
    """
    import numpy as np

    frames = PROBE_FRAMES
    while frames <= LONGEST_PROBE:
        quiet = np.zeros((1, split.channels, frames), dtype=split.dtype)
        bumped = quiet.copy()
        bumped[..., frames // 2] = 1
        before, after = (_decoded(decoder, split, latent) for latent in (quiet, bumped))
        hop, rest = divmod(before.size, frames)
        changed = np.flatnonzero(before != after)
        if rest or not changed.size:
            raise SpeechError(f"the Piper decoder gave {before.size} samples for {frames} frames")
        if changed[0] > 0 and changed[-1] < before.size - 1:
            centre = frames // 2 * hop
            spread = max(centre - int(changed[0]), int(changed[-1]) - (centre + hop - 1))
            return hop, math.ceil(spread / hop) + 1
        frames *= 2
    raise SpeechError(f"the Piper decoder reaches over {LONGEST_PROBE // 2} frames: decoded whole")


def _decoded(decoder: Any, split: Split, latent: np.ndarray) -> np.ndarray:
    """The samples of ``latent`` decoded whole, flat."""
    try:
        audio: np.ndarray = decoder.run([split.audio], {split.latent: latent})[0]
    except Exception as error:  # ONNX Runtime raises its own exception types
        raise SpeechError(f"the Piper decoder cannot run alone: {error}") from None
    return audio.ravel()
