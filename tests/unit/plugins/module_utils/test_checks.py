# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/checks.py: one case per rule, and its valid counterpart."""

from __future__ import annotations

import pytest

from ansible_collections.homelab.swarm.plugins.module_utils import checks


def problems(**service):
    return checks.service_problems('web', dict({'image': 'app:1'}, **service))


VALID_SERVICE = {
    'image': 'registry.example.com:5000/team/app:1.2.3',
    'stop_grace_period': '1m30s',
    'healthcheck': {'test': ['CMD-SHELL', 'true'], 'interval': '10s', 'timeout': '2s', 'retries': 3, 'start_period': '0s'},
    'ports': ['8080:80', '53:53/udp', {'target': 443, 'published': 8443, 'protocol': 'tcp', 'mode': 'host'}],
    'secrets': ['a', {'source': 'b', 'target': 'other'}],
    'configs': [{'source': 'c', 'target': '/etc/c'}, 'd'],
    'environment': {'A': '1', 'B': None},
    'labels': {'x': 'y'},
    'deploy': {
        'mode': 'replicated', 'replicas': 0, 'endpoint_mode': 'vip', 'labels': {'prometheus.port': '8080'},
        'restart_policy': {'condition': 'on-failure', 'delay': '5s', 'window': '2m'},
        'update_config': {'order': 'start-first', 'failure_action': 'rollback', 'delay': '1s', 'monitor': '15s',
                          'max_failure_ratio': 0.2},
        'rollback_config': {'order': 'stop-first', 'failure_action': 'pause'},
        'resources': {'limits': {'memory': '1.5G', 'cpus': '0.5'}, 'reservations': {'memory': '256MiB', 'cpus': 1}},
        'placement': {'constraints': ['node.role == manager', 'node.labels.disk != hdd', 'node.platform.os == linux',
                                      'engine.labels.gpu == true'],
                      'preferences': [{'spread': 'node.labels.zone'}], 'max_replicas_per_node': 2},
    },
}


def test_a_valid_service_has_no_problem():
    assert checks.service_problems('web', VALID_SERVICE) == []


@pytest.mark.parametrize('service, message', [
    ({'image': 'App:Latest'}, "image 'App:Latest' is not a valid image reference"),
    ({'stop_grace_period': '5 seconds'}, "stop_grace_period '5 seconds' is not a duration"),
    ({'healthcheck': {'interval': 10}}, 'healthcheck.interval 10 is not a duration'),
    ({'healthcheck': {'test': ['RUN', 'x']}}, "healthcheck.test must start with CMD, CMD-SHELL or NONE, not 'RUN'"),
    ({'healthcheck': {'retries': 'three'}}, "healthcheck.retries 'three' is not a whole number"),
    ({'deploy': {'mode': 'daemon'}}, "deploy.mode 'daemon' is not one of replicated, global"),
    ({'deploy': {'endpoint_mode': 'rr'}}, "deploy.endpoint_mode 'rr' is not one of vip, dnsrr"),
    ({'deploy': {'replicas': -1}}, 'deploy.replicas -1 is not a whole number of 0 or more'),
    ({'deploy': {'replicas': '2'}}, "deploy.replicas '2' is not a whole number"),
    ({'deploy': {'mode': 'global', 'replicas': 2}}, 'deploy.replicas is set on a global service'),
    ({'deploy': {'labels': {'a': {'b': 1}}}}, 'deploy.labels a must be a string, number or boolean, not a mapping'),
    ({'labels': {'a': [1]}}, 'labels a must be a string, number or boolean, not a list'),
    ({'environment': {'A': {'b': 1}}}, 'environment A must be a string, number or boolean, not a mapping'),
    ({'deploy': {'restart_policy': {'condition': 'always'}}}, "restart_policy.condition 'always' is not one of"),
    ({'deploy': {'restart_policy': {'window': 'forever'}}}, "restart_policy.window 'forever' is not a duration"),
    ({'deploy': {'update_config': {'order': 'first'}}}, "update_config.order 'first' is not one of start-first"),
    ({'deploy': {'update_config': {'failure_action': 'retry'}}}, "update_config.failure_action 'retry' is not one of"),
    ({'deploy': {'rollback_config': {'failure_action': 'rollback'}}}, "rollback_config.failure_action 'rollback' is not"),
    ({'deploy': {'update_config': {'monitor': '5 sec'}}}, "update_config.monitor '5 sec' is not a duration"),
    ({'deploy': {'update_config': {'max_failure_ratio': 2}}}, 'max_failure_ratio 2 is not between 0 and 1'),
    ({'deploy': {'resources': {'limits': {'memory': 'lots'}}}}, "resources.limits.memory 'lots' is not a size"),
    ({'deploy': {'resources': {'reservations': {'cpus': 'half'}}}}, "resources.reservations.cpus 'half' is not a number"),
    ({'deploy': {'resources': {'limits': {'cpus': 0}}}}, 'resources.limits.cpus 0 is not a number of CPUs above 0'),
    ({'deploy': {'placement': {'constraints': ['node.hostname = pve']}}}, "constraint 'node.hostname = pve' is not valid"),
    ({'deploy': {'placement': {'constraints': ['node.host == pve']}}}, "constraint 'node.host == pve' is not valid"),
    ({'deploy': {'placement': {'preferences': [{'pack': 'node.id'}]}}}, "strategy 'pack' is not known"),
    ({'deploy': {'placement': {'preferences': ['spread']}}}, 'must be one strategy'),
    ({'deploy': {'mode': 'global', 'placement': {'max_replicas_per_node': 1}}}, 'max_replicas_per_node is set on a global'),
    ({'ports': ['80:http']}, "port '80:http' cannot be read"),
    ({'ports': [{'target': 80, 'protocol': 'icmp'}]}, "port protocol 'icmp' is not one of tcp, udp, sctp"),
    ({'ports': [{'target': 80, 'mode': 'bridge'}]}, "port mode 'bridge' is not one of host, ingress"),
    ({'ports': ['70000:80']}, 'port 70000 is outside 1-65535'),
    ({'ports': ['80:80', {'target': 81, 'published': 80}]}, 'port 80/tcp is published twice'),
    ({'ports': ['80:80'], 'deploy': {'endpoint_mode': 'dnsrr'}}, 'port 80 is published in ingress mode'),
    ({'secrets': ['a', {'source': 'b', 'target': 'a'}]}, 'secret a and b are both mounted at /run/secrets/a'),
    ({'configs': [{'source': 'a', 'target': '/etc/x'}, {'source': 'b', 'target': '/etc/x'}]},
     'config a and b are both mounted at /etc/x'),
])
def test_each_service_rule(service, message):
    found = problems(**service)
    assert any(message in text for text in found), found
    assert all(text.startswith('service web: ') for text in found)


def test_values_with_variables_are_left_to_the_deploy():
    assert problems(stop_grace_period='${GRACE}', deploy={'replicas': '${N}', 'mode': '${MODE}',
                                                          'resources': {'limits': {'memory': '${MEM}'}}},
                    ports=['${PORT}:80']) == []


@pytest.mark.parametrize('value', ['10s', '1h30m', '2.5s', '300ms', '1m0s', '.5s'])
def test_durations_docker_reads(value):
    assert checks._is_duration(value)


@pytest.mark.parametrize('value', ['10', '5 seconds', '1d', 's', ''])
def test_durations_docker_refuses(value):
    assert not checks._is_duration(value)


@pytest.mark.parametrize('port, expected', [
    ('80', (80, None, 'tcp', 'ingress')),
    ('8080:80', (80, 8080, 'tcp', 'ingress')),
    ('127.0.0.1:8080:80/udp', (80, 8080, 'udp', 'ingress')),
    ('9000-9001:9000-9001', (9000, 9000, 'tcp', 'ingress')),
    ({'target': 80, 'published': '8080', 'mode': 'host'}, (80, 8080, 'tcp', 'host')),
])
def test_parse_port(port, expected):
    assert checks.parse_port(port) == expected


def test_stack_problems_ingress_ports_and_network_addresses():
    document = {'services': {'a': {'ports': ['80:80']}, 'b': {'ports': ['80:81']},
                             'c': {'ports': [{'target': 80, 'published': 80, 'mode': 'host'}]}},
                'networks': {'n': {'driver': 'bridge'}, 'm': {'ipam': {'config': [{'subnet': '10.0.0.1/24'}]}},
                             'x': {'external': True, 'driver': 'bridge'}}}
    found = checks.stack_problems(document)
    assert 'services a and b both publish port 80/tcp through the ingress mesh' in found
    assert "network n: driver 'bridge' cannot span the swarm's nodes (use overlay)" in found
    assert any(text.startswith("network m: ipam subnet '10.0.0.1/24' is not a network address") for text in found)
    assert len(found) == 3


NODES = [
    {'name': 'pve', 'hostname': 'pve', 'role': 'manager', 'labels': {'redis': True}, 'availability': 'active'},
    {'name': 'my', 'hostname': 'my', 'role': 'worker', 'labels': {}, 'availability': 'active'},
    {'name': 'nas', 'hostname': 'nas', 'role': 'worker', 'labels': {}, 'availability': 'drain'},
]


def notices(service):
    return checks.inventory_notices({'services': {'s': service}}, 'app', NODES)


def test_inventory_notices_for_placements_no_node_meets():
    assert notices({'deploy': {'placement': {'constraints': ['node.hostname == nas']}}}) == [
        'service app_s: no inventory node (active) satisfies its constraints node.hostname == nas: '
        'its tasks would stay pending']
    assert notices({'deploy': {'placement': {'constraints': ['node.labels.redis == true', 'node.role == manager']}}}) == []
    assert notices({'deploy': {'placement': {'constraints': ['node.labels.gpu == true']}}})


def test_inventory_notices_for_replicas_the_nodes_cannot_take():
    assert notices({'deploy': {'replicas': 3, 'placement': {'max_replicas_per_node': 1}}}) == [
        'service app_s: 3 replicas at most 1 per node need 3 nodes, and 2 can take them']
    assert notices({'deploy': {'replicas': 2, 'placement': {'max_replicas_per_node': 1}}}) == []
    assert 'only one task per node can bind' in notices(
        {'deploy': {'replicas': 3}, 'ports': [{'target': 80, 'published': 80, 'mode': 'host'}]})[0]


def test_inventory_notices_assume_a_match_for_unknown_hostnames():
    nodes = [dict(node, hostname=None) for node in NODES]
    document = {'services': {'s': {'deploy': {'placement': {'constraints': ['node.hostname == pve']}}}}}
    assert checks.inventory_notices(document, 'app', nodes) == []


def test_network_problems():
    found = checks.network_problems([
        {'name': 'ok', 'subnet': '10.0.2.0/24', 'gateway': '10.0.2.1', 'ip_range': '10.0.2.128/25', 'attachable': True},
        {'name': 'bad name!'},
        {'name': 'ok'},
        {'name': 'net', 'subnet': '10.0.2.128/25'},
        {'name': 'gw', 'subnet': '10.1.0.0/24', 'gateway': '10.2.0.1', 'ip_range': '10.3.0.0/24'},
        {'name': 'types', 'attachable': 'yes', 'state': 'gone', 'labels': {'a': {}}, 'subnett': 'x'},
        {'subnet': '10.9.0.0/24'},
    ])
    expected = [
        'network bad name!: the name is not valid',
        'network ok: listed twice in swarm_networks_overlays',
        'network net: subnet 10.0.2.128/25 overlaps 10.0.2.0/24 of network ok',
        'network gw: gateway 10.2.0.1 is not in its subnet 10.1.0.0/24',
        'network gw: ip_range 10.3.0.0/24 is not inside its subnet 10.1.0.0/24',
        "network types: attachable 'yes' must be true or false",
        "network types: state 'gone' is not one of present, absent",
        'network types: labels a must be a string, number or boolean, not a mapping',
        'network types: unknown keys subnett',
        'swarm_networks_overlays[6]: needs a name',
    ]
    for text in expected:
        assert any(found_text.startswith(text) for found_text in found), (text, found)
    assert len(found) == len(expected), found


def test_config_problems_never_name_a_secret_value():
    found = checks.config_problems(
        [{'name': 'a', 'content': 'x'}, {'name': 'b'}, {'name': 'c', 'src': '/missing'}, {'name': 'a', 'content': 'y'},
         {'name': '-bad'}],
        [{'name': 's', 'value': 'hunter2-secret'}, {'name': 't'}],
        exists=lambda path: False)
    assert 'config b: needs exactly one of content, src and template (has none)' in found
    assert 'config c: src /missing does not exist on the controller' in found
    assert 'config a: listed twice in swarm_configs_configs' in found
    assert any(text.startswith('config -bad: the name must start with a letter or digit') for text in found)
    assert 'secret t: needs a value (from Ansible Vault)' in found
    assert not any('hunter2' in text for text in found)


def test_node_problems():
    found = checks.node_problems([
        {'name': 'a', 'labels': {'zone': {'x': 1}, 'bad key!': 'v'}, 'availability': 'off'},
        {'name': 'b', 'labels': ['zone=a'], 'availability': 'drain'},
        {'name': 'c', 'labels': {'ok': True}, 'availability': 'active'},
    ])
    assert found == [
        'host a: swarm_node_labels zone must be a string, number or boolean, not a mapping',
        "host a: swarm_node_labels key 'bad key!' is not a valid label name",
        "host a: swarm_node_availability 'off' is not one of active, pause, drain",
        'host b: swarm_node_labels must be a mapping of label names to values',
    ]


def test_daemon_problems():
    assert checks.daemon_problems('m1', {'log-driver': 'json-file', 'log-opts': {'max-size': '10m', 'max-file': '3'},
                                         'insecure-registries': ['r:5000'], 'live-restore': True,
                                         'bip': '172.26.0.1/16',
                                         'default-address-pools': [{'base': '10.10.0.0/16', 'size': 24}]}) == []
    found = checks.daemon_problems('m1', {'log-opts': {'max-file': 3, 'compress': True}, 'insecure-registries': 'r:5000',
                                          'live-restore': 'yes', 'log-level': 'verbose', 'bip': 'nope',
                                          'default-address-pools': [{'base': '10.10.0.1/16', 'size': 24}, {'base': 'x'}]})
    for text in ('log-opts max-file must be a string ("3")', 'log-opts compress must be a string ("true")',
                 "insecure-registries must be a list, not 'r:5000'", "live-restore must be true or false, not 'yes'",
                 "log-level 'verbose' is not one of", "bip 'nope' is not an address",
                 "default-address-pools[0] base '10.10.0.1/16' is not a network",
                 'default-address-pools[1] needs base and size'):
        assert any(text in found_text for found_text in found), (text, found)
    assert checks.daemon_problems('m1', ['x']) == ['host m1: docker_daemon_options must be a mapping (the content of daemon.json)']
