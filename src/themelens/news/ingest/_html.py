"""HTML to article text and metadata, via trafilatura (with lxml_html_clean beside it).

trafilatura finds the main text of a page and drops navigation, scripts and
boilerplate; its metadata gives the title, the site name and the publication
date (htmldate reading ``article:published_time``, JSON-LD, ``<time>``
elements; the extensive text search is off, so a date merely mentioned in
the body is not taken for the publication date). Fragments too small for
trafilatura (a feed entry's summary) go through ``lxml_html_clean``, which
removes scripts, styles and event handlers before the text is read. Either
way no script content can reach the article text. A page nested deeper than
libxml2 parses is first made shallower by ``unnest``, which keeps its text.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Final, NamedTuple

import lxml.html
import trafilatura
from lxml import etree
from lxml_html_clean import Cleaner

from themelens.news.ingest._unnest import unnest

__all__ = ["HtmlParts", "fragment_to_text", "read_html"]

log = logging.getLogger(__name__)

_CLEANER: Final = Cleaner(
    scripts=True,
    javascript=True,
    comments=True,
    style=True,
    inline_style=True,
    links=True,
    meta=True,
    page_structure=False,
    processing_instructions=True,
    embedded=True,
    frames=True,
    forms=True,
    annoying_tags=True,
    remove_unknown_tags=False,
    kill_tags=["noscript", "template", "svg", "head", "title"],
)
_BLOCKS: Final = frozenset((
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "section", "article", "header", "footer", "pre", "figure", "figcaption", "dt", "dd",
))  # fmt: skip
_NOT_XML: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TITLE_OPEN: Final = re.compile(r"<title\b[^<>]*+>", re.I)
_TITLE_CLOSE: Final = re.compile(r"</title\s*>", re.I)
_TAG_RE: Final = re.compile(r"<[^<>]*+>")
_DATE_PARAMS: Final = {"extensive_search": False, "original_date": True}


class HtmlParts(NamedTuple):
    text: str
    title: str | None
    published: date | None
    site_name: str | None


def read_html(html: str, *, url: str | None = None) -> HtmlParts:
    """The main text, title, publication date and site name of an HTML document.

    The text is empty when the page has no article text (a page of scripts).
    """
    text_html = _xml_chars(html)
    page = unnest(text_html)  # the very same string when it had nothing to unnest
    doc = None
    try:
        doc = trafilatura.bare_extraction(
            page,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=dict(_DATE_PARAMS),
        )
    # malformed markup; AssertionError: htmldate drops an <html> nested in <svg> (the root,
    # once parsed), and lxml's drop_tree asserts the element has a parent
    except (ValueError, TypeError, AssertionError, etree.LxmlError) as exc:
        log.info("trafilatura could not parse %s: %r", url or "html", exc)
    text = getattr(doc, "text", None) or ""
    title = _clean(getattr(doc, "title", None))
    site = _clean(getattr(doc, "sitename", None))
    published = _iso_date(getattr(doc, "date", None))
    if not text.strip():
        text = fragment_to_text(page)
    if not text.strip() or page is not text_html:  # unnest may have taken the head with it
        title = title or _head_title(html)
    return HtmlParts(_tidy(text), title, published, site)


def fragment_to_text(html: str) -> str:
    """Visible text of an HTML fragment or page, one block element per line; no scripts."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(unnest(_xml_chars(html)))
        cleaned = _CLEANER.clean_html(root)
    except (ValueError, etree.LxmlError):
        return ""
    return _tidy(_text_by_block(cleaned))


def _text_by_block(root: lxml.html.HtmlElement) -> str:
    """The text under ``root`` (as ``text_content()``) with a line break after each block.

    Read, not written back: lxml refuses to set a tail holding a control character the
    parser let through (``<div>a</div>b\x1f``), so adding the breaks to the tree failed.
    """
    parts: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        element = isinstance(el.tag, str)  # not a comment or processing instruction
        if event == "start":
            parts.append((el.text or "") if element else "")
            continue
        if element and el.tag.lower() in _BLOCKS:
            parts.append("\n")
        if el is not root:
            parts.append(el.tail or "")
    return "".join(parts)


def _xml_chars(html: str) -> str:
    """``html`` with the characters lxml will not hold in a text node made spaces.

    The parser lets a control character through, but the cleaner (dropping a comment
    beside it) and trafilatura then fail to write that text back: one ``\\x1f`` lost the
    whole page. Python reads these as whitespace, so the text is what it would have been.
    """
    return _NOT_XML.sub(" ", html)


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _iso_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _head_title(html: str) -> str | None:
    """The first ``<title>``'s text, found in one pass (a page of unclosed titles is linear)."""
    opening = _TITLE_OPEN.search(html)
    if opening is None:
        return None
    closing = _TITLE_CLOSE.search(html, opening.end())
    if closing is None:
        return None
    return _clean(_TAG_RE.sub("", html[opening.end() : closing.start()]))
