"""Makes the Word-exported HTML test documents (word_*.html) from the real samples.

    .venv/bin/python tests/samples/derived/word_make.py

- word_<sample>.soffice.html / word_<sample>.soffice_xhtml.html: the real page opened in
  LibreOffice Writer, saved as DOCX, and that saved as a web page again ("HTML (StarWriter)"
  and "XHTML Writer File"), each conversion with its own -env:UserInstallation profile.
- word_fj_putian_ptcg_2022.msword.html: the structure Word itself writes when it saves a
  report as a web page (filtered HTML, gb2312), with the labels and values of
  fj_putian_ptcg_2022 (its expected file): <td width=… colspan=…> with mso- styles, a table
  grid whose value cells do not line up with the header cells (a value spanning two header
  columns, the next header spanning two value cells), an empty placeholder cell
  (mso-cell-special:placeholder) where a row's left edge does not meet the others, and the
  <![if !supportMisalignedColumns]> row of column widths Word adds to such tables.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent

APPLICANTS = ("natural_person", "legal.commercial", "legal.research", "legal.public_interest",
              "legal.legal_service", "legal.other", "total")
T3_ROWS = [  # (group label or None, row label, key) in the 2021 template's order, as printed
    (None, "一、本年新收政府信息公开申请数量", "new_received"),
    (None, "二、上年结转政府信息公开申请数量", "carried_over"),
    ("", "（一）予以公开", "results.granted"),
    ("", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "results.partially_granted"),
    ("（三）不予公开", "1.属于国家秘密", "results.denied.state_secret"),
    ("（三）不予公开", "2.其他法律行政法规禁止公开", "results.denied.law_prohibited"),
    ("（三）不予公开", "3.危及“三安全一稳定”", "results.denied.three_security_one_stability"),
    ("（三）不予公开", "4.保护第三方合法权益", "results.denied.third_party_rights"),
    ("（三）不予公开", "5.属于三类内部事务信息", "results.denied.internal_affairs"),
    ("（三）不予公开", "6.属于四类过程性信息", "results.denied.process_info"),
    ("（三）不予公开", "7.属于行政执法案卷", "results.denied.enforcement_file"),
    ("（三）不予公开", "8.属于行政查询事项", "results.denied.admin_query"),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", "results.unable.not_held"),
    ("（四）无法提供", "2.没有现成信息需要另行制作", "results.unable.needs_creation"),
    ("（四）无法提供", "3.补正后申请内容仍不明确", "results.unable.unclear_after_correction"),
    ("（五）不予处理", "1.信访举报投诉类申请", "results.not_processed.petition_complaint"),
    ("（五）不予处理", "2.重复申请", "results.not_processed.duplicate"),
    ("（五）不予处理", "3.要求提供公开出版物", "results.not_processed.publication"),
    ("（五）不予处理", "4.无正当理由大量反复申请", "results.not_processed.excessive_repeat"),
    ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", "results.not_processed.confirm_or_reissue"),
    ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "results.other.no_correction"),
    ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "results.other.fee_unpaid"),
    ("（六）其他处理", "3.其他", "results.other.other"),
    ("", "（七）总计", "results.total"),
    (None, "四、结转下年度继续办理", "carried_forward"),
]
FONT = "font-size:10.5pt;font-family:宋体;mso-ascii-font-family:\"Times New Roman\";mso-hansi-font-family:\"Times New Roman\""
BORDER = "border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt"


def _p(text: str, center: bool = True) -> str:
    align = " align=center style='text-align:center'" if center else ""
    span = f"<span lang=EN-US style='{FONT}'>" if text.isascii() else f"<span style='{FONT}'>"
    return f"<p class=MsoNormal{align}>{span}{text or '&nbsp;'}<o:p></o:p></span></p>"


def _td(text: str, width: int, colspan: int = 1, rowspan: int = 1, center: bool = True) -> str:
    span = (f" colspan={colspan}" if colspan > 1 else "") + (f" rowspan={rowspan}" if rowspan > 1 else "")
    return (f"<td width={width}{span} valign=center style='width:{width * 0.75:.1f}pt;{BORDER}'>\n"
            f"  {_p(text, center)}\n  </td>")


def _placeholder(width: int) -> str:
    return (f"<td style='mso-cell-special:placeholder;border:none;padding:0cm 0cm 0cm 0cm' width={width}>"
            f"<p class='MsoNormal'>&nbsp;</td>")


def _grid_row(widths: list[int]) -> str:
    cells = "".join(f"<td width={w} style='border:none'></td>" for w in widths)
    return f"<![if !supportMisalignedColumns]>\n <tr height=0>{cells}</tr>\n <![endif]>"


def _table(rows: list[str], widths: list[int]) -> str:
    body = "\n".join(f" <tr style='mso-yfti-irow:{i}'>\n  " + r + "\n </tr>" for i, r in enumerate(rows))
    return (f"<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width={sum(widths)} "
            f"style='width:{sum(widths) * 0.75:.1f}pt;border-collapse:collapse;border:none;"
            f"mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>\n"
            f"{body}\n{_grid_row(widths)}\n</table>")


def msword_html(expected: dict) -> str:
    v = {k: ("" if x is None else str(x)) for k, x in expected.items()}
    # 二: value cells span the header's grid columns differently (Word's misaligned columns)
    t2w = [120, 60, 40, 100, 40, 60, 2]
    t2 = [
        _td("第二十条第（一）项", sum(t2w[:6]), colspan=6),
        _td("信息内容", 120) + _td("本年制发件数", 100, colspan=2) + _td("本年废止件数", 100)
        + _td("现行有效件数", 100, colspan=2) + _placeholder(2),
    ]
    for label, row in (("规章", "regulations"), ("行政规范性文件", "normative_docs")):
        t2.append(_td(label, 120) + _td(v[f"active.{row}.issued"], 60)
                  + _td(v[f"active.{row}.repealed"], 140, colspan=2)
                  + _td(v[f"active.{row}.in_force"], 100, colspan=3))
    for caption, head, rows in (
            ("第二十条第（五）项", "本年处理决定数量", (("行政许可", "licensing"),)),
            ("第二十条第（六）项", "本年处理决定数量", (("行政处罚", "penalty"), ("行政强制", "coercion"))),
            ("第二十条第（八）项", "本年收费金额（单位：万元）", (("行政事业性收费", "fees"),))):
        fld = "amount_wan_yuan" if "收费" in head else "decisions"
        t2.append(_td(caption, 420, colspan=6))
        t2.append(_td("信息内容", 120) + _td(head, 300, colspan=5))
        for label, row in rows:
            t2.append(_td(label, 120) + _td(v[f"active.{row}.{fld}"], 300, colspan=5))
    # 三: grid columns 0-2 labels, 3 a sliver the label cells do not all reach, 4-15 values
    t3w = [30, 70, 130, 3, 40, 8, 40, 40, 8, 50, 40, 10, 40, 8, 40, 12]
    t3 = [
        _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 233, colspan=4, rowspan=3)
        + _td("申请人情况", 336, colspan=12),
        _td("自然人", 48, colspan=2, rowspan=2) + _td("法人或其他组织", 236, colspan=8)
        + _td("总计", 52, colspan=2, rowspan=2),
        _td("商业企业", 40) + _td("科研机构", 48, colspan=2) + _td("社会公益组织", 50)
        + _td("法律服务机构", 50, colspan=2) + _td("其他", 48, colspan=2),
    ]
    # a value cell spans two header columns, the next header spans two value cells
    spans = [(1, 40), (2, 48), (1, 40), (2, 58), (1, 40), (2, 50), (3, 60)]
    n_results = sum(1 for g, _, _ in T3_ROWS if g is not None)
    first_result = True
    group_rows = {}
    for g, _l, _k in T3_ROWS:
        if g:
            group_rows[g] = group_rows.get(g, 0) + 1
    seen_groups = set()
    for group, label, key in T3_ROWS:
        cells = ""
        if group is None:
            cells += _td(label, 230, colspan=3, center=False) + _placeholder(3)
        else:
            if first_result:
                cells += _td("三、本年度办理结果", 30, rowspan=n_results)
                first_result = False
            if group == "":
                cells += _td(label, 200, colspan=2, center=False)
            else:
                if group not in seen_groups:
                    seen_groups.add(group)
                    cells += _td(group, 70, rowspan=group_rows[group], center=False)
                cells += _td(label, 130, center=False)
            cells += _placeholder(3)
        for a, (cs, w) in zip(APPLICANTS, spans):
            cells += _td(v[f"applications.{a}.{key}"], w, colspan=cs)
        t3.append(cells)
    # 四: three header levels, the values one cell each
    outcomes = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    keys = [f"appeals.{b}.{o}" for b in ("admin_review", "litigation_direct", "litigation_after_review")
            for o in ("upheld", "corrected", "other", "pending", "total")]
    t4w = [40] * 15
    t4 = [
        _td("行政复议", 200, colspan=5) + _td("行政诉讼", 400, colspan=10),
        "".join(_td(o, 40, rowspan=2) for o in outcomes) + _td("未经复议直接起诉", 200, colspan=5)
        + _td("复议后起诉", 200, colspan=5),
        "".join(_td(o, 40) for o in outcomes * 2),
        "".join(_td(v[k], 40) for k in keys),
    ]
    paras = "\n".join(f"<p class=MsoNormal style='text-indent:32.0pt'><span style='{FONT}'>{t}<o:p></o:p></span></p>"
                      for t in ("本报告根据《中华人民共和国政府信息公开条例》要求编制。", ))
    heading = lambda t: f"<p class=MsoNormal style='text-indent:32.0pt'><b><span style='{FONT}'>{t}<o:p></o:p></span></b></p>"
    return f"""<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">

<head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<meta name=Originator content="Microsoft Word 15">
<title>莆田市城市管理局2022年度政府信息公开工作年度报告</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties>
  <o:Author>莆田市城市管理局</o:Author>
 </o:DocumentProperties>
</xml><![endif]-->
<style>
<!--
 p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{mso-style-unhide:no;mso-style-qformat:yes;margin:0cm;text-align:justify;text-justify:inter-ideograph;
	mso-pagination:none;font-size:10.5pt;font-family:等线;mso-bidi-font-family:"Times New Roman";mso-font-kerning:1.0pt;}}
@page WordSection1
	{{size:595.3pt 841.9pt;margin:72.0pt 90.0pt 72.0pt 90.0pt;mso-header-margin:42.55pt;mso-footer-margin:49.6pt;mso-paper-source:0;layout-grid:15.6pt;}}
div.WordSection1
	{{page:WordSection1;}}
-->
</style>
</head>

<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>

<div class=WordSection1 style='layout-grid:15.6pt'>

<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;font-family:方正小标宋简体'>莆田市城市管理局2022年度政府信息公开工作年度报告<o:p></o:p></span></b></p>
{paras}
{heading("一、总体情况")}
<p class=MsoNormal style='text-indent:32.0pt'><span style='{FONT}'>2022年，我局认真贯彻落实《中华人民共和国政府信息公开条例》。<o:p></o:p></span></p>
{heading("二、主动公开政府信息情况")}
{_table(t2, t2w)}
{heading("三、收到和处理政府信息公开申请情况")}
{_table(t3, t3w)}
{heading("四、政府信息公开行政复议、行政诉讼情况")}
{_table(t4, t4w)}
{heading("五、存在的主要问题及改进情况")}
<p class=MsoNormal style='text-indent:32.0pt'><span style='{FONT}'>政府信息公开工作仍有不足。<o:p></o:p></span></p>
{heading("六、其他需要报告的事项")}
<p class=MsoNormal style='text-indent:32.0pt'><span style='{FONT}'>本年度未收取信息处理费。<o:p></o:p></span></p>
<p class=MsoNormal align=right style='text-align:right'><span style='{FONT}'>莆田市城市管理局<o:p></o:p></span></p>
<p class=MsoNormal align=right style='text-align:right'><span lang=EN-US style='{FONT}'>2023</span><span style='{FONT}'>年</span><span lang=EN-US style='{FONT}'>1</span><span style='{FONT}'>月</span><span lang=EN-US style='{FONT}'>13</span><span style='{FONT}'>日<o:p></o:p></span></p>

</div>

</body>

</html>
"""


def soffice_round_trip(stem: str) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(SAMPLES / f"{stem}.html", tmp / f"{stem}.html")
        for i, (fmt, outdir, args) in enumerate((
                ("docx", tmp, ['docx:MS Word 2007 XML', f"{tmp / stem}.html"]),
                ("html", tmp / "sw", ["html:HTML (StarWriter)", f"{tmp / stem}.docx"]),
                ("html", tmp / "xh", ["html:XHTML Writer File", f"{tmp / stem}.docx"]))):
            profile = (tmp / f"profile{i}").as_uri()
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                            args[0], "--outdir", str(outdir), args[1]], check=True, timeout=300,
                           capture_output=True)
        shutil.copy(tmp / "sw" / f"{stem}.html", HERE / f"word_{stem}.soffice.html")
        shutil.copy(tmp / "xh" / f"{stem}.html", HERE / f"word_{stem}.soffice_xhtml.html")


def main() -> None:
    for stem in ("fj_putian_ptcg_2022", "sh_govoffice_2019"):
        soffice_round_trip(stem)
    expected = json.loads((SAMPLES / "fj_putian_ptcg_2022.expected.json").read_text(encoding="utf-8"))["cells"]
    (HERE / "word_fj_putian_ptcg_2022.msword.html").write_bytes(msword_html(expected).encode("gb18030"))


if __name__ == "__main__":
    main()
