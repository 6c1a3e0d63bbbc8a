"""Extra config for the hub tests' single-user servers, found through JUPYTER_CONFIG_PATH (see jupyterhub_config.py).

No outside network here, so JupyterLab must neither ask for news nor check for updates: that is set by
ui-tests/jupyter-config/labconfig/default_setting_overrides.json, also on JUPYTER_CONFIG_PATH.
"""

c = get_config()  # noqa: F821 (injected by traitlets)

# The tests check plugins and commands through window.jupyterapp, which JupyterLab only exposes when asked.
c.LabApp.expose_app_in_browser = True

# The help relay is the Hub's service classlab-help (ui-tests/hub/jupyterhub_config.py), shared by all users.
c.ClassLabBridgeApp.help_backend = "remote"

# The GPU queue is the Hub's service classlab-gpu (one slot, one quota ledger for the class).
c.ClassLabBridgeApp.gpu_backend = "remote"

# Grading is the Hub's service classlab-grader: it holds the class's specs (hidden tests) and results, not this
# server.
c.ClassLabBridgeApp.grader_backend = "remote"
