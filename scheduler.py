"""The nightly job: APScheduler runs one cycle (crawl, re-parse, index, publish) every night.

    python scheduler.py                 # run forever; a cycle at 02:00 Asia/Shanghai
    python scheduler.py --at 03:30      # another time (or ZFXXGK_AT=03:30)
    python scheduler.py --cron "0 2 * * 1-5" --timezone Asia/Shanghai   (or ZFXXGK_CRON, ZFXXGK_TZ)
    python scheduler.py --once          # one cycle now; exit 0 ok / 1 failed / 2 busy / 143 stopped

The schedule lives in a SQLite job store beside the data (not in the archive database), under
a fixed job id replaced at every start, so a restart keeps one schedule, never two. Missed
runs (the machine was down at 02:00) run when it is back, within hours, and collapse into one.
One cycle at a time: max_instances=1 here, and the run lock across processes.

This file is the command; the scheduler itself is `zfxxgk.schedule`.
"""

import sys

from zfxxgk.schedule import main

if __name__ == "__main__":
    sys.exit(main())
