"""WeasyPrint 70's font features set on a text layout without leaking them: list markers free again.

Installed with builders/weasyprint_tags (its ``patched()``). Where a text has font features (every
list marker has: the user agent's ``::marker { font-variant-numeric: tabular-nums }``), WeasyPrint's
``Layout.setup`` makes a Pango attribute each time (the default of its cache's ``setdefault`` is
made before the cache is looked in) and an attribute list that nothing lets go of. About 0.47 KiB
stayed for each list item each time a handout was laid out: the article's handouts, 46 items each,
kept 22 KiB a layout, and a Dask worker, which outlives builds, grew by 4 MiB a build of five
articles, build after build (210 to 238 MiB over eight). Here ``setup`` runs without the features,
and they are set as Pango owns them: a new attribute in a new list, both freed with the layout. The
PDFs' bytes are the same. Delete it when WeasyPrint frees them.
"""

from __future__ import annotations

from typing import Any


def replacements() -> list[tuple[Any, str, Any]]:
    """(module or class, attribute, replacement): ``Layout.setup``, and the features it looks up."""
    from weasyprint.text import line_break

    return [
        (line_break, "font_features", _no_features),
        (line_break.Layout, "setup", _setup_wrapper(line_break.Layout.setup)),
    ]


def _no_features(*args: Any, **kwargs: Any) -> dict[str, int]:
    """What ``Layout.setup`` finds (its only caller in line_break): the wrapper sets them after it."""
    return {}


def _setup_wrapper(original: Any) -> Any:
    def setup(layout: Any, style: Any) -> None:
        original(layout, style)
        _set_features(layout, style)

    return setup


def _set_features(layout: Any, style: Any) -> None:
    """The style's font features on ``layout``, as ``Layout.setup`` sets them but owned: the list
    owns the attribute, the layout the list, and this function's reference to the list goes."""
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.fonts import font_features

    features = font_features(
        style["font_kerning"],
        style["font_variant_ligatures"],
        style["font_variant_position"],
        style["font_variant_caps"],
        style["font_variant_numeric"],
        style["font_variant_alternates"],
        style["font_variant_east_asian"],
        style["font_feature_settings"],
    )
    if not features:
        return
    text = ",".join(f"{key} {value}" for key, value in features.items()).encode()
    attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    pango.pango_attr_list_insert(attributes, pango.pango_attr_font_features_new(text))
    pango.pango_layout_set_attributes(layout.layout, attributes)
