#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_health

short_description: Assert that a Docker Swarm cluster is healthy

version_added: 0.1.0

description:
  - Lists the nodes of a Docker Swarm with C(docker node ls --format '{{json .}}') on a swarm manager and checks that the
    expected nodes are present, V(Ready) and V(Active), that there is exactly one leader and that enough managers are reachable.
  - Optionally polls until the swarm is healthy or O(wait_timeout) expires, for example right after nodes joined or a
    manager was restarted.
  - Uses the docker CLI on the target host, so neither the Docker SDK for Python nor access to the Docker API from the
    controller is needed. Works with the docker CLI 20.10 and newer.
  - Never changes anything, so the module always reports RV(ignore:changed=false).
  - When the target is a swarm worker, is not part of a swarm, may not talk to the Docker daemon (permission denied), or the
    CLI prints a line that cannot be parsed, the module fails at once, whatever O(wait_timeout) says.
  - When the swarm has no leader (raft quorum lost) or the manager did not answer in time, this is a swarm health problem.
    It is retried while O(wait_timeout) allows and then reported like any other problem.
  - When the Docker daemon is not reachable or the CLI fails in another way, this is retried while O(wait_timeout) allows.
    Then the module fails, even with O(fail_on_unhealthy=false), since the health of the swarm is not known.

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
      - The module only reads the cluster state, so it runs unchanged in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix

options:
  expected_nodes:
    description:
      - Hostnames (as shown by C(docker node ls)) that must be part of the swarm.
      - Expected hostnames that are not in the swarm are returned in RV(summary.missing) and are a problem.
      - Nodes in the swarm that are not listed here are returned in RV(summary.unexpected); they are a problem only with
        O(fail_on_unexpected=true).
      - When set, O(require_ready) and O(require_active) only look at these nodes. When empty, they look at every node.
      - Hostnames are compared case-insensitively.
    type: list
    elements: str
    default: []
  fail_on_unexpected:
    description:
      - Treat nodes that are in the swarm but not in O(expected_nodes) as a problem.
      - Has no effect when O(expected_nodes) is empty.
    type: bool
    default: false
  require_ready:
    description:
      - Every checked node (see O(expected_nodes)) must have the status V(Ready).
      - V(Down), V(Unknown) and V(Disconnected) nodes are then a problem.
    type: bool
    default: true
  require_active:
    description:
      - Every checked node (see O(expected_nodes)) must have the availability V(Active).
      - Nodes set to V(Drain) or V(Pause) are then a problem.
    type: bool
    default: true
  require_leader:
    description:
      - The swarm must have exactly one manager with the manager status V(Leader).
    type: bool
    default: true
  min_managers:
    description:
      - Minimum number of managers that must be reachable, that is have the manager status V(Leader) or V(Reachable).
      - Managers with the manager status V(Unreachable) are always reported as a problem, since they count towards the raft
        quorum size.
      - Use V(0) to skip this check.
    type: int
    default: 1
  fail_on_version_skew:
    description:
      - Treat nodes running different Docker Engine versions as a problem.
      - The skew is always returned in RV(summary.version_skew).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to keep polling until the swarm is healthy.
      - With V(0), the node list is read once.
    type: int
    default: 0
  poll_interval:
    description:
      - Seconds to wait between two attempts while polling.
      - Must be at least V(1).
    type: int
    default: 5
  fail_on_unhealthy:
    description:
      - Fail the task when the swarm is still unhealthy at the end.
      - When V(false), the module returns RV(healthy=false) and the RV(problems) instead.
    type: bool
    default: true

notes:
  - Run the module on a swarm manager, for example with C(delegate_to) or C(run_once) on a manager group.
  - After a node left and joined the swarm again, C(docker node ls) lists the old entry as V(Down) next to the new one
    until it is removed with C(docker node rm). The module reports such hostnames in RV(summary.duplicates) and treats them
    as healthy as long as one of the entries is V(Ready).

seealso:
  - module: community.docker.docker_node_info
  - module: community.docker.docker_swarm_info
"""

EXAMPLES = r"""
---
- name: Check that the swarm is healthy
  homelab.swarm.swarm_health:

- name: Wait up to two minutes for all nodes to be ready after provisioning
  homelab.swarm.swarm_health:
    expected_nodes: "{{ groups['swarm_managers'] + groups['swarm_workers'] }}"
    min_managers: 3
    wait_timeout: 120
    poll_interval: 10
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true

- name: Report the health without failing, and allow drained nodes
  homelab.swarm.swarm_health:
    require_active: false
    fail_on_unhealthy: false
  register: swarm

- name: Show the problems
  ansible.builtin.debug:
    var: swarm.problems
  when: not swarm.healthy
"""

RETURN = r"""
healthy:
  description: Whether no problem was found in the last attempt.
  returned: always
  type: bool
  sample: true
problems:
  description:
    - One line per problem found in the last attempt, naming the node and why.
  returned: always
  type: list
  elements: str
  sample:
    - "worker1: status Down (heartbeat failure, since 13:23:36 UTC, 42 s ago)"
    - "manager2: manager Unreachable"
    - "worker2: expected but not in the swarm"
attempts:
  description: How many times the node list was read.
  returned: always
  type: int
  sample: 1
nodes:
  description:
    - The nodes of the swarm as listed by C(docker node ls), in that order.
    - Empty when the node list could not be read (for example when the swarm has no leader).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The node ID.
      type: str
      sample: yeprklaua13ywnt70migw27ee
    hostname:
      description: The hostname of the node.
      type: str
      sample: manager1
    status:
      description: The node status, one of V(Ready), V(Down), V(Unknown) and V(Disconnected).
      type: str
      sample: Ready
    availability:
      description: The node availability, one of V(Active), V(Pause) and V(Drain).
      type: str
      sample: Active
    manager_status:
      description: V(Leader), V(Reachable) or V(Unreachable) for managers, the empty string for workers.
      type: str
      sample: Leader
    is_manager:
      description: Whether the node is a manager.
      type: bool
      sample: true
    is_leader:
      description: Whether the node is the raft leader.
      type: bool
      sample: true
    engine_version:
      description: The Docker Engine version of the node.
      type: str
      sample: 20.10.24+dfsg1
    self:
      description: Whether this is the node the module ran on.
      type: bool
      sample: true
    status_message:
      description:
        - What the manager says about the node's status, from C(docker node inspect).
        - Returned for the nodes that are not V(Ready), when the swarm was found unhealthy. Also added to the node's
          problem in RV(problems).
      type: str
      returned: when the node is not Ready and the swarm is unhealthy
      sample: heartbeat failure
    status_since:
      description:
        - When the node's status last changed (C(UpdatedAt) of C(docker node inspect)), in UTC.
        - Docker does not give the time of a node's last heartbeat; this is the nearest time it gives, set when
          the manager marked the node down. RV(problems) says how many seconds ago that was.
      type: str
      returned: when the node is not Ready and the swarm is unhealthy
      sample: "2026-12-04T13:23:36.682433267Z"
summary:
  description: Counts and lists computed from RV(nodes).
  returned: always
  type: dict
  contains:
    total:
      description: Number of entries in the node list, stale duplicates included.
      type: int
      sample: 4
    ready:
      description: Number of entries with the status V(Ready).
      type: int
      sample: 4
    active:
      description: Number of entries with the availability V(Active).
      type: int
      sample: 4
    managers:
      description: Number of manager entries, whatever their manager status.
      type: int
      sample: 3
    reachable_managers:
      description: Number of managers with the manager status V(Leader) or V(Reachable).
      type: int
      sample: 3
    quorum:
      description: Whether more than half of the managers are reachable.
      type: bool
      sample: true
    leader:
      description: Hostname of the leader, V(null) when there is none.
      type: str
      sample: manager1
    unreachable_managers:
      description: Hostnames of the managers with the manager status V(Unreachable).
      type: list
      elements: str
      sample: []
    missing:
      description: Hostnames from O(expected_nodes) that are not in the swarm.
      type: list
      elements: str
      sample: [worker2]
    unexpected:
      description: Hostnames in the swarm that are not in O(expected_nodes). Always empty when O(expected_nodes) is empty.
      type: list
      elements: str
      sample: []
    duplicates:
      description: Hostnames listed more than once, usually a stale V(Down) entry of a node that joined again.
      type: list
      elements: str
      sample: [worker1]
    engine_versions:
      description:
        - Sorted unique Docker Engine versions of the nodes.
        - For a duplicated hostname, only the entry that is used for the checks is counted.
      type: list
      elements: str
      sample: [27.2.1, 27.5.1]
    version_skew:
      description: Whether the nodes run more than one Docker Engine version.
      type: bool
      sample: false
"""

import calendar
import json
import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.swarm.plugins.module_utils.docker_cli import (
    ERROR_NO_LEADER,
    ERROR_TIMEOUT,
    JSON_FORMAT,
    command_runner,
    docker_cli_argument_spec,
    docker_command,
    exit_with_result,
    field_text,
    json_fields,
    parse_json_lines,
    poll_docker_cli,
    read_json_lines,
)


STATUS_READY = 'ready'
AVAILABILITY_ACTIVE = 'active'
MANAGER_LEADER = 'leader'
MANAGER_REACHABLE = 'reachable'

NODE_LS = ['node', 'ls', '--format', JSON_FORMAT]

# docker CLI failures that describe the state of the swarm itself: reported as problems.
SWARM_ERRORS = (ERROR_NO_LEADER, ERROR_TIMEOUT)


def _to_bool(value):
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    return field_text(value).lower() in ('true', 'yes', '1', '*')


def normalize_node(raw):
    """Turn one decoded C(docker node ls) JSON object into the dict returned in C(nodes).

    Tolerates key spelling (C(ManagerStatus), C(manager_status), C(Manager Status)),
    value case, and C(Self) given as a bool or as a string.
    Raises ValueError when the object has no ID or no hostname.
    """
    fields = json_fields(raw)
    node_id = field_text(fields.get('id'))
    hostname = field_text(fields.get('hostname'))
    if not node_id or not hostname:
        raise ValueError('no ID or no Hostname key')
    manager_status = field_text(fields.get('managerstatus'))
    return {
        'id': node_id,
        'hostname': hostname,
        'status': field_text(fields.get('status')),
        'availability': field_text(fields.get('availability')),
        'manager_status': manager_status,
        'is_manager': manager_status != '',
        'is_leader': manager_status.lower() == MANAGER_LEADER,
        'engine_version': field_text(fields.get('engineversion')),
        'self': _to_bool(fields.get('self')),
    }


def parse_node_list(output):
    """Parse the output of C(docker node ls --format '{{json .}}') into a list of node dicts.

    See parse_json_lines(); raises DockerCLIError naming the first line that cannot be parsed.
    """
    return parse_json_lines(output, normalize_node, 'docker node ls')


def _version_key(version):
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'(\d+)', version) if part]


def _choose_entry(entries):
    """Pick the entry of a (possibly duplicated) hostname that the checks look at: Ready first, then Active, then managers."""
    def rank(node):
        return (
            node['status'].lower() != STATUS_READY,
            node['availability'].lower() != AVAILABILITY_ACTIVE,
            not node['is_manager'],
        )
    return sorted(entries, key=rank)[0]


def _label(node, entries_by_host):
    """Name a node in a problem: its hostname, plus the ID when the hostname is listed more than once."""
    if len(entries_by_host[node['hostname'].lower()]) > 1:
        return '%s (ID %s)' % (node['hostname'], node['id'])
    return node['hostname']


def evaluate(nodes, expected_nodes=None, require_ready=True, require_active=True, require_leader=True,
             min_managers=1, fail_on_unexpected=False, fail_on_version_skew=False, status_details=None):
    """Check a parsed node list. Returns C((summary, problems)); the swarm is healthy when C(problems) is empty.

    C(status_details) maps a node ID to words added to that node's status problem (see add_down_details())."""
    status_details = status_details or {}
    expected_nodes = [name for name in (expected_nodes or []) if name]
    problems = []

    entries_by_host = {}
    order = []
    for node in nodes:
        key = node['hostname'].lower()
        if key not in entries_by_host:
            entries_by_host[key] = []
            order.append(key)
        entries_by_host[key].append(node)
    chosen = dict((key, _choose_entry(entries)) for key, entries in entries_by_host.items())

    expected_keys = []
    for name in expected_nodes:
        if name.lower() not in expected_keys:
            expected_keys.append(name.lower())
    missing = [name for name in _unique(expected_nodes) if name.lower() not in entries_by_host]
    unexpected = []
    if expected_nodes:
        unexpected = [chosen[key]['hostname'] for key in order if key not in expected_keys]
    checked = [key for key in order if not expected_nodes or key in expected_keys]

    duplicates = [chosen[key]['hostname'] for key in order if len(entries_by_host[key]) > 1]

    for key in checked:
        node = chosen[key]
        entries = entries_by_host[key]
        # The chosen entry is a Ready one whenever the hostname has one.
        if require_ready and node['status'].lower() != STATUS_READY:
            if len(entries) > 1:
                problems.append('%s: listed %d times and no entry is Ready (%s)' % (
                    node['hostname'], len(entries),
                    ', '.join('%s %s' % (entry['id'], entry['status'] or 'no status') for entry in entries)))
            else:
                detail = status_details.get(node['id'])
                problems.append('%s: status %s%s' % (node['hostname'], node['status'] or 'missing',
                                                     ' (%s)' % detail if detail else ''))
        if require_active and node['availability'].lower() != AVAILABILITY_ACTIVE:
            problems.append('%s: availability %s' % (node['hostname'], node['availability'] or 'missing'))

    managers = [node for node in nodes if node['is_manager']]
    leaders = [node for node in managers if node['is_leader']]
    reachable = [node for node in managers if node['manager_status'].lower() in (MANAGER_LEADER, MANAGER_REACHABLE)]
    unreachable = [node for node in managers if node['manager_status'].lower() not in (MANAGER_LEADER, MANAGER_REACHABLE)]
    for node in unreachable:
        problems.append('%s: manager %s' % (_label(node, entries_by_host), node['manager_status']))

    if require_leader:
        if not leaders:
            problems.append('no leader')
        elif len(leaders) > 1:
            problems.append('more than one leader: %s' % ', '.join(node['hostname'] for node in leaders))
    if min_managers and len(reachable) < min_managers:
        problems.append('%d reachable manager(s), at least %d required' % (len(reachable), min_managers))

    for name in missing:
        problems.append('%s: expected but not in the swarm' % name)
    if fail_on_unexpected:
        for name in unexpected:
            problems.append('%s: in the swarm but not expected' % name)

    versions = sorted(set(chosen[key]['engine_version'] for key in order if chosen[key]['engine_version']),
                      key=_version_key)
    if fail_on_version_skew and len(versions) > 1:
        problems.append('engine version skew: %s' % ', '.join(
            '%s %s' % (chosen[key]['hostname'], chosen[key]['engine_version']) for key in order))

    if not nodes:
        problems.append('docker node ls listed no nodes')

    summary = {
        'total': len(nodes),
        'ready': len([node for node in nodes if node['status'].lower() == STATUS_READY]),
        'active': len([node for node in nodes if node['availability'].lower() == AVAILABILITY_ACTIVE]),
        'managers': len(managers),
        'reachable_managers': len(reachable),
        'quorum': len(reachable) > len(managers) // 2 if managers else False,
        'leader': leaders[0]['hostname'] if len(leaders) == 1 else None,
        'unreachable_managers': [_label(node, entries_by_host) for node in unreachable],
        'missing': missing,
        'unexpected': unexpected,
        'duplicates': duplicates,
        'engine_versions': versions,
        'version_skew': len(versions) > 1,
    }
    return summary, problems


def _unique(items):
    seen = []
    for item in items:
        if item.lower() not in [other.lower() for other in seen]:
            seen.append(item)
    return seen


def empty_summary():
    return {
        'total': 0,
        'ready': 0,
        'active': 0,
        'managers': 0,
        'reachable_managers': 0,
        'quorum': False,
        'leader': None,
        'unreachable_managers': [],
        'missing': [],
        'unexpected': [],
        'duplicates': [],
        'engine_versions': [],
        'version_skew': False,
    }


GO_TIME = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z$')


def go_time_seconds(text):
    """Seconds since the epoch of a UTC time as the Docker API gives it (RFC 3339, nanoseconds), or None."""
    match = GO_TIME.match(field_text(text))
    if not match:
        return None
    return calendar.timegm(tuple(int(part) for part in match.groups()) + (0, 0, 0))


def down_details(inspected, now):
    """node ID -> C({message, since, seconds}) from C(docker node inspect) of nodes that are not Ready.

    Docker does not give the time of a node's last heartbeat; the time its status last changed (the node
    object's UpdatedAt, set when the manager marked it down) is the nearest it gives.
    """
    details = {}
    for node in inspected:
        status = node.get('Status') or {}
        since = node.get('UpdatedAt')
        seconds = go_time_seconds(since)
        details[node.get('ID')] = {
            'message': field_text(status.get('Message')),
            'since': since,
            'seconds': None if seconds is None else max(0, int(now - seconds)),
        }
    return details


def describe(detail):
    """The words a status problem gets from down_details(): C(heartbeat failure, since 13:23:36 UTC, 42 s ago)."""
    words = [detail['message']] if detail.get('message') else []
    if detail.get('seconds') is not None:
        words.append('since %s UTC, %d s ago' % (GO_TIME.match(detail['since']).expand(r'\4:\5:\6'), detail['seconds']))
    return ', '.join(words)


def add_down_details(module, nodes, now):
    """The message and status time of each node that is not Ready, from one C(docker node inspect) after the
    wait: added to its entry in C(nodes) (RV(nodes[].status_message), RV(nodes[].status_since)). Returns
    node ID -> the words for its problem, empty when the inspect (best effort) gives nothing."""
    described = {}
    down = [node for node in nodes if node['status'].lower() != STATUS_READY]
    if not down:
        return described
    rc, out, _err = command_runner(module, docker_command(module, ['node', 'inspect'] + [node['id'] for node in down]))()
    if rc != 0:
        return described
    try:
        details = down_details(json.loads(out), now)
    except (ValueError, TypeError, AttributeError):
        return described
    for node in down:
        detail = details.get(node['id'])
        if detail:
            node['status_message'] = detail['message']
            node['status_since'] = detail['since']
            described[node['id']] = describe(detail)
    return described


CHECK_OPTIONS = ('expected_nodes', 'require_ready', 'require_active', 'require_leader', 'min_managers',
                 'fail_on_unexpected', 'fail_on_version_skew')


def check_options(params):
    """The module parameters that evaluate() takes."""
    return dict((name, params[name]) for name in CHECK_OPTIONS if name in params)


def check_once(run, params):
    """Read and evaluate the node list once.

    C(run) is a callable returning C((rc, stdout, stderr)) of C(docker node ls --format '{{json .}}').
    Returns a dict with C(nodes), C(summary), C(problems) and C(error) (a DockerCLIError that is not a swarm
    state, or None). Raises DockerCLIError for failures that waiting cannot fix.
    """
    nodes, error = read_json_lines(run, normalize_node, 'docker node ls')
    if error is not None:
        return {'nodes': [], 'summary': empty_summary(), 'problems': [error.msg],
                'error': None if error.kind in SWARM_ERRORS else error}
    summary, problems = evaluate(nodes, **check_options(params))
    return {'nodes': nodes, 'summary': summary, 'problems': problems, 'error': None}


def main():
    argument_spec = dict(
        expected_nodes=dict(type='list', elements='str', default=[]),
        fail_on_unexpected=dict(type='bool', default=False),
        require_ready=dict(type='bool', default=True),
        require_active=dict(type='bool', default=True),
        require_leader=dict(type='bool', default=True),
        min_managers=dict(type='int', default=1),
        fail_on_version_skew=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=0),
        poll_interval=dict(type='int', default=5),
        fail_on_unhealthy=dict(type='bool', default=True),
    )
    argument_spec.update(docker_cli_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    if params['min_managers'] < 0:
        module.fail_json(msg='min_managers must be 0 or more, got %d' % params['min_managers'])
    command, result = poll_docker_cli(module, NODE_LS, lambda run: check_once(run, params))
    if not result['met'] and result['nodes']:
        described = add_down_details(module, result['nodes'], time.time())
        if described:
            result['problems'] = evaluate(result['nodes'], status_details=described, **check_options(params))[1]
    returns = dict(healthy=result['met'], nodes=result['nodes'], summary=result['summary'])
    exit_with_result(module, command, result, returns, unmet='Swarm unhealthy',
                     unreadable='Could not read the swarm node list', fail_when_unmet=params['fail_on_unhealthy'])


if __name__ == '__main__':
    main()
