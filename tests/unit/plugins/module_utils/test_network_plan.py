# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the swarm_networks role's plan: differences, users and refusals."""

from __future__ import annotations

import json

import pytest

from ansible_collections.homelab.swarm.plugins.module_utils import network_plan as plan

TASK_ID = 'k2j4h5g6f7d8s9a0q1w2e3r4t'  # 25 characters, as Docker's task ids


def overlay(**settings):
    """What `docker network inspect` prints for an overlay network as the role creates it."""
    network = {'Name': 'backend', 'Id': 'n1d', 'Driver': 'overlay', 'Scope': 'swarm', 'Attachable': False,
               'Internal': False, 'Options': {'com.docker.network.driver.overlay.vxlanid_list': '4097'},
               'Labels': {}, 'IPAM': {'Config': [{'Subnet': '10.0.2.0/24', 'Gateway': '10.0.2.1'}]},
               'Containers': {}}
    network.update(settings)
    return network


def lines(networks, services=()):
    return (['network %s' % json.dumps(network) for network in networks]
            + ['service %s' % json.dumps(service) for service in services])


def service(name, *targets):
    return {'Name': name, 'TaskTemplate': {'Networks': [{'Target': target} for target in targets] or None}}


def test_a_network_as_the_inventory_says_has_nothing_to_do():
    want = [{'name': 'backend', 'subnet': '10.0.2.0/24', 'gateway': '10.0.2.1', 'labels': {}}]
    assert plan.network_plan(want, lines([overlay()])) == [
        {'name': 'backend', 'state': 'present', 'exists': True, 'differences': [], 'users': []}]


def test_a_missing_network_exists_false_with_nothing_compared():
    want = [{'name': 'backend', 'state': 'present', 'subnet': '10.9.0.0/24'}, {'name': 'old', 'state': 'absent'}]
    assert plan.network_plan(want, lines([None, None])) == [
        {'name': 'backend', 'state': 'present', 'exists': False, 'differences': [], 'users': []},
        {'name': 'old', 'state': 'absent', 'exists': False, 'differences': [], 'users': []}]


def test_every_setting_docker_cannot_change_in_place_is_named():
    have = overlay(Driver='bridge', Scope='local', Attachable=True, Options={'encrypted': ''},
                   Labels={'team': 'a'}, IPAM={'Config': [{'Subnet': '10.0.2.0/24'}]})
    want = {'name': 'backend', 'subnet': '10.0.3.0/24', 'gateway': '10.0.3.1', 'ip_range': '10.0.3.128/25',
            'attachable': 'no', 'internal': 'yes', 'encrypted': False, 'labels': {'team': 'b'}}
    assert plan.differences(want, have) == [
        'driver bridge (local scope), not overlay (swarm scope)',
        'subnet 10.0.2.0/24 -> 10.0.3.0/24',
        'gateway none -> 10.0.3.1',
        'ip_range none -> 10.0.3.128/25',
        'attachable true -> false',
        'internal false -> true',
        'encrypted true -> false',
        'labels {"team": "a"} -> {"team": "b"}',
    ]


def test_addresses_the_inventory_leaves_out_are_the_swarms_choice():
    # No subnet in the inventory: whatever the swarm picked from its pool is fine, as are its
    # missing IPAM config, null options and null labels.
    have = overlay(IPAM={'Config': None}, Options=None, Labels=None)
    assert plan.differences({'name': 'backend', 'subnet': '', 'gateway': None}, have) == []
    assert plan.differences({'name': 'backend', 'labels': None}, overlay(IPAM={'Config': []})) == []


def test_users_are_the_services_attached_by_id_or_name_and_the_containers_that_are_not_tasks():
    have = overlay(Containers={
        'c1': {'Name': 'lab_web.1.' + TASK_ID},          # a task container: its service names it
        'c2': {'Name': 'lab_agent.x1y2z3.' + TASK_ID},   # a global service's task
        'c3': {'Name': 'debug-shell'},                   # docker run --network backend
        'lb-backend': {'Name': 'backend-endpoint'},      # the network's own load balancer
    })
    services = [service('lab_web', 'n1d'), service('lab_api', 'backend'), service('lab_db', 'other'),
                service('lab_job')]
    assert plan.users(have, services) == ['service lab_web', 'service lab_api', 'container debug-shell']


def test_the_plan_pairs_the_read_networks_with_the_inventory_in_order():
    want = [{'name': 'backend'}, {'name': 'frontend', 'attachable': True}]
    read = lines([overlay(), overlay(Name='frontend', Id='f1d')], [service('lab_web', 'f1d')])
    result = plan.network_plan(want, read)
    assert [entry['name'] for entry in result] == ['backend', 'frontend']
    assert result[0]['users'] == [] and result[0]['differences'] == []
    assert result[1] == {'name': 'frontend', 'state': 'present', 'exists': True,
                         'differences': ['attachable false -> true'], 'users': ['service lab_web']}


def test_a_read_that_does_not_match_the_inventory_is_an_error_not_a_wrong_plan():
    with pytest.raises(ValueError, match='gave 1 networks for 2'):
        plan.network_plan([{'name': 'a'}, {'name': 'b'}], lines([None]))


def entry(name, state='present', exists=True, differences=(), users=()):
    return {'name': name, 'state': state, 'exists': exists, 'differences': list(differences), 'users': list(users)}


def test_refusals_keep_every_network_in_use():
    refused = plan.refusals([
        entry('gone', state='absent', users=['service lab_web']),
        entry('moved', differences=['subnet 10.0.2.0/24 -> 10.0.3.0/24'], users=['service lab_api', 'container x']),
    ], recreate_unused=True)
    assert refused == [
        'Network gone: the inventory asks to remove it, but it is used by service lab_web.',
        'Network moved: the inventory asks for subnet 10.0.2.0/24 -> 10.0.3.0/24, which Docker can only apply by '
        'removing and creating it again, but it is used by service lab_api, container x.',
    ]


def test_an_unused_network_is_recreated_or_removed_unless_recreation_is_off():
    unused = [entry('changed', differences=['internal false -> true']), entry('gone', state='absent'),
              entry('same'), entry('new', exists=False, differences=['ignored'], users=['ignored'])]
    assert plan.refusals(unused, recreate_unused=True) == []
    assert plan.refusals(unused, recreate_unused=False) == [
        'Network changed: the inventory asks for internal false -> true, which Docker can only apply by removing and '
        'creating it again, and swarm_networks_recreate_unused is false.']
