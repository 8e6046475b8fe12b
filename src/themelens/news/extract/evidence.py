"""Evidence: the words that decided each field of a claim, for ``claims extract --explain``.

What a user reads when a claim looks wrong: the cue that chose the metric,
the mention (or the context) that chose the entity, the time expression (or
the context's default) that chose the window and date.
"""

from __future__ import annotations

from themelens.news.claim import Evidence
from themelens.news.extract.dates import TimeExpr
from themelens.news.extract.entities import Mention, group_around
from themelens.news.extract.resolve import Found, SentenceView

__all__ = ["evidence_for"]


def evidence_for(
    sent: SentenceView,
    f: Found,
    member: str,
    mention: Mention | None,
    bound: list[TimeExpr],
    window: str | None,
    when: str | None,
) -> Evidence:
    """The words that decided each field of a claim, for ``claims extract --explain``."""
    text = sent.text

    def said(span: tuple[int, int]) -> str:
        return repr(text[span[0] : span[1]])

    if f.cue is not None:
        metric = f"cue {said(f.cue)}"
    elif f.quantity is None:
        metric = "phrase"
    else:
        metric = "a signed figure on a table or list line"
    if mention is not None and mention.slug and mention.slug != member:
        group = group_around(text, sent.mentions, sent.mentions.index(mention))
        entity = f"named set {said((group[0].start, group[-1].end))}, {member}'s share of it"
    elif mention is not None:
        entity = f"mention {said((mention.start, mention.end))}"
        if not mention.slug:
            entity += f" ({mention.kind.replace('-', ' ')}, resolved from the article so far)"
    else:
        entity = "no name in the sentence: the article's context"
    bound_expr = next((t for t in bound if t.window == window or (when and t.date == when)), None)
    if bound_expr is not None and bound_expr.end > bound_expr.start:
        time = f"{said((bound_expr.start, bound_expr.end))}"
    elif bound_expr is not None:
        time = "the heading of the list above"
    else:
        time = "none in the clause: the context's default"
    return Evidence(
        metric=metric,
        entity=entity,
        window=f"{window}: {time}" if window else "none stated",
        date=f"{when}: {time}" if when else "unknown",
    )
