"""Issue #4: the cluster changes by inventory edit, and every change converges, is idempotent and
keeps the stack running. The tests run in order, each step on the swarm the one before left."""

import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import time

import yaml

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


# Stops the engine as an admin would on a systemd host; its socket too, or the next docker command
# would start it again through socket activation.
STOP_ENGINE = "systemctl stop docker.socket docker.service"


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
    lab.docker(MANAGER1, STOP_ENGINE)
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
        lab.docker(MANAGER1, "systemctl start docker")

    last = {}

    def healthy():
        last.update(lab.health(WORKER1, ALL3, require_active="false"))
        return dict(last) if last.get("healthy") else None

    try:
        # A manager's engine rejoins Raft in seconds on a quiet machine; two lanes of molecule load
        # once took it past 90 s.
        back = wait_for("manager1 to be back", healthy, timeout=180)
    except AssertionError as error:
        raise AssertionError("%s; last health: %s" % (error, last.get("problems") or last)) from None
    assert back["summary"]["unreachable_managers"] == []
    # Its web task stopped with the engine; the swarm starts it again on manager1 (the only free node).
    wait_for("the web service to run two tasks again", lambda: len(lab.web_tasks()) == 2)


def test_demote_by_inventory_and_rejoin_a_reinstalled_manager(lab):
    """Back to one manager: worker1 is demoted; worker2, a manager whose engine state is wiped first
    (as by a reinstall), joins again as a worker and its stale manager entry is demoted and removed;
    worker2 is active again; the web tasks do not move. (The full run at the end of the next test is
    this change's second run.)"""
    old_id = lab.node_inspect("worker2")["ID"]
    lab.docker(WORKER2, STOP_ENGINE + " && rm -rf /var/lib/docker/swarm && systemctl start docker")

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


def test_a_worker_engine_stopped_with_systemctl_is_started_again_by_site(lab):
    """worker2's engine is stopped through systemd: the health module names it Down, a run that
    leaves it out fails naming it, and the next full run starts it again through systemd."""
    lab.docker(WORKER2, STOP_ENGINE)
    try:
        def down():
            result = lab.health(MANAGER1, ALL3)
            down = [p for p in result.get("problems", []) if p.startswith("worker2: status Down")]
            return result if down else None

        result = wait_for("the health module to report worker2 Down", down)
        assert result["healthy"] is False
        assert [n["status"] for n in result["nodes"] if n["hostname"] == "worker2"] == ["Down"]
        # The problem says why and since when, as Docker reports it.
        assert any(re.match(r"worker2: status Down \((?:.+, )?since \d\d:\d\d:\d\d UTC, \d+ s ago\)$", p)
                   for p in result["problems"]), result["problems"]
        # As one would for a lost host: worker2 left out of the run.
        rc, out, _err = lab.play("site", "--limit", MANAGER1, "-e", "swarm_health_check_wait_timeout=5")
        assert rc != 0
        assert "worker2: status Down" in out, out[-3000:]
        assert lab.docker(WORKER2, "systemctl is-active docker || true") == "inactive"
    except BaseException:
        lab.docker(WORKER2, "systemctl start docker")
        raise
    out, _recap = lab.converge()
    started = task_results(out, "homelab.swarm.docker : Docker | Start the engine and enable it at boot")
    assert started == ["changed: [%s]" % WORKER2], started
    assert lab.docker(WORKER2, "systemctl is-active docker") == "active"
    lab.assert_no_change()
    lab.assert_nodes_match_inventory()
    assert lab.health(MANAGER1, ALL3)["healthy"] is True


def test_a_network_in_use_is_never_recreated_and_an_unused_one_is(lab):
    """The inventory asks for a new subnet on a network the lab's services use: deploy.yml refuses,
    naming the network, the change and its users, before anything changes. A new label on the unused
    network is applied by recreating it, and the original definitions bring it back."""
    class Loader(yaml.SafeLoader):
        pass  # the file's vault values are not needed here
    Loader.add_constructor("!vault", lambda loader, node: None)
    with open(os.path.join(lab.vars_dirs["group_vars"], "all", "stack.yml")) as handle:
        original = yaml.load(handle, Loader=Loader)["swarm_networks_overlays"]

    def deploy(networks):
        return lab.play("deploy", "-e", json.dumps({"swarm_networks_overlays": networks}))

    def inspect(name):
        return json.loads(lab.docker(MANAGER1, "docker network inspect --format '{{json .}}' " + name))

    before, tasks = inspect("internal-network"), lab.web_tasks()
    moved = [dict(net, subnet="10.0.9.0/24") if net["name"] == "internal-network" else net for net in original]
    rc, out, _recap = deploy(moved)
    assert rc != 0, out[-3000:]
    assert re.search(r"Network internal-network: the inventory asks for subnet 10\.0\.2\.0/24 -> 10\.0\.9\.0/24, "
                     r"which Docker can only apply by removing and creating it again, but it is used by service lab_\w+",
                     out), out[-3000:]
    assert "Nothing was changed" in out
    assert inspect("internal-network")["Id"] == before["Id"]
    assert lab.web_tasks() == tasks

    old_id = inspect("vault-network")["Id"]
    labelled = [dict(net, labels={"io.homelab.test": "yes"}) if net["name"] == "vault-network" else net
                for net in original]
    rc, out, _recap = deploy(labelled)
    assert rc == 0, out[-3000:]
    # The callback may print the message as JSON (quotes escaped) or as YAML (long lines folded).
    flat = " ".join(out.replace('\\"', '"').split())
    assert 'Recreating vault-network, which nothing uses: labels {} -> {"io.homelab.test": "yes"}.' in flat, out[-3000:]
    recreated = inspect("vault-network")
    assert recreated["Id"] != old_id and recreated["Labels"] == {"io.homelab.test": "yes"}, recreated
    assert recreated["IPAM"]["Config"][0]["Subnet"] == "10.0.4.0/24" and "encrypted" in recreated["Options"]

    rc, out, _recap = deploy(original)
    assert rc == 0, out[-3000:]
    assert not inspect("vault-network")["Labels"]
    assert inspect("internal-network")["Id"] == before["Id"]


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
    """The reset takes the stacks down, then each node out, a second manager (promoted by hand,
    outside the inventory's roles) demoted first through swarm_leave, and it waits in modules: no
    task is retried in a loop."""
    rc, out, _err = lab.play("reset")
    assert rc != 0 and "Not confirmed: nothing was changed" in out, out[-3000:]
    assert lab.service_replicas()["lab_web"].startswith("2/2")
    in_swarm = [host for host in HOSTNAMES if host != MANAGER1
                and lab.docker(host, "docker info --format '{{.Swarm.LocalNodeState}}'") == "active"]
    assert len(in_swarm) == 1, in_swarm
    lab.docker(MANAGER1, "docker node promote " + HOSTNAMES[in_swarm[0]])
    assert lab.node_inspect(HOSTNAMES[in_swarm[0]])["Spec"]["Role"] == "manager"

    rc, out, recap = lab.play("reset", "-e", "swarm_reset_confirm=true")
    assert rc == 0, out[-4000:]
    assert "FAILED - RETRYING" not in out, out[-4000:]
    demoted = task_results(out, "homelab.swarm.swarm_leave : Leave | Demote the node")
    assert demoted and any(line.startswith("changed:") for line in demoted), out[-4000:]
    knows = task_results(out, "homelab.swarm.swarm_leave : Leave | Wait until the node knows it is a worker")
    assert knows and [line.split(":")[0] for line in knows] == ["ok"], out[-4000:]
    stopped = task_results(out, "homelab.swarm.swarm_reset : Reset | Wait until no container of the stacks runs on the node")
    assert [line.split(":")[0] for line in stopped or []].count("ok") == 2, out[-4000:]
    for host in HOSTNAMES:
        state = lab.docker(host, "docker info --format '{{.Swarm.LocalNodeState}}'")
        assert state == "inactive", "%s is still %s" % (host, state)
        assert lab.docker(host, "docker ps -q --filter label=com.docker.stack.namespace=lab") == ""

    rc, out, recap = lab.play("reset", "-e", "swarm_reset_confirm=true")
    assert rc == 0, out[-4000:]
    assert not [h for h, counts in recap.items() if counts["changed"]], recap


# The example stack's image, nginx:1.27-alpine, cannot be pulled here: a stand-in serving a page on
# port 80 is built from the lab's busybox image and saved under that name (the engine only ever
# holds it as hsw-example-web:1).
STAND_IN = 'FROM hsw-busybox:1\nCMD ["sh", "-c", "echo hello > /www/index.html && exec httpd -f -p 80 -h /www"]\n'


def stand_in_tarball(directory):
    subprocess.run(["docker", "build", "-q", "-t", "hsw-example-web:1", "-"], input=STAND_IN, text=True, check=True,
                   stdout=subprocess.DEVNULL, env=dict(os.environ, DOCKER_BUILDKIT="0"))
    saved = os.path.join(directory, "saved.tar")
    subprocess.run(["docker", "save", "-o", saved, "hsw-example-web:1"], check=True)
    subprocess.run(["docker", "image", "rm", "hsw-example-web:1"], check=True, stdout=subprocess.DEVNULL)
    tarball = os.path.join(directory, "nginx.tar")
    with tarfile.open(saved) as source, tarfile.open(tarball, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name in ("manifest.json", "repositories"):
                content = json.loads(data.read())
                if member.name == "manifest.json":
                    content[0]["RepoTags"] = ["nginx:1.27-alpine"]
                else:
                    content = {"nginx": {"1.27-alpine": next(iter(content["hsw-example-web"].values()))}}
                raw = json.dumps(content).encode()
                member.size = len(raw)
                data = io.BytesIO(raw)
            target.addfile(member, data)
    return tarball


def test_the_starter_inventory_builds_a_swarm_on_bare_engines(lab, tmp_path):
    """The README's "From two bare machines": inventories/example copied, its two addresses and its
    user edited and nothing else, site.yml run over SSH with sudo against the hosts reset.yml left
    (engines installed, no swarm), then run again. Two lab-only settings are given with -e: Debian's
    docker.io (no docker-ce repository is reachable here) and the stand-in for the stack's image."""
    project = os.environ["MOLECULE_PROJECT_DIRECTORY"]
    home = tmp_path / "inventories" / "home"
    shutil.copytree(os.path.join(project, "inventories", "example"), str(home))
    shutil.copytree(os.path.join(project, "stacks", "example"), str(tmp_path / "stacks" / "example"))
    hosts = (home / "hosts.yml").read_text()
    hosts = hosts.replace("192.0.2.10", lab.address(MANAGER1)).replace("192.0.2.11", lab.address(WORKER1))
    (home / "hosts.yml").write_text(hosts)
    settings = home / "group_vars" / "all.yml"
    settings.write_text(settings.read_text().replace("ansible_user: admin", "ansible_user: deploy"))
    # swarm_stack_images: the name swarm_images_tarballs had before the swarm_images role, still read.
    overrides = json.dumps({"docker_install_source": "distribution", "swarm_stack_images": [stand_in_tarball(str(tmp_path))]})
    # The controller's SSH settings, as ~/.ssh would hold them: the lab's key; new host keys.
    ssh = {"ANSIBLE_PRIVATE_KEY_FILE": lab.connections[MANAGER1]["ansible_ssh_private_key_file"],
           "ANSIBLE_HOST_KEY_CHECKING": "False"}

    rc, out, recap = lab.play("site", "-e", overrides, inventory=str(home), env=ssh)
    assert rc == 0, out[-4000:]
    assert sorted(recap) == ["manager1", "worker1"], recap
    nodes = lab.node_ls(via=MANAGER1)
    assert sorted((n["Hostname"], n["Status"], n["Availability"]) for n in nodes) == [
        ("manager1", "Ready", "Active"), ("worker1", "Ready", "Active")], nodes
    assert [n["Hostname"] for n in nodes if n["ManagerStatus"] == "Leader"] == ["manager1"]
    tasks = lab.docker(MANAGER1, "docker stack ps hello --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'")
    assert sorted(line.split()[0] for line in tasks.splitlines() if " Running " in line + " ") == ["manager1", "worker1"], tasks
    for host in (MANAGER1, WORKER1):
        page = lab.docker(MANAGER1, "curl -sf http://%s:8080/" % lab.address(host))
        assert page == "hello", (host, page)

    rc, out, recap = lab.play("site", "-e", overrides, inventory=str(home), env=ssh)
    assert rc == 0, out[-4000:]
    assert {host: counts["changed"] for host, counts in recap.items()} == {"manager1": 0, "worker1": 0}, out[-3000:]
    lab.starter = {"inventory": str(home), "overrides": overrides, "ssh": ssh}


def engine_stops_and_starts(lab, host, since):
    """[(epoch, 'stop' or 'start')] of the host's dockerd since `since`, from its journal."""
    out = lab.docker(host, "journalctl --unit docker.service --output short-unix --no-pager --since @%d "
                           "| grep -e \"Processing signal 'terminated'\" -e 'API listen on ' || true" % since)
    return [(float(line.split()[0]), "stop" if "Processing signal" in line else "start")
            for line in out.splitlines() if line.strip()]


def test_installing_firewalld_on_a_running_swarm_restarts_one_engine_at_a_time(lab):
    """firewalld empties the iptables tables when it starts, so each running engine must restart to
    put its rules back: the swarm_firewall role leaves that to the rolling restart (docker role input
    docker_restart_required), and no two engines are ever down together. The starter swarm keeps
    serving, and the next run changes nothing."""
    starter = getattr(lab, "starter", None)
    assert starter, "the starter inventory test did not leave its swarm"
    since = int(time.time())
    firewalld = ["-e", starter["overrides"], "-e", "swarm_firewall_install=firewalld"]
    rc, out, _recap = lab.play("site", *firewalld, inventory=starter["inventory"], env=starter["ssh"])
    assert rc == 0, out[-4000:]
    # firewalld's first start is waited for in the module, not in a loop that prints each attempt.
    assert "FAILED - RETRYING" not in out, out[-4000:]
    answered = task_results(out, "homelab.swarm.swarm_firewall : Firewall | Wait until firewalld answers")
    assert answered and [line.split(":")[0] for line in answered] == ["ok", "ok"], out[-4000:]
    assert "Restarting the engine of manager1" in out and "Restarting the engine of worker1" in out, out[-4000:]
    down = {}
    for host in (MANAGER1, WORKER1):
        events = engine_stops_and_starts(lab, host, since)
        assert [kind for _at, kind in events] == ["stop", "start"], (host, events)
        down[host] = (events[0][0], events[1][0])
        assert lab.docker(host, "firewall-cmd --state") == "running"
        assert "homelab-swarm" in lab.docker(host, "firewall-cmd --get-policies").split()
    (first_stop, first_start), (second_stop, second_start) = sorted(down.values())
    assert first_start <= second_stop, "two engines were down at once: %s" % down
    nodes = lab.node_ls(via=MANAGER1)
    assert sorted((n["Hostname"], n["Status"], n["Availability"]) for n in nodes) == [
        ("manager1", "Ready", "Active"), ("worker1", "Ready", "Active")], nodes
    for host in (MANAGER1, WORKER1):
        page = lab.docker(MANAGER1, "curl -sf http://%s:8080/" % lab.address(host))
        assert page == "hello", (host, page)
    rc, out, recap = lab.play("site", *firewalld, inventory=starter["inventory"], env=starter["ssh"])
    assert rc == 0, out[-4000:]
    assert {host: counts["changed"] for host, counts in recap.items()} == {"manager1": 0, "worker1": 0}, out[-3000:]
