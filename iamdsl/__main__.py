"""`python -m iamdsl` runs the command line."""

from iamdsl.cli import main

raise SystemExit(main())
