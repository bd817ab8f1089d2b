"""deploy.yml as a CI job runs it: through the manager alone, from a registry with a login.

The tests run in order (molecule runs pytest with -x), each from the state the one before left.
"""

import json
import os
import random
import subprocess
import time

from conftest import EPHEMERAL


def tasks(manager, service):
    out = manager.check_output(
        "docker service ps --no-trunc --filter desired-state=running --format '{{json .}}' %s" % service)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def served(host, within=60):
    """What the web task on this node serves, once one runs there.

    A rollback is reported complete when swarm has put the old spec back; the
    replacement container may still be starting, so this waits for it.
    """
    deadline = time.monotonic() + within
    while True:
        containers = host.check_output(
            "docker ps -q --filter status=running --filter label=com.docker.swarm.service.name=web_web").split()
        if len(containers) == 1:
            page = host.run("docker exec %s cat /www/index.html" % containers[0])
            if page.rc == 0:
                return page.stdout.strip()
        assert time.monotonic() < deadline, "no single web_web container runs on %s: %s" % (host, containers)
        time.sleep(2)


def web_image(manager):
    return manager.check_output("docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' web_web")


def test_the_worker_pulled_its_image_from_the_registry(manager, worker):
    assert sorted(t["Node"] for t in tasks(manager, "web_web")) == ["manager1", "worker1"]
    # Pulled by the digest the manager resolved, so listed without a tag.
    assert "hsw-mol6-registry:5000/hsw-web" in worker.check_output("docker images --format '{{.Repository}}'").split()
    assert served(worker) == "v1" and served(manager) == "v1"


def test_site_run_by_a_user_whose_sudo_asks_for_a_password_with_K_changes_nothing(play, manager, worker):
    """The README's -K: an admin user whose sudo asks for the password, as on most servers."""
    password = "op-%06d" % random.randrange(10 ** 6)
    for node in (manager, worker):
        node.check_output(
            "id hswop >/dev/null 2>&1 || useradd --create-home --shell /bin/bash hswop; echo 'hswop:%s' | chpasswd;"
            " install -d -o hswop -g hswop -m 0700 ~hswop/.ssh;"
            " install -o hswop -g hswop -m 0600 ~deploy/.ssh/authorized_keys ~hswop/.ssh/authorized_keys;"
            " echo 'hswop ALL=(ALL) ALL' > /etc/sudoers.d/hswop; chmod 0440 /etc/sudoers.d/hswop" % password)
    as_hswop = ("-e", "ansible_user=hswop")
    without = play("site", *as_hswop)
    assert without.rc != 0 and "sudo asks hswop for a password: run again with -K" in without.flat, without.output[-3000:]
    run = play("site", *as_hswop, "-K", become_password=password)
    assert run.rc == 0, run.output[-4000:]
    assert {"hsw-mol6-manager1", "hsw-mol6-worker1"} <= set(run.recap), run.output[-3000:]
    assert not any(run.recap.values()), "the run as hswop changed %s" % run.recap
    assert password not in run.output


def test_a_newer_manager_than_worker_and_the_health_module_names_the_skew(manager):
    """molecule.yml: the manager runs Docker 28.5 (Debian forky), the worker 26.1 (trixie)."""
    versions = {node["Hostname"]: node["EngineVersion"] for node in (
        json.loads(line) for line in manager.check_output("docker node ls --format '{{json .}}'").splitlines())}
    assert versions["manager1"].startswith("28.5.") and versions["worker1"].startswith("26.1."), versions
    health = manager.ansible("homelab.swarm.swarm_health", "expected_nodes=manager1,worker1 fail_on_unhealthy=false",
                             check=False)
    assert health["healthy"], health.get("problems")
    assert health["summary"]["version_skew"] is True
    assert health["summary"]["engine_versions"] == [versions["worker1"], versions["manager1"]]
    strict = manager.ansible("homelab.swarm.swarm_health",
                             "expected_nodes=manager1,worker1 fail_on_unhealthy=false fail_on_version_skew=true", check=False)
    assert not strict["healthy"] and any("engine version skew" in problem for problem in strict["problems"]), strict


def test_a_new_tag_rolls_through_the_manager_alone(play, manager, worker, registry_password):
    run = play("deploy", "--limit", "hsw-mol6-manager1", "-e", "hsw_web_tag=2", "-vvv", broken_worker=True)
    assert run.rc == 0, run.output[-4000:]
    assert list(run.recap) == ["hsw-mol6-manager1"], "only the manager was contacted: %s" % run.recap
    assert "<192.168.217.21>" not in run.output, "the worker was contacted"
    assert "<192.168.217.11> ESTABLISH SSH CONNECTION FOR USER: deploy" in run.output
    assert "FOR USER: root" not in run.output
    for play_name in ("Firewall", "Docker", "Swarm |"):
        assert "PLAY [%s" % play_name not in run.output
    assert served(manager) == "v2" and served(worker) == "v2"
    assert registry_password not in run.output, "the registry password is in the -vvv log"
    assert "hsw-mol6-registry:5000/hsw-web:2" in web_image(manager)


def test_the_same_deploy_again_changes_nothing(play):
    run = play("deploy", "-e", "hsw_web_tag=2", broken_worker=True)
    assert run.rc == 0, run.output[-4000:]
    assert run.recap == {"hsw-mol6-manager1": 0}, run.output[-3000:]


def test_an_inventory_of_the_manager_alone_will_do(play):
    run = play("deploy", "-e", "hsw_web_tag=2", manager_only=True)
    assert run.rc == 0, run.output[-4000:]
    assert run.recap == {"hsw-mol6-manager1": 0}


def test_only_the_stacks_named_are_deployed(play, manager):
    before = sorted(t["ID"] for t in tasks(manager, "lab_web"))
    run = play("deploy", "-e", '{"swarm_deploy_stacks": ["web"], "hsw_web_tag": "1"}', manager_only=True)
    assert run.rc == 0, run.output[-4000:]
    assert "Deploy stack web" in run.output and "Deploy stack lab" not in run.output
    assert sorted(t["ID"] for t in tasks(manager, "lab_web")) == before
    assert served(manager) == "v1"
    unknown = play("deploy", "-e", '{"swarm_deploy_stacks": ["nope"]}', manager_only=True)
    assert unknown.rc != 0 and "No stack nope in swarm_stacks" in unknown.flat


def test_a_wrong_password_fails_before_the_deploy_naming_the_registry(play, manager):
    wrong = "wrong-%06d" % random.randrange(10 ** 6)
    extra = json.dumps({"hsw_web_tag": "2", "swarm_registries": [
        {"url": "hsw-mol6-registry:5000", "username": "hsw", "password": wrong}]})
    run = play("deploy", "-e", extra, "-vvv", manager_only=True)
    assert run.rc != 0
    assert "Cannot log in to registry hsw-mol6-registry:5000" in run.flat, run.output[-3000:]
    assert wrong not in run.output
    assert "TASK [homelab.swarm.swarm_stack : Stack | Deploy stack" not in run.output
    assert served(manager) == "v1", "nothing was deployed"


def repush(tag, content):
    """Pushes new content under an existing tag of the registry, from this machine's engine."""
    with open(os.path.join(EPHEMERAL, "hsw-registry-address")) as handle:
        registry = handle.read().strip()
    env = dict(os.environ, DOCKER_CONFIG=os.path.join(EPHEMERAL, "docker-config"))
    script = (
        "set -e; docker rm -f hsw-mol6-build >/dev/null 2>&1 || true;"
        "docker run --name hsw-mol6-build hsw-busybox:1 sh -c 'echo %s > /www/index.html; echo ok > /www/healthy';"
        "docker commit hsw-mol6-build %s/hsw-web:%s >/dev/null; docker rm hsw-mol6-build >/dev/null;"
        "docker push %s/hsw-web:%s >/dev/null" % (content, registry, tag, registry, tag))
    subprocess.run(["sh", "-c", script], env=env, check=True)


def test_an_image_changed_under_the_same_tag_rolls_with_resolve_image_always(play, manager, worker):
    repush("1", "v1-rebuilt")
    # changed (this stack's setting) keeps the digest the service has; the tag did not change.
    run = play("deploy", "-e", '{"hsw_web_tag": "1"}', manager_only=True)
    assert run.rc == 0 and served(manager) == "v1", run.output[-4000:]
    run = play("deploy", "-e", '{"hsw_web_tag": "1", "hsw_web_resolve_image": "always"}', manager_only=True)
    assert run.rc == 0, run.output[-4000:]
    assert "@sha256:" in web_image(manager), "always pins the registry's digest"
    assert served(manager) == "v1-rebuilt" and served(worker) == "v1-rebuilt"


def test_a_crash_loop_fails_with_the_application_error(play):
    marker = "boom-%06d" % random.randrange(10 ** 6)
    extra = json.dumps({"lab_extra_stacks": [
        {"name": "web", "compose": ["{{ lookup('ansible.builtin.env', 'MOLECULE_SCENARIO_DIRECTORY') }}/web.yml.j2"],
         "resolve_image": "changed"},
        {"name": "crash", "wait_timeout": 20, "services": {"boom": {
            "image": "hsw-busybox:1", "endpoint_mode": "dnsrr", "command": ["sh", "-c", "echo %s >&2; exit 1" % marker],
            "restart_policy": {"condition": "any", "delay": "1s"}}}}]})
    run = play("deploy", "-e", extra)
    assert run.rc != 0
    assert "Stack crash: not every service runs its desired tasks" in run.output, run.output[-3000:]
    assert marker in run.output
    assert "non-zero exit (1)" in run.output


def test_the_crashing_stack_is_removed(play, manager):
    run = play("deploy", "-e", '{"hsw_web_tag": "1", "hsw_web_resolve_image": "always"}', manager_only=True)
    assert run.rc == 0, run.output[-4000:]
    assert manager.check_output("docker stack ls --format '{{.Name}}'").split().count("crash") == 0


def test_a_bad_version_rolls_back_and_the_run_says_so(play, manager, worker):
    run = play("deploy", "-e", '{"hsw_web_tag": "bad", "hsw_web_resolve_image": "always"}', manager_only=True)
    assert run.rc != 0
    assert "update rollback_completed" in run.flat, run.output[-4000:]
    assert "Service web_web" in run.flat
    # The old version runs again on both nodes.
    assert served(manager) == "v1-rebuilt" and served(worker) == "v1-rebuilt"
