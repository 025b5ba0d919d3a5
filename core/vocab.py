"""The shared vocabulary: the values the register holds, defined once.

Every package that reads, writes, indexes or queries these values imports them from here, so
that the 文种 the understanding finds, the registry accepts, the index filters on and the query
parser recognises are one list. Values are Chinese as the office writes them (they are what the
register stores and the CLI contract prints).
"""

from __future__ import annotations

from enum import StrEnum
from types import EllipsisType

# 党政机关公文处理工作条例 第八条: the fifteen 文种. 其他 is the register's value for anything else.
DOC_TYPES: tuple[str, ...] = ("决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告",
                              "请示", "批复", "议案", "函", "纪要")
OTHER_TYPE = "其他"
DOC_TYPE_VALUES: tuple[str, ...] = (*DOC_TYPES, OTHER_TYPE)
# Words printed or typed for a 文种 that are not its register value.
DOC_TYPE_ALIASES: dict[str, str] = {"复函": "函", "公函": "函", "来函": "函", "会议纪要": "纪要", "令": "命令"}

ROUTES: tuple[str, ...] = ("阅件", "办件")
READ_ITEM, ACTION_ITEM = ROUTES

DIRECTIONS: tuple[str, ...] = ("收文", "发文")
INCOMING, OUTGOING = DIRECTIONS

# GB/T 9704 密级, highest first.
SECRECY_LEVELS: tuple[str, ...] = ("绝密", "机密", "秘密")
# GB/T 9704 紧急程度 as the register stores them.
URGENCIES: tuple[str, ...] = ("特急", "加急", "特提", "平急")
# 急件 is printed and typed for urgency too; it is read, never stored.
URGENCY_WORDS: tuple[str, ...] = (*URGENCIES, "急件")

# Values an office writes in the 密级 column of an ordinary document. Anything else that is set
# counts as 涉密: when in doubt the body stays out of the index and out of every export.
NOT_SECRET = frozenset({"", "无", "非密", "公开", "普通", "不涉密", "none", "null", "-", "—"})


# The roles a user may hold (one or several), with the names the office uses for them.
ROLES: dict[str, str] = {"admin": "管理员", "clerk": "文书", "leader": "领导", "handler": "承办人",
                         "auditor": "审计员", "scanner": "扫描员"}
# A user's 保密 clearance, lowest first; a user sees records up to their clearance.
CLEARANCES: tuple[str, ...] = ("秘密", "机密", "绝密")


# 办理 (issue 16, docs/handling.md): the states of a record's handling, in the order a 办件 or a
# 阅件 passes them.
HANDLING_STATES: tuple[str, ...] = ("待拟办", "待批示", "承办中", "已办结", "已退回", "待传阅", "传阅中", "已阅毕",
                                    "待回复")
(TO_PROPOSE, TO_INSTRUCT, IN_HAND, FINISHED, RETURNED, TO_CIRCULATE, CIRCULATING, ALL_READ,
 AWAITING_REPLY) = HANDLING_STATES
# States in which nothing more is expected.
CLOSED_STATES: frozenset[str] = frozenset({FINISHED, ALL_READ})
# The kinds of opinion a handling records, each a row (never one overwritten text).
OPINION_KINDS: tuple[str, ...] = ("拟办意见", "领导批示", "承办意见", "办理结果", "传阅意见", "退回理由", "转办说明", "催办")
# What a handling is: a 办件, a 阅件, or a 督办 item confirmed from a 纪要's 议定事项.
HANDLING_ROUTES: tuple[str, ...] = (*ROUTES, "督办")
SUPERVISION = HANDLING_ROUTES[2]
# The actions (the integration contract's words) and what the office calls them.
HANDLING_ACTIONS: dict[str, str] = {
    "propose": "拟办", "instruct": "批示", "progress": "承办意见", "finish": "办结", "return": "退回",
    "transfer": "转办", "urge": "催办", "circulate": "传阅", "read": "已阅", "deadline": "设定办理时限",
}


# The ``clearance`` argument of the reading functions (registry.queries, index.search …) that
# means "no restriction": the CLI's, whose user holds the data directory itself. The web passes
# its user's clearance (None or one of CLEARANCES).
UNRESTRICTED = ...
Clearance = str | None | EllipsisType

# The actor the watcher's own events name (not a Unix account: see wenshu watch).
SYSTEM_ACTOR = "系统"


def visible_to(secrecy: str | None, clearance: str | None) -> bool:
    """Whether a user with this clearance may know a record with this 密级 exists. Not 涉密:
    everyone. A 密级 that is none of the three levels (a word the column should not hold)
    counts as the highest: only 绝密 clearance sees it."""
    if not is_secret(secrecy):
        return True
    if clearance not in CLEARANCES:
        return False
    level = secrecy.strip()
    needed = CLEARANCES.index(level) if level in CLEARANCES else len(CLEARANCES) - 1
    return CLEARANCES.index(clearance) >= needed


def is_secret(secrecy: str | None) -> bool:
    """Whether a record with this 密级 is 涉密 (its body text is withheld everywhere)."""
    return secrecy is not None and secrecy.strip().lower() not in NOT_SECRET


class Status(StrEnum):
    """What became of one file: the ``status`` of ``ingest --json``, ``watch --json`` and
    ``retry --json`` (the CLI contract)."""

    REGISTERED = "registered"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    RETRY = "retry"  # the watcher tries again later: not final yet
    RELEASED = "released"  # the file vanished from work/ (removed by hand): the claim ended without it
    ABANDONED = "abandoned"  # the claim is not ours any more (our watcher died): nothing was done
    SKIPPED = "skipped"  # not taken at all (a symbolic link, unreadable, a path too long): left where it is


class ClaimState(StrEnum):
    """The state of an intake-ledger row (``registry/ledger.py``)."""

    CLAIMED = "claimed"
    DONE = "done"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    RELEASED = "released"


FINAL_CLAIM_STATES: tuple[ClaimState, ...] = (ClaimState.DONE, ClaimState.DUPLICATE, ClaimState.QUARANTINED,
                                              ClaimState.RELEASED)


class RecordStatus(StrEnum):
    """A register record's status (``status`` in ``log --json``)."""

    REGISTERED = "已登记"
    VOID = "已作废"
