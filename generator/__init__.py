"""legalsite: privacy, cookie and security sites for many brands, built from one set of facts.

The stages a fact passes through, in order:
load (YAML → data with positions) → model (typed facts) → project (all files together)
→ history (each version's facts, from git) → check (rules) → render (Jinja → Markdown; archive.py adds the
version notices) → build (build/: each site's inputs, then an engine, MkDocs + Material or Zensical; pdf.py
prints, wellknown.py writes security.txt and gpc.json)
→ publish (validate, swap).
"""

__version__ = "0.7.0"

# The engines that can build a site (build/engines/), by the name a setting or --engine gives → what they are.
ENGINES = {"mkdocs": "MkDocs and Material for MkDocs", "zensical": "Zensical"}
