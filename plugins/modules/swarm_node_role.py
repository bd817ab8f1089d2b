#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_node_role

short_description: Promote or demote a Docker Swarm node and wait until Raft has it in its new role

version_added: 0.1.0

description:
  - Reads one node of a Docker Swarm with C(docker node inspect <node> --format '{{json .}}') on a swarm manager, runs
    C(docker node promote) or C(docker node demote) when its role is not O(role), and then polls the node until Raft
    has it in that role or O(wait_timeout) expires.
  - A manager is in its role once Raft reports it V(reachable); a worker once it is no longer a Raft member. Neither
    holds when C(docker node promote) or C(docker node demote) returns, nor when C(community.docker.docker_node)
    does, which is why this module exists. Adding or removing the next Raft member before the last one is in
    can cost the quorum, and a manager cannot leave the swarm without C(--force) until it is out of Raft.
  - Uses the docker CLI on the target host, so neither the Docker SDK for Python nor access to the Docker API from the
    controller is needed. Works with the docker CLI 20.10 and newer.
  - When the target is a swarm worker, is not part of a swarm, may not talk to the Docker daemon (permission denied), or the
    CLI prints something that cannot be parsed, the module fails at once.
  - Other failures while waiting (no leader, a daemon that does not answer) are retried while O(wait_timeout) allows.

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
      - Reports whether the role would change, and does not wait.
  diff_mode:
    support: full
    details:
      - The node's role before and after.
  platform:
    platforms: posix

options:
  node:
    description:
      - The node's ID or hostname, as C(docker node inspect) takes it.
    type: str
    required: true
  role:
    description:
      - The role the node must have.
    type: str
    choices: [manager, worker]
    required: true
  wait_timeout:
    description:
      - Seconds to keep polling until Raft has the node in O(role).
      - With V(0), the node is read once after the change and the module fails when Raft does not have it in its role yet.
    type: int
    default: 60
  poll_interval:
    description:
      - Seconds to wait between two attempts while polling.
      - Must be at least V(1).
    type: int
    default: 2

notes:
  - Run the module on a swarm manager, for example with C(delegate_to), and on one node at a time (C(throttle=1)), so
    that Raft gains or loses one member at a time.
  - The module waits also when the role was already O(role) in the node's spec, since an earlier promotion or demotion
    may still be under way.

seealso:
  - module: community.docker.docker_node
  - module: homelab.swarm.swarm_health
"""

EXAMPLES = r"""
---
- name: Promote the nodes the inventory lists as managers, one at a time
  homelab.swarm.swarm_node_role:
    node: "{{ inventory_hostname }}"
    role: manager
    wait_timeout: 60
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  throttle: 1
  when: inventory_hostname in groups['swarm_managers']

- name: Demote a manager before it leaves the swarm
  homelab.swarm.swarm_node_role:
    node: manager3
    role: worker
  delegate_to: manager1
"""

RETURN = r"""
met:
  description: Whether Raft has the node in O(role) in the last attempt; V(false) only in check mode.
  returned: always
  type: bool
  sample: true
problems:
  description: Why Raft does not have the node in O(role) in the last attempt, naming the node; empty when it has.
  returned: always
  type: list
  elements: str
  sample:
    - "worker2: a manager, Raft reachability unreachable"
attempts:
  description: How many times the node was read after the change, or V(0) in check mode.
  returned: always
  type: int
  sample: 3
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: int
  sample: 4
node:
  description: The node as read in the last attempt.
  returned: always
  type: dict
  contains:
    id:
      description: The node ID.
      type: str
      sample: 34un8iy5t6qp5yis5n7ew9q58
    hostname:
      description: The node's hostname.
      type: str
      sample: worker1
    role:
      description: V(manager) or V(worker), from the node's spec.
      type: str
      sample: worker
    availability:
      description: V(active), V(pause) or V(drain).
      type: str
      sample: active
    state:
      description: The node's status, for example V(ready), V(down) or V(unknown).
      type: str
      sample: ready
    message:
      description: The manager's message about the node's status, empty when there is none.
      type: str
      sample: heartbeat failure
    reachability:
      description: A manager's Raft reachability (V(reachable), V(unreachable), V(unknown)); empty for a worker.
      type: str
      sample: reachable
    leader:
      description: Whether the node is the Raft leader.
      type: bool
      sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.swarm.plugins.module_utils.docker_cli import (
    JSON_FORMAT,
    DockerCLIError,
    check_wait_options,
    cli_error,
    command_runner,
    docker_command,
    docker_cli_argument_spec,
    exit_with_result,
    field_text,
    json_fields,
    poll_docker_cli,
    read_json_lines,
)


ROLE_MANAGER = 'manager'
ROLE_WORKER = 'worker'


def normalize_node(raw):
    """Turn the decoded JSON object of C(docker node inspect) into the dict returned in C(node).

    Raises ValueError when it has no ID.
    """
    fields = json_fields(raw)
    node_id = field_text(fields.get('id'))
    if not node_id:
        raise ValueError('no ID key')
    spec = json_fields(fields.get('spec') or {})
    description = json_fields(fields.get('description') or {})
    status = json_fields(fields.get('status') or {})
    manager = fields.get('managerstatus')
    manager = json_fields(manager) if manager else {}
    return {
        'id': node_id,
        'hostname': field_text(description.get('hostname')),
        'role': field_text(spec.get('role')).lower(),
        'availability': field_text(spec.get('availability')).lower(),
        'state': field_text(status.get('state')).lower(),
        'message': field_text(status.get('message')),
        'reachability': field_text(manager.get('reachability')).lower(),
        'leader': bool(manager.get('leader')),
    }


def node_problems(node, role, name):
    """Why Raft does not have C(node) in the role C(role); empty when it has."""
    if role == ROLE_MANAGER:
        if node['role'] != 'manager':
            return ['%s: not a manager but a %s' % (name, node['role'] or 'node without a role')]
        if node['reachability'] != 'reachable':
            return ['%s: a manager, Raft reachability %s' % (name, node['reachability'] or 'not reported yet')]
    elif role == ROLE_WORKER:
        if node['role'] != 'worker':
            return ['%s: still a %s' % (name, node['role'] or 'node without a role')]
        if node['reachability']:
            return ['%s: a worker, but still a Raft member (reachability %s)' % (name, node['reachability'])]
    return []


def check_once(run, params):
    """Read and evaluate the node once.

    C(run) is a callable returning C((rc, stdout, stderr)) of C(docker node inspect). Returns a dict with
    C(node), C(problems) and C(error) (a DockerCLIError that waiting may fix, or None). Raises DockerCLIError
    for failures that waiting cannot fix.
    """
    nodes, error = read_json_lines(run, normalize_node, 'docker node inspect')
    if error is not None:
        return {'node': {}, 'problems': [error.msg], 'error': error}
    if len(nodes) != 1:
        return {'node': {}, 'problems': ['%s: docker node inspect returned %d nodes' % (params['node'], len(nodes))],
                'error': None}
    node = nodes[0]
    return {'node': node, 'problems': node_problems(node, params['role'], node['hostname'] or params['node']),
            'error': None}


def main():
    argument_spec = dict(
        node=dict(type='str', required=True),
        role=dict(type='str', required=True, choices=[ROLE_MANAGER, ROLE_WORKER]),
        wait_timeout=dict(type='int', default=60),
        poll_interval=dict(type='int', default=2),
    )
    argument_spec.update(docker_cli_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not params['node'].strip():
        module.fail_json(msg='node must name a node: its ID or hostname, not an empty string')
    check_wait_options(module)

    inspect_args = ['node', 'inspect', params['node'], '--format', JSON_FORMAT]
    inspect = docker_command(module, inspect_args)
    try:
        before = check_once(command_runner(module, inspect), params)
    except DockerCLIError as exc:
        module.fail_json(msg=exc.msg, stderr=exc.stderr or '', cmd=inspect)
    if before['error'] is not None:
        module.fail_json(msg='Could not read node %s: %s' % (params['node'], before['error'].msg),
                         stderr=before['error'].stderr or '', cmd=inspect)

    changed = before['node']['role'] != params['role']
    diff = dict(before=dict(role=before['node']['role']), after=dict(role=params['role']))
    if module.check_mode:
        module.exit_json(changed=changed, diff=diff, met=not changed and not before['problems'],
                         problems=before['problems'], attempts=0, elapsed=0, node=before['node'])

    if changed:
        # community.docker.docker_node sets the role too, but returns before Raft has the member.
        verb = 'promote' if params['role'] == ROLE_MANAGER else 'demote'
        change = docker_command(module, ['node', verb, params['node']])
        rc, stdout, stderr = command_runner(module, change)()
        if rc != 0:
            error = cli_error(rc, stdout, stderr, 'docker node %s' % verb)
            module.fail_json(msg=error.msg, stderr=stderr, cmd=change, node=before['node'])

    command, result = poll_docker_cli(module, inspect_args, lambda run: check_once(run, params))
    returns = dict(changed=changed, met=result['met'], elapsed=result['elapsed'], node=result['node'], diff=diff)
    exit_with_result(module, command, result, returns,
                     unmet='Raft does not have node %s as a %s' % (params['node'], params['role']),
                     unreadable='Could not read node %s' % params['node'], fail_when_unmet=True)


if __name__ == '__main__':
    main()
