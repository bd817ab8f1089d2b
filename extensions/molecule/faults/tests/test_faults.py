"""Faults (issue 18): runs killed at named points (remove_node's included), two runs at once, a partitioned
worker, a manager lost mid-deploy, removing a node whose tasks cannot move. After each, the next run repairs
what was left, nothing that ran is lost, and the run after the repair changes nothing. The tests run in
order (-x): the first ones build the swarm from bare nodes.
"""

import json
import re
import time

from conftest import MANAGER, WORKER, wait_until

SEEN = {}


def engine_active(node):
    return node.run("systemctl is-active docker").stdout.strip() == "active"


def test_a_run_killed_while_the_engines_install_is_repaired(lab):
    run = lab.start("site", stop_at="Docker | Install the engine and the Python Docker SDK", mode="mark")
    run.reached()
    # The package manager is at work on the worker when the controller dies.
    wait_until("dpkg running on the worker", lambda: lab.worker.run("pgrep -x dpkg || pgrep -f apt-get").rc == 0,
               timeout=120, every=0.1)
    run.kill()
    SEEN["install_left"] = lab.worker.run("dpkg --audit").stdout.strip()
    print("dpkg --audit on the worker right after the kill: %r" % SEEN["install_left"])


def test_a_run_killed_between_init_and_join_is_repaired(lab):
    run = lab.start("site", stop_at="Swarm | Join the workers", mode="kill")
    run.wait()
    assert run.reached().endswith("Swarm | Join the workers")
    assert lab.swarm_state(lab.manager) == "active"
    assert lab.swarm_state(lab.worker) == "inactive"
    SEEN["swarm"] = lab.swarm_id()


def test_the_next_run_builds_one_swarm_and_the_run_after_changes_nothing(lab):
    lab.converge()
    assert lab.worker.run("dpkg --audit").stdout.strip() == "", "dpkg was left half-configured"
    assert lab.swarm_id() == SEEN["swarm"], "a second swarm was made"
    lab.wait_healthy()
    lab.assert_no_change()
    SEEN["starts"] = lab.auth_starts()


def test_a_second_run_waits_for_the_first_and_names_it(lab):
    holder = lab.start("site", stop_at="Firewall | Open the swarm ports", mode="hold")
    holder.reached()
    rc, out, _recap = lab.play("deploy", "-e", "swarm_run_lock_wait_timeout=4")
    assert rc != 0
    assert "Another run holds the lock /run/homelab-swarm/run.lock on manager1: site by" in out, out[-3000:]
    assert "process %d" % holder.proc.pid in out
    assert "Nothing was changed" in out
    holder.kill()
    # The holder is gone (same controller): the next run takes the lock over at once and says so.
    out, _recap = lab.converge(playbook="deploy")
    assert "took over the run lock" in out and "has ended without releasing it" in out, out[-3000:]
    assert lab.manager.run("test -e /run/homelab-swarm/run.lock").rc != 0, "the lock was not released"


def test_a_stale_lock_of_another_machine_is_taken_over(lab):
    lab.manager.check_output(
        "echo '%s' > /run/homelab-swarm/run.lock" % json.dumps(
            {"run": "ci-runner:77:1", "controller": "ci-runner", "user": "runner", "pid": 77, "run_name": "deploy",
             "since": int(time.time()) - 7200}))
    out, _recap = lab.converge(playbook="deploy")
    assert "from deploy by runner@ci-runner" in out and "more than stale_after (3600 s)" in out, out[-3000:]


def test_a_rolling_restart_killed_while_a_node_is_drained_is_repaired(lab):
    options = '{"docker_daemon_options": {"log-driver": "json-file", "log-opts": {"max-size": "11m"}}}'
    run = lab.start("site", "-e", options, stop_at="Rolling restart | Wait until every service runs a task on another",
                    mode="kill")
    run.wait()
    run.reached()
    left = [n for n in lab.node_ls() if n["Availability"] != "Active"]
    assert left, "no node was left drained: %s" % lab.node_ls()
    out, _recap = lab.converge("-e", options)
    for node in left:
        assert "%s was %s" % (node["Hostname"], node["Availability"].lower()) in out, out[-3000:]
    lab.assert_healthy()
    for node in lab.nodes.values():
        assert json.loads(node.check_output("cat /etc/docker/daemon.json"))["log-opts"]["max-size"] == "11m"
    lab.assert_no_change("-e", options)
    SEEN["options"] = options


def test_a_rolling_restart_killed_while_an_engine_is_stopped_is_repaired(lab):
    options = '{"docker_daemon_options": {"log-driver": "json-file", "log-opts": {"max-size": "12m"}}}'
    run = lab.start("site", "-e", options, stop_at="Rolling restart | Pause the node", mode="mark")
    run.reached()
    down = wait_until("an engine stopped", lambda: [n for n, node in lab.nodes.items() if not engine_active(node)],
                      timeout=300, every=0.1)
    run.kill()
    print("killed while the engine of %s was stopped" % down)
    out, _recap = lab.converge("-e", options)
    lab.assert_healthy()
    lab.assert_no_change("-e", options)
    SEEN["options"] = options


def test_a_deploy_killed_during_a_config_rotation_is_repaired(lab):
    greeting = "-e lab_web_greeting=rotated".split()
    run = lab.start("deploy", *greeting, stop_at="Stack | Deploy stack lab", mode="mark")
    run.reached()
    wait_until("lab_web rolling to its new config", lambda: '"updating"' in lab.manager.run(
        "docker service inspect lab_web --format '{{json .UpdateStatus.State}}'").stdout, timeout=120, every=0.1)
    run.kill()
    lab.assert_configs_of_services_exist()
    lab.converge(*greeting, playbook="deploy")
    lab.assert_configs_of_services_exist()
    lab.assert_healthy()
    served = lab.manager.check_output("docker exec $(docker ps -q --filter label=com.docker.swarm.service.name=lab_web"
                                      " | head -1) cat /www/greeting.txt")
    assert served == "rotated"
    lab.assert_no_change(*greeting, playbook="deploy")
    SEEN["greeting"] = greeting


def test_a_partitioned_worker_is_named_and_nothing_else_changes(lab):
    # The address the swarm knows the manager by (hostname -I lists docker0's first).
    manager_ip = lab.manager.check_output("docker info --format '{{.Swarm.NodeAddr}}'")
    rules = ["INPUT -s %s -j DROP" % manager_ip, "OUTPUT -d %s -j DROP" % manager_ip]
    try:
        for rule in rules:
            lab.worker.check_output("iptables -I " + rule)
        wait_until("the manager to see worker1 Down", lambda: any(
            n["Hostname"] == "worker1" and n["Status"] == "Down" for n in lab.node_ls()), timeout=120, every=2)
        # The health check's wait cut from 120 s: the worker stays cut off for as long as the test says.
        rc, out, recap = lab.play("site", "-e", SEEN["options"], *SEEN["greeting"],
                                  "-e", "swarm_health_check_wait_timeout=20")
        assert rc != 0
        assert "worker1: status Down (heartbeat failure, since " in out, out[-3000:]
        assert recap[MANAGER]["changed"] == 0 and recap[WORKER]["changed"] == 0, recap
    finally:
        for rule in rules:
            lab.worker.run("iptables -D " + rule)
    lab.wait_healthy(timeout=180)
    lab.converge("-e", SEEN["options"], *SEEN["greeting"])
    nodes = {line.split()[0] for line in lab.manager.check_output(
        "docker service ps lab_web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'").splitlines()}
    assert nodes == {"manager1", "worker1"}, nodes


def test_a_manager_lost_mid_deploy_fails_naming_it_and_the_next_run_converges(lab):
    swarm = lab.swarm_id()
    greeting = "-e lab_web_greeting=lost-manager".split()
    run = lab.start("deploy", *greeting, stop_at="Stack | Deploy stack lab", mode="mark")
    run.reached()
    wait_until("lab_web rolling", lambda: '"updating"' in lab.manager.run(
        "docker service inspect lab_web --format '{{json .UpdateStatus.State}}'").stdout, timeout=120, every=0.1)
    lab.manager.check_output("systemctl stop docker.socket docker.service")
    rc, out = run.wait()
    assert rc != 0
    assert re.search(r"Stack lab: lost the engine on manager1 while (deploying|waiting for) [^:]*lab_web", out), out[-3000:]
    # The failed deploy released its lock on the way out (deploy.yml's always), engine or not.
    assert lab.manager.run("test -e /run/homelab-swarm/run.lock").rc != 0, "the failed deploy left its lock"
    lab.manager.check_output("systemctl start docker.service")
    lab.converge("-e", SEEN["options"], *greeting)
    assert lab.swarm_id() == swarm, "a second swarm was made"
    lab.assert_healthy()
    lab.assert_configs_of_services_exist()
    lab.assert_no_change("-e", SEEN["options"], *greeting)


def test_a_remove_node_whose_tasks_cannot_move_stops_before_the_node_leaves(lab):
    # Two web tasks, at most one per node: with the worker drained, one of them has nowhere to run.
    remove = ("-e", "node=" + WORKER, "-e", "swarm_remove_confirm=true", "-e", "swarm_remove_wait_timeout=20")
    rc, out, _recap = lab.play("remove_node", *remove)
    text = " ".join(out.split())
    assert rc != 0, out[-3000:]
    assert re.search(r"%s is drained, but after \d+ seconds these services still do not run all their tasks on other "
                     r"nodes: [^.]*lab_web: 1/2 running \(max 1 per node\)" % WORKER, text), out[-3000:]
    assert "It was not removed" in text, out[-3000:]
    # The refusal came before the leave: the worker is still a node, drained, and its engine in the swarm.
    nodes = {n["Hostname"]: n for n in lab.node_ls()}
    assert sorted(nodes) == ["manager1", "worker1"], nodes
    assert nodes["worker1"]["Availability"] == "Drain", nodes
    assert lab.swarm_state(lab.worker) == "active"
    # site.yml gives the worker its availability back, and the web service its second task.
    lab.converge("-e", SEEN["options"], *SEEN["greeting"])
    lab.wait_healthy()
    lab.assert_no_change("-e", SEEN["options"], *SEEN["greeting"])


def test_a_remove_node_killed_before_the_node_leaves_is_finished_by_the_next_run(lab):
    # One web task: the manager alone has room for every task of the stacks once the worker is drained.
    lab.converge("-e", "lab_web_replicas=1", *SEEN["greeting"], playbook="deploy")
    remove = ("-e", "node=" + WORKER, "-e", "swarm_remove_confirm=true")
    run = lab.start("remove_node", *remove, stop_at="Leave | Make the node leave the swarm", mode="kill")
    run.wait()
    run.reached()
    nodes = {n["Hostname"]: n for n in lab.node_ls()}
    assert nodes["worker1"]["Availability"] == "Drain", nodes
    assert lab.swarm_state(lab.worker) == "active", "the worker left before the kill"
    out, _recap = lab.converge(*remove, playbook="remove_node")
    assert "%s left swarm %s" % (WORKER, SEEN["swarm"]) in " ".join(out.split()), out[-3000:]
    assert [n["Hostname"] for n in lab.node_ls()] == ["manager1"], lab.node_ls()
    assert lab.swarm_state(lab.worker) == "inactive"
    lab.assert_services_run_their_tasks()
    lab.assert_configs_of_services_exist()
    out, recap = lab.converge(*remove, playbook="remove_node")
    assert "is not a node of swarm" in out and "nothing to do" in out, out[-3000:]
    assert not any(counts["changed"] for counts in recap.values()), recap
    # Still in the inventory: site.yml joins it again, and the web service gets its two tasks back.
    lab.converge("-e", SEEN["options"], *SEEN["greeting"])
    lab.wait_healthy()
    assert lab.swarm_id() == SEEN["swarm"]
    lab.assert_no_change("-e", SEEN["options"], *SEEN["greeting"])


def test_the_volume_kept_its_data_through_every_fault(lab):
    assert lab.manager.run("docker volume inspect dev_auth-data").rc == 0
    assert lab.auth_starts() > SEEN["starts"], "the counter went back: the volume's data was lost"
