"""Plain text and Markdown: header lines, front matter, light Markdown stripping, titles, slugs.

A ``.txt`` file may open with header lines (``date: 2025-09-18``,
``source: Reuters``, ``title: ...``, ``published: ...``); they are metadata,
so they are removed from the text that claims are extracted from and quoted
against. A ``.md`` file may instead open with YAML front matter between
``---`` lines. Everything else of the body is kept as written, except that
line endings become ``\\n``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Final, NamedTuple

import yaml

from themelens.news.ingest._dates import parse_date_value

__all__ = [
    "Header",
    "guess_title",
    "lead_sentence",
    "slugify",
    "split_front_matter",
    "split_header",
    "strip_markdown",
]

_HEADER_LINE = re.compile(
    r"^(?P<key>date|published|source|title)[ \t]*:[ \t]*(?P<value>.*?)\s*$", re.I
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_SOURCE_NOTE = re.compile(
    r"(?i:first (?:appeared|published)|originally (?:appeared|published)) (?:on|in|by) "
    r"(?P<source>[A-Z][\w&'-]*(?:\.[a-z]{2,4})?(?: [A-Z][\w&'-]*){0,4})(?:[.,;]?\s|[.,;]?$)"
)
_TITLE_MAX: Final = 160


class Header(NamedTuple):
    """Metadata read from the top of a file; ``date`` is the raw value, parsed by the caller."""

    date: str | None = None
    source: str | None = None
    title: str | None = None


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_header(text: str) -> tuple[Header, str]:
    """Take ``key: value`` header lines off the top of ``text``; returns (header, body).

    The first date that parses is the article's date; a later date line that
    parses too ("published: ...", after "date: ...") is a restatement and goes.
    A date line that does not parse ("Published: next Tuesday") is not
    metadata we can use, so it and everything after it stay in the body as
    text: an odd line at the top of a page never costs the article.
    """
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _HEADER_LINE.match(lines[i])
        if not m:
            break
        key = m.group("key").lower()
        if key in ("date", "published"):
            if parse_date_value(m.group("value")) is None:
                break
            values.setdefault("date", m.group("value"))
        else:
            values[key] = m.group("value")
        i += 1
    if not values:
        return Header(), text.strip("\n")
    body = "\n".join(lines[i:])
    return Header(values.get("date"), values.get("source"), values.get("title")), body.strip("\n")


def split_front_matter(text: str) -> tuple[Header, str]:
    """YAML front matter (``---`` ... ``---``) off the top of Markdown; header lines otherwise."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return split_header(text)
    try:
        meta = yaml.safe_load(m.group("yaml"))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        return split_header(text)
    body = text[m.end() :]
    published = meta.get("date", meta.get("published"))
    if isinstance(published, datetime):
        published = published.date()
    header = Header(
        published.isoformat() if isinstance(published, date) else _opt_str(published),
        _opt_str(meta.get("source")),
        _opt_str(meta.get("title")),
    )
    return header, body.strip("\n")


def _opt_str(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _unclosed(heading: str) -> str:
    """A heading's text without its closing ``#`` run; what ``(.*?)[ \t]*#*[ \t]*$`` keeps,
    found without the regex's scan of every suffix (quadratic on a long heading line)."""
    return heading.rstrip(" \t").rstrip("#").rstrip(" \t")


# Each pattern scans from a "[", "**" or "](" no further than the next one, so a file of
# openers without closers costs linear time, not a scan to the end per opener.
_MD_RULES: Final = (
    (re.compile(r"^```.*$\n?|^~~~.*$\n?", re.M), ""),  # code fences (their content stays)
    (re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.M), ""),  # horizontal rules
    (re.compile(r"!\[([^\[\]]*)\]\([^()\n]*\)"), ""),  # images
    (re.compile(r"\[([^\[\]]+)\]\([^()\n]*\)"), r"\1"),  # links keep their text
    (re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$\n?", re.M), ""),  # link reference definitions
    (
        re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*)$", re.M),
        lambda m: _unclosed(m.group(1)),
    ),  # headings
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),  # block quotes
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.M), r"\1"),  # bullet markers
    (  # bold
        re.compile(
            r"\*\*(?=\S)((?:[^*\n]|\*(?!\*))+?)(?<=\S)\*\*|__(?=\S)((?:[^_\n]|_(?!_))+?)(?<=\S)__"
        ),
        r"\1\2",
    ),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *italic*
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"),  # _italic_
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
)


def strip_markdown(text: str) -> str:
    """Markdown to plain text, lightly: markup goes, words and numbers stay as written."""
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def markdown_title(text: str) -> str | None:
    """The first level-one heading of Markdown (``# Title``), if any."""
    m = re.search(r"^[ \t]{0,3}#[ \t]+(.+)$", text, re.M)
    if m is None:
        return None
    return (_unclosed(m.group(1)) or m.group(1)[:1]).strip()


def guess_title(text: str, *, skip: tuple[str, ...] = ()) -> str | None:
    """A headline-looking line among the first three: short, several words, no final period.

    Lines in ``skip`` (a dateline) are passed over; a text that is one line has no title.
    """
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) < 2:
        return None
    for line in lines[:3]:
        if line in skip or len(line) > _TITLE_MAX or line.endswith((".", ":", ",")):
            continue
        if sum(1 for w in line.split() if any(c.isalpha() for c in w)) >= 3:
            return line
    return None


_LEAD_MAX: Final = 110
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")


def lead_sentence(text: str) -> str | None:
    """The article's first real sentence, cut to about 110 characters at a word: what a
    reader can recognise an untitled article by.

    Lines of fewer than six words (a dateline, a byline, "September 18, 2025")
    and notes on where the article first appeared are passed over.
    """
    for line in text[:4000].split("\n"):
        line = line.strip()
        if len(line.split()) < 6 or _SOURCE_NOTE.search(line):
            continue
        sentence = _SENTENCE_END.split(line, maxsplit=1)[0]
        if len(sentence) <= _LEAD_MAX:
            return sentence
        return sentence[:_LEAD_MAX].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return None


def guess_source(text: str) -> str | None:
    """An outlet named by a note such as "This article first appeared on GuruFocus."."""
    m = _SOURCE_NOTE.search(text[:1000])
    return m.group("source") if m else None


def slugify(text: str, *, max_len: int = 60) -> str:
    """``"Baidu's 16% jump: what next?"`` -> ``"baidus-16-jump-what-next"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = ascii_text.replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0]
    return slug
