"""JupyterHub for `streamlink serve start --class FILE` (service/stack/stack.ts starts it with this file).

Every setting comes from the environment the stack sets, so this file is data, not generated code. The hub, its
proxy and every student's server listen on 127.0.0.1; nginx is the one entry point in front of the proxy.
"""
import hashlib
import hmac
import json
import os

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import SimpleLocalProcessSpawner

env = os.environ
state = env["STREAMLINK_STACK_DIR"]
accounts_file = os.path.join(state, "accounts.json")


def accounts():
    with open(accounts_file, encoding="utf-8") as f:
        return json.load(f)


class ClassListAuthenticator(Authenticator):
    """The accounts `serve start` wrote from the teacher's class list: scrypt hashes, no outside service."""

    async def authenticate(self, handler, data):
        name = (data or {}).get("username", "")
        account = accounts().get(name)
        if account is None:
            return None
        got = hashlib.scrypt((data.get("password") or "").encode(), salt=bytes.fromhex(account["salt"]),
                             n=16384, r=8, p=1, dklen=32)
        return name if hmac.compare_digest(got, bytes.fromhex(account["hash"])) else None

    def check_allowed(self, username, authentication=None):
        # Read at each login: a name added to the class list (and `serve start` run again) may log in at once.
        return username in accounts()


c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)
listed = accounts()
c.JupyterHub.authenticator_class = ClassListAuthenticator
c.Authenticator.allowed_users = set(listed)
c.Authenticator.admin_users = {name for name, a in listed.items() if a.get("admin")}
# Admins may open students' servers (to help); students only their own.
c.JupyterHub.admin_access = True

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(env["STREAMLINK_PROXY_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["STREAMLINK_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['STREAMLINK_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [env["STREAMLINK_CHP"]]
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Every server runs as the teacher's own system user (no root needed), each in its own folder with its own copy
# of the course notebooks; the hub's login is what keeps one student out of another's server.
c.JupyterHub.spawner_class = SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(state, "home", "{username}")
c.Spawner.cmd = [env["STREAMLINK_SINGLEUSER"]]
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--ServerApp.terminals_enabled=False"]
if os.geteuid() == 0:
    # A container's root (CI): Jupyter Server refuses root unless told; the servers are still the hub's own user.
    c.Spawner.args.append("--allow-root")
c.Spawner.environment = {
    "STREAMLINK_MODEL_URL": env["STREAMLINK_MODEL_URL"],
    "STREAMLINK_MODEL_TOKEN_FILE": env["STREAMLINK_MODEL_TOKEN_FILE"],
    "STREAMLINK_STACK_ID": env["STREAMLINK_STACK_ID"],
}
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "STREAMLINK_THREADS"]
# A busy 2-core machine starts 30 servers slowly.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180

# `serve status` reads users, servers and kernels with this token.
c.JupyterHub.services = [{"name": "streamlink", "api_token": env["STREAMLINK_HUB_API_TOKEN"]}]
c.JupyterHub.load_roles = [{
    "name": "streamlink-status",
    "scopes": ["list:users", "read:users", "read:servers", "access:servers"],
    "services": ["streamlink"],
}]
