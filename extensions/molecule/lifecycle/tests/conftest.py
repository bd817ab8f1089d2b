"""The lab of the lifecycle scenario: inventories written per step, playbook runs, node and stack state.

The playbooks reach the nodes as molecule does: over SSH, as the admin user with sudo. The tests
read the node containers with testinfra's docker backend (docker exec, fast enough to watch the
stack while a playbook runs) and run the health module through testinfra's ansible backend.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest
import testinfra
import yaml

MANAGER1, WORKER1, WORKER2 = "hsw-mol4-manager1", "hsw-mol4-worker1", "hsw-mol4-worker2"
HOSTNAMES = {MANAGER1: "manager1", WORKER1: "worker1", WORKER2: "worker2"}
MANAGED_KEY = "io.homelab.swarm.managed-labels"
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def ansible_bin(name):
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else shutil.which(name) or name


class Lab:
    """Writes inventories, runs playbooks and reads the swarm through the node containers."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.molecule_inventory = os.environ["MOLECULE_INVENTORY_FILE"]
        self.vars_dirs = {name: os.path.realpath(os.path.join(os.path.dirname(self.molecule_inventory), name))
                          for name in ("group_vars", "host_vars")}
        with open(self.molecule_inventory) as handle:
            # How molecule reaches each node (SSH, the lab's key); the addresses are in host_vars/.
            self.connections = yaml.safe_load(handle)["all"]["hosts"]
        self.inventory = None
        self.runs = 0
        self.nodes = {name: testinfra.get_host("docker://" + name) for name in HOSTNAMES}

    def address(self, name):
        """The node's address on the scenario's network (its host_vars)."""
        with open(os.path.join(self.vars_dirs["host_vars"], name + ".yml")) as handle:
            return yaml.safe_load(handle)["ansible_host"]

    # Inventories -------------------------------------------------------------------------------

    def write_inventory(self, managers, workers, spare=(), hostvars=None):
        """A copy of the molecule inventory with these groups; returns its directory."""
        hostvars = hostvars or {}

        def hosts(names):
            # The dev stack is pinned to manager1, which these tests take away and bring back.
            return {name: dict(self.connections[name], lab_dev_enabled=False, **hostvars.get(name, {}))
                    for name in names}

        data = {
            "swarm_managers": {"hosts": hosts(managers)},
            "swarm_workers": {"hosts": hosts(workers)},
            "lab_spare": {"hosts": hosts(spare)},
        }
        self.runs += 1
        path = os.path.join(self.workdir, "inventory-%02d" % self.runs)
        os.makedirs(path)
        with open(os.path.join(path, "hosts.yml"), "w") as out:
            yaml.safe_dump(data, out, default_flow_style=False)
        for name, source in self.vars_dirs.items():
            os.symlink(source, os.path.join(path, name))
        self.inventory = path
        self.expected = {"managers": [HOSTNAMES[h] for h in managers], "workers": [HOSTNAMES[h] for h in workers]}
        return path

    # Playbooks ---------------------------------------------------------------------------------

    def play(self, playbook, *args, stdin=subprocess.DEVNULL, inventory=None, env=None):
        """Runs homelab.swarm.<playbook> against the current inventory (or the one given), with
        these environment settings added: (rc, output, recap)."""
        cmd = [ansible_bin("ansible-playbook"), "-i", inventory or self.inventory, "homelab.swarm." + playbook, *args]
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **(env or {}))
        started = time.time()
        proc = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=env, check=False)
        log = os.path.join(self.workdir, "run-%02d-%s.log" % (self.runs, playbook))
        with open(log, "a") as out:
            out.write("$ %s\n%s\n" % (" ".join(cmd), proc.stdout))
        print("%s %s: rc=%s in %.0fs (log %s)" % (playbook, " ".join(args), proc.returncode, time.time() - started, log))
        recap = {m.group(1): {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                              "failed": int(m.group(5))} for m in RECAP.finditer(proc.stdout)}
        return proc.returncode, proc.stdout, recap

    def converge(self, *args):
        rc, out, recap = self.play("site", *args)
        assert rc == 0, out[-4000:]
        return out, recap

    def assert_no_change(self, *args):
        """The run after a change: succeeds and changes nothing on any host."""
        out, recap = self.converge(*args)
        assert recap, out[-2000:]
        changed = {host: counts["changed"] for host, counts in recap.items() if counts["changed"]}
        assert not changed, "the second run changed %s:\n%s" % (changed, "\n".join(
            line for line in out.splitlines() if line.startswith("changed:") or line.startswith("TASK")
        )[-4000:])

    # The swarm ---------------------------------------------------------------------------------

    def docker(self, container, command):
        return self.nodes[container].check_output(command)

    def node_ls(self, via=None):
        """docker node ls (as dicts) from a manager that answers."""
        for container in ([via] if via else list(HOSTNAMES)):
            cmd = self.nodes[container].run("docker node ls --format '{{json .}}'")
            if cmd.rc == 0:
                return [json.loads(line) for line in cmd.stdout.splitlines() if line.strip()]
        raise AssertionError("no node container answered docker node ls")

    def node_inspect(self, hostname):
        out = self.docker(MANAGER1, "docker node inspect %s --format '{{json .}}'" % hostname)
        return json.loads(out)

    def assert_nodes_match_inventory(self):
        """docker node ls lists exactly the inventory's hosts, once each, Ready, with their roles."""
        nodes = self.node_ls()
        hostnames = sorted(n["Hostname"] for n in nodes)
        expected = sorted(self.expected["managers"] + self.expected["workers"])
        assert hostnames == expected, "node list %s, inventory %s" % (hostnames, expected)
        for node in nodes:
            assert node["Status"] == "Ready", node
            role = "manager" if node["ManagerStatus"] else "worker"
            want = "manager" if node["Hostname"] in self.expected["managers"] else "worker"
            assert role == want, "%s is a %s, the inventory says %s" % (node["Hostname"], role, want)
        assert len([n for n in nodes if n["ManagerStatus"] == "Leader"]) == 1, nodes
        return nodes

    def health(self, via, expected, **options):
        """The health module run on a manager: its result."""
        host = testinfra.get_host("ansible://%s?ansible_inventory=%s" % (via, self.molecule_inventory))
        args = "expected_nodes=%s fail_on_unhealthy=false %s" % (
            ",".join(expected), " ".join("%s=%s" % item for item in options.items()))
        return host.ansible("homelab.swarm.swarm_health", args, check=False)

    def web_tasks(self, via=MANAGER1):
        """Running tasks of the lab web service: {task id: node}."""
        out = self.docker(via, "docker service ps lab_web --filter desired-state=running "
                               "--format '{{.ID}} {{.Node}} {{.CurrentState}}'")
        return {line.split()[0]: line.split()[1] for line in out.splitlines() if " Running " in line + " "}

    def service_replicas(self, via=MANAGER1):
        out = self.docker(via, "docker service ls --format '{{json .}}'")
        return {s["Name"]: s["Replicas"] for s in map(json.loads, out.splitlines())}


class StackWatcher(threading.Thread):
    """Samples the running tasks of the lab web service every two seconds during a change."""

    def __init__(self, lab, via=MANAGER1):
        super().__init__(daemon=True)
        self.lab, self.via = lab, via
        self.samples = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            cmd = self.lab.nodes[self.via].run(
                "docker service ps lab_web --filter desired-state=running --format '{{.CurrentState}}'")
            if cmd.rc == 0:  # a manager busy with a leader election answers nothing: not a sample
                self.samples.append(sum(1 for line in cmd.stdout.splitlines() if line.startswith("Running")))
            self.done.wait(2)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join()


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    return Lab(str(tmp_path_factory.mktemp("lifecycle")))
