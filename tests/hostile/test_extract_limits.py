"""Issue 14, items 12-14 at the extractor: zip members are inflated within a byte budget whatever
their headers say, XML entities are refused in every container, an OFD honours max_pages, and
the text kept per document is capped with a warning. Memory is measured in a child process
under an address-space cap, as the watcher's workers run."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from extractors import extract
from extractors.errors import Corrupt, TooLarge, Unsupported
from tests.extractors.conftest import with_limits
from tests.hostile import make_hostile as h

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import json, resource, sys
sys.path.insert(0, {repo!r})
from core.settings import load_settings
from extractors import extract
settings = load_settings(data_dir={data!r}, env={{}}, overrides={overrides!r})
out = {{}}
for path in sys.argv[1:]:
    try:
        result = extract(path, settings)
        out[path] = ["ok", len(result.text), list(result.warnings)]
    except Exception as error:
        out[path] = [getattr(error, "kind", type(error).__name__), str(error), getattr(error, "cause", None)]
# VmHWM, not ru_maxrss: the latter keeps the size of the (forked) test process from before exec
out["peak_mb"] = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
print(json.dumps(out, ensure_ascii=False))
"""


def _address_space(mb: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return limit


def extract_in_child(paths: list[Path], tmp_path: Path, *, memory_mb: int = 1024, **limits) -> dict:
    """extract() of each path in a fresh process capped at ``memory_mb`` of address space."""
    code = _PROBE.format(repo=str(REPO), data=str(tmp_path / "data"), overrides={"limits": limits})
    run = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True,
                         timeout=120, preexec_fn=_address_space(memory_mb))
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_lying_zip_bombs_are_refused_after_inflating_a_megabyte(tmp_path):
    """A member that declares 1 KB (with the CRC of its first kilobyte) and inflates to 2 GB took
    2.1 GB of memory in docx, OFD and odt alike (zipfile asks zlib for up to 2 GB at once)."""
    files = {"bomb.docx": h.docx(h.bomb_member("word/document.xml", 2048, lie=True,
                                               prefix=h.document_xml().encode())),
             "bomb.ofd": h.ofd(h.bomb_member("Doc_0/Pages/Page_0/Content.xml", 2048, lie=True,
                                             prefix=h.ofd_page().encode())),
             "bomb.odt": h.odt(h.bomb_member("content.xml", 2048, lie=True, prefix=h.content_xml().encode()))}
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    out = extract_in_child(paths, tmp_path, memory_mb=1024)
    for path in paths:
        kind, message, cause = out[str(path)]
        assert kind == "too_large", (path.name, kind, message, cause)
        assert "解压" in message and "inflates past the 1024 bytes" in cause
    assert out["peak_mb"] < 250, out["peak_mb"]


def test_honest_bombs_are_refused_before_anything_is_inflated(tmp_path, settings):
    for name, data in (("honest.docx", h.docx(h.bomb_member("word/document.xml", 400, lie=False))),
                       ("honest.ofd", h.ofd(h.bomb_member("Doc_0/Pages/Page_0/Content.xml", 400, lie=False)))):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(TooLarge) as info:
            extract(tmp_path / name, settings)
        assert "declaring" in info.value.cause


def test_the_budget_counts_what_is_inflated_not_what_is_declared(tmp_path, settings):
    """Parts that honestly add up to more than max_unzipped_mb are refused even when read one at a
    time; a part read again (an OFD template used by every page) counts again."""
    page = h.ofd_page(lines=["东湖大学教务处", "关于通知", "各学院：" + "内容" * 200_000])
    path = tmp_path / "pages.ofd"
    path.write_bytes(h.ofd(page, pages=3))  # about 1.2 MB of page XML, read three times
    assert extract(path, with_limits(settings, max_unzipped_mb=4)).page_count == 3
    with pytest.raises(TooLarge):
        extract(path, with_limits(settings, max_unzipped_mb=3))


def test_members_that_lie_the_other_way_or_use_other_methods_are_corrupt(tmp_path, settings):
    xml = h.document_xml().encode()
    short = h.Member("word/document.xml", h.member("x", xml).compressed, len(xml) + 100, 0)
    stored = h.Member("word/document.xml", xml[:-10], len(xml), 0, zipfile.ZIP_STORED)
    for name, document in (("short.docx", short), ("stored.docx", stored),
                           ("bzip2.docx", h.member("word/document.xml", xml, zipfile.ZIP_BZIP2))):
        (tmp_path / name).write_bytes(h.docx(document))
        with pytest.raises(Corrupt):
            extract(tmp_path / name, settings)


def test_a_lying_image_in_a_docx_is_never_inflated(tmp_path, settings):
    path = tmp_path / "media.docx"
    path.write_bytes(h.docx(h.document_xml(), h.bomb_member("word/media/image1.png", 64, lie=True)))
    assert "期末考试安排" in extract(path, settings).text


@pytest.mark.parametrize("attack", ["xxe", "laughs"])
@pytest.mark.parametrize("container", ["docx", "odt", "ofd"])
def test_xml_entities_are_refused_in_every_container(tmp_path, settings, container, attack):
    doctype = {"xxe": h.xxe_doctype, "laughs": h.laughs_doctype}[attack]
    reference = "&xxe;" if attack == "xxe" else "&lol9;"
    data = {"docx": lambda: h.docx(h.document_xml(doctype=doctype("w:document")).replace("各学院：", reference)),
            "odt": lambda: h.odt(h.content_xml(doctype=doctype("office:document-content")).replace("各学院：", reference)),
            "ofd": lambda: h.ofd(h.ofd_page(doctype=doctype("ofd:Page")).replace("各学院：", reference))}[container]()
    path = tmp_path / f"{attack}.{container}"
    path.write_bytes(data)
    with pytest.raises(Unsupported) as info:     # refused for good: never retried as a half-written file
        extract(path, settings)
    assert "entities" in info.value.cause and "XML 实体声明" in info.value.message


def test_an_ofd_honours_max_pages_before_reading_a_page(tmp_path, settings):
    """An OFD listing 100,000 pages registered (73 s, 2.9 GB through the whole recipe)."""
    path = tmp_path / "many.ofd"
    path.write_bytes(h.ofd(pages=100_000))
    out = extract_in_child([path], tmp_path, memory_mb=1024)
    kind, message, cause = out[str(path)]
    assert kind == "too_large" and "2000" in message and "页" in message, (kind, message, cause)
    three = tmp_path / "three.ofd"
    three.write_bytes(h.ofd(pages=3))
    with pytest.raises(TooLarge):
        extract(three, with_limits(settings, max_pages=2))
    assert extract(three, with_limits(settings, max_pages=3)).page_count == 3


def test_a_big_text_file_is_read_only_as_far_as_the_text_cap(tmp_path):
    """A 200 MB text file took 7.2 GB; here 60 MB of text, kept to 100,000 characters with a
    Chinese warning, in a small fraction of the file's size."""
    path = tmp_path / "big.txt"
    line = ("各学院：现将期末考试有关事项通知如下，请认真落实。" * 4 + "\n").encode()
    with path.open("wb") as handle:
        handle.write("东湖大学教务处\n关于期末考试的通知\n".encode())
        handle.write(line * (60 * 1024 * 1024 // len(line)))
    out = extract_in_child([path], tmp_path, memory_mb=1024, max_text_chars=100_000)
    status, length, warnings = out[str(path)]
    assert status == "ok" and length == 100_000
    assert any("100000 个字符" in warning for warning in warnings)
    assert out["peak_mb"] < 120, out["peak_mb"]


def test_the_text_cap_applies_to_every_format(tmp_path, settings):
    path = tmp_path / "long.docx"
    path.write_bytes(h.docx(h.document_xml(lines=["东湖大学教务处", "关于通知"] + ["正文内容" * 50] * 200)))
    result = extract(path, with_limits(settings, max_text_chars=10_000))
    assert len(result.text) == 10_000 and result.page_count == 1
    assert "正文超过 10000 个字符的上限" in result.warnings[-1]
    assert len(extract(path, settings).text) > 10_000


def test_the_xml_parsed_at_once_is_bounded(tmp_path, settings):
    """A docx of 200 MB of ordinary XML (within max_unzipped_mb) registered at a 2.5 GB peak:
    python-docx parses every part whole, at about 12 bytes per byte of XML."""
    path = tmp_path / "big.docx"
    path.write_bytes(h.big_docx(8))  # 8 MB of paragraphs, 30 KB on disk
    with pytest.raises(TooLarge) as info:
        extract(path, with_limits(settings, max_xml_mb=4))
    assert "max_xml_mb" in info.value.cause and "XML" in info.value.message
    assert "东湖大学教务处" in extract(path, with_limits(settings, max_xml_mb=16)).text
    many = tmp_path / "pages.ofd"  # an OFD is parsed a page at a time: the bound is per page
    many.write_bytes(h.ofd(h.ofd_page(lines=["东湖大学教务处", "关于通知", "内容" * 300_000]), pages=3))
    assert extract(many, with_limits(settings, max_xml_mb=2)).page_count == 3
    with pytest.raises(TooLarge):
        extract(many, with_limits(settings, max_xml_mb=1))
