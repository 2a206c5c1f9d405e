"""Paragraphs from positioned lines of text, for the readers that see a page's geometry (PDF text
layers, OCR'd scans) rather than its markup.

A line that fills the measure runs on into the next line when that one starts at the left
margin; a title set on two centred lines ("XX区人民政府" / "2023年…年度报告") is one line. The
readers differ only in their units (PDF points, scan pixels) and in how lines are glued
(`join`), which they pass in.
"""

from __future__ import annotations

from typing import Callable

Line = tuple[float, float, float, float, str]  # x0, top, x1, bottom, text


def paragraphs(lines: list[Line], left: float, right: float, carry: list[str] | None, *,
               join: Callable[[list[str]], str], min_size: float, same_size: Callable[[float], float],
               centre_slack: float) -> tuple[list[str], list[str] | None]:
    """Join wrapped lines into paragraphs. carry is an open paragraph from the previous page,
    returned likewise for the next. Lines smaller than min_size count as min_size; two lines
    are of the same size within same_size(size); centred means within centre_slack sizes."""
    paras: list[str] = []
    cur = carry
    prev = None
    for x0, top, x1, bottom, text in lines:
        size = max(bottom - top, min_size)
        if cur is not None and x0 <= left + size * 0.8:
            cur.append(text)
        elif (paras and prev is not None and not paras[-1].endswith(("报告", "年报"))
              and _centred_pair(prev, (x0, top, x1, bottom), left, right, min_size, same_size, centre_slack)):
            paras[-1] = join([paras[-1], text])
            prev = (x0, top, x1, bottom)
            continue
        else:
            if cur:
                paras.append(join(cur))
            cur = [text]
        if x1 < right - size * 1.5:
            paras.append(join(cur))
            cur = None
        prev = (x0, top, x1, bottom) if cur is None else None
    return paras, cur


def _centred_pair(a, b, left: float, right: float, min_size: float, same_size, centre_slack: float) -> bool:
    """Two consecutive lines of about the same size, both centred on the measure, close together."""
    size_a, size_b = a[3] - a[1], b[3] - b[1]
    if abs(size_a - size_b) > same_size(size_a) or size_a < min_size:
        return False
    mid = (left + right) / 2
    centred = all(abs((ln[0] + ln[2]) / 2 - mid) < size_a * centre_slack and ln[0] > left + 2 * size_a
                  for ln in (a, b))
    return centred and 0 <= b[1] - a[3] < size_a * 1.5
