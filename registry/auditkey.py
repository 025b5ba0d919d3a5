"""The audit chain's key: every event from ``keyed_from`` on is sealed with HMAC-SHA256 under it.

SHA-256 alone proves only that the rows agree with one another: whoever can write the database
can recompute the whole chain with the public function. Under a key kept outside the database
(a file of mode 0600 in a folder of mode 0700), a DBA or anyone holding only the SQLite file
cannot. The key file also says from which event on the chain is keyed, so the database cannot
claim that its events predate the key.

A registry's key is made with its first event (``wenshu init`` or the first ingest). A registry
begun before keys (its events plain SHA-256) gets one from ``wenshu init``, keyed from its next
event on; a key missing from a keyed registry is never made anew: that is the moment a log is
rewritten, so nothing is written until the key is restored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from core.errors import ConfigError

KEY_VERSION = 1


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    keyed_from: int    # the first event sealed with this key; those before are plain SHA-256
    path: Path

    def seal(self, payload: bytes) -> str:
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()


def load(path: Path) -> AuditKey | None:
    """The key kept at ``path``; None when there is no file."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"审计密钥文件 {path} 无法读取：{exc.strerror}",
                          fix=f"Check that {path} is readable by the user running wenshu.") from exc
    try:
        data = json.loads(raw)
        return AuditKey(secret=bytes.fromhex(data["key"]), keyed_from=int(data["keyed_from"]), path=path)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"审计密钥文件 {path} 已损坏", fix="Restore the key file from its backup.") from exc


def create(path: Path, keyed_from: int) -> AuditKey:
    """A new random key at ``path`` (never over an existing file), mode 0600 in a 0700 folder."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    content = json.dumps({"version": KEY_VERSION, "key": secret.hex(), "keyed_from": keyed_from,
                          "created": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o600)  # whatever the umask took away or added
    return AuditKey(secret=secret, keyed_from=keyed_from, path=path)
