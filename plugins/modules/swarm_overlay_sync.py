#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_overlay_sync

short_description: Wait until a swarm node's overlay networks know the addresses of the running tasks

version_added: 0.1.0

description:
  - Reads the node's overlay networks with C(docker network ls) and C(docker network inspect --verbose) and checks that
    every address of O(tasks) on a network with containers on this node is in the node's network database, polling
    until it is or O(wait_timeout) expires.
  - A restarted engine rejoins the overlay networks' gossip under a new identity, and the other nodes learn the
    addresses of its tasks only at a later bulk sync, half a minute to a minute after the tasks run. Until then their
    containers cannot resolve those tasks. Run this on every node after a restart, with the running tasks' addresses
    a manager reports, before the next node's tasks move.
  - Only networks with containers on the node are checked, since a node joins the gossip of those alone (a manager
    lists every network of the swarm).
  - Uses the docker CLI on the target host, so neither the Docker SDK for Python nor access to the Docker API from the
    controller is needed. Works with the docker CLI 20.10 and newer.
  - When the CLI fails (a network removed between the two reads, a daemon that does not answer), this is retried while
    O(wait_timeout) allows; then the module fails, even with O(fail_on_unmet=false). Output that cannot be parsed and
    a permission error fail at once.

author:
  - homelab.swarm maintainers (@homelab)

extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - homelab.swarm.docker_cli

attributes:
  action_group:
    version_added: 0.1.0
    membership:
      - homelab.swarm.docker_cli
  check_mode:
    support: full
    details:
      - The module only reads, so it runs unchanged in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix

options:
  tasks:
    description:
      - The overlay addresses of the swarm's running tasks, as a manager knows them (C(NetworksAttachments) of
        C(docker inspect) of each task).
    type: list
    elements: dict
    required: true
    suboptions:
      network:
        description: The network's name.
        type: str
        required: true
      address:
        description: The task's address on it; a prefix length (V(10.0.1.5/24)) is ignored.
        type: str
        required: true
  wait_timeout:
    description:
      - Seconds to keep polling until the node knows every address.
      - With V(0), the networks are read once.
    type: int
    default: 0
  poll_interval:
    description:
      - Seconds to wait between two attempts while polling.
      - Must be at least V(1).
    type: int
    default: 2
  fail_on_unmet:
    description:
      - Fail the task when the node still misses an address at the end.
      - When V(false), the module returns RV(met=false) and the RV(unknown) addresses instead.
    type: bool
    default: true

notes:
  - The ingress network takes part like any other overlay network.

seealso:
  - module: homelab.swarm.swarm_service_status
"""

EXAMPLES = r"""
---
# The addresses as a manager reports them, for instance from docker inspect of the running tasks
# with the format {{range .NetworksAttachments}}... printing one JSON object a line.
- name: Wait until every node knows the running tasks' addresses
  homelab.swarm.swarm_overlay_sync:
    tasks:
      - {network: lab_default, address: 10.0.1.7/24}
      - {network: lab_default, address: 10.0.1.9/24}
    wait_timeout: 120
  delegate_to: "{{ item }}"
  loop: "{{ groups['swarm_managers'] + groups['swarm_workers'] }}"
"""

RETURN = r"""
met:
  description: Whether the node knew every address of O(tasks) on its networks in the last attempt.
  returned: always
  type: bool
  sample: true
unknown:
  description: The addresses of O(tasks) on the node's networks that the node did not know in the last attempt.
  returned: always
  type: list
  elements: dict
  contains:
    network:
      description: The network's name.
      type: str
      sample: lab_default
    address:
      description: The task's address, without a prefix length.
      type: str
      sample: 10.0.1.7
attached:
  description: The overlay networks with containers on the node in the last attempt, the ones that were checked.
  returned: always
  type: list
  elements: str
  sample: [ingress, lab_default]
problems:
  description: One line per unknown address, C(<network> <address>), or why the networks could not be read.
  returned: always
  type: list
  elements: str
  sample:
    - lab_default 10.0.1.7
attempts:
  description: How many times the networks were read.
  returned: always
  type: int
  sample: 3
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: int
  sample: 4
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.swarm.plugins.module_utils.docker_cli import (
    JSON_FORMAT,
    command_runner,
    docker_command,
    docker_cli_argument_spec,
    exit_with_result,
    field_text,
    json_fields,
    poll_docker_cli,
    read_json_lines,
)


LIST_ARGS = ['network', 'ls', '--filter', 'driver=overlay', '--format', JSON_FORMAT]
INSPECT_ARGS = ['network', 'inspect', '--verbose', '--format', JSON_FORMAT]


def expected_addresses(tasks):
    """The C(tasks) option as sorted unique C((network, address)) pairs, prefix lengths dropped."""
    return sorted(set((task['network'], task['address'].split('/', 1)[0]) for task in tasks if task['address']))


def network_name(raw):
    """The C(Name) of one decoded C(docker network ls) JSON object. Raises ValueError without one."""
    name = field_text(json_fields(raw).get('name'))
    if not name:
        raise ValueError('no Name key')
    return name


def normalize_network(raw):
    """One decoded C(docker network inspect --verbose) JSON object as C({name, containers, known}).

    C(containers) tells whether the node has containers on the network; C(known) is the set of task
    addresses in the node's network database. Raises ValueError when the object has no Name or its
    C(Services) are not the engine's shape.
    """
    fields = json_fields(raw)
    name = network_name(raw)
    known = set()
    try:
        for service in (fields.get('services') or {}).values():
            for task in (service or {}).get('Tasks') or []:
                if task.get('EndpointIP'):
                    known.add(task['EndpointIP'])
    except (AttributeError, TypeError) as exc:
        raise ValueError('Services of network %s: %s' % (name, exc))
    return {'name': name, 'containers': bool(fields.get('containers')), 'known': known}


def unknown_addresses(expected, networks):
    """The C(expected) pairs on networks with containers on the node whose address the node does not know."""
    view = dict((network['name'], network) for network in networks)
    return [pair for pair in expected if view.get(pair[0], {}).get('containers') and pair[1] not in view[pair[0]]['known']]


def check_once(module, run_list, expected):
    """One look at the node's overlay networks; a result for poll() with C(unknown) and C(attached).

    Raises DockerCLIError for failures that waiting cannot fix.
    """
    names, error = read_json_lines(run_list, network_name, 'docker network ls')
    networks = []
    if error is None and names:
        run_inspect = command_runner(module, docker_command(module, INSPECT_ARGS + names))
        networks, error = read_json_lines(run_inspect, normalize_network, 'docker network inspect --verbose')
    if error is not None:
        return {'unknown': [], 'attached': [], 'problems': [error.msg], 'error': error}
    unknown = unknown_addresses(expected, networks)
    return {
        'unknown': [dict(network=network, address=address) for network, address in unknown],
        'attached': sorted(network['name'] for network in networks if network['containers']),
        'problems': ['%s %s' % pair for pair in unknown],
        'error': None,
    }


def main():
    argument_spec = dict(
        tasks=dict(type='list', elements='dict', required=True, options=dict(
            network=dict(type='str', required=True),
            address=dict(type='str', required=True),
        )),
        wait_timeout=dict(type='int', default=0),
        poll_interval=dict(type='int', default=2),
        fail_on_unmet=dict(type='bool', default=True),
    )
    argument_spec.update(docker_cli_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    expected = expected_addresses(module.params['tasks'])

    command, result = poll_docker_cli(module, LIST_ARGS, lambda run: check_once(module, run, expected))
    returns = dict(met=result['met'], unknown=result['unknown'], attached=result['attached'], elapsed=result['elapsed'])
    exit_with_result(module, command, result, returns,
                     unmet="The node's overlay networks do not know these running tasks (network address) yet; "
                           'the overlay gossip between the nodes (7946/tcp and udp) has not caught up',
                     unreadable="Could not read the node's overlay networks",
                     fail_when_unmet=module.params['fail_on_unmet'])


if __name__ == '__main__':
    main()
