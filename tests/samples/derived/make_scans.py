"""Make the derived scans: real reports rasterised into image-only PDFs (no text layer).

    python tests/samples/derived/make_scans.py

What a scanned report is: pages as pictures, nothing to extract. Each scan is made from a
document in tests/samples whose cells are known (its .expected.json), so the OCR reader
(pipelines/parser/ocr.py) can be held to whole cell maps:

- scan_js_hongze_2023_150.pdf        the real PDF, 150 dpi, grayscale JPEG: a clean office scan
- scan_sh_govoffice_2019_300.pdf     Chromium's print of the HTML page, 300 dpi, bilevel (CCITT G4):
                                     a fax-like black-and-white scan
- scan_fj_putian_ptcg_2022_150_skew.pdf  Chromium's print of the HTML page, 150 dpi, rotated
                                     1.5 degrees, speckle noise and blur: a worn photocopy
- scan_js_hongze_2023_p3.png         one page (the page with 三) as a PNG image

Chromium prints come from tests/samples/derived/*.chromium.pdf (make_pdf.py); when one is
missing it is printed here with /usr/bin/chromium --headless. Everything is deterministic
(seeded noise), so re-running gives the same files.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent


def source(name: str) -> Path:
    """The PDF a scan is made from: the sample itself, or Chromium's print of an HTML sample."""
    if name.endswith(".pdf"):
        return SAMPLES / name
    printed = HERE / f"{Path(name).stem}.chromium.pdf"
    if not printed.exists():
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                            f"--user-data-dir={tmp}", "--no-pdf-header-footer",
                            f"--print-to-pdf={printed}", (SAMPLES / name).as_uri()],
                           check=True, capture_output=True, timeout=180)
    return printed


def pages(pdf: Path, dpi: int) -> list[Image.Image]:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()


def worn(img: Image.Image, seed: int, angle: float) -> Image.Image:
    """A photocopy: rotated, slightly blurred, grey background, speckles and dropouts."""
    rng = np.random.default_rng(seed)
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    a = np.asarray(img, dtype=np.float32)
    a = a * 0.85 + 20  # toner never quite black, paper never quite white
    a += rng.normal(0, 6, a.shape)
    specks = rng.random(a.shape)
    a[specks < 0.0008] = 40  # dark specks
    a[specks > 0.9995] = 255  # dropouts
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def save_pdf(images: list[Image.Image], target: Path, dpi: int, bilevel: bool = False, quality: int = 40) -> Path:
    """Images back into a PDF, one page each, at their dpi: no text layer at all."""
    out = pdfium.PdfDocument.new()
    for img in images:
        w, h = img.size[0] * 72 / dpi, img.size[1] * 72 / dpi
        page = out.new_page(w, h)
        pimg = pdfium.PdfImage.new(out)
        if bilevel:
            pimg.set_bitmap(pdfium.PdfBitmap.from_pil(img.convert("L")))
        else:
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=quality, optimize=True)
            pimg.load_jpeg(io.BytesIO(buf.getvalue()), inline=True)
        pimg.set_matrix(pdfium.PdfMatrix().scale(w, h))
        page.insert_obj(pimg)
        page.gen_content()
    out.save(str(target))
    return target


def save_bilevel_pdf(images: list[Image.Image], target: Path, dpi: int) -> Path:
    """Black and white pages, CCITT G4 through Pillow: the way office scanners store them."""
    bw = [img.point(lambda v: 255 if v > 160 else 0).convert("1") for img in images]
    bw[0].save(target, format="PDF", save_all=True, append_images=bw[1:], resolution=dpi)
    return target


def main() -> None:
    made = []
    js = pages(source("js_hongze_2023.pdf"), 150)
    made.append(save_pdf(js, HERE / "scan_js_hongze_2023_150.pdf", 150, quality=30))
    js[2].save(HERE / "scan_js_hongze_2023_p3.png", optimize=True)
    made.append(HERE / "scan_js_hongze_2023_p3.png")
    sh = pages(source("sh_govoffice_2019.html"), 300)
    made.append(save_bilevel_pdf(sh, HERE / "scan_sh_govoffice_2019_300.pdf", 300))
    fj = pages(source("fj_putian_ptcg_2022.html"), 150)
    fj = [worn(img, seed=i, angle=1.5 if i % 2 == 0 else -1.2) for i, img in enumerate(fj)]
    made.append(save_pdf(fj, HERE / "scan_fj_putian_ptcg_2022_150_skew.pdf", 150, quality=25))
    for path in made:
        print(f"{path.relative_to(SAMPLES)}  {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
