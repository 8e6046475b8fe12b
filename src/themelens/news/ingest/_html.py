"""HTML to article text and metadata, via trafilatura (with lxml_html_clean beside it).

trafilatura finds the main text of a page and drops navigation, scripts and
boilerplate; its metadata gives the title, the site name and the publication
date (htmldate reading ``article:published_time``, JSON-LD, ``<time>``
elements; the extensive text search is off, so a date merely mentioned in
the body is not taken for the publication date). Fragments too small for
trafilatura (a feed entry's summary) go through ``lxml_html_clean``, which
removes scripts, styles and event handlers before the text is read. Either
way no script content can reach the article text.
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
    doc = None
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=dict(_DATE_PARAMS),
        )
    except (ValueError, TypeError, etree.LxmlError) as exc:  # malformed markup
        log.info("trafilatura could not parse %s: %s", url or "html", exc)
    text = getattr(doc, "text", None) or ""
    title = _clean(getattr(doc, "title", None))
    site = _clean(getattr(doc, "sitename", None))
    published = _iso_date(getattr(doc, "date", None))
    if not text.strip():
        text = fragment_to_text(html)
        title = title or _head_title(html)
    return HtmlParts(_tidy(text), title, published, site)


def fragment_to_text(html: str) -> str:
    """Visible text of an HTML fragment or page, one block element per line; no scripts."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
        cleaned = _CLEANER.clean_html(root)
    except (ValueError, etree.LxmlError):
        return ""
    for el in cleaned.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
    return _tidy(str(cleaned.text_content()))


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
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.I | re.S)
    return _clean(re.sub(r"<[^>]+>", "", m.group(1))) if m else None
