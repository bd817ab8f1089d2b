# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters that check the inventory's definitions on the controller (plugins/module_utils/checks.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.homelab.swarm.plugins.module_utils import checks


def swarm_nodes_view(hosts, hostvars, managers):
    """The inventory's swarm hosts as the checks see them: name, hostname (from the facts swarm_preflight
    read, None when unknown), role, node labels and availability."""
    nodes = []
    for host in hosts or []:
        variables = hostvars[host]
        facts = variables.get('ansible_facts') or {}
        nodes.append({
            'name': host,
            'hostname': facts.get('hostname') or facts.get('nodename'),
            'role': 'manager' if host in (managers or []) else 'worker',
            'labels': variables.get('swarm_node_labels', {}),
            'availability': variables.get('swarm_node_availability', 'active'),
        })
    return nodes


def swarm_input_problems(nodes, hostvars, networks=None, configs=None, secrets=None):
    """Every problem of the swarm's definitions but the stacks', as one list of messages; each
    node's docker_daemon_options are read from hostvars (the role's defaults are not checked)."""
    daemon_options = dict((node['name'], hostvars[node['name']].get('docker_daemon_options')) for node in nodes or [])
    found = []
    found.extend(checks.network_problems(networks))
    found.extend(checks.config_problems(
        configs, secrets, exists=lambda path: not os.path.isabs(path) or os.path.exists(path)))
    found.extend(checks.node_problems(nodes))
    seen = {}
    for host, options in sorted((daemon_options or {}).items()):
        for text in checks.daemon_problems(host, options):
            key = text.split(': ', 1)[1]
            seen.setdefault(key, []).append(host)
    for text, hosts in seen.items():
        found.append('host%s %s: %s' % ('s' if len(hosts) > 1 else '', ', '.join(hosts), text))
    return found


def _last_line(text):
    lines = [line.strip() for line in str(text or '').splitlines() if line.strip()]
    return lines[-1] if lines else ''


def _other_hosts_failures(host, hosts, hostvars, read_result):
    """The other hosts that could not be reached, and those whose read failed, one phrase each."""
    unreachable, failed = [], []
    for other in hosts or []:
        if other == host:
            continue
        result = (hostvars or {}).get(other, {}).get(read_result) or {}
        if result.get('unreachable'):
            unreachable.append(other)
        elif result.get('failed'):
            failed.append(other)
    found = []
    for names, what in ((unreachable, 'could not be reached'), (failed, 'could not be read')):
        if names:
            found.append('%s %s' % (', '.join(names), what))
    return found


def swarm_host_read_failure(result, host, python='/usr/bin/python3', user=None, hosts=None, hostvars=None,
                            read_result='swarm_preflight_host_info'):
    """What the first module a host ran says when it failed, as one message: no Python, sudo asking
    for a password, or else every reason the result gives (its msg, the last line of its stderr,
    stdout and traceback, its return code). With no result (None), the host was read but the play
    stops for the others (any_errors_fatal runs the rescue on every host when one is unreachable):
    the message names them, from their read_result in hostvars."""
    if not result:
        others = _other_hosts_failures(host, hosts, hostvars, read_result)
        return ('%s: read, but the run stops before it changes any host, because %s (the errors are above).'
                % (host, ' and '.join(others) if others else 'another host failed'))
    stderr = str(result.get('module_stderr') or '')
    message = str(result.get('msg') or '')
    if result.get('rc') == 127 or ('python' in stderr and 'not found' in stderr):
        return ("%s: no Python at %s, and the modules need python3 on every host. Install it (as root:"
                " apt-get install -y python3; or from here: ansible -i INVENTORY %s -b -m ansible.builtin.raw"
                " -a 'apt-get update && apt-get install -y python3'), then run again. Nothing was changed."
                % (host, python or '/usr/bin/python3', host))
    if 'Missing sudo password' in message:
        return ("%s: sudo asks %s for a password: run again with -K (--ask-become-pass) and give it, or let the"
                " user run sudo without one. Nothing was changed." % (host, user or 'the user'))
    reasons = [message] if message else []
    for key in ('module_stderr', 'module_stdout', 'stderr', 'exception'):
        line = _last_line(result.get(key))
        if line and line not in reasons:
            reasons.append('%s: %s' % (key, line))
    if result.get('rc') not in (None, 0):
        reasons.append('rc %s' % result['rc'])
    if not reasons:
        reasons.append('the result gave no reason (its keys: %s)' % (', '.join(sorted(result)) or 'none'))
    return '%s: reading the host failed: %s' % (host, '; '.join(reasons))


class FilterModule(object):

    def filters(self):
        return {
            'swarm_nodes_view': swarm_nodes_view,
            'swarm_input_problems': swarm_input_problems,
            'swarm_host_read_failure': swarm_host_read_failure,
        }
