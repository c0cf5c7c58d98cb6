"""The build stage: each brand's pages become a site, and the sites are published together.

inputs.py (what each site is given) → engines/ (MkDocs or Zensical builds it) → workers.py (across the
CPUs) → pipeline.py (the whole build, in order, then PDFs, validation and publish).
"""

from .inputs import SiteInputs, Sites, brand_files, single_versions, site_inputs, write_files
from .pipeline import BuildResult, build, build_project, print_pdfs
from .workers import build_sites

__all__ = ["BuildResult", "SiteInputs", "Sites", "brand_files", "build", "build_project", "build_sites",
           "print_pdfs", "single_versions", "site_inputs", "write_files"]
