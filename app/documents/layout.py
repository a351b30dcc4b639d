"""The one page layout all customer documents share (invoice, receipt, offer, return slip): A4, embedded DejaVu
Sans, fpdf2.

Top to bottom: the document kind with its number and meta lines (label/value pairs), the seller and buyer blocks,
a lines table, a totals block with the tax breakdown per rate, free text, and a footer with the title and page
numbers. Pure: no I/O other than reading the bundled font files, no clock (the PDF creation date is the document's
own date), so the same document always renders to the same bytes.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel.numbers import format_decimal
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.fonts import TTFFont

from app.documents.model import DocumentLine, Party, TaxRateTotal, clip, format_money, format_rate, utc
from app.i18n import ENGLISH, N_, MessageLocale

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT = "DejaVu"
CREATOR = "customer-accounts"
MAX_SKU = 60  # characters; longer values are shortened with an ellipsis
MAX_DESCRIPTION = 300  # a line item should never need more than a few wrapped lines

_GREY = (110, 110, 110)
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


@dataclass(frozen=True, slots=True)
class Column:
    heading: str  # an English msgid, translated when the table is drawn
    width: float  # relative to the other columns
    align: Align = Align.L
    limit: int = MAX_DESCRIPTION  # characters a cell may hold before it is shortened


@dataclass(frozen=True, slots=True)
class Total:
    label: str
    value: str
    bold: bool = False


# The item table of invoices and offers: one definition, so both print their lines the same way.
ITEM_COLUMNS = (
    Column(N_("SKU"), 15, limit=MAX_SKU),
    Column(N_("Description"), 35),
    Column(N_("Qty"), 9, Align.R),
    Column(N_("Unit price"), 16, Align.R),
    Column(N_("Tax"), 9, Align.R),
    Column(N_("Net"), 18, Align.R),
)


def item_rows(lines: Iterable[DocumentLine], currency: str, locale: MessageLocale = ENGLISH) -> list[tuple[str, ...]]:
    return [
        (
            line.sku,
            line.description,
            format_quantity(line.quantity, locale),
            format_money(line.unit_price, currency, locale),
            format_rate(line.tax_rate_bp, locale),
            format_money(line.total, currency, locale),
        )
        for line in lines
    ]


def format_quantity(quantity: int, locale: MessageLocale) -> str:
    return format_decimal(quantity, locale=locale.babel)


class Page(FPDF):
    """The builder: a document calls its sections in order; render() wraps the whole and returns the bytes."""

    def __init__(self, title: str, created_at: datetime, author: str, locale: MessageLocale = ENGLISH) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.locale = locale
        self.footer_text = clip(title, 80)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_title(title)
        self.set_author(author)
        self.set_creator(CREATOR)
        self.set_lang(locale.tag.replace("_", "-"))
        self.set_creation_date(utc(created_at))
        self.set_margins(left=18, top=18, right=18)
        self.set_auto_page_break(auto=True, margin=20)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(*_GREY)
        # {nb} is fpdf's alias for the page count, filled in when the document is finished.
        pages = self.locale.gettext("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, f"{self.footer_text} · {pages}", align=Align.C)
        self.set_text_color(0)

    # --- sections, top to bottom -------------------------------------------------------------------

    def header_block(
        self, kind: str, meta: Sequence[tuple[str, str]], left: tuple[str, Party], right: tuple[str, Party]
    ) -> None:
        """The kind large at the left, the number and meta lines at the right; then the two parties."""
        top = self.get_y()
        self.set_font(FONT, "B", 20)
        self.cell(80, 10, kind)
        self.set_xy(self.w - self.r_margin - 85, top)
        with self.table(
            width=85,
            col_widths=(4, 5),
            align=Align.R,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.NONE,
            line_height=5,
            text_align=Align.L,
        ) as table:
            self.set_font(FONT, "", 9.5)
            for label, value in meta:
                row = table.row()
                row.cell(label, align=Align.R, style=FontFace(color=_GREY))
                row.cell(clip(value), align=Align.R, style=FontFace(emphasis="BOLD"))
        self.set_y(max(self.get_y(), top + 12) + 6)
        self._parties(left, right)

    def lines_table(self, columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> None:
        """The lines, headings repeated on every page they continue on."""
        self.set_font(FONT, "", 8.5)
        with self.table(
            col_widths=tuple(column.width for column in columns),
            headings_style=_HEADINGS,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=4.6,
            padding=(1.2, 1, 1.2, 1),
            text_align=Align.L,
            v_align="TOP",
            repeat_headings=1,
        ) as table:
            headings = table.row()
            for column in columns:
                headings.cell(self.locale.gettext(column.heading), align=column.align)
            for values in rows:
                row = table.row()
                for column, value in zip(columns, values, strict=True):
                    row.cell(clip(value, column.limit), align=column.align)
        self.ln(6)

    def totals_block(
        self,
        totals: Sequence[Total],
        *,
        rates: Sequence[TaxRateTotal] = (),
        currency: str = "",
        status: str | None = None,
        width: float = 90,
    ) -> None:
        """Right-aligned totals, a status line (PAID, AMOUNT DUE), then the tax breakdown per rate, kept together
        on one page."""
        needed = 6 * len(totals) + (20 if status else 0) + (20 + 5.5 * (1 + len(rates)) if rates else 0)
        if self.will_page_break(needed):
            self.add_page()
        self.set_font(FONT, "", 9.5)
        with self.table(
            width=min(width, self.epw),
            col_widths=(1, 1),
            align=Align.R,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=6,
            text_align=Align.L,
        ) as table:
            for total in totals:
                row = table.row(style=FontFace(emphasis="BOLD" if total.bold else None))
                row.cell(total.label)
                row.cell(total.value, align=Align.R)
        self.ln(4)
        if status:
            self.paragraph(status, size=13, bold=True, align=Align.R)
            self.ln(4)
        if rates:
            self.ln(4)
            self._tax_breakdown(rates, currency)
            self.ln(6)

    def paragraph(self, text: str, *, size: float = 9.5, bold: bool = False, align: Align = Align.L) -> None:
        """A paragraph across the page, wrapped."""
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # --- parts -------------------------------------------------------------------------------------

    def _parties(self, left: tuple[str, Party], right: tuple[str, Party]) -> None:
        top = self.get_y()
        bottom = top
        column = (self.epw - 10) / 2
        for index, (caption, party) in enumerate((left, right)):
            x = self.l_margin + index * (column + 10)
            self.set_xy(x, top)
            self.set_font(FONT, "B", 8)
            self.set_text_color(*_GREY)
            self.cell(column, 5, caption.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_text_color(0)
            lines = [*party.address_lines, *([party.email] if party.email else [])]
            if party.tax_id:
                lines.append(self.locale.gettext("Tax ID: %(tax_id)s") % {"tax_id": party.tax_id})
            self.set_font(FONT, "B", 10)
            self.multi_cell(column, 5, clip(party.name), new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_font(FONT, "", 9.5)
            for line in lines:
                self.multi_cell(column, 4.8, clip(line), new_x=XPos.LEFT, new_y=YPos.NEXT)
            bottom = max(bottom, self.get_y())
        self.set_xy(self.l_margin, bottom + 8)

    def _tax_breakdown(self, rates: Sequence[TaxRateTotal], currency: str) -> None:
        _ = self.locale.gettext
        self.paragraph(_("Tax breakdown per rate"), size=10.5, bold=True)
        self.ln(1)
        self.set_font(FONT, "", 9)
        with self.table(
            width=110,
            col_widths=(1, 2, 2),
            align=Align.L,
            headings_style=_HEADINGS,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=5.5,
        ) as table:
            headings = table.row()
            for heading in (_("Rate"), _("Net"), _("Tax")):
                headings.cell(heading, align=Align.R)
            for rate in rates:
                row = table.row()
                row.cell(format_rate(rate.rate_bp, self.locale), align=Align.R)
                row.cell(format_money(rate.net, currency, self.locale), align=Align.R)
                row.cell(format_money(rate.tax, currency, self.locale), align=Align.R)


def render(
    title: str, created_at: datetime, author: str, build: Callable[[Page], None], locale: MessageLocale = ENGLISH
) -> bytes:
    """A new page in the reader's language, the document's sections drawn on it by build, the PDF's bytes."""
    page = Page(title, created_at, author, locale)
    with _closing_fonts(page):
        build(page)
        return bytes(page.output())


@contextmanager
def _closing_fonts(pdf: FPDF) -> Iterator[None]:
    """output() closes the font files it embeds; when rendering fails first, close them here (no ResourceWarning)."""
    try:
        yield
    except BaseException:
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.close()
        raise
