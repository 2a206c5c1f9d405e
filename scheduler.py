"""The nightly job's command: `python scheduler.py [--once] [--at HH:MM] [--cron EXPR] [--timezone TZ]`.

The scheduler itself (APScheduler, its job store, the cycle it runs) is `zfxxgk.schedule`;
`--help` lists the options.
"""

import sys

from zfxxgk.schedule import main

if __name__ == "__main__":
    sys.exit(main())
