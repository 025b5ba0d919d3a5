"""Zip containers (docx, OFD, OpenDocument), read without trusting their headers.

A few kilobytes of zip can inflate to gigabytes (a zip bomb). Two checks stand between such a
file and the memory of the process:

* before anything is inflated, the sizes the central directory *declares* must add up to no more
  than ``limits.max_unzipped_mb``, with at most ``MAX_MEMBERS`` members (an honest bomb is
  refused here, from a few hundred bytes of headers);
* every member is then inflated here, by our own streaming inflater, never by a library that
  trusts the headers: at most ``CHUNK`` bytes of output at a time, stopping as soon as the
  output passes the size the member declares or what is left of the byte budget. A member whose
  deflate stream goes on past its declared size (a *lying* bomb: declares 1 KB, inflates to
  2 GB) is refused after one chunk past the lie. Python's ``ZipFile.read`` asks zlib for up to
  2 GB of output in one call, whatever the header says, which is what made such a docx peak
  at 2.2 GB.

Only stored and deflated members are read (what every office suite writes); bzip2 and LZMA
members, which zipfile inflates without an output bound, are refused. Member names are only
ever looked up, never used as paths, so ``../../etc/passwd`` inside an archive is just a name.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from extractors.errors import Corrupt, Encrypted, TooLarge, Unsupported

MAX_MEMBERS = 20_000
CHUNK = 1 << 20  # bytes of output per inflate call
_READ = 64 * 1024  # compressed bytes read at a time
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... name length, extra length
_XML_SUFFIXES = (".xml", ".rels")


def _corrupt(path: Path, label: str, cause: str) -> Corrupt:
    return Corrupt(f"{label}已损坏，无法打开（文件可能不完整或不是真正的 {label}）。"
                   "请向来文单位重新索取文件。", cause=f"{path.name}: {cause}")


def _too_large(path: Path, label: str, settings, cause: str, size_mb: float | None = None) -> TooLarge:
    size = f"约 {size_mb:.0f} MB，" if size_mb is not None else ""
    limit = settings.limits.max_unzipped_mb if settings is not None else "-"
    return TooLarge(f"{label}解压后过大（{size}上限 {limit} MB），"
                    "可能是异常文件（压缩炸弹），已拒绝处理。如确属正常公文，请管理员调高 limits.max_unzipped_mb。",
                    cause=f"{path.name}: {cause}",
                    fix="Raise [limits] max_unzipped_mb if the file is legitimate.")


def out_of_memory(error: BaseException) -> bool:
    """An XML parse that failed for want of memory (libxml2's ERR_NO_MEMORY: lxml calls it an
    "unknown error"): a file too large for the memory cap, not a damaged one."""
    return isinstance(error, MemoryError) or any(
        getattr(entry, "type_name", "") == "ERR_NO_MEMORY" for entry in getattr(error, "error_log", ()) or ())


def memory_refusal(path: Path, label: str, error: BaseException) -> TooLarge:
    return TooLarge(f"{label}内容过多，解析时超出内存上限，已拒绝处理。请拆分后投递，"
                    "或请管理员调高 watch.worker_memory_mb。",
                    cause=f"{path.name}: out of memory while parsing ({type(error).__name__}: {error})",
                    fix="Split the document, or raise [watch] worker_memory_mb.")


def entities_refused(path_name: str, label: str, part: str) -> Unsupported:
    """A part declaring XML entities is refused for good: no office suite writes one, so it is
    no file half written (retried as corrupt would be), but a file made to attack its reader."""
    return Unsupported(f"{label}中含有 XML 实体声明，办公软件不会这样保存，可能是恶意构造的文件，已拒绝读取。"
                       "请向来文单位核实，或用 WPS/Word 打开后另存一份再投递。",
                       cause=f"{path_name}: {part} declares XML entities (refused)")


def declares_entities(data: bytes) -> bool:
    """True when an XML part declares entities: no office suite writes that, and nested entities
    ("billion laughs") or external ones (XXE) are the classic attacks on an XML reader."""
    if b"<!ENTITY" in data:  # UTF-8, what every office suite writes
        return True
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):  # XML in UTF-16 must start with its byte order mark
            return "<!ENTITY" in data[2:].decode(codec, "replace")
    return False


class Archive:
    """One zip container opened for reading, with a budget of inflated bytes for all its reads
    together (a part read twice counts twice: an OFD listing one page 100,000 times pays for
    each). Use as a context manager."""

    def __init__(self, path: Path, settings, label: str, *, budget: int | None = None,
                 xml_together: bool = True):
        """``budget``: bytes to inflate in all, instead of ``limits.max_unzipped_mb`` (and no
        check of the declared sizes): for a peek at one small member. ``xml_together``: the XML
        parts read are parsed and held together (docx, odt), so ``limits.max_xml_mb`` bounds
        their sum; otherwise (OFD, a page at a time) each part."""
        self.path, self.settings, self.label = path, settings, label
        self.budget = settings.limits.max_unzipped_mb * 1024 * 1024 if budget is None else budget
        self.xml_limit = settings.limits.max_xml_mb * 1024 * 1024 if settings is not None else self.budget
        self.xml_together = xml_together
        self.inflated = 0
        self.xml_read = 0
        try:
            self.zip = zipfile.ZipFile(path)
            members = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _corrupt(path, label, f"not a readable zip archive: {exc}") from exc
        declared = sum(member.file_size for member in members)
        if budget is None and len(members) > MAX_MEMBERS:
            self.zip.close()
            raise TooLarge(f"{label}内含 {len(members)} 个部件，超过上限 {MAX_MEMBERS} 个，可能是异常文件，已拒绝处理。",
                           cause=f"{path.name}: {len(members)} zip members (limit {MAX_MEMBERS})")
        if budget is None and declared > self.budget:
            self.zip.close()
            raise _too_large(path, label, settings, f"{len(members)} members declaring {declared} bytes "
                             f"uncompressed (limit {self.budget})", declared / 1048576)
        self.members = {member.filename: member for member in members}
        self._file = path.open("rb")

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()
        self.zip.close()

    def namelist(self) -> list[str]:
        return list(self.members)

    def __contains__(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str) -> bytes:
        """The member's bytes, inflated here within the budget; KeyError if there is none."""
        info = self.members[name]
        if info.flag_bits & 0x1:
            raise Encrypted(f"{self.label}经过加密，无法读取。请向来文单位索取未加密的文件。",
                            cause=f"{self.path.name}: member {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt(self.path, self.label, f"member {name!r} uses compression method "
                                                  f"{info.compress_type}, which office files do not use")
        self._seek_data(info)
        limit = min(info.file_size, self.budget - self.inflated)
        if info.compress_type == zipfile.ZIP_STORED:
            data = self._file.read(min(info.compress_size, limit + 1))
        else:
            data = self._inflate(info, limit)
        if len(data) > limit:
            if len(data) > info.file_size:
                cause = f"member {name!r} inflates past the {info.file_size} bytes its header declares"
            else:
                cause = f"more than {self.budget} bytes inflated in all"
            raise _too_large(self.path, self.label, self.settings, cause)
        self.inflated += len(data)
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise _corrupt(self.path, self.label, f"member {name!r}: {len(data)} bytes inflated, "
                                                  f"{info.file_size} declared, or its CRC differs")
        return data

    def read_xml(self, name: str) -> bytes:
        """An XML part's bytes, to be parsed: within ``limits.max_xml_mb`` (parsing takes about
        12 times the XML's size in memory), and refused as corrupt if it declares entities."""
        room = self.xml_limit - (self.xml_read if self.xml_together else 0)
        declared = self.members[name].file_size
        if declared > room:
            limit_mb = self.xml_limit // (1024 * 1024)
            raise TooLarge(f"{self.label}的正文结构过大（XML 约 {(declared + self.xml_read * self.xml_together) / 1048576:.0f} MB，"
                           f"上限 {limit_mb} MB），解析需要的内存过多，已拒绝处理。请拆分后投递，"
                           "或请管理员调高 limits.max_xml_mb。",
                           cause=f"{self.path.name}: {name} declares {declared} bytes of XML, {room} left of "
                                 f"max_xml_mb", fix="Split the document or raise [limits] max_xml_mb.")
        data = self.read(name)
        self.xml_read += len(data)
        if declares_entities(data):
            raise entities_refused(self.path.name, self.label, name)
        return data

    def _seek_data(self, info: zipfile.ZipInfo) -> None:
        self._file.seek(info.header_offset)
        header = self._file.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise _corrupt(self.path, self.label, f"member {info.filename!r}: no local header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        self._file.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)

    def _inflate(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        """At most ``limit`` + one chunk of output: the caller refuses anything past ``limit``.
        The deflate stream ends itself; the compressed size in the header is not trusted either."""
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pieces: list[bytes] = []
        total = 0
        try:
            while not inflater.eof and total <= limit:
                compressed = inflater.unconsumed_tail or self._file.read(_READ)
                if not compressed:
                    break  # truncated: the length check says so
                piece = inflater.decompress(compressed, CHUNK)
                pieces.append(piece)
                total += len(piece)
        except zlib.error as exc:
            raise _corrupt(self.path, self.label, f"member {info.filename!r}: {exc}") from exc
        return b"".join(pieces)


_CONTENT_TYPE = re.compile(rb'<(Default|Override)\b[^>]*?(?:Extension|PartName)="([^"]+)"[^>]*?ContentType="([^"]+)"'
                           rb'|<(Default|Override)\b[^>]*?ContentType="([^"]+)"[^>]*?(?:Extension|PartName)="([^"]+)"')


def _xml_parts(archive: Archive) -> set[str]:
    """The OPC package's XML parts: by name (.xml, .rels), or by the content type
    ``[Content_Types].xml`` gives their part name or extension."""
    names = {name for name in archive.namelist() if name.lower().endswith(_XML_SUFFIXES)}
    if "[Content_Types].xml" not in archive:
        return names
    extensions, parts = set(), set()
    for found in _CONTENT_TYPE.finditer(archive.read_xml("[Content_Types].xml")):
        kind, key, media = (found.group(1), found.group(2), found.group(3)) if found.group(1) else \
            (found.group(4), found.group(6), found.group(5))
        if media.endswith((b"+xml", b"/xml")):
            (extensions if kind == b"Default" else parts).add(key.decode("utf-8", "replace").lower())
    for name in archive.namelist():
        if name.rsplit(".", 1)[-1].lower() in extensions or "/" + name.lower() in parts:
            names.add(name)
    return names


def repacked_xml(archive: Archive) -> io.BytesIO:
    """A copy of an OPC package (docx) for a library that would inflate members itself
    (python-docx): its XML parts as read here (within the budget, entities refused), every other
    part (images, embedded objects, fonts) empty, all stored, so the library inflates nothing."""
    buffer = io.BytesIO()
    xml = _xml_parts(archive)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for name in archive.namelist():
            if not name.endswith("/"):
                copy.writestr(name, archive.read_xml(name) if name in xml else b"")
    buffer.seek(0)
    return buffer


def check_zip(path: Path, settings, label: str) -> None:
    """Raise TooLarge or Corrupt when the declared sizes already say no."""
    Archive(path, settings, label).close()


def peek(path: Path, name: str, limit: int) -> bytes | None:
    """One small member (an OpenDocument ``mimetype`` or manifest, for detection), inflated
    within ``limit`` bytes; None when it is absent, larger, or unreadable."""
    try:
        with Archive(path, None, "zip", budget=limit) as archive:
            return archive.read(name) if name in archive else None
    except (Corrupt, Encrypted, TooLarge, OSError):
        return None
