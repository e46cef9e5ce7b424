"""``python -m worker.gevent_main ARGS``: Dramatiq's CLI under gevent (its ``dramatiq-gevent``).

The same two steps as the ``dramatiq-gevent`` script Dramatiq ships, as a module, so the
delivery pool needs no script on ``PATH``: patch the standard library first, then run the
CLI (its worker processes are forked, so they inherit the patch). Psycopg 3 cooperates
with gevent by itself (3.1.14 and later); redis-py and the HTTP clients use patched sockets.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything else imports socket, ssl or threading

import sys  # noqa: E402

from dramatiq.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
