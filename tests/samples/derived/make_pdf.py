"""Print the real HTML samples to PDF, the ways portals make their PDFs, for the PDF reader's tests.

    .venv/bin/python tests/samples/derived/make_pdf.py

Writes, next to this script:

- <sample>.chromium.pdf        Chromium (Debian's /usr/bin/chromium through Playwright), A4;
                               the long tables run over page breaks where the layout puts them
- <sample>.chromium_short.pdf  A4 wide but 150 mm tall: the tables of sections 二 and 三 are cut
                               by page breaks mid-table (A5 would clip the right-hand columns
                               of the wider tables instead: what a printed page loses is lost)
- <sample>.chromium_thead.pdf  the short pages, with the header rows of section 三's table
                               marked as <thead>, so Chromium repeats them on every page the
                               table continues on
- <sample>.soffice.pdf         LibreOffice headless (soffice --convert-to pdf), if installed
- js_hongze_2023.scan.pdf      the real PDF's pages rasterised (no text layer): a scan
- js_hongze_2023.truncated.pdf the real PDF's first 2000 bytes: an interrupted download

Nothing here is written by hand to match the reader: the bytes are the real samples, and the
PDFs are what the tools print. Outputs are committed as test data (small); rerun this
script only to regenerate them, then rerun tests/parser/test_pdf.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent
HTML = ["sh_govoffice_2019.html", "fj_putian_ptcg_2022.html"]
CHROMIUM = "/usr/bin/chromium"
SHORT = {"width": "210mm", "height": "150mm"}


def _thead(html: str) -> str:
    """Mark the header rows of section 三's table as <thead>: everything before the first data row."""
    m = re.search(r"<tr[^>]*>(?:(?!</tr>).)*?本年新收", html, re.DOTALL)
    if not m:
        return html
    start = html.rfind("<table", 0, m.start())
    body_open = html.find(">", start) + 1
    head = html[body_open:m.start()]
    head = re.sub(r"</?tbody[^>]*>", "", head)
    return html[:body_open] + "<thead>" + head + "</thead><tbody>" + html[m.start():]


def chromium(name: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    src = SAMPLES / name
    stem = src.stem
    out = []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        # the portal page links CSS and scripts on its servers: nothing leaves this machine
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else route.abort())
        variants = [("chromium", src, {"format": "A4"}),
                    ("chromium_short", src, SHORT)]
        thead = Path(tmp) / name
        thead.write_text(_thead(src.read_text(encoding="utf-8")), encoding="utf-8")
        variants.append(("chromium_thead", thead, SHORT))
        for tag, path, opts in variants:
            page.goto(path.as_uri(), wait_until="domcontentloaded")
            target = HERE / f"{stem}.{tag}.pdf"
            page.pdf(path=str(target), print_background=False, **opts)
            out.append(target)
        browser.close()
    return out


def soffice(name: str) -> Path | None:
    exe = shutil.which("soffice")
    if not exe:
        print("soffice not installed: skipping LibreOffice", file=sys.stderr)
        return None
    src = SAMPLES / name
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        env = dict(os.environ, HOME=tmp)
        subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--convert-to", "pdf:writer_web_pdf_Export", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=180, env=env)
        made = Path(tmp) / f"{src.stem}.pdf"
        target = HERE / f"{src.stem}.soffice.pdf"
        shutil.copyfile(made, target)
    return target


def scan(name: str = "js_hongze_2023.pdf", dpi: int = 60) -> Path:
    """Rasterise the real PDF's pages into an image-only PDF: what a scanned report is."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(SAMPLES / name))
    out = pdfium.PdfDocument.new()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(len(src)):
            page = src[i]
            w, h = page.get_size()
            jpg = Path(tmp) / f"{i}.jpg"
            page.render(scale=dpi / 72, grayscale=True).to_pil().save(jpg, quality=40)
            new = out.new_page(w, h)
            img = pdfium.PdfImage.new(out)
            img.load_jpeg(str(jpg), inline=True)
            img.set_matrix(pdfium.PdfMatrix().scale(w, h))
            new.insert_obj(img)
            new.gen_content()
        target = HERE / "js_hongze_2023.scan.pdf"
        out.save(str(target))
    return target


def truncated(name: str = "js_hongze_2023.pdf", keep: int = 2000) -> Path:
    """The real PDF cut after its first bytes, as an interrupted download leaves it."""
    target = HERE / "js_hongze_2023.truncated.pdf"
    target.write_bytes((SAMPLES / name).read_bytes()[:keep])
    return target


def main() -> None:
    made = [truncated()]
    for name in HTML:
        made += chromium(name)
        made.append(soffice(name))
    made.append(scan())
    for path in made:
        if path:
            print(f"{path.relative_to(SAMPLES)}  {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
