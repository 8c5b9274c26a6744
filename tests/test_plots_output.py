"""Figures as files (issue 15, speed): the PDF keeps the PNG's layout, its fonts are TrueType subsets without the
OpenType layout tables showing the same glyphs as matplotlib's own PDF, and the figure and matplotlib are left
as they were."""

from __future__ import annotations

import io
import types

import matplotlib
import pytest
from fontTools import subset as fonttools_subset
from fontTools.ttLib import TTFont
from matplotlib.backends import _backend_pdf_ps
from pypdf import PdfReader

from aictlab.plots import figure_style, new_figure, styled
from aictlab.plots.output import (
    LAYOUT_TABLES,
    figure_bytes,
    fonts_without_layout_tables,
    frozen_layout,
    laid_out,
)

matplotlib.use("Agg")

PDF_METADATA = {"CreationDate": None, "Producer": None}


@styled
def plot_labels():
    """Two bars with accented labels, a bold title and a minus sign: three fonts' worth of glyphs."""
    fig, ax = new_figure(width=3, height=2)
    ax.bar(["coopération", "attractivité"], [-2, 5], color="#555555")
    ax.set_title("Solidarité → attractivité", fontweight="bold")
    return fig


def saved(fig, ext: str) -> bytes:
    """``fig.savefig`` in the house style, as matplotlib saves it."""
    buffer = io.BytesIO()
    metadata = PDF_METADATA if ext == "pdf" else {"Software": None}
    with figure_style():
        fig.savefig(buffer, format=ext, dpi=200, metadata=metadata)
    return buffer.getvalue()


def page_fonts(pdf: bytes) -> dict[str, dict]:
    """The page's fonts by resource name: embedded font file, CID -> glyph id map, ToUnicode, widths."""
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    fonts = {}
    for name in sorted(resources):
        font = resources[name].get_object()
        cid_font = font["/DescendantFonts"][0].get_object()
        descriptor = cid_font["/FontDescriptor"].get_object()
        gid_map = cid_font["/CIDToGIDMap"].get_object().get_data()
        fonts[name] = {
            "subtype": (font["/Subtype"], cid_font["/Subtype"]),
            "file": TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data())),
            "gids": [int.from_bytes(gid_map[i : i + 2], "big") for i in range(0, len(gid_map), 2)],
            "to_unicode": font["/ToUnicode"].get_object().get_data(),
            "widths": repr(cid_font["/W"]),
        }
    return fonts


def outline(font: TTFont, gid: int) -> tuple:
    """Glyph ``gid`` of ``font``: its points, contour ends, flags and advance width."""
    name = font.getGlyphOrder()[gid]
    points, ends, flags = font["glyf"][name].getCoordinates(font["glyf"])
    return list(points), list(ends), list(flags), font["hmtx"][name][0]


def shown_glyphs(fonts: dict[str, dict]) -> dict[str, dict[int, tuple]]:
    """Font name -> CID -> outline of the glyph the CID shows."""
    return {
        name: {cid: outline(font["file"], gid) for cid, gid in enumerate(font["gids"]) if gid}
        for name, font in fonts.items()
    }


def test_the_pdf_embeds_truetype_subsets_without_layout_tables_showing_the_same_glyphs():
    fig = plot_labels()
    images = figure_bytes(fig)
    plain_png = saved(fig, "png")
    with frozen_layout(fig):  # matplotlib's own PDF, in the layout of the PNG just drawn
        plain_pdf = saved(fig, "pdf")
    assert images["png"] == plain_png
    assert b"/FontFile2" in images["pdf"] and b"/Type3" not in images["pdf"]
    ours, theirs = page_fonts(images["pdf"]), page_fonts(plain_pdf)
    assert list(ours) == list(theirs)
    for name, font in ours.items():
        assert font["subtype"] == ("/Type0", "/CIDFontType2")  # TrueType glyphs, never Type 3
        assert not set(LAYOUT_TABLES) & set(font["file"].keys())
        assert {"GSUB", "GPOS", "GDEF"} <= set(theirs[name]["file"].keys())  # matplotlib's own keeps them
        assert {"glyf", "loca", "hmtx", "cmap"} <= set(font["file"].keys())
        assert font["to_unicode"] == theirs[name]["to_unicode"] and font["widths"] == theirs[name]["widths"]
    glyphs = shown_glyphs(ours)
    assert glyphs == shown_glyphs(theirs)
    # regular: 10 letters of the labels and the ticks' 0 2 4; beside it the minus sign (U+2212) in a subset of its
    # own; bold: the title's 11 letters and the space, and the arrow (U+2192) in its own
    assert [len(glyphs[name]) for name in ours] == [13, 1, 12, 1]
    names = [font["file"]["name"].getDebugName(6) for font in ours.values()]
    assert names == ["DejaVuSans", "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Bold"]
    assert [b"<2212>" in ours["/F2"]["to_unicode"], b"<2192>" in ours["/F4"]["to_unicode"]] == [True, True]
    reader, plain_reader = PdfReader(io.BytesIO(images["pdf"])), PdfReader(io.BytesIO(plain_pdf))
    assert reader.pages[0].get_contents().get_data() == plain_reader.pages[0].get_contents().get_data()


def test_matplotlib_subsets_fonts_as_before_once_the_pdf_is_saved():
    figure_bytes(plot_labels())
    assert _backend_pdf_ps.subset is fonttools_subset
    with fonts_without_layout_tables():
        swapped = _backend_pdf_ps.subset
        with fonts_without_layout_tables():  # nested (or another thread's): the outer one restores
            assert _backend_pdf_ps.subset is swapped
        assert _backend_pdf_ps.subset is swapped and swapped is not fonttools_subset
        assert swapped.Options().drop_tables[-len(LAYOUT_TABLES) :] == list(LAYOUT_TABLES)
        assert swapped.Subsetter is fonttools_subset.Subsetter
    assert _backend_pdf_ps.subset is fonttools_subset
    assert "GSUB" not in fonttools_subset.Options().drop_tables


def test_fonts_are_embedded_as_matplotlib_does_when_it_no_longer_subsets_through_that_name(monkeypatch):
    elsewhere = types.SimpleNamespace(**vars(fonttools_subset))  # matplotlib's internals moved
    monkeypatch.setattr(_backend_pdf_ps, "subset", elsewhere)
    images = figure_bytes(plot_labels())
    assert _backend_pdf_ps.subset is elsewhere
    fonts = page_fonts(images["pdf"])
    assert all({"GSUB", "GPOS"} <= set(font["file"].keys()) for font in fonts.values())


def test_an_error_while_saving_restores_matplotlib():
    with pytest.raises(RuntimeError, match="drawing failed"), fonts_without_layout_tables():
        raise RuntimeError("drawing failed")
    assert _backend_pdf_ps.subset is fonttools_subset


def axes_points(fig) -> list[float]:
    """Each axes' box (left, bottom, width, height) in points, one after the other."""
    width, height = fig.get_size_inches() * 72
    boxes = (ax.get_position().bounds for ax in fig.axes)
    return [float(v) for x, y, w, h in boxes for v in (x * width, y * height, w * width, h * height)]


def test_the_pdf_keeps_the_png_layout_within_a_tenth_of_a_point_of_its_own_and_the_figure_its_engine():
    fig = plot_labels()
    engine = fig.get_layout_engine()
    constrained_pdf = saved(fig, "pdf")
    own = axes_points(fig)  # the constrained layout computed at 72 dpi, for the PDF
    images = figure_bytes(fig)
    assert fig.get_layout_engine() is engine  # the caller's figure is laid out as before
    kept = axes_points(fig)
    saved(fig, "png")
    assert axes_points(fig) == pytest.approx(kept, abs=1e-9)  # the PNG's layout (200 dpi)
    differences = [abs(a - b) for a, b in zip(own, kept, strict=True)]
    assert 0.05 < max(differences) < 0.1  # text measured at 72 dpi vs 200 dpi: same ticks, same texts
    assert PdfReader(io.BytesIO(images["pdf"])).pages[0].extract_text() == (
        PdfReader(io.BytesIO(constrained_pdf)).pages[0].extract_text()
    )
    assert images["pdf"] != constrained_pdf


def test_a_figure_without_layout_engine_is_saved_as_it_is():
    fig, ax = new_figure(width=3, height=2)
    fig.set_layout_engine(None)
    ax.plot([0, 1], [1, 0])
    images = figure_bytes(fig)
    assert fig.get_layout_engine() is None
    assert images["png"] == saved(fig, "png")


def two_saves(fig) -> dict[str, bytes]:
    """The PNG and PDF of two ``savefig`` calls, the PDF in the PNG's layout with our fonts."""
    png = saved(fig, "png")
    with frozen_layout(fig), fonts_without_layout_tables():
        pdf = saved(fig, "pdf")
    return {"png": png, "pdf": pdf}


def test_a_figure_laid_out_once_has_the_bytes_of_two_saves_and_keeps_its_engine_canvas_and_dpi():
    fig = plot_labels()
    engine, canvas, dpi = fig.get_layout_engine(), fig.canvas, fig.dpi
    with matplotlib.rc_context({"figure.autolayout": True}):  # a user's setting does not bring an engine back
        with laid_out(fig):
            assert fig.get_layout_engine() is None
    assert (fig.get_layout_engine(), fig.canvas, fig.dpi) == (engine, canvas, dpi)
    images = figure_bytes(fig)
    assert (fig.get_layout_engine(), fig.canvas, fig.dpi) == (engine, canvas, dpi)
    assert images == two_saves(plot_labels())


@styled
def plot_annotated():
    """Points and their labels, moved apart by adjustText and joined to them by arrows clipped by the labels."""
    from adjustText import adjust_text

    fig, ax = new_figure(width=3, height=2)
    x, y = [0.2, 0.22, 0.25, 0.7], [0.3, 0.31, 0.29, 0.6]
    ax.scatter(x, y, color="#000000")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    labels = ["coopération", "solidarité", "aide", "pôle"]
    texts = [ax.text(a, b, label) for a, b, label in zip(x, y, labels, strict=True)]
    adjust_text(texts, ax=ax, iter_lim=50, arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5})
    return fig


def test_a_figure_with_arrows_is_saved_as_matplotlib_saves_it():
    images = figure_bytes(plot_annotated())
    assert images == two_saves(plot_annotated())
    fig = plot_annotated()
    with laid_out(fig), fonts_without_layout_tables():  # the arrow would start from its text's 200-dpi box
        saved(fig, "png")
        assert saved(fig, "pdf") != images["pdf"]
