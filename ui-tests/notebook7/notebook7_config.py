"""Jupyter Notebook 7 for the browser tests: the shared test configuration (../jupyter_server_test_config.py),
plus `window.jupyterapp` in Notebook 7's pages (JupyterNotebookApp has its own switch for it)."""

import os

c = get_config()  # noqa: F821 (injected by traitlets)
load_subconfig(os.path.join(os.path.dirname(__file__), "..", "jupyter_server_test_config.py"))  # noqa: F821

c.JupyterNotebookApp.expose_app_in_browser = True
