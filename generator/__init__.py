"""legalsite: privacy, cookie and security sites for many brands, built from one set of facts.

The stages a fact passes through, in order:
load (YAML → data with positions) → model (typed facts) → project (all files together)
→ check (rules) → render (Jinja → Markdown) → build (MkDocs + Material) → publish (validate, swap).
"""

__version__ = "0.3.0"
