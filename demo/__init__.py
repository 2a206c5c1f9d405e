"""The bundled demo portals: a local network that imitates the CMS families the spider knows,
with decoys, real report content from tests/samples, and portals that fail.

    python -m zfxxgk.demo serve --out data/demo      # serve until stopped; writes portals.csv, manifest.json

`make demo` starts it, crawls it, and serves the result.
"""
