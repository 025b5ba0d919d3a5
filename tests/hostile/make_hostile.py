"""Hostile and broken input files, written at test time (nothing of it is committed).

    .venv/bin/python -m tests.hostile.make_hostile DIR   # writes every file into DIR and lists them

Each file is made small: a bomb is a deflate stream built from one compressed megabyte repeated
(about 1 KB per inflated MB), so a "2 GB" bomb is 2 MB on disk and takes milliseconds to write.
``HOSTILE`` lists every file with the outcome wenshu must give it; ``write_all`` writes them.

What is here, and what each one attacks:

* zip bombs in docx, OFD and OpenDocument containers, with honest headers (the central directory
  declares the gigabytes: refused before anything is inflated) and with lying ones (a member
  declares 1 KB and its CRC is that of its first kilobyte, but its deflate stream goes on to
  2 GB: a reader that trusts the header and inflates in one call takes 2 GB of memory);
* XML external entities (XXE: ``<!ENTITY x SYSTEM "file:///etc/passwd">``) and "billion laughs"
  (nested entities, 10^9 copies of a word) in docx, OpenDocument and OFD parts;
* zip-slip member names (``../../…``, absolute paths): harmless only if names are never paths;
* page counts far past ``max_pages``: an OFD listing 100,000 pages, a PDF page tree with 100,000
  leaves, a TIFF with 5,000 frames and one whose frames loop;
* a PNG declaring 10 gigapixels, a docx nested 100,000 elements deep, an archive with more
  members than allowed, a bzip2-compressed docx member;
* odd names: not UTF-8, 253 bytes long, with a newline, leading dashes, a backslash;
* symbolic links: to /etc/shadow, to a file beside them, dangling, to a folder; and a FIFO
  (opening it for reading would block for ever).
"""

from __future__ import annotations

import io
import os
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.watch.helpers import png_header

MB = 1 << 20
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOTICE = ("东湖大学教务处", "关于做好期末考试安排工作的通知", "各学院：", "现将期末考试有关事项通知如下。",
           "东湖大学教务处", "2026年11月20日")


# --- zip files exactly as we want them, lies included --------------------------------------------

@dataclass(frozen=True)
class Member:
    name: str
    compressed: bytes           # the member's bytes as stored in the archive
    size: int                   # uncompressed size written in the headers
    crc: int                    # CRC-32 written in the headers
    method: int = zipfile.ZIP_DEFLATED


def member(name: str, data: bytes | str, method: int = zipfile.ZIP_DEFLATED) -> Member:
    """An honest member."""
    data = data.encode() if isinstance(data, str) else data
    if method == zipfile.ZIP_STORED:
        stored = data
    elif method == zipfile.ZIP_BZIP2:
        import bz2
        stored = bz2.compress(data)
    else:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        stored = packer.compress(data) + packer.flush()
    return Member(name, stored, len(data), zlib.crc32(data), method)


def bomb_member(name: str, inflated_mb: int, *, lie: bool, prefix: bytes = b"") -> Member:
    """``prefix`` then zeros, ``inflated_mb`` MB in all (at least 2). ``lie``: the headers declare
    only the first kilobyte (with that kilobyte's CRC); otherwise the whole, honestly."""
    block = b"\0" * MB
    head = prefix + block[len(prefix):]
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    # after a full flush the compressor starts afresh: every further block compresses the same
    middle = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    stream += middle * (inflated_mb - 2) + packer.compress(block) + packer.flush()
    if lie:
        return Member(name, stream, 1024, zlib.crc32(head[:1024]))
    crc = zlib.crc32(head)
    for _ in range(inflated_mb - 1):
        crc = zlib.crc32(block, crc)
    return Member(name, stream, inflated_mb * MB, crc)


def zip_bytes(members: list[Member]) -> bytes:
    """A zip archive written by hand, so that sizes and CRCs say whatever ``members`` say."""
    out, central = io.BytesIO(), io.BytesIO()
    for item in members:
        name = item.name.encode("utf-8")
        offset = out.tell()
        flags = 0x800  # names in UTF-8
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, item.method, 0, 0x21,
                              item.crc, len(item.compressed), item.size, len(name), 0))
        out.write(name)
        out.write(item.compressed)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, item.method, 0, 0x21,
                                  item.crc, len(item.compressed), item.size, len(name), 0, 0, 0, 0, 0, offset))
        central.write(name)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                          len(central.getvalue()), start, 0))
    return out.getvalue()


# --- containers -----------------------------------------------------------------------------------

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
                  'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
                  '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
         'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def document_xml(lines=_NOTICE, doctype: str = "") -> str:
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
            f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>')


def docx(document: Member | str, *extra: Member) -> bytes:
    if isinstance(document, str):
        document = member("word/document.xml", document)
    return zip_bytes([member("[Content_Types].xml", _CONTENT_TYPES), member("_rels/.rels", _RELS),
                      document, *extra])


_ODT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def content_xml(lines=_NOTICE, doctype: str = "") -> str:
    body = "".join(f"<text:p>{line}</text:p>" for line in lines)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<office:document-content {_ODT_NS}>'
            f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")


def odt(content: Member | str, *, mimetype: Member | None = None) -> bytes:
    if isinstance(content, str):
        content = member("content.xml", content)
    return zip_bytes([mimetype or member("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED),
                      content])


_OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def ofd_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_OFD_NS} Version="1.0" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>hostile</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")


def ofd_document(pages: int) -> str:
    listed = "".join(f'<ofd:Page ID="{n + 10}" BaseLoc="Pages/Page_0/Content.xml"/>' for n in range(pages))
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_OFD_NS}><ofd:CommonData>'
            '<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>'
            f"<ofd:Pages>{listed}</ofd:Pages></ofd:Document>")


def ofd_page(lines=_NOTICE, doctype: str = "") -> str:
    objects = "".join(f'<ofd:TextObject ID="{n + 100}" Boundary="20 {30 + 10 * n} 170 8" Size="5">'
                      f'<ofd:TextCode X="0" Y="5">{line}</ofd:TextCode></ofd:TextObject>'
                      for n, line in enumerate(lines))
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<ofd:Page {_OFD_NS}><ofd:Content><ofd:Layer ID="2">'
            f"{objects}</ofd:Layer></ofd:Content></ofd:Page>")


def ofd(page: Member | str | None = None, *, pages: int = 1) -> bytes:
    if page is None:
        page = ofd_page()
    if isinstance(page, str):
        page = member("Doc_0/Pages/Page_0/Content.xml", page)
    return zip_bytes([member("OFD.xml", ofd_xml()), member("Doc_0/Document.xml", ofd_document(pages)), page])


# --- XML attacks ---------------------------------------------------------------------------------

def xxe_doctype(root: str) -> str:
    return f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def laughs_doctype(root: str) -> str:
    entities = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
                                          for n in range(1, 10)]
    return f"<!DOCTYPE {root} [{''.join(entities)}]>"


def deep_xml(depth: int) -> str:
    return (f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body>' + "<w:sdt><w:sdtContent>" * depth
            + "<w:p><w:r><w:t>深</w:t></w:r></w:p>" + "</w:sdtContent></w:sdt>" * depth + "</w:body></w:document>")


# --- page counts ---------------------------------------------------------------------------------

def pdf_with_page_tree(leaves: int) -> bytes:
    """A PDF whose page tree lists one page object ``leaves`` times."""
    kids = " ".join(["3 0 R"] * leaves)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {leaves} >>".encode(),
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def tiff_frames(frames: int, *, loop: bool = False) -> bytes:
    """A little-endian TIFF of ``frames`` 1x1 grey frames sharing one strip; ``loop``: the last
    frame points back to the first."""
    tags = 8
    ifd_size = 2 + tags * 12 + 4
    pixel_at = 8
    first = 8 + 2  # the pixel, padded
    out = io.BytesIO()
    out.write(b"II*\x00" + struct.pack("<L", first) + b"\x80\x00")
    for n in range(frames):
        here = first + n * ifd_size
        following = here + ifd_size if n + 1 < frames else (first if loop else 0)
        entries = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
                   (273, 4, 1, pixel_at), (278, 3, 1, 1), (279, 4, 1, 1)]
        out.write(struct.pack("<H", tags))
        for tag, kind, count, value in entries:
            out.write(struct.pack("<HHLL", tag, kind, count, value))
        out.write(struct.pack("<L", following))
    return out.getvalue()


def notice(n: int) -> bytes:
    return (f"东湖大学教务处\n关于做好第{n}批材料报送工作的通知\n各学院：\n请于12月{n % 28 + 1}日前报送材料。\n"
            "东湖大学教务处\n2026年11月20日\n").encode()


# --- the set -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hostile:
    """One hostile input: how to make it, and the outcome wenshu must give it."""

    name: bytes                         # a file name (bytes: some are not UTF-8)
    make: Callable[[Path], None]        # writes it at this path
    status: str                         # registered | quarantined | skipped
    kind: str | None = None             # the error kind of a quarantined file
    note: str = ""


def _bytes(data: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data())


def _symlink(target: str) -> Callable[[Path], None]:
    return lambda path: os.symlink(target, path)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


LONG = "关于" + "学" * 81 + ".txt"  # 253 bytes in UTF-8: a name as long as a file system allows

HOSTILE: tuple[Hostile, ...] = (
    # zip bombs
    Hostile(b"bomb-honest.docx", _bytes(lambda: docx(bomb_member("word/document.xml", 400, lie=False))),
            "quarantined", "too_large", "declares 400 MB"),
    Hostile(b"bomb-lying.docx", _bytes(lambda: docx(bomb_member("word/document.xml", 2048, lie=True,
                                                                prefix=document_xml().encode()))),
            "quarantined", "too_large", "declares 1 KB, inflates to 2 GB"),
    Hostile(b"bomb-lying-media.docx", _bytes(lambda: docx(document_xml(),
                                                          bomb_member("word/media/image1.png", 2048, lie=True))),
            "registered", None, "the lying member is an image: never inflated"),
    Hostile(b"bomb-honest.ofd", _bytes(lambda: ofd(bomb_member("Doc_0/Pages/Page_0/Content.xml", 400, lie=False))),
            "quarantined", "too_large"),
    Hostile(b"bomb-lying.ofd", _bytes(lambda: ofd(bomb_member("Doc_0/Pages/Page_0/Content.xml", 2048, lie=True,
                                                              prefix=ofd_page().encode()))),
            "quarantined", "too_large"),
    Hostile(b"bomb-lying.odt", _bytes(lambda: odt(bomb_member("content.xml", 2048, lie=True,
                                                              prefix=content_xml().encode()))),
            "quarantined", "too_large"),
    Hostile(b"bomb-lying-mimetype.odt",
            _bytes(lambda: odt(content_xml(), mimetype=bomb_member("mimetype", 2048, lie=True,
                                                                   prefix=b"application/vnd.oasis.opendocument.text"))),
            "registered", None, "detection peeks at the mimetype within 200 bytes; the reader never needs it"),
    # XML entities
    Hostile(b"xxe.docx", _bytes(lambda: docx(document_xml(doctype=xxe_doctype("w:document"))
                                             .replace("东湖大学教务处", "&xxe;", 1))), "quarantined", "unsupported"),
    Hostile(b"xxe.odt", _bytes(lambda: odt(content_xml(doctype=xxe_doctype("office:document-content"))
                                           .replace("各学院：", "&xxe;"))), "quarantined", "unsupported"),
    Hostile(b"xxe.ofd", _bytes(lambda: ofd(ofd_page(doctype=xxe_doctype("ofd:Page")).replace("各学院：", "&xxe;"))),
            "quarantined", "unsupported"),
    Hostile(b"laughs.docx", _bytes(lambda: docx(document_xml(doctype=laughs_doctype("w:document"))
                                                .replace("各学院：", "&lol9;"))), "quarantined", "unsupported"),
    Hostile(b"laughs.odt", _bytes(lambda: odt(content_xml(doctype=laughs_doctype("office:document-content"))
                                              .replace("各学院：", "&lol9;"))), "quarantined", "unsupported"),
    Hostile(b"laughs.ofd", _bytes(lambda: ofd(ofd_page(doctype=laughs_doctype("ofd:Page")).replace("各学院：", "&lol9;"))),
            "quarantined", "unsupported"),
    # zip-slip names: nothing is ever extracted, so they are just names
    Hostile(b"zip-slip.docx", _bytes(lambda: docx(document_xml(), member("../../../../tmp/wenshu-zip-slip.txt", "x"),
                                                  member("/tmp/wenshu-zip-slip-abs.txt", "x"))),
            "registered", None),
    # page counts
    Hostile(b"pages-100000.ofd", _bytes(lambda: ofd(pages=100_000)), "quarantined", "too_large"),
    Hostile(b"pages-100000.pdf", _bytes(lambda: pdf_with_page_tree(100_000)), "quarantined", "too_large"),
    Hostile(b"frames-5000.tiff", _bytes(lambda: tiff_frames(5000)), "quarantined", "too_large"),
    Hostile(b"frames-loop.tiff", _bytes(lambda: tiff_frames(3, loop=True)), "quarantined", "empty",
            "three blank frames, the loop back to the first not followed"),
    # other shapes
    Hostile(b"gigapixels.png", _bytes(lambda: png_header(100_000, 100_000)), "quarantined", "too_large"),
    Hostile(b"deep.docx", _bytes(lambda: docx(deep_xml(100_000))), "quarantined", "corrupt"),
    Hostile(b"members-30000.docx", _bytes(lambda: docx(document_xml(), *[member(f"x/{n}", b"", zipfile.ZIP_STORED)
                                                                         for n in range(30_000)])),
            "quarantined", "too_large"),
    Hostile(b"bzip2.docx", _bytes(lambda: docx(member("word/document.xml", document_xml(), zipfile.ZIP_BZIP2))),
            "quarantined", "corrupt"),
    # odd names, ordinary content
    Hostile("公文".encode("gbk") + b".txt", _bytes(lambda: notice(1)), "registered"),
    Hostile(LONG.encode(), _bytes(lambda: notice(2)), "registered"),
    Hostile("换行\n名字.txt".encode(), _bytes(lambda: notice(3)), "registered"),
    Hostile(b"--help.txt", _bytes(lambda: notice(4)), "registered"),
    Hostile(b"-rf .txt", _bytes(lambda: notice(5)), "registered"),
    Hostile("反\\斜杠.txt".encode(), _bytes(lambda: notice(6)), "registered"),
    Hostile("broken-长名字".encode() + b"\xff" * 3 + "学".encode() * 75 + b".pdf", _bytes(lambda: b"%PDF-1.7\n%broken"),
            "quarantined", "corrupt", "a long non-UTF-8 name that ends in quarantine/ with its reason file"),
    # not regular files
    Hostile(b"link-shadow.txt", _symlink("/etc/shadow"), "skipped"),
    Hostile(b"link-sibling.txt", _symlink("--help.txt"), "skipped"),
    Hostile(b"link-dangling.txt", _symlink("/nonexistent/wenshu"), "skipped"),
    Hostile(b"link-folder", _symlink("/etc"), "skipped"),
    Hostile(b"fifo.txt", _fifo, "skipped"),
)


def write_all(folder: Path) -> list[Hostile]:
    """Write every hostile file into ``folder`` (created); returns the list written."""
    os.makedirs(folder, exist_ok=True)
    for item in HOSTILE:
        item.make(Path(os.fsdecode(os.path.join(os.fsencode(folder), item.name))))
    return list(HOSTILE)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    for item in write_all(target):
        print(f"{os.fsdecode(item.name)!r:60} -> {item.status} {item.kind or ''}  {item.note}")


def repeated_member(name: str, head: bytes, block: bytes, count: int, tail: bytes) -> Member:
    """An honest member: ``head``, ``block`` ``count`` times, ``tail``, compressed in O(1) work
    (the full-flush trick of ``bomb_member``). A docx whose XML is large but within the limits."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    middle = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    stream += middle * count + packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    return Member(name, stream, len(head) + count * len(block) + len(tail), zlib.crc32(tail, crc))


def big_docx(xml_mb: int) -> bytes:
    """A docx whose document.xml is ``xml_mb`` MB of ordinary paragraphs (a few hundred KB)."""
    head, tail = document_xml(lines=["东湖大学教务处", "关于通知"]).encode().split(b"</w:body>")
    paragraph = "<w:p><w:r><w:t>各学院：现将有关事项通知如下。</w:t></w:r></w:p>".encode()
    block = paragraph * (MB // len(paragraph))
    return docx(repeated_member("word/document.xml", head, block, xml_mb, b"</w:body>" + tail))
