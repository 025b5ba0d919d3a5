"""The value ``understand`` returns."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Understanding:
    doc_type: str                      # one of the 15 文种, or 其他 (not a 公文)
    doc_number: str | None             # canonical 机关代字〔年份〕序号号
    doc_number_printed: str | None     # as printed
    issuer: str | None                 # 发文机关
    issuer_short: str | None
    title: str | None
    date: date | None                  # 成文日期
    secrecy: str | None                # 绝密 / 机密 / 秘密
    secrecy_period: str | None         # as marked, e.g. 5年
    copy_no: str | None                # 份号
    urgency: str | None                # 特急 / 加急 (电报: 特提 / 平急)
    signer: str | None                 # 签发人 (names joined with 、)
    recipients: tuple[str, ...]        # 主送
    attachments: tuple[str, ...]       # 附件说明
    contact: str | None                # 附注: 联系人/电话
    cc: tuple[str, ...]                # 抄送 (and 纪要 分送)
    printed_by: str | None             # 印发机关
    printed_date: date | None          # 印发日期
    is_own: bool                       # issued by this office
    route: str                         # 阅件 / 办件
    why_route: tuple[str, ...]
    deadline: date | None              # earliest date the college must act (办件 only)
    deadline_text: str | None
    department: str                    # business area (rules [departments])
    department_code: str               # 档号 机构(问题)代码, e.g. BGS
    retention: str                     # 永久 / 30年 / 10年
    retention_code: str                # Y / D30 / D10
    retention_rule: str                # the 归档范围 rule that decided it, with its source
    references: tuple[str, ...]        # canonical numbers cited in the text (not its own)
    checks: tuple[str, ...]            # 初审 warnings
    is_secret: bool
    # what the sender of this document waits for: 批复 (a 请示), 复函 (a 函 asking for an
    # answer), else None; read from the text whatever the direction (the pipeline decides
    # where it applies), with the date the answer is asked by
    awaits: str | None = None
    awaits_by: date | None = None
    # a 发文字号 printed with a blank sequence (发文稿纸, draft): its prefix, e.g. 化学院函〔2026〕
    # (化学院函〔〕 when the year is blank too); doc_number is then None
    doc_number_draft: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON types: dates as ISO strings, tuples as lists."""
        out = {}
        for field in fields(self):  # flat values only: asdict's deep copy cost 0.2 ms a file
            value = getattr(self, field.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[field.name] = value
        return out
