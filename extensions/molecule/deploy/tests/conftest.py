"""The deploy scenario's nodes, and runs of deploy.yml and site.yml as a CI job would make them."""

import os
import pty
import re
import subprocess
import sys

import pytest
import testinfra
import yaml
from testinfra.utils.ansible_runner import AnsibleRunner

RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "/nonexistent")


def connection(name):
    """How molecule reaches the node (SSH, the lab's key): its host entry in molecule's inventory;
    the address is in host_vars/."""
    with open(INVENTORY) as handle:
        return dict(yaml.safe_load(handle)["all"]["hosts"][name])


def _host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


@pytest.fixture(scope="session")
def manager():
    return _host(AnsibleRunner(INVENTORY).get_hosts("swarm_managers")[0])


@pytest.fixture(scope="session")
def worker():
    return _host(AnsibleRunner(INVENTORY).get_hosts("swarm_workers")[0])


@pytest.fixture(scope="session")
def registry_password():
    with open(os.path.join(EPHEMERAL, "hsw-registry-password")) as handle:
        return handle.read().strip()


class Run:
    def __init__(self, rc, output):
        self.rc = rc
        self.output = output
        self.flat = " ".join(output.split())
        self.recap = {m.group(1): int(m.group(3)) for m in RECAP.finditer(output)}


def run_on_a_terminal(command, env, answers):
    """Runs a command on a pseudo-terminal, as a person at a shell would, typing each answer once its
    prompt shows (ansible-playbook -K reads the password from the terminal): (rc, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(command[0], command, env)
    output, pending = "", dict(answers)
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        output += chunk.decode("utf-8", "replace")
        for prompt in [prompt for prompt in pending if prompt in output]:
            os.write(fd, (pending.pop(prompt) + "\n").encode())
    os.close(fd)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.replace("\r\n", "\n")


@pytest.fixture(scope="session")
def play(tmp_path_factory):
    """Runs homelab.swarm.<playbook> on an inventory of this scenario, with the worker's connection
    broken on purpose when asked: a task on it would fail as unreachable."""
    workdir = tmp_path_factory.mktemp("runs")
    counter = [0]

    def run(playbook, *args, broken_worker=False, manager_only=False, become_password=None):
        counter[0] += 1
        inventory = workdir / ("inventory-%02d" % counter[0])
        inventory.mkdir()
        source = os.path.dirname(INVENTORY)
        for name in ("group_vars", "host_vars"):
            os.symlink(os.path.realpath(os.path.join(source, name)), inventory / name)
        hosts = {"swarm_managers": {"hosts": {"hsw-mol6-manager1": connection("hsw-mol6-manager1")}}}
        if not manager_only:
            worker = connection("hsw-mol6-worker1")
            if broken_worker:
                worker["ansible_port"] = 9  # nothing listens there: the connection is refused
            hosts["swarm_workers"] = {"hosts": {"hsw-mol6-worker1": worker}}
        (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory),
                   "homelab.swarm." + playbook, *args]
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
        if become_password is None:
            proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                  check=False)
            rc, output = proc.returncode, proc.stdout
        else:
            rc, output = run_on_a_terminal(command, env, {"BECOME password: ": become_password})
        with open(workdir / ("run-%02d-%s.log" % (counter[0], playbook)), "w") as handle:
            handle.write("$ %s\n%s" % (" ".join(command), output))
        print("%s %s: rc=%d (log %s)" % (playbook, " ".join(args), rc, workdir))
        return Run(rc, output)

    return run
