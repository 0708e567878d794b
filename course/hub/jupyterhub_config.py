# JupyterHub configuration for a workshop of the course, on one Linux machine.
# `npm run hub` copies this file into its state folder and writes settings.json beside it;
# jupyterhub reads both from there. Edit the settings through npm run hub's flags, not here.
#
# Accounts: each learner is a real system user (isolation by uid). They log in with their user
# name and the room's shared password (DummyAuthenticator, restricted to the roster's names).
# To use the machine's own passwords instead (PAM): authenticator_class = "pam" and drop the
# password line. For OAuth (GitHub, Google, your university's login) install the
# oauthenticator package and see the README's instructor section.
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "settings.json"), encoding="utf-8") as f:
    s = json.load(f)

c = get_config()  # noqa: F821 (jupyterhub provides it)

# Where learners connect (the proxy), and the hub's own ports, on loopback only.
c.JupyterHub.ip = s["ip"]
c.JupyterHub.port = s["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["hubPort"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%d" % s["proxyApiPort"]
c.ConfigurableHTTPProxy.command = [s["proxyCommand"]]
c.ConfigurableHTTPProxy.pid_file = os.path.join(here, "proxy.pid")

# The hub's state stays in the state folder, not in the directory it was started from.
c.JupyterHub.db_url = "sqlite:///" + os.path.join(here, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(here, "cookie_secret")
c.JupyterHub.pid_file = os.path.join(here, "jupyterhub.pid")
# Stopping the hub stops the proxy and every learner's server (npm run hub also checks).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Accounts.
c.JupyterHub.authenticator_class = s["authenticator"]
if s["authenticator"] == "dummy":
    c.DummyAuthenticator.password = s["password"]
c.Authenticator.allowed_users = set(s["learners"])
c.Authenticator.admin_users = set()

# A token for the instructor's tools (and the course's tests): the REST API, as an admin service.
c.JupyterHub.services = [{"name": "course-admin", "api_token": s["apiToken"]}]
c.JupyterHub.load_roles = [
    {"name": "course-admin", "scopes": ["admin:users", "admin:servers", "access:servers", "tokens", "read:hub"], "services": ["course-admin"]},
]

# Learners' servers: a process of their own uid, through the course's wrapper (copies the
# handout into ~/course on the first spawn).
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [s["singleuserCommand"]]
c.Spawner.environment = {"COURSE_HUB_TEMPLATE": s["template"]}
c.Spawner.default_url = "/notebooks/my-notebooks/00-welcome.ipynb"
# What a learner never opens: the course's own notebooks (they run the copies) and node_modules.
c.Spawner.args = ["--ContentsManager.hide_globs=%s" % glob for glob in s["hideGlobs"]]
# A first spawn copies the course; on a loaded machine with a room of learners that takes time.
c.Spawner.start_timeout = s["startTimeout"]
c.Spawner.http_timeout = s["startTimeout"]
# Many learners logging in at once: do not refuse them (the default is 100 pending spawns).
c.JupyterHub.concurrent_spawn_limit = 0
