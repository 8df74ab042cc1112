"""Download one file of the lecture tier, check its SHA-256, write it atomically (see underhood.assets.fetch)."""
import argparse
import sys

from underhood import assets
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("url")
p.add_argument("output")
p.add_argument("--sha256", required=True, help="the file's full SHA-256 (64 hex digits)")
p.add_argument("--retries", type=int, required=True)
p.add_argument("--timeout", type=float, required=True)
a = p.parse_args()

try:
    assets.fetch(a.url, a.output, a.sha256, retries=a.retries, timeout=a.timeout, log=lambda m: print(m, flush=True))
except assets.DownloadError as e:
    sys.exit(str(e))
