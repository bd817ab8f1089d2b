"""Every definition is checked on the controller, in the preflight play, before any host changes.

Table-driven: each case is one ordinary mistake, given as extra variables (and a compose file where
it is one), and the message that must stop the run in preflight, naming what is wrong. The runs use
--check and a local connection, so a mistake that got through would still change nothing here.
"""

import json

import pytest

from test_preflight import assert_stopped_in_preflight, local_hosts, run_site


def stack(services, **extra):
    return {"swarm_stacks": [dict({"name": "app", "services": services}, **extra)]}


def web(**keys):
    return stack({"web": dict({"image": "hsw-busybox:1", "endpoint_mode": "dnsrr"}, **keys)})


def compose(text, **extra):
    return {"__compose__": text, **extra}


CASES = [
    ("duration in words", web(update_config={"delay": "5 seconds"}),
     "Stack app: service web: deploy.update_config.delay '5 seconds' is not a duration"),
    ("update order", web(update_config={"order": "first"}),
     "deploy.update_config.order 'first' is not one of start-first, stop-first"),
    ("undeclared volume", web(volumes=["data:/data"]),
     "service web: mounts volume data, which the stack does not declare under volumes"),
    ("label as mapping", web(labels={"traefik": {"enable": True}}),
     "labels traefik must be a string, number or boolean, not a mapping"),
    ("config file missing", dict(web(), swarm_configs_configs=[{"name": "conf", "src": "/nonexistent/hsw/app.conf"}]),
     "config conf: src /nonexistent/hsw/app.conf does not exist on the controller"),
    ("unknown placement strategy", web(preferences=[{"pack": "node.labels.zone"}]),
     "placement preference strategy 'pack' is not known (valid: spread)"),
    ("memory Docker cannot read", web(resources={"limits": {"memory": "lots"}}),
     "deploy.resources.limits.memory 'lots' is not a size Docker can read"),
    ("two secrets at one target", dict(web(secrets=[{"source": "a", "target": "token"}, {"source": "b", "target": "token"}]),
                                       swarm_configs_secrets=[{"name": "a", "value": "x"}, {"name": "b", "value": "y"}]),
     "secret a and b are both mounted at /run/secrets/token"),
    ("restart condition", web(restart_policy={"condition": "always"}),
     "deploy.restart_policy.condition 'always' is not one of none, on-failure, any"),
    ("failure action", web(update_config={"failure_action": "retry"}),
     "deploy.update_config.failure_action 'retry' is not one of continue, pause, rollback"),
    ("ingress port with dnsrr", web(ports=["8080:80"]),
     "port 8080 is published in ingress mode, which Docker refuses with endpoint_mode dnsrr"),
    ("image reference", web(image="Hsw-Busybox:1"),
     "image 'Hsw-Busybox:1' is not a valid image reference"),
    ("constraint syntax", web(constraints=["node.hostname = pve"]),
     "placement constraint 'node.hostname = pve' is not valid"),
    ("port out of range", web(ports=[{"target": 80, "published": 70000, "mode": "host"}]),
     "port 70000 is outside 1-65535"),
    ("negative replicas", web(replicas=-1),
     "deploy.replicas -1 is not a whole number of 0 or more"),
    ("two services on one ingress port", stack({"a": {"image": "x", "ports": ["80:80"]}, "b": {"image": "y", "ports": ["80:8080"]}}),
     "services a and b both publish port 80/tcp through the ingress mesh"),
    ("global with replicas", web(mode="global", replicas=2),
     "service web: is global: it cannot have replicas"),
    ("healthcheck test", web(healthcheck={"test": ["RUN", "true"]}),
     "healthcheck.test must start with CMD, CMD-SHELL or NONE, not 'RUN'"),
    ("bad stack name", {"swarm_stacks": [{"name": "my stack", "services": {"web": {"image": "x"}}}]},
     "the name 'my stack' is not a valid stack name"),
    ("stack listed twice", {"swarm_stacks": [{"name": "app", "services": {"a": {"image": "x"}}},
                                             {"name": "app", "services": {"b": {"image": "y"}}}]},
     "Stack app is listed more than once in swarm_stacks."),
    ("ingress port in two stacks", {"swarm_stacks": [{"name": "one", "services": {"a": {"image": "x", "ports": ["80:80"]}}},
                                                     {"name": "two", "services": {"b": {"image": "y", "ports": ["80:80"]}}}]},
     "Stack two: service two_b publishes port 80/tcp through the ingress mesh, as one_a does already"),
    ("network subnet", dict(web(), swarm_networks_overlays=[{"name": "backend", "subnet": "10.0.2.0/33"}]),
     "network backend: subnet '10.0.2.0/33' is not a network address"),
    ("gateway outside the subnet", dict(web(), swarm_networks_overlays=[
        {"name": "backend", "subnet": "10.0.2.0/24", "gateway": "10.0.9.1"}]),
     "network backend: gateway 10.0.9.1 is not in its subnet 10.0.2.0/24"),
    ("overlapping subnets", dict(web(), swarm_networks_overlays=[
        {"name": "a", "subnet": "10.0.0.0/16"}, {"name": "b", "subnet": "10.0.2.0/24"}]),
     "network b: subnet 10.0.2.0/24 overlaps 10.0.0.0/16 of network a"),
    ("network key misspelt", dict(web(), swarm_networks_overlays=[{"name": "a", "attachabel": True}]),
     "network a: unknown keys attachabel"),
    ("node label as mapping", dict(web(), swarm_node_labels={"zone": {"rack": 1}}),
     "host m1: swarm_node_labels zone must be a string, number or boolean, not a mapping"),
    ("node availability", dict(web(), swarm_node_availability="off"),
     "host m1: swarm_node_availability 'off' is not one of active, pause, drain"),
    ("daemon log option as a number", dict(web(), docker_daemon_options={"log-opts": {"max-file": 3}}),
     "host m1: docker_daemon_options log-opts max-file must be a string (\"3\")"),
    ("daemon list as a string", dict(web(), docker_daemon_options={"insecure-registries": "registry:5000"}),
     "docker_daemon_options insecure-registries must be a list"),
    ("secret without value", dict(web(), swarm_configs_secrets=[{"name": "token"}]),
     "secret token: needs a value (from Ansible Vault)"),
    ("config with two sources", dict(web(), swarm_configs_configs=[{"name": "c", "content": "x", "src": "/etc/hostname"}]),
     "config c: needs exactly one of content, src and template (has content, src)"),
    ("stack network made twice", {"swarm_networks_overlays": [{"name": "backend"}], "swarm_stacks": [
        {"name": "app", "services": {"a": {"image": "x", "networks": ["backend"]}}, "networks": {"backend": {"name": "backend"}}}]},
     "Stack app creates network backend, which swarm_networks_overlays creates too"),
    ("compose: undefined variable", compose("services:\n  web:\n    image: x\n    environment:\n      - P=${APP_PASSWORD}\n"),
     "variable APP_PASSWORD is not defined (in "),
    ("compose: undeclared network", compose("services:\n  web:\n    image: x\n    networks: [backend]\n"),
     "service web: uses network backend, which the stack does not declare under networks"),
    ("compose: driver that cannot span nodes", compose("services:\n  web: {image: x, networks: [n]}\nnetworks:\n  n: {driver: bridge}\n"),
     "network n: driver 'bridge' cannot span the swarm's nodes (use overlay)"),
]


def extra_vars(tmp_path, case):
    case = dict(case)
    text = case.pop("__compose__", None)
    if text is not None:
        path = tmp_path / "docker-compose.yml.j2"
        path.write_text(text)
        case.setdefault("swarm_stacks", [{"name": "app", "compose": [str(path)]}])
    host_keys = ("swarm_node_labels", "swarm_node_availability", "docker_daemon_options")
    hostvars = dict((k, case.pop(k)) for k in host_keys if k in case)
    path = tmp_path / "vars.json"
    path.write_text(json.dumps(case))
    return hostvars, "@%s" % path


def inventory_with(hostvars):
    # Host variables (not extra vars): the checks read them per host, as the roles do.
    lines = local_hosts("m1")
    for key, value in hostvars.items():
        lines += "      %s: %s\n" % (key, json.dumps(value))
    return "swarm_managers:\n  hosts:\n" + lines


@pytest.mark.parametrize("case, message", [(c, m) for _i, c, m in CASES], ids=[i for i, _c, _m in CASES])
def test_each_mistake_stops_the_run_in_preflight_naming_it(tmp_path, case, message):
    hostvars, extra = extra_vars(tmp_path, case)
    rc, out = run_site(tmp_path, inventory_with(hostvars), "-e", extra)
    assert_stopped_in_preflight(rc, out)
    assert message in " ".join(out.split()), out[-3000:]


def test_there_are_at_least_25_distinct_mistakes():
    assert len(set(m for _i, _c, m in CASES)) >= 25


def test_every_mistake_of_a_run_is_listed_in_one_message(tmp_path):
    case = web(update_config={"order": "first", "delay": "5 seconds"}, resources={"limits": {"memory": "lots"}})
    _hostvars, extra = extra_vars(tmp_path, case)
    rc, out = run_site(tmp_path, inventory_with({}), "-e", extra)
    assert_stopped_in_preflight(rc, out)
    flat = " ".join(out.split())
    for message in ("order 'first'", "delay '5 seconds'", "memory 'lots'"):
        assert message in flat
    assert flat.count("TASK [homelab.swarm.swarm_stack : Stack | Check the stacks]") == 1


def test_a_valid_definition_gets_past_preflight_with_warnings_for_what_cannot_be_met(tmp_path):
    case = {
        "swarm_networks_overlays": [{"name": "backend", "subnet": "10.0.2.0/24", "gateway": "10.0.2.1"}],
        "swarm_configs_configs": [{"name": "conf", "content": "x"}],
        "swarm_configs_secrets": [{"name": "token", "value": "s3cret-value"}],
        "swarm_stacks": [{"name": "app", "services": {
            "pinned": {"image": "hsw-busybox:1", "endpoint_mode": "dnsrr", "constraints": ["node.hostname == nosuchhost"]},
            "spread": {"image": "hsw-busybox:1", "endpoint_mode": "dnsrr", "replicas": 3, "max_replicas_per_node": 1,
                       "networks": ["backend"], "configs": ["conf"], "secrets": ["token"],
                       "update_config": {"delay": "10s", "order": "start-first", "failure_action": "rollback"},
                       "resources": {"limits": {"memory": "256M", "cpus": 0.5}}},
            "bound": {"image": "hsw-busybox:1", "endpoint_mode": "dnsrr", "replicas": 2,
                      "ports": [{"target": 80, "published": 8081, "mode": "host"}]},
        }}],
    }
    _hostvars, extra = extra_vars(tmp_path, case)
    rc, out = run_site(tmp_path, inventory_with({"swarm_node_labels": {"zone": "a"}}), "-e", extra, "--tags", "preflight")
    flat = " ".join(out.split())
    assert rc == 0, out[-4000:]
    assert "Stack app, service app_pinned: no inventory node (active) satisfies its constraints node.hostname == nosuchhost" in flat
    assert "service app_spread: 3 replicas at most 1 per node need 3 nodes, and 1 can take them" in flat
    assert "service app_bound: 2 replicas publish host port 8081, which only one task per node can bind" in flat
    assert "s3cret-value" not in out
