"""What a link on a portal page is, from its text and URL: a report, a decoy, a way down to the
report column, a next page, an attachment.

Titles decide only whether a link is worth fetching; whether a fetched page *is* a report is
decided by its content (`pipelines.parser`). The decoys listed here sit in the same columns as
the reports and carry the same words: notices about compiling the reports, disclosure guides
and rules, the rule-of-law reports, statistical communiqués.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from zfxxgk.pipelines.parser.normalize import to_simplified

_REPORT = re.compile(r"信息公开.{0,8}(?:年度报告|年报|工作报告)|(?:年度报告|年报).{0,4}信息公开|政务公开.{0,4}年度报告")
_DECOY = re.compile(
    r"通知|通告|公告|方案|编制|报送|解读|图解|指南|制度|办法|要点|统计公报|法治政府|考核|评估|培训|会议|"
    r"做好|印发|转发|征集|目录|规定|细则|意见|答记者问"
)
_NAV = (
    (3, re.compile(r"信息公开.{0,4}年报|年度报告|年报")),
    (2, re.compile(r"政府信息公开|信息公开|政务公开")),
    (1, re.compile(r"法定主动公开|公开目录|主动公开")),
)
# the column listing a government's departments, and a department's own name
# an optional level first: 邯郸's 政府信息公开 platform links 市政府部门信息公开
_DEPARTMENTS = re.compile(r"^(?:省|市|区|县|旗)?(?:部门|部门信息公开|部门政务公开|部门公开|部门信息|部门政府信息公开|部门及单位|市直部门|区直部门|"
                          r"县直部门|市级部门|区级部门|县级部门|政府部门|部门和单位|乡镇部门|部门街道|部门乡镇|部门网站)"
                          r"(?:信息公开|政务公开|公开|目录|专栏|网站)?$")
_AGENCY = re.compile(r"^[\u4e00-\u9fff（）()]{2,24}?(?:局|委员会|委|办公室|办|厅|署|院|中心|所|队|站|处|部|会|馆|镇|乡|街道|公司|集团)$")
_NOT_AGENCY = re.compile(r"首页|政务公开|信息公开|办事|互动|服务|指南|制度|年报|通知|公告|新闻|动态|要闻|搜索|登录|注册")
_NEXT = re.compile(r"^(?:下一?页|后页|下页|next|›|»|>|＞|>>)$", re.I)
DOC_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".zip", ".rar")
_ATTACHMENT_TEXT = re.compile(r"附件|下载|pdf|docx?|xlsx?|wps", re.I)


def norm(text: str) -> str:
    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", text or "")))


_YEAR = re.compile(r"(?:19|20)\d{2}")


def is_report_title(text: str) -> bool:
    """A report's title names its year; a column called 政府信息公开年报 does not."""
    t = norm(text)
    return bool(_REPORT.search(t)) and bool(_YEAR.search(t)) and not _DECOY.search(t) and len(t) < 120


def nav_score(text: str) -> int:
    """How likely a link leads towards the report column (0 = not at all)."""
    t = norm(text)
    if not t or len(t) > 20 or _DECOY.search(t):
        return 0
    for score, pattern in _NAV:
        if pattern.search(t):
            return score
    return 0


def is_departments_link(text: str) -> bool:
    """A link to the page listing departments: 部门信息公开, 部门, 市直部门 ..."""
    return bool(_DEPARTMENTS.match(norm(text)))


def is_agency_name(text: str) -> bool:
    """A department's name as a link: 某市财政局, 市教育局, 区卫生健康委员会 ..."""
    t = norm(text)
    return bool(_AGENCY.match(t)) and not _NOT_AGENCY.search(t)


def is_column_link(text: str) -> bool:
    """A link to a report column (政府信息公开年报, 年度报告) rather than a way towards one."""
    return nav_score(text) == 3


def is_next_page(text: str) -> bool:
    return bool(_NEXT.match(norm(text)))


def is_page_number(text: str) -> bool:
    t = norm(text)
    return t.isdigit() and len(t) <= 4 or bool(re.fullmatch(r"第?\d{1,4}页", t))


def is_document_url(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(DOC_EXTENSIONS)


def is_attachment_link(url: str, text: str) -> bool:
    return is_document_url(url) or (bool(_ATTACHMENT_TEXT.search(text or "")) and "download" in url.lower())


def registrable_domain(host: str) -> str:
    """putian.gov.cn for www.putian.gov.cn; the host itself for IPs and localhost."""
    host = host.lower()
    if not host or host.replace(".", "").isdigit() or host == "localhost" or ":" in host:
        return host
    labels = host.split(".")
    keep = 3 if labels[-2:] in (["gov", "cn"], ["com", "cn"], ["org", "cn"], ["edu", "cn"], ["net", "cn"]) else 2
    return ".".join(labels[-keep:])


def plain_authority(parts) -> bool:
    """No user info and no backslash in the URL's authority. Python reads the host after the
    last @, a browser (and Playwright's fetch) ends the authority at a backslash:
    `http://evil.example\\@www.portal.gov.cn/` is the portal to urlsplit and evil.example to
    Chromium. A portal's own links never need either, so such a URL is on no portal's site."""
    return "@" not in parts.netloc and "\\" not in parts.netloc


def same_site(portal_netloc: str, url: str) -> bool:
    """Whether a URL belongs to the portal: same netloc for IP/localhost portals (one port = one
    portal), same registrable domain otherwise (attachments often sit on a file subdomain)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not plain_authority(parts):
        return False
    host = (parts.hostname or "").lower()
    portal_host = portal_netloc.split(":")[0].lower()
    if portal_host.replace(".", "").isdigit() or portal_host == "localhost":
        return parts.netloc.lower() == portal_netloc.lower()
    base = registrable_domain(portal_host)
    return host == base or host.endswith("." + base)
