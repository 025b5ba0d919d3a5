"""One frozen Settings object, built once at the edge of the program.

Precedence, lowest first: built-in defaults < ``wenshu.toml`` (in the data directory, or the
file given with ``--config``) < ``WENSHU_*`` environment variables < command-line flags.
No other module reads ``os.environ`` or a config file; they receive a ``Settings``.

Environment variables map onto keys by name: ``WENSHU_DATA`` is ``data_dir``,
``WENSHU_DATABASE_URL`` is ``database_url``, ``WENSHU_STORE_DIR`` is ``store_dir`` and
``WENSHU_OCR_ENGINE`` is ``[ocr] engine``.
``WENSHU_TEST_*`` is reserved for the test suite and ignored here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import ConfigError

CONFIG_FILE_NAME = "wenshu.toml"
DEFAULT_DATA_DIR = "wenshu-data"
# What a registry row's ``stored_path`` begins with when the file is in the store: the rest is
# relative to ``store_dir``, wherever this machine mounts it (see ``Settings.stored_file``).
STORE_PREFIX = "store/"
ENV_PREFIX = "WENSHU_"

Direction = Literal["收文", "发文"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OfficeSettings(_Section):
    # The office's own names: a document whose issuer is one of these is one of ours.
    names: tuple[str, ...] = ("东湖大学化学化工学院", "化学化工学院", "化学院")
    # 机关代字: what the office's own 发文字号 begin with (化学院 in 化学院发〔2026〕3号); the
    # default 发文 series print it as {code}.
    code: str = ""
    # 全宗号 of the college archive and the 机构(问题) code used in 档号 (DA/T 22-2015).
    fonds_code: str = "0001"
    unit_code: str = "BGS"
    # 全宗名称 on the 归档文件目录's cover and in the archive package; empty: the first of names.
    fonds_name: str = ""
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, use an IANA name such as Asia/Shanghai") from exc
        return value


class SeriesSettings(_Section):
    direction: Direction
    # Python format string; {year} and {seq} are filled in, and {code} with [office] code. The
    # 条例 wants the sequence without padding and the year in full inside 六角括号.
    format: str

    @field_validator("format")
    @classmethod
    def _format_has_fields(cls, value: str) -> str:
        try:
            value.format(year=2026, seq=1, code="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"format {value!r} may only use {{year}}, {{seq}} and {{code}}") from exc
        if "{seq" not in value:
            raise ValueError(f"format {value!r} must contain {{seq}}")
        return value

    def number(self, year: int, seq: int, code: str) -> str:
        return self.format.format(year=year, seq=seq, code=code)


def _default_series() -> dict[str, SeriesSettings]:
    return {
        "收文": SeriesSettings(direction="收文", format="收〔{year}〕{seq}号"),
        "发文": SeriesSettings(direction="发文", format="{code}发〔{year}〕{seq}号"),
        "函": SeriesSettings(direction="发文", format="{code}函〔{year}〕{seq}号"),
    }


class NumberingSettings(_Section):
    series: dict[str, SeriesSettings] = Field(default_factory=_default_series)
    # Which series a file gets when none is named, per direction.
    default_incoming: str = "收文"
    default_outgoing: str = "发文"

    @model_validator(mode="after")
    def _defaults_exist(self) -> "NumberingSettings":
        for direction, name in (("收文", self.default_incoming), ("发文", self.default_outgoing)):
            series = self.series.get(name)
            if series is None:
                raise ValueError(f"default series {name!r} is not defined under [numbering.series]")
            if series.direction != direction:
                raise ValueError(f"default {direction} series {name!r} is declared as {series.direction}")
        return self


class OcrSettings(_Section):
    engine: Literal["rapidocr", "tesseract"] = "rapidocr"
    tesseract_languages: str = "chi_sim+eng"
    dpi: int = Field(300, ge=100, le=600)
    # Seconds one page may take before the engine is considered hung.
    page_timeout: int = Field(120, ge=5)


class LimitSettings(_Section):
    # Files beyond these are refused as too_large instead of exhausting memory.
    max_file_mb: int = Field(200, ge=1)
    max_pages: int = Field(2000, ge=1)
    max_image_pixels: int = Field(120_000_000, ge=1_000_000)
    max_unzipped_mb: int = Field(300, ge=1)
    # XML parsed at once from one docx, odt or OFD page: parsing takes about 12 times its size
    # in memory, so this keeps a file that is accepted well under 1 GB.
    max_xml_mb: int = Field(64, ge=1)
    # Characters of text kept, indexed and understood per document; beyond it the text is cut
    # (with a warning on the record): a 200 MB text file must not take gigabytes to register.
    max_text_chars: int = Field(1_000_000, ge=10_000)
    # Below this much free space on the data directory's disk, no new file is taken
    # (「磁盘空间不足」): a full disk fails every write half-way.
    min_free_mb: int = Field(100, ge=0)


class WatchSettings(_Section):
    stable_seconds: float = Field(2.0, ge=0)  # size and mtime unchanged this long (and it opens): writer done
    polling: bool = False  # SMB/NFS shares: inotify misses other machines' writes
    poll_interval: float = Field(5.0, gt=0)  # seconds between polls when polling
    rescan_interval: float = Field(60.0, ge=1)  # full rescan, and takeover of dead watchers' claims
    retries: int = Field(3, ge=0)  # further attempts for a file that does not parse yet
    retry_backoff: float = Field(5.0, ge=0)  # first wait, doubled: 5, 10, 20 s
    worker_memory_mb: int = Field(4096, ge=0)  # RLIMIT_AS per worker (0: none); RapidOCR peaks ~1.3 GB virtual
    worker_tasks: int = Field(200, ge=0)  # replace a worker after N files, bounding leaks (0: never)
    file_timeout: float = Field(3600.0, ge=0)  # kill a worker stuck on one file and quarantine it (0: none)

    def backoff(self, failed_attempts: int) -> float:
        """Seconds to wait after the ``failed_attempts``-th failed attempt."""
        return self.retry_backoff * 2 ** max(0, failed_attempts - 1)


class AuditSettings(_Section):
    # The HMAC key of the audit chain: outside the database, mode 0600 (default DATA/keys/audit.key).
    key_file: Path | None = None
    # Where the watcher appends one checkpoint line a day, for auditors to keep off this machine:
    # point it at another machine's share (default DATA/checkpoints).
    checkpoint_dir: Path | None = None


class WebSettings(_Section):
    host: str = "127.0.0.1"  # behind a reverse proxy with TLS for other machines (docs/web.md)
    port: int = Field(8000, ge=1, le=65535)
    # A session ends after this long without a request, and in any case this long after login.
    idle_minutes: int = Field(120, ge=1)
    session_hours: int = Field(12, ge=1)
    # Set when the browser reaches wenshu over HTTPS (the proxy ends TLS): the cookie is then
    # sent over HTTPS only.
    secure_cookie: bool = False
    # The address clerks type, as the browser sends it in Origin (https://wenshu.example.edu.cn);
    # requests that change data from any other origin are refused. The server's own
    # http://host:port is always allowed.
    origins: tuple[str, ...] = ()
    # Failed logins for one name (or from one address, ×4) within the window before logins wait.
    login_attempts: int = Field(5, ge=1)
    login_window_minutes: int = Field(15, ge=1)


class ArchiveSettings(_Section):
    # Pages a 档案盒 takes before the next box is started (a 3 cm box holds about 300 sheets of
    # 70 g paper; offices fill them to about two thirds so the 件 do not bend).
    box_pages: int = Field(200, ge=1, le=2000)
    # 档案馆（室）名称 in the package's metadata (DA/T 46 来源); empty leaves it out.
    archive_name: str = ""


class HandlingSettings(_Section):
    # 文种 an office handles without a leader's 批示: the clerk's 拟办 names the 主办 and the
    # 办件 goes straight to 承办中 (e.g. ["函", "通知"]); a comma-separated list from the environment.
    skip_instruction: tuple[str, ...] = ()
    # The 待办 lists and the 催办 digest count an item due within this many days as 即将到期.
    due_soon_days: int = Field(3, ge=0, le=365)
    # Days from registration to the 办理时限 of a 办件 that has no deadline of its own, by 紧急程度.
    urgent_days: dict[str, int] = Field(default_factory=lambda: {"特急": 3, "加急": 5})

    @field_validator("skip_instruction", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("skip_instruction")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from core.vocab import DOC_TYPE_VALUES

        unknown = [name for name in value if name not in DOC_TYPE_VALUES]
        if unknown:
            raise ValueError(f"unknown 文种 {unknown}, use some of: {', '.join(DOC_TYPE_VALUES)}")
        return value

    @field_validator("urgent_days")
    @classmethod
    def _known_urgencies(cls, value: dict[str, int]) -> dict[str, int]:
        from core.vocab import URGENCIES

        unknown = [name for name in value if name not in URGENCIES]
        if unknown:
            raise ValueError(f"unknown 紧急程度 {unknown}, use some of: {', '.join(URGENCIES)}")
        if any(days < 0 for days in value.values()):
            raise ValueError("days must not be negative")
        return value


class Settings(_Section):
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    database_url: str | None = None
    # The store of originals; default DATA/store. Machines sharing one PostgreSQL registry point
    # it at one network mount, each wherever it mounts it (a relative path is inside data_dir).
    store_dir: Path | None = None
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    office: OfficeSettings = Field(default_factory=OfficeSettings)
    numbering: NumberingSettings = Field(default_factory=NumberingSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    handling: HandlingSettings = Field(default_factory=HandlingSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)

    @field_validator("store_dir", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any) -> Any:
        # WENSHU_STORE_DIR= (set but empty) means the default, not the data directory itself
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _absolute_paths(self) -> "Settings":
        if not self.data_dir.is_absolute():
            object.__setattr__(self, "data_dir", self.data_dir.resolve())
        if self.store_dir is None:
            object.__setattr__(self, "store_dir", self.data_dir / "store")
        elif not self.store_dir.is_absolute():  # not the working directory: commands run from anywhere
            object.__setattr__(self, "store_dir", (self.data_dir / self.store_dir).resolve())
        if self.database_url is None:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'wenshu.db'}")
        return self

    # Folders of the data directory (README "Data layout").
    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def duplicates_dir(self) -> Path:
        return self.data_dir / "duplicates"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def work_dir(self) -> Path:
        return self.data_dir / "work"

    @property
    def folders(self) -> tuple[Path, ...]:
        return (self.inbox_dir, self.outbox_dir, self.quarantine_dir, self.duplicates_dir,
                self.store_dir, self.index_dir, self.work_dir)

    def stored_file(self, stored_path: str) -> Path:
        """The file a registry row's ``stored_path`` names on this machine: ``store/…`` is in
        ``store_dir`` (the same row on every machine, wherever the store is mounted); anything
        else (a row not written by the pipeline) is relative to the data directory, as every
        ``stored_path`` was before ``store_dir`` existed."""
        if stored_path.startswith(STORE_PREFIX):
            return self.store_dir / stored_path.removeprefix(STORE_PREFIX)
        return self.data_dir / stored_path

    def logical_stored_path(self, stored: Path) -> str:
        """What a registry row records of a file in the store: ``store/ab/<sha256>.<ext>``."""
        return STORE_PREFIX + stored.relative_to(self.store_dir).as_posix()

    @property
    def audit_key_file(self) -> Path:
        return self.audit.key_file or self.data_dir / "keys" / "audit.key"

    @property
    def checkpoint_dir(self) -> Path:
        return self.audit.checkpoint_dir or self.data_dir / "checkpoints"

    @property
    def fonds_name(self) -> str:
        """全宗名称: as set, else the office's first name."""
        return self.office.fonds_name or (self.office.names[0] if self.office.names else "")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)

    def today(self) -> date:
        """The office's date now (numbers restart each year; quarantine folders are by day)."""
        return datetime.now(self.zone).date()


_SECTIONS = {name for name, field in Settings.model_fields.items()
             if isinstance(field.annotation, type) and issubclass(field.annotation, _Section)}
_ENV_ALIASES = {"data": "data_dir"}
# WENSHU_* variables that are not settings: who acts (the CLI's --user), read by the command line.
NOT_SETTINGS = frozenset({"WENSHU_USER"})


def settings_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Turn ``WENSHU_*`` variables into a nested dict of raw (string) values."""
    result: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key.startswith(ENV_PREFIX + "TEST_") or key in NOT_SETTINGS:
            continue
        name = key[len(ENV_PREFIX):].lower()
        name = _ENV_ALIASES.get(name, name)
        section = next((s for s in _SECTIONS if name.startswith(s + "_")), None)
        if section:
            field = name[len(section) + 1:]
            if field == "names":  # the one tuple a shell user sets: comma separated
                value = [part.strip() for part in value.split(",") if part.strip()]
            result.setdefault(section, {})[field] = value
        else:
            result[name] = value
    return result


def read_toml(path: Path, *, what: str = "config file", hint: str = "") -> dict[str, Any]:
    """Read a TOML file an office edits by hand; errors say which file and how to fix it."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}",
                          fix=f"Correct the syntax in {path}. {hint}".strip()) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}",
                          fix=f"Check that {path} exists and is readable.") from exc


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _explain(error: ValidationError, sources: str) -> ConfigError:
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(settings)"
        if problem["type"] == "extra_forbidden":
            lines.append(f"unknown setting '{where}'")
        else:
            lines.append(f"setting '{where}': {problem['msg']} (got {problem.get('input')!r})")
    return ConfigError("invalid settings: " + "; ".join(lines),
                       fix=f"Fix or remove these keys in {sources}. README 'Configuration' lists every key.")


def load_settings(*, data_dir: str | Path | None = None, config_file: str | Path | None = None,
                  env: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build the Settings for one run. ``data_dir`` and ``overrides`` come from CLI flags."""
    env = os.environ if env is None else env
    from_env = settings_from_env(env)
    from_flags = dict(overrides or {})
    if data_dir is not None:
        from_flags["data_dir"] = str(data_dir)

    if config_file is not None:
        toml_path = Path(config_file)
        if not toml_path.is_file():
            raise ConfigError(f"config file {toml_path} does not exist",
                              fix="Pass an existing file to --config, or leave it out.")
    else:
        where = from_flags.get("data_dir") or from_env.get("data_dir") or DEFAULT_DATA_DIR
        toml_path = Path(where) / CONFIG_FILE_NAME
    from_file = read_toml(toml_path) if toml_path.is_file() else {}

    merged = deep_merge(deep_merge(from_file, from_env), from_flags)
    sources = f"{toml_path}, WENSHU_* variables or flags"
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise _explain(exc, sources) from exc
