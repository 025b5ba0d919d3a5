"""Chinese names the pages show for the registry's own words."""

from __future__ import annotations

from registry.audit import Action

# Every audit action as the 审计 page and a record's history name it.
ACTION_LABELS: dict[str, str] = {
    Action.REGISTERED: "登记",
    Action.ROUTED: "分办",
    Action.FILED: "归档",
    Action.INDEXED: "索引",
    Action.CORRECTED: "更正",
    Action.VOIDED: "作废",
    Action.QUARANTINED: "隔离",
    Action.DUPLICATE: "重复文件",
    Action.EXPORTED: "导出",
    Action.LINKED: "关联",
    Action.DISCARDED: "删除隔离文件",
    Action.KEYED: "启用审计密钥",
    Action.TRIGGERS_REPAIRED: "恢复保护触发器",
    Action.USER_ADDED: "添加用户",
    Action.PASSWORD_CHANGED: "修改密码",
    Action.USER_DISABLED: "停用用户",
    Action.TOKEN_ISSUED: "签发令牌",
    Action.USER_CHANGED: "修改用户",
    Action.LOGGED_IN: "登录",
    Action.LOGGED_OUT: "退出",
    Action.LOGIN_FAILED: "登录失败",
    Action.VIEWED: "查看原件",
    Action.UPLOADED: "上传",
    Action.HANDLED: "办理",
    Action.SUPERVISION_CONFIRMED: "确认督办",
}
