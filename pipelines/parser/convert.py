"""Old binary office formats (DOC, WPS, ET, ...) to DOCX/XLSX by LibreOffice, headless, sandboxed.

Each conversion is its own `soffice` process in its own process group, with its own
temporary profile (`-env:UserInstallation=`, so concurrent conversions never share one and
never touch a user's), its own temporary HOME and TMPDIR, no display, and a time limit. A
conversion that outlives its limit is killed with its whole process group (soffice starts
`soffice.bin` as a child). Failures come back as `ConvertError` with a reason a person can act
on ("doc: LibreOffice not installed", "doc: conversion timed out after 60 s"); the parser turns
it into a Report and never raises.

    convert(data, "doc")                 -> DOCX bytes
    convert(data, "et", target="xlsx")   -> XLSX bytes

`ZFXXGK_SOFFICE` names the soffice binary (default: `soffice` on PATH, then LibreOffice's
usual install paths); `ZFXXGK_CONVERT_TIMEOUT` the default limit in seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

DEFAULT_TIMEOUT = 60.0  # seconds; ZFXXGK_CONVERT_TIMEOUT overrides it (read at each call)
MAX_OUTPUT_BYTES = 200 * 1024 * 1024

# the file name LibreOffice is given: its type detection reads the content, the extension only
# breaks ties. Kingsoft WPS writer files are Word 97 binaries, ET sheets are BIFF8.
_SUFFIX = {"doc": "doc", "wps": "doc", "rtf": "rtf", "xls": "xls", "et": "xls", "odt": "odt", "ods": "ods",
           "docx": "docx", "xlsx": "xlsx", "html": "html", "htm": "html", "txt": "txt", "wpt": "doc",
           "dot": "doc", "ett": "xls"}
_TARGET = {"doc": "docx", "wps": "docx", "rtf": "docx", "odt": "docx", "wpt": "docx", "dot": "docx",
           "xls": "xlsx", "et": "xlsx", "ods": "xlsx", "ett": "xlsx"}
_SEARCH = ("soffice", "libreoffice")
_PATHS = ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
          "/usr/local/bin/soffice", "/Applications/LibreOffice.app/Contents/MacOS/soffice")


class ConvertError(Exception):
    """A conversion that did not produce a file; str() is the reason."""


def find_soffice() -> str | None:
    env = os.environ.get("ZFXXGK_SOFFICE")
    if env:
        return env if os.access(env, os.X_OK) else None
    for name in _SEARCH:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _PATHS if os.access(p, os.X_OK)), None)


def target_for(kind: str) -> str:
    return _TARGET.get(kind, "docx")


def convert(data: bytes, kind: str, target: str | None = None, *, timeout: float | None = None,
            soffice: str | None = None, filter_options: str | None = None) -> bytes:
    """Convert one document; returns the converted file's bytes or raises ConvertError."""
    return convert_many([data], kind, target, timeout=timeout, soffice=soffice, filter_options=filter_options)[0]


def convert_many(docs: list[bytes], kind: str, target: str | None = None, *, timeout: float | None = None,
                 soffice: str | None = None, filter_options: str | None = None,
                 infilter: str | None = None) -> list[bytes]:
    """Convert several documents of one kind in one soffice call (start-up paid once)."""
    target = target or target_for(kind)
    if timeout is None:
        try:
            timeout = float(os.environ.get("ZFXXGK_CONVERT_TIMEOUT") or DEFAULT_TIMEOUT)
        except ValueError:
            timeout = DEFAULT_TIMEOUT
    binary = soffice or find_soffice()
    if not binary:
        raise ConvertError(f"{kind}: LibreOffice not installed (no soffice on PATH; set ZFXXGK_SOFFICE)")
    suffix = _SUFFIX.get(kind, kind)
    with tempfile.TemporaryDirectory(prefix="zfxxgk-soffice-") as tmp:
        root = Path(tmp)
        for sub in ("in", "out", "profile", "home", "tmp"):
            (root / sub).mkdir()
        inputs = []
        for i, data in enumerate(docs):
            p = root / "in" / f"doc{i}.{suffix}"
            p.write_bytes(data)
            inputs.append(p)
        convert_to = target + (f":{filter_options}" if filter_options else "")
        cmd = [binary, f"-env:UserInstallation={(root / 'profile').as_uri()}", "--headless", "--invisible",
               "--nologo", "--nodefault", "--norestore", "--nolockcheck"]
        if infilter:
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", convert_to, "--outdir", str(root / "out"), *map(str, inputs)]
        env = {"HOME": str(root / "home"), "TMPDIR": str(root / "tmp"), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "SAL_USE_VCLPLUGIN": "svp"}
        _run(cmd, env, timeout, kind, cwd=root)
        out = []
        for p in inputs:
            result = root / "out" / f"{p.stem}.{target}"
            if not result.is_file() or result.stat().st_size == 0:
                raise ConvertError(f"{kind}: LibreOffice could not read it (no {target} came out)")
            if result.stat().st_size > MAX_OUTPUT_BYTES:
                raise ConvertError(f"{kind}: converted {target} over the size limit")
            out.append(result.read_bytes())
        return out


def _run(cmd: list[str], env: dict, timeout: float, kind: str, cwd: Path) -> None:
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        raise ConvertError(f"{kind}: LibreOffice could not start ({exc.strerror or exc})") from None
    started = time.monotonic()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ConvertError(f"{kind}: conversion timed out after {timeout:g} s") from None
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        _kill_group(proc, quiet=True)  # children left behind by a soffice that exited
    if proc.returncode != 0:
        tail = output.decode("utf-8", "replace").strip().splitlines()[-1:] if output else []
        raise ConvertError(f"{kind}: LibreOffice failed (exit {proc.returncode} after "
                           f"{time.monotonic() - started:.1f} s{': ' + tail[0][:200] if tail else ''})")


def _kill_group(proc: subprocess.Popen, quiet: bool = False) -> None:
    """SIGKILL the conversion's process group (its own session: nothing else is in it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.returncode is None:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process SIGKILL cannot end
            if not quiet:
                raise ConvertError("conversion process could not be killed") from None
        if proc.stdout:
            proc.stdout.close()
