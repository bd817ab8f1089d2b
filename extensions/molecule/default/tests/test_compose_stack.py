"""The lab's second stack, dev, deployed from a compose template shaped like the seed's file.

Its ${REDIS_PASSWORD} comes from a vaulted env; ${ACCESS_EXPIRE_MILLIS:-3600000} from its default.
The first verify checks it as converged; after the side effect (which also adds two stacks, then
marks one absent and drops the other from the list), the second verify checks what those runs did.
"""

import json
import os

import pytest

from ansible.parsing.vault import VaultLib, VaultSecret

from test_stack import PROJECT, lab_stack, recorded, running_tasks  # noqa: F401  pylint: disable=unused-import

DEV_FILE = "/opt/homelab-swarm/stacks/dev/docker-compose.yml"


def vault_value(name):
    """The clear value of a vaulted variable of the lab's stack.yml, with the lab's vault password."""
    with open(os.path.join(PROJECT, "inventories", "lab", ".vault-password"), "rb") as handle:
        password = handle.read().strip()

    ciphertext = lab_stack()[name]
    return VaultLib([("default", VaultSecret(password))]).decrypt(ciphertext).decode()


def container_of(host, service):
    ids = host.check_output("docker ps -q --filter label=com.docker.swarm.service.name=%s" % service).split()
    assert len(ids) == 1, "%s runs %d %s containers" % (host.backend.get_hostname(), len(ids), service)
    return ids[0]


def test_every_stack_runs(manager):
    stacks = sorted(line.split()[0] for line in manager.check_output("docker stack ls --format '{{.Name}}'").splitlines())
    assert stacks == ["dev", "lab", "ops"]
    for service in ("dev_auth-server", "dev_redis"):
        tasks = running_tasks(manager, service)
        assert len(tasks) == 1 and tasks[0]["CurrentState"].startswith("Running"), tasks
    assert running_tasks(manager, "dev_auth-server")[0]["Node"] == "manager1", "pinned by its deploy block"


def test_the_process_sees_the_substituted_values(manager):
    # The environment of the container's main process (busybox's image has no env applet).
    container = container_of(manager, "dev_auth-server")
    environ = manager.check_output("docker exec %s cat /proc/1/environ" % container)
    env = dict(entry.split("=", 1) for entry in environ.split("\x00") if "=" in entry)
    assert env["REDIS_PASSWORD"] == vault_value("lab_dev_redis_password")
    assert env["ACCESS_EXPIRE_MILLIS"] == "3600000"
    assert env["REDIS_HOST"] == "redis" and env["REDIS_PORT"] == "6379"


def test_the_kept_file_has_the_reference_and_not_the_value(manager):
    kept = manager.file(DEV_FILE)
    assert kept.exists and kept.mode == 0o640
    assert "REDIS_PASSWORD: ${REDIS_PASSWORD}" in kept.content_string
    assert vault_value("lab_dev_redis_password") not in kept.content_string
    # What swarm ignores was dropped (with a warning): depends_on is not in the kept file.
    assert "depends_on" not in kept.content_string


def test_list_form_labels_are_service_labels(manager):
    labels = json.loads(manager.check_output("docker service inspect --format '{{json .Spec.Labels}}' dev_auth-server"))
    assert labels["prometheus.enable"] == "true" and labels["prometheus.port"] == "8080"
    assert labels["com.docker.stack.namespace"] == "dev"


def test_the_stack_created_its_network_and_used_the_external_one(manager):
    created = json.loads(manager.check_output("docker network inspect --format '{{json .Labels}}' auth-server"))
    assert created.get("com.docker.stack.namespace") == "dev"
    external = json.loads(manager.check_output("docker network inspect --format '{{json .Labels}}' internal-network"))
    assert "com.docker.stack.namespace" not in (external or {})
    networks = json.loads(manager.check_output(
        "docker service inspect --format '{{json .Spec.TaskTemplate.Networks}}' dev_auth-server"))
    names = sorted(manager.check_output("docker network inspect --format '{{.Name}}' %s" % n["Target"]) for n in networks)
    assert names == ["auth-server", "internal-network"]


def test_the_host_port_answers_from_the_task(manager):
    # The task serves its environment's REDIS_HOST on the host-mode port of the manager.
    reply = manager.check_output("printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 18081")
    assert reply.splitlines()[-1] == "redis"


def test_the_named_volume_holds_the_counter(manager):
    volume = json.loads(manager.check_output("docker volume inspect dev_auth-data"))[0]
    assert volume["Labels"]["com.docker.stack.namespace"] == "dev"
    starts = int(manager.check_output("docker exec %s cat /data/starts" % container_of(manager, "dev_auth-server")))
    assert starts >= 1


@pytest.mark.after_side_effect
def test_the_volume_kept_its_data_through_the_restarts(manager, recorded):  # noqa: F811
    before = recorded["dev_starts_before"]
    starts = int(manager.check_output("docker exec %s cat /data/starts" % container_of(manager, "dev_auth-server")))
    # The rolling restart restarted the engine under it: a new task, the same volume, the count went on.
    assert starts > before >= 1, (before, starts)


@pytest.mark.after_side_effect
def test_vault_value_never_appears_in_the_verbose_log(recorded):  # noqa: F811
    with open(recorded["first"]["log"]) as handle:
        log = handle.read()
    assert "swarm_stack_deploy" in log, "the log does not look like a converge of the stacks"
    assert vault_value("lab_dev_redis_password") not in log


@pytest.mark.after_side_effect
def test_ignored_keys_were_named_in_a_warning(recorded):  # noqa: F811
    with open(recorded["second"]["log"]) as handle:
        log = " ".join(handle.read().split())
    assert "service auth-server: swarm ignores depends_on" in log


@pytest.mark.after_side_effect
def test_removed_stacks_are_gone_and_nothing_else(manager, recorded):  # noqa: F811
    removal = recorded["removal"]
    assert removal["added_rc"] == 0, open(removal["added_log"]).read()[-3000:]
    assert removal["removed_rc"] == 0, open(removal["removed_log"]).read()[-3000:]
    assert sorted(removal["stacks_when_added"]) == ["dev", "lab", "ops", "scratch-absent", "scratch-dropped"]
    stacks = sorted(manager.check_output("docker stack ls --format '{{.Name}}'").split())
    assert stacks == ["dev", "lab", "ops"]
    for stack in ("scratch-absent", "scratch-dropped"):
        assert manager.check_output("docker network ls -q --filter label=com.docker.stack.namespace=%s" % stack) == ""
        assert not manager.file("/opt/homelab-swarm/stacks/%s" % stack).exists
    # The other stacks' tasks are the ones that ran before the removal: none was replaced.
    tasks_now = sorted(t["ID"] for s in ("lab_web", "lab_api", "lab_agent", "dev_auth-server", "dev_redis",
                                         "ops_prometheus", "ops_node-exporter", "ops_ingress")
                       for t in running_tasks(manager, s))
    assert tasks_now == sorted(removal["tasks_before"])
