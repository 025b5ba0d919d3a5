"""The 发文稿纸: a form (one big table) whose cells carry the elements as label/value pairs.

Read cell by cell it is no 公文 layout at all (the reader would take 「核稿 赵敏 拟稿单位 …」 for
a title), so it is rewritten into the GB/T 9704 order the rest of understanding reads.
"""

from __future__ import annotations

import re

LABELS = ("签发", "会签", "核稿", "拟稿单位", "拟稿人", "联系电话", "密级", "缓急", "标题", "主送",
          "抄送", "发文字号", "印数", "附件")
FORM_TITLE = re.compile(r"^(?P<organ>.{2,40}?)发文稿纸$")
SIGNED_ON = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
SIGNER = re.compile(r"([\u4e00-\u9fff·]{2,4})\s*(?:19|20)\d{2}\s*年")  # 「同意。王建国 2026年…」
NO_MARK = ("", "无", "普通", "一般", "非密")
MIN_LABELS = 4  # a 公文 body may mention one or two of these words at a line start, never four


def _cells(lines: list[str]) -> dict[str, str]:
    """label -> value, from lines of tab-separated cells; a line without a label continues
    the previous value (a multi-line 附件 cell)."""
    found: dict[str, str] = {}
    last = None
    for line in lines:
        cells = [cell.strip() for cell in line.split("\t")]
        if cells[0] not in LABELS:
            if last:
                found[last] += "\n" + line.strip()
            continue
        for label, value in zip(cells[0::2], cells[1::2]):
            if label in LABELS:
                found[label] = value
                last = label
    return found


def as_document(text: str) -> str | None:
    """The form rewritten as a 公文 text, or None when ``text`` is not a 发文稿纸."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    cells = _cells(lines)
    if len(cells) < MIN_LABELS or "标题" not in cells:
        return None
    heading = FORM_TITLE.match(lines[0].strip())
    organ = heading.group("organ") if heading else ""
    signed = SIGNED_ON.search(cells.get("签发", ""))
    out = [mark for mark in (cells.get("密级", ""), cells.get("缓急", "")) if mark not in NO_MARK]
    signer = SIGNER.search(cells.get("签发", ""))
    number = cells.get("发文字号", "") + (f"\t签发人：{signer.group(1)}" if signer else "")
    out += [organ, number, cells["标题"]]
    if cells.get("主送"):
        out.append(cells["主送"].rstrip("：:") + "：")
    if cells.get("附件"):
        out.append("附件：" + cells["附件"])
    if signed:
        out += [organ, signed.group(0)]
    if cells.get("抄送"):
        out.append("抄送：" + cells["抄送"])
    return "\n".join(line for line in out if line)
