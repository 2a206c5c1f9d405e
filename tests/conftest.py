"""Shared fixtures: paths to the bundled real reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples"


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def expected_cells(name: str) -> dict:
    stem = name.rsplit(".", 1)[0]
    return json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))["cells"]


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES
