"""OpenDocument text (.odt) read natively from its content.xml: real packages written here with
zipfile as LibreOffice and WPS write them (mimetype first and stored, content.xml, styles.xml,
META-INF/manifest.xml)."""

from __future__ import annotations

import zipfile

import pytest

from extractors import detect, extract, legacy
from extractors.errors import Corrupt, Encrypted, TooLarge, Unsupported
from tests.extractors.conftest import with_limits

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3"')
TEXT_MIME = "application/vnd.oasis.opendocument.text"


def content_xml(body: str, *, prolog: str = "", master: str = "Standard") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {NS}>'
            f'<office:automatic-styles><style:style style:name="P1" style:family="paragraph" '
            f'style:master-page-name="{master}"/></office:automatic-styles>'
            f'<office:body><office:text>{body}</office:text></office:body></office:document-content>')


def styles_xml(masters: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS}>'
            f'<office:master-styles>{masters}</office:master-styles></office:document-styles>')


def manifest_xml(media_type: str = TEXT_MIME, extra: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{media_type}"/>'
            f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{extra}'
            '</manifest:file-entry></manifest:manifest>')


def write_odt(path, content: str | bytes | None, styles: str | None = None, *, mimetype: str | None = TEXT_MIME,
              manifest: str | None = None):
    """An OpenDocument package: the mimetype member first and uncompressed (so that a reader can
    find it at a fixed offset), then the XML parts, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        if content is not None:
            archive.writestr("content.xml", content)
        if styles is not None:
            archive.writestr("styles.xml", styles)
        archive.writestr("META-INF/manifest.xml", manifest or manifest_xml(mimetype or TEXT_MIME))
    return path


# A 通知 as WPS/LibreOffice save it: letterhead and page number in the page style's header and
# footer, the title a heading broken over two source lines, an indented body (text:s), a list,
# a table with a header row and a merged cell, a comment and a tracked deletion (not text),
# a footnote, and the 印发 line with a wide gap of spaces.
NOTICE_BODY = """
<text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>
<text:p text:style-name="P1">东湖大学教务处文件</text:p>
<text:p>教务〔2026〕31号</text:p>
<text:h text:outline-level="1">关于做好2026年秋季学期
    期末考试工作的通知</text:h>
<text:p>各学院：</text:p>
<text:p><text:s text:c="4"/>为做好本学期期末考试工作，现将有关事项<text:span text:style-name="T1">通知如下</text:span>。<office:annotation><text:p>批注：请核对日期</text:p></office:annotation></text:p>
<text:list><text:list-item><text:p>一、考试时间为第十八周至第十九周<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>元旦假期顺延。</text:p></text:note-body></text:note>。</text:p></text:list-item>
<text:list-item><text:p>二、考场安排见下表，<text:line-break/>请各学院于12月20日前核对。</text:p></text:list-item></text:list>
<table:table table:name="考场安排"><table:table-column table:number-columns-repeated="3"/>
<table:table-header-rows><table:table-row>
<table:table-cell><text:p>课程</text:p></table:table-cell><table:table-cell><text:p>时间</text:p></table:table-cell><table:table-cell><text:p>地点</text:p></table:table-cell>
</table:table-row></table:table-header-rows>
<table:table-row>
<table:table-cell table:number-columns-spanned="2"><text:p>高等数学（期末统考）</text:p></table:table-cell><table:covered-table-cell/><table:table-cell><text:p>教一101</text:p></table:table-cell>
</table:table-row>
<table:table-row>
<table:table-cell><text:p>大学物理</text:p></table:table-cell><table:table-cell><text:p>1月10日<text:tab/>上午</text:p></table:table-cell><table:table-cell><text:p>教二<text:s/>203</text:p></table:table-cell>
</table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
</table:table>
<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><text:p>已删除：原定第十七周。</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:p>附件：<text:a xlink:href="https://jwc.dhu.edu.cn/31" xmlns:xlink="http://www.w3.org/1999/xlink">考场安排表</text:a></text:p>
<text:p>东湖大学教务处</text:p>
<text:p>2026年11月20日</text:p>
<text:p>抄送：校党委办公室，校长办公室。</text:p>
<text:p>东湖大学教务处<text:s text:c="12"/>2026年11月20日印发</text:p>
"""
NOTICE_STYLES = styles_xml(
    '<style:master-page style:name="Standard"><style:header><text:p>东湖大学</text:p></style:header>'
    '<style:header-first><text:p>东湖大学</text:p></style:header-first>'
    '<style:footer><text:p>— <text:page-number text:select-page="current">1</text:page-number> —</text:p></style:footer>'
    '</style:master-page>'
    '<style:master-page style:name="Envelope"><style:header><text:p>信封页眉（未使用的页面样式）</text:p></style:header>'
    '</style:master-page>')
NOTICE_TEXT = "\n".join([
    "东湖大学",
    "东湖大学教务处文件",
    "教务〔2026〕31号",
    "关于做好2026年秋季学期期末考试工作的通知",
    "各学院：",
    "为做好本学期期末考试工作，现将有关事项通知如下。",
    "一、考试时间为第十八周至第十九周。",
    "元旦假期顺延。",
    "二、考场安排见下表，",
    "请各学院于12月20日前核对。",
    "课程\t时间\t地点",
    "高等数学（期末统考）\t教一101",
    "大学物理\t1月10日\t上午\t教二 203",
    "附件：考场安排表",
    "东湖大学教务处",
    "2026年11月20日",
    "抄送：校党委办公室，校长办公室。",
    "东湖大学教务处\t2026年11月20日印发",
])


def test_odt_notice_with_a_table_is_read_natively(tmp_path, base_settings, monkeypatch):
    def no_libreoffice():
        raise AssertionError("an .odt must not need LibreOffice")

    monkeypatch.setattr(legacy, "soffice", no_libreoffice)
    path = write_odt(tmp_path / "通知.odt", content_xml(NOTICE_BODY), NOTICE_STYLES)
    assert detect(path) == "odt"
    result = extract(path, base_settings)
    assert result.format == "odt"
    assert [(p.method, p.source) for p in result.pages] == [("docx", "odf-xml")]
    assert result.text == NOTICE_TEXT
    assert result.warnings == ()


def test_odt_is_known_by_its_content_not_its_name(tmp_path, base_settings):
    for name in ("scan0001.zip", "notice.doc", "notice"):
        path = write_odt(tmp_path / name, content_xml("<text:p>各学院：现将有关事项通知如下。</text:p>"))
        assert detect(path) == "odt"
        assert extract(path, base_settings).text == "各学院：现将有关事项通知如下。"


def test_odt_without_a_mimetype_member_is_known_by_its_manifest(tmp_path, base_settings):
    path = write_odt(tmp_path / "a.bin", content_xml("<text:p>通知</text:p>"), mimetype=None)
    assert detect(path) == "odt"
    assert extract(path, base_settings).text == "通知"


def test_a_template_is_read_too(tmp_path, base_settings):
    mime = TEXT_MIME + "-template"
    path = write_odt(tmp_path / "模板.ott", content_xml("<text:p>通知模板</text:p>"), mimetype=mime)
    assert extract(path, base_settings).text == "通知模板"


def test_other_opendocument_files_are_unsupported_not_corrupt(tmp_path, base_settings):
    for kind, fmt in (("spreadsheet", "ods"), ("presentation", "odp")):
        path = write_odt(tmp_path / f"a.{fmt}", content_xml("<text:p>x</text:p>"),
                         mimetype=f"application/vnd.oasis.opendocument.{kind}")
        assert detect(path) == fmt
        with pytest.raises(Unsupported):
            extract(path, base_settings)


def test_headers_of_unused_page_styles_are_left_out(tmp_path, base_settings):
    masters = ('<style:master-page style:name="Standard"><style:header><text:p>默认页眉</text:p></style:header>'
               '</style:master-page><style:master-page style:name="Letterhead"><style:header>'
               '<text:p>东湖大学化学化工学院</text:p></style:header><style:footer style:display="false">'
               '<text:p>隐藏的页脚</text:p></style:footer></style:master-page>')
    path = write_odt(tmp_path / "a.odt", content_xml('<text:p text:style-name="P1">正文</text:p>', master="Letterhead"),
                     styles_xml(masters))
    assert extract(path, base_settings).text == "默认页眉\n东湖大学化学化工学院\n正文"


def test_doctype_without_entities_is_fine(tmp_path, base_settings):
    path = write_odt(tmp_path / "a.odt", content_xml("<text:p>通知</text:p>", prolog="<!DOCTYPE office:document-content>"))
    assert extract(path, base_settings).text == "通知"


BILLION_LAUGHS = ('<!DOCTYPE office:document-content [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
                  + ']>')


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_declarations_are_refused_for_good(tmp_path, base_settings, encoding):
    xml = content_xml("<text:p>&i;</text:p>", prolog=BILLION_LAUGHS)
    if encoding == "utf-16":
        xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = write_odt(tmp_path / "laughs.odt", xml.encode(encoding))
    with pytest.raises(Unsupported) as raised:
        extract(path, base_settings)
    assert "entities" in raised.value.cause


def test_external_entities_are_never_fetched(tmp_path, base_settings):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    prolog = f'<!DOCTYPE office:document-content [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
    path = write_odt(tmp_path / "xxe.odt", content_xml("<text:p>&x;</text:p>", prolog=prolog))
    with pytest.raises(Unsupported):
        extract(path, base_settings)


def test_password_protected_odt_is_encrypted_not_corrupt(tmp_path, base_settings):
    extra = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
             '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="y"/>'
             '</manifest:encryption-data>')
    path = write_odt(tmp_path / "secret.odt", b"\x8f\x02 encrypted bytes, not XML", manifest=manifest_xml(extra=extra))
    with pytest.raises(Encrypted):
        extract(path, base_settings)


@pytest.mark.parametrize("content", [None, "<office:document-content", b"\xff\xfe\x00 not xml"])
def test_damaged_odt_is_corrupt(tmp_path, base_settings, content):
    path = write_odt(tmp_path / "bad.odt", content)
    with pytest.raises(Corrupt):
        extract(path, base_settings)


def test_truncated_odt_is_corrupt(tmp_path, base_settings):
    good = write_odt(tmp_path / "good.odt", content_xml(NOTICE_BODY), NOTICE_STYLES).read_bytes()
    path = tmp_path / "cut.odt"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(Corrupt):
        extract(path, base_settings)


def test_broken_styles_lose_only_the_headers(tmp_path, base_settings):
    path = write_odt(tmp_path / "a.odt", content_xml("<text:p>正文</text:p>"), "<office:document-styles")
    result = extract(path, base_settings)
    assert result.text == "正文"
    assert any("styles.xml" in warning for warning in result.warnings)


def test_odt_bomb_is_refused_before_inflating(tmp_path, base_settings):
    body = "<text:p>" + "通知" * 600_000 + "</text:p>"  # 3.6 MB of XML, a few kB deflated
    path = write_odt(tmp_path / "bomb.odt", content_xml(body))
    assert path.stat().st_size < 100_000
    with pytest.raises(TooLarge):
        extract(path, with_limits(base_settings, max_unzipped_mb=2))


def test_text_boxes_are_read_in_place_and_image_descriptions_are_not(tmp_path, base_settings):
    body = ('<text:p>东湖大学<draw:frame draw:name="印章" text:anchor-type="as-char"><draw:image/>'
            '<svg:desc>公章图片</svg:desc></draw:frame>文件</text:p>'
            '<text:p>见右框<draw:frame text:anchor-type="paragraph"><draw:text-box>'
            '<text:p>密级：内部</text:p><text:p>特急</text:p></draw:text-box></draw:frame></text:p>')
    path = write_odt(tmp_path / "a.odt", content_xml(body))
    assert extract(path, base_settings).text == "东湖大学文件\n见右框\n密级：内部\n特急"
