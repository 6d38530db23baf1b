"""The page layout shared by every document: fonts, letterhead (kop), footer, blocks.

Fonts: DejaVu Sans from Debian's fonts-dejavu-core when it is installed (full Unicode
for Indonesian text and symbols); otherwise fpdf2's core Helvetica with every value
mapped onto latin-1. Either way all text goes through :meth:`Document.clean`, so no
user value can raise an encoding error or a missing-glyph problem.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from app.documents.text import EMPTY, make_sanitizer, one_line, or_dash, stringify, tidy

log = logging.getLogger(__name__)

#: Folders searched for DejaVu Sans (Debian/Ubuntu package fonts-dejavu-core).
FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts/truetype/dejavu",)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
UNICODE_FAMILY = "DejaVu"
CORE_FAMILY = "Helvetica"

# The office, as on the service card (seed/).
KOP_LINES = (
    "PEMERINTAH KABUPATEN PASURUAN",
    "DINAS KOMUNIKASI DAN INFORMATIKA",
    "PEJABAT PENGELOLA INFORMASI DAN DOKUMENTASI (PPID)",
)
OFFICE_ADDRESS = "Komplek Perkantoran Pemerintah Kabupaten Pasuruan, Jl. Raya Raci KM 9 Bangil \u2013 Pasuruan 67153"
OFFICE_CONTACT = "Telp. (0343) 429064 \u00b7 http://diskominfo.pasuruankab.go.id"
OFFICE_SHORT = "PPID Dinas Komunikasi dan Informatika Kabupaten Pasuruan"

LABEL_W = 58.0  # width of the label column of a field row, mm
LINE_H = 4.6
SIGNATURE_GAP = 16.0  # room for the handwritten signature and stamp, mm
BLOCK_SPACING = 2.5  # the most space a block leaves below itself (ln after it), mm

D = TypeVar("D", bound="Document")


def text_block(method: Callable[..., None]) -> Callable[..., None]:
    """Numbers a block of text, and lets the block that leads into a signature flow with
    the page bottom raised by the signature's height (see :func:`build`)."""

    @functools.wraps(method)
    def wrapper(self: "Document", *args: Any, **kwargs: Any) -> None:
        self._blocks += 1
        kept = self.keep_with_signature.get(self._blocks, 0.0)
        self._set_reserve(kept)
        first_page = self.page_no()
        try:
            method(self, *args, **kwargs)
        finally:
            self._set_reserve(0.0)
        if kept and self.page_no() > first_page and self.get_y() - self._page_top < 2 * LINE_H:
            self.widows.add(self._blocks)  # one line alone above the signature: carry one more (build)
        self._last_block = self._blocks

    return wrapper


@functools.lru_cache(maxsize=None)
def unicode_font_files() -> dict[str, str] | None:
    """Paths of the DejaVu Sans styles, or None when a style is missing."""
    for folder in FONT_DIRS:
        paths = {style: Path(folder) / name for style, name in FONT_FILES.items()}
        if all(p.is_file() for p in paths.values()):
            return {style: str(p) for style, p in paths.items()}
    return None


@functools.lru_cache(maxsize=None)
def font_cmap(paths: tuple[str, ...]) -> frozenset[int]:
    """Code points every one of the font files can draw."""
    from fontTools.ttLib import TTFont

    common: frozenset[int] | None = None
    for path in paths:
        with TTFont(path, lazy=True) as font:
            points = frozenset(font.getBestCmap() or ())
        common = points if common is None else common & points
    return common or frozenset()


class Document(FPDF):
    """An A4 document of the PPID with the kop on the first page of each section.

    ``page_offset``/``total_pages`` let a part of a larger bundle print the page numbers
    of the whole bundle; without ``total_pages`` the footer counts this document.
    """

    NB_ALIAS = "{\x7fnb}"  # contains a control character, so no sanitized value can hold it

    def __init__(self, registration_number: str, *, page_offset: int = 0, total_pages: int | None = None):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.family, cmap = self._load_fonts()
        self.clean = make_sanitizer(cmap)
        self.registration_number = self.clean(registration_number).strip() or EMPTY
        # Header and footer carry a shortened number, so a freak value cannot overlap them.
        self.short_number = self.clean(one_line(stringify(registration_number), 40)) or EMPTY
        self.page_offset = page_offset
        self.total_pages = total_pages
        self.running_title = ""
        self._fresh_section = False
        # Block numbers that lead into a signature -> the signature's height; filled while
        # rendering (signature_leads) and given to the second pass (keep_with_signature).
        self.keep_with_signature: dict[int, float] = {}
        self.signature_leads: dict[int, float] = {}
        self.widows: set[int] = set()
        self._page_top = 0.0
        self._blocks = 0
        self._last_block = 0
        self._reserve = 0.0
        self.set_margins(20, 15, 20)
        self.set_auto_page_break(True, margin=20)
        self.alias_nb_pages(self.NB_ALIAS)
        self.set_title(self.clean(f"PPID Kabupaten Pasuruan - {registration_number}"))
        self.set_author(OFFICE_SHORT if cmap is not None else self.clean(OFFICE_SHORT))
        self.set_creator("PPID Kabupaten Pasuruan")

    def _load_fonts(self) -> tuple[str, frozenset[int] | None]:
        files = unicode_font_files()
        if files:
            try:
                cmap = font_cmap(tuple(files.values()))
                for style, path in files.items():
                    self.add_font(UNICODE_FAMILY, style, path)
                return UNICODE_FAMILY, cmap
            except Exception:  # a broken font file: fall back, never fail the document
                log.warning("DejaVu Sans could not be loaded; using core fonts", exc_info=True)
        return CORE_FAMILY, None

    # -- fpdf2 hooks -------------------------------------------------------------------
    def add_page(self, *args: Any, **kwargs: Any) -> None:
        reserve = self._reserve
        self._set_reserve(0.0)  # the running head is drawn against the real page bottom
        super().add_page(*args, **kwargs)
        self._set_reserve(reserve)  # then the kept block flows on with the raised bottom

    def _set_reserve(self, height: float) -> None:
        # A freak signature taller than half a page cannot be kept with text; never let
        # the raised bottom swallow the page.
        self._reserve = min(height, (self.h - self.t_margin - self.b_margin) / 2)
        self.page_break_trigger = self.h - self.b_margin - self._reserve

    def add_page(self, *args: Any, **kwargs: Any) -> None:
        super().add_page(*args, **kwargs)
        self._page_top = self.get_y()  # where the text of this page begins, below the running head

    def header(self) -> None:
        if self._fresh_section:
            self._fresh_section = False
            return
        self.set_font(self.family, "", 7.5)
        self.set_text_color(90)
        head = f"{OFFICE_SHORT} \u00b7 {self.running_title} \u00b7 Nomor Pendaftaran {self.short_number}"
        self.multi_cell(0, 3.5, self.clean(head), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_draw_color(150)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)
        self.set_font(self.family, "", 7.5)
        self.set_text_color(90)
        total = str(self.total_pages) if self.total_pages else self.NB_ALIAS
        number = self.page_no() + self.page_offset
        self.cell(self.epw - 40, 4, f"Nomor Pendaftaran {self.short_number}", align="L")
        self.cell(40, 4, f"Halaman {number} dari {total}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 3.5, self.clean("Dokumen elektronik layanan " + OFFICE_SHORT), align="L")
        self.set_text_color(0)
        self.set_draw_color(0)

    # -- sections ----------------------------------------------------------------------
    def new_section(self, running_title: str, *, orientation: str = "P") -> None:
        """A new page with the kop; later pages of the section get a running head."""
        self.running_title = running_title
        self._fresh_section = True
        self.add_page(orientation=orientation)
        self.kop()

    def kop(self) -> None:
        top = self.get_y()
        self.set_font(self.family, "B", 11)
        for i, line in enumerate(KOP_LINES):
            if i == 1:
                self.set_font(self.family, "B", 13)
            elif i == 2:
                self.set_font(self.family, "B", 10)
            self.cell(0, 6 if i == 1 else 5, self.clean(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 8)
        self.multi_cell(0, 4, self.clean(OFFICE_ADDRESS), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 4, self.clean(OFFICE_CONTACT), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y() + 1.5
        self.set_line_width(0.8)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_line_width(0.2)
        self.line(self.l_margin, y + 1.2, self.w - self.r_margin, y + 1.2)
        self.set_y(max(y + 5, top))

    # -- blocks ------------------------------------------------------------------------
    @text_block
    def doc_title(self, text: str, subtitle: str | None = None) -> None:
        self.set_font(self.family, "B", 13)
        self.multi_cell(0, 6.5, self.clean(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(self.family, "", 9)
            self.multi_cell(0, 4.5, self.clean(subtitle), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    @text_block
    def big_number(self, label: str, value: Any) -> None:
        """A framed box with a prominent number (nomor pendaftaran, nomor keberatan)."""
        self.set_font(self.family, "", 9)
        self.cell(0, 5, self.clean(label), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "B", 17)
        self.set_fill_color(238, 242, 247)
        self.multi_cell(0, 9, or_dash(tidy(self.clean(value))), border=1, align="C", fill=True,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    @text_block
    def heading(self, text: str) -> None:
        if self.will_page_break(16):
            self.add_page()
        self.ln(1.5)
        self.set_font(self.family, "B", 10)
        self.set_fill_color(226, 232, 240)
        self.multi_cell(0, 6, self.clean(text), fill=True, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    @text_block
    def field(self, label: str, value: Any, *, bold: bool = False) -> None:
        """``label : value`` with the value wrapping (and flowing over pages) on the right."""
        text = or_dash(tidy(self.clean(value)))
        if self.will_page_break(LINE_H * 3):  # labels are at most a few words
            self.add_page()
        y, page = self.get_y(), self.page_no()
        self.set_font(self.family, "", 9.5)
        self.set_x(self.l_margin)
        self.multi_cell(LABEL_W - 3, LINE_H, self.clean(label), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        label_bottom = self.get_y()
        self.set_xy(self.l_margin + LABEL_W - 3, y)
        self.cell(3, LINE_H, ":")
        self.set_font(self.family, "B" if bold else "", 9.5)
        self.multi_cell(0, LINE_H, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.page_no() == page:
            self.set_y(max(self.get_y(), label_bottom))
        self.ln(0.8)

    @text_block
    def paragraph(self, text: Any, *, size: float = 9.5, bold: bool = False, align: str = "J") -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, LINE_H, or_dash(tidy(self.clean(text))), align=align,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    @text_block
    def block(self, label: str, value: Any) -> None:
        """A label on its own line, then a long value full width (rincian, uraian)."""
        if self.will_page_break(LINE_H * 3):
            self.add_page()
        self.set_font(self.family, "B", 9.5)
        self.multi_cell(0, LINE_H, self.clean(label), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 9.5)
        self.set_x(self.l_margin + 4)
        self.multi_cell(0, LINE_H, or_dash(tidy(self.clean(value))), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    @text_block
    def notice_box(self, text: str, *, fill: tuple[int, int, int] = (255, 248, 225)) -> None:
        """A shaded, framed note (deadlines, rights); it may flow over a page break."""
        self.ln(1)
        self.set_font(self.family, "", 9)
        self.set_fill_color(*fill)
        margin = self.c_margin
        self.c_margin = 2.5  # inner padding left and right
        try:
            self.cell(0, 2, "", border="LTR", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            reserve = self._reserve
            self._set_reserve(reserve + 2)  # the closing edge always fits below the last line
            try:
                self.multi_cell(0, 4.8, tidy(self.clean(text)), border="LR", fill=True, align="L",
                                new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            finally:
                self._set_reserve(reserve)
            self.cell(0, 2, "", border="LBR", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        finally:
            self.c_margin = margin
        self.ln(2)

    def signature_height(self, lines: list[str], name: str) -> float:
        """The height of a signature block of these lines, as :meth:`signature` draws it."""
        width = self.epw / 2
        self.set_font(self.family, "", 9.5)
        count = sum(len(self.multi_cell(width, LINE_H, text, dry_run=True, output=MethodReturnValue.LINES))
                    for text in lines)
        self.set_font(self.family, "B", 9.5)
        count += len(self.multi_cell(width, LINE_H, name, dry_run=True, output=MethodReturnValue.LINES))
        return 4 + SIGNATURE_GAP + count * LINE_H

    def signature(self, place_date: str, above: list[Any], name: Any) -> None:
        """A signature block on the right half: place and date, the office lines, the name.

        The block is never split, and never stands alone on a page: the block of text
        before it is noted in ``signature_leads``, so that :func:`build` can render the
        document again with that block's last lines carried over to the signature's page.
        """
        lines = [or_dash(tidy(self.clean(text))) for text in [place_date, *above]]
        shown = tidy(self.clean(name)) or "( ................................ )"
        height = self.signature_height(lines, shown)
        if self._last_block:
            self.signature_leads[self._last_block] = height + BLOCK_SPACING
        if self.will_page_break(height):
            self.add_page()
        self.ln(4)
        x, width = self.l_margin + self.epw / 2, self.epw / 2
        self.set_font(self.family, "", 9.5)
        for text in lines:
            self.set_x(x)
            self.multi_cell(width, LINE_H, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(SIGNATURE_GAP)
        self.set_x(x)
        self.set_font(self.family, "B", 9.5)
        self.multi_cell(width, LINE_H, shown, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def build(make: Callable[[], D], render: Callable[[D], None]) -> D:
    """Render a document; when it has signatures, render it again with the text that leads
    into each signature kept on the signature's page (block numbers do not depend on the
    layout, so the second pass knows exactly which blocks those are)."""
    doc = make()
    render(doc)
    if not doc.signature_leads:
        return doc
    leads = dict(doc.signature_leads)
    for _ in range(3):  # a block that leaves a single line above the signature carries one line more
        again = make()
        again.keep_with_signature = dict(leads)
        render(again)
        if not again.widows:
            break
        for block in again.widows:
            leads[block] += LINE_H
    return again
