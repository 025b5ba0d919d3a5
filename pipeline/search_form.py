"""The 检索 page's form over the query language of ``wenshu search``.

The page has one box and a few filters (文种, 发文机关, 成文日期, 阅件/办件, 收文/发文, 密级).
Filters are written as the query words the index understands (``阅办:办件``, ``收发:收文``,
``密级:秘密``, ``发文机关:…``) or passed as ``search``'s own ``doc_type``/``date_from``/
``date_to``, so the page and the command search alike and ``understood_as`` names them too.

What the search understood (``understood_as``) is shown as chips, each removable: the chip's
link is the same search without that part, written back as a query (and the filters it fills).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from core.vocab import ACTION_ITEM, CLEARANCES, DIRECTIONS, DOC_TYPES, READ_ITEM, visible_to
from index.syntax import split_query

PAGE_SIZE = 20
SORTS = {"relevance": "相关度", "date": "日期"}
ROUTE_CHOICES = (ACTION_ITEM, READ_ITEM)
DIRECTION_CHOICES = DIRECTIONS
DOC_TYPE_CHOICES = DOC_TYPES
NOT_SECRET_WORD, ANY_SECRET_WORD = "非密", "涉密"

# The query word for each field understood_as names (the first alias index.syntax knows it by).
FIELD_WORDS = {"doc_type": "文种", "issuer": "发文机关", "title": "标题", "body": "正文", "doc_number": "文号",
               "reg_no": "登记号", "department": "部门", "secrecy": "密级", "urgency": "紧急程度", "route": "阅办",
               "direction": "收发", "status": "状态", "archive_code": "档号"}
# Date bounds of understood_as: (query word, side).
DATE_BOUNDS = {"date_from": ("日期", "from"), "date_to": ("日期", "to"),
               "registered_from": ("登记日期", "from"), "registered_to": ("登记日期", "to"),
               "deadline_from": ("截止日期", "from"), "deadline_to": ("截止日期", "to")}
# What a chip says before the value.
LABELS = {"text": "包含", "doc_type": "文种", "issuer": "发文机关", "title": "标题含", "body": "正文含",
          "doc_number": "发文字号", "reg_no": "登记号", "department": "承办部门", "secrecy": "密级",
          "urgency": "紧急程度", "route": "阅办", "direction": "收发", "status": "状态", "archive_code": "档号",
          "doc_number_seq": "文号序号", "excluded": "不含",
          "date_from": "成文日期自", "date_to": "成文日期至", "registered_from": "登记日期自",
          "registered_to": "登记日期至", "deadline_from": "办理时限自", "deadline_to": "办理时限至"}
_QUOTES = (("“", "”"), ("「", "」"), ("『", "』"), ('"', '"'))
_BREAKS = frozenset(" \t\n\"“”「」『』")


@dataclass(frozen=True)
class Part:
    """One removable thing understood_as says: a key and one of its values."""

    key: str          # an understood_as key, "-" first when it excludes
    value: Any
    quoted: bool = False  # a quoted phrase of the text

    @property
    def negated(self) -> bool:
        return self.key.startswith("-")

    @property
    def name(self) -> str:
        return self.key.lstrip("-")


@dataclass(frozen=True)
class Chip:
    label: str
    href: str | None  # the same search without this part; None: it cannot be taken out


@dataclass(frozen=True)
class SearchForm:
    """The page's parameters, as in its URL (``/search?q=…&doc_type=…&page=2``)."""

    q: str = ""
    doc_type: str = ""
    issuer: str = ""
    date_from: str = ""
    date_to: str = ""
    route: str = ""
    direction: str = ""
    secrecy: str = ""
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> SearchForm:
        """From a query string; ``from``/``to`` name the dates. A page that is not a number is 1."""
        values = {name: (params.get(key) or "").strip() for name, key in _PARAMS.items()}
        try:
            page = max(1, int(params.get("page") or 1))
        except ValueError:
            page = 1
        return cls(**values, sort=(params.get("sort") or "relevance").strip(), page=page)

    @property
    def asked(self) -> bool:
        """Whether there is anything to search for (else the page shows the empty form)."""
        return any(getattr(self, name) for name in _PARAMS)

    def query(self) -> str:
        """The box and the filters the query language expresses, as one query."""
        words = [self.q] if self.q else []
        for name in ("issuer", "route", "direction", "secrecy"):
            value = getattr(self, name)
            if value:
                words.append(f"{_WORD_OF[name]}:{quoted(value)}")
        return " ".join(words)

    def options(self) -> dict[str, Any]:
        """``search``'s own arguments the filters fill."""
        return {"doc_type": self.doc_type or None, "date_from": self.date_from or None,
                "date_to": self.date_to or None, "sort": self.sort, "page": self.page, "limit": PAGE_SIZE}

    def url(self, **changes: Any) -> str:
        form = replace(self, **changes)
        params = [(key, getattr(form, name)) for name, key in _PARAMS.items() if getattr(form, name)]
        if form.sort != "relevance":
            params.append(("sort", form.sort))
        if form.page != 1:
            params.append(("page", str(form.page)))
        return "/search" + ("?" + urlencode(params) if params else "")

    def chips(self, understood_as: Mapping[str, Any]) -> list[Chip]:
        """A chip for each part of what the search understood; each links to the search without it."""
        parts = parts_of(understood_as)
        chips = []
        for i, part in enumerate(parts):
            rest = parts[:i] + parts[i + 1:]
            href = self.without(rest).url() if known(part) else None
            chips.append(Chip(label(part), href))
        return chips

    def without(self, parts: list[Part]) -> SearchForm:
        """The search of these parts (and this sort), the simple filters in their form fields."""
        form = SearchForm(sort=self.sort)
        parts = [part for part in parts if known(part)]
        keys = [part.key for part in parts]
        secrecy = next((part for part in parts if part.key in ("secrecy", "secret")), None)
        words: list[str | tuple[str]] = []
        grouped: dict[str, list[str]] = {}
        for part in parts:
            if part.key in _FORM_FIELDS and keys.count(part.key) == 1:
                form = replace(form, **{part.key: str(part.value)})
            elif part is secrecy and keys.count(part.key) == 1:
                form = replace(form, secrecy=_secrecy_word(part))
            elif part.name in GROUPED:  # several values of one field: any of them, as typed 通知、请示
                if part.key not in grouped:
                    grouped[part.key] = []
                    words.append((part.key,))  # its place; the word is written once all values are known
                grouped[part.key].append(str(part.value))
            else:
                words.append(word(part))
        return replace(form, q=" ".join(_grouped_word(w[0], grouped[w[0]]) if isinstance(w, tuple) else w
                                        for w in words))


_PARAMS = {"q": "q", "doc_type": "doc_type", "issuer": "issuer", "date_from": "from", "date_to": "to",
           "route": "route", "direction": "direction", "secrecy": "secrecy"}
_FORM_FIELDS = ("doc_type", "issuer", "route", "direction", "date_from", "date_to")
# Fields whose several values mean any of them (index.query joins them with Or).
GROUPED = frozenset({"doc_type", "issuer", "route", "direction", "urgency", "secrecy", "status", "department"})
_WORD_OF = {"issuer": "发文机关", "route": "阅办", "direction": "收发", "secrecy": "密级"}


def secrecy_choices(clearance: str | None) -> list[str]:
    """The 密级 filter's values a user of this clearance is offered: 非密, the levels they are
    cleared for (lowest first), and 涉密 (any of those) when there is one."""
    levels = [level for level in CLEARANCES if visible_to(level, clearance)]
    return [NOT_SECRET_WORD, *levels, *([ANY_SECRET_WORD] if levels else [])]


def parts_of(understood_as: Mapping[str, Any]) -> list[Part]:
    parts: list[Part] = []
    for key, value in understood_as.items():
        if key == "sort":
            continue
        if key == "text":
            parts.extend(Part("text", p.text, p.quoted) for p in split_query(str(value)))
            continue
        for one in value if isinstance(value, list) else [value]:
            parts.append(Part(key, one))
    return parts


def known(part: Part) -> bool:
    """Whether the part can be written back as a query word."""
    return (part.name in FIELD_WORDS or part.key in DATE_BOUNDS
            or part.name in ("text", "excluded", "doc_number_seq", "secret"))


def word(part: Part) -> str:
    """The query word that asks for ``part``."""
    sign = "-" if part.negated else ""
    value = str(part.value)
    if part.key == "text":
        return quoted(value, always=True) if part.quoted else value
    if part.key == "excluded":
        return "-" + quoted(value)
    if part.key == "doc_number_seq":
        return f"{value}号文"
    if part.name == "secret":
        return f"{sign}密级:{ANY_SECRET_WORD if value == '1' else NOT_SECRET_WORD}"
    if part.key in DATE_BOUNDS:
        name, side = DATE_BOUNDS[part.key]
        return f"{name}:{value}.." if side == "from" else f"{name}:..{value}"
    if part.key == "doc_number":  # the number typed alone: the record and those citing it
        return quoted(value)
    return f"{sign}{FIELD_WORDS[part.name]}:{quoted(value)}"


def _grouped_word(key: str, values: list[str]) -> str:
    sign = "-" if key.startswith("-") else ""
    return f"{sign}{FIELD_WORDS[key.lstrip('-')]}:{quoted('、'.join(values))}"


def quoted(value: str, *, always: bool = False) -> str:
    """``value`` as one query word: in quotes when it holds a space or a quote (or ``always``)."""
    if not always and not (set(value) & _BREAKS) and not value.startswith("-"):
        return value
    for opener, closer in _QUOTES:
        if closer not in value and '"' not in value:
            return f"{opener}{value}{closer}"
    return value


def label(part: Part) -> str:
    value = part.value
    if part.name == "secret":
        text = "涉密文件" if value == "1" else "非密文件"
        return ("不含" if part.negated else "") + text
    name = LABELS.get(part.name, part.name)
    if part.key == "text" and part.quoted:
        value, name = f"“{value}”", "包含短语"
    return f"{'不含' if part.negated else ''}{name}：{value}"


def _secrecy_word(part: Part) -> str:
    if part.key == "secret":
        return ANY_SECRET_WORD if part.value == "1" else NOT_SECRET_WORD
    return str(part.value)
