"""``python -m specs list | show SERVICE.Operation | lint | openapi SERVICE``."""

import sys

from specs.cli import main

sys.exit(main(sys.argv[1:]))
