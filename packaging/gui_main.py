"""Entry script of the frozen GUI executable."""

import sys

from dogcat_desktop.app import main

sys.exit(main())
