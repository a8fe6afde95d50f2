"""Piper's random noise made repeatable: a sentence's samples depend on what it says, not on the process.

A Piper (VITS) model draws normal noise inside its graph (RandomNormalLike nodes: the duration
predictor's and the decoder's), from a generator ONNX Runtime seeds per session from the clock and
that runs on from one sentence to the next. At load time, in memory (never the user's file), each
such node is replaced by a slice of a graph input that `RepeatableSession` fills with numpy from a
seed that is the hash of what the model is given (phoneme ids, scales, speaker): the same sentence
then has the same samples in any process and after anything else. A node's noise size is known only
as the model runs (the decoder's follows the predicted durations), so each node also reports the
size it took; a draw that was too short (tiled, so the run does not fail) is drawn again longer and
the sentence run again. Draws are prefixes of one stream, so the samples do not depend on the first
guess, which only saves a second run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.speech.engine import SpeechError

if TYPE_CHECKING:  # numpy is imported where speech is made: the speech cache's key needs only NOISE
    import numpy as np

#: What decides the noise, named in the speech cache's key: change it when the drawing changes.
NOISE = "piper-noise=v1 sha256(inputs) numpy-pcg64 standard_normal float32"
#: The graph input a noise node reads from, and the output that reports the size it took.
NOISE_INPUT = "plainspoken_noise_{}"
NOISE_SIZE = "plainspoken_noise_size_{}"
#: The first draw, in numbers per phoneme id: joe medium's decoder took 410 to 580 (192 channels × 2
#: to 3 frames per id), its duration predictor 2, so a second run is rare (3 ms for 150 ids).
FIRST_DRAW = 2048
#: Ops that draw random numbers: only RandomNormalLike can be made repeatable here.
RANDOM_OPS = frozenset(
    {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Bernoulli", "Multinomial"}
)


def repeatable_model(model: Path) -> tuple[bytes, int]:
    """The model's bytes with its noise read from inputs, and how many noise inputs it has."""
    proto, count = repeatable_graph(model)
    return proto.SerializeToString(), count


def repeatable_graph(model: Path) -> tuple[Any, int]:
    """The model (an onnx ModelProto) with its noise read from inputs, and how many noise inputs it has."""
    import onnx

    try:
        proto = onnx.load(str(model))
    except Exception as error:  # protobuf and onnx raise their own types
        raise SpeechError(f"cannot load the Piper model {model.name}: {error}") from None
    graph = proto.graph
    nodes: list[Any] = []
    count = 0
    for node in graph.node:
        if node.op_type == "RandomNormalLike":
            nodes += _noise_nodes(node, count, graph)
            count += 1
        elif node.op_type in RANDOM_OPS:
            raise SpeechError(
                f"the Piper model {model.name} draws numbers with {node.op_type}, which cannot be repeated"
            )
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    return proto, count


def _noise_nodes(node: Any, index: int, graph: Any) -> list[Any]:
    """Nodes that give ``node``'s output (noise shaped as its input) from noise input ``index``."""
    from onnx import TensorProto, helper

    like, out = node.input[0], node.output[0]
    pool, size = NOISE_INPUT.format(index), NOISE_SIZE.format(index)
    graph.input.append(helper.make_tensor_value_info(pool, TensorProto.FLOAT, [f"noise_{index}"]))
    graph.output.append(helper.make_tensor_value_info(size, TensorProto.INT64, [1]))
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    step = f"{out}/plainspoken"
    one = helper.make_tensor(f"{step}/one", TensorProto.INT64, [1], [1])
    zero = helper.make_tensor(f"{step}/zero", TensorProto.INT64, [1], [0])
    graph.initializer.extend([one, zero])
    made = [
        helper.make_node("Size", [like], [f"{step}/size0"]),
        helper.make_node("Reshape", [f"{step}/size0", one.name], [size]),
        helper.make_node("Size", [pool], [f"{step}/drawn0"]),
        helper.make_node("Reshape", [f"{step}/drawn0", one.name], [f"{step}/drawn"]),
        helper.make_node("Sub", [f"{step}/drawn", one.name], [f"{step}/less"]),
        helper.make_node("Add", [size, f"{step}/less"], [f"{step}/up"]),
        helper.make_node("Div", [f"{step}/up", f"{step}/drawn"], [f"{step}/times"]),
        helper.make_node("Tile", [pool, f"{step}/times"], [f"{step}/tiled"]),
        helper.make_node("Slice", [f"{step}/tiled", zero.name, size], [f"{step}/flat"]),
        helper.make_node("Shape", [like], [f"{step}/shape"]),
        helper.make_node("Reshape", [f"{step}/flat", f"{step}/shape"], [f"{step}/normal"]),
    ]
    return made + _scaled(f"{step}/normal", out, attributes)


def _scaled(normal: str, out: str, attributes: Mapping[str, Any]) -> list[Any]:
    """Standard normal noise as the node's mean, scale and type (0, 1 and float by default)."""
    from onnx import TensorProto, helper

    scale, mean = float(attributes.get("scale", 1.0)), float(attributes.get("mean", 0.0))
    dtype = int(attributes.get("dtype", TensorProto.FLOAT))
    scaled = helper.make_node("Mul", [normal, f"{normal}/scale"], [f"{normal}/scaled"])
    shifted = helper.make_node("Add", [f"{normal}/scaled", f"{normal}/mean"], [f"{normal}/shifted"])
    constants = [
        helper.make_node("Constant", [], [f"{normal}/scale"], value_float=scale),
        helper.make_node("Constant", [], [f"{normal}/mean"], value_float=mean),
    ]
    return [*constants, scaled, shifted, helper.make_node("Cast", [f"{normal}/shifted"], [out], to=dtype)]


def draw(seed: bytes, index: int, size: int) -> np.ndarray:
    """``size`` standard normal numbers for noise input ``index``: a prefix of one stream per seed."""
    import numpy as np

    entropy = int.from_bytes(seed, "big")
    generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(index,))))
    return generator.standard_normal(max(size, 1), dtype=np.float32)


def seed_of(feeds: Mapping[str, Any]) -> bytes:
    """The hash of everything the model is given: each input's name, type, shape and values."""
    import numpy as np

    digest = hashlib.sha256(NOISE.encode())
    for name in sorted(feeds):
        array = np.ascontiguousarray(feeds[name])
        digest.update(f"\n{name} {array.dtype.str} {array.shape}\n".encode())
        digest.update(array.tobytes())
    return digest.digest()


@dataclass(frozen=True)
class RepeatableSession:
    """An ONNX Runtime session of a `repeatable_model`, run as piper-tts runs its session."""

    session: Any
    noises: int

    def run(
        self, output_names: Sequence[str] | None, feeds: Mapping[str, Any], run_options: Any = None
    ) -> list[Any]:
        import numpy as np

        names = list(output_names or [output.name for output in self.session.get_outputs()])
        names = [name for name in names if not name.startswith(NOISE_SIZE.format(""))]
        seed = seed_of(feeds)
        sizes = [max(1, int(np.size(feeds.get("input", 1)))) * FIRST_DRAW] * self.noises
        while True:
            pools = {NOISE_INPUT.format(index): draw(seed, index, size) for index, size in enumerate(sizes)}
            taken = [NOISE_SIZE.format(index) for index in range(self.noises)]
            results = self.session.run([*names, *taken], {**feeds, **pools}, run_options)
            needed = [int(result[0]) for result in results[len(names) :]]
            if all(need <= size for need, size in zip(needed, sizes, strict=True)):
                return list(results[: len(names)])
            sizes = [max(need, size) for need, size in zip(needed, sizes, strict=True)]
