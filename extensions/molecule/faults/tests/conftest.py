"""The lab of the faults scenario: playbook runs that can be stopped at a named point, and the swarm's state.

Playbooks reach the nodes as molecule does (SSH, the admin user with sudo). The tests read the node
containers with testinfra's docker backend, and stop runs with callback_plugins/hsw_stop_at.py.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
import testinfra

MANAGER, WORKER = "hsw-mol7-manager1", "hsw-mol7-worker1"
HERE = os.path.dirname(os.path.abspath(__file__))
CALLBACKS = os.path.join(os.path.dirname(HERE), "callback_plugins")
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def ansible_bin(name):
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else shutil.which(name) or name


def wait_until(what, check, timeout=120, every=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("%s did not happen within %ss" % (what, timeout))


class Run:
    """One ansible-playbook run in its own process group, which a test may kill."""

    def __init__(self, lab, playbook, args, stop_at=None, mode="kill", env=None):
        self.lab, self.playbook = lab, playbook
        lab.runs += 1
        self.log = os.path.join(lab.workdir, "run-%02d-%s.log" % (lab.runs, playbook))
        self.mark = self.log + ".stopped"
        cmd = [ansible_bin("ansible-playbook"), "-i", lab.inventory, "homelab.swarm." + playbook, *args]
        run_env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **(env or {}))
        if stop_at:
            run_env.update(ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED="hsw_stop_at",
                           HSW_STOP_AT=stop_at, HSW_STOP_MODE=mode, HSW_STOP_MARK=self.mark)
        self.started = time.time()
        self.out = open(self.log, "w")
        self.out.write("$ %s (stop at %r, %s)\n" % (" ".join(cmd), stop_at, mode))
        self.out.flush()
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=run_env, text=True, start_new_session=True)

    def reached(self, timeout=600):
        """Waits until the run reached its stop point (or ended, which fails the test)."""
        wait_until("%s reaching its stop point" % self.playbook,
                   lambda: os.path.exists(self.mark) or self.proc.poll() is not None, timeout=timeout)
        assert os.path.exists(self.mark), "the run ended (rc %s) before its stop point:\n%s" % (
            self.proc.returncode, self.output()[-3000:])
        with open(self.mark) as handle:
            return handle.read().strip()

    def kill(self):
        """SIGKILL to the whole run, as a closed laptop or a dropped session would."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.out.close()
        print("%s killed after %.0fs (log %s)" % (self.playbook, time.time() - self.started, self.log))

    def wait(self, timeout=1800):
        self.proc.wait(timeout=timeout)
        self.out.close()
        print("%s: rc=%s in %.0fs (log %s)" % (
            self.playbook, self.proc.returncode, time.time() - self.started, self.log))
        return self.proc.returncode, self.output()

    def output(self):
        with open(self.log) as handle:
            return handle.read()


class Lab:
    def __init__(self, workdir):
        self.workdir = workdir
        self.inventory = os.environ["MOLECULE_INVENTORY_FILE"]
        self.runs = 0
        self.nodes = {name: testinfra.get_host("docker://" + name) for name in (MANAGER, WORKER)}
        self.manager, self.worker = self.nodes[MANAGER], self.nodes[WORKER]

    def start(self, playbook, *args, stop_at=None, mode="kill", env=None):
        return Run(self, playbook, args, stop_at=stop_at, mode=mode, env=env)

    def play(self, playbook, *args, env=None):
        """Runs a playbook to its end: (rc, output, recap)."""
        rc, out = self.start(playbook, *args, env=env).wait()
        recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                              "failed": int(m.group(5))} for m in RECAP.finditer(out)}
        return rc, out, recap

    def converge(self, *args, playbook="site"):
        rc, out, recap = self.play(playbook, *args)
        assert rc == 0, out[-5000:]
        return out, recap

    def assert_no_change(self, *args, playbook="site"):
        out, recap = self.converge(*args, playbook=playbook)
        changed = {host: counts["changed"] for host, counts in recap.items() if counts["changed"]}
        assert recap and not changed, "the run after the repair changed %s:\n%s" % (changed, "\n".join(
            line for line in out.splitlines() if line.startswith(("changed:", "TASK")))[-4000:])

    # The swarm ---------------------------------------------------------------------------------

    def json_lines(self, node, command):
        out = node.check_output(command)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def swarm_state(self, node):
        return node.check_output("docker info --format '{{.Swarm.LocalNodeState}}'")

    def swarm_id(self):
        return self.manager.check_output("docker info --format '{{.Swarm.Cluster.ID}}'")

    def node_ls(self):
        return self.json_lines(self.manager, "docker node ls --format '{{json .}}'")

    def assert_healthy(self):
        """Every inventory node listed once, Ready and Active; one Leader; every service at its replicas."""
        nodes = self.node_ls()
        assert sorted(n["Hostname"] for n in nodes) == ["manager1", "worker1"], nodes
        assert all(n["Status"] == "Ready" and n["Availability"] == "Active" for n in nodes), nodes
        assert [n["ManagerStatus"] for n in nodes].count("Leader") == 1, nodes
        self.assert_services_run_their_tasks()
        return nodes

    def assert_services_run_their_tasks(self):
        services = self.json_lines(self.manager, "docker service ls --format '{{json .}}'")
        assert services, "no service runs"
        short = [s["Name"] + " " + s["Replicas"] for s in services
                 if s["Replicas"].split("/")[0] != s["Replicas"].split("/")[1].split()[0]]
        assert not short, "services short of tasks: %s" % short

    def wait_healthy(self, timeout=120):
        def healthy():
            try:
                return self.assert_healthy()
            except AssertionError:
                return None
        return wait_until("the swarm healthy", healthy, timeout=timeout, every=2)

    def assert_configs_of_services_exist(self):
        """No config or secret that a service uses was removed."""
        used = set()
        for service in self.json_lines(self.manager, "docker service inspect $(docker service ls -q) --format '{{json .}}'"):
            spec = service["Spec"]["TaskTemplate"]["ContainerSpec"]
            used.update(c["ConfigName"] for c in spec.get("Configs") or [])
            used.update(s["SecretName"] for s in spec.get("Secrets") or [])
        existing = set(self.manager.check_output(
            "docker config ls --format '{{.Name}}'; docker secret ls --format '{{.Name}}'").split())
        assert used <= existing, "in use but gone: %s" % sorted(used - existing)

    def auth_starts(self):
        """The start counter the dev stack's auth-server keeps in its named volume (dev_auth-data)."""
        def read():
            ids = self.manager.check_output("docker ps -q --filter label=com.docker.swarm.service.name=dev_auth-server")
            if not ids:
                return None
            cmd = self.manager.run("docker exec %s cat /data/starts" % ids.split()[0])
            return int(cmd.stdout) if cmd.rc == 0 and cmd.stdout.strip() else None
        return wait_until("the auth-server running", read, timeout=120, every=1)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    return Lab(str(tmp_path_factory.mktemp("faults")))
