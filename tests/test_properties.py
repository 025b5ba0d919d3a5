"""Property tests of settings layering (core.settings.load_settings).

Precedence, lowest first: built-in defaults < wenshu.toml in the data directory < WENSHU_*
environment variables < command-line overrides. For a few keys, each source is present or not
with its own value; the highest present one must win, and with the higher ones absent each lower
one shows through, down to the default.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from core.settings import CONFIG_FILE_NAME, load_settings

PROPERTY = settings(max_examples=100, deadline=None, derandomize=True, database=None)

SOURCES = ("toml", "env", "cli")  # lowest first, above the defaults


class Key:
    def __init__(self, section: str | None, name: str, values, default):  # noqa: ANN001
        self.section, self.name, self.values, self.default = section, name, values, default

    @property
    def env(self) -> str:
        return "WENSHU_" + "_".join(filter(None, (self.section, self.name))).upper()

    def nested(self, value) -> dict:  # noqa: ANN001
        return {self.section: {self.name: value}} if self.section else {self.name: value}

    def toml(self, value) -> str:  # noqa: ANN001
        return f"{self.name} = {value!r}\n"

    def read(self, loaded):  # noqa: ANN001, ANN201
        return getattr(getattr(loaded, self.section), self.name) if self.section else getattr(loaded, self.name)


KEYS = (
    Key(None, "workers", st.integers(1, 64), os.cpu_count() or 1),
    Key("ocr", "dpi", st.integers(100, 600), 300),
    Key("watch", "stable_seconds", st.floats(0, 1e6, allow_nan=False, allow_infinity=False), 2.0),
)


@st.composite
def layers(draw, key: Key):  # noqa: ANN001, ANN201
    """{source: value} for the sources that set ``key`` (any subset, each with its own value)."""
    present = draw(st.lists(st.sampled_from(SOURCES), unique=True))
    return {source: draw(key.values) for source in present}


def _write_toml(path: Path, chosen: list[tuple[Key, dict]]) -> None:
    top = [key.toml(given["toml"]) for key, given in chosen if key.section is None and "toml" in given]
    sections = {}
    for key, given in chosen:
        if key.section and "toml" in given:
            sections.setdefault(key.section, []).append(key.toml(given["toml"]))
    text = "".join(top) + "".join(f"[{name}]\n" + "".join(lines) for name, lines in sections.items())
    path.write_text(text, encoding="utf-8")


@PROPERTY
@given(st.tuples(*(layers(key) for key in KEYS)), st.dictionaries(st.sampled_from(["WENSHU_TEST_WORKERS",
                                                                                   "WENSHU_TEST_OCR_DPI"]),
                                                                  st.sampled_from(["1", "7"])))
def test_the_highest_source_present_wins(chosen_values, test_variables):
    chosen = list(zip(KEYS, chosen_values))
    # WENSHU_TEST_* is the test suite's and ignored; passed explicitly, os.environ is not read
    env = dict(test_variables)
    overrides: dict = {}
    for key, given in chosen:
        if "env" in given:
            env[key.env] = str(given["env"])
        if "cli" in given:
            section = overrides.setdefault(key.section, {}) if key.section else overrides
            section[key.name] = given["cli"]
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        _write_toml(data / CONFIG_FILE_NAME, chosen)
        loaded = load_settings(data_dir=data, env=env, overrides=overrides)
    for key, given in chosen:
        expected = next((given[source] for source in reversed(SOURCES) if source in given), key.default)
        assert key.read(loaded) == expected, (key.name, given)


@PROPERTY
@given(st.tuples(*(key.values for key in KEYS)))
def test_each_source_alone_shows_through(values):
    """One value per key, set in one source at a time: each reads back as itself."""
    for source in SOURCES:
        chosen = [(key, {source: value}) for key, value in zip(KEYS, values)]
        env = {key.env: str(value) for key, value in zip(KEYS, values)} if source == "env" else {}
        overrides: dict = {}
        if source == "cli":
            for key, value in zip(KEYS, values):
                (overrides.setdefault(key.section, {}) if key.section else overrides)[key.name] = value
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder)
            if source == "toml":
                _write_toml(data / CONFIG_FILE_NAME, chosen)
            loaded = load_settings(data_dir=data, env=env, overrides=overrides)
        assert [key.read(loaded) for key in KEYS] == list(values), source
