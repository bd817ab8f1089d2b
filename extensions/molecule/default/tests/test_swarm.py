"""The swarm site.yml built: Docker on every node, one manager leading, the worker joined."""

import json
import os
import re
import subprocess

import pytest


def node_list(host):
    out = host.check_output("docker node ls --format '{{json .}}'")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_docker_runs_on_every_node(managers, workers):
    for node in managers + workers:
        version = node.check_output("docker info --format '{{.ServerVersion}}'")
        assert version[:2].isdigit(), "%s: no engine answered: %r" % (node.backend.get_hostname(), version)


def test_daemon_json_is_the_inventory_one(managers, workers):
    for node in managers + workers:
        daemon = json.loads(node.file("/etc/docker/daemon.json").content_string)
        assert daemon["log-driver"] == "json-file"
        assert node.check_output("docker info --format '{{.LoggingDriver}}'") == "json-file"


def test_manager_lists_both_nodes_ready_and_active(manager):
    nodes = node_list(manager)
    assert sorted(n["Hostname"] for n in nodes) == ["manager1", "worker1"]
    for node in nodes:
        assert node["Status"] == "Ready", node
        assert node["Availability"] == "Active", node
    assert [n["Hostname"] for n in nodes if n["ManagerStatus"] == "Leader"] == ["manager1"]


@pytest.mark.parametrize("field, expected", [("LocalNodeState", "active"), ("ControlAvailable", "false")])
def test_worker_is_a_joined_worker(workers, field, expected):
    for worker in workers:
        assert worker.check_output("docker info --format '{{.Swarm.%s}}'" % field) == expected


def test_health_module_reports_healthy(manager):
    result = manager.ansible(
        "homelab.swarm.swarm_health",
        "expected_nodes=manager1,worker1 wait_timeout=30",
        check=False,
    )
    assert result["healthy"] is True, result
    assert result["summary"]["leader"] == "manager1"
    assert result["summary"]["ready"] == 2
    assert result["summary"]["missing"] == []
    assert result.get("changed") is False


def test_health_module_names_a_missing_node(manager):
    result = manager.ansible(
        "homelab.swarm.swarm_health",
        "expected_nodes=manager1,worker1,worker9 fail_on_unhealthy=false",
        check=True,
    )
    assert result["healthy"] is False
    assert result["summary"]["missing"] == ["worker9"]
    assert any("worker9" in problem for problem in result["problems"]), result["problems"]


def test_worker_rejoins_after_leaving_without_leaking_tokens(manager, workers, tmp_path):
    """A worker that left (as after a reinstall) rejoins on the next run, its stale entry is
    removed, and no join token appears in a -vvv log of that run."""
    worker = workers[0]
    tokens = [manager.check_output("docker swarm join-token -q %s" % kind) for kind in ("worker", "manager")]
    worker.check_output("docker swarm leave --force")
    log = tmp_path / "rejoin.log"
    inventory = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    # The installed collection's playbook, as converge runs it (not the checkout's, which may differ).
    playbook = "homelab.swarm.site"
    # After side_effect.yml, with the settings its converges used: the run then only rejoins the
    # worker, rather than also rolling the engines and the web service back.
    settings = []
    for name in ("hsw-rolling-vars.yml", "hsw-side-effect-vars.yml"):
        path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], name)
        if os.path.exists(path):
            settings += ["-e", "@" + path]
    with open(log, "w") as out:
        run = subprocess.run(
            ["ansible-playbook", "-i", inventory, playbook, "-vvv", *settings],
            stdout=out, stderr=subprocess.STDOUT, check=False,
        )
    text = log.read_text()
    assert run.returncode == 0, text[-3000:]
    # swarm_join_tokens_rotate (host_vars): the tokens used by this run's join are gone.
    rotated = [manager.check_output("docker swarm join-token -q %s" % kind) for kind in ("worker", "manager")]
    assert all(old != new for old, new in zip(tokens, rotated)), "the join tokens were not rotated"
    assert "Join tokens | Rotate the join tokens after this run's joins" in text
    unlock_key = manager.check_output("docker swarm unlock-key -q")
    for secret in tokens + rotated + [unlock_key]:
        assert secret not in text
    assert "SWMTKN-" not in text and "SWMKEY-" not in text
    # As on real hosts: over SSH, as the admin user, with sudo.
    for address in ("192.168.214.11", "192.168.214.21"):
        assert "<%s> ESTABLISH SSH CONNECTION FOR USER: deploy" % address in text
    assert "FOR USER: root" not in text and "community.docker.docker" not in text
    assert re.search(r"sudo -H -S -n\s+-u root", text), "the tasks did not become root with sudo"
    assert worker.check_output("docker info --format '{{.Swarm.LocalNodeState}}'") == "active"
    hostnames = [n["Hostname"] for n in node_list(manager)]
    assert sorted(hostnames) == ["manager1", "worker1"], "stale entry left: %s" % hostnames
