"""Real files and real `wenshu watch` processes for the watcher tests.

Everything here writes actual files (txt, docx, PDF and many kinds of broken ones) and runs
the real command in a subprocess; nothing mocks the file system or the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.cli import SAMPLE_OFFICE_ENV, acting_user

REPO = Path(__file__).resolve().parents[2]
WENSHU = Path(sys.executable).with_name("wenshu")
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

SUBJECTS = ("期末考试安排", "实验室安全检查", "研究生招生复试", "科研项目申报", "学术会议筹备",
            "教师培训计划", "校园网络维护", "学生奖学金评定", "图书采购", "消防演练")


def environment(**extra: str) -> dict[str, str]:
    """The environment of a wenshu subprocess: no WENSHU_* from outside, and this checkout first
    on the import path (so the command under test is this code, however the venv was installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WENSHU_")}
    env.update(SAMPLE_OFFICE_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def wenshu(data: Path, *args: str, check: int | None = 0, timeout: float = 300,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``wenshu --data DATA ARGS``; a command that changes data acts as the tests' clerk
    (``tests.cli.acting_user``)."""
    command_env = environment(**(env or {}))
    command_env.update(acting_user(data, args, command_env))
    result = subprocess.run([str(WENSHU), "--data", str(data), *args], capture_output=True, text=True,
                            env=command_env, timeout=timeout)
    if check is not None:
        assert result.returncode == check, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


FAST = ("--stable-seconds", "0.3", "--retries", "1", "--retry-backoff", "0.2", "--rescan-interval", "2")


@dataclass
class WatchProcess:
    """`wenshu --data D watch --json ...` running in its own process group."""

    data: Path
    args: tuple[str, ...] = FAST
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None

    def __post_init__(self) -> None:
        self.log = self.log or self.data.parent / f"watch-{time.monotonic_ns()}.jsonl"
        self.stdout = self.log.open("w", encoding="utf-8")
        self.stderr = self.log.with_suffix(".err").open("w", encoding="utf-8")
        self.process = subprocess.Popen([str(WENSHU), "--data", str(self.data), "watch", "--json", *self.args],
                                        stdout=self.stdout, stderr=self.stderr, env=environment(**self.env),
                                        start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self, *, group: bool = False) -> None:
        if group:
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            self.process.kill()
        self.process.wait(30)
        self._close()

    def terminate(self, timeout: float = 120) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._close()
        return code

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout)
        self._close()
        return code

    def _close(self) -> None:
        self.stdout.close()
        self.stderr.close()
        # workers die with the watcher (PR_SET_PDEATHSIG); give the kernel a moment
        deadline = time.monotonic() + 10
        while tree_pids(self.process.pid, include_root=False) and time.monotonic() < deadline:
            time.sleep(0.05)

    def outcomes(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line.strip()]

    def errors(self) -> str:
        return self.log.with_suffix(".err").read_text(encoding="utf-8")


# --- process tree memory -------------------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_pids(root: int, include_root: bool = True) -> list[int]:
    children, found, stack = _children(), [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found if include_root else found[1:]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(root: int) -> tuple[float, float]:
    """(RSS of the whole tree, RSS of the root process), in MB."""
    pids = tree_pids(root)
    return sum(rss_mb(pid) for pid in pids), rss_mb(root)


# --- documents ----------------------------------------------------------------------------------

def notice_text(n: int, subject: str | None = None) -> str:
    subject = subject or SUBJECTS[n % len(SUBJECTS)]
    return (f"东湖大学教务处\n关于做好{subject}工作的通知（第{n}号）\n各学院：\n"
            f"现将{subject}有关事项通知如下，请于12月{n % 28 + 1}日前报送材料。\n"
            f"编号 {n}：{hashlib.sha256(str(n).encode()).hexdigest()[:16]}\n东湖大学教务处\n2026年11月20日\n")


def write_txt(path: Path, n: int) -> Path:
    path.write_text(notice_text(n), encoding="utf-8")
    return path


def docx_bytes(n: int, paragraphs: int = 6) -> bytes:
    from docx import Document

    document = Document()
    for line in notice_text(n).splitlines():
        document.add_paragraph(line)
    for k in range(paragraphs):
        document.add_paragraph(f"第{k + 1}条 {SUBJECTS[(n + k) % len(SUBJECTS)]}的具体要求见附件。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(path: Path, n: int, paragraphs: int = 6) -> Path:
    path.write_bytes(docx_bytes(n, paragraphs))
    return path


def pdf_bytes(n: int, pages: int = 1) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", FONT, subfontIndex=0))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for p in range(pages):
        page.setFont("wqy", 14)
        y = 780
        for line in notice_text(n * 1000 + p).splitlines():
            page.drawString(72, y, line)
            y -= 24
        page.showPage()
    page.save()
    return buffer.getvalue()


def write_pdf(path: Path, n: int, pages: int = 1) -> Path:
    path.write_bytes(pdf_bytes(n, pages))
    return path


def png_text_page(n: int, width: int = 1240, height: int = 1754) -> bytes:
    """A scanned-looking page (150 dpi A4) with Chinese text: goes through OCR."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 36)
    y = 150
    for line in notice_text(n).splitlines():
        draw.text((120, y), line, font=font, fill=0)
        y += 70
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- bad files ----------------------------------------------------------------------------------

def png_header(width: int, height: int) -> bytes:
    """A PNG that declares huge dimensions and holds almost nothing."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
            + chunk(b"IEND", b""))


_BOMB: dict[int, bytes] = {}


def zip_bomb_docx(unzipped_mb: int = 400, variant: int = 0) -> bytes:
    """A "docx" whose document.xml inflates to ``unzipped_mb`` MB (a few hundred KB on disk)."""
    if unzipped_mb not in _BOMB:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            with archive.open("word/document.xml", "w", force_zip64=True) as member:
                block = b"<w:p>" + b"A" * (1 << 20)
                for _ in range(unzipped_mb):
                    member.write(block)
        _BOMB[unzipped_mb] = buffer.getvalue()
    buffer = io.BytesIO(_BOMB[unzipped_mb])
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = f"variant {variant}".encode()
    return buffer.getvalue()


def broken_xml_docx(n: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships')
        archive.writestr("word/document.xml", f"<w:document><w:body><w:p>{n}<<<</w:bod")
    return buffer.getvalue()


def truncated(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randint(1, max(1, len(data) * 3 // 4))]


def bit_flipped(data: bytes, rng: random.Random, flips: int = 20) -> bytes:
    mutable = bytearray(data)
    for _ in range(flips):
        position = rng.randrange(len(mutable))
        mutable[position] ^= 1 << rng.randrange(8)
    return bytes(mutable)


def garbage_files(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """``count`` broken files of many kinds, each with distinct bytes."""
    rng = random.Random(seed)
    pdf, docx = pdf_bytes(1, pages=2), docx_bytes(1)
    makers = [
        ("random.bin", lambda k: rng.randbytes(rng.randint(1, 200_000))),
        ("random.pdf", lambda k: rng.randbytes(rng.randint(100, 50_000))),
        ("fake.docx", lambda k: b"PK\x03\x04" + rng.randbytes(rng.randint(100, 5000))),
        ("truncated.pdf", lambda k: truncated(pdf, rng)),
        ("flipped.pdf", lambda k: bit_flipped(pdf, rng)),
        ("truncated.docx", lambda k: truncated(docx, rng)),
        ("flipped.docx", lambda k: bit_flipped(docx, rng)),
        ("broken-xml.docx", lambda k: broken_xml_docx(k)),
        ("zip-bomb.docx", lambda k: zip_bomb_docx(400, variant=k)),
        ("huge.png", lambda k: png_header(100_000 + k, 100_000)),
        ("empty.pdf", lambda k: b""),
        ("pdf-header-only.pdf", lambda k: b"%PDF-1.7\n" + rng.randbytes(k + 1)),
    ]
    files = []
    for k in range(count):
        label, make = makers[k % len(makers)]
        path = folder / f"{k:03d}-{label}"
        data = make(k)
        if label.startswith("empty") and k >= len(makers):
            path = folder / f"{k:03d}-empty-{k}.pdf"  # empty files are all alike; names differ
        path.write_bytes(data)
        files.append(path)
    return files


# --- the state of a data directory --------------------------------------------------------------

def database_url(data: Path, url: str | None = None) -> str:
    return url or f"sqlite:///{data / 'wenshu.db'}"


def documents(data: Path, url: str | None = None) -> list[dict]:
    from registry.models import Document

    engine = create_engine(database_url(data, url))
    try:
        with Session(engine) as session:
            rows = session.execute(select(Document.reg_no, Document.series, Document.year, Document.seq,
                                          Document.sha256, Document.file_name, Document.direction)).all()
        return [row._asdict() for row in rows]
    finally:
        engine.dispose()


def ledger_rows(data: Path, url: str | None = None) -> list[dict]:
    from registry.ledger import LedgerRow

    engine = create_engine(database_url(data, url))
    try:
        with Session(engine) as session:
            return [{c: getattr(row, c) for c in ("id", "state", "file_name", "reg_no", "kind", "attempts", "owner", "sha256")}
                    for row in session.scalars(select(LedgerRow))]
    finally:
        engine.dispose()


def audit_actions(data: Path, url: str | None = None) -> list[tuple[str, str | None, dict]]:
    from registry.models import AuditEvent

    engine = create_engine(database_url(data, url))
    try:
        with Session(engine) as session:
            return [(event.action, event.record, json.loads(event.details))
                    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    finally:
        engine.dispose()


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else []


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wait_until(condition, timeout: float, interval: float = 0.1, message: str = "condition") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


def assert_gap_free(docs: list[dict]) -> None:
    by_series: dict[tuple[str, int], list[int]] = {}
    for doc in docs:
        by_series.setdefault((doc["series"], doc["year"]), []).append(doc["seq"])
    for key, seqs in by_series.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"{key}: numbers {sorted(seqs)}"
