"""Follow the published copy: when a cycle swaps in a new database file, serve the new one.

A cycle publishes by renaming a complete, checked copy over data/published/zfxxgk.db.
Datasette keeps the old file open (its inode lives on until closed), so it goes on serving
the previous copy, whole and consistent, while the cycle writes; this watcher notices the new
inode within a few seconds and swaps the Database object. No restart, no half-written
database, no request answered from a mix of the two.

Each copy is named by its file's identity, not by its content's sha256 (see `_name_copy`).
"""

import asyncio
import hashlib
import os

from datasette import hookimpl
from datasette.database import Database, connections

INTERVAL = float(os.environ.get("ZFXXGK_RELOAD_SECONDS", "2"))


def _identity(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _name_copy(db) -> None:
    """Give an immutable copy its `hash` (Datasette's ETag for the download, the home page's
    colour) without reading it. Datasette 0.65 computes the sha256 of the whole file the first
    time a page asks, inside the event loop: about 2 s per GB, 22 s for an 11 GB copy at
    national scale, every request waiting. Every published copy is a new file, so its inode,
    size and modification time name it as well."""
    if db.is_mutable or not db.path or db.cached_hash is not None:
        return
    db.cached_hash = hashlib.sha256(f"{db.path}:{_identity(db.path)}".encode()).hexdigest()


class PublishedCopy(Database):
    """A Database whose worker-thread connections belong to one copy of the file.

    Datasette 0.65 caches one connection per thread under the database's *name*, so a new
    Database object of the same name would go on reading the old file. Each copy gets its own
    cache key; a thread's connection to the previous copy is closed on its first query of
    the new one, which lets the old file's space be freed.
    """

    def __init__(self, *args, generation: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.generation = generation

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)
        key, old_key = f"{self.name}@{self.generation}", f"{self.name}@{self.generation - 1}"

        def in_thread():
            conn = getattr(connections, key, None)
            if not conn:
                old = getattr(connections, old_key, None) or getattr(connections, self.name, None)
                if old is not None:
                    old.close()
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(connections, key, conn)
            return fn(conn)

        return await asyncio.get_event_loop().run_in_executor(self.ds.executor, in_thread)


async def _watch(datasette, seen):
    while True:
        await asyncio.sleep(INTERVAL)
        for name, db in list(datasette.databases.items()):
            if not db.path:
                continue
            ident = _identity(db.path)
            if ident is None or ident == seen.get(name):
                continue
            generation = getattr(db, "generation", 0) + 1
            copy = PublishedCopy(datasette, path=db.path, is_mutable=db.is_mutable, generation=generation)
            _name_copy(copy)
            datasette.remove_database(name)
            datasette.add_database(copy, name=name)
            seen[name] = ident


@hookimpl
def startup(datasette):
    for db in datasette.databases.values():
        _name_copy(db)


@hookimpl
def asgi_wrapper(datasette):
    # Started from inside the serving event loop (Datasette runs its startup hooks in a loop
    # of their own, which is closed before the server starts).
    def wrap(app):
        task = None
        # the files as they are when the server starts: any later change is a new copy
        seen = {name: _identity(db.path) for name, db in datasette.databases.items() if db.path}

        async def watching(scope, receive, send):
            nonlocal task
            if task is None:
                task = asyncio.get_running_loop().create_task(_watch(datasette, seen))
            await app(scope, receive, send)

        return watching

    return wrap
