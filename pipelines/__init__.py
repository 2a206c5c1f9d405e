"""Everything between a fetched document and the published database.

- `pipelines.parser`: the report parser, a pure library (bytes in, `Report` out).
- `pipelines.db`: the SQLite schema and its migrations.
- `pipelines.store`: writing reports, cells and checks into the database.
- `pipelines.scrapy`: the Scrapy item pipelines that connect the crawl to the above.
"""
