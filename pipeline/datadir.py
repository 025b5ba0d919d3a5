"""The data directory made ready for work: its folders, and an empty search index, so that a
new office's first search finds nothing instead of failing for want of an index.

And a guard for the store of originals (``store_dir``), which may be a network share: a share
that is not mounted leaves its mount point an empty local folder, and originals stored there are
seen by no other machine (and hidden under the share once it is mounted again). So the store
carries a marker, ``.wenshu-store``, written when wenshu first makes or meets it; a store
without one, while the registry already names originals in the store and the oldest of them is
not there either, is refused (``StoreUnavailable``) before anything is written. A store from
before the marker (the oldest original is there) just gets one.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

import index
from core import durable
from core.errors import StoreUnavailable
from core.settings import STORE_PREFIX, Settings
from registry import queries, search_rows

MARKER = ".wenshu-store"


def prepare(settings: Settings, engine: Engine) -> None:
    """Safe to call again: only what is missing is made. On PostgreSQL search lives in the
    registry's own rows, so no whoosh index is made there."""
    make_folders(settings, engine)
    if not search_rows.supported(engine):
        index.create_or_open(settings).close()


def make_folders(settings: Settings, engine: Engine) -> None:
    """The folders of the data directory and the store, once the store is known to be the one
    the registry names (``check_store``); the store's marker when it has none yet."""
    check_store(settings, engine)
    for folder in settings.folders:
        folder.mkdir(parents=True, exist_ok=True)
    marker = settings.store_dir / MARKER
    if not marker.is_file():
        try:
            durable.write_text(marker, marker_text(settings))
        except OSError:  # a full disk, a read-only share: the next start tries again (and the
            pass         # oldest original, if any, vouches for the store meanwhile)


def check_store(settings: Settings, engine: Engine) -> None:
    """``StoreUnavailable`` when the store has no marker and lacks the oldest original the
    registry names in it (a registry with none there: any store will do)."""
    store = settings.store_dir
    if (store / MARKER).is_file():
        return
    oldest = queries.first_stored_path(engine, STORE_PREFIX)
    if oldest is None or settings.stored_file(oldest).is_file():
        return
    raise StoreUnavailable(
        f"原件库 {store} 看起来是空的或未挂载：登记簿中已有存放在原件库的原件，但这里既没有标记文件 {MARKER}，"
        f"也没有最早登记的原件（{oldest}）。为免原件存到其他机器看不到的本地目录，wenshu 未作任何写入。",
        fix=f"Mount the shared store at {store} (or point store_dir / WENSHU_STORE_DIR at where it is mounted) "
            f"and start again. If this folder really is the store (restored from a backup, say), mark it: "
            f"touch {store / MARKER}")


def marker_text(settings: Settings) -> str:
    """What the marker says: whose store this is (the database, without user or password)."""
    given = make_url(settings.database_url)
    url = URL.create(given.drivername, host=given.host, port=given.port, database=given.database)
    return (f"wenshu 原件库（store_dir）的标记文件，请勿删除。\n"
            f"wenshu checks for this file at every start: see docs/configuration.md, store_dir.\n"
            f"database = {url.render_as_string()}\n"
            f"created = {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n")
