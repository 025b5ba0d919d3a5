"""The watcher's settings: one place, defaults < [watch] section < command-line flags."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import WatchSettings, load_settings
from pipeline.watch import watch_options


def test_defaults(settings):
    options = watch_options(settings)
    assert options == WatchSettings()
    assert (options.stable_seconds, options.retries, options.polling) == (2.0, 3, False)


def test_the_section_is_read_and_flags_win(tmp_path):
    (tmp_path / "wenshu.toml").write_text("[watch]\nstable_seconds = 7.5\npolling = true\nretries = 1\n")
    settings = load_settings(data_dir=tmp_path, env={})
    options = watch_options(settings, retries=None, poll_interval=0.5)
    assert (options.stable_seconds, options.polling, options.retries, options.poll_interval) == (7.5, True, 1, 0.5)
    assert watch_options(settings, stable_seconds=0).stable_seconds == 0
    with pytest.raises(ValidationError):
        watch_options(settings, retries=-1)


def test_back_off_doubles():
    options = WatchSettings(retry_backoff=5)
    assert [options.backoff(n) for n in (1, 2, 3)] == [5, 10, 20]
