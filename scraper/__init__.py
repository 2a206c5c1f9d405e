"""The Scrapy project: one generic spider that finds annual reports on portals it has never seen.

A portal on a known CMS family is a row in the registry (`portals.csv`), not a class: the
spider's mixins recognise TRS WCM, Hanweb JCMS, plain pagination and JavaScript-built
listings from the pages themselves.
"""
