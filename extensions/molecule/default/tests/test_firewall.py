"""swarm_firewall with swarm_firewall_install: ufw: ufw active on every node, the swarm ports open
to the cluster's nodes only (2377/tcp on managers only), never the Docker API."""

import os
import subprocess

COMMENT_TUPLE = "comment=" + "homelab.swarm".encode().hex()  # ufw stores rule comments hex-encoded
NODE_PORTS = {("tcp", "7946"), ("udp", "7946"), ("udp", "4789")}
MANAGER_PORTS = NODE_PORTS | {("tcp", "2377")}
# A container on the scenario's network that is not a cluster node.
PROBE_NETWORK = os.environ.get("HSW_FW_PROBE_NETWORK", "hsw-mol-default")
PROBE_IMAGE = os.environ.get("HSW_NODE_IMAGE", "hsw-node:bookworm")
CONNECT = "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 3)"


def address(node):
    facts = node.ansible("setup", "gather_subset=!all,!min,network", check=False)["ansible_facts"]
    return facts["ansible_default_ipv4"]["address"]


def owned_rules(node):
    """(proto, port, source) of every ufw allow rule the role owns."""
    out = node.check_output("cat /etc/ufw/user.rules /etc/ufw/user6.rules")
    rules = set()
    for line in out.splitlines():
        field = line.split()
        if line.startswith("### tuple ### ") and field[3] == "allow" and COMMENT_TUPLE in field[10:]:
            rules.add((field[4], field[5], field[8]))
    return rules


def test_ufw_is_active_on_every_node(managers, workers):
    for node in managers + workers:
        assert node.check_output("ufw status").splitlines()[0] == "Status: active"


def test_swarm_ports_are_open_to_the_cluster_nodes_only(managers, workers):
    sources = [address(node) for node in managers + workers]
    for node in managers + workers:
        ports = MANAGER_PORTS if node in managers else NODE_PORTS
        expected = {(proto, port, source) for proto, port in ports for source in sources}
        assert owned_rules(node) == expected, node.backend.get_hostname()


def test_docker_api_is_never_opened(managers, workers):
    for node in managers + workers:
        status = node.check_output("ufw status")
        assert "2375" not in status and "2376" not in status, status


def test_manager_port_answers_workers_but_not_other_hosts(manager, workers):
    target = address(manager)
    for worker in workers:
        assert worker.run("python3 -c %s %s 2377" % (repr(CONNECT), target)).rc == 0
    outsider = subprocess.run(
        ["docker", "run", "--rm", "--name", "hsw-mol-fw-probe", "--network", PROBE_NETWORK, PROBE_IMAGE,
         "python3", "-c", CONNECT, target, "2377"],
        capture_output=True, text=True, timeout=60, check=False)
    assert outsider.returncode != 0, "2377/tcp on %s answered a host outside the cluster" % target
    assert "timed out" in outsider.stderr or "refused" in outsider.stderr or "No route" in outsider.stderr, outsider.stderr
