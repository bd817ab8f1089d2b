# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs homelab.swarm.swarm_run_lock with the identity of this run, found on the controller.

The run is the ansible-playbook process (the parent of the worker that runs this action), named by the
controller's host name, its pid and its start time, so that every task of one run names the same run
and a later run with a recycled pid does not. A lock held by a run of this controller whose process
is gone is taken over at once: only the controller can see that.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import getpass
import os
import socket

from ansible.plugins.action import ActionBase


def process_start(pid):
    """The start time of a process in clock ticks since boot (Linux), or None where /proc does not say."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            # The command name, in parentheses, may hold spaces: the fields after it are fixed.
            return handle.read().rsplit(')', 1)[1].split()[19]
    except (IOError, OSError, IndexError):
        return None


def this_run(pid=None):
    """The owner of the lock for the ansible-playbook process pid (by default this worker's parent)."""
    pid = pid or os.getppid()
    controller = socket.gethostname()
    return dict(run='%s:%d:%s' % (controller, pid, process_start(pid) or '-'), controller=controller,
                user=getpass.getuser(), pid=pid)


def run_is_gone(holder, controller):
    """True when holder is a run of this controller whose process has ended."""
    if not isinstance(holder, dict) or holder.get('controller') != controller or not holder.get('pid'):
        return False
    pid = int(holder['pid'])
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno == 3  # ESRCH: no such process
    # A live process with that pid is the holder only when it started when the holder did.
    start = process_start(pid)
    return start is not None and '%s:%d:%s' % (controller, pid, start) != holder.get('run')


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        owner = args.get('owner') or this_run()
        args['owner'] = owner
        module = self._task.resolved_action or 'homelab.swarm.swarm_run_lock'
        if args.get('state', 'acquired') != 'acquired' or args.get('take_over'):
            result.update(self._execute_module(module_name=module, module_args=args, task_vars=task_vars))
            return result
        # One look first: a lock of a run of this controller that is gone is taken over without waiting.
        first = self._execute_module(module_name=module, module_args=dict(args, wait_timeout=0), task_vars=task_vars)
        holder = first.get('holder')
        if first.get('failed') and run_is_gone(holder, owner.get('controller')):
            result.update(self._execute_module(module_name=module, module_args=dict(args, take_over=holder['run']),
                                               task_vars=task_vars))
        elif first.get('failed') and holder and int(args.get('wait_timeout', 600)) > 0:
            result.update(self._execute_module(module_name=module, module_args=args, task_vars=task_vars))
        else:
            result.update(first)
        return result
