"""Smaller readers and rules: text layer judgement, OFD structure, legacy conversion, txt."""

from __future__ import annotations

import os
import sys
import zipfile

import pytest

from extractors import extract, textlayer
from extractors.errors import Corrupt, Unsupported
from tests.extractors.conftest import expected, sample


@pytest.mark.parametrize("text, glyphs, usable", [
    ("关于做好期末考试工作的通知", 13, True),
    ("Notice to all staff: the exam timetable is attached.", 52, True),
    ("", 0, False),
    ("", 300, False),                                      # fonts and glyphs, no text: CFF case
    ("(cid:12)(cid:13)(cid:14)关于", 40, False),
    ("\x01\x02\x03\x04\x05\x04\x05\x06\x04\x07 2026", 16, False),  # no ToUnicode map
    ("ÎÒÃÇÒÑ¾­ÊÕµ½ÄúµÄÀ´º¯", 20, False),              # GBK read as Latin-1
    ("关于", 300, False),                                  # 2 characters for 300 glyphs
])
def test_text_layer_judgement(text, glyphs, usable):
    assert (textlayer.problem(text, glyphs) is None) == usable


def _ofd(path, content_xml: str, template_xml: str | None = None):
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    template_decl = ('<ofd:TemplatePage ID="5" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template_xml else "")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("OFD.xml", f'<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
                              '</ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/Document.xml", f'<ofd:Document {ns}><ofd:CommonData>{template_decl}</ofd:CommonData>'
                                         '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/>'
                                         '</ofd:Pages></ofd:Document>')
        z.writestr("Doc_0/Pages/Page_0/Content.xml", content_xml)
        if template_xml:
            z.writestr("Doc_0/Tpls/Tpl_0/Content.xml", template_xml)
    return path


def _text_object(x, y, text, size=5.6):
    return (f'<ofd:TextObject ID="9" Boundary="{x} {y} 150 8" Size="{size}">'
            f'<ofd:TextCode X="0" Y="{size}">{text}</ofd:TextCode></ofd:TextObject>')


def test_ofd_template_and_per_character_objects(tmp_path, base_settings):
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    chars = "".join(_text_object(30 + 5.6 * i, 60, ch) for i, ch in reversed(list(enumerate("各学院："))))
    page = (f'<ofd:Page {ns}><ofd:Template TemplateID="5"/><ofd:Content><ofd:Layer ID="2">'
            f'{chars}{_text_object(30, 80, "现将有关事项通知如下。")}</ofd:Layer></ofd:Content></ofd:Page>')
    template = (f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="3">{_text_object(60, 30, "东湖大学教务处文件", 10)}'
                '</ofd:Layer></ofd:Content></ofd:Page>')
    result = extract(_ofd(tmp_path / "a.ofd", page, template), base_settings)
    assert result.text == "东湖大学教务处文件\n各学院：\n现将有关事项通知如下。"


def test_ofd_with_missing_page_is_corrupt(tmp_path, base_settings):
    path = tmp_path / "b.ofd"
    _ofd(path, "<broken")
    with pytest.raises(Corrupt):
        extract(path, base_settings)


def _fake_soffice(directory, body: str):
    """A stand-in for LibreOffice's command line (LibreOffice is too big to install for a
    test): same arguments, writes its output where soffice would."""
    script = directory / "soffice"
    script.write_text(f"#!{sys.executable}\nimport shutil, sys\nargs = sys.argv[1:]\n"
                      f"out = args[args.index('--outdir') + 1]\nsource = args[-1]\n{body}\n")
    script.chmod(0o755)


def test_legacy_doc_is_converted_when_soffice_exists(tmp_path, base_settings, monkeypatch):
    docx = sample("letter_really_docx.doc")
    _fake_soffice(tmp_path, "import os, pathlib\nos.makedirs(out, exist_ok=True)\n"
                            f"shutil.copy({str(docx)!r}, pathlib.Path(out) / (pathlib.Path(source).stem + '.docx'))")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    result = extract(sample("legacy_word97.doc"), base_settings)
    assert result.format == "doc"
    assert [(p.method, p.source) for p in result.pages] == [("docx", "libreoffice+python-docx")]
    assert result.text == expected("letter_really_docx.doc")


def test_legacy_conversion_failure_is_corrupt(tmp_path, base_settings, monkeypatch):
    _fake_soffice(tmp_path, "sys.exit(1)")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(Corrupt):
        extract(sample("legacy_word97.doc"), base_settings)


def test_binary_named_txt_is_refused(tmp_path, base_settings):
    path = tmp_path / "notes.txt"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(Unsupported):
        extract(path, base_settings)


def test_utf8_with_and_without_bom(tmp_path, base_settings):
    for name, data in (("bom.txt", "\ufeff各系：\r\n　　通知如下。"), ("plain.txt", "各系：\n　　通知如下。")):
        path = tmp_path / name
        path.write_bytes(data.encode("utf-8"))
        assert extract(path, base_settings).text == "各系：\n通知如下。"


def test_samples_folder_is_small():
    total = sum(p.stat().st_size for p in sample("").iterdir() if p.is_file())
    assert total < 8 * 1024 * 1024


def test_exif_orientation_is_applied(tmp_path, base_settings):
    from PIL import Image

    from extractors.pages import load_frame

    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": a phone photo taken in portrait
    Image.new("L", (400, 300), 255).save(path, exif=exif)
    assert load_frame(path, 0, base_settings).size == (300, 400)
