"""``python -m dualdiff``: see :mod:`dualdiff.cli`."""

import sys

from .cli import main

sys.exit(main())
