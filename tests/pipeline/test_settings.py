"""Settings: defaults < wenshu.toml < WENSHU_* < flags, and helpful rejections."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.settings import load_settings


def test_defaults_live_in_the_data_directory(tmp_path):
    settings = load_settings(data_dir=tmp_path, env={})
    assert settings.database_url == f"sqlite:///{tmp_path / 'wenshu.db'}"
    assert settings.inbox_dir == tmp_path / "inbox"
    assert settings.numbering.series["收文"].format == "收〔{year}〕{seq}号"


def test_layers_override_in_order(tmp_path):
    (tmp_path / "wenshu.toml").write_text(
        'workers = 3\n[ocr]\nengine = "tesseract"\ndpi = 200\n[office]\nnames = ["文学院"]\n',
        encoding="utf-8")
    env = {"WENSHU_OCR_DPI": "400", "WENSHU_OFFICE_NAMES": "历史学院, 历史院", "WENSHU_TEST_PG_URL": "x"}
    settings = load_settings(data_dir=tmp_path, env=env, overrides={"workers": 1})
    assert settings.ocr.engine == "tesseract"  # file
    assert settings.ocr.dpi == 400  # env beats file
    assert settings.office.names == ("历史学院", "历史院")
    assert settings.workers == 1  # flag beats file


def test_env_names_the_data_directory(tmp_path):
    settings = load_settings(env={"WENSHU_DATA": str(tmp_path / "d")})
    assert settings.data_dir == tmp_path / "d"


def test_series_can_be_configured(tmp_path):
    (tmp_path / "wenshu.toml").write_text(
        '[numbering]\ndefault_outgoing = "党"\n'
        '[numbering.series."收文"]\ndirection = "收文"\nformat = "{year}-{seq:04d}"\n'
        '[numbering.series."党"]\ndirection = "发文"\nformat = "化学院党发〔{year}〕{seq}号"\n',
        encoding="utf-8")
    settings = load_settings(data_dir=tmp_path, env={})
    assert settings.numbering.default_outgoing == "党"
    assert settings.numbering.series["收文"].format.format(year=2026, seq=15) == "2026-0015"
    assert "函" not in settings.numbering.series  # a configured table replaces the defaults


@pytest.mark.parametrize("toml, env, expected", [
    ("[ocr]\nengin = 'x'\n", {}, "unknown setting 'ocr.engin'"),
    ("", {"WENSHU_WORKRES": "2"}, "unknown setting 'workres'"),
    ("workers = 'many'\n", {}, "setting 'workers'"),
    ("[ocr]\nengine = 'paddle'\n", {}, "setting 'ocr.engine'"),
    ("[office]\ntimezone = 'Mars/Base'\n", {}, "unknown time zone"),
    ("[numbering.series.x]\ndirection = '收文'\nformat = '{month}'\n", {}, "may only use"),
    ("[numbering]\ndefault_incoming = 'nope'\n", {}, "not defined"),
    ("workers = [\n", {}, "not valid TOML"),
])
def test_bad_settings_say_how_to_fix(tmp_path, toml, env, expected):
    (tmp_path / "wenshu.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(data_dir=tmp_path, env=env)
    assert expected in caught.value.message
    assert caught.value.fix and caught.value.exit_code == 3


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml", env={})


def test_settings_are_frozen(tmp_path):
    settings = load_settings(data_dir=tmp_path, env={})
    with pytest.raises(Exception):
        settings.workers = 9
