"""From the clerk's query string to a whoosh query, a filter and ``understood_as``.

The syntax (parsed in ``index.syntax``; full-width characters are accepted everywhere)::

    科研 经费                 words: every one must match (title, body or 发文字号), ranked
    "科研项目申报"            a quoted phrase (also “…” and 「…」), matched literally
    文种:通知 发文机关:教务处  field filters; 标题: 正文: 文号: 收文号: 部门: 密级: 日期: ...
    日期:2026-01-01..2026-03-31   date ranges (also 2026-03, 2026, 2026年3月, >=2026-01-01, 去年)
    登记日期:2026-03 截止日期:..2026-03-14 状态:已作废   registration date, deadline, status
    -阅件                     a leading minus excludes
    东大教发[2026]31号        a 发文字号 in any bracket style finds that document

Bare words go through ``understand.understand_text`` first (教务处的函 → issuer + 文种; 今天登记的
→ 登记日期; 31号文 → the 发文字号's sequence; 超期未办 → 办件, not void, deadline before today).

Matching uses the bigram fields (any substring of the document is found); ranking is BM25 on
them plus a title boost (title bigrams and whole rjieba words in the title) and a bonus when the
words the clerk typed together are adjacent in the document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from whoosh import query as Q

from core.vocab import (ACTION_ITEM, DIRECTIONS, DOC_TYPES, INCOMING, OUTGOING, READ_ITEM, SECRECY_LEVELS,
                        URGENCY_WORDS, RecordStatus)
from index.analysis import HAN, bigrams, normalize, words
from index.errors import QueryError
from index.numbers import archive_key, canonical_number, number_key
from index.syntax import Part, as_date, parse_date_value, split_query
from index.understand import DOC_TYPE_WORDS, IssuerBook, understand_text

TITLE_BOOST = 3.0
NUMBER_BOOST = 5.0
CITED_SCORE = 1.0  # a record that only cites the number typed, below every exact match

_LIST_SEP = re.compile(r"[,、|]")
_LONE_HAN = re.compile(rf"^[{HAN}]$")


# --- whoosh building blocks ---------------------------------------------------------------

def substring_query(fieldname: str, text: str) -> Q.Query | None:
    """Documents whose bigram field contains ``text`` (normalised) as a substring."""
    tokens = bigrams(normalize(text))
    # A lone Han character at either end may sit inside a longer run in the document, where it
    # is part of a bigram, not a unigram: leave it to the neighbouring tokens.
    while len(tokens) > 1 and _LONE_HAN.match(tokens[0]):
        tokens.pop(0)
    while len(tokens) > 1 and _LONE_HAN.match(tokens[-1]):
        tokens.pop()
    if not tokens:
        return None
    if len(tokens) == 1:
        if _LONE_HAN.match(tokens[0]):
            # Scored as the sum of its terms' BM25, as index.engine scores it. whoosh's default
            # (constantscore=True) gives every match 1.0 in a segment of up to 5,000 documents
            # with three expansions or more, so its search ranked such a query unlike the engine.
            return Q.Or([Q.Term(fieldname, tokens[0]), Q.Prefix(fieldname, tokens[0], constantscore=False)])
        return Q.Term(fieldname, tokens[0])
    return Q.Phrase(fieldname, tokens)


def _boosted(q: Q.Query | None, boost: float) -> Q.Query | None:
    if q is not None and boost != 1.0:
        q.boost = boost
    return q


def _any_of(queries: list[Q.Query | None]) -> Q.Query | None:
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else Q.Or(queries)


# The bigram field text must be found in.
SCOPES = {"all": "text_bi", "title": "title_bi", "body": "text_bi"}
TITLE_BONUS = {"all": True, "title": False, "body": False}


def pieces(chunk: str) -> list[str]:
    """Words of a chunk the clerk typed together; single characters join a neighbour, so each
    piece is a substring of the chunk of two characters or more (and still found by bigrams)."""
    tokens = words(normalize(chunk))
    merged: list[str] = []
    carry = ""
    for token in tokens:
        token = carry + token
        carry = ""
        if len(token) == 1 and _LONE_HAN.match(token):
            carry = token
        else:
            merged.append(token)
    if carry:
        if merged:
            merged[-1] += carry
        else:
            merged.append(carry)
    return merged


# (field, side, key in Plan.dates, key in understood_as) of each date a query may bound.
DATE_BOUNDS = (("date", "from", "from", "date_from"), ("date", "to", "to", "date_to"),
               ("registered_at", "from", "reg_from", "registered_from"),
               ("registered_at", "to", "reg_to", "registered_to"),
               ("deadline", "from", "deadline_from", "deadline_from"),
               ("deadline", "to", "deadline_to", "deadline_to"))


# --- the plan -----------------------------------------------------------------------------

@dataclass
class Plan:
    required: list[Q.Query] = field(default_factory=list)   # scored, all must match
    bonus: list[Q.Query] = field(default_factory=list)      # scored, optional
    filters: list[Q.Query] = field(default_factory=list)    # must match, not scored
    excluded: list[Q.Query] = field(default_factory=list)
    dates: dict[str, list[date]] = field(default_factory=lambda: {key: [] for _, _, key, _ in DATE_BOUNDS})
    shown: dict[str, list[Any]] = field(default_factory=dict)
    highlight: list[str] = field(default_factory=list)

    def show(self, key: str, *values: Any) -> None:
        bucket = self.shown.setdefault(key, [])
        for value in values:
            if value not in bucket:
                bucket.append(value)

    # text ------------------------------------------------------------------------------
    def add_text(self, text: str, scope: str = "all", *, literal: bool = False) -> None:
        """``text`` must be found; a match in the title, whole words and the words the clerk
        typed together being adjacent rank higher."""
        bigram_field = SCOPES[scope]
        parts = [text] if literal else pieces(text)
        for piece in parts:
            q = substring_query(bigram_field, piece)
            if q is None:
                continue
            self.required.append(q)
            self.highlight.append(normalize(piece))
            piece_words = words(normalize(piece))
            if TITLE_BONUS[scope]:
                self.bonus.append(_boosted(substring_query("title_bi", piece), TITLE_BOOST))  # not None: q isn't
                if len(piece_words) == 1:
                    self.bonus.append(_boosted(Q.Term("title_w", piece_words[0]), TITLE_BOOST))
        if len(parts) > 1:
            adjacent = substring_query(bigram_field, text)
            if adjacent is not None:
                self.bonus.append(adjacent)
                self.highlight.append(normalize(text))

    def add_number(self, canonical: str) -> None:
        """The record with this 发文字号 or 登记号 first, then the records that cite it. A citation
        scores a constant below an exact number: its text may be no more than 〔2026〕1号 (the
        lone 收 of 收〔2026〕1号 is not a bigram), which BM25 would rank above the record itself."""
        cited = substring_query("text_bi", canonical)
        self.required.append(Q.Or([
            _boosted(Q.Term("doc_number_key", canonical), NUMBER_BOOST),
            _boosted(Q.Term("reg_no_key", canonical), NUMBER_BOOST),
            *((Q.ConstantScoreQuery(cited, CITED_SCORE),) if cited else ()),
        ]))
        self.highlight.append(canonical)
        self.show("doc_number", canonical)

    # filters ---------------------------------------------------------------------------
    def add_filter(self, q: Q.Query | None, negated: bool = False) -> None:
        if q is not None:
            (self.excluded if negated else self.filters).append(q)

    def add_terms(self, fieldname: str, values: list[str], negated: bool = False) -> None:
        self.add_filter(_any_of([Q.Term(fieldname, v) for v in values]), negated)
        self.show(("-" if negated else "") + fieldname, *values)

    # the result ------------------------------------------------------------------------
    def date_filters(self) -> list[Q.Query]:
        out = []
        for name in dict.fromkeys(fieldname for fieldname, _, _, _ in DATE_BOUNDS):
            start = self.bound(name, "from")
            end = self.bound(name, "to")
            if start is None and end is None:
                continue
            out.append(Q.DateRange(name, datetime.combine(start, time()) if start else None,
                                   datetime.combine(end, time.max) if end else None))
        return out

    def bound(self, fieldname: str, side: str) -> date | None:
        """The narrowest bound asked for: the latest start, the earliest end."""
        for name, bound_side, key, _ in DATE_BOUNDS:
            if name == fieldname and bound_side == side:
                return (max if side == "from" else min)(self.dates[key], default=None)
        raise KeyError(fieldname)

    def text_query(self) -> Q.Query | None:
        if not self.required:
            return None
        required = self.required[0] if len(self.required) == 1 else Q.And(self.required)
        return Q.AndMaybe(required, Q.Or(self.bonus)) if self.bonus else required

    def filter_query(self) -> Q.Query | None:
        filters = self.filters + self.date_filters()
        if not filters:
            return None
        return filters[0] if len(filters) == 1 else Q.And(filters)

    def mask_query(self) -> Q.Query | None:
        return _any_of(list(self.excluded))

    def understood_as(self, sort: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, values in self.shown.items():
            out[key] = values[0] if len(values) == 1 else list(values)
        for fieldname, side, _, shown in DATE_BOUNDS:
            value = self.bound(fieldname, side)
            if value is not None:
                out[shown] = value.isoformat()
        out["sort"] = sort
        return out


# --- from parts to plan -------------------------------------------------------------------

def _values(text: str) -> list[str]:
    return [v.strip() for v in _LIST_SEP.split(text) if v.strip()]


def _enum(values: list[str], allowed: dict[str, list[str]], label: str, choices: str) -> list[str]:
    out: list[str] = []
    for value in values:
        if value not in allowed:
            raise QueryError(f"未知的{label}“{value}”。可用的{label}：{choices}")
        out.extend(v for v in allowed[value] if v not in out)
    return out


_DOC_TYPE_VALUES = {word: [t] for word, t in DOC_TYPE_WORDS.items()}
_DIRECTION_VALUES = {INCOMING: [INCOMING], "收": [INCOMING], "来文": [INCOMING], OUTGOING: [OUTGOING],
                     "发": [OUTGOING]}
_ROUTE_VALUES = {ACTION_ITEM: [ACTION_ITEM], READ_ITEM: [READ_ITEM], "办": [ACTION_ITEM], "阅": [READ_ITEM]}
# 紧急 asks for every urgency word, 急件 included; 急件 is offered as a value too.
_URGENCY_VALUES = {**{u: [u] for u in URGENCY_WORDS}, "紧急": list(URGENCY_WORDS)}
_SECRECY_VALUES = {**{s: [s] for s in SECRECY_LEVELS}}
_STATUS_VALUES = {**{s.value: [s.value] for s in RecordStatus}, "作废": [RecordStatus.VOID.value],
                  "登记": [RecordStatus.REGISTERED.value]}
# The values an error message offers. 办件 before 阅件, as it has always been printed.
_DOC_TYPE_CHOICES = "、".join(DOC_TYPES)
_DIRECTION_CHOICES = "、".join(DIRECTIONS)
_ROUTE_CHOICES = "、".join((ACTION_ITEM, READ_ITEM))
_URGENCY_CHOICES = "、".join(URGENCY_WORDS)
_SECRECY_CHOICES = "、".join((*SECRECY_LEVELS, "涉密", "非密"))
_STATUS_CHOICES = "、".join(RecordStatus)

# Adds what one ``字段:值`` part asks for to the plan.
_FieldHandler = Callable[[Plan, Part, IssuerBook, date], None]


def _add_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    handler = _FIELD_HANDLERS.get(part.field)
    if handler is not None:
        handler(plan, part, issuers, today)


def _choice_field(allowed: dict[str, list[str]], label: str, choices: str) -> _FieldHandler:
    """A field whose values come from a fixed list (文种, 收发, 阅办, 紧急程度)."""
    def add(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
        plan.add_terms(part.field, _enum(_values(part.text), allowed, label, choices), part.negated)
    return add


def _secrecy_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    """A 密级, or 涉密/非密 (and 是/否/无) for any 密级 or none."""
    values = _values(part.text)
    if values in (["涉密"], ["是"]):
        plan.add_terms("secret", ["1"], part.negated)
    elif values in (["非密"], ["否"], ["无"]):
        plan.add_terms("secret", ["0"], part.negated)
    else:
        plan.add_terms("secrecy", _enum(values, _SECRECY_VALUES, "密级", _SECRECY_CHOICES), part.negated)


def _issuer_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    """Issuers by any of their names; a name the index does not know is matched as a substring."""
    sign = "-" if part.negated else ""
    queries = []
    for v in _values(part.text):
        names = issuers.resolve(v)
        queries.extend(Q.Term("issuer", n) for n in names)
        if not names:
            queries.append(substring_query("issuer_bi", v))
        plan.show(sign + "issuer", *(names or [v]))
    plan.add_filter(_any_of(queries), part.negated)


def _department_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    values = _values(part.text)
    plan.add_filter(_any_of([q for v in values
                             for q in (Q.Term("department", unicodedata.normalize("NFKC", v)),
                                       substring_query("department_bi", v)) if q]), part.negated)
    plan.show(("-" if part.negated else "") + "department", *values)


def _number_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    """发文字号 or 收文号: exactly, when it reads as a number, else as part of one."""
    name, value = part.field, part.text
    canonical = canonical_number(value)
    if canonical:
        q = Q.Term(f"{name}_key", canonical)
    else:
        q = _any_of([Q.Term(f"{name}_key", number_key(value)), substring_query(f"{name}_bi", value)])
    plan.add_filter(q, part.negated)
    plan.show(("-" if part.negated else "") + name, canonical or value)


def _archive_code_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    value = part.text
    plan.add_filter(_any_of([Q.Term("archive_code", archive_key(value)), substring_query("archive_bi", value)]),
                    part.negated)
    plan.show(("-" if part.negated else "") + "archive_code", value)


def _text_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    """标题: or 正文: text, matched literally; excluded text is a filter, not scored."""
    name, value = part.field, part.text
    if part.negated:
        plan.add_filter(substring_query(SCOPES[name], value), True)
        plan.show("-" + name, value)
    else:
        plan.add_text(value, name, literal=True)
        plan.show(name, value)


def _date_field(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> None:
    if part.negated:
        raise QueryError("日期条件不能用“-”排除，请直接写要查的范围。")
    start, end = parse_date_value(part.text, today)
    prefix = {"date": "", "registered_at": "reg_", "deadline": "deadline_"}[part.field]
    if start:
        plan.dates[prefix + "from"].append(start)
    if end:
        plan.dates[prefix + "to"].append(end)


_FIELD_HANDLERS: dict[str, _FieldHandler] = {
    "doc_type": _choice_field(_DOC_TYPE_VALUES, "文种", _DOC_TYPE_CHOICES),
    "direction": _choice_field(_DIRECTION_VALUES, "收发类别", _DIRECTION_CHOICES),
    "route": _choice_field(_ROUTE_VALUES, "办理类别", _ROUTE_CHOICES),
    "urgency": _choice_field(_URGENCY_VALUES, "紧急程度", _URGENCY_CHOICES),
    "secrecy": _secrecy_field,
    "issuer": _issuer_field,
    "department": _department_field,
    "doc_number": _number_field,
    "reg_no": _number_field,
    "archive_code": _archive_code_field,
    "title": _text_field,
    "body": _text_field,
    "date": _date_field,
    "registered_at": _date_field,
    "deadline": _date_field,
    "status": _choice_field(_STATUS_VALUES, "状态", _STATUS_CHOICES),
}


def _add_bare(plan: Plan, part: Part, issuers: IssuerBook, today: date) -> list[str]:
    """Filters of a bare part go into ``plan``; its leftover text chunks are returned."""
    canonical = canonical_number(part.text)
    if part.negated:
        q = (Q.Or([Q.Term("doc_number_key", canonical), Q.Term("reg_no_key", canonical)]) if canonical
             else substring_query("text_bi", part.text))
        plan.add_filter(q, True)
        plan.show("excluded", part.text)
        return []
    if part.quoted:
        plan.add_text(part.text, literal=True)
        plan.show("text", f"“{part.text}”")
        return []
    if canonical:
        plan.add_number(canonical)
        return []
    understood = understand_text(part.text, issuers=issuers, today=today)
    for fieldname, values in (("doc_type", understood.doc_types), ("issuer", understood.issuers),
                              ("direction", understood.directions), ("route", understood.routes),
                              ("urgency", understood.urgencies), ("secrecy", understood.secrecy)):
        if values:
            plan.add_terms(fieldname, values)
    if understood.secret:
        plan.add_terms("secret", ["1"])
    for prefix, span in (("", understood.date_range), ("reg_", understood.registered_range)):
        if span:
            plan.dates[prefix + "from"].append(span[0])
            plan.dates[prefix + "to"].append(span[1])
    if understood.doc_number_seqs:
        plan.add_filter(_any_of([Q.Term("doc_number_seq", str(n)) for n in understood.doc_number_seqs]))
        plan.show("doc_number_seq", *understood.doc_number_seqs)
    if understood.pending:  # 待办: 办件 that are not void
        plan.add_terms("route", [ACTION_ITEM])
        plan.add_terms("status", [RecordStatus.VOID.value], negated=True)
    if understood.overdue:  # 超期未办: and whose deadline is before today
        plan.dates["deadline_to"].append(today - timedelta(days=1))
    return understood.chunks


def _join_ocr_fragments(parts: list[list[str]]) -> list[str]:
    """Chunks of consecutive bare parts, with single Han characters the clerk (or a copied OCR
    text) separated by spaces joined to their neighbours: 冒 充 客 服 is 冒充客服. Two words
    separated by a space stay two words (both must match, anywhere)."""
    out: list[str] = []
    joinable = False  # the last chunk ended its part, so the next part's first chunk may join it
    for chunks in parts:
        for i, chunk in enumerate(chunks):
            if (i == 0 and joinable and out and _LONE_HAN.match(out[-1][-1]) and _LONE_HAN.match(chunk[0])
                    and (len(chunk) == 1 or _is_fragment(out[-1]))):
                out[-1] += chunk
            else:
                out.append(chunk)
        joinable = bool(chunks)
    return out


def _is_fragment(chunk: str) -> bool:
    return len(chunk) == 1 or bool(re.search(rf"(^|[^{HAN}])[{HAN}]$", chunk))


def build_plan(query: str, *, issuers: IssuerBook, today: date, doc_type: str | None = None,
               date_from: date | str | None = None, date_to: date | str | None = None) -> Plan:
    """Everything the query asks for; raises ``QueryError`` (with a Chinese message) if malformed."""
    plan = Plan()
    pending: list[list[str]] = []  # text chunks of consecutive bare parts

    def flush() -> None:
        for chunk in _join_ocr_fragments(pending):
            plan.add_text(chunk)
            plan.show("text", chunk)
        pending.clear()

    for part in split_query(query or ""):
        if part.field or part.quoted or part.negated:
            flush()
            if part.field:
                _add_field(plan, part, issuers, today)
            else:
                _add_bare(plan, part, issuers, today)
        else:
            pending.append(_add_bare(plan, part, issuers, today))
    flush()
    if doc_type:
        plan.add_terms("doc_type", _enum(_values(doc_type), _DOC_TYPE_VALUES, "文种", _DOC_TYPE_CHOICES))
    start, end = as_date(date_from, "date_from"), as_date(date_to, "date_to")
    if start and end and start > end:
        raise QueryError(f"开始日期 {start} 晚于结束日期 {end}。")
    if start:
        plan.dates["from"].append(start)
    if end:
        plan.dates["to"].append(end)
    if "text" in plan.shown:
        plan.shown["text"] = [" ".join(plan.shown["text"])]
    return plan
