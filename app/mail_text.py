"""The new words of a mail reply: its text (text/plain, or a rendering of text/html), without the quoted
message it answers and without the sender's signature.

Cut at the first of: a signature separator ("-- "), a quote header ("On … wrote:", "Am … schrieb …:", also
when the mail program wrapped it over up to three lines), Outlook's "-----Original Message-----" or its
"From: … / Sent: …" header block (and the rule of underscores above it); then lines starting with ">" and a
trailing "Sent from my …" go. What is left is trimmed.
"""

import re
from email.message import EmailMessage
from html.parser import HTMLParser

SIGNATURE = re.compile(r"^--\s*$")
QUOTE_HEADER = (
    re.compile(r"^On\s.{1,400}\swrote:$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^Am\s.{1,400}\sschrieb\s.{0,400}:$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^Le\s.{1,400}\sa\s+écrit\s*:$", re.IGNORECASE | re.DOTALL),
)
ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Forwarded message|Weitergeleitete Nachricht)\s*-{2,}$",
    re.IGNORECASE,
)
HEADER_FROM = re.compile(r"^\*?(From|Von):\*?\s", re.IGNORECASE)
HEADER_SENT = re.compile(r"^\*?(Sent|Date|Gesendet|Datum|To|An):\*?\s", re.IGNORECASE)
RULE = re.compile(r"^_{10,}$")
MOBILE_SIGNATURE = re.compile(r"^(Sent from my .+|Von meinem .+ gesendet\.?|Gesendet von meinem .+)$", re.IGNORECASE)
HEADER_LOOKAHEAD = 3
BLOCK_TAGS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"})
SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "blockquote"})


def _quote_header_at(lines: list[str], index: int) -> bool:
    first = lines[index].strip()
    if first[:3].lower() not in ("on ", "am ", "le "):
        return False
    for length in range(1, HEADER_LOOKAHEAD + 1):
        joined = " ".join(line.strip() for line in lines[index : index + length])
        if any(pattern.match(joined) for pattern in QUOTE_HEADER):
            return True
    return False


def _outlook_header_at(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    following = [next_line.strip() for next_line in lines[index + 1 : index + 1 + HEADER_LOOKAHEAD]]
    if RULE.match(line):
        return any(HEADER_FROM.match(next_line) for next_line in following)
    return bool(HEADER_FROM.match(line)) and any(HEADER_SENT.match(next_line) for next_line in following)


def strip_reply(text: str) -> str:
    """The new text of a reply (see the module notes); "" when nothing new is left."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    end = len(lines)
    for index, line in enumerate(lines):
        if (
            SIGNATURE.match(line)
            or ORIGINAL_MESSAGE.match(line.strip())
            or _quote_header_at(lines, index)
            or _outlook_header_at(lines, index)
        ):
            end = index
            break
    kept = [line.rstrip() for line in lines[:end] if not line.lstrip().startswith(">")]
    while kept and (not kept[-1].strip() or MOBILE_SIGNATURE.match(kept[-1].strip())):
        kept.pop()
    return "\n".join(kept).strip("\n").strip()


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
            self.parts.append("\n")
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Paragraphs and line breaks as lines; quoted blocks (<blockquote>), scripts and styles left out."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def message_text(message: EmailMessage) -> str:
    """The text a person wrote: the text/plain body, else a rendering of the text/html one; "" without either.
    Attachments are ignored."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return str(plain.get_content())
    rich = message.get_body(preferencelist=("html",))
    if rich is not None:
        return html_to_text(str(rich.get_content()))
    return ""
