"""Chinese full-text search on stock SQLite: CJK bigrams in, FTS5 phrase queries out.

FTS5's unicode61 tokenizer makes one token of a whole run of Chinese characters, and the
trigram tokenizer cannot find words shorter than three characters - yet 公开, 复议 and 北京
are the words people search for. Python's sqlite3 cannot register a custom tokenizer, so the
text is tokenised before it reaches SQLite:

    "政府信息公开" -> "政府 府信 信息 息公 公开 开"

every run of CJK characters becomes its overlapping bigrams plus its last character alone;
other text (digits, Latin words) is kept as is. A query is tokenised the same way and
matched as an FTS5 *phrase*, so "信息公开" must appear as the consecutive tokens
"信息 息公 公开" - exactly a substring match, ranked by bm25. A one-character query "京"
becomes the prefix query 京*, which every occurrence of 京 starts (a bigram, or the final
lone character of its run).

The cost: the indexed text is about three times the size of the original.
"""

from __future__ import annotations

import re
import unicodedata

from .parser.normalize import fold, fold_offsets, original_span

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[0-9A-Za-z]+")


def _norm(text: str) -> str:
    """Index form: full- and half-width, traditional and simplified, upper and lower case alike."""
    return fold(text).lower()


def _run_tokens(run: str) -> list[str]:
    if not ("\u3400" <= run[0] <= "\ufaff"):
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(text: str) -> str:
    """Index form of a text: space-separated bigrams (plus each run's last character)."""
    if not text:
        return ""
    out: list[str] = []
    for m in _RUN.finditer(_norm(text)):
        out.extend(_run_tokens(m.group()))
    return " ".join(out)


def match_query(query: str) -> str:
    """An FTS5 MATCH expression for a user's query: every word must appear, as a substring.

    Returns a query that matches nothing ('""') for empty input, so a search box left empty
    shows no results rather than an error.
    """
    parts = []
    for m in _RUN.finditer(_norm(query or "")):
        run = m.group()
        if "\u3400" <= run[0] <= "\ufaff":
            if len(run) == 1:
                parts.append(f'"{run}"*')
            else:
                parts.append('"' + " ".join(run[i:i + 2] for i in range(len(run) - 1)) + '"')
        else:
            parts.append(f'"{run}"')
    return " AND ".join(parts) if parts else '""'


def register_sql_functions(conn) -> None:
    """cjk_query(q), cjk_snippet(text, q), and escape_fts(q) as Datasette's search box calls it."""
    conn.create_function("escape_fts", 1, match_query, deterministic=True)
    conn.create_function("cjk_query", 1, match_query, deterministic=True)
    conn.create_function("cjk_snippet", 2, lambda text, q: snippet(prose(text), q or ""), deterministic=True)


def prose(full_text: str | None) -> str:
    """What search looks at: the report's prose, not its table rows.

    Every report prints the same table labels (政府信息公开申请, 行政复议 ...); indexed, they
    would match every query in every report and drown the prose that tells reports apart.
    Table rows are the lines the parser wrote as "cell | cell | ...".
    """
    return "\n".join(line for line in (full_text or "").splitlines() if " | " not in line)


def snippet(text: str, query: str, width: int = 60) -> str:
    """The first place in `text` where a query word occurs, with [brackets] around it.

    FTS5's snippet() would show the bigram tokens, so the snippet is cut from the original
    text: the word is found in its folded copy (a query typed "公开(" finds "公开（") and the
    brackets go around the characters it was folded from.
    """
    if not text:
        return ""
    words = [w for w in _RUN.findall(_norm(query or "")) if w]
    span = _match(text, words)
    if span is None:
        return (text[: width * 2] + ("…" if len(text) > width * 2 else "")).replace("\n", " ")
    i, j = span
    start = max(0, i - width)
    end = min(len(text), j + width)
    return (("…" if start else "") + text[start:i] + "[" + text[i:j] + "]" + text[j:end]
            + ("…" if end < len(text) else "")).replace("\n", " ")


_PART = 200  # characters folded at a time, then to the end of their line


def _first(folded: str, words: list[str]) -> tuple[int, int] | None:
    best = None
    for w in words:
        i = folded.find(w)
        if i >= 0 and (best is None or i < best[0]):
            best = (i, i + len(w))
    return best


def _match(text: str, words: list[str]) -> tuple[int, int] | None:
    """The span of `text` whose folded form is the first match of a word.

    Mapping folded offsets back folds a grapheme at a time in Python (3 ms for a report's
    5,000 characters), and even folding the whole text at once costs 0.3 ms: a page of 100
    snippets at national scale spent 300 ms, then 40 ms, on it (bench/datasette_bench.py). So
    the text is read a few lines at a time, each part folded at once, and offsets are mapped
    only up to the first match. Parts end at line breaks: no word spans one (words are runs of
    letters or ideographs), and neither NFKC nor simplification joins characters across one.
    Within the part, the text up to the match is mapped when it folds to the start of the
    part's folded form and holds the same match; otherwise (a combining mark or a
    simplification that differs at the cut) the whole part is.
    """
    start = 0
    while start < len(text):
        end = text.find("\n", start + _PART)
        end = len(text) if end < 0 else end
        part = text[start:end]
        folded = fold(part).lower()
        best = _first(folded, words)
        if best is not None:
            cut = min(len(part), best[1] + 16)
            while cut < len(part) and unicodedata.combining(part[cut]):
                cut += 1
            low, where = fold_offsets(part[:cut], lower=True)
            if cut < len(part) and not (_first(low, words) == best and folded.startswith(low)):
                low, where = fold_offsets(part, lower=True)
            best = _first(low, words)
            if best is not None:
                i, j = original_span(where, *best)
                return start + i, start + j
        start = end
    return None
