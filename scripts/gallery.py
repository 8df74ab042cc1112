"""The gallery of a tier's figures, figures/<tier>/index.html: one page in the lecture's order, each
figure fitted to the window and linking to its files, with its caption and its provenance."""
import argparse
import json
from pathlib import Path

from underhood import gallery, io
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("manifest", help="figures/<tier>/MANIFEST.json (the figures are beside it)")
p.add_argument("output", help="figures/<tier>/index.html")
p.add_argument("--tier", required=True)
p.add_argument("--entries", required=True, help="JSON: [{id, family, title, caption (an .rst file), params}]")
a = p.parse_args()

with open(a.manifest) as f:
    manifest = json.load(f)
html = gallery.page(json.loads(a.entries), manifest, a.tier, Path(a.output).parent)
with io.atomic_path(a.output) as tmp:
    tmp.write_text(html)
print(f"{a.output}: {html.count('<article')} figures")
