"""Entry script of the frozen command-line executable."""

import sys

from dogcat_desktop.cli import main

sys.exit(main())
