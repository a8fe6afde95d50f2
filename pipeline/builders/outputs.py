"""The output registry: every format a build makes, declared once; the engine, the CLI and the report
read it. Importing it imports no builder (a build with nothing to do stays quick), and loads the
plug-in formats of the entry-point group ``plainspoken.outputs``: every process (a spawned worker
too) knows the same formats.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.distributions import may_have_entry_points

if TYPE_CHECKING:
    from pipeline.builders.base import Builder


@dataclass(frozen=True)
class PageLink:
    """A file of a format that the article page offers, e.g. the handout."""

    label: str  #: interface message naming it (translated in ui.po), e.g. "Handout (PDF)"
    suffix: str  #: what follows the slug, one of the format's files
    media_type: str  #: the link's type attribute, e.g. "application/pdf"
    #: what the page says instead where the language cannot have the file (an interface message), and
    #: "module:function" giving a language's reason it cannot ('' where it can), as for a missing voice
    missing: str = ""
    missing_in: str = ""

    def cannot_have(self, language: str) -> bool:
        """Whether ``language`` can never have this file (its function imported now, not before)."""
        if not self.missing_in:
            return False
        module, _, attribute = self.missing_in.partition(":")
        return bool(getattr(importlib.import_module(module), attribute)(language))


@dataclass(frozen=True)
class OutputSpec:
    """What one output format is, for everything but the builder that writes it."""

    name: str  #: the --format value and the last part of a task id (es/slug/pdf)
    builder: str | type[Builder]  #: "module:Class", imported only when the output is built
    files: tuple[str, ...]  #: what follows the slug in build/site/<lang>/, e.g. ".mp3"
    needs: tuple[str, ...] = ()  #: outputs whose results it uses (the page shows the audio's cues)
    cost: float = 1.0  #: rough seconds per 1000 characters of article, relative to the others
    report: tuple[tuple[str, str], ...] = ()  #: report columns: (label, file suffix)
    policy: str = ""  #: its key in [publish.drafts] ("" = its name)
    voiced: bool = False  #: made only in languages with a voice, and remade when the voice changes
    language_files: tuple[str, ...] = ()  #: files it reads in locales/<lang>/ besides the catalogs
    indexed: bool = False  #: the shared pages list these files, so they wait for them
    #: it links the article in every language it is published in (remade when that can change)
    lists_languages: bool = False
    #: what renders it, for its key: distributions by name, and "fonts" or "espeak-ng" (their files)
    toolchain: tuple[str, ...] = ()
    #: files the article page links, with their size and language (the page must need the format)
    page_links: tuple[PageLink, ...] = ()
    #: shows the English article's clinical sign-off ("Medically reviewed by"): remade when it is signed
    signed: bool = False

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name == "report":
            raise ValueError(f"output name {self.name!r}: a lower-case word other than 'report'")
        if self.name in self.needs:
            raise ValueError(f"output {self.name} cannot need itself")
        stray = [link.suffix for link in self.page_links if link.suffix not in self.files]
        if stray:
            raise ValueError(f"output {self.name} links {', '.join(stray)}, which it does not write")

    @property
    def policy_key(self) -> str:
        return self.policy or self.name

    def load(self) -> type[Builder]:
        """The builder class (its module imported now, not before)."""
        if not isinstance(self.builder, str):
            return self.builder
        module, _, attribute = self.builder.partition(":")
        cls: type[Builder] = getattr(importlib.import_module(module), attribute)
        return cls


def N_(message: str) -> str:
    """Marks an interface message for extraction; it is translated where it is shown."""
    return message


_REGISTRY: dict[str, OutputSpec] = {}


def register(spec: OutputSpec) -> OutputSpec:
    """Add (or replace) an output format; what it needs must be registered first."""
    missing = [name for name in spec.needs if name not in _REGISTRY]
    if missing:
        raise ValueError(f"output {spec.name} needs {', '.join(missing)}, which is not registered")
    _REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove an output format (for tests and plug-ins); what needs it must go first."""
    users = [spec.name for spec in _REGISTRY.values() if name in spec.needs]
    if users:
        raise ValueError(f"output {name} is needed by {', '.join(users)}")
    _REGISTRY.pop(name, None)


def specs(names: Sequence[str] | None = None) -> tuple[OutputSpec, ...]:
    """The registered outputs (or those of ``names``) in build order: each after what it needs."""
    ordered = _build_order()
    return tuple(spec for spec in ordered if names is None or spec.name in names)


def _build_order() -> list[OutputSpec]:
    """Registration order, except that an output waits for what it needs (registration ensures a
    need exists first, so this is that order already; kept explicit for replaced entries)."""
    done: dict[str, OutputSpec] = {}

    def visit(spec: OutputSpec) -> None:
        for need in spec.needs:
            if need not in done:
                visit(_REGISTRY[need])
        done.setdefault(spec.name, spec)

    for spec in _REGISTRY.values():
        visit(spec)
    return list(done.values())


def spec(name: str) -> OutputSpec:
    """The registered output called ``name``; KeyError if there is none."""
    return _REGISTRY[name]


def names() -> tuple[str, ...]:
    """Every output's name, in build order."""
    return tuple(s.name for s in specs())


def policy_keys() -> list[str]:
    """The [publish.drafts] keys of the registered outputs."""
    return sorted({output.policy_key for output in specs()})


def page_links() -> Iterator[PageLink]:
    """What the article page offers besides itself, in build order."""
    for output in specs():
        yield from output.page_links


def report_columns() -> Iterator[tuple[str, str]]:
    """The report's links to an article's files, (label, suffix): the cheapest output (the page) first."""
    for output in sorted(specs(), key=lambda s: s.cost):
        yield from output.report


register(
    OutputSpec(
        "audio",
        "pipeline.builders.audio:AudioBuilder",
        files=(".mp3", ".vtt", ".cues.json"),  # .cues.json: the timings, for the page
        cost=3.0,
        report=(("Audio (MP3)", ".mp3"),),
        voiced=True,
        page_links=(PageLink(N_("Captions (WebVTT)"), ".vtt", "text/vtt"),),
        language_files=("pronunciation.toml",),
        toolchain=(
            *("lameenc", "numpy", "scipy", "miniaudio", "mutagen", "langcodes"),
            *("pyttsx3", "espeak-ng", "piper-tts", "onnxruntime", "onnx"),
        ),
    )
)
register(
    OutputSpec(
        "pdf",
        "pipeline.builders.pdf:PdfBuilder",
        files=(".pdf", "-large-print.pdf"),
        cost=1.5,
        report=(("Handout (PDF)", ".pdf"), ("Large print (PDF)", "-large-print.pdf")),
        page_links=(
            PageLink(N_("Handout (PDF)"), ".pdf", "application/pdf"),
            PageLink(N_("Large print handout (PDF)"), "-large-print.pdf", "application/pdf"),
        ),
        toolchain=("weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2", "jinja2", "segno", "fonts"),
        signed=True,
    )
)
register(
    OutputSpec(
        "bilingual",
        "pipeline.builders.bilingual:BilingualBuilder",
        files=("-bilingual.pdf",),  # every translated language; the articles' own is skipped
        cost=1.5,
        report=(("Bilingual handout (PDF)", "-bilingual.pdf"),),
        page_links=(PageLink(N_("Bilingual handout (PDF)"), "-bilingual.pdf", "application/pdf"),),
        toolchain=("weasyprint", "pydyf", "fonttools", "tinycss2", "cssselect2", "jinja2", "segno", "fonts"),
    )
)
register(
    OutputSpec(
        "braille",
        "pipeline.builders.braille:BrailleBuilder",
        files=(".brf",),
        cost=0.2,
        toolchain=("liblouis",),
        report=(("Braille (BRF) for embossers and braille displays", ".brf"),),
        page_links=(
            PageLink(
                N_("Braille (BRF) for embossers and braille displays"),
                ".brf",
                "application/x-brf",
                missing=N_("Braille (BRF) is not available in this language yet."),
                missing_in="pipeline.source.languages:no_braille_reason",
            ),
        ),
    )
)
register(
    OutputSpec(
        "html",
        "pipeline.builders.html:HtmlBuilder",
        files=(".html",),
        needs=("audio", "pdf", "bilingual", "braille"),  # the page shows the cues and links the files
        cost=0.1,
        report=(("Web page", ".html"),),
        indexed=True,
        lists_languages=True,
        toolchain=("jinja2",),
        signed=True,
    )
)


#: The entry-point group of plug-in formats: each names a function that registers them (or a module
#: that does on import).
PLUGIN_GROUP = "plainspoken.outputs"


def load_plugins() -> None:
    """Register the formats of every installed plug-in (package metadata is read, about 40 ms, only
    where a distribution's entry_points.txt names the group)."""
    if not may_have_entry_points(PLUGIN_GROUP):
        return
    import importlib.metadata

    for entry in importlib.metadata.entry_points(group=PLUGIN_GROUP):
        loaded = entry.load()
        if callable(loaded):
            loaded()


load_plugins()
