"""The lab stack site.yml deployed: overlay networks, a versioned config and secret, the services.

The first verify checks the stack as converged. The side effect then changes the web service's
config and secret and converges twice (recording hsw-side-effect.json in the ephemeral directory);
the second verify also checks that the service rolled onto the new versions, that the old ones are
gone, that the -vvv log of that run never shows the secret and that the run after it changed nothing.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
)
LAB_STACK = os.path.join(PROJECT, "inventories", "lab", "group_vars", "all", "stack.yml")
SIDE_EFFECT = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"), "hsw-side-effect.json")
STACK_FILE = "/opt/homelab-swarm/stacks/lab/docker-compose.yml"


class LabLoader(yaml.SafeLoader):
    """Reads the lab's stack.yml, whose !vault values are kept as their ciphertext."""


LabLoader.add_constructor("!vault", lambda loader, node: loader.construct_scalar(node))


def lab_stack():
    with open(LAB_STACK) as handle:
        return yaml.load(handle, Loader=LabLoader)  # noqa: S506 - a SafeLoader with one more tag


def side_effect():
    """What the side effect recorded, or None before it ran."""
    if not os.path.exists(SIDE_EFFECT):
        return None
    with open(SIDE_EFFECT) as handle:
        return json.load(handle)


@pytest.fixture
def recorded():
    """What the side effect recorded, for the tests that run after it."""
    record = side_effect()
    assert record is not None, "side_effect.yml ran but left no %s" % SIDE_EFFECT
    return record


def expected_values():
    """The web service's greeting (config) and token (secret) as the last converge set them."""
    record = side_effect()
    values = record["values"] if record else lab_stack()
    return values["lab_web_greeting"] + "\n", values["lab_web_token"]


def json_lines(host, command):
    return [json.loads(line) for line in host.check_output(command).splitlines() if line.strip()]


def running_tasks(manager, service):
    return json_lines(
        manager, "docker service ps --no-trunc --filter desired-state=running --format '{{json .}}' %s" % service
    )


def web_container(host):
    """The id of the lab_web task container on this node."""
    ids = host.check_output("docker ps -q --filter label=com.docker.swarm.service.name=lab_web").split()
    assert len(ids) == 1, "%s runs %d web containers" % (host.backend.get_hostname(), len(ids))
    return ids[0]


def task_address(manager, node, network):
    """The overlay address of the running lab_web task on `node`, on `network`."""
    task = [t for t in running_tasks(manager, "lab_web") if t["Node"] == node]
    assert len(task) == 1, task
    attachments = json.loads(
        manager.check_output("docker inspect --format '{{json .NetworksAttachments}}' %s" % task[0]["ID"])
    )
    addresses = [a["Addresses"][0] for a in attachments if a["Network"]["Spec"]["Name"] == network]
    assert addresses, "task on %s is not on %s: %s" % (node, network, attachments)
    return addresses[0].split("/")[0]


@pytest.mark.parametrize("network", [n["name"] for n in lab_stack()["swarm_networks_overlays"]])
def test_networks_have_the_inventory_settings(manager, network):
    wanted = [n for n in lab_stack()["swarm_networks_overlays"] if n["name"] == network][0]
    found = json.loads(manager.check_output("docker network inspect --format '{{json .}}' %s" % network))
    assert found["Driver"] == "overlay" and found["Scope"] == "swarm", found
    assert found["IPAM"]["Config"][0]["Subnet"] == wanted["subnet"]
    if "gateway" in wanted:
        assert found["IPAM"]["Config"][0]["Gateway"] == wanted["gateway"]
    assert found["Attachable"] == wanted.get("attachable", False)
    assert found["Internal"] == wanted.get("internal", False)
    assert ("encrypted" in (found["Options"] or {})) == wanted.get("encrypted", False)
    assert (found["Labels"] or {}) == wanted.get("labels", {})


def test_internal_network_is_the_homelab_one(manager):
    found = json.loads(manager.check_output("docker network inspect --format '{{json .}}' internal-network"))
    assert found["IPAM"]["Config"][0]["Subnet"] == "10.0.2.0/24"
    assert found["Attachable"] is True


def test_web_runs_one_task_on_each_node(manager):
    tasks = running_tasks(manager, "lab_web")
    assert sorted(t["Node"] for t in tasks) == ["manager1", "worker1"], tasks
    assert all(t["CurrentState"].startswith("Running") for t in tasks), tasks


def test_global_agent_runs_on_every_node(manager):
    tasks = running_tasks(manager, "lab_agent")
    assert sorted(t["Node"] for t in tasks) == ["manager1", "worker1"], tasks


def test_services_use_dnsrr_and_host_ports(manager):
    spec = json.loads(manager.check_output("docker service inspect --format '{{json .Spec}}' lab_web"))
    assert spec["EndpointSpec"]["Mode"] == "dnsrr"
    assert [(p["TargetPort"], p["PublishedPort"], p["PublishMode"]) for p in spec["EndpointSpec"]["Ports"]] == [
        (8080, 18080, "host")
    ]
    assert spec["Labels"]["prometheus.enable"] == "true"
    assert spec["Labels"]["prometheus.port"] == "8080"


def test_manager_task_reaches_worker_task_over_the_overlay(manager):
    # Each web task serves its node's hostname: the answer proves which task replied.
    address = task_address(manager, "worker1", "web-network")
    reply = manager.check_output(
        "timeout 20 docker exec %s wget -q -O - http://%s:8080/index.html" % (web_container(manager), address)
    )
    assert reply.strip() == "worker1"


def test_service_name_resolves_to_the_tasks(manager):
    reply = manager.check_output(
        "timeout 20 docker exec %s wget -q -O - http://web:8080/index.html" % web_container(manager)
    )
    assert reply.strip() in ("manager1", "worker1")


def test_config_content_is_readable_in_every_task(manager, workers):
    greeting, _token = expected_values()
    for host in [manager] + workers:
        assert host.check_output("docker exec %s cat /www/greeting.txt" % web_container(host)) == greeting.rstrip("\n")
    # And served over the overlay by the worker's task.
    address = task_address(manager, "worker1", "web-network")
    served = manager.check_output(
        "timeout 20 docker exec %s wget -q -O - http://%s:8080/greeting.txt" % (web_container(manager), address)
    )
    assert served == greeting.rstrip("\n")


def test_config_and_secret_names_carry_a_version(manager):
    spec = json.loads(
        manager.check_output("docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec}}' lab_web")
    )
    assert [c["ConfigName"] for c in spec["Configs"]][0].startswith("web_greeting_")
    assert [s["SecretName"] for s in spec["Secrets"]][0].startswith("web_token_")
    # One version of each left: the prune step removed any other.
    assert manager.check_output("docker config ls -q --filter label=io.homelab.swarm.name=web_greeting").split() == [
        spec["Configs"][0]["ConfigID"]
    ]
    assert manager.check_output("docker secret ls -q --filter label=io.homelab.swarm.name=web_token").split() == [
        spec["Secrets"][0]["SecretID"]
    ]


def test_secret_is_mounted_and_nowhere_else(manager):
    _greeting, token = expected_values()
    container = web_container(manager)
    assert manager.check_output("docker exec %s cat /run/secrets/web_token" % container) == token
    assert token not in manager.check_output("docker inspect %s" % container)
    assert token not in manager.check_output("docker service inspect lab_web")
    assert token not in manager.file(STACK_FILE).content_string


def test_rendered_stack_file_is_kept(manager):
    stack = manager.file(STACK_FILE)
    assert stack.exists and stack.mode == 0o640
    assert "endpoint_mode: dnsrr" in stack.content_string
    assert "external: true" in stack.content_string


@pytest.mark.after_side_effect
def test_changed_config_rolled_the_service_and_removed_the_old_versions(manager, recorded):
    assert recorded["first"]["rc"] == 0, open(recorded["first"]["log"]).read()[-3000:]
    before = recorded["before"]
    now = json.loads(
        manager.check_output("docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec}}' lab_web")
    )
    for kind, name in (("Configs", "ConfigName"), ("Secrets", "SecretName")):
        old, new = before[kind][0][name], now[kind][0][name]
        assert old != new, "%s did not get a new version" % kind
        command = "docker %s inspect %s" % (kind[:-1].lower(), old)
        assert manager.run(command).rc != 0, "the old %s %s is still there" % (kind[:-1].lower(), old)
    # Every running task was started from the new spec: the content is the new one everywhere.
    greeting, token = expected_values()
    assert greeting.startswith("hello again")
    assert manager.check_output("docker exec %s cat /run/secrets/web_token" % web_container(manager)) == token


@pytest.mark.after_side_effect
def test_secret_never_appears_in_the_verbose_log(recorded):
    with open(recorded["first"]["log"]) as handle:
        log = handle.read()
    assert "web_token_" in log, "the log does not look like a converge of the lab stack"
    for token in (recorded["values"]["lab_web_token"], lab_stack()["lab_web_token"]):
        assert token not in log
    # Nor the swarm's join tokens, which the stack roles must not print while reading the swarm.
    assert "SWMTKN-" not in log


@pytest.mark.after_side_effect
def test_run_after_the_roll_changes_nothing(recorded):
    with open(recorded["second"]["log"]) as handle:
        log = re.sub(r"\x1b\[[0-9;]*m", "", handle.read())
    assert recorded["second"]["rc"] == 0, log[-3000:]
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", log, re.M)
    assert recap and all(changed == "0" for _host, changed in recap), recap


def test_production_sample_renders_and_validates(tmp_path):
    """The production inventory's stack renders (with the sample vault) and passes `docker stack config`."""
    docker = shutil.which("docker")
    assert docker, "no docker CLI on this machine"
    has_config = subprocess.run([docker, "stack", "config", "--help"], capture_output=True, check=False).returncode == 0
    assert has_config, "this machine's docker CLI (23.0 or newer needed) has no `docker stack config`"
    production = os.path.join(PROJECT, "inventories", "production")
    password = os.path.join(production, ".vault-password.sample")
    bin_dir = os.path.dirname(sys.executable)
    playbook = tmp_path / "render.yml"
    playbook.write_text(
        "- name: Plan the production stacks here\n"
        "  hosts: swarm_managers[0]\n"
        "  gather_facts: false\n"
        "  vars:\n"
        "    ansible_connection: local\n"
        "    ansible_python_interpreter: %s\n"
        "    ansible_become: false\n"
        "  roles:\n"
        "    - {role: homelab.swarm.swarm_configs, swarm_configs_step: names}\n"
        "    - {role: homelab.swarm.swarm_stack, swarm_stack_step: check}\n"
        "  tasks:\n"
        "    - name: Keep the stack file here\n"
        "      ansible.builtin.copy: {content: '{{ swarm_stack_plans[0].text }}', dest: %s, mode: '0600'}\n"
        % (sys.executable, tmp_path / "docker-compose.yml")
    )
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=os.path.join(PROJECT, "ansible.cfg"))

    def with_sample_vault(tool, *args, env, check):
        """Runs an Ansible tool of this venv on the production inventory, with its sample vault."""
        return subprocess.run(
            [os.path.join(bin_dir, tool), "-i", production, "--vault-password-file", password, *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            check=check,
        )

    run = with_sample_vault("ansible-playbook", "-vvv", str(playbook), env=env, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    rendered = (tmp_path / "docker-compose.yml").read_text()
    # The kept file keeps its ${VAR} references: the values are substituted only when deploying.
    assert "REDIS_PASSWORD: ${REDIS_PASSWORD}" in rendered
    check = subprocess.run(
        [docker, "stack", "config", "--skip-interpolation", "--compose-file", str(tmp_path / "docker-compose.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    services = yaml.safe_load(check.stdout)["services"]
    # The seed's stack: its services, auth-server pinned to pve on three networks, the managers' services.
    assert sorted(services) == ["auth-server", "eureka", "gateway", "node_exporter", "prometheus", "redis",
                                "reverse-proxy"]
    assert services["node_exporter"]["deploy"]["mode"] == "global"
    assert sorted(services["auth-server"]["networks"]) == ["auth-server", "barbellrobot-backend", "internal-network"]
    assert services["auth-server"]["deploy"]["placement"]["constraints"] == ["node.hostname == pve"]
    assert "node.role == manager" in services["reverse-proxy"]["deploy"]["placement"]["constraints"]
    assert "node.role == manager" in services["prometheus"]["deploy"]["placement"]["constraints"]
    assert services["prometheus"]["deploy"]["labels"]["prometheus.enable"] == "true"
    networks = yaml.safe_load(check.stdout)["networks"]
    assert networks["internal-network"]["ipam"]["config"] == [{"subnet": "10.0.2.0/24"}]
    assert "google-key" in yaml.safe_load(check.stdout)["volumes"]
    # The vault's values appear neither in the stack file nor in the -vvv log.
    secrets = with_sample_vault(
        "ansible",
        "swarm_managers[0]",
        "-c",
        "local",
        "-e",
        "ansible_python_interpreter=%s" % sys.executable,
        "-e",
        "ansible_become=false",
        "-m",
        "ansible.builtin.debug",
        "-a",
        "msg={{ query('ansible.builtin.vars', *query('ansible.builtin.varnames', '^vault_')) }}",
        env=dict(env, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1"),
        check=True,
    )
    values = list(json.loads(secrets.stdout)["plays"][0]["tasks"][0]["hosts"].values())[0]["msg"]
    assert len(values) >= 4, values
    for value in values:
        assert value not in rendered
        assert value not in run.stdout
