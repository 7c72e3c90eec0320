"""`newsfeed serve` started as a user would, for tests that need the served folder."""

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from processes import newsfeed_command


@contextmanager
def newsfeed_serve(folder: Path) -> Iterator[str]:
    """Serve *folder* with ``newsfeed serve --port 0``; yield its base URL."""
    server = subprocess.Popen(
        newsfeed_command("serve", folder, "--port", "0"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, line
        yield match.group()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()
