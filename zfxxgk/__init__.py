"""zfxxgk-archive: the command line and the glue between crawler, archive, parser and Datasette.

The real work lives in the libraries (`pipelines.parser`, `archive`, `scraper`); the `zfxxgk`
command is a thin layer over them.
"""

__version__ = "0.1.0"
