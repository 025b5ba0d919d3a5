"""Who may do what: one table, role × action. Every route names its action; ``require`` in
``auth.py`` applies this table, and ``docs/web.md`` prints it. 涉密 clearance is applied on top,
record by record, by the registry and index reading functions (``core.vocab.visible_to``).

A role not listed for an action may not do it. Why the table is as it is:
- 扫描员 put files in and follow what became of them (上传, 隔离区), but do not read the archive.
- 文书 register, correct, void and carry the quarantine; they read everything within clearance.
- 领导 and 承办人 read and search; 办理 (issue 16) gives them their own steps.
- 审计员 read the register (涉密 rows masked, never left out), every record's history, the
  audit trail and its verification, and export what they read; they change nothing.
- 管理员 keep the accounts and see the state of the system, not the documents' contents.
- 归档 is the 文书's: they file the year and take out its package; 审计员 read the plan and the
  归档文件目录.
"""

from __future__ import annotations

from core.vocab import ROLES

EVERYONE = frozenset(ROLES)
READERS = frozenset({"clerk", "leader", "handler", "auditor"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "home": EVERYONE,                                    # 工作台
    "search": READERS,                                   # 检索, /api/search
    "document": READERS,                                 # 文件 page, /api/documents/…
    "original": READERS,                                 # the stored original (inline or download)
    "correct": frozenset({"clerk"}),                     # 更正 a field, with a reason
    "void": frozenset({"clerk"}),                        # 作废, with a reason
    "register": frozenset({"clerk", "leader", "auditor"}),  # 登记簿
    "export": frozenset({"clerk", "auditor"}),           # 登记簿 CSV/XLSX
    "audit": frozenset({"auditor", "admin"}),            # 审计 events
    "verify": frozenset({"auditor", "admin"}),           # verify the chain
    # the audit trail taken out (CSV/XLSX): only who may both read it and export; a clerk exports
    # the 登记簿 but does not read the audit trail, an admin reads it but exports nothing
    "export_audit": frozenset({"auditor"}),
    "quarantine": frozenset({"clerk", "scanner", "admin"}),  # 隔离区 list
    "retry": frozenset({"clerk", "scanner"}),            # 重新处理 a quarantined file
    "discard": frozenset({"clerk"}),                     # 删除 a quarantined file, with a reason
    "upload": frozenset({"clerk", "scanner"}),           # 上传 into 收文/发文
    "users": frozenset({"admin"}),                       # 用户 management
    # 办理 (issue 16): every role that acts on some transition (文书 拟办/催办/传阅, 领导 批示, 承办人
    # 承办/办结); the registry checks each transition's state, role and user itself
    "handle": frozenset({"clerk", "leader", "handler"}),
    "tasks": frozenset({"clerk", "leader", "handler"}),  # 我的待办: those who are given 办理 steps to do
    # 归档 (issue 17): the 文书 file the year; an auditor reads the plan and takes out the 目录 of
    # what was filed. An administrator neither: the 归档 page shows the documents' descriptions.
    "archive_view": frozenset({"clerk", "auditor"}),    # the 归档 page, the plan, the 归档文件目录
    "archive_file": frozenset({"clerk"}),               # 归档 (件号), 核对提示, 备考表, the archive package
}

ACTION_NAMES: dict[str, str] = {
    "home": "工作台", "search": "检索", "document": "查看文件", "original": "查看原件", "correct": "更正",
    "void": "作废", "register": "登记簿", "export": "导出", "audit": "审计日志", "verify": "校验审计链",
    "export_audit": "导出审计日志",
    "quarantine": "隔离区", "retry": "重新处理", "discard": "删除隔离文件", "upload": "上传", "users": "用户管理",
    "handle": "办理", "tasks": "我的待办", "archive_view": "归档", "archive_file": "执行归档",
}

# Auditors see 涉密 rows of the register masked instead of left out: numbering has no
# unexplained gaps for them.
MASKED_REGISTER = frozenset({"auditor"})


def may(roles: tuple[str, ...] | frozenset[str], action: str) -> bool:
    return bool(PERMISSIONS[action] & set(roles))


def masked_register(roles: tuple[str, ...]) -> bool:
    return bool(MASKED_REGISTER & set(roles))
