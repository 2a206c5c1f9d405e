"""The raw archive, the source of truth: WARC files of every response, and a content-addressed
blob store of every report document and attachment. Nothing here is ever overwritten or deleted.

Layout under the archive root (default `data/archive/`):

    warc/YYYY/MM/zfxxgk-<run>-<utc time>-<serial>.warc.gz   every HTTP response of every run
    blobs/sha256/ab/cd/abcd...                                 bodies, named by their sha256

Both are plain files that standard tools read (`warcio check`, `warcio index`, pywb), so the
archive outlives this code.
"""

from .blobs import BlobStore
from .warc import WarcArchive, recover_open_files

__all__ = ["BlobStore", "WarcArchive", "recover_open_files"]
