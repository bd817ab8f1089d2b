"""Issue #4: the cluster changes by inventory edit, and every change converges, is idempotent and
keeps the stack running. The tests run in order, each step on the swarm the one before left."""

import time

from conftest import HOSTNAMES, MANAGED_KEY, MANAGER1, WORKER1, WORKER2, StackWatcher

ALL3 = ["manager1", "worker1", "worker2"]


def wait_for(what, check, timeout=90, interval=3):
    deadline = time.time() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(interval)


def test_converge_built_a_two_node_swarm_and_left_the_spare_alone(lab):
    lab.write_inventory([MANAGER1], [WORKER1], spare=[WORKER2])
    lab.assert_nodes_match_inventory()
    assert lab.nodes[WORKER2].run("command -v dockerd").rc != 0, "the spare host got Docker"
    assert lab.service_replicas()["lab_web"].startswith("2/2"), lab.service_replicas()


def test_add_a_worker_with_limit_alone(lab):
    """worker2 joins through a --limit run that contains no manager, gets its labels, and the health
    check expects it; the stack does not move; the full run after it changes nothing."""
    lab.write_inventory([MANAGER1], [WORKER1, WORKER2],
                        hostvars={WORKER2: {"swarm_node_labels": {"zone": "c", "tier": "web"}}})
    before = lab.web_tasks()
    with StackWatcher(lab) as watch:
        out, recap = lab.converge("--limit", WORKER2)
    assert sorted(recap) == [WORKER2], recap
    assert "PLAY [Swarm | Check that every inventory node is healthy]" in out
    lab.assert_nodes_match_inventory()
    labels = lab.node_inspect("worker2")["Spec"]["Labels"]
    assert labels == {"zone": "c", "tier": "web", MANAGED_KEY: "tier,zone"}, labels
    assert lab.web_tasks() == before, "the web tasks moved while a node was added"
    assert watch.samples and min(watch.samples) == 2, watch.samples

    lab.assert_no_change()
    replicas = lab.service_replicas()
    assert replicas["lab_agent"] == "3/3", replicas  # the global service reached the new node


def test_an_even_number_of_managers_is_refused_before_anything_changes(lab):
    lab.write_inventory([MANAGER1, WORKER1], [WORKER2],
                        hostvars={WORKER2: {"swarm_node_labels": {"zone": "c", "tier": "web"}}})
    rc, out, _err = lab.play("site")
    assert rc != 0
    assert "an even number of managers (2: %s, %s)" % (MANAGER1, WORKER1) in out, out[-3000:]
    assert "PLAY [Docker" not in out, "a play after preflight started"
    assert lab.node_inspect("worker1")["Spec"]["Role"] == "worker"


def test_labels_availability_and_promotion(lab):
    """One edit: worker1 and worker2 promoted (three managers), worker2's labels changed (one
    dropped, one changed, one added) and drained. A label set by hand is kept."""
    lab.docker(MANAGER1, "docker node update --label-add owner=ops worker2")
    lab.write_inventory([MANAGER1, WORKER1, WORKER2], [], hostvars={
        WORKER2: {"swarm_node_labels": {"zone": "d", "ssd": True}, "swarm_node_availability": "drain"}})
    before = lab.web_tasks()
    assert "worker2" not in before.values(), before  # worker2 joined last: the web tasks are elsewhere
    with StackWatcher(lab) as watch:
        lab.converge()
    nodes = lab.assert_nodes_match_inventory()
    assert sorted(n["ManagerStatus"] for n in nodes) == ["Leader", "Reachable", "Reachable"], nodes
    worker2 = lab.node_inspect("worker2")["Spec"]
    assert worker2["Labels"] == {"zone": "d", "ssd": "true", "owner": "ops", MANAGED_KEY: "ssd,zone"}, worker2
    assert worker2["Availability"] == "drain"
    running = lab.docker(MANAGER1, "docker node ps worker2 --filter desired-state=running -q")
    assert running == "", "tasks still run on the drained node: " + running
    assert lab.web_tasks() == before, "the web tasks moved"
    assert watch.samples and min(watch.samples) == 2, watch.samples

    lab.assert_no_change()


def task_results(out, title):
    """The result lines printed under one task of a playbook run; None when the task did not run
    (a task file included only when needed was not)."""
    lines = out.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("TASK [%s]" % title)]
    if not starts:
        return None
    block = []
    for line in lines[starts[0] + 1:]:
        if line.startswith(("TASK [", "PLAY [", "PLAY RECAP")):
            break
        if line.startswith(("ok:", "changed:", "fatal:", "skipping:")):
            block.append(line)
    return block


def test_any_reachable_manager_is_used_when_the_first_is_down(lab):
    """manager1 (first in the inventory, leader so far) has its engine stopped: a --limit run finds
    another manager, configures worker1 through it, and the health check names manager1."""
    lab.docker(MANAGER1, "service docker stop")
    try:
        rc, out, _err = lab.play("site", "--limit", WORKER1, "-e", "swarm_health_check_wait_timeout=15")
        assert rc != 0
        # A manager that stops is Unknown or Down, and Unreachable, until it is back.
        assert "manager1: manager Unreachable" in out, out[-3000:]
        assert "answered as a swarm manager" not in out, out[-3000:]
        # worker1's node already has its labels and availability, so its changes are not even
        # included (when something is applied, it goes through the manager that answered: worker1
        # itself or worker2).
        change = task_results(out, "homelab.swarm.swarm_nodes : Swarm nodes | Change the node's role, labels and availability")
        applied = task_results(out, "homelab.swarm.swarm_nodes : Swarm nodes | Apply the labels and the availability")
        assert (change, applied) == (["skipping: [%s]" % WORKER1], None) or applied in (
            ["skipping: [%s]" % WORKER1], ["changed: [%s]" % WORKER1], ["changed: [%s -> %s]" % (WORKER1, WORKER2)]), (change, applied)
        health = task_results(out, "homelab.swarm.swarm_health_check : Health | Wait until every inventory node is Ready and Active")
        assert health is not None and len(health) == 1 and MANAGER1 not in health[0], health
    finally:
        lab.docker(MANAGER1, "service docker start")

    def healthy():
        result = lab.health(WORKER1, ALL3, require_active="false")
        return result if result.get("healthy") else None

    assert wait_for("manager1 to be back", healthy)["summary"]["unreachable_managers"] == []
    # Its web task stopped with the engine; the swarm starts it again on manager1 (the only free node).
    wait_for("the web service to run two tasks again", lambda: len(lab.web_tasks()) == 2)


def test_demote_by_inventory_and_rejoin_a_reinstalled_manager(lab):
    """Back to one manager: worker1 is demoted; worker2, a manager whose engine state is wiped first
    (as by a reinstall), joins again as a worker and its stale manager entry is demoted and removed;
    worker2 is active again; the web tasks do not move. (The full run at the end of the next test is
    this change's second run.)"""
    old_id = lab.node_inspect("worker2")["ID"]
    lab.docker(WORKER2, "service docker stop && rm -rf /var/lib/docker/swarm && service docker start")

    def unreachable():
        # When worker2 led the managers, none answers until the other two have elected a leader.
        try:
            nodes = [n for n in lab.node_ls(via=MANAGER1) if n["ID"] == old_id]
        except AssertionError:
            return None
        return nodes and nodes[0]["ManagerStatus"] == "Unreachable"

    wait_for("worker2's old entry to be an unreachable manager", unreachable)
    lab.write_inventory([MANAGER1], [WORKER1, WORKER2], hostvars={
        WORKER2: {"swarm_node_labels": {"zone": "d", "ssd": True}}})
    before = lab.web_tasks()
    with StackWatcher(lab) as watch:
        lab.converge()
    nodes = lab.assert_nodes_match_inventory()  # one entry per host: the stale one is gone
    assert old_id not in [n["ID"] for n in nodes], nodes
    assert [n["Hostname"] for n in nodes if n["ManagerStatus"]] == ["manager1"], nodes
    worker2 = lab.node_inspect("worker2")["Spec"]
    assert worker2["Availability"] == "active"
    assert worker2["Labels"] == {"zone": "d", "ssd": "true", MANAGED_KEY: "ssd,zone"}, worker2
    assert lab.web_tasks() == before, "the web tasks moved"
    assert watch.samples and min(watch.samples) == 2, watch.samples


def test_a_worker_engine_stops_and_comes_back(lab):
    lab.docker(WORKER2, "service docker stop")
    try:
        def down():
            result = lab.health(MANAGER1, ALL3)
            return result if "worker2: status Down" in result.get("problems", []) else None

        result = wait_for("the health module to report worker2 Down", down)
        assert result["healthy"] is False
        assert [n["status"] for n in result["nodes"] if n["hostname"] == "worker2"] == ["Down"]
        # The docker role would restart the engine: leave worker2 out of the run, as one would for a lost host.
        rc, out, _err = lab.play("site", "--limit", MANAGER1, "-e", "swarm_health_check_wait_timeout=5")
        assert rc != 0
        assert "worker2: status Down" in out, out[-3000:]
    finally:
        lab.docker(WORKER2, "service docker start")
    lab.assert_no_change()
    lab.assert_nodes_match_inventory()
    assert lab.health(MANAGER1, ALL3)["healthy"] is True


def test_remove_node(lab):
    victim = [host for host, node in zip(HOSTNAMES, HOSTNAMES.values()) if node in lab.web_tasks().values()
              and host != MANAGER1]
    victim = victim[0] if victim else WORKER1  # a worker running a web task, to see it move

    rc, out, _err = lab.play("remove_node", "-e", "node=" + victim)
    assert rc != 0 and "Not confirmed: nothing was changed" in out, out[-3000:]
    rc, out, _err = lab.play("remove_node", "-e", "node=" + MANAGER1, "-e", "swarm_remove_confirm=true")
    assert rc != 0 and "the last reachable manager" in out, out[-3000:]
    assert lab.node_inspect("manager1")["Spec"]["Availability"] == "active"

    with StackWatcher(lab) as watch:
        rc, out, _err = lab.play("remove_node", "-e", "node=" + victim, "-e", "swarm_remove_confirm=true")
    assert rc == 0, out[-4000:]
    assert watch.samples and min(watch.samples) >= 1, watch.samples
    assert lab.docker(victim, "docker info --format '{{.Swarm.LocalNodeState}}'") == "inactive"
    tasks = lab.web_tasks()
    assert len(tasks) == 2 and HOSTNAMES[victim] not in tasks.values(), tasks

    rest = [h for h in (WORKER1, WORKER2) if h != victim]
    lab.write_inventory([MANAGER1], rest, spare=[victim], hostvars={
        WORKER2: {"swarm_node_labels": {"zone": "d", "ssd": True}}})
    lab.assert_nodes_match_inventory()
    lab.assert_no_change()


def test_reset(lab):
    rc, out, _err = lab.play("reset")
    assert rc != 0 and "Not confirmed: nothing was changed" in out, out[-3000:]
    assert lab.service_replicas()["lab_web"].startswith("2/2")

    rc, out, recap = lab.play("reset", "-e", "swarm_reset_confirm=true")
    assert rc == 0, out[-4000:]
    for host in HOSTNAMES:
        state = lab.docker(host, "docker info --format '{{.Swarm.LocalNodeState}}'")
        assert state == "inactive", "%s is still %s" % (host, state)
        assert lab.docker(host, "docker ps -q --filter label=com.docker.stack.namespace=lab") == ""

    rc, out, recap = lab.play("reset", "-e", "swarm_reset_confirm=true")
    assert rc == 0, out[-4000:]
    assert not [h for h, counts in recap.items() if counts["changed"]], recap
