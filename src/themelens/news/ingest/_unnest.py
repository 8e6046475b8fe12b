"""HTML nested deeper than libxml2 parses, made shallow enough that none of its text is lost.

libxml2 (under lxml and trafilatura) stops parsing at 256 levels of nesting,
so a page with its article inside 300 ``<div>`` (or 300 unclosed ``<font>``)
read as "only markup", and any text after the deep part was dropped with it.
``unnest`` leaves a page that parses as it is; for one that does not, it
removes the start and end tags nested past ``_KEEP_DEPTH`` (a block element's
become ``<br>``, so lines stay apart), and removes an element that holds no
article text (``script``, ``style``, ``svg``...) there with its content, as
the cleaner would have. The text stays, in order, and the shallow structure
trafilatura reads (the head, the main blocks) stays too.

The scan is one pass of ``str.find`` and anchored regular expressions that do
not backtrack, so it is linear in the size of the page however it is nested
or broken. If libxml2 still finds the result too deep (it closes elements by
rules this scan only approximates), every tag is removed; that always parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from html import escape
from typing import Final, NamedTuple

import lxml.html
from lxml import etree

__all__ = ["unnest"]

_KEEP_DEPTH: Final = 128
"""Elements nested up to this depth keep their tags; libxml2 gives up at 256."""

_VOID: Final = frozenset((
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
))  # fmt: skip
_RAW_TEXT: Final = frozenset(
    ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")
)
"""Elements whose content is text up to their end tag, never markup."""
_NO_TEXT: Final = frozenset((
    *_RAW_TEXT, "noscript", "template", "svg", "math", "head", "object", "applet", "select",
))  # fmt: skip
"""Elements that hold no article text: past the depth limit they go with their content."""
_BLOCKS: Final = frozenset((
    "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
))  # fmt: skip

# A tag ends at the first ">" outside a quoted attribute value; an unclosed quote is read as
# an unquoted value, so the pattern only fails when no ">" follows (the end of the page).
_TAG: Final = re.compile(
    r"<(/?)([a-zA-Z][^\t\n\f\r />]*+)"
    r"(?:[^>=]++|=[\t\n\f\r ]*+(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >]*+))*+>"
)
_TAG_START: Final = re.compile(r"</?[a-zA-Z]")
_RAW_END: Final = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.I) for name in _RAW_TEXT}


class _Tag(NamedTuple):
    end_tag: bool
    name: str
    start: int
    stop: int


def unnest(html: str) -> str:
    """``html`` unchanged when libxml2 can parse it, else with its deep tags removed."""
    if not _too_deep(html):
        return html
    for keep in (_KEEP_DEPTH, 0):
        flat = _flatten(html, keep)
        if not _too_deep(flat):
            return flat
    return f"<pre>{escape(flat)}</pre>"  # not met in testing: a last guard that keeps the text


def _too_deep(html: str) -> bool:
    """Whether libxml2 stops on this page for nesting too deep."""
    parser = lxml.html.HTMLParser(encoding="utf-8")
    with suppress(ValueError, etree.LxmlError):  # an empty page: the log still tells
        lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    return any("depth" in error.message.lower() for error in parser.error_log)


def _flatten(html: str, keep: int) -> str:
    """``html`` without the tags of elements nested deeper than ``keep``."""
    out: list[str] = []
    copied = 0  # html[:copied] is in out
    broke_at = -1  # where the last <br> put in ends (a run of removed blocks gives one <br>)

    def replace(start: int, stop: int, by: str) -> None:
        nonlocal copied, broke_at
        if by and start == broke_at:
            by = ""
        out.append(html[copied:start])
        out.append(by)
        copied = stop
        if by or start == broke_at:
            broke_at = stop

    stack = _Stack()
    removed: list[bool] = []  # per open element: its start tag was taken out
    dropping: int | None = None  # depth of an element going with its content
    drop_from = 0
    for tag in _tags(html):
        if not tag.end_tag:
            if tag.name in _VOID:
                continue
            deep = dropping is None and len(stack) >= keep
            if deep and tag.name in _NO_TEXT:
                dropping, drop_from = len(stack), tag.start
            elif deep:
                replace(tag.start, tag.stop, _break(tag.name))
            stack.push(tag.name)
            removed.append(deep and dropping is None)
            continue
        at = stack.last(tag.name)
        if at is None:
            continue  # an end tag with nothing to close: libxml2 ignores it too
        if dropping is not None and at <= dropping:
            replace(drop_from, tag.stop if at == dropping else tag.start, "")
            if at < dropping and removed[at]:
                replace(tag.start, tag.stop, _break(tag.name))
            dropping = None
        elif dropping is None and removed[at]:
            replace(tag.start, tag.stop, _break(tag.name))
        stack.cut(at)
        del removed[at:]
    if dropping is not None:
        replace(drop_from, len(html), "")
    out.append(html[copied:])
    return "".join(out)


def _tags(html: str) -> Iterator[_Tag]:
    """Start and end tags of ``html`` in order, skipping comments, doctypes and raw text."""
    pos = 0
    while (pos := html.find("<", pos)) >= 0:
        if html.startswith("<!--", pos):
            close = html.find("-->", pos + 2)
            if close < 0:
                return  # the rest of the page is a comment
            pos = close + 3
            continue
        m = _TAG.match(html, pos)
        if m is None:
            if _TAG_START.match(html, pos):
                return  # a tag the page ends inside (no ">" follows)
            # a doctype, a processing instruction, an end tag with no name: up to the next ">"
            if html.startswith(("<!", "<?", "</"), pos):
                close = html.find(">", pos)
                if close < 0:
                    return
                pos = close + 1
            else:
                pos += 1  # a "<" that opens nothing is text
            continue
        name = m.group(2).lower()
        yield _Tag(bool(m.group(1)), name, pos, m.end())
        pos = m.end()
        if not m.group(1) and name in _RAW_TEXT:
            found = _RAW_END[name].search(html, pos)
            if found is None:
                return  # raw text to the end of the page
            pos = found.start()


class _Stack:
    """Open element names, with the last place of each name kept, so an end tag finds what it
    closes in constant time (a page of unmatched end tags must not cost depth x tags)."""

    def __init__(self) -> None:
        self._names: list[str] = []
        self._at: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._names)

    def push(self, name: str) -> None:
        self._at.setdefault(name, []).append(len(self._names))
        self._names.append(name)

    def last(self, name: str) -> int | None:
        places = self._at.get(name)
        return places[-1] if places else None

    def cut(self, depth: int) -> None:
        """Close the element at ``depth`` and everything opened inside it."""
        while len(self._names) > depth:
            self._at[self._names.pop()].pop()


def _break(name: str) -> str:
    return "<br>" if name in _BLOCKS else ""
