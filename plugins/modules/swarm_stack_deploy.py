#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_stack_deploy

short_description: Deploy or remove a Docker stack, substituting its variables from a no_log mapping

version_added: 0.1.0

description:
  - Deploys the compose document O(definition) as the stack O(name) with C(docker stack deploy), after substituting its
    C(${VAR}), C(${VAR:-default}), C(${VAR-default}), C(${VAR:?message}) and C(${VAR?message}) references from O(env),
    with the docker CLI's rules. C($$) stays a literal C($).
  - The substituted document goes to the docker CLI on its standard input, so the values of O(env) are written to no
    file and no command line, and they are masked in the module's output. They do end up in the services' specs, as
    with C(docker stack deploy) itself.
  - Reports a change only when a service of the stack was created, changed or removed, by comparing the services'
    specs before and after the deploy. The platforms docker records from a registry query (and drops on a later
    deploy that does not query) are left out of the comparison.
  - With O(state=absent), removes the stack with C(docker stack rm) and waits until its services and networks are
    gone. A network that another service still uses is kept, with a warning.
  - Use this module rather than M(community.docker.docker_stack) when the stack has variables, since that module can
    only take them from the environment of its process, which Ansible puts on the command line it logs with C(-vvv).

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
    support: partial
    details:
      - Reports the services that would be created or removed; changes to the specs of existing services are not
        predicted.
  diff_mode:
    support: none
  platform:
    platforms: posix

options:
  name:
    description: Name of the stack.
    type: str
    required: true
  state:
    description: Whether the stack should be deployed or removed.
    type: str
    choices: [present, absent]
    default: present
  definition:
    description:
      - The compose document (version 3.x), as a mapping. Required with O(state=present).
      - Its variables are substituted from O(env); a variable that O(env) does not define fails the module, naming it.
    type: dict
  env:
    description: Values of the document's variables. Never logged.
    type: dict
    default: {}
  prune:
    description: Remove the services of the stack that O(definition) no longer has (C(--prune)).
    type: bool
    default: true
  resolve_image:
    description: C(--resolve-image) of C(docker stack deploy).
    type: str
    choices: [always, changed, never]
    default: never
  with_registry_auth:
    description: Send the manager's registry credentials to the nodes (C(--with-registry-auth)).
    type: bool
    default: false
  configs:
    description:
      - Configs the document refers to as external, created before the deploy when missing (configs are immutable, so
        each name should carry a hash of its data).
      - They are labelled as the stack's, and after the deploy the stack's configs that are neither listed here nor used
        by any service are removed.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: Name of the config in the swarm., type: str, required: true}
      data: {description: Its content., type: str, required: true}
      labels: {description: Extra labels., type: dict, default: {}}
  wait:
    description:
      - With O(state=present), wait until every service of the stack runs its desired tasks and no rolling update is
        under way, then fail when a service is short of tasks or its update was paused or rolled back.
      - The same tasks must keep running for 5 seconds, as with C(docker service update --detach=false), so that a
        crash-looping task seen running between two restarts does not count as converged. A stack first seen
        converged at O(wait_timeout) is looked at once more, 5 seconds later.
      - When the deploy changed no service, one look that finds every service converged is enough, because no task was
        replaced and there is nothing to hold.
      - The failure names each failing task with its node and error, and the last O(logs_tail) lines of each failing
        service's logs.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the services.
    type: int
    default: 300
  poll_interval:
    description: Seconds between two looks at the services.
    type: int
    default: 2
  logs_tail:
    description:
      - Lines of each failing service's logs (C(docker service logs --tail)) in the failure message; V(0) for none.
      - Each read of the failure report (C(docker service ps), C(docker service logs)) is given 20 seconds with
        coreutils C(timeout), since C(docker service logs) waits for every node that ran a task of the service, and
        the message says when one was cut off.
    type: int
    default: 20
  absent_timeout:
    description: Seconds to wait, with O(state=absent), until the stack's services and networks are gone.
    type: int
    default: 60

notes:
  - Run it on a swarm manager.

seealso:
  - module: community.docker.docker_stack
  - module: homelab.swarm.swarm_service_status
"""

EXAMPLES = r"""
- name: Deploy the app stack with its variables from the vault
  homelab.swarm.swarm_stack_deploy:
    name: app
    definition: "{{ lookup('ansible.builtin.file', 'app.json') | from_json }}"
    env:
      REDIS_PASSWORD: "{{ vault_redis_password }}"

- name: Remove the old stack
  homelab.swarm.swarm_stack_deploy:
    name: legacy
    state: absent
"""

RETURN = r"""
services:
  description: The stack's services after the run, by name, with what happened to each.
  returned: always
  type: dict
  sample: {app_web: updated, app_db: unchanged, app_old: removed}
changes:
  description: For each updated service, the paths of its spec that changed (names only, never values).
  returned: always
  type: dict
  sample: {app_web: [TaskTemplate.ContainerSpec.Image]}
configs_created:
  description: Configs created from O(configs).
  returned: always
  type: list
  elements: str
configs_removed:
  description: Configs of the stack no longer listed nor used, removed after the deploy.
  returned: always
  type: list
  elements: str
waited:
  description: Seconds spent waiting for the services, and the services waited for at the first look.
  returned: with O(wait)
  type: dict
  sample: {seconds: 6, services: [app_web]}
networks_kept:
  description: With O(state=absent), the stack's networks still in use by other services, which were kept.
  returned: always
  type: list
  elements: str
stdout:
  description: What C(docker stack deploy) or C(docker stack rm) printed.
  returned: always
  type: str
"""

import json
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.swarm.plugins.module_utils.compose import InterpolationError, interpolate_document
from ansible_collections.homelab.swarm.plugins.module_utils.docker_cli import (
    ERROR_DAEMON,
    ERROR_NO_LEADER,
    ERROR_TIMEOUT,
    cli_error,
    docker_cli_argument_spec,
    docker_command,
)

NAMESPACE = 'com.docker.stack.namespace'
# Rolling-update states: still going, and given up (paused on failure, or rolled back).
UPDATE_BUSY = ('updating', 'rollback_started')
UPDATE_FAILED = ('paused', 'rollback_paused', 'rollback_completed')
# Swarm clears a service's update status when its task spec changes and sets it again once the
# rollout starts; a service still without one this long after the deploy has nothing to roll out.
ROLLOUT_GRACE = 10
# Seconds the same tasks must keep running before a stack counts as converged.
STABLE_SECONDS = 5
# Marks the configs this module created, so that it only ever removes its own.
OWNER = 'io.homelab.swarm.stack'
# Each docker read of a failure report gets this many seconds, so that the report ends when a node's engine
# no longer answers (docker service logs waits for every node that ran a task, with no timeout of its own).
REPORT_READ_SECONDS = 20
# The exit code of coreutils timeout(1) when it stopped the command.
TIMED_OUT = 124
# CLI failures that mean the manager's engine (or its control plane) stopped answering.
ENGINE_LOST = (ERROR_DAEMON, ERROR_NO_LEADER, ERROR_TIMEOUT)


def short_of_tasks(state):
    """Fewer tasks of a service_states() entry running than desired, or some of them on an earlier spec."""
    return state['running'] != state['desired'] or len(state['current']) < state['desired']


def comparable(spec):
    """A service spec without what docker records by itself: the platforms a registry query found for
    the image, which a later deploy that does not query drops again (no task is replaced either way)."""
    spec = json.loads(json.dumps(spec))
    placement = spec.get('TaskTemplate', {}).get('Placement')
    if isinstance(placement, dict):
        placement.pop('Platforms', None)
        if not placement:
            spec['TaskTemplate'].pop('Placement')
    return spec


def diff_paths(before, after, prefix=''):
    """The dotted paths where two specs differ, without their values."""
    if isinstance(before, dict) and isinstance(after, dict):
        paths = []
        for key in sorted(set(before) | set(after)):
            path = '%s.%s' % (prefix, key) if prefix else key
            if key not in before or key not in after:
                paths.append(path)
            elif before[key] != after[key]:
                paths.extend(diff_paths(before[key], after[key], path))
        return paths
    return [prefix] if before != after else []


class StackDeployer(object):

    def __init__(self, module):
        self.module = module
        self.name = module.params['name']
        # The services a wait is for, named when the engine stops answering during it.
        self.waiting = None
        # The services a deploy is sending, named when the engine stops answering during it.
        self.deploying = None

    def run(self, args, data=None, check=True, seconds=None):
        command = docker_command(self.module, args)
        if seconds:
            # coreutils is essential on every supported host; without it the read is not bounded.
            bound = self.module.get_bin_path('timeout')
            if bound:
                command = [bound, '--kill-after=5', str(seconds)] + command
        rc, out, err = self.module.run_command(command, data=data, binary_data=False,
                                               environ_update={'LC_ALL': 'C'})
        if check and rc != 0:
            failure = cli_error(rc, out, err, ' '.join(args[:3]))
            error = failure.msg
            lost_while = None
            if self.deploying is not None and failure.kind in ENGINE_LOST:
                lost_while = 'deploying %s' % ', '.join(self.deploying)
            elif self.waiting is not None:
                lost_while = 'waiting for %s' % (', '.join(self.waiting) or 'its services to hold')
            if lost_while:
                self.module.fail_json(msg='Stack %s: lost the engine on %s while %s: %s' % (
                    self.name, os.uname()[1], lost_while, error), stdout=out, stderr=err)
            self.module.fail_json(msg='Stack %s: %s' % (self.name, error), stdout=out, stderr=err)
        return rc, out, err

    def service_specs(self):
        _rc, out, _err = self.run(['service', 'ls', '--quiet', '--filter', 'label=%s=%s' % (NAMESPACE, self.name)])
        ids = out.split()
        if not ids:
            return {}
        _rc, out, _err = self.run(['service', 'inspect'] + ids)
        return dict((service['Spec']['Name'], comparable(service['Spec'])) for service in json.loads(out))

    def networks(self):
        _rc, out, _err = self.run(['network', 'ls', '--filter', 'label=%s=%s' % (NAMESPACE, self.name),
                                   '--format', '{{.Name}}'])
        return out.split()

    def present(self):
        params = self.module.params
        if params['definition'] is None:
            self.module.fail_json(msg='Stack %s: definition is required with state=present' % self.name)
        try:
            document = interpolate_document(params['definition'], params['env'], escape=True)
        except InterpolationError as error:
            self.module.fail_json(msg='Stack %s: %s' % (self.name, error.msg))
        before = self.service_specs()
        wanted = ['%s_%s' % (self.name, service) for service in (document.get('services') or {})]
        if self.module.check_mode:
            services = dict((name, 'created') for name in wanted if name not in before)
            if params['prune']:
                services.update((name, 'removed') for name in before if name not in wanted)
            services.update((name, 'unknown') for name in wanted if name in before)
            existing = self.own_configs() if params['configs'] else []
            missing = [config['name'] for config in params['configs'] if config['name'] not in existing]
            return dict(changed=bool(missing) or any(v in ('created', 'removed') for v in services.values()),
                        services=services, networks_kept=[], stdout='', configs_created=missing, configs_removed=[])
        created = self.create_configs()
        args = ['stack', 'deploy', '--compose-file', '-', '--resolve-image', params['resolve_image']]
        if params['prune']:
            args.append('--prune')
        if params['with_registry_auth']:
            args.append('--with-registry-auth')
        self.deploying = sorted(wanted)
        _rc, out, _err = self.run(args + [self.name], data=json.dumps(document))
        self.deploying = None
        if params['wait']:
            # From here on the run waits for the stack: an engine lost now is reported as lost during the wait.
            self.waiting = sorted(wanted)
        after = self.service_specs()
        services, changes = {}, {}
        for name in sorted(set(before) | set(after)):
            if name not in after:
                services[name] = 'removed'
            elif name not in before:
                services[name] = 'created'
            else:
                services[name] = 'unchanged' if before[name] == after[name] else 'updated'
                if services[name] == 'updated':
                    changes[name] = diff_paths(before[name], after[name])
        rolled = [name for name in after if name in before
                  and before[name].get('TaskTemplate') != after[name].get('TaskTemplate')]
        touched = bool(created) or any(state != 'unchanged' for state in services.values())
        waited = self.wait(rolled, hold=touched) if params['wait'] else None
        removed = self.prune_configs(after)
        changed = touched or bool(removed)
        result = dict(changed=changed, services=services, changes=changes, networks_kept=[], stdout=out,
                      configs_created=created, configs_removed=removed)
        if waited is not None:
            result['waited'] = waited
        return result

    def service_states(self):
        """name -> {replicas, running, desired, current, update, message} of the stack's services, where
        current holds the IDs of the running tasks that run the service's spec as it is now."""
        _rc, out, _err = self.run(['service', 'ls', '--filter', 'label=%s=%s' % (NAMESPACE, self.name),
                                   '--format', '{{json .}}'])
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        if not rows:
            return {}
        _rc, inspected, _err = self.run(['service', 'inspect'] + [row['ID'] for row in rows])
        updates = dict((service['Spec']['Name'], service.get('UpdateStatus') or {}) for service in json.loads(inspected))
        current = self.current_tasks([row['Name'] for row in rows])
        states = {}
        for row in rows:
            if 'job' in (row.get('Mode') or ''):
                continue
            counts = re.match(r'^([0-9]+)/([0-9]+)', row.get('Replicas') or '')
            update = updates.get(row['Name'], {})
            states[row['Name']] = {
                'replicas': row.get('Replicas'),
                'running': int(counts.group(1)) if counts else 0,
                'desired': int(counts.group(2)) if counts else 1,
                'current': current.get(row['Name'], set()),
                'update': update.get('State') or '',
                'message': update.get('Message') or '',
            }
        return states

    @staticmethod
    def waiting_for(states, rolled, grace_over):
        waiting = []
        for name, state in states.items():
            if state['update'] in UPDATE_BUSY:
                waiting.append(name)
            elif state['update'] in UPDATE_FAILED:
                continue
            elif short_of_tasks(state):
                # A task of an earlier spec still running: a rollout that a killed or concurrent run started
                # goes on, with no update status once a deploy sent the same spec again.
                waiting.append(name)
            elif name in rolled and not state['update'] and not grace_over:
                waiting.append(name)
        return sorted(waiting)

    def current_tasks(self, services):
        """service -> the IDs of its running tasks that are up to date with its spec. `_up-to-date` is
        the task filter the docker CLI's own converge wait uses; docker_swarm_service_info has no such
        filter, hence the CLI."""
        _rc, out, _err = self.run(['service', 'ps', '--filter', 'desired-state=running', '--filter', '_up-to-date=true',
                                   '--format', '{{.ID}} {{.Name}} {{.CurrentState}}'] + sorted(services), check=False)
        tasks = dict((name, set()) for name in services)
        for line in out.splitlines():
            fields = line.split(None, 2)
            if len(fields) == 3 and fields[2].startswith('Running'):
                service = fields[1].lstrip('\\_ ').rsplit('.', 1)[0]
                if service in tasks:
                    tasks[service].add(fields[0])
        return tasks

    @staticmethod
    def current_of(states):
        return dict((name, state['current']) for name, state in states.items())

    @staticmethod
    def restarted(tasks, held):
        """The services whose running tasks are not the ones held before."""
        return sorted(name for name in tasks if tasks[name] != held.get(name))

    def wait(self, rolled, hold=True):
        """Until every service runs its desired tasks, and the same tasks for STABLE_SECONDS (as the docker
        CLI's own wait does): a crash-looping task is Running for a moment between two restarts.
        Without hold (the deploy replaced no task), a first look that finds nothing to wait for ends it."""
        params = self.module.params
        start = time.time()
        deadline = start + params['wait_timeout']
        first = None
        held, held_since, restarting = None, None, []
        self.waiting = sorted(rolled)
        while True:
            states = self.service_states()
            waiting = self.waiting_for(states, rolled, time.time() - start >= ROLLOUT_GRACE)
            if first is None:
                first = waiting
            self.waiting = waiting or sorted(states)
            if waiting:
                held, restarting = None, []
            elif any(state['update'] in UPDATE_FAILED for state in states.values()):
                break
            elif not hold and not first:
                break
            else:
                tasks = self.current_of(states)
                if held is None:
                    held, held_since, restarting = tasks, time.time(), []
                else:
                    restarting = self.restarted(tasks, held)
                    if restarting:
                        held, held_since = tasks, time.time()
                    elif time.time() - held_since >= STABLE_SECONDS:
                        break
            if time.time() >= deadline:
                if held is not None and not restarting and not waiting:
                    # Converged at the last look only: one more look, STABLE_SECONDS later, confirms it.
                    time.sleep(STABLE_SECONDS)
                    states = self.service_states()
                    tasks = self.current_of(states)
                    restarting = self.restarted(tasks, held)
                break
            time.sleep(max(1, params['poll_interval']))
        self.waiting = None
        failing = sorted(set(name for name, state in states.items()
                             if short_of_tasks(state) or state['update'] in UPDATE_FAILED)
                         | set(restarting))
        waited = dict(seconds=int(round(time.time() - start)), services=first)
        if failing or waiting:
            self.module.fail_json(msg=self.report(states, sorted(set(failing) | set(waiting)), waited['seconds']),
                                  waited=waited, failing=sorted(set(failing) | set(waiting)))
        return waited

    @staticmethod
    def task_lines(output):
        """From `docker service ps` (newest task first in each slot, or node for a global service): the
        newest task of each slot that is not running, and the last error met in the slot when the
        newest task has none (a crash loop between two restarts)."""
        slots, order = {}, []
        for line in output.splitlines():
            try:
                task = json.loads(line)
            except ValueError:
                continue
            slot = task.get('Name', '').lstrip('\\_ ').strip()
            if slot not in slots:
                slots[slot] = []
                order.append(slot)
            slots[slot].append(task)
        lines = []
        for slot in order:
            newest = slots[slot][0]
            current = newest.get('CurrentState') or ''
            # A running task is news only in a slot that crashed before (caught between two restarts).
            if current.startswith('Running') and not newest.get('Error') and not any(
                    task.get('Error') for task in slots[slot][1:]):
                continue
            error = (': ' + newest['Error']) if newest.get('Error') else ''
            lines.append('  %s on %s: %s%s' % (slot, newest.get('Node') or 'no node', current, error))
            if not newest.get('Error'):
                failed = [task for task in slots[slot][1:] if task.get('Error')]
                if failed:
                    lines.append('    before that: %s: %s' % (failed[0].get('CurrentState'), failed[0]['Error']))
        return lines

    def report(self, states, failing, seconds):
        lines = ['Stack %s: not every service runs its desired tasks after %d seconds.' % (self.name, seconds)]
        for name in failing:
            state = states.get(name, {})
            update = state.get('update')
            stale = state.get('running', 0) - len(state.get('current', ()))
            lines.append('Service %s: %s tasks running%s%s' % (
                name, state.get('replicas', '?'),
                ', %d of them on an earlier spec' % stale if stale > 0 else '',
                (', update %s%s' % (update, (': ' + state['message']) if state.get('message') else '')) if update else ''))
            rc, out, _err = self.run(['service', 'ps', '--no-trunc', '--format', '{{json .}}', name], check=False,
                                     seconds=REPORT_READ_SECONDS)
            if rc == TIMED_OUT:
                lines.append('  its tasks: docker service ps gave no answer within %d seconds' % REPORT_READ_SECONDS)
            for line in self.task_lines(out):
                lines.append(line)
            if self.module.params['logs_tail'] > 0:
                rc, out, err = self.run(['service', 'logs', '--no-task-ids', '--tail',
                                         str(self.module.params['logs_tail']), name], check=False,
                                        seconds=REPORT_READ_SECONDS)
                logs = [line for line in (out + err).splitlines() if line.strip()]
                if rc == TIMED_OUT:
                    lines.append('  its logs: docker service logs stopped after %d seconds without an answer from every '
                                 'node that ran its tasks' % REPORT_READ_SECONDS)
                if logs:
                    lines.append('  last %d lines of its logs:' % len(logs))
                    lines.extend('    ' + line for line in logs)
        return '\n'.join(lines)

    def own_configs(self):
        _rc, out, _err = self.run(['config', 'ls', '--filter', 'label=%s=%s' % (OWNER, self.name), '--format', '{{.Name}}'])
        return out.split()

    def create_configs(self):
        wanted = self.module.params['configs']
        if not wanted:
            return []
        existing = self.own_configs()
        created = []
        for config in wanted:
            if config['name'] in existing:
                continue
            labels = dict(config.get('labels') or {})
            labels.update({NAMESPACE: self.name, OWNER: self.name})
            args = ['config', 'create']
            for key in sorted(labels):
                args += ['--label', '%s=%s' % (key, labels[key])]
            self.run(args + [config['name'], '-'], data=config['data'])
            created.append(config['name'])
        return created

    def prune_configs(self, specs):
        current = set(config['name'] for config in self.module.params['configs'])
        stale = [name for name in self.own_configs() if name not in current]
        if not stale:
            return []
        # Any service may use them, not only this stack's (a rollback, a service made by hand).
        _rc, out, _err = self.run(['service', 'ls', '--quiet'])
        used = set()
        if out.split():
            _rc, out, _err = self.run(['service', 'inspect'] + out.split())
            for service in json.loads(out):
                for spec in (service.get('Spec'), service.get('PreviousSpec')):
                    for ref in ((spec or {}).get('TaskTemplate', {}).get('ContainerSpec', {}).get('Configs') or []):
                        used.add(ref.get('ConfigName'))
        removed = []
        for name in stale:
            if name not in used:
                self.run(['config', 'rm', name])
                removed.append(name)
        return removed

    def absent(self):
        services = self.service_specs()
        networks = self.networks()
        if not services and not networks:
            return dict(changed=False, services={}, networks_kept=[], stdout='', configs_created=[], configs_removed=[])
        result = dict(changed=True, services=dict((name, 'removed') for name in services), networks_kept=[], stdout='',
                      configs_created=[], configs_removed=[])
        if self.module.check_mode:
            return result
        # The CLI removes the services first, then the networks, which fail while a task's
        # container is still attached: the networks are tried again until they are gone.
        _rc, out, _err = self.run(['stack', 'rm', self.name], check=False)
        result['stdout'] = out
        deadline = time.time() + self.module.params['absent_timeout']
        while True:
            remaining = self.networks()
            if not self.service_specs() and remaining:
                for network in remaining:
                    self.run(['network', 'rm', network], check=False)
                remaining = self.networks()
            if not remaining or time.time() >= deadline:
                break
            time.sleep(1)
        if remaining:
            result['networks_kept'] = remaining
            self.module.warn('Stack %s: kept the networks %s, which other services still use.'
                             % (self.name, ', '.join(remaining)))
        return result


def main():
    argument_spec = docker_cli_argument_spec()
    argument_spec.update(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        definition=dict(type='dict'),
        env=dict(type='dict', default={}, no_log=True),
        prune=dict(type='bool', default=True),
        resolve_image=dict(type='str', choices=['always', 'changed', 'never'], default='never'),
        with_registry_auth=dict(type='bool', default=False),
        configs=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            data=dict(type='str', required=True),
            labels=dict(type='dict', default={}),
        )),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=300),
        poll_interval=dict(type='int', default=2),
        logs_tail=dict(type='int', default=20),
        absent_timeout=dict(type='int', default=60),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[('state', 'present', ['definition'])])
    deployer = StackDeployer(module)
    if module.params['state'] == 'present':
        module.exit_json(**deployer.present())
    module.exit_json(**deployer.absent())


if __name__ == '__main__':
    main()
