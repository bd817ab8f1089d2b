# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plan of the swarm_networks role: for each overlay network of the inventory, whether it exists,
what differs from the inventory (Docker changes none of it in place) and who uses it; and which
changes must be refused. Pure functions of what the manager reported; the role's tasks carry the
plan out (plugins/filter/swarm_networks.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

from ansible.module_utils.parsing.convert_bool import boolean

NETWORK_PREFIX = 'network '
SERVICE_PREFIX = 'service '
# A task container's name: <stack>_<service>.<slot or node id>.<25-character task id>. Its service
# already names the user; lb-* keys are the network's own load balancer endpoints.
TASK_CONTAINER = re.compile(r'^[^.]+[.][^.]+[.][a-z0-9]{25}$')
IPAM_FIELDS = (('subnet', 'Subnet'), ('gateway', 'Gateway'), ('ip_range', 'IPRange'))


def _flag(value):
    return boolean(value, strict=False) if value is not None else False


def _lower(value):
    return (u'%s' % value).lower()


def read_lines(lines):
    """The networks (one JSON document or C(null) per C(network ) line, in the inventory's order)
    and the services (C(service ) lines) the role's read task printed."""
    networks, services = [], []
    for line in lines or []:
        if line.startswith(NETWORK_PREFIX):
            networks.append(json.loads(line[len(NETWORK_PREFIX):]))
        elif line.startswith(SERVICE_PREFIX):
            services.append(json.loads(line[len(SERVICE_PREFIX):]))
    return networks, services


def differences(want, have):
    """What of C(want) (an item of swarm_networks_overlays) the existing network C(have) (its
    C(docker network inspect)) does not have, one phrase each."""
    found = []
    ipam = ((have.get('IPAM') or {}).get('Config') or [{}])[0] or {}
    options = have.get('Options') or {}
    if have.get('Driver') != 'overlay' or have.get('Scope') != 'swarm':
        found.append(u'driver %s (%s scope), not overlay (swarm scope)' % (have.get('Driver'), have.get('Scope')))
    for key, field in IPAM_FIELDS:
        wanted = want.get(key) or ''
        if wanted and wanted != ipam.get(field, ''):
            found.append(u'%s %s -> %s' % (key, ipam.get(field) or 'none', wanted))
    for key, current in (('attachable', bool(have.get('Attachable', False))),
                         ('internal', bool(have.get('Internal', False))),
                         ('encrypted', 'encrypted' in options)):
        wanted = _flag(want.get(key, False))
        if wanted != current:
            found.append(u'%s %s -> %s' % (key, _lower(current), _lower(wanted)))
    wanted_labels = want.get('labels') or {}
    current_labels = have.get('Labels') or {}
    if wanted_labels != current_labels:
        found.append(u'labels %s -> %s' % (json.dumps(current_labels), json.dumps(wanted_labels)))
    return found


def users(have, services):
    """The services whose tasks attach to the network C(have), and the containers (not task
    containers) connected to it on the node that was asked."""
    found = []
    for service in services:
        targets = [network.get('Target') for network in
                   ((service.get('TaskTemplate') or {}).get('Networks') or [])]
        if have.get('Id') in targets or have.get('Name') in targets:
            found.append(u'service %s' % service.get('Name'))
    for key, endpoint in (have.get('Containers') or {}).items():
        name = (endpoint or {}).get('Name') or ''
        if not key.startswith('lb-') and not TASK_CONTAINER.match(name):
            found.append(u'container %s' % name)
    return found


def network_plan(overlays, lines):
    """One entry per item of C(overlays): C(name), C(state) (present or absent), C(exists),
    C(differences) and C(users) (empty when it does not exist)."""
    networks, services = read_lines(lines)
    if len(networks) != len(overlays or []):
        raise ValueError('the read gave %d networks for %d in swarm_networks_overlays'
                         % (len(networks), len(overlays or [])))
    plan = []
    for want, have in zip(overlays or [], networks):
        plan.append({
            'name': want['name'],
            'state': want.get('state') or 'present',
            'exists': have is not None,
            'differences': differences(want, have) if have is not None else [],
            'users': users(have, services) if have is not None else [],
        })
    return plan


def refusals(plan, recreate_unused):
    """Why the plan cannot be carried out, one sentence per network: removing a network in use, or
    recreating one that differs while it is in use (or at all, without C(recreate_unused))."""
    found = []
    for entry in plan:
        if not entry['exists']:
            continue
        if entry['state'] == 'absent':
            if not entry['users']:
                continue
            asked = u'the inventory asks to remove it'
        elif entry['differences'] and (entry['users'] or not recreate_unused):
            asked = (u'the inventory asks for %s, which Docker can only apply by removing and creating it again'
                     % u', '.join(entry['differences']))
        else:
            continue
        if entry['users']:
            why = u'but it is used by %s' % u', '.join(entry['users'])
        else:
            why = u'and swarm_networks_recreate_unused is false'
        found.append(u'Network %s: %s, %s.' % (entry['name'], asked, why))
    return found
