#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_service_status

short_description: Report the replica state of Docker Swarm services and wait for them to converge

version_added: 0.1.0

description:
  - Lists the services of a Docker Swarm with C(docker service ls --format '{{json .}}') on a swarm manager and reports, for
    every service, how many tasks are running and how many are desired.
  - Optionally polls until the services are in the state given by O(wait_for) or O(wait_timeout) expires, for example
    after a node was drained (until its tasks run elsewhere) or after it came back (until the services converged again).
  - Jobs (modes V(replicated job) and V(global job)) are reported, but never counted as not converged or unavailable,
    since their tasks stop when they complete.
  - Uses the docker CLI on the target host, so neither the Docker SDK for Python nor access to the Docker API from the
    controller is needed. Works with the docker CLI 20.10 and newer.
  - Never changes anything, so the module always reports RV(ignore:changed=false).
  - When the target is a swarm worker, is not part of a swarm, may not talk to the Docker daemon (permission denied), or the
    CLI prints a line that cannot be parsed, the module fails at once, whatever O(wait_timeout) says.
  - When the Docker daemon is not reachable, the swarm has no leader, the manager did not answer in time or the CLI fails in
    another way, this is retried while O(wait_timeout) allows. Then the module fails, even with O(fail_on_unmet=false),
    since the state of the services is not known.

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
      - The module only reads the service list, so it runs unchanged in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix

options:
  services:
    description:
      - Names of the services to look at, as shown by C(docker service ls).
      - When O(stack) is set, a name may also be given without the V(<stack>_) prefix.
      - Names that match no service are returned in RV(summary.missing). They count as not converged and unavailable for
        O(wait_for).
      - When empty, every service is looked at (only those of O(stack) when it is set).
    type: list
    elements: str
    default: []
  stack:
    description:
      - Only look at the services of this stack, that is the services whose name starts with V(<stack>_).
    type: str
  wait_for:
    description:
      - The state the looked-at services must reach.
      - V(none) reads the service list once and returns it; RV(met) is then always V(true).
      - V(converged) requires every service to run as many tasks as desired.
      - V(available) requires every service that desires at least one task to run at least one.
    type: str
    choices: [none, converged, available]
    default: none
  wait_timeout:
    description:
      - Seconds to keep polling until the state given by O(wait_for) is reached.
      - With V(0), the service list is read once.
    type: int
    default: 0
  poll_interval:
    description:
      - Seconds to wait between two attempts while polling.
      - Must be at least V(1).
    type: int
    default: 2
    aliases: [wait_interval]
  drained_node:
    description:
      - A node that was just drained, by ID or hostname. O(wait_for) then also requires that none of its tasks is
        still live there (from V(new) to V(running)), read with C(docker node ps <node> --format '{{json .}}'). Draining
        only marks a node's tasks for shutdown, so its containers may still run after the services have their tasks
        elsewhere.
      - Those tasks are returned in RV(drained_node_tasks) and named in RV(problems).
      - Leave it out for a node that is down, whose last known tasks the swarm keeps reporting.
    type: str
  fail_on_unmet:
    description:
      - Fail the task when the state given by O(wait_for) is still not reached at the end.
      - When V(false), the module returns RV(met=false) and the RV(problems) instead.
    type: bool
    default: true

notes:
  - Run the module on a swarm manager, for example with C(delegate_to) or C(run_once) on a manager group.
  - A service with a V(max N per node) placement limit cannot converge while too few nodes are active; the limit is
    returned in RV(services[].max_per_node) and shown in RV(problems).
  - A global service desires one task per eligible node, so its desired count drops while a node is drained or down.

seealso:
  - module: homelab.swarm.swarm_health
  - module: community.docker.docker_swarm_service_info
"""

EXAMPLES = r"""
---
- name: Report the state of every service
  homelab.swarm.swarm_service_status:
  register: status

- name: After draining a node, wait until every service of the stack runs somewhere else
  homelab.swarm.swarm_service_status:
    stack: lab
    wait_for: available
    wait_timeout: 300
    poll_interval: 5
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true

- name: After the node is back, wait until the services converged again
  homelab.swarm.swarm_service_status:
    stack: lab
    wait_for: converged
    wait_timeout: 300
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true

- name: Before removing a drained node, wait until its services run elsewhere and it runs no task
  homelab.swarm.swarm_service_status:
    services: [lab_web, lab_api]
    wait_for: converged
    drained_node: worker2
    wait_timeout: 120
  delegate_to: "{{ groups['swarm_managers'][0] }}"
  run_once: true

- name: Check two services without failing
  homelab.swarm.swarm_service_status:
    stack: lab
    services: [web, api]
    wait_for: converged
    fail_on_unmet: false
  register: web

- name: Show the services that are not converged
  ansible.builtin.debug:
    var: web.summary.not_converged
  when: not web.met
"""

RETURN = r"""
met:
  description:
    - Whether the looked-at services are in the state given by O(wait_for) in the last attempt.
    - Always V(true) with O(wait_for=none).
  returned: always
  type: bool
  sample: true
problems:
  description:
    - One line per service that keeps O(wait_for) from being met in the last attempt, naming the service and why.
    - Always empty with O(wait_for=none).
  returned: always
  type: list
  elements: str
  sample:
    - "lab_web: 1/2 running (max 1 per node)"
    - "lab_db: no such service"
    - "worker2 still runs lab_api.1 (Running 3 seconds ago)"
attempts:
  description: How many times the service list was read.
  returned: always
  type: int
  sample: 1
elapsed:
  description: Seconds spent, polling included.
  returned: always
  type: int
  sample: 12
drained_node_tasks:
  description:
    - The tasks still live on O(drained_node) in the last attempt; empty without O(drained_node).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The task's name, C(<service>.<slot>) or C(<service>.<node id>).
      type: str
      sample: lab_web.2
    state:
      description: The task's current state as the CLI prints it.
      type: str
      sample: Running 4 seconds ago
services:
  description:
    - The looked-at services as listed by C(docker service ls), in that order (sorted by name).
    - Empty when the service list could not be read.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The service ID, shortened to 12 characters by the CLI.
      type: str
      sample: x6kqo2m6ed3b
    name:
      description: The service name.
      type: str
      sample: lab_web
    mode:
      description: V(replicated), V(global), V(replicated job) or V(global job), as printed by the CLI.
      type: str
      sample: replicated
    image:
      description: The image of the service, without digest.
      type: str
      sample: hsw-busybox:1
    ports:
      description: The ports published on the ingress network, as printed by the CLI.
      type: str
      sample: "*:8080->80/tcp"
    replicas:
      description: The replicas column as printed by the CLI.
      type: str
      sample: 1/2 (max 1 per node)
    running:
      description: Number of running tasks.
      type: int
      sample: 1
    desired:
      description: Number of desired tasks.
      type: int
      sample: 2
    max_per_node:
      description: The V(max N per node) placement limit, V(0) when there is none.
      type: int
      sample: 1
    job:
      description: Whether the service is a job (V(replicated job) or V(global job)).
      type: bool
      sample: false
    converged:
      description: Whether RV(services[].running) equals RV(services[].desired). Always V(true) for jobs.
      type: bool
      sample: false
    available:
      description:
        - Whether at least one task runs when at least one is desired. Always V(true) for jobs.
      type: bool
      sample: true
summary:
  description: Counts and lists computed from RV(services).
  returned: always
  type: dict
  contains:
    total:
      description: Number of looked-at services found.
      type: int
      sample: 5
    converged:
      description: Whether every looked-at service is converged and none is missing.
      type: bool
      sample: false
    available:
      description: Whether every looked-at service is available and none is missing.
      type: bool
      sample: true
    not_converged:
      description: Names of the looked-at services that are not converged.
      type: list
      elements: str
      sample: [lab_web]
    unavailable:
      description: Names of the looked-at services that are not available.
      type: list
      elements: str
      sample: []
    missing:
      description: Names from O(services) that match no service.
      type: list
      elements: str
      sample: []
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.swarm.plugins.module_utils.docker_cli import (
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


WAIT_NONE = 'none'
WAIT_CONVERGED = 'converged'
WAIT_AVAILABLE = 'available'

SERVICE_LS = ['service', 'ls', '--format', JSON_FORMAT]

# "2/2", "1/2 (max 1 per node)", "0/1 (1/1 completed)"; what follows the counts is only read, never required.
REPLICAS_RE = re.compile(r'^(\d+)\s*/\s*(\d+)(.*)$')
MAX_PER_NODE_RE = re.compile(r'\(\s*max\s+(\d+)\s+per\s+node\s*\)', re.IGNORECASE)
COMPLETED_RE = re.compile(r'\(\s*\d+\s*/\s*\d+\s+completed\s*\)', re.IGNORECASE)
# The current states of a task that still holds (or is about to start) a container on its node.
LIVE_TASK_STATES = ('new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running')


def is_job_mode(mode):
    """Whether C(mode) names a job; the CLI prints V(replicated job), other tools write V(replicated-job)."""
    return re.sub(r'[\s_-]+', ' ', mode.lower()).endswith(' job')


def parse_replicas(text):
    """Parse the C(Replicas) column into C((running, desired, max_per_node, completed_suffix)).

    Raises ValueError when it does not start with C(running/desired).
    """
    match = REPLICAS_RE.match(text)
    if not match:
        raise ValueError('Replicas is not running/desired: %r' % text)
    rest = match.group(3)
    max_match = MAX_PER_NODE_RE.search(rest)
    return (int(match.group(1)), int(match.group(2)), int(max_match.group(1)) if max_match else 0,
            bool(COMPLETED_RE.search(rest)))


def normalize_service(raw):
    """Turn one decoded C(docker service ls) JSON object into the dict returned in C(services).

    Tolerates key spelling and case. Raises ValueError when the object has no ID, no Name or no
    parsable Replicas.
    """
    fields = json_fields(raw)
    service_id = field_text(fields.get('id'))
    name = field_text(fields.get('name'))
    if not service_id or not name:
        raise ValueError('no ID or no Name key')
    replicas = field_text(fields.get('replicas'))
    running, desired, max_per_node, completed = parse_replicas(replicas)
    mode = field_text(fields.get('mode'))
    # The completed suffix identifies a job even when the mode is spelled in an unknown way.
    job = is_job_mode(mode) or completed
    return {
        'id': service_id,
        'name': name,
        'mode': mode,
        'image': field_text(fields.get('image')),
        'ports': field_text(fields.get('ports')),
        'replicas': replicas,
        'running': running,
        'desired': desired,
        'max_per_node': max_per_node,
        'job': job,
        'converged': job or running == desired,
        'available': job or desired == 0 or running >= 1,
    }


def parse_service_list(output):
    """Parse the output of C(docker service ls --format '{{json .}}') into a list of service dicts.

    See parse_json_lines(); raises DockerCLIError naming the first line that cannot be parsed.
    """
    return parse_json_lines(output, normalize_service, 'docker service ls')


def _unique(items):
    seen = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def select_services(services, names=None, stack=None):
    """Return C((selected, missing)): the services to look at, in list order, and the C(names) matching none."""
    if stack:
        prefix = stack + '_'
        services = [service for service in services if service['name'].startswith(prefix)]
    names = _unique(names or [])
    if not names:
        return list(services), []

    def matches(name, service):
        return service['name'] == name or bool(stack) and service['name'] == stack + '_' + name

    selected = [service for service in services if any(matches(name, service) for name in names)]
    missing = [name for name in names if not any(matches(name, service) for service in services)]
    return selected, missing


def _describe(service):
    text = '%d/%d running' % (service['running'], service['desired'])
    if service['max_per_node']:
        text += ' (max %d per node)' % service['max_per_node']
    return '%s: %s' % (service['name'], text)


def evaluate(services, names=None, stack=None, wait_for=WAIT_NONE):
    """Select and check a parsed service list.

    Returns C((selected, summary, problems)); O(wait_for) is met when C(problems) is empty.
    """
    selected, missing = select_services(services, names, stack)
    not_converged = [service for service in selected if not service['converged']]
    unavailable = [service for service in selected if not service['available']]

    problems = []
    if wait_for == WAIT_CONVERGED:
        problems.extend(_describe(service) for service in not_converged)
    elif wait_for == WAIT_AVAILABLE:
        problems.extend(_describe(service) for service in unavailable)
    if wait_for != WAIT_NONE:
        problems.extend('%s: no such service' % name for name in missing)

    summary = {
        'total': len(selected),
        'converged': not not_converged and not missing,
        'available': not unavailable and not missing,
        'not_converged': [service['name'] for service in not_converged],
        'unavailable': [service['name'] for service in unavailable],
        'missing': missing,
    }
    return selected, summary, problems


def empty_summary():
    return {
        'total': 0,
        'converged': False,
        'available': False,
        'not_converged': [],
        'unavailable': [],
        'missing': [],
    }


def normalize_node_task(raw):
    """One decoded C(docker node ps) JSON object as C({name, state}). Raises ValueError without a Name."""
    fields = json_fields(raw)
    name = field_text(fields.get('name'))
    if not name:
        raise ValueError('no Name key')
    return {'name': name, 'state': field_text(fields.get('currentstate'))}


def live_tasks(tasks):
    """The tasks of C(docker node ps) whose current state (its first word) is one of LIVE_TASK_STATES."""
    return [task for task in tasks if (task['state'].split() or [''])[0].lower() in LIVE_TASK_STATES]


def check_once(run, params, run_node_ps=None):
    """Read and evaluate the service list once, and the tasks of O(drained_node) when C(run_node_ps) is given.

    C(run) and C(run_node_ps) are callables returning C((rc, stdout, stderr)) of C(docker service ls) and
    C(docker node ps <drained_node>), both with C(--format '{{json .}}').
    Returns a dict with C(services), C(summary), C(drained_node_tasks), C(problems) and C(error) (a DockerCLIError
    that waiting may fix, or None). Raises DockerCLIError for failures that waiting cannot fix.
    """
    services, error = read_json_lines(run, normalize_service, 'docker service ls')
    if error is not None:
        return {'services': [], 'summary': empty_summary(), 'drained_node_tasks': [], 'problems': [error.msg], 'error': error}
    wait_for = params.get('wait_for') or WAIT_NONE
    selected, summary, problems = evaluate(services, names=params.get('services'), stack=params.get('stack'),
                                           wait_for=wait_for)
    node_tasks = []
    if run_node_ps is not None:
        tasks, error = read_json_lines(run_node_ps, normalize_node_task, 'docker node ps')
        if error is not None:
            return {'services': selected, 'summary': summary, 'drained_node_tasks': [], 'problems': [error.msg],
                    'error': error}
        node_tasks = live_tasks(tasks)
        if wait_for != WAIT_NONE:
            problems.extend('%s still runs %s (%s)' % (params['drained_node'], task['name'], task['state'])
                            for task in node_tasks)
    return {'services': selected, 'summary': summary, 'drained_node_tasks': node_tasks, 'problems': problems,
            'error': None}


def main():
    argument_spec = dict(
        services=dict(type='list', elements='str', default=[]),
        stack=dict(type='str'),
        wait_for=dict(type='str', default=WAIT_NONE, choices=[WAIT_NONE, WAIT_CONVERGED, WAIT_AVAILABLE]),
        wait_timeout=dict(type='int', default=0),
        poll_interval=dict(type='int', default=2, aliases=['wait_interval']),
        drained_node=dict(type='str'),
        fail_on_unmet=dict(type='bool', default=True),
    )
    argument_spec.update(docker_cli_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params['drained_node'] is not None and not params['drained_node'].strip():
        module.fail_json(msg='drained_node must name a node: its ID or hostname, not an empty string')

    run_node_ps = None
    if params['drained_node']:
        run_node_ps = command_runner(module, docker_command(module, ['node', 'ps', params['drained_node'], '--format', JSON_FORMAT]))
    command, result = poll_docker_cli(module, SERVICE_LS, lambda run: check_once(run, params, run_node_ps))
    returns = dict(met=result['met'], elapsed=result['elapsed'], services=result['services'], summary=result['summary'],
                   drained_node_tasks=result['drained_node_tasks'])
    # A stack name with a typo would otherwise look like a converged stack.
    if result['error'] is None and params['stack'] and not result['services'] and not params['services']:
        module.warn('No service of the stack %s was found' % params['stack'])
    exit_with_result(module, command, result, returns,
                     unmet='Services not converged' if params['wait_for'] == WAIT_CONVERGED else 'Services not available',
                     unreadable='Could not read the swarm service list', fail_when_unmet=params['fail_on_unmet'])


if __name__ == '__main__':
    main()
