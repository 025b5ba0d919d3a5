"""Worker for the concurrency test: registers COUNT documents into DATABASE_URL.

Run as a separate process: python register_many.py DATA_DIR DATABASE_URL WORKER COUNT
"""

import hashlib
import sys

from core.settings import load_settings
from registry.db import open_registry
from registry.records import Intake, register


def main() -> None:
    data_dir, url, worker, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    settings = load_settings(data_dir=data_dir, env={}, overrides={"database_url": url})
    engine = open_registry(settings)
    for n in range(count):
        sha = hashlib.sha256(f"{worker}-{n}".encode()).hexdigest()
        register(engine, settings, Intake(direction="收文", file_name=f"{worker}-{n}.txt", sha256=sha,
                                          stored_path=f"store/{sha}", text=f"worker {worker} doc {n}"),
                 actor=f"worker-{worker}")


if __name__ == "__main__":
    main()
