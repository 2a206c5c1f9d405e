"""A portal's bucket (which shard holds its crawl state) is the same in every process and on
every machine, and does not move as the registry grows: only changing ZFXXGK_SHARDS moves it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from zfxxgk.cluster import bucket_of, buckets

IDS = [f"gen_{i:03d}" for i in range(40)]


def test_a_portals_bucket_is_the_same_in_another_process():
    # Python's hash() of a str differs between processes (PYTHONHASHSEED): the bucket must not
    code = "import json, sys; from zfxxgk.cluster import bucket_of; print(json.dumps([bucket_of(i, 8) for i in sys.argv[1:]]))"
    seen = [json.loads(subprocess.run([sys.executable, "-c", code, *IDS], env={**os.environ, "PYTHONHASHSEED": seed},
                                      capture_output=True, text=True, check=True).stdout) for seed in ("1", "2")]
    assert seen[0] == seen[1] == [bucket_of(i, 8) for i in IDS]


def test_new_portals_leave_the_others_in_their_buckets():
    before = buckets(IDS[:20], 8)
    after = buckets(IDS, 8)
    assert all(set(pids) <= set(after[b]) for b, pids in before.items())
    assert sorted(p for pids in after.values() for p in pids) == sorted(IDS)
    assert len(after) == 8 and all(b.endswith("-of-8") for b in after)
    assert bucket_of("gen_000", 8) != bucket_of("gen_000", 9)  # another count: another shard folder
