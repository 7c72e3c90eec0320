import sys

from newsfeed._cli import main

sys.exit(main())
