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

import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.homelab.swarm.plugins.module_utils.docker_cli import (
    DockerCLIError,
    ERROR_PARSE,
    cli_error,
    command_runner,
    docker_command,
    docker_cli_argument_spec,
    exit_with_result,
    poll_docker_cli,
)


# Names only: --format '{{json .}}' of docker network ls gives nothing more that is needed here.
LIST_ARGS = ['network', 'ls', '--filter', 'driver=overlay', '--format', '{{.Name}}']


def expected_addresses(tasks):
    """The C(tasks) option as sorted unique C((network, address)) pairs, prefix lengths dropped."""
    return sorted(set((task['network'], task['address'].split('/', 1)[0]) for task in tasks if task['address']))


def network_view(output):
    """Parse the output of C(docker network inspect --verbose --format '{{json .}}' NET...), one object a line.

    Returns C({name: {'containers': bool, 'known': set of addresses}}). Raises DockerCLIError of kind parse.
    """
    view = {}
    for line in to_text(output).splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            network = json.loads(line)
            name = network['Name']
            known = set()
            for service in (network.get('Services') or {}).values():
                for task in (service or {}).get('Tasks') or []:
                    if task.get('EndpointIP'):
                        known.add(task['EndpointIP'])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DockerCLIError('Cannot parse the output of docker network inspect --verbose: %s: %r' % (exc, line[:200]),
                                 kind=ERROR_PARSE)
        view[name] = {'containers': bool(network.get('Containers')), 'known': known}
    return view


def unknown_addresses(expected, view):
    """The C(expected) pairs on networks with containers on the node whose address the node does not know."""
    return [pair for pair in expected if view.get(pair[0], {}).get('containers') and pair[1] not in view[pair[0]]['known']]


def check_once(module, run_list, expected):
    """One look at the node's overlay networks; a result for poll() with C(unknown) and C(attached)."""
    rc, stdout, stderr = run_list()
    if rc != 0:
        return read_error(cli_error(rc, stdout, stderr, 'docker network ls'))
    names = [name for name in to_text(stdout).split() if name]
    view = {}
    if names:
        rc, stdout, stderr = command_runner(
            module, docker_command(module, ['network', 'inspect', '--verbose', '--format', '{{json .}}'] + names))()
        if rc != 0:
            return read_error(cli_error(rc, stdout, stderr, 'docker network inspect'))
        view = network_view(stdout)
    unknown = unknown_addresses(expected, view)
    return {
        'unknown': [dict(network=network, address=address) for network, address in unknown],
        'attached': sorted(name for name, network in view.items() if network['containers']),
        'problems': ['%s %s' % pair for pair in unknown],
        'error': None,
    }


def read_error(error):
    if error.fatal:
        raise error
    return {'unknown': [], 'attached': [], 'problems': [error.msg], 'error': error}


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
