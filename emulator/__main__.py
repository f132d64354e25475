"""``python -m emulator``: serve the emulator over HTTP (see ``emulator.server.main``)."""

import sys

from emulator.server import main

sys.exit(main())
