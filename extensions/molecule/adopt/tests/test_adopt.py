"""site.yml adopted the swarm and the dev stack made by hand: nothing that ran was replaced."""

import json


def running(manager, service):
    out = manager.check_output("docker service ps -q --filter desired-state=running %s" % service)
    return out.split()


def test_the_swarm_kept_its_id(manager, before):
    assert manager.check_output("docker info --format '{{.Swarm.Cluster.ID}}'") == before["swarm"]


def test_both_nodes_are_in_the_one_swarm(manager):
    nodes = [json.loads(line) for line in manager.check_output("docker node ls --format '{{json .}}'").splitlines()]
    assert sorted((n["Hostname"], n["Status"], n["Availability"]) for n in nodes) == [
        ("manager1", "Ready", "Active"), ("worker1", "Ready", "Active")]


def test_the_hand_made_stack_kept_its_tasks(manager, before):
    now = sorted(running(manager, "dev_auth-server") + running(manager, "dev_redis"))
    assert len(now) == 2
    assert now == sorted(before["tasks"]), "a task of the hand-made stack was replaced"


def test_the_networks_are_the_same(manager, before):
    now = sorted(manager.check_output("docker network ls -q --filter name=auth-server").split()
                 + manager.check_output("docker network ls -q --filter name=internal-network").split())
    assert now == sorted(before["networks"])


def test_the_volume_kept_its_data(manager):
    container = manager.check_output("docker ps -q --filter label=com.docker.swarm.service.name=dev_auth-server")
    assert manager.check_output("docker exec %s cat /data/marker" % container) == "kept-by-hand"


def test_the_stack_is_now_kept_by_the_collection(manager):
    kept = manager.file("/opt/homelab-swarm/stacks/dev/docker-compose.yml")
    assert kept.exists
    assert "REDIS_PASSWORD: ${REDIS_PASSWORD}" in kept.content_string
    # The inventory's other stack came up beside it.
    assert len(running(manager, "lab_web")) == 2
