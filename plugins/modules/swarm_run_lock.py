#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_run_lock

short_description: Take or release the lock that keeps two runs of the playbooks from changing one swarm at once

version_added: 0.1.0

description:
  - Keeps a lock file on a swarm manager that names the run holding it, so that a second C(site.yml) or C(deploy.yml),
    started from another shell or another machine, waits for the first, or stops naming it, instead of changing the
    swarm at the same time.
  - The lock is a lease. It names the run (the controller's host name, the user, the ansible-playbook process and when it
    started) and when it was taken. A lock older than O(stale_after) seconds belongs to a run that died without
    releasing it, and the next run takes it over, saying so.
  - A run from the same controller whose process is gone (killed, or failed before its last play) is noticed at once, and
    its lock is taken over without waiting. The action plugin checks this on the controller, where that process lived.
  - Reads and writes happen under an exclusive C(flock) of a guard file beside the lock, so two runs never both take it.
  - The lock is bookkeeping of the run, not a change to the host, so the module always reports RV(ignore:changed=false).

author:
  - homelab.swarm maintainers (@homelab)

extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow

attributes:
  action:
    support: full
    details:
      - The action plugin adds O(owner), found on the controller, and takes over the lock of a run of this controller
        whose process is gone.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - In check mode the lock is only read. A lock held by another run is reported as a warning.
  diff_mode:
    support: none
  platform:
    platforms: posix

options:
  state:
    description:
      - V(acquired) takes the lock, waiting up to O(wait_timeout) seconds while another run holds it.
      - V(released) removes the lock when this run holds it, and leaves a lock of another run alone, with a warning.
    type: str
    choices: [acquired, released]
    default: acquired
  path:
    description: The lock file. Its directory is created when missing.
    type: path
    default: /run/homelab-swarm/run.lock
  run_name:
    description: What the run is, for the message another run prints, for example V(site) or V(deploy).
    type: str
    default: ansible-playbook
  owner:
    description:
      - The run taking or releasing the lock. The action plugin sets it; give it only when calling the module without it.
    type: dict
    suboptions:
      run:
        description: An identifier of the run, the same for every task of one ansible-playbook process.
        type: str
        required: true
      controller:
        description: The controller's host name.
        type: str
      user:
        description: The user running ansible-playbook.
        type: str
      pid:
        description: The ansible-playbook process.
        type: int
  stale_after:
    description: Seconds after which a lock is taken to belong to a run that died, and is taken over.
    type: int
    default: 3600
  wait_timeout:
    description: Seconds to wait, with O(state=acquired), while another run holds the lock. V(0) tries once.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two looks at a held lock.
    type: int
    default: 5
  take_over:
    description:
      - The run identifier of a holder known to be gone. Its lock is taken at once, whatever its age.
      - The action plugin sets it for a run of this controller whose process has ended.
    type: str

notes:
  - The default path is under C(/run), so a rebooted manager starts without a lock.
  - A lock left by a run that died on another machine blocks the next run for up to O(stale_after) seconds. Remove the
    file by hand when that run is known to be gone.
"""

EXAMPLES = r"""
- name: Take the run lock on the first manager, waiting up to 10 minutes for a run that holds it
  homelab.swarm.swarm_run_lock:
    run_name: site
    wait_timeout: 600
  run_once: true

- name: Release it at the end of the run
  homelab.swarm.swarm_run_lock:
    state: released
  run_once: true
"""

RETURN = r"""
acquired:
  description: Whether this run holds the lock now.
  returned: always
  type: bool
  sample: true
released:
  description: Whether the lock of this run was removed.
  returned: with O(state=released)
  type: bool
holder:
  description: The run that held the lock when it was read, if any.
  returned: when a lock was found
  type: dict
  sample: {run: "laptop:4242:91811", controller: laptop, user: alice, pid: 4242, run_name: site, since: 1764700000}
taken_over:
  description: The holder whose lock this run took over, and why.
  returned: when a lock was taken over
  type: dict
  sample: {holder: {run: "ci:17:300", run_name: deploy}, reason: "taken 4000 s ago, more than stale_after (3600 s)"}
waited:
  description: Seconds waited for another run.
  returned: with O(state=acquired)
  type: int
"""

import fcntl
import json
import os
import time
from time import gmtime, strftime

from ansible.module_utils.basic import AnsibleModule


def describe(holder, now):
    """One line naming the run that holds the lock."""
    since = holder.get('since')
    age = ' since %s (%d s ago)' % (strftime('%Y-%m-%d %H:%M:%S UTC', gmtime(since)), now - since) if since else ''
    who = '%s@%s' % (holder.get('user') or '?', holder.get('controller') or '?')
    return '%s by %s (process %s, run %s)%s' % (holder.get('run_name') or 'a run', who, holder.get('pid') or '?',
                                                holder.get('run') or '?', age)


def decide(holder, owner, now, stale_after, take_over=None):
    """(take it, why): whether the run `owner` may take a lock `holder` holds now, and why when it is a take-over."""
    if not holder:
        return True, None
    if holder.get('run') == owner['run']:
        return True, None
    if take_over and holder.get('run') == take_over:
        return True, 'its process on %s has ended without releasing it' % (holder.get('controller') or 'this controller')
    since = holder.get('since')
    if not isinstance(since, (int, float)):
        return True, 'the lock file does not say when it was taken'
    if now - since > stale_after:
        return True, 'taken %d s ago, more than stale_after (%d s)' % (now - since, stale_after)
    return False, None


class RunLock(object):

    def __init__(self, module):
        self.module = module
        self.path = module.params['path']
        self.owner = dict(module.params['owner'] or {}, run_name=module.params['run_name'])
        if not self.owner.get('run'):
            module.fail_json(msg='owner.run is required: call the module through its action plugin, which sets owner')

    def guard(self):
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        handle = open(self.path + '.guard', 'a')
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    def read(self):
        try:
            with open(self.path) as handle:
                text = handle.read()
        except (IOError, OSError):
            return None
        try:
            holder = json.loads(text)
        except ValueError:
            holder = None
        # An unreadable lock names no run and says no time, so it counts as stale.
        return holder if isinstance(holder, dict) else {'run': None, 'since': None}

    def write(self, since):
        data = dict(self.owner, since=since, host=os.uname()[1])
        temporary = '%s.%d' % (self.path, os.getpid())
        with open(temporary, 'w') as handle:
            json.dump(data, handle, sort_keys=True)
        os.rename(temporary, self.path)

    def acquire(self):
        params = self.module.params
        start = time.time()
        deadline = start + max(0, params['wait_timeout'])
        while True:
            now = int(time.time())
            handle = None if self.module.check_mode else self.guard()
            try:
                holder = self.read()
                ok, reason = decide(holder, self.owner, now, params['stale_after'], params['take_over'])
                if ok:
                    result = dict(changed=False, acquired=not self.module.check_mode, waited=int(time.time() - start))
                    if holder:
                        result['holder'] = holder
                    if reason:
                        result['taken_over'] = dict(holder=holder, reason=reason)
                    if not self.module.check_mode:
                        mine = holder and holder.get('run') == self.owner['run']
                        self.write(holder['since'] if mine else now)
                    return result
            finally:
                if handle:
                    handle.close()
            if self.module.check_mode:
                self.module.warn('The run lock %s is held: %s.' % (self.path, describe(holder, now)))
                return dict(changed=False, acquired=False, holder=holder, waited=0)
            if time.time() >= deadline:
                self.module.fail_json(
                    msg='Another run holds the lock %s on %s: %s. Nothing was changed. Wait for it to end, or, if it is '
                        'gone, remove that file (a lock older than %d s is taken over).'
                        % (self.path, os.uname()[1], describe(holder, now), params['stale_after']),
                    acquired=False, holder=holder, waited=int(time.time() - start))
            time.sleep(max(1, params['poll_interval']))

    def release(self):
        if self.module.check_mode:
            return dict(changed=False, acquired=False, released=False)
        handle = self.guard()
        try:
            holder = self.read()
            if holder and holder.get('run') == self.owner['run']:
                os.unlink(self.path)
                return dict(changed=False, acquired=False, released=True, holder=holder)
        finally:
            handle.close()
        if holder:
            self.module.warn('The run lock %s is held by another run, so it was left alone: %s.'
                             % (self.path, describe(holder, int(time.time()))))
        return dict(changed=False, acquired=False, released=False, holder=holder)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', default='acquired', choices=['acquired', 'released']),
            path=dict(type='path', default='/run/homelab-swarm/run.lock'),
            run_name=dict(type='str', default='ansible-playbook'),
            owner=dict(type='dict', options=dict(
                run=dict(type='str', required=True),
                controller=dict(type='str'),
                user=dict(type='str'),
                pid=dict(type='int'),
            )),
            stale_after=dict(type='int', default=3600),
            wait_timeout=dict(type='int', default=600),
            poll_interval=dict(type='int', default=5),
            take_over=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    lock = RunLock(module)
    if module.params['state'] == 'acquired':
        module.exit_json(**lock.acquire())
    module.exit_json(**lock.release())


if __name__ == '__main__':
    main()
