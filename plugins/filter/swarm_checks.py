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


class FilterModule(object):

    def filters(self):
        return {
            'swarm_nodes_view': swarm_nodes_view,
            'swarm_input_problems': swarm_input_problems,
        }
