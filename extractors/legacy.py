"""Legacy word-processor files (Word 97-2003 .doc, WPS .wps, RTF): converted to .docx by
LibreOffice when ``soffice`` is installed, then read like any docx. LibreOffice is large and
optional; without it these files are refused with a message saying how to enable it.
(OpenDocument text is plain XML and is read natively: odt.py.)"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from extractors import docx
from extractors.errors import Corrupt, Unsupported
from extractors.model import Extracted, Page

CONVERT_TIMEOUT = 180  # seconds; a normal 公文 converts in 2-5 s, the first run in ~10 s
_SUFFIX = {"doc": ".doc", "wps": ".wps", "rtf": ".rtf"}
_NAMES = {"doc": "Word 97-2003（.doc）", "wps": "WPS（.wps）", "rtf": "RTF"}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def extract(path: Path, settings, fmt: str) -> Extracted:
    program = soffice()
    name = _NAMES.get(fmt, fmt)
    if program is None:
        raise Unsupported(f"{name} 格式的旧版文档需要 LibreOffice 转换，本机未安装。"
                          "请管理员执行：apt-get install libreoffice-writer；"
                          "或请来文单位另存为 .docx 或 PDF 后再投递。",
                          cause=f"{path.name}: {fmt} needs soffice, which is not on PATH",
                          fix="apt-get install libreoffice-writer")
    with tempfile.TemporaryDirectory(prefix="wenshu-convert-") as tmp:
        work = Path(tmp)
        source = work / ("input" + _SUFFIX.get(fmt, path.suffix))
        shutil.copyfile(path, source)
        # A private profile: concurrent conversions (and a clerk's own LibreOffice) would
        # otherwise fight over the default one.
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--convert-to", "docx", "--outdir",
                   str(work / "out"), str(source)]
        try:
            run = subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise Corrupt(f"{name} 文档转换超时，文件可能已损坏。请另存为 .docx 或 PDF 后再投递。",
                          cause=f"{path.name}: soffice timed out after {CONVERT_TIMEOUT} s") from exc
        converted = work / "out" / (source.stem + ".docx")
        if run.returncode != 0 or not converted.is_file():
            raise Corrupt(f"{name} 文档无法转换（文件可能已损坏或不是真正的 {name} 文档）。"
                          "请用 WPS/Word 打开后另存为 .docx 再投递。",
                          cause=f"{path.name}: soffice exit {run.returncode}: "
                                f"{run.stderr.decode(errors='replace')[-500:]}")
        result = docx.extract(converted, settings, fmt)
    pages = tuple(Page(p.n, p.method, p.text, source="libreoffice+python-docx") for p in result.pages)
    return Extracted(format=fmt, pages=pages, warnings=result.warnings)
