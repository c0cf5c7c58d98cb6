"""The source folder generator/ installs as the import package ``legalsite``.

``generator`` is too common a name to claim in site-packages. pyproject.toml cannot rename a package it
finds, so this file finds every package under generator/ and names it under legalsite.
"""

from setuptools import find_packages, setup

setup(
    packages=["legalsite" + name.removeprefix("generator") for name in find_packages(include=["generator", "generator.*"])],
    package_dir={"legalsite": "generator"},
)
