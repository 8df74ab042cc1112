"""The gallery: a tier's figures on one HTML page, in the lecture's order, grouped by family. Each figure
is fitted to the window and links to its full files (PNG, and PDF, SVG, CSV where made), with its
caption (report/captions, quoting the lecture) and its provenance (MANIFEST.json). Offline: no script,
no external URL; the page reads the figure files beside it."""
from html import escape
from pathlib import Path

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 1em 4em; color: #222; }
header { border-bottom: 1px solid #ccc; margin-bottom: 1em; }
nav > ul { columns: 2; font-size: 13px; list-style: none; padding-left: 0; } nav li.family { break-inside: avoid; }
h2 { margin-top: 2em; border-bottom: 2px solid #444; }
article { margin: 1.5em 0 2.5em; scroll-margin-top: 0.5em; }
h3 { margin-bottom: 0.3em; } h3 a { color: inherit; text-decoration: none; } h3 code { font-size: 12px; color: #777; }
a.image { display: block; text-align: center; background: #fafafa; border: 1px solid #ddd; }
a.image img { display: block; margin: 0 auto; width: auto; height: auto; max-width: 100%; max-height: 85vh; }
.files { font-size: 13px; color: #555; } .caption { max-width: 52em; }
details { font-size: 12px; } table { border-collapse: collapse; } td { padding: 1px 8px 1px 0; vertical-align: top; }
td:first-child { color: #666; white-space: nowrap; } code { word-break: break-all; } .literal { font-family: monospace; }
"""


def caption_html(path, params, tier):
    """A report caption (an .rst Jinja template, as Snakemake's report renders it) as an HTML fragment."""
    import jinja2
    from docutils.core import publish_parts

    text = jinja2.Template(Path(path).read_text()).render(snakemake={"params": params, "wildcards": {"tier": tier}})
    settings = {"report_level": 5, "halt_level": 5, "file_insertion_enabled": False, "raw_enabled": False,
                "_disable_config": True}
    return publish_parts(text, writer_name="html5", settings_overrides=settings)["body"]


def _size(path):
    from PIL import Image

    with Image.open(path) as im:
        return im.size


def provenance_rows(facts):
    """The provenance table of one figure (its MANIFEST.json entry)."""
    rows = [("date", facts.get("date")), ("commit", facts.get("commit")), ("seed", facts.get("seed")),
            ("config digest", facts.get("config")),
            ("versions", ", ".join(f"{k} {v}" for k, v in facts.get("versions", {}).items()))]
    rows += [(f"file {name}", sha) for name, sha in facts.get("outputs", {}).items()]
    rows += [(f"made from {path}", sha) for path, sha in facts.get("files", {}).items()]
    wall = facts.get("wall_s", {})
    rows += [("wall time", f"{facts.get('wall_s_total', 0):.1f} s in {len(wall)} jobs with a benchmark file")]
    return "".join(f"<tr><td>{escape(k)}</td><td><code>{escape(str(v))}</code></td></tr>" for k, v in rows)


def article(entry, facts, tier, folder):
    fid, title = entry["id"], entry["title"]
    w, h = _size(Path(folder) / f"{fid}.png")
    files = [f'<a href="{escape(fid)}.png">PNG</a> ({w}x{h} px)']
    files += [f'<a href="{escape(name)}">{escape(name.rsplit(".", 1)[1].upper())}</a>'
              for name in facts.get("outputs", {}) if not name.endswith(".png")]
    return (f'<article id="{escape(fid)}">\n<h3><a href="#{escape(fid)}">{escape(title)}</a> <code>{escape(fid)}</code></h3>\n'
            f'<a class="image" href="{escape(fid)}.png"><img src="{escape(fid)}.png" width="{w}" height="{h}" alt="{escape(title)}"></a>\n'
            f'<p class="files">Full size: {", ".join(files)}</p>\n'
            f'<div class="caption">{caption_html(entry["caption"], entry["params"], tier)}</div>\n'
            f'<details class="provenance"><summary>Provenance</summary><table>{provenance_rows(facts)}</table></details>\n'
            "</article>\n")


def page(entries, manifest, tier, folder):
    """The whole page: `entries` in the lecture's order ([{id, family, title, caption, params}]), the
    facts of each from `manifest` (MANIFEST.json); the figure files are in `folder`."""
    facts = {f["figure"]: f for f in manifest["figures"]}
    families = {}
    for e in entries:
        families.setdefault(e["family"], []).append(e)
    nav = "".join(f'<li class="family">{escape(fam)}<ul>'
                  + "".join(f'<li><a href="#{escape(e["id"])}">{escape(e["title"])}</a></li>' for e in es)
                  + "</ul></li>" for fam, es in families.items())
    body = "".join(f'<section id="family-{escape(fam.split(".")[0])}">\n<h2>{escape(fam)}</h2>\n'
                   + "".join(article(e, facts.get(e["id"], {}), tier, folder) for e in es)
                   + "</section>\n" for fam, es in families.items())
    first = next(iter(facts.values()), {})
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>Under the hood: the lecture's figures ({escape(tier)} tier)</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<header>\n<h1>Under the hood: the lecture's figures</h1>\n"
            f"<p>EE-559, lecture 8 (F. Fleuret), regenerated by underhood: {len(entries)} figures of the "
            f"<b>{escape(tier)}</b> tier, in the lecture's order; commit <code>{escape(str(first.get('commit')))}</code>. "
            'Each figure links to its full files; its provenance is below it and in <a href="MANIFEST.json">MANIFEST.json</a>.</p>\n'
            f"<nav><ul>{nav}</ul></nav>\n</header>\n<main>\n{body}</main>\n</body>\n</html>\n")
