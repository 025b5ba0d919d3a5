"""The rules file: load, validate, merge the office's override, compile once.

``load_rules(settings)`` reads the shipped ``rules.toml`` and ``<data_dir>/rules.toml`` if it
exists (tables merge key by key; lists and strings replace), refuses unknown keys with a
:class:`~core.errors.ConfigError`, and returns a frozen :class:`Rules` whose regular
expressions are compiled. The result is cached per data directory and override file
modification time, so calling it for every document costs a ``stat``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from core.errors import ConfigError
from core.settings import Settings, deep_merge, read_toml
from core.vocab import DOC_TYPE_VALUES, DOC_TYPES

RULES_FILE_NAME = "rules.toml"


# --- the file's schema ----------------------------------------------------------------------

class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Office(_Table):
    university: str = ""


class _DocTypes(_Table):
    aliases: dict[str, str]
    closings: dict[str, str]
    body_phrases: dict[str, str]

    @model_validator(mode="after")
    def _known_types(self) -> "_DocTypes":
        for table in (self.aliases, self.closings, self.body_phrases):
            for key, value in table.items():
                if value not in DOC_TYPES:
                    raise ValueError(f"{key!r} maps to {value!r}, which is not one of the 15 文种")
        return self


class _Route(_Table):
    defaults: dict[str, Literal["阅件", "办件"]]
    cue_types: list[str]
    notes: dict[str, str]
    urgent: list[str]
    action_cues: list[str]
    info_cues: list[str]

    @model_validator(mode="after")
    def _known_types(self) -> "_Route":
        for name in (*self.defaults, *self.cue_types, *self.notes):
            if name not in DOC_TYPE_VALUES:
                raise ValueError(f"{name!r} is not a 文种 (use one of {'、'.join(DOC_TYPE_VALUES)})")
        return self


class _Deadline(_Table):
    urgency_days: dict[str, int]
    before: list[str]
    after: list[str]
    not_after: list[str]
    not_before: list[str]
    meeting_verbs: list[str] = []
    attendance: list[str] = []


class _Ling(_Table):
    signer_posts: list[str] = []


class _Awaits(_Table):
    reply_words: list[str] = []
    reply_phrases: list[str] = []


class _Secrecy(_Table):
    default_years: dict[Literal["绝密", "机密", "秘密"], int]


class _Issuer(_Table):
    superiors: list[str]
    own_units: list[str] = []
    short: list[tuple[str, str]]


class _DefaultDepartment(_Table):
    name: str
    code: str


class _Department(_Table):
    code: str
    doc_codes: list[str] = []
    senders: list[str] = []
    keywords: list[str] = []

    @model_validator(mode="after")
    def _code_shape(self) -> "_Department":
        if not re.fullmatch(r"[A-Z]{2,4}", self.code):
            raise ValueError(f"code {self.code!r} must be 2-4 capital letters (档号 机构代码, e.g. BGS)")
        return self


class _RetentionRule(_Table):
    level: list[Literal["本单位", "上级", "下级", "其他"]] | None = None
    doc_types: list[str] | None = None
    departments: list[str] | None = None
    addressed_to_us: bool | None = None
    mentions_us: bool | None = None
    keywords: list[str] | None = None
    period: str
    why: str = ""
    source: str = ""   # where the period comes from (DA/T 22-2015, 国家档案局令第8号 …, or the office's own 归档范围)


class _Retention(_Table):
    codes: dict[str, str]
    rules: list[_RetentionRule]


class _Checks(_Table):
    report_requests: list[str]
    matter_verbs: list[str]


class _RulesFile(_Table):
    office: _Office
    doc_types: _DocTypes
    route: _Route
    deadline: _Deadline
    secrecy: _Secrecy
    issuer: _Issuer
    departments_default: _DefaultDepartment
    departments: dict[str, _Department]
    retention: _Retention
    checks: _Checks
    awaits: _Awaits = _Awaits()
    ling: _Ling = _Ling()
    senders: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _cross_references(self) -> "_RulesFile":
        if self.departments_default.name not in self.departments:
            raise ValueError(f"departments_default.name {self.departments_default.name!r} "
                             "is not one of [departments]")
        for n, rule in enumerate(self.retention.rules, 1):
            if rule.period not in self.retention.codes:
                raise ValueError(f"retention rule {n}: period {rule.period!r} has no entry in retention.codes")
            for name in rule.departments or ():
                if name not in self.departments:
                    raise ValueError(f"retention rule {n}: unknown department {name!r}")
            for name in rule.doc_types or ():
                if name not in DOC_TYPE_VALUES:
                    raise ValueError(f"retention rule {n}: {name!r} is not a 文种")
        if not self.retention.rules or any(
                getattr(self.retention.rules[-1], f) is not None
                for f in ("level", "doc_types", "departments", "addressed_to_us", "mentions_us", "keywords")):
            raise ValueError("the last retention rule must have no conditions (the fallback period)")
        return self


# --- the compiled form ----------------------------------------------------------------------

@dataclass(frozen=True)
class Department:
    name: str
    code: str
    doc_code: re.Pattern | None
    senders: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class RetentionRule:
    period: str
    why: str
    source: str
    level: frozenset[str] | None
    doc_types: frozenset[str] | None
    departments: frozenset[str] | None
    addressed_to_us: bool | None
    mentions_us: bool | None
    keywords: tuple[str, ...] | None


@dataclass(frozen=True)
class Rules:
    university: str
    own_names: tuple[str, ...]
    own_units: frozenset[str]          # own names, and own names + [issuer] own_units
    aliases: Mapping[str, str]
    closing_re: re.Pattern
    closings: Mapping[str, str]
    body_phrase_re: re.Pattern
    body_phrases: Mapping[str, str]
    route_defaults: Mapping[str, str]
    cue_types: frozenset[str]
    route_notes: Mapping[str, str]
    urgent: frozenset[str]
    action_re: re.Pattern
    info_re: re.Pattern
    urgency_days: Mapping[str, int]
    deadline_before_re: re.Pattern
    deadline_after_re: re.Pattern
    deadline_not_after_re: re.Pattern
    deadline_not_before_re: re.Pattern
    meeting_verb_re: re.Pattern
    attendance_re: re.Pattern
    secrecy_years: Mapping[str, int]
    superiors: tuple[re.Pattern, ...]
    short_names: tuple[tuple[re.Pattern, str], ...]
    departments: tuple[Department, ...]
    keyword_re: re.Pattern | None
    keyword_departments: Mapping[str, tuple[str, ...]]
    default_department: str
    default_department_code: str
    retention_codes: Mapping[str, str]
    retention_rules: tuple[RetentionRule, ...]
    report_request_re: re.Pattern
    matter_verb_re: re.Pattern
    reply_request_re: re.Pattern
    signer_posts: tuple[str, ...]
    senders: Mapping[str, tuple[str, ...]]
    sources: tuple[str, ...]

    def department(self, name: str) -> Department:
        return next(d for d in self.departments if d.name == name)


def _alternation(words, *, flexible_comma: bool = False) -> re.Pattern:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return re.compile(r"(?!x)x")
    parts = [re.escape(w) for w in words]
    if flexible_comma:
        parts = [p.replace("，", r"[，,]\s*") for p in parts]
    return re.compile("|".join(parts))


def _compile(raw: _RulesFile, university: str, own_names: tuple[str, ...],
             sources: tuple[str, ...]) -> Rules:
    pattern = _pattern_compiler(university, sources)
    departments, keyword_departments = _departments(raw.departments, pattern)
    return Rules(
        university=university,
        own_names=own_names,
        own_units=frozenset((*own_names, *(n + u for n in own_names for u in raw.issuer.own_units))),
        **_doc_type_fields(raw.doc_types),
        **_route_fields(raw.route),
        **_deadline_fields(raw.deadline),
        secrecy_years=MappingProxyType(dict(raw.secrecy.default_years)),
        superiors=tuple(pattern(p, "issuer.superiors") for p in raw.issuer.superiors),
        short_names=tuple((pattern(p, "issuer.short"), r) for p, r in raw.issuer.short),
        departments=departments,
        keyword_re=_alternation(keyword_departments) if keyword_departments else None,
        keyword_departments=MappingProxyType(keyword_departments),
        default_department=raw.departments_default.name,
        default_department_code=raw.departments_default.code,
        retention_codes=MappingProxyType(dict(raw.retention.codes)),
        retention_rules=tuple(_retention_rule(r) for r in raw.retention.rules),
        report_request_re=_alternation(raw.checks.report_requests, flexible_comma=True),
        matter_verb_re=_alternation(raw.checks.matter_verbs),
        reply_request_re=_reply_request(raw.awaits),
        signer_posts=tuple(raw.ling.signer_posts),
        senders=MappingProxyType({name.replace("{university}", university): tuple(codes)
                                  for name, codes in raw.senders.items()}),
        sources=sources,
    )


def _pattern_compiler(university: str, sources: tuple[str, ...]) -> Callable[[str, str], re.Pattern]:
    """Compiles a pattern of the rules file, {university} filled in; a bad one is the office's
    to fix, so the error names the key and the file."""
    def pattern(text: str, where: str) -> re.Pattern:
        try:
            return re.compile(text.replace("{university}", re.escape(university)))
        except re.error as exc:
            raise ConfigError(f"rules: {where}: bad regular expression {text!r}: {exc}",
                              fix=f"Correct the pattern in {sources[-1]}.") from exc
    return pattern


def _departments(raw: dict[str, _Department], pattern: Callable[[str, str], re.Pattern]
                 ) -> tuple[tuple[Department, ...], dict[str, tuple[str, ...]]]:
    """The business areas in file order, and each keyword's areas."""
    departments = []
    keyword_departments: dict[str, list[str]] = {}
    for name, dept in raw.items():
        doc_code = (pattern("|".join(f"(?:{c})" for c in dept.doc_codes), f"departments.{name}.doc_codes")
                    if dept.doc_codes else None)
        departments.append(Department(name, dept.code, doc_code, tuple(dept.senders), tuple(dept.keywords)))
        for word in dept.keywords:
            keyword_departments.setdefault(word, []).append(name)
    return tuple(departments), {k: tuple(v) for k, v in keyword_departments.items()}


def _doc_type_fields(raw: _DocTypes) -> dict[str, Any]:
    return dict(
        aliases=MappingProxyType(dict(raw.aliases)),
        closing_re=_alternation(raw.closings, flexible_comma=True),
        closings=MappingProxyType({k.replace("，", ""): v for k, v in raw.closings.items()}),
        body_phrase_re=_alternation(raw.body_phrases),
        body_phrases=MappingProxyType(dict(raw.body_phrases)),
    )


def _route_fields(raw: _Route) -> dict[str, Any]:
    return dict(
        route_defaults=MappingProxyType(dict(raw.defaults)),
        cue_types=frozenset(raw.cue_types),
        route_notes=MappingProxyType(dict(raw.notes)),
        urgent=frozenset(raw.urgent),
        action_re=_alternation(raw.action_cues),
        info_re=_alternation(raw.info_cues),
    )


def _deadline_fields(raw: _Deadline) -> dict[str, Any]:
    return dict(
        urgency_days=MappingProxyType(dict(raw.urgency_days)),
        deadline_before_re=re.compile(f"(?:{_alternation(raw.before).pattern})\\s*$"),
        deadline_after_re=_alternation(raw.after),
        deadline_not_after_re=re.compile(f"^\\s*(?:{_alternation(raw.not_after).pattern})"),
        deadline_not_before_re=_alternation(raw.not_before),
        meeting_verb_re=_alternation(raw.meeting_verbs),
        attendance_re=_alternation(raw.attendance),
    )


def _reply_request(raw: _Awaits) -> re.Pattern:
    """A request for an answer: a reply word after 请/望/盼 in the same sentence (not 请示, 请求,
    not 特此函复), or a reply phrase."""
    words, phrases = _alternation(raw.reply_words).pattern, _alternation(raw.reply_phrases).pattern
    return re.compile(rf"(?:请(?![求示])|望|盼)[^。；;！!？?\n]{{0,40}}?(?<!特此)(?:{words})|{phrases}")


def _retention_rule(r: _RetentionRule) -> RetentionRule:
    return RetentionRule(r.period, r.why, r.source, frozenset(r.level) if r.level else None,
                         frozenset(r.doc_types) if r.doc_types else None,
                         frozenset(r.departments) if r.departments else None,
                         r.addressed_to_us, r.mentions_us, tuple(r.keywords) if r.keywords else None)


# --- loading --------------------------------------------------------------------------------

def _read(path: Path) -> dict[str, Any]:
    return read_toml(path, what="rules file",
                     hint='Chinese keys must be quoted, e.g. "通知" = "阅件".')


def _default_text() -> str:
    return resources.files(__package__).joinpath(RULES_FILE_NAME).read_text(encoding="utf-8")


def university_of(names: tuple[str, ...]) -> str:
    """东湖大学化学化工学院 + 化学化工学院 -> 东湖大学."""
    ordered = sorted(names, key=len, reverse=True)
    for full in ordered:
        for short in ordered:
            if short != full and full.endswith(short):
                return full[: -len(short)]
    return ""


def parse_rules(data: Mapping[str, Any], *, own_names: tuple[str, ...],
                sources: tuple[str, ...] = ("rules.toml",)) -> Rules:
    """Validate and compile a rules mapping (the shipped defaults merged with an override)."""
    try:
        raw = _RulesFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for problem in exc.errors():
            where = ".".join(str(p) for p in problem["loc"]) or "(rules)"
            if problem["type"] == "extra_forbidden":
                problems.append(f"unknown key '{where}'")
            elif problem["type"] == "missing":
                problems.append(f"missing key '{where}'")
            else:
                problems.append(f"'{where}': {problem['msg']}")
        raise ConfigError(f"invalid rules in {sources[-1]}: " + "; ".join(problems),
                          fix="Fix or remove these keys. The shipped pipeline/understand/rules.toml "
                              "lists every key with a comment.") from exc
    university = raw.office.university or university_of(own_names)
    return _compile(raw, university, own_names, sources)


@lru_cache(maxsize=8)
def _load(override: str | None, mtime_ns: int, size: int, own_names: tuple[str, ...]) -> Rules:
    data = tomllib.loads(_default_text())
    sources = ("pipeline/understand/rules.toml",)
    if override is not None:
        data = deep_merge(data, _read(Path(override)))
        sources += (override,)
    return parse_rules(data, own_names=own_names, sources=sources)


def load_rules(settings: Settings) -> Rules:
    """The rules for this office: shipped defaults < ``<data_dir>/rules.toml``."""
    path = settings.data_dir / RULES_FILE_NAME
    try:
        stat = path.stat()
    except FileNotFoundError:
        return _load(None, 0, 0, tuple(settings.office.names))
    except OSError as exc:
        raise ConfigError(f"cannot read rules file {path}: {exc.strerror}",
                          fix=f"Check the permissions of {path}.") from exc
    return _load(str(path), stat.st_mtime_ns, stat.st_size, tuple(settings.office.names))
