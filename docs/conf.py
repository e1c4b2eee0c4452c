"""Sphinx configuration of salnest's documentation (``bash setup.sh docs`` builds it, warnings as errors).

Pages are Markdown (MyST) or reStructuredText. The model and protocol references are generated at
build time by ``_ext/salnest_docs.py``: the model pages from the single sources of each model (the
user-docs block of its C++ header, the header of its NESTML file) with the defaults read from the
built models and the domains of ``salnest.models.parameters``; the protocol pages from the
registry of experiment kinds. The gallery runs the scripts of ``examples/`` (sphinx-gallery).
"""

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("PYNEST_QUIET", "1")

import salnest

project = "salnest"
author = "salnest developers"
copyright = "2026, salnest developers (GPL-2.0-or-later)"
release = salnest.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinxarg.ext",
    "sphinx_gallery.gen_gallery",
    "salnest_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "Thumbs.db", ".DS_Store", "gallery/*.ipynb", "gallery/*.py",
                    "gallery/*.md5", "gallery/*.json", "gallery/*.zip"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

# numpydoc renders the public functions' docstrings; the members of a class are listed by autodoc
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
# the deep-network study's PyTorch is an optional extra: document its modules without it
autodoc_mock_imports = [] if importlib.util.find_spec("torch") else ["torch"]

sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "gallery",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|/own_neuron/",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "sphinx_rtd_theme"
html_title = f"salnest {release}"
html_static_path = []
html_theme_options = {"navigation_depth": 3, "collapse_navigation": False}
